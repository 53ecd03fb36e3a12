"""appointment party: the citizen's party in the case record (NULL for older appointments)

On SQLite the column is added in place (ALTER TABLE ADD COLUMN with its REFERENCES clause),
not by Alembic's batch mode: batch mode copies the table, and the copy would lose the
triggers that refuse double bookings (see c8e23b56f9cc). The downgrade has to copy it, so it
creates those triggers again.

Revision ID: ec8b64f4c7bd
Revises: a8de4bb713d3
Create Date: 2026-11-22 13:17:48.830613

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ec8b64f4c7bd'
down_revision = 'a8de4bb713d3'
branch_labels = None
depends_on = None

OVERLAP = (
    "counter_id = NEW.counter_id AND status <> 'cancelled' AND NEW.status <> 'cancelled' "
    "AND starts_at < NEW.blocked_until AND blocked_until > NEW.starts_at"
)


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE appointment ADD COLUMN party_id INTEGER "
            "CONSTRAINT fk_appointment_party_id_party REFERENCES party (id)"
        )
    else:
        op.add_column('appointment', sa.Column('party_id', sa.Integer(), nullable=True))
        op.create_foreign_key(
            'fk_appointment_party_id_party', 'appointment', 'party', ['party_id'], ['id']
        )
    op.create_index('ix_appointment_party_id', 'appointment', ['party_id'], unique=False)


def downgrade():
    op.drop_index('ix_appointment_party_id', table_name='appointment')
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint('fk_appointment_party_id_party', 'appointment', type_='foreignkey')
        op.drop_column('appointment', 'party_id')
        return
    with op.batch_alter_table('appointment', recreate='always') as batch_op:
        batch_op.drop_column('party_id')
    op.execute(
        "CREATE TRIGGER tr_appointment_no_overlap_insert BEFORE INSERT ON appointment "
        f"WHEN EXISTS (SELECT 1 FROM appointment WHERE {OVERLAP}) "
        "BEGIN SELECT RAISE(ABORT, 'appointment_overlap'); END"
    )
    op.execute(
        "CREATE TRIGGER tr_appointment_no_overlap_update BEFORE UPDATE OF "
        "counter_id, starts_at, blocked_until, status ON appointment "
        f"WHEN EXISTS (SELECT 1 FROM appointment WHERE id <> NEW.id AND {OVERLAP}) "
        "BEGIN SELECT RAISE(ABORT, 'appointment_overlap'); END"
    )
    op.execute(
        "CREATE TRIGGER tr_appointment_times_in_order BEFORE INSERT ON appointment "
        "WHEN NOT (NEW.starts_at < NEW.ends_at AND NEW.ends_at <= NEW.blocked_until) "
        "BEGIN SELECT RAISE(ABORT, 'appointment_times_out_of_order'); END"
    )
