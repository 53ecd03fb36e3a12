"""access-log detail codes: what a row read or changed, as a code with parameters

Staff and citizens read the access log in their own language (issue 16): the detail is stored as
a code with parameters, rendered by desk.labels.access_detail; older rows keep their text in
`detail`. The columns are added in place (ALTER TABLE ADD COLUMN on both engines), so the
append-only trigger stays as it is: it refuses every update of a row.

Revision ID: d5e1f3a7b920
Revises: c4d8e2a91f07
Create Date: 2026-12-06 16:55:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.database


# revision identifiers, used by Alembic.
revision = 'd5e1f3a7b920'
down_revision = 'c4d8e2a91f07'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("access_log", sa.Column("detail_code", sa.String(length=60), nullable=True))
    op.add_column("access_log", sa.Column("detail_params", core.database.JSONText(), nullable=True))


def downgrade():
    op.drop_column("access_log", "detail_params")
    op.drop_column("access_log", "detail_code")
