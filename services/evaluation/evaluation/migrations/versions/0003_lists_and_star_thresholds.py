"""lists paged on indexes (periods, nominations, certificates); the district's star thresholds

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 13:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('star_threshold_setting',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('hours', sa.JSON(), nullable=False),
    sa.Column('changed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('period', schema=None) as batch_op:
        batch_op.create_index('ix_period_community_starts', ['community_id', 'starts_on', 'id'], unique=False)
        batch_op.create_index('ix_period_phase_starts', ['phase', 'starts_on', 'id'], unique=False)
        batch_op.create_index('ix_period_starts', ['starts_on', 'id'], unique=False)
    with op.batch_alter_table('nomination', schema=None) as batch_op:
        batch_op.create_index('ix_nomination_status_id', ['status', 'id'], unique=False)
        batch_op.create_index('ix_nomination_community_status_id', ['community_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_nomination_community_id_id', ['community_id', 'id'], unique=False)
        batch_op.create_index('ix_nomination_period_status_id', ['period_id', 'status', 'id'], unique=False)
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index('ix_certificate_community_number', ['community_id', 'number'], unique=False)
        batch_op.create_index('ix_certificate_volunteer_number', ['volunteer_id', 'number'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index('ix_certificate_volunteer_number')
        batch_op.drop_index('ix_certificate_community_number')
    with op.batch_alter_table('nomination', schema=None) as batch_op:
        batch_op.drop_index('ix_nomination_period_status_id')
        batch_op.drop_index('ix_nomination_community_id_id')
        batch_op.drop_index('ix_nomination_community_status_id')
        batch_op.drop_index('ix_nomination_status_id')
    with op.batch_alter_table('period', schema=None) as batch_op:
        batch_op.drop_index('ix_period_starts')
        batch_op.drop_index('ix_period_phase_starts')
        batch_op.drop_index('ix_period_community_starts')
    op.drop_table('star_threshold_setting')
