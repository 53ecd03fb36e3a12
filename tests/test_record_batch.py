"""record_interactions: a channel's batch of contact moments in one transaction."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select

from desk import record, signals
from desk.errors import InvalidInput
from desk.models import AccessLog, Interaction, Role
from extensions import db


def count(model) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_batch_lands_in_order_with_one_commit(app, make_staff):
    agent = make_staff(role=Role.CALL_AGENT)
    jan = record.find_or_create_party(name="Jan")
    an = record.find_or_create_party(name="An")
    commits, heard = [], []
    event.listen(db.session(), "after_commit", lambda session: commits.append(1))
    moments = [
        dict(party=jan, channel="sms", direction="outbound", subject="Reminder 1",
             link_type="appointment", link_id=7),
        dict(party=an.id, channel="email", direction="outbound", subject="Reminder 2"),
        dict(party=jan, channel="phone", direction="inbound", subject="Call", staff=agent,
             started_at=datetime(2026, 3, 2, 9, tzinfo=UTC)),
    ]  # fmt: skip
    with signals.interaction_recorded.connected_to(lambda _s, **kw: heard.append(kw)):
        made = record.record_interactions(moments)
    assert len(commits) == 1
    assert [m.subject for m in made] == ["Reminder 1", "Reminder 2", "Call"]
    assert [m.party_id for m in made] == [jan.id, an.id, jan.id]
    assert (made[0].subject_type, made[0].subject_id) == ("appointment", 7)
    assert [h["interaction_id"] for h in heard] == [m.id for m in made]
    assert count(Interaction) == 3
    # only the staff member's moment is a change in the access log
    assert [(a.staff_id, a.party_id) for a in db.session.scalars(select(AccessLog))] == [
        (agent.id, jan.id)
    ]


def test_one_bad_moment_refuses_the_batch_and_writes_nothing(app):
    jan = record.find_or_create_party(name="Jan")
    good = dict(party=jan, channel="sms", direction="outbound", subject="Fine")
    with pytest.raises(InvalidInput) as refused:
        record.record_interactions([good, {**good, "channel": "pigeon"}])
    assert refused.value.code == "invalid_channel"
    assert count(Interaction) == 0


def test_the_caller_s_pending_writes_commit_with_the_batch(app):
    """What a channel relies on: its own row and the moments are one transaction."""
    jan = record.find_or_create_party(name="Jan")
    jan.name = "Jan Peeters"  # pending, not committed by the caller
    record.record_interactions([dict(party=jan, channel="sms", direction="outbound", subject="x")])
    db.session.rollback()
    assert db.session.get(type(jan), jan.id).name == "Jan Peeters"


def test_an_empty_batch_is_nothing(app):
    assert record.record_interactions([]) == []
