"""outbox reason codes: why a message was or was not sent, as a code with parameters

Staff read the reason on the messages page in their own language (issue 16): `reason` now holds
a code of sms.reasons and `reason_params` its parameters; rows written before keep their English
text in `reason`, shown as stored. Added in place (ALTER TABLE ADD COLUMN on both engines).

Revision ID: f3b8d6e2a415
Revises: e7a2c4b1d356
Create Date: 2026-12-06 17:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.database


# revision identifiers, used by Alembic.
revision = 'f3b8d6e2a415'
down_revision = 'e7a2c4b1d356'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("sms_message", sa.Column("reason_params", core.database.JSONText(), nullable=True))


def downgrade():
    op.drop_column("sms_message", "reason_params")
