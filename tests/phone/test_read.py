"""phone.read: the calls of a party as plain values, for the portal and the party panel."""

from desk import record
from extensions import db
from phone import read
from tests.phone.conftest import CALLER, Caller


def test_calls_of_a_party_newest_first_with_how_they_ended(hooks, lines):
    party = record.find_or_create_party(name="An", phone=CALLER, verified=True)
    db.session.commit()
    answered, missed, closed = Caller(hooks), Caller(hooks), Caller(hooks)
    for caller in (answered, missed, closed):
        caller.incoming()
    answered.press("1")
    answered.queue_result("bridged", waited=20)
    answered.status("completed", duration=100)
    missed.press("1")
    missed.queue_result("hangup")
    closed.press("2")

    calls = read.calls_of(party.id)
    assert [c.outcome for c in calls] == ["closed", "missed", "answered"]
    assert calls[2].waited_seconds == 20 and calls[2].direction == "inbound"
    assert calls[2].service_id == lines.id_card.id
    assert read.calls_of(party.id + 1000) == []
