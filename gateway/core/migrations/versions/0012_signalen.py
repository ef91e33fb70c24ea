"""Signalen: cases.origin, and signalen_cursor for the `signalen` process

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 18:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import gateway.core.db


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=12), nullable=True))
    op.create_table('signalen_cursor',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('updated_at', gateway.core.db.UTCDateTime(), nullable=True),
    sa.Column('seen_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('holder', sa.String(length=100), nullable=True),
    sa.Column('lease_until', gateway.core.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('signalen_cursor')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('origin')
