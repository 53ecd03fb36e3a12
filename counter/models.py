"""The counter's tables. The office owns locations, services and counters; these point at them.

Two rules live in the database, not in a check-then-write: a ticket number is unique per
location and day, and a counter holds at most one called ticket (a partial unique index), so
two counters can never both own one ticket and one counter can never hold two.
"""

import enum
import secrets
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import UTCDateTime, utcnow
from extensions import db


def _enum(enum_class, length=20):
    return db.Enum(
        enum_class, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


def new_public_token() -> str:
    return secrets.token_urlsafe(16)


class TicketStatus(enum.StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    PARKED = "parked"
    FINISHED = "finished"
    NO_SHOW = "no_show"
    REMOVED = "removed"  # taken out of the queue by staff (junk); kept, never deleted


class TicketKind(enum.StrEnum):
    WALK_IN = "walk_in"
    APPOINTMENT = "appointment"  # checked in on time: served by booked time


class Outcome(enum.StrEnum):
    SERVED = "served"
    FOLLOW_UP = "follow_up"
    MISSING_DOCUMENTS = "missing_documents"
    REFERRED = "referred"


class TicketSequence(db.Model):
    """The last number handed out at a location on a (Brussels) day; one row per day."""

    location_id: Mapped[int] = mapped_column(
        ForeignKey("location.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class CounterServiceSetting(db.Model):
    """The counter's view of a service: its ticket letter, and whether the kiosk offers it.
    Kept here rather than as columns of booking's table, so the two can change apart."""

    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    letter: Mapped[str] = mapped_column(String(1))
    at_kiosk: Mapped[bool] = mapped_column(default=True)


class Kiosk(db.Model):
    """A kiosk an admin registered at a location. Its device token lifts the limits on tickets
    taken from one's own phone, at its own location only: kiosk hardware sends it as
    `X-Kiosk-Token`; a kiosk browser holds a signed cookie tied to it, set by the one-time
    pairing link (counter.kiosks). Only hashes are stored; revoking ends both."""

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    pairing_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    pairing_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    paired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    location = relationship("Location")


# A ticket taken from one's own phone (no kiosk) carries the number it was taken with: one such
# ticket waits per service, day and number. The database holds the rule, not a check-then-write.
REMOTE_WAITING = "status = 'waiting' AND remote"


class Ticket(db.Model):
    __table_args__ = (
        UniqueConstraint("location_id", "day", "number"),
        Index("ix_ticket_location_id_day_status", "location_id", "day", "status"),
        Index(
            "uq_ticket_called_per_counter",
            "counter_id",
            unique=True,
            sqlite_where=text("status = 'called'"),
            postgresql_where=text("status = 'called'"),
        ),
        Index(
            "uq_ticket_remote_waiting_phone",
            "service_id",
            "day",
            "notify_phone",
            unique=True,
            sqlite_where=text(REMOTE_WAITING),
            postgresql_where=text(REMOTE_WAITING),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    day: Mapped[date]
    number: Mapped[int]
    letter: Mapped[str] = mapped_column(String(1))
    kind: Mapped[TicketKind] = mapped_column(_enum(TicketKind), default=TicketKind.WALK_IN)
    status: Mapped[TicketStatus] = mapped_column(_enum(TicketStatus), default=TicketStatus.WAITING)
    priority: Mapped[int] = mapped_column(default=0)  # transferred to the front: 1
    # One ticket per appointment: the unique key is what makes a second check-in fail.
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"), unique=True)
    booked_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    call_count: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[Outcome | None] = mapped_column(_enum(Outcome))
    note: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), default="nl")
    public_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_token)
    notify_phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    turn_near_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    party_id: Mapped[int | None]  # the case record's party, once known (no FK: desk owns it)
    # A kiosk's one-time key per press: a retried request after a network drop returns the
    # ticket of the first one instead of printing a second.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Where it was taken: at a registered kiosk, or on the citizen's own phone (remote).
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk.id"))
    remote: Mapped[bool] = mapped_column(default=False, server_default=false())

    events: Mapped[list["TicketEvent"]] = relationship(
        order_by="TicketEvent.id", cascade="all, delete-orphan"
    )

    @property
    def code(self) -> str:
        """What the citizen sees and the board shows: A012."""
        return f"{self.letter}{self.number:03d}"


class TicketEvent(db.Model):
    """What happened to a ticket, in order: issued, called, recalled, transferred, ..."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(20))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    detail: Mapped[str] = mapped_column(String(200), default="")
