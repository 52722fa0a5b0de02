"""volunteer list indexes: the search by name, the queue of applications

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 13:45:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer_community_name', ['community_id', 'name', 'id'], unique=False)
        batch_op.create_index('ix_volunteer_status_applied', ['status', 'applied_at', 'id'], unique=False)
        batch_op.create_index(
            'ix_volunteer_community_status_applied',
            ['community_id', 'status', 'applied_at', 'id'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.drop_index('ix_volunteer_community_status_applied')
        batch_op.drop_index('ix_volunteer_status_applied')
        batch_op.drop_index('ix_volunteer_community_name')
