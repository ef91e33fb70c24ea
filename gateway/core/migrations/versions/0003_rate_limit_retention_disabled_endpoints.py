"""rate limit, retention, disabled endpoints

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 14:36:45.311341
"""
from alembic import op
import sqlalchemy as sa

import gateway.core.db


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('disabled_endpoints',
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', gateway.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('url')
    )
    op.create_table('sender_slots',
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('next_at', gateway.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('number')
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_at', gateway.core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('personal_data_removed_at', gateway.core.db.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_ended_at'), ['ended_at'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('priority', server_default=None)



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('priority')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_ended_at'))
        batch_op.drop_column('personal_data_removed_at')
        batch_op.drop_column('ended_at')

    op.drop_table('sender_slots')
    op.drop_table('disabled_endpoints')
