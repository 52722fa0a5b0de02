"""the certificate's national fields; the district's certificate issuer and seal

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 14:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('certificate_issuer_setting',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('organisation', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('person_in_charge', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('handler', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('contact_phone', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('seal_id', sqlmodel.sql.sqltypes.AutoString(length=26), nullable=True),
    sa.Column('changed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('certificate_seal',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=26), nullable=False),
    sa.Column('media_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('image', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('uploaded_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('known_volunteer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('national_id_masked', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True))
    # Certificates issued before keep what they printed: no masked number, no areas
    # apart from their service content, no issuer person, days in the default zone.
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default='居民身份证'))
        batch_op.add_column(sa.Column('national_id_masked', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True))
        batch_op.add_column(sa.Column('hours_by_area', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('person_in_charge', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True))
        batch_op.add_column(sa.Column('handler', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True))
        batch_op.add_column(sa.Column('contact_phone', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True))
        batch_op.add_column(sa.Column('seal_id', sqlmodel.sql.sqltypes.AutoString(length=26), nullable=True))
        batch_op.add_column(sa.Column('time_zone', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False, server_default='Asia/Shanghai'))


def downgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        for column in ('time_zone', 'seal_id', 'contact_phone', 'handler', 'person_in_charge',
                       'hours_by_area', 'national_id_masked', 'id_type'):
            batch_op.drop_column(column)
    with op.batch_alter_table('known_volunteer', schema=None) as batch_op:
        batch_op.drop_column('national_id_masked')
    op.drop_table('certificate_seal')
    op.drop_table('certificate_issuer_setting')
