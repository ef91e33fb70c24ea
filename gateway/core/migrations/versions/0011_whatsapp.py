"""WhatsApp: citizen_channel takes "whatsapp"; whatsapp_windows holds her last message's moment

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 11:30:00
"""
from alembic import op
import sqlalchemy as sa
import gateway.core.db


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.alter_column('citizen_channel', existing_type=sa.String(length=5), type_=sa.String(length=8))
    op.create_table('whatsapp_windows',
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('last_inbound_at', gateway.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('phone')
    )
    with op.batch_alter_table('whatsapp_windows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_whatsapp_windows_last_inbound_at'), ['last_inbound_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('whatsapp_windows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_whatsapp_windows_last_inbound_at'))
    op.drop_table('whatsapp_windows')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.alter_column('citizen_channel', existing_type=sa.String(length=8), type_=sa.String(length=5))
