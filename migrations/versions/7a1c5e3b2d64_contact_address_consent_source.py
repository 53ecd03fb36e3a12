"""contact_address consent_source: where the citizen gave (or refused) consent

`consent_changed_at` says when; this says where ("appointments.web", "counter.follow", "desk").
A plain nullable column: ALTER TABLE ADD COLUMN on both engines.

Revision ID: 7a1c5e3b2d64
Revises: 6e2d4a8c9f13
Create Date: 2026-12-07 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a1c5e3b2d64'
down_revision = '6e2d4a8c9f13'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('contact_address', sa.Column('consent_source', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('contact_address') as batch_op:
        batch_op.drop_column('consent_source')
