"""Twilio's repeats racing each other, on both engines: one call, one event, one change."""

import pytest
from sqlalchemy import func, select

from extensions import db
from phone.models import Call, CallEvent, CallStatus
from tests.phone.conftest import CALLER, MUNICIPALITY, Caller, new_sid
from tests.races import race

pytestmark = pytest.mark.slow
COPIES = 8


def test_repeated_incoming_webhooks_racing_make_one_call(phone_app, lines):
    sid = new_sid()
    client = phone_app.test_client()

    def ring(_index):
        return (
            Caller(client, sid=sid)
            .post("/phone/incoming", From=CALLER, To=MUNICIPALITY, CallStatus="ringing")
            .status_code
        )

    statuses, errors = race(phone_app, COPIES, ring)
    assert errors == [] and statuses == [200] * COPIES
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Call)) == 1
    assert db.session.scalar(select(func.count()).select_from(CallEvent)) == 1


def test_repeated_hang_ups_racing_end_the_call_once(phone_app, lines):
    client = phone_app.test_client()
    caller = Caller(client)
    caller.incoming()
    caller.press("1")

    def hang_up(index):
        return caller.post(
            "/phone/queue-result", QueueResult="hangup", QueueTime=str(index)
        ).status_code

    statuses, errors = race(phone_app, COPIES, hang_up)
    assert errors == [] and statuses == [200] * COPIES
    db.session.commit()
    call = db.session.scalar(select(Call))
    assert call.status == CallStatus.ABANDONED
    hang_ups = select(func.count()).where(CallEvent.event == "queue-result:hangup")
    assert db.session.scalar(hang_ups) == 1
