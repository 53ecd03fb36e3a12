"""The counter's "your turn is near" (counter.citizen_notices): one SMS per ticket, in the
transaction that moved the queue and in the ticket's language, through the fake Twilio; on both
databases."""

import pytest
from sqlalchemy import select

from counter import calling, citizen_notices, tickets
from counter.models import CounterServiceSetting
from desk import record as record_module
from desk.models import Interaction
from extensions import db
from sms import consent, reasons
from sms.models import MessageStatus, OutboxMessage
from sms.sender import Sender
from tests.counter.conftest import Town
from tests.units import each_call_committed

record = each_call_committed(record_module)


@pytest.fixture
def town(twilio_app):
    made = Town()
    db.session.add_all([made.hall, made.closed_office, made.id_card, made.address])
    db.session.add_all([made.desk_1, made.desk_2, made.desk_3])
    db.session.flush()
    db.session.add(CounterServiceSetting(service_id=made.id_card.id, letter="A"))
    db.session.commit()
    return made


def queue_of_six(town, language="nl", phone="0470 12 34 56"):
    issued = [
        tickets.issue_ticket(
            service_id=town.id_card.id, location_id=town.hall.id, language=language
        )
        for _ in range(6)
    ]
    tickets.leave_phone(issued[5].public_token, phone)
    return issued


def serve(town, ticket):
    calling.call_next(town.desk_1.id)
    calling.finish(ticket.id, calling.Closer(None, admin=True), outcome="served")


def alerts() -> list[OutboxMessage]:
    db.session.commit()
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.purpose == "queue_alert")
    ).all()


def test_one_sms_when_the_turn_is_near_in_the_ticket_s_language(town, fake_twilio):
    issued = queue_of_six(town, language="fr")
    serve(town, issued[0])  # four ahead of the last ticket: not yet
    assert alerts() == []
    serve(town, issued[1])  # three ahead
    calling.call_next(town.desk_1.id)  # two ahead: no second message
    [alert] = alerts()
    assert alert.idempotency_key == f"queue:{issued[5].id}:near"
    assert (alert.link_type, alert.link_id) == ("ticket", issued[5].id)
    assert alert.body.splitlines()[:2] == [
        "Gemeente Loket: votre tour approche",
        "Ticket A006 : encore 3 personnes avant vous. Venez dans la salle d'attente.",
    ]
    Sender(name="test", threads=1).run(once=True)
    [received] = fake_twilio.received()
    assert received["to"] == "+32470123456" and received["body"] == alert.body


def test_a_rolled_back_call_queues_nothing(town, monkeypatch):
    issued = queue_of_six(town)
    serve(town, issued[0])
    queued, real = [], citizen_notices.send_turn_near

    def queue_then_fail(ticket, ahead):
        real(ticket, ahead)
        queued.append(ticket.id)
        raise RuntimeError("the counter's transaction fails after the SMS was queued")

    monkeypatch.setattr(citizen_notices, "send_turn_near", queue_then_fail)
    with pytest.raises(RuntimeError):
        serve(town, issued[1])
    assert queued == [issued[5].id]
    assert alerts() == []


def test_a_number_that_said_stop_gets_no_queue_alert(town, fake_twilio):
    consent.set_opted_out("+32470123456", True, keyword="stop")
    db.session.commit()
    issued = queue_of_six(town)
    serve(town, issued[0])
    serve(town, issued[1])
    [alert] = alerts()
    assert alert.status == MessageStatus.SKIPPED and alert.reason == reasons.OPTED_OUT
    Sender(name="test", threads=1).run(once=True)
    assert fake_twilio.received() == []


def test_a_known_citizen_finds_the_alert_on_the_timeline(town, fake_twilio):
    an = record.find_or_create_party(name="An", phone="0470 12 34 56", verified=True)
    issued = queue_of_six(town)
    serve(town, issued[0])
    serve(town, issued[1])
    Sender(name="test", threads=1).run(once=True)
    db.session.commit()
    [moment] = db.session.scalars(select(Interaction)).all()
    assert moment.party_id == an.id
    assert (moment.subject_type, moment.subject_id) == ("ticket", issued[5].id)
