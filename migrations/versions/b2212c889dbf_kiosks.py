"""kiosks: registered kiosks and their tokens; tickets say where they were taken

A kiosk's device token lifts the limits on tickets taken from one's own phone (issue 16, 24);
a ticket records the kiosk that issued it, or that it was taken remotely, and a remote ticket
waits at most once per service, day and phone number (a partial unique index).

On SQLite the columns are added in place (ALTER TABLE ADD COLUMN), not by Alembic's batch mode,
which would copy the ticket table with its partial indexes; the downgrade copies it.

Revision ID: b2212c889dbf
Revises: 8b3e6f1a4c27
Create Date: 2026-12-06 14:15:23.115484

"""
from alembic import op
import sqlalchemy as sa

import core.database


# revision identifiers, used by Alembic.
revision = 'b2212c889dbf'
down_revision = '8b3e6f1a4c27'
branch_labels = None
depends_on = None

REMOTE_WAITING = "status = 'waiting' AND remote"


def upgrade():
    op.create_table('kiosk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('pairing_hash', sa.String(length=64), nullable=True),
    sa.Column('pairing_expires_at', core.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('paired_at', core.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', core.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], name=op.f('fk_kiosk_created_by_id_staff')),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_kiosk_location_id_location'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk')),
    sa.UniqueConstraint('pairing_hash', name=op.f('uq_kiosk_pairing_hash')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_kiosk_token_hash'))
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE ticket ADD COLUMN kiosk_id INTEGER "
            "CONSTRAINT fk_ticket_kiosk_id_kiosk REFERENCES kiosk (id)"
        )
        op.execute("ALTER TABLE ticket ADD COLUMN remote BOOLEAN DEFAULT 0 NOT NULL")
    else:
        op.add_column('ticket', sa.Column('kiosk_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_ticket_kiosk_id_kiosk', 'ticket', 'kiosk', ['kiosk_id'], ['id'])
        op.add_column(
            'ticket',
            sa.Column('remote', sa.Boolean(), server_default=sa.false(), nullable=False),
        )
    op.create_index(
        'uq_ticket_remote_waiting_phone',
        'ticket',
        ['service_id', 'day', 'notify_phone'],
        unique=True,
        sqlite_where=sa.text(REMOTE_WAITING),
        postgresql_where=sa.text(REMOTE_WAITING),
    )


def downgrade():
    op.drop_index('uq_ticket_remote_waiting_phone', table_name='ticket')
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table('ticket', recreate='always') as batch_op:
            batch_op.drop_column('remote')
            batch_op.drop_column('kiosk_id')
    else:
        op.drop_constraint('fk_ticket_kiosk_id_kiosk', 'ticket', type_='foreignkey')
        op.drop_column('ticket', 'remote')
        op.drop_column('ticket', 'kiosk_id')
    op.drop_table('kiosk')
