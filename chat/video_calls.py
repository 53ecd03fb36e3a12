"""A chat's video calls: when one was offered, began and ended, and its line on the timeline.

Nothing of the call itself is kept (no picture, no sound, no transcript of speech): only the
times, so that the party's timeline says "video call, 12 minutes" beside the chat's transcript.
A call begins when the citizen's answer to the agent's offer passes through the relay, and ends
with the first hang-up from either side (or when the chat ends).
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import Mapped, mapped_column

from chat.models import Chat
from chat.transcript import party_of
from core.database import UTCDateTime, utcnow
from desk import record
from desk.interaction_texts import in_default_language, register_texts
from desk.models import Channel, Direction, Staff
from extensions import db

SUBJECT = "video.call"
HELD, NOT_CONNECTED = "video.held", "video.not_connected"
register_texts(
    {
        SUBJECT: _l("Video call (%(minutes)s min)"),
        HELD: _l("Call held"),
        NOT_CONNECTED: _l("Not connected"),
    }
)


class VideoCall(db.Model):
    __tablename__ = "chat_video_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    audio_only: Mapped[bool] = mapped_column(default=False)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interaction.id"))


def open_call(chat_id: int, *, lock: bool = True) -> VideoCall | None:
    """The chat's call that has not ended; locked (PostgreSQL) when the caller will change it,
    so that two hang-ups at once record the call once."""
    query = (
        select(VideoCall)
        .where(VideoCall.chat_id == chat_id, VideoCall.ended_at.is_(None))
        .order_by(VideoCall.id.desc())
        .limit(1)
    )
    return db.session.scalar(query.with_for_update() if lock else query)


def offer_call(chat_id: int, staff_id: int) -> VideoCall:
    """The agent offers video; offering again while a call is open is the same call."""
    call = open_call(chat_id)
    if call is None:
        call = VideoCall(chat_id=chat_id, staff_id=staff_id)
        db.session.add(call)
        db.session.flush()
    return call


def call_answered(chat_id: int, audio_only: bool = False) -> VideoCall | None:
    call = open_call(chat_id)
    if call is not None and call.started_at is None:
        call.started_at = utcnow()
        call.audio_only = audio_only
    return call


def end_call(chat_id: int) -> VideoCall | None:
    """The first hang-up ends the call and records it; a second one changes nothing."""
    call = open_call(chat_id)
    if call is None:
        return None
    call.ended_at = utcnow()
    call.interaction_id = record_call(call).id
    return call


def minutes_of(call: VideoCall) -> int:
    if call.started_at is None:
        return 0
    return max(0, round((call.ended_at - call.started_at).total_seconds() / 60))


def record_call(call: VideoCall):
    """One interaction, channel video: start, end and length; the agent's chat outcome goes
    on the chat's own interaction."""
    chat = db.session.get(Chat, call.chat_id)
    staff = db.session.get(Staff, call.staff_id) if call.staff_id else None
    params = {"minutes": minutes_of(call)}
    return record.record_interaction(
        party=party_of(chat),
        channel=Channel.VIDEO,
        direction=Direction.INBOUND,
        subject=in_default_language(SUBJECT, params),
        subject_code=SUBJECT,
        subject_params=params,
        outcome=HELD if call.started_at else NOT_CONNECTED,
        staff=staff,
        started_at=call.started_at or call.offered_at,
        ended_at=call.ended_at,
        link_type="chat",
        link_id=chat.id,
        purpose="video call",
    )
