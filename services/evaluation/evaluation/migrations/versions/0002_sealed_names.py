"""sealed names: a volunteer's name as it travels, sealed under a key erasure shreds

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:00:00.000000
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
    with op.batch_alter_table('known_volunteer', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('sealed_name', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('known_volunteer', schema=None) as batch_op:
        batch_op.drop_column('sealed_name')
