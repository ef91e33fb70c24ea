"""pool_parties: per-person rows dispatches lock instead of one lock for the whole pool

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pool_parties',
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('leases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('phone')
    )
    with op.batch_alter_table('pool_parties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pool_parties_leases'), ['leases'], unique=False)
    # The people who hold numbers now, with how many.
    op.execute('INSERT INTO pool_parties (phone, leases) SELECT phone, count(*) FROM proxy_leases GROUP BY phone')


def downgrade() -> None:
    with op.batch_alter_table('pool_parties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pool_parties_leases'))
    op.drop_table('pool_parties')
