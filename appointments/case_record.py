"""The one place where booking writes into the case record (desk/record.py).

desk.record commits every call itself, and commits the whole session with it ("one call, one
transaction"). A booking change therefore cannot share one transaction with both its record
writes; the order of the steps keeps the two promises instead:

- A refused booking leaves nothing behind. Every check, the choice of slot and counter and the
  appointment row itself come first, in the booking's own write transaction, uncommitted.
  A 422, a 409 or a lost race rolls back before the record is touched.
- An appointment is never stored without its party: `find_or_create_party` commits the pending
  appointment together with the party, in one commit. If the record refuses the contact
  details, the appointment is rolled back with them and the citizen gets a 422.
- The interaction follows in the next transaction, together with the appointment's party_id,
  so an appointment that has a party has its interaction. If that commit fails (deadlock,
  locked database) it alone is retried, never the booking. If it still fails, the booking
  stands with party_id NULL and the failure is logged; `unrecorded()` finds such bookings.
  That, and a crash between the two commits, is the only window left.

A change to an appointment that already has its party (reschedule, cancel, arrived, no-show)
needs one commit only: record_interaction commits the change and its interaction together.
"""

import logging
import random
import time
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select
from sqlalchemy.exc import OperationalError

from appointments.models import BRUSSELS, Appointment
from appointments.signals import appointment_changed
from appointments.slots import BookingError
from desk import record
from desk.errors import RecordError
from desk.models import Channel, Direction, Interaction
from extensions import db

log = logging.getLogger(__name__)
LINK_TYPE = "appointment"
SUBJECTS = {
    "booked": _l("Appointment booked"),
    "rescheduled": _l("Appointment moved"),
    "cancelled": _l("Appointment cancelled"),
    "arrived": _l("Arrived for the appointment"),
    "no_show": _l("Did not come to the appointment"),
}


class RecordRefused(BookingError):
    """The record refused the contact details; the booking was rolled back with them."""

    def __init__(self, error: RecordError):
        super().__init__(error.message, {error.field or "name": error.message})
        self.code = error.code


class BookingLost(Exception):
    """The record rolled the pending appointment back (it retried after a concurrent insert of
    the same identifier) and committed without it: the booking must be made again."""


def channel_and_direction(appointment: Appointment, event: str, staff) -> tuple[str, str]:
    """The citizen's own actions are web contacts. Arrived and no-show are marked at the
    counter, and a no-show is no contact at all (internal). Other staff changes are made where
    the booking was made on the citizen's behalf: by phone, or else at the counter."""
    if staff is None:
        return Channel.WEB, Direction.INBOUND
    if event in ("arrived", "no_show") or appointment.channel not in ("counter", "phone"):
        channel = Channel.COUNTER
    else:
        channel = Channel(appointment.channel)
    return channel, Direction.INTERNAL if event == "no_show" else Direction.INBOUND


def describe(appointment: Appointment, event: str, previous_start: datetime | None = None):
    """Subject and summary in the municipality's language: staff of any language read them."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        services = ", ".join(s.name for s in appointment.services)
        subject = f"{SUBJECTS[event]}: {services}" if services else str(SUBJECTS[event])
        when = appointment.starts_at.astimezone(BRUSSELS).strftime("%Y-%m-%d %H:%M")
        summary = _(
            "Reference %(reference)s, %(when)s, %(place)s.",
            reference=appointment.reference,
            when=when,
            place=appointment.location.name,
        )
        if previous_start is not None:
            before = previous_start.astimezone(BRUSSELS).strftime("%Y-%m-%d %H:%M")
            summary += " " + _("Was %(when)s.", when=before)
    return subject[: record.SUBJECT_MAX], summary


def note_booking(
    appointment: Appointment,
    event: str,
    *,
    staff=None,
    national_number: str | None = None,
    previous_start: datetime | None = None,
) -> None:
    """Record `event` on the citizen's party; commits the pending booking change with it.

    Call with the change flushed in the booking's write transaction and nothing else pending.
    Raises RecordRefused (nothing committed) or BookingLost (nothing of the booking committed).
    `appointment_changed` goes out first, still inside that transaction: what its receivers
    write (an SMS outbox row) is committed with the change by the first record call, or
    rolled back with it.
    """
    appointment_changed.send(
        current_app._get_current_object(), appointment=appointment, event=event
    )
    subject, summary = describe(appointment, event, previous_start)
    channel, direction = channel_and_direction(appointment, event, staff)
    values = dict(
        channel=channel,
        direction=direction,
        subject=subject,
        summary=summary,
        outcome=event,
        staff=staff,
        link_type=LINK_TYPE,
        link_id=appointment.id,
    )
    if appointment.party_id is not None:
        _record(appointment.party_id, values)  # the change and its interaction: one commit
        return
    party = _find_or_create_party(appointment, national_number)  # commits the change too
    if not inspect(appointment).persistent:
        raise BookingLost()
    _link_and_record(appointment, party.id, values)


def _find_or_create_party(appointment: Appointment, national_number: str | None):
    try:
        return record.find_or_create_party(
            name=appointment.name,
            phone=appointment.phone,
            email=appointment.email,
            national_number=national_number,
            language=appointment.language[:2] if appointment.language else None,
            verified=False,  # a booking form proves nothing about the phone or e-mail
        )
    except RecordError as error:
        db.session.rollback()
        raise RecordRefused(error) from error


def _record(party_id: int, values: dict) -> None:
    try:
        record.record_interaction(party=party_id, **values)
    except RecordError as error:
        db.session.rollback()
        raise RecordRefused(error) from error


def _link_and_record(appointment: Appointment, party_id: int, values: dict) -> None:
    """Second commit: party_id and the interaction together; retried alone, never the booking."""
    appointment_id = appointment.id
    tries = current_app.config["BOOKING_RETRIES"]
    for number in range(1, tries + 1):
        try:
            db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            appointment.party_id = party_id
            record.record_interaction(party=party_id, **values)
            return
        except (OperationalError, RecordError) as error:
            db.session.rollback()
            if number == tries or isinstance(error, RecordError):
                log.exception("booking %s: interaction not recorded", appointment_id)
                return
            time.sleep(random.uniform(0.005, 0.05) * number)


def unrecorded(since: datetime) -> list[int]:
    """Ids of appointments made since `since` whose party link and interaction are missing:
    a crash between the two commits, or a second commit that kept failing."""
    recorded = select(Interaction.subject_id).where(Interaction.subject_type == LINK_TYPE)
    return list(
        db.session.scalars(
            select(Appointment.id).where(
                Appointment.created_at >= since,
                Appointment.party_id.is_(None) | Appointment.id.not_in(recorded),
            )
        )
    )
