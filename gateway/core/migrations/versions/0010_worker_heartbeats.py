"""worker_heartbeats: what each worker last did, for /metrics and the worker-gone alert

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 00:10:00
"""
from alembic import op
import sqlalchemy as sa
import gateway.core.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('worker_heartbeats',
    sa.Column('worker', sa.String(length=100), nullable=False),
    sa.Column('started_at', gateway.core.db.UTCDateTime(), nullable=False),
    sa.Column('seen_at', gateway.core.db.UTCDateTime(), nullable=False),
    sa.Column('timers_at', gateway.core.db.UTCDateTime(), nullable=True),
    sa.Column('outbox_at', gateway.core.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('worker')
    )


def downgrade() -> None:
    op.drop_table('worker_heartbeats')
