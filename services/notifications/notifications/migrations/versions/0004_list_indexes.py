"""indexes for the paged lists: inbox, announcements, webhook subscriptions and deliveries

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 13:40:00.000000
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('inbox_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_account')
        batch_op.drop_index('ix_inbox_role')
        batch_op.create_index('ix_inbox_account', ['account_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(
            'ix_inbox_role', ['community_id', 'role', 'created_at', 'id'], unique=False
        )
        batch_op.create_index(
            'ix_inbox_volunteer_listed', ['volunteer_id', 'created_at', 'id'], unique=False
        )
        batch_op.create_index('ix_inbox_team_listed', ['team_id', 'created_at', 'id'], unique=False)
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.create_index('ix_announcement_listed', ['publish_at', 'id'], unique=False)
        batch_op.create_index(
            'ix_announcement_community_listed', ['community_id', 'publish_at', 'id'], unique=False
        )
    with op.batch_alter_table('webhook_subscription', schema=None) as batch_op:
        batch_op.create_index(
            'ix_webhook_subscription_owner', ['owner_account_id', 'created_at', 'id'], unique=False
        )
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index(
            'ix_webhook_delivery_log', ['subscription_id', 'created_at', 'id'], unique=False
        )
        batch_op.create_index(
            'ix_webhook_delivery_outcome',
            ['subscription_id', 'status', 'created_at', 'id'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_delivery_outcome')
        batch_op.drop_index('ix_webhook_delivery_log')
    with op.batch_alter_table('webhook_subscription', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_subscription_owner')
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_index('ix_announcement_community_listed')
        batch_op.drop_index('ix_announcement_listed')
    with op.batch_alter_table('inbox_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_team_listed')
        batch_op.drop_index('ix_inbox_volunteer_listed')
        batch_op.drop_index('ix_inbox_role')
        batch_op.drop_index('ix_inbox_account')
        batch_op.create_index('ix_inbox_role', ['community_id', 'role', 'created_at'], unique=False)
        batch_op.create_index('ix_inbox_account', ['account_id', 'created_at'], unique=False)
