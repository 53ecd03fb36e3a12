"""Booking, rescheduling and cancelling: the only code that writes appointments.

The database, not this module, guarantees that a counter is never held twice (see the
migration). This module picks a free counter, lets the database refuse if someone was faster,
tries the next free counter, and after a bounded number of rounds tells the caller the time
was taken, with fresh alternatives. Deadlocks (PostgreSQL 40P01) and "database is locked"
(SQLite) are retried a bounded number of times too.

Every booking and every change of one, whoever makes it (the citizen, staff, the API), is one
unit of work: the appointment row, the citizen's party, the contact moment in the case record
and the notice in the outbox commit together, or none of them does (case_record.py).
"""

import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from appointments import arrivals, case_record, validation
from appointments.arrivals import normalise_reference
from appointments.availability import Slot, local_today
from appointments.manage_links import manage_token
from appointments.models import Appointment, Status, appointment_service
from appointments.slots import BookingError, Visit, load_visit, locations_for, slots_json
from appointments.timetable import Timetable
from core.database import utcnow
from core.rows import insert_row, insert_row_with_links
from core.time import TIMEZONE
from core.unit_of_work import run_in_transaction
from extensions import db
from office import visits

# Letters and digits that are hard to mishear or misread (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
REFERENCE_ALPHABET = "ACDEFHJKMNPRTWXY34679"
ALTERNATIVE_DAYS = timedelta(days=14)  # how far a "just taken" answer looks for other times
NO_OVERLAP = "ex_appointment_counter_time"  # PostgreSQL's exclusion constraint (the migration)
LINK_SERVICES = insert(appointment_service)


class SlotTaken(BookingError):
    """Someone else holds this time now; `alternatives` are free times near it."""

    status = 409
    code = "slot_taken"

    def __init__(self, message, alternatives: list[Slot]):
        super().__init__(message)
        self.alternatives = alternatives

    def extra(self) -> dict:
        return {"alternatives": slots_json(self.alternatives)}


class ManageLinkInvalid(BookingError):
    status = 404
    code = "not_found"


class ManageLinkExpired(BookingError):
    status = 410
    code = "link_expired"


class TooLate(BookingError):
    status = 409
    code = "too_late"


class BeingServed(BookingError):
    """A no-show refused: a counter is serving the citizen right now."""

    status = 409
    code = "being_served"


def new_reference() -> str:
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"{chars[:3]}-{chars[3:]}"


def appointment_for_link(reference: str, token: str | None, now: datetime | None = None):
    """The appointment a manage link points at; a wrong token, whatever its characters, looks
    like an unknown reference (compared as bytes: compare_digest refuses non-ASCII text)."""
    appointment = db.session.scalar(
        select(Appointment).where(Appointment.reference == normalise_reference(reference))
    )
    given = (token if isinstance(token, str) else "").encode("utf-8", "replace")
    if appointment is None or not hmac.compare_digest(manage_token(appointment).encode(), given):
        raise ManageLinkInvalid(_l("We cannot find an appointment for this link."))
    if (now or utcnow()) > appointment.manage_token_expires_at:
        raise ManageLinkExpired(_l("This link has expired."))
    return appointment


def _link_expiry(blocked_until: datetime) -> datetime:
    return blocked_until + timedelta(days=current_app.config["BOOKING_MANAGE_LINK_DAYS"])


def clean_contact(*, name, phone=None, email=None, national_number=None) -> dict:
    """Validated contact details; BookingError names every field that is wrong."""
    errors, values = {}, {}
    for key, check, value in (
        ("name", validation.clean_name, name),
        ("phone", validation.normalise_phone, phone),
        ("email", validation.normalise_email, email),
        ("national_number", validation.clean_national_number, national_number),
    ):
        try:
            values[key] = check(value)
        except validation.InvalidValue as invalid:
            errors[key] = invalid.args[0]
    if not errors and not (values["phone"] or values["email"]):
        message = _l("Give a phone number or an e-mail address, so we can reach you.")
        errors = {"phone": message, "email": message}
    if errors:
        raise BookingError(_l("Some details are missing or not valid."), errors)
    return values


def _lost_race(error: BaseException) -> bool:
    """A rival stored this booking's new citizen first, or drew the same reference: the next
    try finds the party, or draws another reference. The same submission's unique key is no
    race: book() answers with that booking."""
    if isinstance(error, case_record.BookingLost):
        return True
    return isinstance(error, IntegrityError) and _reference_clash(error)


def _in_transaction(attempt):
    """Run `attempt` in its own unit of work, again after a deadlock, a locked database or a
    lost race (`_lost_race`). The rows it wrote stay as written after the commit: the caller
    shows the appointment at once (API answer, confirmation page), and reading the row, its
    services and its location back would cost queries for values this very unit wrote."""
    return run_in_transaction(
        attempt, attempts=current_app.config["BOOKING_RETRIES"], expire=False, retry_if=_lost_race
    )


def _overlap_refused(error: IntegrityError) -> bool:
    code = getattr(error.orig, "sqlstate", None)
    return code == "23P01" or "appointment_overlap" in str(error.orig)


def _reference_clash(error: IntegrityError) -> bool:
    """Two bookings drew the same reference (PostgreSQL names the constraint, SQLite the column):
    one in about a thousand once a hundred thousand references are stored."""
    text = str(error.orig)
    return "uq_appointment_reference" in text or "appointment.reference" in text


def _timetable(visit: Visit, start: datetime, location_id, locations=None) -> Timetable:
    """The set-up rows for the asked day and the fortnight of alternatives after it."""
    day = local_today(start, TIMEZONE)
    places = locations or locations_for(visit, location_id)
    return Timetable(visit, places, day, day + ALTERNATIVE_DAYS)


def _alternatives(
    timetable: Timetable, start: datetime, now, count=5, exclude=None, free_that_day=None
):
    """The first free times from `start` on, else the day's first ones. The asked day alone
    usually has enough (`free_that_day`: its free times, when the caller has just computed
    them); late in the day the next working day does (four days reach past a weekend); the
    fortnight is read only when those do not. Each step reads more days, never other times:
    the answer is the one the fortnight would give, at a fraction of its cost (a fortnight is
    three bookings' worth of work, and a taken time late in the day is common)."""
    day = local_today(start, TIMEZONE)
    for last in (day, day + timedelta(days=3), day + ALTERNATIVE_DAYS):
        if last == day and free_that_day is not None:
            slots = free_that_day
        else:
            busy = timetable.busy(day, last, exclude=exclude)
            slots = timetable.slots(day, last, now=now, busy=busy, with_counters=False)
        later = [s for s in slots if s.start >= start]
        if len(later) >= count:
            break
    return (later or slots)[:count]


def alternatives_near(visit: Visit, start: datetime, location_id=None, now=None, count=5):
    """Free times from the asked day on, for the "this time was just taken" message."""
    return _alternatives(_timetable(visit, start, location_id), start, now or utcnow(), count)


def _not_a_free_time() -> BookingError:
    return BookingError(
        _l("This is not a free time. Choose one of the times offered."),
        {"start": _l("Not a free time.")},
    )


def _hold(start: datetime, timetable: Timetable, now, fill, note, exclude=None):
    """Place the visit on a free counter at `start`; `fill(counter_id, slot)` writes the row,
    or returns None when the database refuses it (someone else took that counter a moment
    ago); `note(row)` records it in the case record and queues its notice (see
    case_record.py); the caller's transaction commits.

    Runs inside the write transaction the caller began. The appointments are read there, once
    per round. A start that no counter could take even on an empty day is not a free time at
    all (422): that is asked only when the start is not free, the rare case. When the database
    refuses a counter the next free one is tried; when none is left, a new round reads the
    appointments again, and after the last round the caller hears SlotTaken.
    """
    rounds = current_app.config["BOOKING_RETRIES"]
    day = local_today(start, TIMEZONE)
    free_without_start = None  # the day's free times as last read, when `start` is not one
    for _round in range(rounds):
        # Each statement reads what is committed by then (READ COMMITTED on PostgreSQL; on
        # SQLite nobody else writes meanwhile), so a new round sees the rivals that won.
        busy = timetable.busy(day, day, exclude=exclude)
        slot = timetable.slot_at(start, now=now, busy=busy)
        if slot is None:
            if timetable.slot_at(start, now=now) is None:
                raise _not_a_free_time()
            free_without_start = timetable.slots(day, day, now=now, busy=busy, with_counters=False)
            break
        for counter_id in slot.counter_ids:
            result = fill(counter_id, slot)
            if result is not None:
                note(result)
                return result
    raise SlotTaken(
        _l("This time was just taken. Choose another time."),
        _alternatives(timetable, start, now, exclude=exclude, free_that_day=free_without_start),
    )


def _claim(visit: Visit, **values) -> Appointment | None:
    """Write a new appointment with its services, or None when the database refuses its
    counter (taken a moment ago): no savepoint needed. PostgreSQL skips the row (ON CONFLICT ON
    CONSTRAINT ... DO NOTHING) and its links, in one statement; SQLite's trigger aborts the
    statement alone: either way the transaction, with the party it wrote, goes on. Any other
    conflict raises IntegrityError."""
    if db.session.get_bind().dialect.name == "postgresql":
        appointment = insert_row_with_links(
            Appointment,
            constraint=NO_OVERLAP,
            links=appointment_service,
            link_ids=visit.service_ids,
            **values,
        )
    else:
        try:
            appointment = insert_row(Appointment, **values)
        except IntegrityError as error:
            if _overlap_refused(error):
                return None
            raise
        db.session.connection().execute(
            LINK_SERVICES,
            [{"appointment_id": appointment.id, "service_id": i} for i in visit.service_ids],
        )
    return appointment


def book(
    *,
    service_ids,
    start: datetime,
    name: str,
    phone: str | None = None,
    email: str | None = None,
    national_number: str | None = None,
    location_id: int | None = None,
    people: int = 1,
    language: str = "nl",
    channel: str = "web",
    staff=None,
    submission_key: str | None = None,
    consents: dict[str, bool] | None = None,
    consent_source: str | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Book a visit. Raises BookingError (422), SlotTaken (409) or UnknownService (404).

    `consents`: the citizen's answers per purpose (desk.record.CONSENT_PURPOSES) where the
    booking asked them (the booking form, or the API's optional `consents`); recorded on the
    addresses booked with, with when and where (`consent_source`, else the channel). None where
    nobody asked: the record is left as it is, and a new address has every purpose off.

    Everything is read inside the write transaction, once: the services, the set-up rows and
    the appointments of the day. Whether the start is on the hours' grid at all (422) and
    whether a counter is free there (or 409) are two pure computations over those rows.
    """
    now = now or utcnow()

    def attempt() -> Appointment:
        # The snapshot's own rows, read only: copying them into the session cost a tenth of a
        # booking. The appointment's `services` are left unloaded: the API answer does not show
        # them, and anything that does loads them from the links written with the row.
        visit = load_visit(service_ids, people, attached=False)
        contact = clean_contact(
            name=name, phone=phone, email=email, national_number=national_number
        )
        if start.tzinfo is None:
            raise BookingError(
                _l("Give the time with its UTC offset."), {"start": _l("No offset.")}
            )
        if submission_key:
            earlier = _submitted(submission_key)
            if earlier is not None:
                return earlier  # the same form sent twice: one booking, shown again
        if start <= now:
            raise BookingError(_l("This time is in the past."), {"start": _l("In the past.")})
        locations = locations_for(visit, location_id)
        timetable = _timetable(visit, start, location_id, locations)
        party = None

        def fill(counter_id: int, slot: Slot) -> Appointment | None:
            nonlocal party
            if party is None:
                # Found or created once a counter is free, before the appointment row, so that
                # row is written once, with its link: updating it later in the transaction
                # checks the no-overlap constraint again, which deadlocks with a rival already
                # waiting for this counter. A taken time (409) writes nothing at all.
                party = case_record.citizen_party(contact, language)
            # Written directly (core.rows): this is the path that decides booking throughput.
            blocked_until = slot.start + timedelta(minutes=visit.hold_minutes)
            return _claim(
                visit,
                party_id=party.id,
                reference=new_reference(),
                location_id=slot.location_id,
                counter_id=counter_id,
                starts_at=slot.start,
                ends_at=slot.start + timedelta(minutes=visit.need_minutes),
                blocked_until=blocked_until,
                people=visit.people,
                name=contact["name"],
                phone=contact["phone"],
                email=contact["email"],
                language=language,
                channel=channel,
                booked_by_id=staff.id if staff is not None else None,
                manage_nonce=secrets.token_hex(16),
                manage_token_expires_at=_link_expiry(blocked_until),
                submission_key=submission_key,
                created_at=now,
                updated_at=now,
            )

        def note(appointment: Appointment) -> None:
            # The new row's services and place are the set-up rows this booking already holds:
            # the record entry and the confirmation name them, and reading them back would
            # cost two queries per booking (a sixth of its time).
            place = next(loc for loc in locations if loc.id == appointment.location_id)
            set_committed_value(appointment, "services", list(visit.services))
            set_committed_value(appointment, "location", place)
            case_record.note_booking(appointment, "booked", staff=staff)
            if consents is not None:
                source = consent_source or f"appointments.{channel}"
                case_record.record_consent(appointment, consents, source)

        # The appointment, its party, its record entry and its confirmation: one commit.
        return _hold(start, timetable, now, fill, note)

    try:
        return _in_transaction(attempt)
    except (IntegrityError, SlotTaken) as error:
        # The same form sent twice at once, and the other request booked first: its booking is
        # the answer. This one either hit the unique key on submission_key or, when it took
        # the last free counter, found the counter taken (by that very booking).
        db.session.rollback()
        lost_to_itself = isinstance(error, SlotTaken) or "submission_key" in str(error.orig)
        earlier = _submitted(submission_key) if submission_key and lost_to_itself else None
        if earlier is None:
            raise
        return earlier


def _submitted(submission_key: str) -> Appointment | None:
    return db.session.scalar(
        select(Appointment).where(Appointment.submission_key == submission_key)
    )


def renew_manage_link(appointment_id: int, now: datetime) -> None:
    """An expired link's appointment gets its link's time back (the days after the visit
    that the link is kept); the token is unchanged. In the caller's unit of work."""
    appointment = _locked(appointment_id)
    appointment.manage_token_expires_at = max(
        appointment.manage_token_expires_at, _link_expiry(max(appointment.blocked_until, now))
    )
    db.session.flush()


def _changeable(appointment: Appointment, now: datetime) -> None:
    if appointment.status != Status.BOOKED:
        raise TooLate(_l("This appointment can no longer be changed."))
    if appointment.starts_at <= now:
        raise TooLate(_l("This appointment has started and can no longer be changed."))


def reschedule(
    appointment: Appointment, start: datetime, *, staff=None, now=None, representative_id=None
) -> Appointment:
    """Move to a new free time, on any counter that serves the visit; SEQUENCE goes up.
    `representative_id`: the party who moved it for the citizen (Mijn Loket), on the record."""
    now = now or utcnow()
    _changeable(appointment, now)
    appointment_id, location_id = appointment.id, appointment.location_id
    service_ids, people = [s.id for s in appointment.services], appointment.people
    previous_start = appointment.starts_at

    def attempt() -> Appointment:
        visit = load_visit(service_ids, people)
        if start <= now:
            raise _not_a_free_time()
        timetable = _timetable(visit, start, location_id)

        def fill(counter_id: int, slot: Slot) -> Appointment | None:
            moved = _locked(appointment_id)
            _changeable(moved, now)
            try:
                with db.session.begin_nested():  # a refused UPDATE aborts only this
                    moved.counter_id = counter_id
                    moved.starts_at = slot.start
                    moved.ends_at = slot.start + timedelta(minutes=visit.need_minutes)
                    moved.blocked_until = slot.start + timedelta(minutes=visit.hold_minutes)
                    moved.manage_token_expires_at = _link_expiry(moved.blocked_until)
                    moved.sequence += 1
                    moved.updated_at = now
                    db.session.flush()
            except IntegrityError as error:
                if not _overlap_refused(error):
                    raise
                return None
            return moved

        def note(moved: Appointment) -> None:
            case_record.note_booking(
                moved,
                "rescheduled",
                staff=staff,
                previous_start=previous_start,
                representative_id=representative_id,
            )

        return _hold(start, timetable, now, fill, note, exclude=appointment_id)

    return _in_transaction(attempt)


def _locked(appointment_id: int) -> Appointment:
    """The appointment, locked for this change (FOR UPDATE on PostgreSQL; SQLite's writers
    take turns anyway): two changes at once (a citizen's cancellation, staff moving it) take
    turns, each seeing the other's result, so it is never linked to two parties."""
    return db.session.get(Appointment, appointment_id, with_for_update=True, populate_existing=True)


def _set_status(
    appointment: Appointment, change, event: str, staff, representative_id=None
) -> Appointment:
    """`change` returns False when the appointment is already so: nothing is written again."""
    appointment_id = appointment.id

    def attempt():
        current = _locked(appointment_id)
        if change(current) is False:
            return current
        current.updated_at = utcnow()
        db.session.flush()
        case_record.note_booking(current, event, staff=staff, representative_id=representative_id)
        return current

    return _in_transaction(attempt)


def cancel(
    appointment: Appointment, *, staff=None, now=None, representative_id=None
) -> Appointment:
    """`representative_id`: the party who cancelled for the citizen (Mijn Loket), on the
    record's contact moment."""
    now = now or utcnow()

    def change(current):
        _changeable(current, now)
        current.status = Status.CANCELLED
        current.cancelled_at = now
        current.sequence += 1

    return _set_status(appointment, change, "cancelled", staff, representative_id)


def mark_arrived(appointment: Appointment, *, staff=None, now=None) -> Appointment:
    """Arriving is checking in: the citizen joins the counter's queue with the appointment's
    priority, as at the kiosk, in this same transaction (office.visits.check_in). A citizen
    already arrived (at the kiosk, or marked twice) arrives once: no second record entry."""
    now = now or utcnow()

    def change(current):
        if current.status == Status.CANCELLED:
            raise TooLate(_l("This appointment was cancelled."))
        if current.status == Status.ARRIVED:
            return False
        current.status = Status.ARRIVED
        current.arrived_at = current.arrived_at or now
        arrivals.check_in(current, now)

    return _set_status(appointment, change, "arrived", staff)


def mark_no_show(appointment: Appointment, *, staff=None, now=None) -> Appointment:
    """The citizen did not come: one queued at the counter already (arrived) leaves its queue,
    in this same transaction (office.visits.missed); one being served cannot be a no-show."""
    now = now or utcnow()

    def change(current):
        if current.status == Status.CANCELLED:
            raise TooLate(_l("This appointment was cancelled."))
        if current.status == Status.NO_SHOW:
            return False
        try:
            visits.missed(current.id, now, staff_id=staff.id if staff is not None else None)
        except visits.VisitBeingServed as error:
            raise BeingServed(
                _l("This citizen is being served at a counter now: they did come.")
            ) from error
        current.status = Status.NO_SHOW
        current.arrived_at = None

    return _set_status(appointment, change, "no_show", staff)
