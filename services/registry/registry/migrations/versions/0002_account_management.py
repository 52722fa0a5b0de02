"""account management: reset passwords, throttling per address, account list indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 13:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index('ix_account_community_username', ['community_id', 'username'], unique=False)
        batch_op.create_index('ix_account_role_username', ['role', 'username'], unique=False)
    op.create_table('login_address_throttle',
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('address')
    )


def downgrade() -> None:
    op.drop_table('login_address_throttle')
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_index('ix_account_role_username')
        batch_op.drop_index('ix_account_community_username')
        batch_op.drop_column('must_change_password')
