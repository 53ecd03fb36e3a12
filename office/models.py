"""The set-up tables: what the municipality offers, where, and when it is open.

Booking, the counter (and the phone and chat channels) read these rows; appointments and
tickets point at them. Times of day are local wall-clock times (see office.hours).
"""

import enum
import secrets
from datetime import date, time

from flask_babel import get_locale
from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import text_enum
from core.time import TIMEZONE
from extensions import db


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class Named:
    """Names in the three languages of the municipality; Dutch when a translation is missing."""

    name_nl: Mapped[str]
    name_fr: Mapped[str]
    name_en: Mapped[str]

    def name_in(self, language: str | None = None) -> str:
        language = language or str(get_locale() or "nl")
        return getattr(self, f"name_{language[:2]}", None) or self.name_nl

    @property
    def name(self) -> str:
        return self.name_in()


service_life_event = Table(
    "service_life_event",
    db.metadata,
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
    Column("life_event_id", ForeignKey("life_event.id", ondelete="CASCADE"), primary_key=True),
)

service_location = Table(
    "service_location",
    db.metadata,
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", ForeignKey("location.id", ondelete="CASCADE"), primary_key=True),
)

counter_service = Table(
    "counter_service",
    db.metadata,
    Column("counter_id", ForeignKey("counter.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
)


class TranslatedName:
    """A place's or counter's name in the reader's language: `name` is the municipality's
    (Dutch) one, `name_fr` and `name_en` are optional, as for services."""

    def name_in(self, language: str | None = None) -> str:
        language = (language or str(get_locale() or "nl"))[:2]
        return (getattr(self, f"name_{language}", None) if language != "nl" else None) or self.name

    @property
    def local_name(self) -> str:
        return self.name_in()


class LocationKind(enum.StrEnum):
    OFFICE = "office"  # a building citizens visit
    ONLINE = "online"  # video appointments: its "counters" are staff at a camera


class Location(TranslatedName, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LocationKind] = mapped_column(
        text_enum(LocationKind), default=LocationKind.OFFICE, server_default=LocationKind.OFFICE
    )
    name: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str | None] = mapped_column(String(200), default="")
    name_en: Mapped[str | None] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    timezone: Mapped[str] = mapped_column(String(50), default=TIMEZONE)
    # The booking window and the walk-in share belong to the place: each office sets its own.
    min_notice_minutes: Mapped[int] = mapped_column(default=60)
    horizon_days: Mapped[int] = mapped_column(default=60)
    walk_in_percent: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    feed_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_feed_token)

    counters: Mapped[list["Counter"]] = relationship(
        back_populates="location", order_by="Counter.name"
    )
    opening_periods: Mapped[list["OpeningPeriod"]] = relationship(
        cascade="all, delete-orphan", order_by="(OpeningPeriod.weekday, OpeningPeriod.opens)"
    )
    exceptions: Mapped[list["OpeningException"]] = relationship(
        cascade="all, delete-orphan", order_by="(OpeningException.day, OpeningException.opens)"
    )


class LifeEvent(Named, db.Model):
    """A moment in a resident's life ("Ik verhuis") that leads to the services it needs."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_nl: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")

    services: Mapped[list["Service"]] = relationship(
        secondary=service_life_event, back_populates="life_events", order_by="Service.name_nl"
    )


class Service(Named, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name_nl: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    duration_minutes: Mapped[int] = mapped_column(default=15)
    buffer_minutes: Mapped[int] = mapped_column(default=0)
    # How many people or items one booking may cover (four passports for one family).
    max_people: Mapped[int] = mapped_column(default=1)
    documents_nl: Mapped[str] = mapped_column(Text, default="")
    documents_fr: Mapped[str] = mapped_column(Text, default="")
    documents_en: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)

    life_events: Mapped[list[LifeEvent]] = relationship(
        secondary=service_life_event, back_populates="services", order_by="LifeEvent.code"
    )
    locations: Mapped[list[Location]] = relationship(
        secondary=service_location, order_by="Location.name"
    )

    def documents_in(self, language: str | None = None) -> list[str]:
        language = language or str(get_locale() or "nl")
        text = getattr(self, f"documents_{language[:2]}", None) or self.documents_nl
        return [line.strip() for line in text.splitlines() if line.strip()]


class Counter(TranslatedName, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    name_fr: Mapped[str | None] = mapped_column(String(100), default="")
    name_en: Mapped[str | None] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(default=True)
    feed_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_feed_token)

    location: Mapped[Location] = relationship(back_populates="counters")
    services: Mapped[list[Service]] = relationship(
        secondary=counter_service, order_by="Service.name_nl"
    )


class OpeningPeriod(db.Model):
    """One stretch of a weekday's hours; a break is the gap between two periods."""

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("location.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]  # 0 = Monday, as date.weekday()
    opens: Mapped[time]
    closes: Mapped[time]


class OpeningException(db.Model):
    """The hours of one date replace the weekly ones and the public holiday rule: closed all
    day, or open only these hours (which is how a location opens on a public holiday)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("location.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date]
    closed: Mapped[bool] = mapped_column(default=False)
    opens: Mapped[time | None]
    closes: Mapped[time | None]
    reason: Mapped[str] = mapped_column(String(200), default="")
