"""cases: drop question_sent_at, written and never read

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 19:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('question_sent_at')


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('question_sent_at', sa.DateTime(timezone=True), nullable=True))
