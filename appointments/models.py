"""Booking's own tables: who booked which counter, when. What is offered where and when
(services, locations, counters, hours) is the office's set-up (office.models).

Availability is never stored: it is computed from these rows and the set-up (see
availability.py). The one hard rule, "a counter holds one appointment at a time", lives in the
database itself (the migration adds an exclusion constraint on PostgreSQL and triggers on
SQLite).
"""

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import UTCDateTime, utcnow
from extensions import db
from office.models import Counter, Location, Service

appointment_service = Table(
    "appointment_service",
    db.metadata,
    Column("appointment_id", ForeignKey("appointment.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("service.id"), primary_key=True),
)


class Status(enum.StrEnum):
    BOOKED = "booked"
    ARRIVED = "arrived"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class Appointment(db.Model):
    __table_args__ = (
        # The day view and availability ask "what holds this counter between these times".
        Index("ix_appointment_counter_id_starts_at", "counter_id", "starts_at"),
        Index("ix_appointment_location_id_starts_at", "location_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # ends_at plus the services' buffer: the counter is held until then.
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime)
    people: Mapped[int] = mapped_column(default=1)
    status: Mapped[Status] = mapped_column(
        db.Enum(
            Status, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
        ),
        default=Status.BOOKED,
    )
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5), default="nl")
    channel: Mapped[str] = mapped_column(String(20), default="web")
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # The citizen in the case record (desk.record); NULL for appointments made before it.
    party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"), index=True)
    # The manage link's token is an HMAC of reference and nonce under SECRET_KEY: the table
    # alone does not reveal it, and a new nonce revokes every link sent before.
    manage_nonce: Mapped[str] = mapped_column(String(32))
    manage_token_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A form's one-time key: submitting the same form twice returns the first booking.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    location: Mapped[Location] = relationship()
    counter: Mapped[Counter] = relationship()
    services: Mapped[list[Service]] = relationship(
        secondary=appointment_service, order_by="Service.id"
    )

    @property
    def active(self) -> bool:
        return self.status != Status.CANCELLED
