# ruff: noqa: F811  (pytest fixtures imported from tests.phone.agents_setup)
"""Agents pressing "take next" together, with real threads on SQLite and PostgreSQL: no entry
is given to two agents, and nobody gets one while another still waits untaken."""

from collections import Counter as Tally

import pytest
from sqlalchemy import select

from desk.models import Role
from extensions import db
from phone import take
from phone.models import Call, CallStatus
from tests.phone.agents_setup import enqueue, lines  # noqa: F401  (fixtures)
from tests.races import race

pytestmark = pytest.mark.slow

AGENTS = 12


@pytest.fixture
def agents(make_staff):
    return [make_staff(f"agent-{n}@example.org", role=Role.CALL_AGENT).id for n in range(AGENTS)]


def test_agents_taking_together_get_different_entries_oldest_first(app, agents, enqueue, lines):
    entries = [enqueue(minutes_ago=30 - n, callback=n % 3 == 0) for n in range(20)]
    oldest = {call.id for call in entries[:AGENTS]}

    def press(index):
        taken = take.take_next_call(agents[index])
        return taken.call_id if taken else None

    taken, errors = race(app, AGENTS, press)
    assert errors == []
    assert None not in taken
    assert max(Tally(taken).values()) == 1
    assert set(taken) == oldest  # the twelve oldest, callbacks in their original places
    db.session.commit()
    owners = dict(
        db.session.execute(select(Call.id, Call.agent_id).where(Call.id.in_(taken))).all()
    )
    assert {owners[call_id] for call_id in taken} == set(agents)
    statuses = db.session.scalars(select(Call.status).where(Call.id.in_(taken))).all()
    assert set(statuses) == {CallStatus.CONNECTING}


def test_more_agents_than_callers_some_get_nothing_none_gets_a_taken_one(
    app, agents, enqueue, lines
):
    entries = [enqueue(minutes_ago=5 - n) for n in range(4)]

    def press(index):
        taken = take.take_next_call(agents[index])
        return taken.call_id if taken else None

    taken, errors = race(app, AGENTS, press)
    assert errors == []
    won = [call_id for call_id in taken if call_id is not None]
    assert sorted(won) == sorted(call.id for call in entries)
    assert taken.count(None) == AGENTS - len(entries)


def test_an_agent_with_own_lines_takes_only_from_those(app, agents, enqueue, lines):
    from phone.models import AgentStatus

    db.session.add(AgentStatus(staff_id=agents[0], lines=[lines.tax_line]))
    db.session.commit()
    enqueue(minutes_ago=10)  # identity card: not this agent's
    taxes = enqueue(minutes_ago=2, line=lines.tax_line)
    assert take.take_next_call(agents[0]).call_id == taxes.id
    assert take.take_next_call(agents[1]).call_id != taxes.id  # no lines set: every line
