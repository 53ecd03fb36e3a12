"""appointment record_pending: new citizen bookings wait here for the recorder

The recorder (appointments/recorder.py) writes a hundred bookings at a time into the case
record. On SQLite the column is added in place (ALTER TABLE ADD COLUMN): batch mode would copy
the table and lose its no-double-booking triggers (see ec8b64f4c7bd).

Revision ID: 5b1f0c2d9e47
Revises: ec8b64f4c7bd
Create Date: 2026-11-23 03:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1f0c2d9e47'
down_revision = 'ec8b64f4c7bd'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE appointment ADD COLUMN record_pending BOOLEAN NOT NULL DEFAULT 0")
    else:
        op.add_column(
            'appointment',
            sa.Column('record_pending', sa.Boolean(), server_default=sa.false(), nullable=False),
        )
    op.create_index(
        'ix_appointment_record_pending',
        'appointment',
        ['id'],
        unique=False,
        postgresql_where=sa.text('record_pending'),
        sqlite_where=sa.text('record_pending'),
    )


def downgrade():
    op.drop_index('ix_appointment_record_pending', table_name='appointment')
    op.execute("ALTER TABLE appointment DROP COLUMN record_pending")
