"""team projection: each team's community, to scope team announcements

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:45:00.000000
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
    op.create_table('team',
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=26), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=26), nullable=False),
    sa.PrimaryKeyConstraint('team_id')
    )
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_community_id'), ['community_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_community_id'))
    op.drop_table('team')
