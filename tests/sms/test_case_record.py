"""SMS and the case record together, on both databases: every message an interaction, an
unreadable reply a task, STOP / START on the party's addresses, notices by the party's wishes."""

from datetime import timedelta

from sqlalchemy import select

from appointments.models import Appointment, Status
from appointments.notices import queue_due_reminders
from desk import record as record_module
from desk.errors import InvalidInput
from desk.models import ContactAddress, Interaction, Party, Task
from extensions import db
from sms.models import InboundMessage, MessageStatus
from tests.appointments.conftest import local
from tests.sms.test_booking_notices import TUESDAY, book, outbox, send
from tests.sms.test_webhooks import NUMBER, inbound
from tests.units import each_call_committed
from tests.words import english_reason

record = each_call_committed(record_module)


def timeline(party_id: int) -> list[Interaction]:
    """The party's SMS moments (the booking itself is on the timeline too, as a web contact)."""
    db.session.commit()
    return db.session.scalars(
        select(Interaction)
        .where(Interaction.party_id == party_id, Interaction.channel == "sms")
        .order_by(Interaction.id)
    ).all()


def known_citizen(**fields) -> Party:
    values = {"name": "An Peeters", "phone": "0470 12 34 56", "verified": True}
    return record.find_or_create_party(**{**values, **fields})


def test_confirmation_and_reminder_are_outbound_interactions_linked_to_the_appointment(
    office, fake_twilio
):
    an = known_citizen()
    appointment = book(office, start=local(TUESDAY, 14))
    queue_due_reminders(now=appointment.starts_at - timedelta(hours=23))
    send()
    confirmation, reminder = outbox()
    assert confirmation.party_id == reminder.party_id == an.id
    moments = timeline(an.id)
    assert [(m.channel, m.direction) for m in moments] == [("sms", "outbound")] * 2
    assert [(m.subject_type, m.subject_id) for m in moments] == [
        ("appointment", appointment.id)
    ] * 2
    # named by purpose, in the reader's language; the text as sent is the summary
    assert [m.subject_code for m in moments] == ["sms.sent.confirmation", "sms.sent.reminder"]
    assert moments[0].subject == "Bevestiging"
    assert moments[0].summary.startswith("Gemeente Loket: afspraak bevestigd")
    assert moments[1].summary == reminder.body and moments[1].outcome == "sent"
    assert [confirmation.interaction_id, reminder.interaction_id] == [m.id for m in moments]
    send()  # nothing due: nothing recorded twice
    assert len(timeline(an.id)) == 2


def test_a_batch_is_one_record_call(office, fake_twilio, monkeypatch):
    an = known_citizen()
    calls = []
    real = record_module.record_interactions
    monkeypatch.setattr(
        record_module,
        "record_interactions",
        lambda moments: calls.append(len(moments)) or real(moments),
    )
    for hour in (9, 10, 11):
        book(office, start=local(TUESDAY, hour))
    calls.clear()  # the bookings' own web interactions went through it one by one
    send()
    assert calls == [3]
    assert len(timeline(an.id)) == 3


def test_a_record_that_refuses_never_costs_a_result(office, fake_twilio, monkeypatch):
    an = known_citizen()

    def refuse(moments):
        raise InvalidInput("invalid_channel", field="channel")

    book(office)
    monkeypatch.setattr(record_module, "record_interactions", refuse)
    send()
    [notice] = outbox()
    assert notice.status == MessageStatus.SENT and notice.provider_sid
    assert timeline(an.id) == []
    assert len(fake_twilio.received()) == 1


def test_a_first_booking_s_confirmation_lands_on_the_party_the_booking_created(office, fake_twilio):
    appointment = book(office)
    send()
    [notice] = outbox()
    party_id = db.session.get(Appointment, appointment.id).party_id
    assert party_id is not None and notice.party_id == party_id
    assert notice.status == MessageStatus.SENT
    [moment] = timeline(party_id)
    assert (moment.direction, moment.subject_id) == ("outbound", appointment.id)


def test_nee_is_an_inbound_interaction_on_the_appointment_and_cancels_it(
    office, fake_twilio, twilio_client
):
    an = known_citizen()
    appointment = book(office, start=local(TUESDAY, 14))
    queue_due_reminders(now=appointment.starts_at - timedelta(hours=23))
    send()
    assert inbound(twilio_client, "NEE", sid="SMnee").status_code == 200
    db.session.commit()
    assert db.session.get(Appointment, appointment.id).status == Status.CANCELLED
    [reply] = [m for m in timeline(an.id) if m.direction == "inbound"]
    assert (reply.channel, reply.summary, reply.outcome) == ("sms", "NEE", "cancelled")
    assert (reply.subject_code, reply.subject) == ("sms.reply", "Antwoord van de burger")
    assert (reply.subject_type, reply.subject_id) == ("appointment", appointment.id)
    send()  # the cancellation notice goes out and is on the timeline too
    assert timeline(an.id)[-1].summary.startswith("Gemeente Loket: afspraak geannuleerd")


def test_an_unreadable_reply_becomes_a_task_for_the_contact_centre(
    office, fake_twilio, twilio_client, twilio_app
):
    an = known_citizen()
    inbound(twilio_client, "Mag ik mijn zoon meebrengen?", sid="SMq")
    db.session.commit()
    [task] = db.session.scalars(select(Task)).all()
    assert task.party_id == an.id and task.kind == "callback"
    assert task.department.code == twilio_app.config["SMS_REPLY_DEPARTMENT"]
    assert "Mag ik mijn zoon meebrengen?" in task.title
    [moment] = timeline(an.id)
    assert (moment.direction, moment.subject_type) == ("inbound", "sms_inbound")
    inbound(twilio_client, "Mag ik mijn zoon meebrengen?", sid="SMq")  # Twilio's retry
    assert len(db.session.scalars(select(Task)).all()) == 1


def test_an_unreadable_reply_from_an_unknown_number_gets_a_party_for_its_task(
    office, twilio_client
):
    inbound(twilio_client, "wie is dit?", sid="SMwho")
    db.session.commit()
    [task] = db.session.scalars(select(Task)).all()
    [row] = db.session.scalars(select(InboundMessage)).all()
    assert row.party_id == task.party_id
    party = db.session.get(Party, task.party_id)
    assert [a.value for a in party.addresses] == [NUMBER]
    assert len(timeline(party.id)) == 1


def test_stop_and_start_change_the_consent_on_the_party_s_addresses(office, twilio_client):
    an = known_citizen()
    inbound(twilio_client, "STOP", sid="SM1")
    db.session.commit()
    [phone] = db.session.scalars(select(ContactAddress)).all()
    assert not phone.consent_reminders and not phone.consent_queue_alerts
    assert phone.consent_changed_at is not None
    assert [(m.summary, m.outcome) for m in timeline(an.id)] == [("STOP", "opted out")]
    inbound(twilio_client, "START", sid="SM2")
    db.session.commit()
    db.session.refresh(phone)
    assert phone.consent_reminders and phone.consent_queue_alerts


def test_the_party_s_language_and_preferred_channel_decide(office, fake_twilio):
    known_citizen(email="an@example.org", language="fr", preferred_channel="email")
    book(office, email="an@example.org")
    [notice] = outbox()
    assert (notice.channel, notice.recipient, notice.language) == ("email", "an@example.org", "fr")
    assert notice.subject == "Gemeente Loket: rendez-vous confirmé"
    send()
    assert fake_twilio.received() == []  # never both


def test_after_an_opt_out_no_notice_goes_on_any_channel(office, fake_twilio, twilio_client):
    an = known_citizen(email="an@example.org")
    assert an.preferred_channel == "sms"
    inbound(twilio_client, "STOP", sid="SMstop")
    book(office, email="an@example.org")
    [notice] = [n for n in outbox() if n.purpose == "confirmation"]
    assert notice.status == MessageStatus.SKIPPED
    assert notice.channel == "sms"  # not moved to e-mail
    send()
    assert fake_twilio.received() == []
    assert not [n for n in outbox() if n.channel == "email"]


def test_consent_refused_at_the_desk_is_honoured(office, fake_twilio):
    an = known_citizen()
    an.addresses[0].consent_reminders = False  # what the desk's consent form stores
    db.session.commit()
    appointment = book(office, start=local(TUESDAY, 14), consents=None)  # nobody asked: the API
    queue_due_reminders(now=appointment.starts_at - timedelta(hours=23))
    confirmation, *reminders = outbox()
    # The confirmation of the booking itself is a service message: it needs no consent.
    assert confirmation.purpose == "confirmation" and confirmation.status == MessageStatus.QUEUED
    assert reminders and {n.status for n in reminders} == {MessageStatus.SKIPPED}
    assert english_reason(reminders[-1]) == "no consent for this purpose (Reminder) by SMS"


def test_a_merged_party_s_messages_land_on_the_survivor(office, fake_twilio, make_staff):
    from desk.merging import merge_parties
    from desk.models import Role

    an = known_citizen()
    survivor = record.find_or_create_party(name="An Peeters-Claes", preferred_channel="sms")
    merge_parties(survivor=survivor, absorbed=an, staff=make_staff(role=Role.ADMIN))
    book(office)
    send()
    [notice] = outbox()
    assert notice.party_id == survivor.id and notice.status == MessageStatus.SENT
    assert len(timeline(survivor.id)) == 1


def test_a_reply_from_the_number_we_wrote_to_verifies_it(office, fake_twilio, twilio_client):
    appointment = book(office, start=local(TUESDAY, 14))  # her number, not verified
    send()
    party_id = db.session.get(Appointment, appointment.id).party_id
    stranger = record.find_or_create_party(name="Iemand", phone="0470 99 99 99")
    assert inbound(twilio_client, "JA", sid="SMja").status_code == 200
    db.session.commit()
    [address] = db.session.scalars(
        select(ContactAddress).where(ContactAddress.party_id == party_id)
    ).all()
    assert address.verified_at is not None
    assert (address.verified_how, address.verified_by_id) == ("sms_reply", None)
    # a number nobody wrote to on the party's behalf proves nothing
    assert db.session.get(Party, stranger.id).addresses[0].verified_at is None
