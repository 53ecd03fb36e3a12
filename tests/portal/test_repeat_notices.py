"""The repeat of an important notice nobody opened: once, on the same channel, with the
subject and the sender in it; idempotent through the outbox's key; never for one the citizen
opened in Mijn Loket, never for an unimportant one, never before its days are up."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.database import utcnow
from extensions import db
from portal.repeat_notices import repeat_unopened_notices
from sms.models import MessageStatus, OutboxMessage
from sms.outbox import queue_message
from tests.portal.helpers import sign_in_as
from tests.portal.pages_data import two_citizens


def sent(key, *, days_ago, purpose="case_update", channel="sms", party_id=None, **extra):
    message = queue_message(
        key=key,
        channel=channel,
        recipient="+32470000001" if channel == "sms" else "jan@example.org",
        subject="" if channel == "sms" else "Uw dossier",
        body="Uw dossier is bijgewerkt.",
        purpose=purpose,
        party_id=party_id,
        **extra,
    )
    message.status = MessageStatus.DELIVERED
    message.sent_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return message


def repeats() -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).where(OutboxMessage.idempotency_key.like("repeat:%"))
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


@pytest.fixture
def people(app):
    return two_citizens()


def test_an_unopened_important_notice_is_repeated_once(app, people):
    _staff, jan, _piet = people
    old = sent("old", days_ago=22, party_id=jan.party_id)
    email = sent("mail", days_ago=30, channel="email", party_id=jan.party_id)
    assert old.important and email.important  # a case update is important by its purpose
    sent("young", days_ago=3, party_id=jan.party_id)
    sent("plain", days_ago=40, purpose="reminder", party_id=jan.party_id)
    marked = sent("marked", days_ago=40, purpose="reminder", party_id=jan.party_id, important=True)
    assert repeat_unopened_notices() == 3
    found = {m.idempotency_key: m for m in repeats()}
    assert set(found) == {f"repeat:{old.id}", f"repeat:{email.id}", f"repeat:{marked.id}"}
    sms = found[f"repeat:{old.id}"]
    assert sms.channel == "sms" and sms.recipient == old.recipient
    assert sms.status == MessageStatus.QUEUED and not sms.important
    assert sms.body.startswith("Herhaling: Gemeente Loket stuurde u op ")
    assert "Onderwerp: Nieuws over een dossier." in sms.body  # an SMS has no subject: its purpose
    assert sms.body.endswith("Uw dossier is bijgewerkt.")
    mail = found[f"repeat:{email.id}"]
    assert mail.channel == "email" and mail.subject == "Herhaling van Gemeente Loket: Uw dossier"
    # a second run, and a run after the repeats went out, send nothing again
    assert repeat_unopened_notices() == 0
    for message in repeats():
        message.status = MessageStatus.DELIVERED
        message.sent_at = utcnow() - timedelta(days=60)
    db.session.commit()
    assert repeat_unopened_notices() == 0
    assert len(repeats()) == 3


def test_a_notice_opened_in_mijn_loket_is_not_repeated(app, client, people):
    _staff, jan, _piet = people
    notice = sent("opened", days_ago=25, party_id=jan.party_id)
    sign_in_as(client, jan.party_id)
    assert client.get(f"/my/messages/{notice.id}").status_code == 200
    assert repeat_unopened_notices() == 0
    assert repeats() == []


def test_the_days_are_the_municipalitys_setting(make_app, people):
    _staff, jan, _piet = people
    sent("week", days_ago=8, party_id=jan.party_id)
    app = make_app(PORTAL_REPEAT_AFTER_DAYS=7)
    with app.app_context():
        assert repeat_unopened_notices() == 1


def test_the_scheduler_runs_the_repeat_job(app, runner, people):
    _staff, jan, _piet = people
    sent("due", days_ago=30, party_id=jan.party_id)
    result = runner.invoke(args=["scheduler", "--once", "--job", "portal.repeat_unopened_notices"])
    assert result.exit_code == 0, result.output
    assert len(repeats()) == 1


def test_a_number_that_said_stop_gets_no_repeat(app, people):
    from sms import consent

    _staff, jan, _piet = people
    update = sent("update", days_ago=30, party_id=jan.party_id)
    legal = sent("legal", days_ago=30, purpose="legal", party_id=jan.party_id)
    consent.set_opted_out(update.recipient, True, "stop")
    db.session.commit()
    assert repeat_unopened_notices() == 2
    found = {m.idempotency_key: m for m in repeats()}
    assert found[f"repeat:{update.id}"].status == MessageStatus.SKIPPED
    assert "STOP" in found[f"repeat:{update.id}"].reason
    assert found[f"repeat:{legal.id}"].status == MessageStatus.QUEUED  # the law's notice goes
    assert repeat_unopened_notices() == 0
