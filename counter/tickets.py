"""Handing out tickets at the kiosk and checking in booked citizens.

Whether a location is open is the office's answer (office.hours.open_at), the one booking
gets; a booked citizen's appointment is known through office.visits, never booking's tables.

The daily number comes from one upsert on ticket_sequence (INSERT … ON CONFLICT DO UPDATE …
RETURNING), a single atomic statement on PostgreSQL and SQLite alike; the unique key on
(location, day, number) is the guarantee behind it. On PostgreSQL a walk-in's number, ticket
and first event are written by one statement (_write_walk_in); tickets are written with Core
inserts and then attached to the session as loaded (core.rows.attach_written).
"""

import functools
from datetime import datetime, timedelta

import phonenumbers
from flask import current_app
from sqlalchemy import String, bindparam, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from core import bounds
from core.database import utcnow
from core.rows import attach_written
from core.time import local_clock
from core.unit_of_work import after_commit, run_in_transaction, run_read_only
from counter import notices
from counter import record as visits
from counter.errors import Conflict, CounterError, NotFound
from counter.models import (
    CounterServiceSetting,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketSequence,
    TicketStatus,
)
from counter.queue import default_letter, local_day
from extensions import db
from office import hours
from office.models import Location, Service, service_location
from office.visits import (
    BookedVisit,
    VisitBeingServed,
    booked_visit,
    mark_arrived,
    visit_checked_in,
    visit_missed,
)


def as_id(value, code: str, field: str, error_class=NotFound) -> int:
    """A row id from a path or a body; anything no row can have is the error for an unknown
    one (a number beyond the database's range too, core.bounds)."""
    chosen = bounds.as_id(value.strip() if isinstance(value, str) else value)
    if chosen is None:
        raise error_class(code, field=field)
    return chosen


def open_now(location: Location, now: datetime) -> bool:
    """The office's answer (office.hours.open_at): the same as booking's."""
    return location.active and hours.open_at(location.id, now)


def kiosk_location(location_id, now: datetime) -> Location:
    location = db.session.get(Location, as_id(location_id, "unknown_location", "location_id"))
    if location is None:
        raise NotFound("unknown_location", field="location_id")
    if not open_now(location, now):
        raise Conflict("location_closed", field="location_id")
    return location


@functools.cache
def _kiosk_facts():
    """What a walk-in ticket depends on, in one round trip: the location's and the service's
    active flags (NULL when there is none), whether the service is offered at the location, and
    its ticket letter. Core columns: no ORM entity is loaded. The hours are the office's
    (office.hours, from its set-up snapshot: no query)."""
    location, service = Location.__table__, Service.__table__
    setting, offered = CounterServiceSetting.__table__, service_location
    return select(
        select(location.c.active)
        .where(location.c.id == bindparam("location_id"))
        .scalar_subquery()
        .label("location_active"),
        select(service.c.active)
        .where(service.c.id == bindparam("service_id"))
        .scalar_subquery()
        .label("service_active"),
        select(offered.c.service_id)
        .where(
            offered.c.service_id == bindparam("service_id"),
            offered.c.location_id == bindparam("location_id"),
        )
        .exists()
        .label("offered"),
        select(setting.c.letter)
        .where(setting.c.service_id == bindparam("service_id"))
        .scalar_subquery()
        .label("letter"),
    )


def kiosk_check(location_id, service_id, now: datetime) -> tuple[int, int, str]:
    """(location id, service id, ticket letter) for a walk-in now, or the error the kiosk shows:
    the same checks, in the same order, as kiosk_location and then service_at."""
    chosen = as_id(location_id, "unknown_location", "location_id")
    try:
        service = as_id(service_id, "unknown_service", "service_id", CounterError)
    except CounterError:
        service = None  # refused below, after the location's own errors
    params = {"location_id": chosen, "service_id": service}
    facts = db.session.execute(_kiosk_facts(), params).one()
    if facts.location_active is None:
        raise NotFound("unknown_location", field="location_id")
    if not facts.location_active or not hours.open_at(chosen, now):
        raise Conflict("location_closed", field="location_id")
    if service is None or not facts.service_active or not facts.offered:
        raise CounterError("unknown_service", field="service_id")
    return chosen, service, facts.letter or default_letter(service)


def letter_for(service_id: int) -> str:
    setting = db.session.get(CounterServiceSetting, service_id)
    return setting.letter if setting else default_letter(service_id)


def _take_number_statement(dialect: str):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    sequence = TicketSequence.__table__
    return (
        insert(sequence)
        .values(location_id=bindparam("location_id"), day=bindparam("day"), last_number=1)
        .on_conflict_do_update(
            index_elements=[sequence.c.location_id, sequence.c.day],
            set_={"last_number": sequence.c.last_number + 1},
        )
        .returning(sequence.c.last_number)
    )


_take_number = functools.cache(_take_number_statement)


def next_number(location_id: int, day) -> int:
    """The next number, in the session's transaction: the upsert locks the location's sequence
    row until the commit."""
    statement = _take_number(db.session.get_bind().dialect.name)
    return db.session.execute(statement, {"location_id": location_id, "day": day}).scalar_one()


# Columns a new ticket is written with; id comes from the database, number from the sequence.
WRITTEN = [c for c in Ticket.__table__.c if c.key not in ("id", "number")]


def new_ticket_values(location_id: int, service_id: int, now: datetime, letter: str, **fields):
    """Every written column of a new ticket: the model's defaults, then these values. All of
    them, so that the Ticket built from them afterwards never reads a column back."""
    values = {}
    for column in WRITTEN:
        default = column.default
        if default is None:
            values[column.key] = None
        elif default.is_callable:
            values[column.key] = default.arg(None)
        else:
            values[column.key] = default.arg
    values.update(
        location_id=location_id,
        service_id=service_id,
        day=local_day(now),
        letter=letter,
        issued_at=now,
        queued_at=now,
        **fields,
    )
    return values


@functools.cache
def _insert_ticket():
    ticket = Ticket.__table__
    return (
        insert(ticket)
        .values({c.key: bindparam(c.key, type_=c.type) for c in [*WRITTEN, ticket.c.number]})
        .returning(ticket.c.id)
    )


@functools.cache
def _issued_event():
    """The ticket's first event; parameters ticket_id, issued_at and detail (its kind)."""
    return insert(TicketEvent.__table__).values(
        ticket_id=bindparam("ticket_id"),
        at=bindparam("issued_at"),
        action="issued",
        detail=bindparam("detail"),
    )


@functools.cache
def _write_walk_in():
    """PostgreSQL: number, ticket and its issued event in one statement (data-modifying CTEs):
    atomic on its own, so it runs on an autocommit connection in one round trip, and the
    location's sequence row is locked only while this statement runs, not across round trips
    and the commit (fifty kiosks wait on that row). Returns the new ticket's id and number."""
    ticket, event = Ticket.__table__, TicketEvent.__table__
    number = _take_number_statement("postgresql").cte("number")
    written = (
        insert(ticket)
        .from_select(
            [*[c.key for c in WRITTEN], "number"],
            select(*[bindparam(c.key, type_=c.type) for c in WRITTEN], number.c.last_number),
        )
        .returning(ticket.c.id, ticket.c.number)
        .cte("written")
    )
    issued = (
        insert(event)
        .from_select(
            ["ticket_id", "at", "action", "detail"],
            select(
                written.c.id,
                bindparam("issued_at", type_=event.c.at.type),
                literal("issued", String()),
                bindparam("detail", type_=event.c.detail.type),
            ),
        )
        .cte("issued")
    )
    return select(written.c.id, written.c.number).add_cte(issued)


def _persistent(values: dict, ticket_id: int, number: int) -> Ticket:
    """The ticket just written, in the session with every column loaded (attach_written)."""
    return attach_written(Ticket(id=ticket_id, number=number, **values))


def _new_ticket(
    location_id: int,
    service_id: int,
    now: datetime,
    letter: str | None = None,
    **fields,
) -> Ticket:
    """A ticket in the session's transaction. Everything is read before the number is taken:
    the upsert locks the location's sequence row until the commit, so only the inserts and the
    commit run while other kiosks wait."""
    values = new_ticket_values(
        location_id, service_id, now, letter or letter_for(service_id), **fields
    )
    number = next_number(location_id, values["day"])
    ticket_id = db.session.execute(_insert_ticket(), {**values, "number": number}).scalar_one()
    event = {"ticket_id": ticket_id, "issued_at": now, "detail": str(values["kind"])}
    db.session.execute(_issued_event(), event)
    notices.queue_changed(location_id)
    return _persistent(values, ticket_id, number)


def _write_walk_in_at_once(location_id: int, service_id: int, now: datetime, letter: str, **fields):
    """PostgreSQL's walk-in: one statement (see _write_walk_in)."""
    values = new_ticket_values(location_id, service_id, now, letter, **fields)
    params = {**values, "detail": str(values["kind"])}
    ticket_id, number = db.session.execute(_write_walk_in(), params).one()
    notices.queue_changed(location_id)
    return _persistent(values, ticket_id, number)


def issue_ticket(
    *,
    service_id,
    location_id=None,
    language="nl",
    submission_key=None,
    kiosk_id=None,
    remote=False,
    phone=None,
    now=None,
) -> Ticket:
    """A walk-in ticket for a service at a location that is open now.

    `remote`: taken on the citizen's own phone, not at a registered kiosk (`kiosk_id`). With a
    mobile number (which gets the turn-near SMS; the own-phone page asks for one) only one such
    ticket waits per service, day and number (the partial unique index
    uq_ticket_remote_waiting_phone decides a race); without one the API's tight per-address
    limit is what holds a flood back (the public API's body stays as documented: no phone
    needed). At a kiosk a number is optional and only asks for that SMS.

    On PostgreSQL on an autocommit connection (see run_read_only): one read for the checks, then
    the ticket with its number and first event in one statement that commits by itself. Fifty
    kiosks then wait on the sequence row only for that statement, not for each other's round
    trips and commits, which under a gevent worker also wait their turn for the process (that
    queueing made issuing a fraction of /healthz). On SQLite in one BEGIN IMMEDIATE transaction,
    which serialises writers anyway. Either way the unique key on location, day and number
    stands behind the numbers.
    """
    now = now or utcnow()
    key = str(submission_key)[:64] if submission_key else None
    at_once = db.session.get_bind().dialect.name == "postgresql"
    notify_phone = e164(phone) if phone else None
    where = {"kiosk_id": kiosk_id, "remote": bool(remote), "notify_phone": notify_phone}

    def work():
        if key:
            earlier = submitted_ticket(key)
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
        chosen, service, letter = kiosk_check(chosen, service_id, now)
        write = _write_walk_in_at_once if at_once else _new_ticket
        return write(chosen, service, now, letter, language=language, submission_key=key, **where)

    try:
        if at_once:
            return run_read_only(work)
        # Not expired: the 201 reply reads the ticket right after the commit.
        return run_in_transaction(work, expire=False)
    except IntegrityError as error:
        if "notify_phone" in str(error.orig):  # the column names the index on both engines
            raise Conflict("phone_has_ticket", field="phone") from error
        if not key or "submission_key" not in str(error.orig):
            raise
    # The same press arrived twice at once and the other request wrote first (the unique key
    # made this one wait for its commit). This one's write was undone whole, its number with
    # it: no gap. The first ticket is the answer, as for a repeat that comes later.
    return run_read_only(submitted_ticket, key)


def submitted_ticket(key: str) -> Ticket | None:
    return db.session.scalar(select(Ticket).where(Ticket.submission_key == key))


def check_in(*, reference, location_id=None, language="nl", kiosk_id=None, now=None) -> Ticket:
    """A booked citizen arrives. On time: a ticket served by booked time. Late: the normal
    queue. Too early, another day, another office, cancelled or used: refused, nothing changes."""
    now = now or utcnow()
    config = current_app.config

    def work():
        # Locked (PostgreSQL): a second press of the same check-in waits for the first to
        # commit and is then refused below, like one that comes later. SQLite's BEGIN
        # IMMEDIATE already serialises the two.
        visit = booked_visit(reference=str(reference or ""), lock=True)
        if visit is None:
            raise NotFound("unknown_reference", field="appointment_reference")
        if visit.status == "cancelled":
            raise Conflict("appointment_cancelled", field="appointment_reference")
        if local_day(visit.starts_at) != local_day(now):
            raise CounterError("not_today", field="appointment_reference")
        chosen = (
            None if location_id is None else as_id(location_id, "unknown_location", "location_id")
        )
        if chosen is not None and chosen != visit.location_id:
            raise CounterError("other_location", field="appointment_reference")
        if visit.status != "booked" or db.session.scalar(
            select(Ticket.id).where(Ticket.appointment_id == visit.id)
        ):
            raise Conflict("already_checked_in", field="appointment_reference")
        earliest = visit.starts_at - timedelta(minutes=config["COUNTER_CHECKIN_EARLY_MINUTES"])
        if now < earliest:
            shown = local_clock(earliest)
            raise CounterError("too_early", field="appointment_reference", time=shown)
        location = kiosk_location(visit.location_id, now)
        mark_arrived(visit.id, now)
        return _queue_visit(visit, location.id, now, language, kiosk_id=kiosk_id)

    ticket = run_in_transaction(work)
    visits.link_party_quietly(ticket.id)  # the booking says who it is: the desk can link
    return ticket


def _queue_visit(
    visit: BookedVisit, location_id: int, now: datetime, language: str, kiosk_id=None
) -> Ticket:
    """The checked-in citizen's ticket, the same from the kiosk and from staff's "arrived": on
    time, served by booked time; late, in the normal queue. `kiosk_id`: the registered kiosk
    it was checked in at."""
    late_after = timedelta(minutes=current_app.config["COUNTER_CHECKIN_LATE_MINUTES"])
    late = now > visit.starts_at + late_after
    return _new_ticket(
        location_id,
        visit.service_ids[0],
        now,
        kind=TicketKind.WALK_IN if late else TicketKind.APPOINTMENT,
        appointment_id=visit.id,
        booked_start=None if late else visit.starts_at,
        language=visit.language or language,
        kiosk_id=kiosk_id,
    )


@visit_checked_in.connect
def queue_arrived_visit(_sender, *, visit: BookedVisit, at: datetime, **_kwargs) -> None:
    """Staff marked a booked citizen arrived (office.visits.check_in): the kiosk's check-in,
    in the caller's transaction. An appointment of another day, one without services, or one
    queued already (checked in at the kiosk, or marked arrived twice) gets no ticket; one
    taken out of the queue by a mistaken no-show gets its own back."""
    if local_day(visit.starts_at) != local_day(at) or not visit.service_ids:
        return
    queued = db.session.scalar(
        select(Ticket)
        .where(Ticket.appointment_id == visit.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if queued is not None:
        _return_missed(queued, at)
        return
    ticket = _queue_visit(visit, visit.location_id, at, visit.language)
    after_commit(visits.link_party_quietly, ticket.id)


@visit_missed.connect
def drop_missed_visit(_sender, *, visit_id: int, at: datetime, staff_id=None, **_kwargs) -> None:
    """Staff marked the booking a no-show after the citizen was queued: the ticket leaves the
    queue as a no-show (waiting or parked), in the caller's transaction. A called ticket is
    being served, so the no-show is refused; a closed one is left as it is. Locked: a call-next
    at the same moment either calls it first (and the no-show is refused) or skips it."""
    ticket = db.session.scalar(
        select(Ticket)
        .where(Ticket.appointment_id == visit_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if ticket is None:
        return
    if ticket.status == TicketStatus.CALLED:
        raise VisitBeingServed()
    if ticket.status not in (TicketStatus.WAITING, TicketStatus.PARKED):
        return
    ticket.status = TicketStatus.NO_SHOW
    ticket.finished_at = at
    db.session.add(
        TicketEvent(
            ticket_id=ticket.id, at=at, action="no_show", staff_id=staff_id, detail="appointment"
        )
    )
    notices.queue_changed(ticket.location_id)


def _return_missed(ticket: Ticket, at: datetime) -> None:
    """A booking marked a no-show by mistake, then arrived after all: the ticket the no-show
    took out of the queue (drop_missed_visit) is back in its place. One the counter closed
    itself stays closed."""
    last = db.session.scalar(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.id.desc())
        .limit(1)
    )
    if ticket.status != TicketStatus.NO_SHOW or last is None or last.detail != "appointment":
        return
    ticket.status = TicketStatus.WAITING
    ticket.finished_at = None
    db.session.add(TicketEvent(ticket_id=ticket.id, at=at, action="returned", detail="appointment"))
    notices.queue_changed(ticket.location_id)


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
    """The citizen asks for an SMS when three turns away (see counter.citizen_notices)."""
    number = e164(phone)

    def work():
        ticket = ticket_by_token(token)
        ticket.notify_phone = number
        db.session.flush()
        return ticket

    # No party is made here: this page is public, and a number typed on it is only matched to
    # a record once staff have served the citizen (counter.record).
    try:
        return run_in_transaction(work)
    except IntegrityError as error:  # a remote ticket moved onto a number that already waits
        if "notify_phone" not in str(error.orig):
            raise
        raise Conflict("phone_has_ticket", field="phone") from error
