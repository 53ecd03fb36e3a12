"""phone: lines (services by phone), calls as queue entries, their events, agents' status

A call is also its caller's place in line (queued_at), kept when it becomes a callback; each
webhook or CTI event is stored once under a unique key, which makes repeats change nothing.

Revision ID: 66697b22ca32
Revises: c4d8e2a91f07
Create Date: 2026-12-06 16:38:33.100012

"""
from alembic import op
import sqlalchemy as sa

import core.database


# revision identifiers, used by Alembic.
revision = '66697b22ca32'
down_revision = 'c4d8e2a91f07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('phone_recording',
    sa.Column('prompt', sa.String(length=40), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('prompt', 'language', name=op.f('pk_phone_recording'))
    )
    op.create_table('phone_voice',
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('voice', sa.String(length=60), nullable=False),
    sa.Column('say_language', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('language', name=op.f('pk_phone_voice'))
    )
    op.create_table('phone_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('digit', sa.Integer(), nullable=False),
    sa.Column('spoken_nl', sa.String(length=200), nullable=False),
    sa.Column('spoken_fr', sa.String(length=200), nullable=False),
    sa.Column('spoken_en', sa.String(length=200), nullable=False),
    sa.Column('max_waiting', sa.Integer(), nullable=False),
    sa.Column('queue_name', sa.String(length=64), nullable=False),
    sa.Column('queue_sid', sa.String(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('digit BETWEEN 1 AND 7', name=op.f('ck_phone_line_digit_range')),
    sa.CheckConstraint('max_waiting BETWEEN 1 AND 5000', name=op.f('ck_phone_line_max_waiting_range')),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_phone_line_location_id_location')),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_phone_line_service_id_service')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_line')),
    sa.UniqueConstraint('digit', name=op.f('uq_phone_line_digit')),
    sa.UniqueConstraint('queue_name', name=op.f('uq_phone_line_queue_name')),
    sa.UniqueConstraint('service_id', name=op.f('uq_phone_line_service_id'))
    )
    op.create_table('phone_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_sid', sa.String(length=64), nullable=True),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('source', sa.Enum('twilio', 'cti', 'manual', name='callsource', native_enum=False, length=10), nullable=False),
    sa.Column('direction', sa.Enum('inbound', 'outbound', name='calldirection', native_enum=False, length=10), nullable=False),
    sa.Column('from_number', sa.String(length=32), nullable=False),
    sa.Column('to_number', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('menu', 'waiting', 'callback', 'connecting', 'on_call', 'completed', 'abandoned', 'queue_full', 'closed', 'failed', name='callstatus', native_enum=False, length=20), nullable=False),
    sa.Column('menu_attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('queued_at', core.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_at', core.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', core.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('callback_number', sa.String(length=32), nullable=True),
    sa.Column('callback_requested_at', core.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('callback_state', sa.Enum('requested', 'dialing', 'completed', 'unanswered', 'cancelled', name='callbackstate', native_enum=False, length=20), nullable=True),
    sa.Column('callback_attempts', sa.Integer(), nullable=False),
    sa.Column('callback_done_at', core.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('party_id', sa.Integer(), nullable=True),
    sa.Column('candidate_party_ids', core.database.JSONText(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=40), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('wrap_up_ended_at', core.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('interaction_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['staff.id'], name=op.f('fk_phone_call_agent_id_staff')),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], name=op.f('fk_phone_call_interaction_id_interaction')),
    sa.ForeignKeyConstraint(['line_id'], ['phone_line.id'], name=op.f('fk_phone_call_line_id_phone_line')),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], name=op.f('fk_phone_call_party_id_party')),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_phone_call_service_id_service')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_phone_call_task_id_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_call')),
    sa.UniqueConstraint('call_sid', name=op.f('uq_phone_call_call_sid')),
    sa.UniqueConstraint('external_id', name=op.f('uq_phone_call_external_id'))
    )
    with op.batch_alter_table('phone_call', schema=None) as batch_op:
        batch_op.create_index('ix_phone_call_agent', ['agent_id', 'status'], unique=False)
        batch_op.create_index('ix_phone_call_line_status_queued', ['line_id', 'status', 'queued_at'], unique=False)
        batch_op.create_index('ix_phone_call_party', ['party_id', 'created_at'], unique=False)

    op.create_table('phone_agent_status',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('available', 'on_call', 'wrap_up', 'away', name='agentstate', native_enum=False, length=20), nullable=False),
    sa.Column('device', sa.Enum('browser', 'desk_phone', name='agentdevice', native_enum=False, length=20), nullable=False),
    sa.Column('device_number', sa.String(length=32), nullable=True),
    sa.Column('current_call_id', sa.Integer(), nullable=True),
    sa.Column('since', core.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['current_call_id'], ['phone_call.id'], name=op.f('fk_phone_agent_status_current_call_id_phone_call')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_phone_agent_status_staff_id_staff')),
    sa.PrimaryKeyConstraint('staff_id', name=op.f('pk_phone_agent_status'))
    )
    op.create_table('phone_call_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('token', sa.String(length=100), nullable=True),
    sa.Column('details', core.database.JSONText(), nullable=True),
    sa.Column('received_at', core.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['phone_call.id'], name=op.f('fk_phone_call_event_call_id_phone_call'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_call_event')),
    sa.UniqueConstraint('key', name=op.f('uq_phone_call_event_key')),
    sa.UniqueConstraint('token', name=op.f('uq_phone_call_event_token'))
    )
    with op.batch_alter_table('phone_call_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_call_event_call_id'), ['call_id'], unique=False)

    op.create_table('phone_agent_line',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['line_id'], ['phone_line.id'], name=op.f('fk_phone_agent_line_line_id_phone_line'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['phone_agent_status.staff_id'], name=op.f('fk_phone_agent_line_staff_id_phone_agent_status'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('staff_id', 'line_id', name=op.f('pk_phone_agent_line'))
    )


def downgrade():
    op.drop_table('phone_agent_line')
    with op.batch_alter_table('phone_call_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_call_event_call_id'))

    op.drop_table('phone_call_event')
    op.drop_table('phone_agent_status')
    with op.batch_alter_table('phone_call', schema=None) as batch_op:
        batch_op.drop_index('ix_phone_call_party')
        batch_op.drop_index('ix_phone_call_line_status_queued')
        batch_op.drop_index('ix_phone_call_agent')

    op.drop_table('phone_call')
    op.drop_table('phone_line')
    op.drop_table('phone_voice')
    op.drop_table('phone_recording')
