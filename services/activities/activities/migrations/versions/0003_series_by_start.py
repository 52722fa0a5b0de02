"""a series' occurrences by start on one index (its list, its changes from a day on)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 14:15:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_series_id")
        batch_op.create_index(
            "ix_activity_series_start", ["series_id", "starts_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_series_start")
        batch_op.create_index("ix_activity_series_id", ["series_id"], unique=False)
