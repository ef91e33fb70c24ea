"""voice, opt-out, shared proxy numbers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 13:46:49.996770
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import gateway.core.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('opt_outs',
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=30), nullable=False),
    sa.Column('at', gateway.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('phone')
    )
    op.create_table('pending_choices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proxy_number', sa.String(length=20), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('options', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('media', sa.Integer(), nullable=False),
    sa.Column('asked_at', gateway.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('proxy_number', 'phone', name='uq_pending_choices_number_phone')
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        # Cases from before voice existed were all texted.
        batch_op.add_column(sa.Column('citizen_channel', sa.String(length=5), nullable=False, server_default='sms'))
        batch_op.add_column(sa.Column('short_code', sa.Integer(), nullable=True))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.alter_column('citizen_channel', server_default=None)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_outbox_replaces_id', 'outbox', ['replaces_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('proxy_leases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_proxy_leases_number_phone'), type_='unique')
        batch_op.create_index('ix_proxy_leases_number_phone', ['proxy_number', 'phone'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('proxy_leases', schema=None) as batch_op:
        batch_op.drop_index('ix_proxy_leases_number_phone')
        batch_op.create_unique_constraint(batch_op.f('uq_proxy_leases_number_phone'), ['proxy_number', 'phone'])

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outbox_replaces_id', type_='foreignkey')
        batch_op.drop_column('replaces_id')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('short_code')
        batch_op.drop_column('citizen_channel')

    op.drop_table('pending_choices')
    op.drop_table('opt_outs')
