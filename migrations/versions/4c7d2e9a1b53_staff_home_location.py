"""staff home_location_id: the office a clerk works at; staff pages open on it

On SQLite the column is added and dropped in place (ALTER TABLE ADD / DROP COLUMN), not by
batch mode: dropping the copied staff table would cascade to the rows that refer to it.

Revision ID: 4c7d2e9a1b53
Revises: b2212c889dbf
Create Date: 2026-12-06 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c7d2e9a1b53'
down_revision = 'b2212c889dbf'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE staff ADD COLUMN home_location_id INTEGER "
            "CONSTRAINT fk_staff_home_location_id_location REFERENCES location (id)"
        )
        return
    op.add_column('staff', sa.Column('home_location_id', sa.Integer(), nullable=True))
    op.create_foreign_key(
        'fk_staff_home_location_id_location', 'staff', 'location', ['home_location_id'], ['id']
    )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite 3.35+), never by a copy: dropping the old staff table would cascade
        # to the rows that refer to it (API tokens, recovery codes).
        op.execute("ALTER TABLE staff DROP COLUMN home_location_id")
        return
    op.drop_constraint('fk_staff_home_location_id_location', 'staff', type_='foreignkey')
    op.drop_column('staff', 'home_location_id')
