"""verified how and by whom: an address or identifier checked by staff (an identity document)
or by an SMS reply says how, and which staff member checked it

Plain nullable columns: ALTER TABLE ADD COLUMN on both engines (no table is copied).

Revision ID: 6e1b7c3a9f20
Revises: 3f6a9d2c1b70
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import core.database


# revision identifiers, used by Alembic.
revision = '6e1b7c3a9f20'
down_revision = '3f6a9d2c1b70'
branch_labels = None
depends_on = None


def _add_staff_reference(table: str) -> None:
    """verified_by_id REFERENCES staff: a column constraint SQLite can add in place."""
    name = f"fk_{table}_verified_by_id_staff"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN verified_by_id INTEGER "
            f"CONSTRAINT {name} REFERENCES staff (id)"
        )
    else:
        op.add_column(table, sa.Column('verified_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, 'staff', ['verified_by_id'], ['id'])


def upgrade():
    op.add_column('contact_address', sa.Column('verified_how', sa.String(length=20), nullable=True))
    _add_staff_reference('contact_address')
    op.add_column(
        'party_identifier',
        sa.Column('verified_at', core.database.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column('party_identifier', sa.Column('verified_how', sa.String(length=20), nullable=True))
    _add_staff_reference('party_identifier')


def downgrade():
    for table in ('party_identifier', 'contact_address'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('verified_by_id')
            batch_op.drop_column('verified_how')
            if table == 'party_identifier':
                batch_op.drop_column('verified_at')
