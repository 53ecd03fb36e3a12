"""staff pending_totp_secret: the authenticator secret being enrolled stays on the server

Until the first code confirms it, the secret lived in the session cookie, readable by anyone
with the cookie. A plain nullable column: ALTER TABLE ADD COLUMN on both engines.

Revision ID: 3f6a9d2c1b70
Revises: 9c4e2f7a1d05
Create Date: 2026-12-06 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f6a9d2c1b70'
down_revision = '9c4e2f7a1d05'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('staff', sa.Column('pending_totp_secret', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('staff') as batch_op:
        batch_op.drop_column('pending_totp_secret')
