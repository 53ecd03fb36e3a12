"""INTEGRATION with online booking (appointments/): confirmations and reminders.

The one module of sms/ that knows appointments. It reads their models and the manage-link
token (services, never views), connects to `appointments.signals.appointment_changed` to queue
a confirmation in the booking's own transaction, and runs the reminder job. The other way
round (a reply cancels) goes through `sms.signals`, which `appointments.sms_replies` connects.
"""

from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.database import utcnow
from extensions import db
from sms import case_record
from sms.models import OutboxMessage, ReminderPlan, parse_offsets
from sms.notices import Addressee, send_notices
from sms.reminders import QuietHours, decide, offset_label
from sms.texts import AppointmentFacts, appointment_text

NOTICE_EVENTS = ("booked", "rescheduled", "cancelled")


def facts(appointment) -> AppointmentFacts:
    from appointments.booking import manage_token

    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    token = manage_token(appointment)
    names = {
        language: " + ".join(s.name_in(language) for s in appointment.services)
        for language in ("nl", "fr", "en")
    }
    return AppointmentFacts(
        id=appointment.id,
        reference=appointment.reference,
        starts_at=appointment.starts_at,
        service=names,
        location=appointment.location.name,
        manage_url=f"{base}/appointments/manage/{appointment.reference}?token={token}",
    )


def addressee_for(appointment) -> Addressee:
    """The party's preferences when the record knows the citizen; else what they booked with.

    The booking's own party link wins (`appointment.party_id`: every booking change sets it
    before its notice); appointments from before the case record have none, and their
    reminders go to the party holding the number or e-mail they were booked with. Reads only:
    this runs inside the booking transaction.
    """
    party_id = getattr(appointment, "party_id", None)
    for value in (appointment.phone, appointment.email):
        if value and party_id is None:
            party_id = case_record.party_for_address(value)
    found = case_record.addressee_for_party(party_id) if party_id else None
    if found is not None:
        found.phone = found.phone or appointment.phone
        found.email = found.email or appointment.email
        return found
    return Addressee(
        party_id=None,
        language=appointment.language or "nl",
        preferred_channel="sms" if appointment.phone else "email",
        phone=appointment.phone,
        email=appointment.email,
    )


def notify_appointment(sender, *, appointment, event: str, **_kwargs) -> None:
    """Receiver of appointment_changed: the confirmation, in the booking's transaction."""
    notify_appointments(sender, appointments=[appointment], event=event)


def notify_appointments(sender, *, appointments, event: str, **_kwargs) -> None:
    """Receiver of appointments_changed: the confirmations of a batch, in its transaction, in a
    few statements for all (the opt-outs, the outbox INSERT, the rows queued before)."""
    if event not in NOTICE_EVENTS:
        return
    send_notices([confirmation(appointment, event) for appointment in appointments])


def confirmation(appointment, event: str) -> dict:
    """The `send_notice` keywords of an appointment's confirmation of `event`."""
    the_facts = facts(appointment)
    addressee = addressee_for(appointment)
    return dict(
        key=f"{event}:{appointment.id}:{appointment.sequence}",
        addressee=addressee,
        purpose="confirmation",
        text_for=lambda channel: appointment_text(event, the_facts, addressee.language, channel),
        link_type="appointment",
        link_id=appointment.id,
        expires_at=None if event == "cancelled" else appointment.starts_at,
    )


def connect() -> None:
    from appointments.signals import appointment_changed, appointments_changed

    appointment_changed.connect(notify_appointment)
    appointments_changed.connect(notify_appointments)


# --- reminders ------------------------------------------------------------------------------


def quiet_hours() -> QuietHours:
    config = current_app.config
    return QuietHours(
        start=time.fromisoformat(config["SMS_QUIET_START"]),
        end=time.fromisoformat(config["SMS_QUIET_END"]),
        margin=timedelta(minutes=int(config["SMS_QUIET_MARGIN_MINUTES"])),
    )


def plans() -> dict[int, list[int]]:
    return {p.service_id: p.offset_minutes for p in db.session.scalars(select(ReminderPlan))}


def offsets_for(appointment, by_service: dict, default: list[int]) -> list[int]:
    chosen = set()
    for service in appointment.services:
        chosen.update(by_service.get(service.id, default))
    return sorted(chosen, reverse=True)


def queue_due_reminders(now: datetime | None = None) -> int:
    """Queue every reminder whose time has come; record the ones that will never go. Commits."""
    from appointments.models import Appointment, Status

    now = now or utcnow()
    quiet = quiet_hours()
    default = parse_offsets(current_app.config["SMS_REMINDER_OFFSETS"])
    by_service = plans()
    horizon = max([*default, *[m for v in by_service.values() for m in v], 0])
    # A moved reminder can be up to a night earlier than its offset.
    upcoming = db.session.scalars(
        select(Appointment)
        .where(
            Appointment.status == Status.BOOKED,
            Appointment.starts_at > now,
            Appointment.starts_at <= now + timedelta(minutes=horizon) + timedelta(hours=14),
        )
        .options(selectinload(Appointment.services), selectinload(Appointment.location))
        .order_by(Appointment.starts_at)
    ).all()
    # The citizens' parties, read once for the pass and held (the session keeps a row only
    # while someone refers to it), so each notice's addressee_for reads nothing.
    _held = case_record.parties_with_addresses([a.party_id for a in upcoming if a.party_id])
    keys = {
        f"reminder:{a.id}:{a.sequence}:{offset_label(m)}": (a, m)
        for a in upcoming
        for m in offsets_for(a, by_service, default)
    }
    done = set(
        db.session.scalars(
            select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.in_(keys))
        )
    ) if keys else set()  # fmt: skip
    notices = []
    for key, (appointment, minutes) in keys.items():
        if key in done:
            continue
        decision = decide(
            starts_at=appointment.starts_at,
            offset_minutes=minutes,
            now=now,
            booked_at=appointment.updated_at,
            quiet=quiet,
        )
        if decision.action == "wait":
            continue
        the_facts = facts(appointment)
        addressee = addressee_for(appointment)
        notices.append(
            dict(
                key=key,
                addressee=addressee,
                purpose="reminder",
                text_for=lambda channel, f=the_facts, a=addressee: appointment_text(
                    "reminder", f, a.language, channel
                ),
                link_type="appointment",
                link_id=appointment.id,
                expires_at=decision.expires_at,
                skip=f"reminder not sent: {decision.reason}" if decision.action == "skip" else None,
            )
        )
    send_notices(notices)  # all of this pass's reminders in one batch
    return sum(notice["skip"] is None for notice in notices)
