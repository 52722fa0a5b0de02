"""lists and queues on indexes; a pairing's next visit due as a column; request progress

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 13:20:55.420849
"""
from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op

from shared.db import UtcDateTime


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fill_next_visit_due() -> None:
    # The cadence after the last visit, or after the start: date arithmetic differs by
    # dialect, so each pairing is computed here (pairings number in the hundreds).
    pairing = sa.table(
        'pairing',
        sa.column('id', sa.String),
        sa.column('created_at', UtcDateTime()),
        sa.column('last_visit_at', UtcDateTime()),
        sa.column('cadence_days', sa.Integer),
        sa.column('next_visit_due_at', UtcDateTime()),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(pairing.c.id, pairing.c.created_at, pairing.c.last_visit_at, pairing.c.cadence_days)
    ).all()
    for row in rows:
        due = (row.last_visit_at or row.created_at) + timedelta(days=row.cadence_days)
        connection.execute(
            pairing.update().where(pairing.c.id == row.id).values(next_visit_due_at=due)
        )


def upgrade() -> None:
    op.create_table('request_step',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=26), nullable=False),
    sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(length=26), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=26), nullable=True),
    sa.Column('volunteer_id', sqlmodel.sql.sqltypes.AutoString(length=26), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['resident_request.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('request_step', schema=None) as batch_op:
        batch_op.create_index('ix_request_step_request_at', ['request_id', 'at', 'id'], unique=False)

    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index('ix_activity_community_area_start', ['community_id', 'service_area_code', 'starts_at', 'id'], unique=False)
        batch_op.create_index('ix_activity_community_start', ['community_id', 'starts_at', 'id'], unique=False)
        batch_op.create_index('ix_activity_community_status_start', ['community_id', 'status', 'starts_at', 'id'], unique=False)
        batch_op.create_index('ix_activity_status_end', ['status', 'ends_at'], unique=False)
        batch_op.create_index('ix_activity_team_start', ['team_id', 'starts_at', 'id'], unique=False)

    with op.batch_alter_table('pairing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_visit_due_at', sa.DateTime(timezone=True), nullable=True))
    _fill_next_visit_due()
    with op.batch_alter_table('pairing', schema=None) as batch_op:
        batch_op.alter_column('next_visit_due_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_index('ix_pairing_community_created', ['community_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_pairing_community_due', ['community_id', 'active', 'next_visit_due_at', 'id'], unique=False)

    with op.batch_alter_table('resident_request', schema=None) as batch_op:
        batch_op.create_index('ix_resident_request_community_category_due', ['community_id', 'category', 'due_at', 'id'], unique=False)
        batch_op.create_index('ix_resident_request_community_due', ['community_id', 'due_at', 'id'], unique=False)
        batch_op.create_index('ix_resident_request_community_status_due', ['community_id', 'status', 'due_at', 'id'], unique=False)
        batch_op.create_index('ix_resident_request_resident_opened', ['resident_account_id', 'opened_at', 'id'], unique=False)

    with op.batch_alter_table('service_record', schema=None) as batch_op:
        batch_op.create_index('ix_service_record_community_start', ['community_id', 'started_at', 'id'], unique=False)
        batch_op.create_index('ix_service_record_community_status_start', ['community_id', 'status', 'started_at', 'id'], unique=False)

    with op.batch_alter_table('sign_up', schema=None) as batch_op:
        batch_op.create_index('ix_sign_up_activity_created', ['activity_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_sign_up_review_created', ['needs_review', 'created_at', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sign_up', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_up_review_created')
        batch_op.drop_index('ix_sign_up_activity_created')

    with op.batch_alter_table('service_record', schema=None) as batch_op:
        batch_op.drop_index('ix_service_record_community_status_start')
        batch_op.drop_index('ix_service_record_community_start')

    with op.batch_alter_table('resident_request', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_request_resident_opened')
        batch_op.drop_index('ix_resident_request_community_status_due')
        batch_op.drop_index('ix_resident_request_community_due')
        batch_op.drop_index('ix_resident_request_community_category_due')

    with op.batch_alter_table('pairing', schema=None) as batch_op:
        batch_op.drop_index('ix_pairing_community_due')
        batch_op.drop_index('ix_pairing_community_created')
        batch_op.drop_column('next_visit_due_at')

    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_team_start')
        batch_op.drop_index('ix_activity_status_end')
        batch_op.drop_index('ix_activity_community_status_start')
        batch_op.drop_index('ix_activity_community_start')
        batch_op.drop_index('ix_activity_community_area_start')

    with op.batch_alter_table('request_step', schema=None) as batch_op:
        batch_op.drop_index('ix_request_step_request_at')

    op.drop_table('request_step')
