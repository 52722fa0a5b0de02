"""announcements by e-mail and SMS: a preference's role and community, when a delivery went

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 14:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('preference', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
        batch_op.add_column(
            sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=26), nullable=True)
        )
        batch_op.create_index('ix_preference_audience', ['community_id', 'role'], unique=False)
    with op.batch_alter_table('channel_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('inbox_entry', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_event', ['event_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbox_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_event')
    with op.batch_alter_table('channel_delivery', schema=None) as batch_op:
        batch_op.drop_column('sent_at')
    with op.batch_alter_table('preference', schema=None) as batch_op:
        batch_op.drop_index('ix_preference_audience')
        batch_op.drop_column('community_id')
        batch_op.drop_column('role')
