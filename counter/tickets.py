"""Handing out tickets at the kiosk and checking in booked citizens.

The daily number comes from one upsert on ticket_sequence (INSERT … ON CONFLICT DO UPDATE …
RETURNING), a single atomic statement on PostgreSQL and SQLite alike; the unique key on
(location, day, number) is the guarantee behind it.
"""

import functools
from datetime import datetime, timedelta

import phonenumbers
from flask import current_app
from sqlalchemy import bindparam, insert, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite

from appointments.booking import normalise_reference
from appointments.models import (
    Appointment,
    Location,
    OpeningException,
    OpeningPeriod,
    Service,
    service_location,
)
from appointments.models import Status as AppointmentStatus
from core.database import utcnow
from counter import notices
from counter import record as visits
from counter.errors import Conflict, CounterError, NotFound
from counter.models import CounterServiceSetting, Ticket, TicketEvent, TicketKind, TicketSequence
from counter.queue import BRUSSELS, default_letter, local_day
from counter.transactions import run_read, run_write
from extensions import db


def as_id(value, code: str, field: str, error_class=NotFound) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise error_class(code, field=field)
    try:
        return int(value)
    except ValueError as error:
        raise error_class(code, field=field) from error


@functools.cache
def _opening_rows():
    """Today's exceptions and the weekday's hours in one round trip: (is_exception, closed,
    opens, closes) rows. Built once (see counter.ordering on why)."""
    exceptions = select(
        literal(True).label("is_exception"),
        OpeningException.closed,
        OpeningException.opens,
        OpeningException.closes,
    ).where(
        OpeningException.location_id == bindparam("location_id"),
        OpeningException.day == bindparam("day"),
    )
    weekly = select(
        literal(False).label("is_exception"),
        literal(False).label("closed"),
        OpeningPeriod.opens,
        OpeningPeriod.closes,
    ).where(
        OpeningPeriod.location_id == bindparam("location_id"),
        OpeningPeriod.weekday == bindparam("weekday"),
    )
    return union_all(exceptions, weekly)


def opening_rows(location_id: int, day):
    params = {"location_id": location_id, "day": day, "weekday": day.weekday()}
    return db.session.execute(_opening_rows(), params).all()


def open_now(location: Location, now: datetime) -> bool:
    """Open by the weekly hours, unless an exception for today replaces them."""
    if not location.active:
        return False
    local = now.astimezone(BRUSSELS)
    rows = opening_rows(location.id, local.date())
    clock = local.time()
    exceptions = [row for row in rows if row.is_exception]
    if exceptions:
        return any(
            not e.closed and e.opens is not None and e.opens <= clock < e.closes for e in exceptions
        )
    return any(p.opens <= clock < p.closes for p in rows)


def kiosk_location(location_id, now: datetime) -> Location:
    location = db.session.get(Location, as_id(location_id, "unknown_location", "location_id"))
    if location is None:
        raise NotFound("unknown_location", field="location_id")
    if not open_now(location, now):
        raise Conflict("location_closed", field="location_id")
    return location


@functools.cache
def _service_at():
    offered_here = (
        select(service_location.c.service_id)
        .where(
            service_location.c.service_id == Service.id,
            service_location.c.location_id == bindparam("location_id"),
        )
        .exists()
    )
    return (
        select(Service, CounterServiceSetting.letter, offered_here)
        .outerjoin(CounterServiceSetting, CounterServiceSetting.service_id == Service.id)
        .where(Service.id == bindparam("service_id"))
    )


def service_at(service_id, location: Location) -> tuple[Service, str]:
    """The service, if offered at this location, and its ticket letter: one query."""
    chosen = as_id(service_id, "unknown_service", "service_id", CounterError)
    row = db.session.execute(
        _service_at(), {"service_id": chosen, "location_id": location.id}
    ).first()
    if row is None or not row[0].active or not row[2]:
        raise CounterError("unknown_service", field="service_id")
    return row[0], row[1] or default_letter(row[0].id)


def letter_for(service_id: int) -> str:
    setting = db.session.get(CounterServiceSetting, service_id)
    return setting.letter if setting else default_letter(service_id)


@functools.cache
def _take_number(dialect: str):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(TicketSequence)
        .values(location_id=bindparam("location_id"), day=bindparam("day"), last_number=1)
        .on_conflict_do_update(
            index_elements=["location_id", "day"],
            set_={"last_number": TicketSequence.last_number + 1},
        )
        .returning(TicketSequence.last_number)
    )


def next_number(location_id: int, day) -> int:
    """The next number: in the session's transaction (check-in; SQLite), or committed at once
    when run_read has the session on an autocommit connection (walk-ins on PostgreSQL)."""
    statement = _take_number(db.session.get_bind().dialect.name)
    return db.session.execute(statement, {"location_id": location_id, "day": day}).scalar_one()


def number_taken_apart() -> bool:
    """On PostgreSQL the walk-in's number is taken by a statement committed on its own (see
    issue_ticket); SQLite's BEGIN IMMEDIATE serialises whole write transactions anyway, so there
    it stays inside the ticket's transaction."""
    return db.session.get_bind().dialect.name == "postgresql"


def _new_ticket(
    location_id: int,
    service_id: int,
    now: datetime,
    letter: str | None = None,
    number: int | None = None,
    **fields,
) -> Ticket:
    """Everything is read before a number is taken here: the upsert locks the location's
    sequence row until the commit, so only the two inserts and the commit run while other kiosks
    wait (issue_ticket on PostgreSQL brings its number, taken apart)."""
    day = local_day(now)
    letter = letter or letter_for(service_id)
    ticket = Ticket(
        location_id=location_id,
        service_id=service_id,
        day=day,
        letter=letter,
        issued_at=now,
        queued_at=now,
        **fields,
    )
    ticket.number = number if number is not None else next_number(location_id, day)
    db.session.add(ticket)
    db.session.flush()
    db.session.execute(
        _issued_event(),
        {"ticket_id": ticket.id, "at": now, "detail": str(ticket.kind or "walk_in")},
    )
    notices.queue_changed(location_id)
    return ticket


@functools.cache
def _issued_event():
    """The ticket's first event, written without the unit of work's bookkeeping for it."""
    return insert(TicketEvent).values(
        ticket_id=bindparam("ticket_id"),
        at=bindparam("at"),
        action="issued",
        detail=bindparam("detail"),
    )


def issue_ticket(
    *, service_id, location_id=None, language="nl", submission_key=None, now=None
) -> Ticket:
    """A walk-in ticket for a service at a location that is open now.

    On PostgreSQL in two short steps: check and take the number on an autocommit connection
    (reads, then one upsert committed by itself), then write the ticket. Fifty kiosks then wait
    on the sequence row only for the upsert itself, not for each other's inserts and commits,
    which under a gevent worker also wait their turn for the process (that queueing made
    issuing a fraction of /healthz). A ticket whose write fails after its number was taken
    leaves a gap in the day's numbers, never a duplicate (the unique key on location, day and
    number stands behind both paths).
    """
    now = now or utcnow()
    key = str(submission_key)[:64] if submission_key else None

    def check():
        if key:
            earlier = db.session.scalar(select(Ticket).where(Ticket.submission_key == key))
            if earlier is not None:
                return earlier
        chosen = location_id
        if chosen is None:
            service = db.session.get(
                Service, as_id(service_id, "unknown_service", "service_id", CounterError)
            )
            if service is None or len(service.locations) != 1:
                raise CounterError("location_required", field="location_id")
            chosen = service.locations[0].id
        location = kiosk_location(chosen, now)
        service, letter = service_at(service_id, location)
        return location.id, service.id, letter

    def work(number=None):
        found = check() if number is None else checked
        if isinstance(found, Ticket):
            return found
        chosen_location, chosen_service, letter = found
        return _new_ticket(
            chosen_location,
            chosen_service,
            now,
            letter,
            number,
            language=language,
            submission_key=key,
        )

    def check_and_number():
        found = check()
        if isinstance(found, Ticket):
            return found
        return found, next_number(found[0], local_day(now))  # autocommitted: see run_read

    # Not expired: the 201 reply reads the ticket right after the commit.
    if not number_taken_apart():
        return run_write(work, expire=False)
    found = run_read(check_and_number)
    if isinstance(found, Ticket):
        return found
    checked, number = found
    return run_write(work, number, expire=False)


def check_in(*, reference, location_id=None, language="nl", now=None) -> Ticket:
    """A booked citizen arrives. On time: a ticket served by booked time. Late: the normal
    queue. Too early, another day, another office, cancelled or used: refused, nothing changes."""
    now = now or utcnow()
    config = current_app.config

    def work():
        code = normalise_reference(str(reference or ""))
        appointment = db.session.scalar(select(Appointment).where(Appointment.reference == code))
        if not code or appointment is None:
            raise NotFound("unknown_reference", field="appointment_reference")
        if appointment.status == AppointmentStatus.CANCELLED:
            raise Conflict("appointment_cancelled", field="appointment_reference")
        if local_day(appointment.starts_at) != local_day(now):
            raise CounterError("not_today", field="appointment_reference")
        if location_id is not None and int(location_id) != appointment.location_id:
            raise CounterError("other_location", field="appointment_reference")
        if appointment.status != AppointmentStatus.BOOKED or db.session.scalar(
            select(Ticket.id).where(Ticket.appointment_id == appointment.id)
        ):
            raise Conflict("already_checked_in", field="appointment_reference")
        earliest = appointment.starts_at - timedelta(
            minutes=config["COUNTER_CHECKIN_EARLY_MINUTES"]
        )
        if now < earliest:
            shown = earliest.astimezone(BRUSSELS).strftime("%H:%M")
            raise CounterError("too_early", field="appointment_reference", time=shown)
        location = kiosk_location(appointment.location_id, now)
        late = now > appointment.starts_at + timedelta(
            minutes=config["COUNTER_CHECKIN_LATE_MINUTES"]
        )
        appointment.status = AppointmentStatus.ARRIVED
        appointment.arrived_at = now
        return _new_ticket(
            location.id,
            appointment.services[0].id,
            now,
            kind=TicketKind.WALK_IN if late else TicketKind.APPOINTMENT,
            appointment_id=appointment.id,
            booked_start=None if late else appointment.starts_at,
            language=appointment.language or language,
        )

    ticket = run_write(work)
    visits.link_party_quietly(ticket.id)  # the booking says who it is: the desk can link
    return ticket


def ticket_by_token(token: str) -> Ticket:
    ticket = db.session.scalar(select(Ticket).where(Ticket.public_token == str(token)))
    if ticket is None:
        raise NotFound("unknown_ticket")
    return ticket


def e164(phone: str) -> str:
    try:
        number = phonenumbers.parse(str(phone or ""), "BE")
    except phonenumbers.NumberParseException as error:
        raise CounterError("invalid_phone", field="phone") from error
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise CounterError("invalid_phone", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def leave_phone(token: str, phone: str) -> Ticket:
    """The citizen asks for an SMS when three turns away (see counter.signals.turn_near)."""
    number = e164(phone)

    def work():
        ticket = ticket_by_token(token)
        ticket.notify_phone = number
        return ticket

    # No party is made here: this page is public, and a number typed on it is only matched to
    # a record once staff have served the citizen (counter.record).
    return run_write(work)
