"""interaction codes: a contact moment's subject and summary as codes with parameters

Staff read a contact moment in their own language (issue 16): the subject and the generated
summary are stored as a code with parameters, rendered by desk.interaction_texts; the text
columns keep the default language's words for search and for older rows.

The columns are added in place (ALTER TABLE ADD COLUMN on both engines), not by Alembic's batch
mode, which would copy the table and its append-only trigger; the trigger is created again so
that the new columns cannot change after insert either.

Revision ID: c4d8e2a91f07
Revises: 4c7d2e9a1b53
Create Date: 2026-12-06 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.database


# revision identifiers, used by Alembic.
revision = 'c4d8e2a91f07'
down_revision = '4c7d2e9a1b53'
branch_labels = None
depends_on = None

BEFORE = (
    "case_id, channel, direction, started_at, ended_at, subject, summary, outcome, staff_id, "
    "representative_id, subject_type, subject_id, recorded_at"
)
# Only party_id may change after insert (a merge and its undo move a contact moment).
AFTER = BEFORE + ", subject_code, subject_params, summary_code, summary_params"
COLUMNS = (
    ("subject_code", sa.String(length=60)),
    ("subject_params", core.database.JSONText()),
    ("summary_code", sa.String(length=60)),
    ("summary_params", core.database.JSONText()),
)


def _drop_trigger():
    on = " ON interaction" if op.get_bind().dialect.name == "postgresql" else ""
    op.execute("DROP TRIGGER IF EXISTS interaction_append_only" + on)


def _create_trigger(frozen: str):
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER interaction_append_only BEFORE UPDATE OF {frozen} "
            "ON interaction FOR EACH ROW EXECUTE FUNCTION loket_refuse_update()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER interaction_append_only BEFORE UPDATE OF {frozen} "
            "ON interaction BEGIN SELECT RAISE(ABORT, 'interaction is append-only'); END"
        )


def upgrade():
    for name, type_ in COLUMNS:
        op.add_column('interaction', sa.Column(name, type_, nullable=True))
    _drop_trigger()
    _create_trigger(AFTER)


def downgrade():
    # SQLite drops no column a trigger names: the trigger goes first.
    _drop_trigger()
    for name, _type in reversed(COLUMNS):
        op.drop_column('interaction', name)
    _create_trigger(BEFORE)
