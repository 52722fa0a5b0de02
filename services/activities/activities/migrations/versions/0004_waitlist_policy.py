"""an activity's waitlist policy: offer a freed place (as before) or promote at once

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 14:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = sa.Enum("OFFER", "PROMOTE", name="waitlistpolicy")


def upgrade() -> None:
    # Adding a column does not create its enum type on PostgreSQL; SQLite has none.
    POLICY.create(op.get_bind(), checkfirst=True)
    with op.batch_alter_table("activity", schema=None) as batch_op:
        # Every activity so far offered freed places: that stays its policy.
        batch_op.add_column(
            sa.Column("waitlist_policy", POLICY, nullable=False, server_default="OFFER")
        )


def downgrade() -> None:
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_column("waitlist_policy")
    POLICY.drop(op.get_bind(), checkfirst=True)
