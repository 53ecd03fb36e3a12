"""sms_message important and opened_at: repeat an important notice nobody opened

Mijn Loket marks a notice opened when the citizen reads it there (`opened_at`, the citizen's
alone: no staff page shows it); the repeat job sends an `important` notice once more when it
stays unopened. Plain ADD COLUMN on both engines (the boolean with a server default, so old
rows read as not important), and an index for the repeat job's query.

Revision ID: d5a7e3c91b42
Revises: 8148cb92c922
Create Date: 2026-12-06 17:00:00

"""
from alembic import op
import sqlalchemy as sa

import core.database


# revision identifiers, used by Alembic.
revision = 'd5a7e3c91b42'
down_revision = '8148cb92c922'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'sms_message',
        sa.Column('important', sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column('sms_message', sa.Column('opened_at', core.database.UTCDateTime(), nullable=True))
    op.create_index(
        'ix_sms_message_important_sent_at', 'sms_message', ['important', 'sent_at'], unique=False
    )


def downgrade():
    op.drop_index('ix_sms_message_important_sent_at', table_name='sms_message')
    with op.batch_alter_table('sms_message') as batch_op:
        batch_op.drop_column('opened_at')
        batch_op.drop_column('important')
