"""video: a chat's video calls (times only), a video appointment's chat, locations of kind online

Revision ID: 7e4b2c9d1f30
Revises: 6dce6c46c01e
Create Date: 2026-12-06 16:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.database


# revision identifiers, used by Alembic.
revision = '7e4b2c9d1f30'
down_revision = '6dce6c46c01e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('chat_video_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('audio_only', sa.Boolean(), nullable=False),
    sa.Column('offered_at', core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', core.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', core.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('interaction_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], name=op.f('fk_chat_video_call_chat_id_chat'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], name=op.f('fk_chat_video_call_interaction_id_interaction')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_chat_video_call_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_video_call'))
    )
    with op.batch_alter_table('chat_video_call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_video_call_chat_id'), ['chat_id'], unique=False)

    op.create_table('chat_video_appointment',
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], name=op.f('fk_chat_video_appointment_chat_id_chat'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('reference', name=op.f('pk_chat_video_appointment'))
    )

    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('office', 'online', name='locationkind', native_enum=False, length=20), server_default='office', nullable=False))


def downgrade():
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_column('kind')

    op.drop_table('chat_video_appointment')

    with op.batch_alter_table('chat_video_call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_video_call_chat_id'))

    op.drop_table('chat_video_call')
