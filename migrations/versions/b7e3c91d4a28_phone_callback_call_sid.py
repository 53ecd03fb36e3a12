"""phone_call callback_call_sid: the call Loket makes for a callback (agent first, then the
citizen), so its status reaches the entry it serves

Revision ID: b7e3c91d4a28
Revises: 66697b22ca32
Create Date: 2026-12-06 17:18:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e3c91d4a28'
down_revision = '66697b22ca32'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('phone_call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('callback_call_sid', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_phone_call_callback_call_sid'), ['callback_call_sid']
        )


def downgrade():
    with op.batch_alter_table('phone_call', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_phone_call_callback_call_sid'), type_='unique')
        batch_op.drop_column('callback_call_sid')
