"""reviews of a period paged on (period_id, id)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 13:35:00.000000
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.create_index('ix_review_period_id_id', ['period_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_index('ix_review_period_id_id')
