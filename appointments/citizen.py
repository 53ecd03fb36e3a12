"""What Mijn Loket may change of a party's appointments: cancelling one, through the booking's
own rules (booking.cancel: too late, already cancelled), with the representative who acted on
the record's contact moment.

Mijn Loket knows a party, not a manage link: the appointment must be that party's (merges
followed, as `of_party` reads them), else it does not exist for the caller.
"""

from flask import session

from appointments import booking
from appointments.models import Appointment
from appointments.read import _party_and_merged
from core.bounds import as_id
from extensions import db


class NotTheirs(LookupError):
    """No appointment of this party has this id."""


class CannotChange(ValueError):
    """The booking's rules refuse the change; `args[0]` says why, in the reader's language."""


def cancel_for_party(party_id: int, appointment_id, *, representative_id: int | None = None):
    """Cancel the party's appointment, in a unit of work of its own (booking's)."""
    ident = as_id(appointment_id)
    found = db.session.get(Appointment, ident) if ident is not None else None
    if found is None or found.party_id not in _party_and_merged(party_id):
        raise NotTheirs(appointment_id)
    try:
        booking.cancel(found, representative_id=representative_id)
    except booking.TooLate as late:
        raise CannotChange(str(late.message)) from late


PREFILL = "booking_details"  # the browser's session key: details to offer on the booking form


def offer_details(*, name: str, phone: str | None, email: str | None) -> None:
    """The citizen's own details, offered on the booking form they open next in this browser
    ("book again" in Mijn Loket: a citizen gives their data once). Kept in their own session
    cookie; the form shows them as answers to change, never as a booking made."""
    session[PREFILL] = {"name": name, "phone": phone or "", "email": email or ""}


def offered_details() -> dict | None:
    return session.get(PREFILL)


ACTING = "booking_representative"  # the browser's session key: who moves which appointment


def offer_representation(appointment_id: int, representative_id: int) -> None:
    """A representative signed in to Mijn Loket moves this appointment through the booking's
    own pages: the move is recorded as theirs, on behalf of the citizen."""
    session[ACTING] = {"appointment": appointment_id, "representative": representative_id}


def representative_for(appointment_id: int) -> int | None:
    acting = session.get(ACTING) or {}
    return acting.get("representative") if acting.get("appointment") == appointment_id else None
