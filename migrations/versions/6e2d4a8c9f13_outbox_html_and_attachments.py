"""sms_message html_body and attachments: an e-mail notice with an HTML part and an .ics

The channel that words a notice stores what the e-mail carries (sms knows no channel and
cannot build an appointment's calendar file at send time). Plain nullable columns: ALTER
TABLE ADD COLUMN on both engines.

Revision ID: 6e2d4a8c9f13
Revises: 6e1b7c3a9f20
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6e2d4a8c9f13'
down_revision = '6e1b7c3a9f20'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('sms_message', sa.Column('html_body', sa.Text(), nullable=True))
    op.add_column('sms_message', sa.Column('attachments', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('sms_message') as batch_op:
        batch_op.drop_column('attachments')
        batch_op.drop_column('html_body')
