"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 13:04:25.539398
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import gateway.core.db

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.String(length=100), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('citizen_phone', sa.String(length=20), nullable=True),
    sa.Column('citizen_name', sa.String(length=200), nullable=True),
    sa.Column('citizen_language', sa.String(length=5), nullable=False),
    sa.Column('crew_id', sa.String(length=100), nullable=False),
    sa.Column('crew_phone', sa.String(length=20), nullable=True),
    sa.Column('crew_name', sa.String(length=200), nullable=True),
    sa.Column('crew_language', sa.String(length=5), nullable=False),
    sa.Column('eta', gateway.core.db.UTCDateTime(), nullable=True),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('proxy_number', sa.String(length=20), nullable=True),
    sa.Column('unclear_replies', sa.Integer(), nullable=False),
    sa.Column('awaiting_detail', sa.Boolean(), nullable=False),
    sa.Column('completed_at', gateway.core.db.UTCDateTime(), nullable=True),
    sa.Column('question_sent_at', gateway.core.db.UTCDateTime(), nullable=True),
    sa.Column('reopen_until', gateway.core.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', gateway.core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', gateway.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id')
    )
    op.create_table('processed_events',
    sa.Column('webhook_id', sa.String(length=255), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('received_at', gateway.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('webhook_id')
    )
    op.create_table('inbound_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_sid', sa.String(length=64), nullable=False),
    sa.Column('case_pk', sa.Integer(), nullable=True),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('received_at', gateway.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_pk'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_sid')
    )
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_messages_case_pk'), ['case_pk'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_pk', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('recipient', sa.String(length=12), nullable=False),
    sa.Column('to_number', sa.String(length=20), nullable=True),
    sa.Column('from_number', sa.String(length=20), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('webhook_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('due_at', gateway.core.db.UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', gateway.core.db.UTCDateTime(), nullable=True),
    sa.Column('provider_sid', sa.String(length=64), nullable=True),
    sa.Column('delivery_status', sa.String(length=20), nullable=True),
    sa.Column('error_code', sa.String(length=20), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', gateway.core.db.UTCDateTime(), nullable=False),
    sa.Column('sent_at', gateway.core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_pk'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider_sid'),
    sa.UniqueConstraint('webhook_id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_case_pk'), ['case_pk'], unique=False)
        batch_op.create_index('ix_outbox_due', ['status', 'due_at'], unique=False)

    op.create_table('proxy_leases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proxy_number', sa.String(length=20), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('case_pk', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_pk'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('proxy_number', 'phone', name='uq_proxy_leases_number_phone')
    )
    with op.batch_alter_table('proxy_leases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proxy_leases_case_pk'), ['case_pk'], unique=False)
        batch_op.create_index('ix_proxy_leases_phone', ['phone'], unique=False)

    op.create_table('timeline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_pk', sa.Integer(), nullable=False),
    sa.Column('at', gateway.core.db.UTCDateTime(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['case_pk'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('timeline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timeline_case_pk'), ['case_pk'], unique=False)

    op.create_table('timers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_pk', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('due_at', gateway.core.db.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('fired_at', gateway.core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_pk'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timers_case_pk'), ['case_pk'], unique=False)
        batch_op.create_index('ix_timers_due', ['status', 'due_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_index('ix_timers_due')
        batch_op.drop_index(batch_op.f('ix_timers_case_pk'))

    op.drop_table('timers')
    with op.batch_alter_table('timeline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timeline_case_pk'))

    op.drop_table('timeline')
    with op.batch_alter_table('proxy_leases', schema=None) as batch_op:
        batch_op.drop_index('ix_proxy_leases_phone')
        batch_op.drop_index(batch_op.f('ix_proxy_leases_case_pk'))

    op.drop_table('proxy_leases')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_due')
        batch_op.drop_index(batch_op.f('ix_outbox_case_pk'))

    op.drop_table('outbox')
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_messages_case_pk'))

    op.drop_table('inbound_messages')
    op.drop_table('processed_events')
    op.drop_table('cases')
