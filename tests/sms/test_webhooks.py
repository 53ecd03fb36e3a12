"""Twilio's webhooks: signatures, replies that act, consent words, delivery status order."""

import logging

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from desk.models import Task
from extensions import db
from sms import consent, signals
from sms.models import InboundMessage, MessageStatus, OutboxMessage
from sms.outbox import queue_message
from sms.sender import Sender
from sms.signals import ReplyHandled
from tests.fake_twilio import AUTH_TOKEN
from tests.sms.conftest import PUBLIC_BASE_URL
from tests.words import english_reason

NUMBER = "+32470123456"


def signed_post(client, path, form, token=AUTH_TOKEN, signature=None):
    url = PUBLIC_BASE_URL + path
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def inbound(client, body, sid="SMin1", sender=NUMBER):
    return signed_post(client, "/sms/inbound", {"MessageSid": sid, "From": sender, "Body": body})


def reload_all(model):
    db.session.commit()
    return db.session.scalars(select(model).order_by(model.id)).all()


def answers() -> list[OutboxMessage]:
    return [m for m in reload_all(OutboxMessage) if m.idempotency_key.startswith("reply:")]


@pytest.mark.parametrize("path", ["/sms/inbound", "/sms/status"])
def test_unsigned_or_forged_webhooks_are_refused(twilio_client, twilio_app, path):
    form = {"MessageSid": "SMx", "From": NUMBER, "Body": "STOP", "MessageStatus": "delivered"}
    assert twilio_client.post(path, data=form).status_code == 403
    assert signed_post(twilio_client, path, form, token="wrong-token").status_code == 403
    tampered = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + path, form)
    assert (
        twilio_client.post(
            path, data={**form, "Body": "START"}, headers={"X-Twilio-Signature": tampered}
        ).status_code
        == 403
    )
    assert reload_all(InboundMessage) == []
    assert not consent.opted_out(NUMBER)


def test_the_signature_is_checked_against_the_public_address(twilio_client, twilio_app):
    form = {"MessageSid": "SMx", "From": NUMBER, "Body": "hallo"}
    internal = RequestValidator(AUTH_TOKEN).compute_signature("http://localhost/sms/inbound", form)
    response = twilio_client.post(
        "/sms/inbound", data=form, headers={"X-Twilio-Signature": internal}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("word", ["STOP", "stop", "Uitschrijven", "arrêt", "ARRET", "stopall"])
def test_stop_words_opt_the_number_out(twilio_client, twilio_app, word):
    response = inbound(twilio_client, word)
    assert response.status_code == 200
    assert "<Response>" in response.text
    assert consent.opted_out(NUMBER)
    [row] = reload_all(InboundMessage)
    assert row.action == "stop"


def test_twilio_answers_stop_itself_we_answer_our_own_words(twilio_client, twilio_app):
    inbound(twilio_client, "STOP", sid="SM1")
    assert answers() == []
    inbound(twilio_client, "uitschrijven", sid="SM2")
    [answer] = answers()
    assert answer.purpose == "consent"  # goes out even though the number just opted out
    assert answer.status == MessageStatus.QUEUED
    assert answer.body.startswith("Gemeente Loket: ")
    assert "START" in answer.body


def test_start_opts_back_in(twilio_client, twilio_app):
    inbound(twilio_client, "STOP", sid="SM1")
    inbound(twilio_client, "START", sid="SM2")
    assert not consent.opted_out(NUMBER)


def test_after_stop_a_notice_is_not_sent_and_says_why(twilio_client, twilio_app):
    from sms.notices import Addressee, send_notice
    from sms.texts import Text

    inbound(twilio_client, "STOP")
    row = send_notice(
        key="reminder:1:0:24h",
        addressee=Addressee(party_id=None, language="nl", preferred_channel="sms", phone=NUMBER),
        purpose="reminder",
        text_for=lambda channel: Text("Gemeente Loket: herinnering", "Gemeente Loket: x", True),
    )
    db.session.commit()
    assert row.status == MessageStatus.SKIPPED
    assert english_reason(row).startswith("the number opted out with STOP on ")


def test_a_repeated_webhook_acts_once(twilio_client, twilio_app):
    inbound(twilio_client, "uitschrijven", sid="SMsame")
    inbound(twilio_client, "uitschrijven", sid="SMsame")
    assert len(reload_all(InboundMessage)) == 1
    assert len(answers()) == 1


def offer(key="reminder:5:0:24h", link_id=5, language="nl"):
    row = queue_message(
        key=key,
        recipient=NUMBER,
        body="Gemeente Loket: herinnering\n…\nAntwoord JA of NEE",
        purpose="reminder",
        language=language,
        link_type="thing",  # not "appointment": the real booking receiver ignores it
        link_id=link_id,
        accepts_replies=True,
    )
    db.session.commit()
    Sender(name="t", threads=1).run(once=True)
    return row.id


@pytest.fixture
def channel_side():
    """Stands in for the channel whose notice offered the reply words: records what the signal
    asked, and answers with what the test sets."""
    calls = []
    handled = {"value": ReplyHandled("confirmed", "Gemeente Loket: bevestigd, dank u")}

    def receiver(sender, **kwargs):
        calls.append(kwargs)
        return handled["value"]

    signals.reply_received.connect(receiver)
    yield calls, handled
    signals.reply_received.disconnect(receiver)


def test_ja_confirms_through_the_signal(twilio_client, twilio_app, fake_twilio, channel_side):
    calls, _handled = channel_side
    message_id = offer()
    inbound(twilio_client, "Ja!")
    [call] = calls
    assert call["action"] == "confirm"
    assert (call["link_type"], call["link_id"], call["message_id"], call["language"]) == (
        "thing",
        5,
        message_id,
        "nl",
    )
    [answer] = answers()
    assert answer.body == "Gemeente Loket: bevestigd, dank u"  # the channel's words
    assert (answer.purpose, answer.link_id) == ("reply", 5)
    [row] = reload_all(InboundMessage)
    assert (row.action, row.outcome) == ("confirm", "confirmed")


def test_nee_cancels_and_the_channel_sends_the_notice(
    twilio_client, twilio_app, fake_twilio, channel_side
):
    calls, handled = channel_side
    handled["value"] = ReplyHandled("cancelled")
    offer(language="fr")
    inbound(twilio_client, "non")
    assert calls[0]["action"] == "cancel"
    assert answers() == []  # the cancellation confirmation is the answer
    [row] = reload_all(InboundMessage)
    assert row.outcome == "cancelled"


def test_the_channel_s_answer_goes_out_in_the_notice_s_language(
    twilio_client, twilio_app, fake_twilio, channel_side
):
    calls, handled = channel_side
    handled["value"] = ReplyHandled("too_late", "Gemeente Loket: trop tard")
    offer(language="fr")
    inbound(twilio_client, "NEE")
    assert calls[0]["language"] == "fr"  # the channel words its answer in it
    [answer] = answers()
    assert answer.body == "Gemeente Loket: trop tard"
    assert answer.language == "fr"


def test_a_yes_that_no_channel_acts_on_is_answered_and_left_to_staff(
    twilio_client, twilio_app, fake_twilio
):
    offer()  # about a "thing" no channel claims
    inbound(twilio_client, "JA")
    [answer] = answers()
    assert answer.body.startswith("Gemeente Loket: we begrijpen uw antwoord niet")
    [row] = reload_all(InboundMessage)
    assert (row.action, row.outcome) == ("confirm", "nothing the reply could act on")
    [task] = reload_all(Task)
    assert task.party_id == row.party_id


def test_an_unknown_reply_gets_a_short_answer(twilio_client, twilio_app):
    inbound(twilio_client, "Hoe laat moet ik komen?")
    [answer] = answers()
    assert answer.purpose == "reply"
    assert answer.body.startswith("Gemeente Loket: ")
    assert len(answer.body) <= 160
    [row] = reload_all(InboundMessage)
    assert row.action == "unknown"


def sent_message(twilio_client, fake_twilio) -> OutboxMessage:
    message_id = offer()
    db.session.commit()
    return db.session.get(OutboxMessage, message_id)


def status(client, fake, sid, value, error=None):
    url, form, signature = fake.status_callback(sid, value, error)
    path = url.removeprefix(PUBLIC_BASE_URL)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def test_status_callbacks_never_move_backwards(twilio_client, twilio_app, fake_twilio):
    row = sent_message(twilio_client, fake_twilio)
    assert status(twilio_client, fake_twilio, row.provider_sid, "delivered").status_code == 200
    assert status(twilio_client, fake_twilio, row.provider_sid, "sent").status_code == 200
    assert status(twilio_client, fake_twilio, row.provider_sid, "delivered").status_code == 200
    assert status(twilio_client, fake_twilio, row.provider_sid, "undelivered").status_code == 200
    db.session.commit()
    db.session.refresh(row)
    assert row.status == MessageStatus.DELIVERED


def test_an_undelivered_message_shows_why(twilio_client, twilio_app, fake_twilio):
    row = sent_message(twilio_client, fake_twilio)
    status(twilio_client, fake_twilio, row.provider_sid, "undelivered", "30003")
    db.session.commit()
    db.session.refresh(row)
    assert row.status == MessageStatus.UNDELIVERED
    assert "unreachable" in english_reason(row)


def test_a_callback_for_an_unknown_sid_is_logged_and_accepted(twilio_client, twilio_app, caplog):
    form = {"MessageSid": "SMunknown", "MessageStatus": "delivered"}
    with caplog.at_level(logging.WARNING, logger="sms.delivery"):
        response = signed_post(twilio_client, "/sms/status", form)
    assert response.status_code == 200
    assert "unknown message SID SMunknown" in caplog.text


def test_a_callback_that_beats_the_sender_is_matched_by_the_outbox_id(twilio_client, twilio_app):
    row = queue_message(key="early", recipient=NUMBER, body="x", purpose="reminder")
    db.session.commit()
    form = {"MessageSid": "SMearly", "MessageStatus": "delivered"}
    signed_post(twilio_client, f"/sms/status?id={row.id}", form)
    db.session.commit()
    db.session.refresh(row)
    assert (row.provider_sid, row.status) == ("SMearly", MessageStatus.DELIVERED)


@pytest.mark.parametrize("path", ["/sms/inbound", "/sms/status"])
def test_a_signed_webhook_with_a_sid_no_column_can_hold_is_400(twilio_client, twilio_app, path):
    """Issue 16, 19: a 5,000-character MessageSid, correctly signed, was a 500 (PostgreSQL's
    column holds 64). Twilio's SIDs are 34 letters and digits."""
    for sid in ("SM" + "a" * 4998, "SM-1; drop", ""):
        form = {"MessageSid": sid, "From": NUMBER, "Body": "JA", "MessageStatus": "delivered"}
        assert signed_post(twilio_client, path, form).status_code == 400
    assert reload_all(InboundMessage) == []


def test_a_status_callback_with_odd_extras_changes_nothing_it_should_not(twilio_client, twilio_app):
    row = queue_message(key="odd", recipient=NUMBER, body="x", purpose="reminder")
    db.session.commit()
    form = {"MessageSid": "SModd", "MessageStatus": "failed", "ErrorCode": "3" * 5000}
    for query in (f"?id={2**63}", "?id=%C2%B2", f"?id={row.id}"):
        assert signed_post(twilio_client, f"/sms/status{query}", form).status_code == 200
    db.session.commit()
    db.session.refresh(row)
    assert (row.provider_sid, row.status) == ("SModd", MessageStatus.FAILED)
    assert row.error_code == "3" * 20
