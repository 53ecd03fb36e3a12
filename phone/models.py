"""The phone channel's tables.

A Call is one contact by phone, whichever way it reached Loket (Twilio, another phone system
through CTI, or logged by hand). While a caller waits, the call IS the queue entry: its
`queued_at` is its place in line, and a caller who asks to be called back keeps that same row
and that same time, so a callback never loses its turn. CallEvent keeps every webhook and CTI
event once: its unique key is what makes a repeated webhook change nothing. What the KPIs need
(wait, talk, abandoned, answered within 60 s, callbacks completed) is derivable from the times
kept on the call.
"""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import JSONText, UTCDateTime, text_enum, utcnow
from extensions import db

LANGUAGES = ("nl", "fr", "en")
MAX_WAITING_LIMIT = 5000  # Twilio's queue holds at most 5,000 callers


class CallSource(enum.StrEnum):
    TWILIO = "twilio"
    CTI = "cti"  # another phone system, through /api/v1/cti/<token>
    MANUAL = "manual"  # logged by hand on the party page


class CallDirection(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CallStatus(enum.StrEnum):
    MENU = "menu"  # in the greeting or the menu, not yet in a queue
    WAITING = "waiting"  # in a line's queue, listening to the wait music
    CALLBACK = "callback"  # waiting for a callback, in its original place in line
    CONNECTING = "connecting"  # taken by an agent, being put through
    ON_CALL = "on_call"  # caller and agent are talking
    COMPLETED = "completed"  # talked and hung up
    ABANDONED = "abandoned"  # hung up while waiting
    QUEUE_FULL = "queue_full"  # the line had its maximum waiting; offered a callback
    CLOSED = "closed"  # called outside the line's hours; offered a callback
    FAILED = "failed"  # Twilio or the network failed the call


# The entries agents take: live callers and callbacks, each in the order of queued_at.
IN_LINE = (CallStatus.WAITING, CallStatus.CALLBACK)
ENDED = (
    CallStatus.COMPLETED,
    CallStatus.ABANDONED,
    CallStatus.QUEUE_FULL,
    CallStatus.CLOSED,
    CallStatus.FAILED,
)


class CallbackState(enum.StrEnum):
    REQUESTED = "requested"  # the caller asked; waiting for an agent
    DIALING = "dialing"  # an agent took it; Loket is calling
    COMPLETED = "completed"  # the citizen was reached
    UNANSWERED = "unanswered"  # tried, nobody answered: "to call back" on the console
    CANCELLED = "cancelled"


class AgentState(enum.StrEnum):
    AVAILABLE = "available"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    AWAY = "away"


class AgentDevice(enum.StrEnum):
    BROWSER = "browser"  # the Twilio Voice JavaScript SDK
    DESK_PHONE = "desk_phone"  # a phone number Twilio dials


class PhoneLine(db.Model):
    """A service offered by phone: its key in the menu, its name as spoken in each language,
    its Twilio queue, how many may wait, and the location whose opening hours it keeps."""

    __tablename__ = "phone_line"
    __table_args__ = (
        CheckConstraint(f"max_waiting BETWEEN 1 AND {MAX_WAITING_LIMIT}", name="max_waiting_range"),
        CheckConstraint("digit BETWEEN 1 AND 7", name="digit_range"),  # 8 and 9: languages
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), unique=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    digit: Mapped[int] = mapped_column(unique=True)
    spoken_nl: Mapped[str] = mapped_column(String(200), default="")
    spoken_fr: Mapped[str] = mapped_column(String(200), default="")
    spoken_en: Mapped[str] = mapped_column(String(200), default="")
    max_waiting: Mapped[int] = mapped_column(default=50)
    queue_name: Mapped[str] = mapped_column(String(64), unique=True)  # Twilio's FriendlyName
    queue_sid: Mapped[str | None] = mapped_column(String(64))  # Twilio's QueueSid, once known
    active: Mapped[bool] = mapped_column(default=True)

    service = relationship("Service")
    location = relationship("Location")

    def spoken_in(self, language: str) -> str:
        """The name the menu says; the service's own name when none is set."""
        spoken = getattr(self, f"spoken_{language[:2]}", "") or self.spoken_nl
        return spoken or self.service.name_in(language)


class PhoneVoice(db.Model):
    """The voice `<Say>` uses for a language, set by an admin over LOKET_PHONE_VOICES; the
    language Twilio is told (`nl-BE`) must be one the voice speaks."""

    __tablename__ = "phone_voice"

    language: Mapped[str] = mapped_column(String(5), primary_key=True)
    voice: Mapped[str] = mapped_column(String(60))
    say_language: Mapped[str] = mapped_column(String(10))


class PhoneRecording(db.Model):
    """An uploaded recording played (`<Play>`) instead of a prompt's spoken words."""

    __tablename__ = "phone_recording"

    prompt: Mapped[str] = mapped_column(String(40), primary_key=True)
    language: Mapped[str] = mapped_column(String(5), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))


class Call(db.Model):
    """One call; while the caller waits (or waits for a callback) also their place in line."""

    __tablename__ = "phone_call"
    __table_args__ = (
        # Take-next, positions and the console's figures: one line's entries in line order.
        Index("ix_phone_call_line_status_queued", "line_id", "status", "queued_at"),
        Index("ix_phone_call_party", "party_id", "created_at"),
        Index("ix_phone_call_agent", "agent_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)  # None: CTI/manual
    # The call Loket makes for a callback (the agent first, then the citizen): phone.bridge.
    callback_call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)  # CTI callId
    source: Mapped[CallSource] = mapped_column(text_enum(CallSource, length=10))
    direction: Mapped[CallDirection] = mapped_column(
        text_enum(CallDirection, length=10), default=CallDirection.INBOUND
    )
    from_number: Mapped[str] = mapped_column(String(32), default="")  # E.164 when it parses
    to_number: Mapped[str] = mapped_column(String(32), default="")
    language: Mapped[str] = mapped_column(String(5), default="nl")
    line_id: Mapped[int | None] = mapped_column(ForeignKey("phone_line.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))
    status: Mapped[CallStatus] = mapped_column(text_enum(CallStatus), default=CallStatus.MENU)
    menu_attempts: Mapped[int] = mapped_column(default=0)  # wrong keys in the menu
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the place in line
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # bridged to an agent
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Twilio's CallDuration: the whole call; for a callback or an outgoing call the citizen's
    # leg, which is the talk
    duration_seconds: Mapped[int | None]
    callback_number: Mapped[str | None] = mapped_column(String(32))  # E.164
    callback_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    callback_state: Mapped[CallbackState | None] = mapped_column(text_enum(CallbackState))
    callback_attempts: Mapped[int] = mapped_column(default=0)
    callback_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"))
    # Several or unverified matches of the caller's number: offered to the agent, never merged.
    candidate_party_ids: Mapped[list | None] = mapped_column(JSONText)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))  # a callback request
    # Wrap-up: what the agent logged; the call's interaction in the record.
    outcome: Mapped[str | None] = mapped_column(String(40))  # a code (desk.labels)
    note: Mapped[str] = mapped_column(Text, default="")
    wrap_up_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interaction.id"))

    line: Mapped[PhoneLine | None] = relationship()

    @property
    def wait_seconds(self) -> int | None:
        """From the place in line to the agent (live or callback)."""
        if self.queued_at is None or self.answered_at is None:
            return None
        return max(0, int((self.answered_at - self.queued_at).total_seconds()))

    @property
    def talk_seconds(self) -> int | None:
        if self.answered_at is None or self.ended_at is None:
            return None
        return max(0, int((self.ended_at - self.answered_at).total_seconds()))


class CallEvent(db.Model):
    """Each webhook or CTI event once: `key` is CallSid + event, `token` Twilio's
    I-Twilio-Idempotency-Token when it sent one; a repeat fails a unique key and changes
    nothing."""

    __tablename__ = "phone_call_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(
        ForeignKey("phone_call.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(160), unique=True)
    token: Mapped[str | None] = mapped_column(String(100), unique=True)  # Twilio's, when sent
    details: Mapped[dict | None] = mapped_column(JSONText)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


agent_line = Table(
    "phone_agent_line",
    db.metadata,
    Column(
        "staff_id", ForeignKey("phone_agent_status.staff_id", ondelete="CASCADE"), primary_key=True
    ),
    Column("line_id", ForeignKey("phone_line.id", ondelete="CASCADE"), primary_key=True),
)


class AgentStatus(db.Model):
    """A call agent's state, the lines they answer and the device they answer on."""

    __tablename__ = "phone_agent_status"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    status: Mapped[AgentState] = mapped_column(text_enum(AgentState), default=AgentState.AWAY)
    device: Mapped[AgentDevice] = mapped_column(text_enum(AgentDevice), default=AgentDevice.BROWSER)
    device_number: Mapped[str | None] = mapped_column(String(32))  # E.164, for a desk phone
    current_call_id: Mapped[int | None] = mapped_column(ForeignKey("phone_call.id"))
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[PhoneLine]] = relationship(secondary=agent_line, order_by="PhoneLine.digit")
