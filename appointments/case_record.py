"""The one place where booking writes into the case record (desk/record.py).

Every booking and every change of one (a citizen's own online booking, a staff booking, one
with a national register number, which is never stored outside the record, and every
reschedule, cancellation, arrival and no-show) is recorded by `note_booking` in the booking's
own unit of work: the appointment row, the party, its contact moment, the party link and the
confirmation in the outbox are committed together, or none of them is.

- A refused booking leaves nothing behind: a 422, a 409 or a lost race rolls the whole
  transaction back, the party it found or created included. A new booking finds its party
  before it writes the appointment row, so that row is written once, already linked (see
  booking.book).
- If the record refuses the contact details, everything is rolled back and the citizen gets
  a 422; a deadlock or a locked database rolls it all back too, and the booking is tried again
  as a whole (booking._in_transaction).
"""

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from appointments import notices
from appointments.models import Appointment
from appointments.signals import appointment_changed
from appointments.slots import BookingError
from core.unit_of_work import after_commit
from desk import record
from desk.errors import RecordError
from desk.interaction_texts import in_default_language, in_languages, iso_utc, register_texts
from desk.models import Channel, Direction, Party

LINK_TYPE = "appointment"
# What the timeline says, in the reader's language (desk.interaction_texts).
register_texts(
    {
        "appointments.booked": _l("Appointment booked: %(services)s"),
        "appointments.rescheduled": _l("Appointment moved: %(services)s"),
        "appointments.cancelled": _l("Appointment cancelled: %(services)s"),
        "appointments.arrived": _l("Arrived for the appointment: %(services)s"),
        "appointments.no_show": _l("Did not come to the appointment: %(services)s"),
        "appointments.summary": _l("Reference %(reference)s, %(when)s, %(place)s."),
        "appointments.summary_moved": _l(
            "Reference %(reference)s, %(when)s, %(place)s. Was %(previous_when)s."
        ),
    }
)


class RecordRefused(BookingError):
    """The record refused the contact details; the booking was rolled back with them."""

    def __init__(self, error: RecordError):
        super().__init__(error.message, {error.field or "name": error.message})
        self.code = error.code


class BookingLost(Exception):
    """A concurrent booking stored the same identifier first: this booking's transaction is
    rolled back whole, and the booking is made again (its party then matches)."""


def channel_and_direction(appointment: Appointment, event: str, staff) -> tuple[str, str]:
    """The citizen's own actions are web contacts. Arrived and no-show are marked at the
    counter (by staff or at its kiosk), and a no-show is no contact at all (internal). Other
    staff changes are made where the booking was made on the citizen's behalf: by phone, or
    else at the counter."""
    if staff is None and event not in ("arrived", "no_show"):
        return Channel.WEB, Direction.INBOUND
    if event in ("arrived", "no_show") or appointment.channel not in ("counter", "phone"):
        channel = Channel.COUNTER
    else:
        channel = Channel(appointment.channel)
    return channel, Direction.INTERNAL if event == "no_show" else Direction.INBOUND


def describe(appointment: Appointment, event: str, previous_start: datetime | None = None):
    """The codes and parameters of the subject and summary (desk.interaction_texts)."""
    subject_params = {"services": [in_languages(s.name_in) for s in appointment.services]}
    summary_params = {
        "reference": appointment.reference,
        "when": iso_utc(appointment.starts_at),
        "place": in_languages(appointment.location.name_in),
    }
    summary_code = "appointments.summary"
    if previous_start is not None:
        summary_params["previous_when"] = iso_utc(previous_start)
        summary_code = "appointments.summary_moved"
    return (f"appointments.{event}", subject_params), (summary_code, summary_params)


def note_booking(
    appointment: Appointment,
    event: str,
    *,
    staff=None,
    previous_start: datetime | None = None,
    representative_id: int | None = None,
) -> None:
    """Record `event` on the citizen's party and queue its confirmation, in the caller's unit
    of work (the booking's).

    Call with the change flushed. Raises RecordRefused or BookingLost; either way the unit of
    work rolls back whole. The confirmation (an outbox row, by the party's preferred channel)
    is queued once the party is known, so it commits with the change or rolls back with it;
    `appointment_changed` announces the change once it is committed.
    """
    if appointment.party_id is None:
        appointment.party_id = citizen_party(_contact(appointment), appointment.language).id
    notices.send_confirmation(appointment, event)
    moment = _moment(appointment, event, staff=staff, previous_start=previous_start)
    _record([{**moment, "representative": representative_id} if representative_id else moment])
    after_commit(
        appointment_changed.send,
        current_app._get_current_object(),
        appointment_id=appointment.id,
        reference=appointment.reference,
        party_id=appointment.party_id,
        event=event,
    )


def _moment(appointment: Appointment, event: str, *, staff=None, previous_start=None):
    """The contact moment of `event` on the appointment's party, in record_interactions' terms."""
    (subject_code, subject_params), (summary_code, summary_params) = describe(
        appointment, event, previous_start
    )
    channel, direction = channel_and_direction(appointment, event, staff)
    return dict(
        party=appointment.party_id,
        channel=channel,
        direction=direction,
        subject=in_default_language(subject_code, subject_params)[: record.SUBJECT_MAX],
        subject_code=subject_code,
        subject_params=subject_params,
        summary=in_default_language(summary_code, summary_params),
        summary_code=summary_code,
        summary_params=summary_params,
        outcome=event,
        staff=staff,
        link_type=LINK_TYPE,
        link_id=appointment.id,
    )


def citizen_party(contact: dict, language: str | None) -> Party:
    """The party these booking details belong to, found or created; in the booking's unit of
    work. Raises RecordRefused or BookingLost.

    Hold on to it for the rest of the transaction: the session keeps unchanged rows only while
    someone refers to them, and the record entry would otherwise read the party again.
    """
    try:
        return record.find_or_create_party(
            name=contact["name"],
            phone=contact["phone"],
            email=contact["email"],
            national_number=contact.get("national_number"),
            language=language[:2] if language else None,
            verified=False,  # a booking form proves nothing about the phone or e-mail
        )
    except RecordError as error:  # the unit of work rolls it all back
        raise RecordRefused(error) from error
    except IntegrityError as error:
        raise BookingLost() from error


def record_consent(appointment: Appointment, consents: dict[str, bool], source: str) -> None:
    """What the citizen answered on the booking form, per purpose, on the phone and e-mail
    they booked with, with when and where; in the booking's unit of work. A purpose the form
    did not ask about is refused on an address nobody ever asked (nothing is assumed) and
    left as it was on one where the citizen answered before."""
    party = record.resolve_party(appointment.party_id)
    booked_with = {appointment.phone, appointment.email} - {None}
    for address in list(party.addresses):
        if address.value not in booked_with:
            continue
        answers = dict(consents)
        if address.consent_changed_at is None:
            answers = {purpose: False for purpose in record.CONSENT_PURPOSES} | answers
        try:
            record.set_contact_consent(
                party=party, address=address, consents=answers, source=source
            )
        except RecordError as error:  # the unit of work rolls it all back
            raise RecordRefused(error) from error


def _contact(appointment: Appointment) -> dict:
    """The contact details an appointment was booked with (its national number is not kept)."""
    return {"name": appointment.name, "phone": appointment.phone, "email": appointment.email}


def _record(moments: list[dict]) -> None:
    try:
        record.record_interactions(moments)
    except RecordError as error:  # the unit of work rolls it all back
        raise RecordRefused(error) from error
