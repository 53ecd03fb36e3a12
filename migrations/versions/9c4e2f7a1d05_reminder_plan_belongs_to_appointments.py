"""reminder plan belongs to appointments: sms_reminder_plan becomes reminder_plan

The reminder times per service, their job and their admin page moved from sms (which now knows
no channel) to appointments; the table follows under a name without the sms_ prefix. A rename
keeps the rows; on PostgreSQL the primary key's name follows the naming convention too.

Revision ID: 9c4e2f7a1d05
Revises: 3d7a9e51c2b8
Create Date: 2026-12-06 15:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9c4e2f7a1d05'
down_revision = '3d7a9e51c2b8'
branch_labels = None
depends_on = None


def upgrade():
    op.rename_table('sms_reminder_plan', 'reminder_plan')
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE reminder_plan RENAME CONSTRAINT pk_sms_reminder_plan TO pk_reminder_plan"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE reminder_plan RENAME CONSTRAINT pk_reminder_plan TO pk_sms_reminder_plan"
        )
    op.rename_table('reminder_plan', 'sms_reminder_plan')
