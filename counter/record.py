"""Each counter visit becomes a contact moment in the case record (desk.record).

Who the citizen is, in this order: the ticket's own party (kept once known); the checked-in
appointment's party (the appointment as booking tells it: office.visits.booked_visit); else the
contact details the citizen gave us (the appointment's name, phone and e-mail, or the phone left
on the ticket for the turn-near SMS), matched or created by `desk.record.find_or_create_party`.
Its matching is conservative: an unverified phone number makes a new party plus a duplicate
suggestion for a person to judge, never a silent join of two citizens. A walk-in who told us
nothing stays anonymous: the visit is on the ticket only.

Transactions, in this order:

1. `party_for_visit(ticket)` runs in a unit of work of its own, before anything of the visit is
   written: the party, then the ticket's `party_id` (only where it is still empty). Should the
   finish then fail, what stays is true on its own (this ticket's citizen is that party), and a
   retry reuses it instead of making a second party for the same unverified number.
2. The finish (or no-show) changes the ticket in its unit of work, and `record_visit` adds the
   interaction to it: one commit holds both the ticket's new status and the interaction. A
   record error rolls both back; a lost race on the ticket raises before the record is touched.
   Either the visit is closed and on the timeline, or neither.
"""

import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError

from core.unit_of_work import Busy, run_in_transaction
from counter.errors import Conflict
from counter.models import Ticket
from desk import identifiers, record
from desk.errors import InvalidInput, RecordError
from desk.interaction_texts import in_default_language, in_languages, register_texts
from extensions import db
from office.models import Service
from office.visits import BookedVisit, booked_visit

logger = logging.getLogger(__name__)
# What the timeline says of a visit, in the reader's language (desk.interaction_texts).
# The ticket's number ("B001") is on the timeline as the visit's link (counter.record_names).
register_texts(
    {
        "counter.visit": _l("Visit: %(service)s"),
        # access-log details (desk.record.access_log)
        "counter.attached": _l("Visit with ticket %(ticket)s added to this record"),
        "counter.new_record": _l("New record for the visit with ticket %(ticket)s"),
        "counter.desk": _l("Counter desk, ticket %(ticket)s"),
    }
)


def booked(ticket: Ticket) -> BookedVisit | None:
    """The checked-in booking behind the ticket, as the booking channel tells it."""
    if ticket.appointment_id is None:
        return None
    return booked_visit(visit_id=ticket.appointment_id)


def known_party_id(ticket: Ticket) -> int | None:
    """Who the citizen is without writing anything: for the desk's link to the record."""
    if ticket.party_id is not None:
        return ticket.party_id
    appointment = booked(ticket)
    return appointment.party_id if appointment is not None else None


def contact_details(ticket: Ticket) -> dict:
    """What the citizen told us, as find_or_create_party takes it; only the valid parts."""
    appointment = booked(ticket)
    details = {"name": appointment.name if appointment else None}
    for field, value, normalise in (
        (
            "phone",
            ticket.notify_phone or (appointment.phone if appointment else None),
            identifiers.normalise_phone,
        ),
        ("email", appointment.email if appointment else None, identifiers.normalise_email),
    ):
        if not value:
            continue
        try:
            details[field] = normalise(value)
        except InvalidInput:
            continue  # a typo in a booking form must not block the visit
    if appointment is not None and appointment.language:
        details["language"] = appointment.language[:2]
    return {k: v for k, v in details.items() if v}


def party_for_visit(ticket_id: int) -> int | None:
    """`party_id_for` in a unit of work of its own (step 1 above); a rival that stored the same
    new identifier first makes it run again, and then its party matches."""
    return run_in_transaction(party_id_for, ticket_id, retry_if=record.lost_race)


def party_id_for(ticket_id: int) -> int | None:
    """The ticket's party, found or made now and kept on the ticket; in the caller's unit of
    work."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        return None
    known = known_party_id(ticket)
    if known is None:
        details = contact_details(ticket)
        if not {"name", "phone", "email"} & details.keys():
            return None
        if details.get("language") not in record.LANGUAGES:
            details.pop("language", None)
        party = record.find_or_create_party(**details)
        known = party.id
        if ticket.notify_phone:
            source = "counter.remote" if ticket.remote else "counter.follow"
            record_turn_near_consent(party, ticket.notify_phone, source)
    if ticket.party_id == known:
        return known

    db.session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.party_id.is_(None))
        .values(party_id=known)
        .execution_options(synchronize_session=False)
    )
    # A concurrent call may have kept another party first: the ticket's one wins.
    return db.session.get(Ticket, ticket_id, populate_existing=True).party_id


def record_turn_near_consent(party, phone: str, source: str = "counter.follow") -> None:
    """The number left on the ticket's phone page (or given to take the ticket on one's own
    phone, "counter.remote") asked for the turn-near SMS: queue alerts, and nothing else; a
    purpose never asked about on that number is refused, not assumed."""
    for address in list(party.addresses):
        if address.value != phone:
            continue
        answers = {"queue_alerts": True}
        if address.consent_changed_at is None:
            answers = {purpose: False for purpose in record.CONSENT_PURPOSES} | answers
        record.set_contact_consent(party=party, address=address, consents=answers, source=source)


def link_party_quietly(ticket_id: int) -> None:
    """After a check-in or a left phone number: the desk's record link works during the visit.
    Best effort; finishing the visit tries again, and a failure here never costs a ticket (it
    is committed by now: the citizen gets it even when the database refuses this part)."""
    try:
        party_for_visit(ticket_id)
    except (RecordError, Busy, DBAPIError):
        logger.warning("could not link ticket %s to a party", ticket_id, exc_info=True)


def record_visit(ticket: Ticket, *, outcome: str, staff_id: int | None) -> None:
    """Step 2: the interaction, committing the ticket's pending changes with it."""
    if ticket.party_id is None:
        return
    service = db.session.get(Service, ticket.service_id)
    params = {"service": in_languages(service.name_in)}
    try:
        record.record_interaction(
            party=ticket.party_id,
            channel="counter",
            direction="inbound",
            subject=in_default_language("counter.visit", params),
            subject_code="counter.visit",
            subject_params=params,
            summary=ticket.note or "",  # what staff typed: text
            outcome=outcome,
            staff=staff_id if staff_id is not None else ticket.staff_id,
            started_at=ticket.called_at,
            ended_at=ticket.finished_at,
            link_type="ticket",
            link_id=ticket.id,
        )
    except RecordError as error:
        raise Conflict("record_failed") from error


def attach_visit(ticket_id: int, choice: str, *, staff, name: str = "") -> int:
    """The party staff chose for the visit at their counter (desk.record.attach): an existing
    one, which gets the phone and e-mail the visit brought, or `"new"`, the last choice. The
    ticket keeps it, replacing a party found before; in the caller's unit of work."""
    ticket = db.session.get(Ticket, ticket_id)
    details = contact_details(ticket)
    where = {"detail_params": {"ticket": ticket.code}}
    if choice == "new":
        language = details.get("language")
        party = record.new_party_for_contact(
            staff=staff,
            name=(name or "").strip() or details.get("name"),
            phone=details.get("phone"),
            email=details.get("email"),
            language=language if language in record.LANGUAGES else None,
            detail="counter.new_record",
            **where,
        )
    elif str(choice).isdigit():
        party = record.attach_contact(
            party=int(choice),
            staff=staff,
            phone=details.get("phone"),
            email=details.get("email"),
            detail="counter.attached",
            **where,
        )
    else:
        raise InvalidInput("unknown_party", field="party")
    if ticket.notify_phone:  # the number was left for the turn-near SMS: that purpose only
        source = "counter.remote" if ticket.remote else "counter.follow"
        record_turn_near_consent(party, ticket.notify_phone, source)
    ticket.party_id = party.id
    db.session.flush()
    return party.id
