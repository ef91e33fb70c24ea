"""simulator deliveries

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 17:30:00.000000
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import gateway.core.db


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('simulator_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('to_number', sa.String(length=20), nullable=True),
    sa.Column('from_number', sa.String(length=20), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('status_url', sa.String(length=500), nullable=True),
    sa.Column('sid', sa.String(length=64), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('at', gateway.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('simulator_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_simulator_deliveries_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('simulator_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_simulator_deliveries_at'))

    op.drop_table('simulator_deliveries')
