"""the audit trail (append-only)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 16:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared.db
from shared.migrations import drop_append_only, make_append_only


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=26), nullable=False),
    sa.Column('at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sqlmodel.sql.sqltypes.AutoString(length=26), nullable=True),
    sa.Column('actor_role', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=26), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('object_type', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('object_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('correlation_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_actor_at', ['actor_id', 'at', 'id'], unique=False)
        batch_op.create_index('ix_audit_entry_at', ['at', 'id'], unique=False)
        batch_op.create_index('ix_audit_entry_community_at', ['community_id', 'at', 'id'], unique=False)
        batch_op.create_index('ix_audit_entry_object_at', ['object_id', 'at', 'id'], unique=False)
    make_append_only('audit_entry')



def downgrade() -> None:
    drop_append_only('audit_entry')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_object_at')
        batch_op.drop_index('ix_audit_entry_community_at')
        batch_op.drop_index('ix_audit_entry_at')
        batch_op.drop_index('ix_audit_entry_actor_at')

    op.drop_table('audit_entry')
