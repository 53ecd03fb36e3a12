"""location and counter name_fr, name_en: their names in the reader's language, as services

`name` stays the municipality's (Dutch) name; the others are optional. Plain nullable columns:
ALTER TABLE ADD COLUMN on both engines.

Revision ID: 8b3e6f1a4c27
Revises: 7a1c5e3b2d64
Create Date: 2026-12-07 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b3e6f1a4c27'
down_revision = '7a1c5e3b2d64'
branch_labels = None
depends_on = None


def upgrade():
    for table, length in (('location', 200), ('counter', 100)):
        op.add_column(table, sa.Column('name_fr', sa.String(length=length), nullable=True))
        op.add_column(table, sa.Column('name_en', sa.String(length=length), nullable=True))


def downgrade():
    for table in ('location', 'counter'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('name_en')
            batch_op.drop_column('name_fr')
