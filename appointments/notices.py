"""Booking's notices to citizens: the confirmation of each change, and the reminders.

Booking hands the SMS package finished notices (sms.notices): the words (notice_texts), whom
they are for, and the idempotency key that makes a second queueing a no-op. A confirmation is
queued in the unit of work of the change it confirms (case_record.note_booking), so it commits
with the change or not at all; the reminders job queues a pass of reminders in one unit of
work. The other way round, a reply to one of these notices comes back through
`sms.signals.reply_received` (appointments.sms_replies).
"""

from dataclasses import replace
from datetime import datetime, time, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from appointments import ics
from appointments.manage_links import public_manage_url
from appointments.models import Appointment, Status
from appointments.notice_texts import AppointmentFacts, appointment_text, link_text
from appointments.reminder_plans import ReminderPlan, parse_offsets
from appointments.reminders import QuietHours, decide, offset_label
from core.database import utcnow
from desk.interaction_texts import register_texts
from extensions import db
from office import video_visits
from office.models import LocationKind
from sms.notices import (
    Addressee,
    addressee_for_party,
    already_queued,
    parties_with_addresses,
    party_for_address,
    send_notice,
    send_notices,
)
from sms.texts import Text, language_of

# Why a reminder was not sent (reminders.decide), as staff read it on the messages page.
register_texts(
    {
        "appointments.reminder.begun": _l("reminder not sent: the appointment had begun"),
        "appointments.reminder.booked_after": _l(
            "reminder not sent: booked after this reminder's time"
        ),
        "appointments.reminder.quiet_hours": _l(
            "reminder not sent: its time passed (quiet hours began)"
        ),
    }
)

NOTICE_EVENTS = ("booked", "rescheduled", "cancelled")  # arrived and no-show are not announced


def facts(appointment: Appointment) -> AppointmentFacts:
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
        manage_url=public_manage_url(appointment),
        join_url=(
            video_visits.public_join_url(appointment.reference)
            if appointment.location.kind == LocationKind.ONLINE
            else ""
        ),
    )


def addressee_for(appointment: Appointment) -> Addressee:
    """The party's preferences when the record knows the citizen; else what they booked with.

    The booking's own party link wins (`appointment.party_id`: every booking change sets it
    before its notice); appointments from before the case record have none, and their
    reminders go to the party holding the number or e-mail they were booked with. Reads only:
    this runs inside the booking's unit of work.
    """
    party_id = appointment.party_id
    for value in (appointment.phone, appointment.email):
        if value and party_id is None:
            party_id = party_for_address(value)
    found = addressee_for_party(party_id) if party_id else None
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


def send_confirmation(appointment: Appointment, event: str) -> None:
    """Queue the confirmation of `event` by the party's channel, in the caller's unit of work
    (the change's). Call once the appointment's party is known. Events other than
    NOTICE_EVENTS send nothing."""
    if event in NOTICE_EVENTS:
        send_notice(**confirmation(appointment, event))


def confirmation_key(appointment: Appointment, event: str) -> str:
    """The idempotency key of the confirmation of `event` as the appointment now stands."""
    return f"{event}:{appointment.id}:{appointment.sequence}"


def calendar_description(appointment: Appointment, manage_url: str, language: str) -> str:
    """The .ics event's description: reference, what to bring, a video appointment's join
    link, the manage link."""
    with force_locale(language_of(language)):
        lines = [_("Reference: %(reference)s", reference=appointment.reference)]
        documents = [d for s in appointment.services for d in s.documents_in(language)]
        if documents:
            lines.append(_("Bring: %(documents)s", documents=", ".join(documents)))
        join_url = ics.join_url(appointment)
        if join_url:
            lines.append(_("Video call, from 15 minutes before: %(url)s", url=join_url))
    if manage_url and appointment.status != Status.CANCELLED:
        lines.append(manage_url)
    return "\n".join(lines)


def calendar_attachment(appointment: Appointment, manage_url: str, language: str) -> dict:
    """The appointment's .ics as an e-mail attachment (PUBLISH, or CANCEL once cancelled),
    built now: the sms package, which sends it, knows nothing of appointments."""
    description = calendar_description(appointment, manage_url, language)
    return {
        "filename": f"{appointment.reference}.ics",
        "content_type": "text/calendar",
        "content": ics.appointment_ics(
            appointment, description=description, language=language_of(language)
        ).decode(),
    }


def confirmation(appointment: Appointment, event: str) -> dict:
    """The `send_notice` keywords of an appointment's confirmation of `event`; by e-mail it
    carries an HTML part and the .ics."""
    the_facts = facts(appointment)
    addressee = addressee_for(appointment)

    def text_for(channel: str) -> Text:
        text = appointment_text(event, the_facts, addressee.language, channel)
        if channel != "email":
            return text
        attached = calendar_attachment(appointment, the_facts.manage_url, addressee.language)
        return replace(text, attachments=(attached,))

    return dict(
        key=confirmation_key(appointment, event),
        addressee=addressee,
        purpose="confirmation",
        text_for=text_for,
        link_type="appointment",
        link_id=appointment.id,
        expires_at=None if event == "cancelled" else appointment.starts_at,
    )


def send_manage_link(appointment: Appointment, channel: str, address: str, now: datetime) -> None:
    """The manage link, again, to the phone or e-mail the appointment was booked with (the one
    the citizen just typed): in the caller's unit of work. At most one a minute per
    appointment (the idempotency key), on top of the page's rate limit."""
    the_facts = facts(appointment)
    language = appointment.language or "nl"
    addressee = Addressee(
        party_id=appointment.party_id,
        language=language,
        preferred_channel=channel,
        phone=address if channel == "sms" else None,
        email=address if channel == "email" else None,
    )
    send_notice(
        key=f"link:{appointment.id}:{now:%Y%m%d%H%M}",
        addressee=addressee,
        purpose="manage_link",
        text_for=lambda used: link_text(the_facts, language, used or channel),
        link_type="appointment",
        link_id=appointment.id,
    )


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


def offsets_for(appointment: Appointment, by_service: dict, default: list[int]) -> list[int]:
    chosen = set()
    for service in appointment.services:
        chosen.update(by_service.get(service.id, default))
    return sorted(chosen, reverse=True)


def queue_due_reminders(now: datetime | None = None) -> int:
    """Queue every reminder whose time has come, and record the ones that will never go, in
    the caller's unit of work (the reminders job's); answers how many were queued to send.

    Each reminder's idempotency key (`reminder:<appointment>:<sequence>:24h`) makes a second
    pass, or a second scheduler, a no-op for it; a moved appointment (a new sequence) gets its
    reminders again, for its new time."""
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
    _held = parties_with_addresses([a.party_id for a in upcoming if a.party_id])
    keys = {
        f"reminder:{a.id}:{a.sequence}:{offset_label(m)}": (a, m)
        for a in upcoming
        for m in offsets_for(a, by_service, default)
    }
    done = already_queued(keys)
    batch = []
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
        batch.append(
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
                skip=decision.reason if decision.action == "skip" else None,
            )
        )
    send_notices(batch)  # all of this pass's reminders in one batch
    return sum(notice["skip"] is None for notice in batch)
