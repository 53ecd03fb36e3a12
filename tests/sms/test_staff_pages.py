"""The staff pages: sent messages with status, why, segments and cost; the dev mailbox."""

from sqlalchemy import select

from extensions import db
from sms.models import MessageStatus, OutboxMessage
from sms.outbox import queue_message
from sms.sender import Sender


def test_sent_messages_need_a_signed_in_staff_member(client):
    assert client.get("/sms/messages").status_code == 302


def test_sent_messages_show_status_reason_segments_and_month_cost(client, make_staff, login):
    login(make_staff())
    queue_message(key="a", recipient="+32470123456", body="x" * 200, purpose="reminder")
    queue_message(key="b", recipient="12", body="Hallo", purpose="reminder")
    db.session.commit()
    Sender(name="t", threads=1).run(once=True)
    page = client.get("/sms/messages").text
    assert "Verstuurde berichten" in page
    assert "Verstuurd" in page and "Geweigerd" in page
    assert "geen geldig telefoonnummer" in page  # the reason in the reader's language
    assert "€\xa00,14" in page  # two segments at € 0.07, in the Dutch way
    problems = client.get("/sms/messages?problems=1").text
    assert "+32470123456" not in problems
    db.session.commit()
    refused = db.session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == "b"))
    assert refused.status == MessageStatus.REFUSED


def test_the_dev_mailbox_shows_what_was_sent(client, make_staff, login):
    login(make_staff())
    queue_message(key="a", recipient="+32470123456", body="Gemeente Loket: test", purpose="x")
    db.session.commit()
    Sender(name="t", threads=1).run(once=True)
    page = client.get("/sms/dev").text
    assert "Ontwikkelbrievenbus" in page
    assert "Gemeente Loket: test" in page


def secret_and_open_messages():
    """One message to a secret citizen, one to an ordinary one, sent by the dev gateway."""
    from desk import record

    secret = record.find_or_create_party(name="Sara Geheim", phone="0470 55 55 55")
    secret.secret = True
    other = record.find_or_create_party(name="Mia Maes", phone="0470 11 22 33")
    queue_message(
        key="s", recipient="+32470555555", body="Sara: uw afspraak", purpose="x", party_id=secret.id
    )
    queue_message(
        key="o", recipient="+32470112233", body="Mia: uw afspraak", purpose="x", party_id=other.id
    )
    db.session.commit()
    Sender(name="t", threads=1).run(once=True)
    return secret.id, other.id


def test_the_message_pages_hide_a_secret_citizen_and_log_the_others(client, make_staff, login):
    from desk.models import AccessLog

    clerk = login(make_staff())
    secret_id, other_id = secret_and_open_messages()
    for path in ("/sms/messages", "/sms/dev"):
        page = client.get(path).text
        assert "+32470555555" not in page and "Sara" not in page, path
        assert "verborgen (vertrouwelijk)" in page and "+32470112233" in page, path
    db.session.commit()
    logged = db.session.scalars(
        select(AccessLog.party_id).where(AccessLog.staff_id == clerk.id, AccessLog.action == "view")
    ).all()
    assert logged == [other_id, other_id]  # one row per page, the secret party never shown
