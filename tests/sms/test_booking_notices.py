"""Booking and SMS together: one confirmation by the party's channel, reminders, replies."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from twilio.request_validator import RequestValidator

from appointments import booking, notices
from appointments.models import Appointment, Status
from appointments.reminder_plans import ReminderPlan
from extensions import db
from sms.models import DevMessage, MessageStatus, OutboxMessage
from sms.sender import Sender
from tests.appointments.conftest import local
from tests.fake_twilio import AUTH_TOKEN
from tests.sms.conftest import PUBLIC_BASE_URL
from tests.statements import statements_during
from tests.units import each_call_committed
from tests.words import english_reason

queue_due_reminders = each_call_committed(notices).queue_due_reminders

NOW = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)
TUESDAY = date(2027, 3, 2)


def book(office, start=None, **fields):
    values = {
        "service_ids": [office.id_card.id],
        "start": start or local(TUESDAY, 10),
        "name": "An Peeters",
        "phone": "0470 12 34 56",
        "consents": {"reminders": True},  # the booking form's box, ticked
        "now": NOW,
    }
    values.update(fields)
    return booking.book(**values)


def outbox() -> list[OutboxMessage]:
    db.session.commit()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def send():
    Sender(name="test", threads=2).run(once=True)


def test_a_booking_sends_one_confirmation_by_sms(office, fake_twilio):
    appointment = book(office)
    [notice] = outbox()
    assert notice.idempotency_key == f"booked:{appointment.id}:0"
    assert notice.channel == "sms"
    assert notice.link_id == appointment.id
    lines = notice.body.splitlines()
    assert lines[0] == "Gemeente Loket: afspraak bevestigd"
    assert "Identiteitskaart op dinsdag 2 maart om 10:00, Stadhuis" in lines[1]
    assert lines[-1] == "Antwoord NEE om te annuleren, STOP voor geen berichten meer."
    send()
    send()
    [received] = fake_twilio.received()
    assert received["to"] == "+32470123456"
    assert received["body"] == notice.body


def test_the_confirmation_is_in_the_language_of_the_booking(office, fake_twilio):
    book(office, language="fr")
    [notice] = outbox()
    assert notice.body.startswith("Gemeente Loket: rendez-vous confirmé\nCarte d'identité le mardi")
    assert notice.body.endswith(
        "Répondez NON pour annuler, STOP pour ne plus recevoir de messages."
    )


def test_email_only_gets_one_email_never_an_sms(office, fake_twilio):
    book(office, phone=None, email="an@example.org")
    [notice] = outbox()
    assert notice.channel == "email"
    assert notice.subject == "Gemeente Loket: afspraak bevestigd"
    assert "/appointments/manage/" in notice.body
    send()
    assert fake_twilio.received() == []
    [mail] = db.session.scalars(select(DevMessage)).all()
    assert mail.recipient == "an@example.org"


def test_reschedule_and_cancel_each_send_their_own_notice(office, fake_twilio):
    appointment = book(office)
    appointment = booking.reschedule(appointment, local(TUESDAY, 11), now=NOW)
    booking.cancel(appointment, now=NOW)
    subjects = [n.body.splitlines()[0] for n in outbox()]
    assert subjects == [
        "Gemeente Loket: afspraak bevestigd",
        "Gemeente Loket: afspraak verplaatst",
        "Gemeente Loket: afspraak geannuleerd",
    ]
    send()
    assert len(fake_twilio.received()) == 3
    assert fake_twilio.duplicates() == {}


def reminders() -> list[OutboxMessage]:
    return [n for n in outbox() if n.purpose == "reminder"]


def test_reminders_go_24_and_2_hours_before_once_each(office, fake_twilio):
    appointment = book(office, start=local(TUESDAY, 14))
    start = appointment.starts_at
    assert queue_due_reminders(now=start - timedelta(hours=25)) == 0
    assert queue_due_reminders(now=start - timedelta(hours=23, minutes=59)) == 1
    assert queue_due_reminders(now=start - timedelta(hours=23)) == 0
    assert queue_due_reminders(now=start - timedelta(hours=1, minutes=59)) == 1
    assert queue_due_reminders(now=start - timedelta(hours=1)) == 0
    keys = [r.idempotency_key for r in reminders()]
    assert keys == [f"reminder:{appointment.id}:0:24h", f"reminder:{appointment.id}:0:2h"]
    first = reminders()[0]
    assert first.body.splitlines()[0] == "Gemeente Loket: herinnering afspraak"
    assert first.body.endswith(
        "Antwoord JA om te bevestigen, NEE om te annuleren, STOP voor geen berichten meer."
    )
    assert first.accepts_replies


def test_a_pass_queues_its_reminders_in_one_batch_and_skips_those_too_late(office):
    """Ten reminders cost the statements of one (the sms.send_notices batch), and a reminder
    whose window closed is stored skipped, with why, in the same batch."""
    first = book(office, start=local(TUESDAY, 9))
    db.session.rollback()  # each pass measured from no open transaction, as the job runs it
    _queued, for_one = statements_during(
        lambda: queue_due_reminders(now=first.starts_at - timedelta(hours=23))
    )
    for minutes in range(15, 150, 15):
        book(
            office,
            start=local(TUESDAY, 9) + timedelta(minutes=minutes),
            phone="0470 12 34 5" + str(minutes % 10),
        )
    due = first.starts_at - timedelta(hours=21)
    db.session.rollback()
    queued, for_ten = statements_during(lambda: queue_due_reminders(now=due))
    assert queued == 9
    assert len(for_ten) == len(for_one), for_ten
    assert len([r for r in reminders() if r.idempotency_key.endswith(":24h")]) == 10

    late = book(office, start=local(TUESDAY, 14))
    queue_due_reminders(now=late.starts_at - timedelta(minutes=30))
    [day_before] = [
        r for r in reminders() if r.link_id == late.id and r.idempotency_key.endswith(":24h")
    ]
    assert day_before.status == MessageStatus.SKIPPED and "quiet hours" in english_reason(
        day_before
    )


def test_reminder_offsets_are_configured_per_service(office):
    db.session.add(ReminderPlan(service_id=office.id_card.id, offsets="2880"))
    db.session.commit()
    appointment = book(office, start=local(TUESDAY, 14))
    queue_due_reminders(now=appointment.starts_at - timedelta(hours=47))
    assert [r.idempotency_key.rsplit(":", 1)[1] for r in reminders()] == ["2d"]


def test_a_cancelled_appointment_gets_no_reminder(office):
    appointment = book(office, start=local(TUESDAY, 14))
    booking.cancel(appointment, now=NOW)
    queue_due_reminders(now=appointment.starts_at - timedelta(hours=1))
    assert reminders() == []


def test_a_reminder_missed_until_the_start_is_never_sent(office, fake_twilio):
    appointment = book(office, start=local(TUESDAY, 14))
    queue_due_reminders(now=appointment.starts_at + timedelta(minutes=1))
    assert reminders() == []  # a started appointment is not even considered
    queue_due_reminders(now=appointment.starts_at - timedelta(minutes=30))
    day_before, two_hours = reminders()
    assert day_before.status == MessageStatus.SKIPPED  # its window closed the evening before
    assert "quiet hours began" in english_reason(day_before)
    assert two_hours.status == MessageStatus.QUEUED  # still before the start: it may go
    db.session.execute(
        OutboxMessage.__table__.update().values(expires_at=datetime(2000, 1, 1, tzinfo=UTC))
    )
    db.session.commit()
    send()
    assert [r.status for r in reminders()] == [MessageStatus.SKIPPED, MessageStatus.EXPIRED]
    assert [m for m in fake_twilio.received() if "herinnering" in m["body"]] == []


def test_an_early_reminder_moves_to_the_evening_before(office):
    appointment = book(office, start=local(TUESDAY, 9))  # 2 h before: 07:00, quiet
    queue_due_reminders(now=local(TUESDAY - timedelta(days=1), 20, 31))
    [early, late] = reminders()
    assert early.idempotency_key.endswith(":24h") and late.idempotency_key.endswith(":2h")
    assert late.expires_at == local(TUESDAY - timedelta(days=1), 21, 0)
    assert appointment.starts_at > late.expires_at


def signed_inbound(client, body, sid):
    form = {"MessageSid": sid, "From": "+32470123456", "Body": body}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        PUBLIC_BASE_URL + "/sms/inbound", form
    )
    return client.post("/sms/inbound", data=form, headers={"X-Twilio-Signature": signature})


def test_replying_nee_cancels_the_appointment_end_to_end(office, fake_twilio, twilio_client):
    appointment = book(office, start=local(TUESDAY, 14))
    queue_due_reminders(now=appointment.starts_at - timedelta(hours=23))
    send()
    assert signed_inbound(twilio_client, "NEE", "SMreply1").status_code == 200
    db.session.commit()
    assert db.session.get(Appointment, appointment.id).status == Status.CANCELLED
    notices = [n.body.splitlines()[0] for n in outbox() if n.purpose == "confirmation"]
    assert notices[-1] == "Gemeente Loket: afspraak geannuleerd"
    assert [n for n in outbox() if n.purpose == "reply"] == []
    signed_inbound(twilio_client, "NEE", "SMreply1")  # Twilio's retry of the same webhook
    assert len([n for n in outbox() if n.purpose == "confirmation"]) == 2


def test_replying_ja_confirms_and_thanks(office, fake_twilio, twilio_client):
    appointment = book(office, start=local(TUESDAY, 14))
    queue_due_reminders(now=appointment.starts_at - timedelta(hours=23))
    send()
    signed_inbound(twilio_client, "ja", "SMreply2")
    db.session.commit()
    assert db.session.get(Appointment, appointment.id).status == Status.BOOKED
    [thanks] = [n for n in outbox() if n.purpose == "reply"]
    assert thanks.body.startswith("Gemeente Loket: bedankt, uw afspraak is bevestigd")


def test_a_reply_after_the_appointment_was_cancelled_is_too_late_in_the_notice_s_language(
    office, fake_twilio, twilio_client
):
    appointment = book(office, start=local(TUESDAY, 14), language="fr")
    queue_due_reminders(now=appointment.starts_at - timedelta(hours=23))
    booking.cancel(db.session.get(Appointment, appointment.id), now=NOW)  # by staff, meanwhile
    send()
    signed_inbound(twilio_client, "NON", "SMlate")  # answers the reminder: its words were NON
    [answer] = [n for n in outbox() if n.purpose == "reply"]
    assert answer.body.splitlines() == [
        "Gemeente Loket: ce rendez-vous ne peut plus être modifié par SMS",
        "Appelez-nous ou utilisez le lien de votre confirmation.",
    ]
    assert (answer.language, answer.link_id) == ("fr", appointment.id)


def test_the_scheduler_once_queues_and_sends(office, fake_twilio, twilio_app):
    book(office)
    result = twilio_app.test_cli_runner().invoke(args=["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert "appointments.reminders" in result.output and "sms.send_outbox" in result.output
    assert len(fake_twilio.received()) == 1
