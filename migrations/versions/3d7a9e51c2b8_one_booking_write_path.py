"""one booking write path: appointment.record_pending goes

Every booking is now recorded in the case record in its own transaction; nothing waits for a
recorder any more. On SQLite the column is dropped in place (ALTER TABLE DROP COLUMN, SQLite
3.35+): batch mode would copy the table and lose its no-double-booking triggers (see
ec8b64f4c7bd). An upgrade from a database where bookings still wait for the recorder refuses
to lose them: run `flask --app app scheduler --once` on the old version first.

Revision ID: 3d7a9e51c2b8
Revises: 5b1f0c2d9e47
Create Date: 2026-12-06 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3d7a9e51c2b8'
down_revision = '5b1f0c2d9e47'
branch_labels = None
depends_on = None


def upgrade():
    waiting = op.get_bind().execute(
        sa.text("SELECT count(*) FROM appointment WHERE record_pending")
    ).scalar()
    if waiting:
        raise RuntimeError(
            f"bookings waiting for the recorder: {waiting}; run `flask --app app scheduler "
            "--once` with the previous version of Loket, then upgrade again"
        )
    op.drop_index('ix_appointment_record_pending', table_name='appointment')
    op.execute("ALTER TABLE appointment DROP COLUMN record_pending")


def downgrade():
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
