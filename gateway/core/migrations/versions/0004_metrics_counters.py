"""metrics: counters kept in the database, and the outbox index /metrics reads

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('metric_counters',
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('labels', sa.String(length=200), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('name', 'labels')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_pending_by_channel', ['status', 'channel', 'due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_pending_by_channel')
    op.drop_table('metric_counters')
