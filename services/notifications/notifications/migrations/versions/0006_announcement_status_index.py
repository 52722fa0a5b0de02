"""announcements listed by status on one index, which the publisher uses too

The single-column indexes on publish_at and published are covered by the composite
ones: (publish_at, id) and (published, publish_at, id).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:10:00.000000
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_index('ix_announcement_publish_at')
        batch_op.drop_index('ix_announcement_published')
        batch_op.create_index(
            'ix_announcement_status_listed', ['published', 'publish_at', 'id'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_index('ix_announcement_status_listed')
        batch_op.create_index('ix_announcement_published', ['published'], unique=False)
        batch_op.create_index('ix_announcement_publish_at', ['publish_at'], unique=False)
