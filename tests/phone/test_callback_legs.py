# ruff: noqa: F811  (fixtures from tests.phone.agents_setup)
"""A callback's two legs on `/phone/callback-status`, signed as Twilio signs them, on both
engines: a citizen who does not answer (no-answer, busy, failed, canceled) puts the entry on
"to call back" with its attempts and frees the agent to wrap up; one who answers brings the
call's end and talk from the status callback; repeats change nothing; the next attempt ends by
its own call. An agent's phone that never answers dialled nobody: the entry goes back in line
in its place, the attempt uncounted, and the agent is set away."""

import pytest
from sqlalchemy import func, select

from desk.models import Interaction, Party
from extensions import db
from phone import agents
from phone.models import AgentState, AgentStatus, Call, CallbackState, CallEvent, CallStatus
from phone.token import agent_identity
from tests.phone.agents_setup import (  # noqa: F401  (fixtures)
    agent_token,
    enqueue,
    fake_twilio,
    lines,
    twilio_config,
)
from tests.phone.test_console_api import signed_post

STATUS = "/phone/callback-status"


@pytest.fixture
def desk(make_app, fake_twilio, agent_token, login):
    """A call agent's console (signed in) and API headers, on an app that reaches the fake."""
    client = make_app(**twilio_config(fake_twilio)).test_client()
    staff, headers = agent_token()
    login(staff, client)
    client.staff, client.headers = staff, headers
    return client


def take_callback(desk, fake_twilio) -> str:
    """The agent takes the next entry; the callback's own call (the agent's leg) is made."""
    assert desk.post("/api/v1/phone/next", headers=desk.headers).status_code == 200
    return fake_twilio.created_calls()[-1]["sid"]


def leg(desk, parent, state, *, citizen="CA" + "c" * 32, duration=None, token=None):
    form = {"CallSid": citizen, "ParentCallSid": parent, "CallStatus": state}
    if duration is not None:
        form["CallDuration"] = str(duration)
    if token:  # the same webhook repeated with Twilio's token
        from twilio.request_validator import RequestValidator

        from tests.fake_twilio import AUTH_TOKEN

        url = "https://loket.example.org" + STATUS
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
        headers = {"X-Twilio-Signature": signature, "I-Twilio-Idempotency-Token": token}
        answer = desk.post(STATUS, data=form, headers=headers)
    else:
        answer = signed_post(desk, STATUS, form)
    assert answer.status_code == 200
    return answer


def agent_leg_ends(desk, sid, state="completed"):
    assert signed_post(desk, STATUS, {"CallSid": sid, "CallStatus": state}).status_code == 200


def fresh(call_id) -> Call:
    db.session.expire_all()
    return db.session.get(Call, call_id)


@pytest.mark.parametrize("state", ["no-answer", "busy", "failed", "canceled"])
def test_a_citizen_not_reached_is_to_call_back_with_its_attempts(desk, enqueue, fake_twilio, state):
    call = enqueue(minutes_ago=4, callback=True, number="+32470555777")
    sid = take_callback(desk, fake_twilio)
    assert (
        desk.post(STATUS, data={"CallSid": "CA" + "c" * 32, "ParentCallSid": sid}).status_code
        == 403
    )
    leg(desk, sid, state, token="tok-1")
    leg(desk, sid, state, token="tok-1")
    leg(desk, sid, state)
    agent_leg_ends(desk, sid)
    after = fresh(call.id)
    assert (after.callback_state, after.status) == (CallbackState.UNANSWERED, CallStatus.FAILED)
    assert (after.answered_at, after.callback_done_at, after.duration_seconds) == (None, None, None)
    assert after.callback_attempts == 1
    assert after.ended_at is not None
    assert db.session.scalar(select(func.count()).select_from(CallEvent)) == 2  # one per leg
    agent = db.session.get(AgentStatus, desk.staff.id)
    assert (agent.status, agent.current_call_id) == (AgentState.WRAP_UP, call.id)
    assert call.id in [c.id for c in agents.to_call_back()]
    listed = desk.get("/phone/console/queues").get_data(as_text=True)
    assert "+32 470 55 57 77" in listed
    assert "terugbellen niet beantwoord, 1 poging" in listed

    # the wrap-up needs no record for a citizen nobody reached; the agent is free again
    logged = desk.post(f"/phone/console/calls/{call.id}/log", data={"wrap-outcome": "no_answer"})
    assert logged.status_code == 302
    assert db.session.get(AgentStatus, desk.staff.id).status == AgentState.AVAILABLE
    assert fresh(call.id).callback_state == CallbackState.UNANSWERED  # still to call back


def test_the_next_attempt_is_counted_and_ends_by_its_own_call(desk, enqueue, fake_twilio):
    call = enqueue(minutes_ago=4, callback=True, number="+32470555777")
    first = take_callback(desk, fake_twilio)
    leg(desk, first, "no-answer")
    desk.post(f"/phone/console/calls/{call.id}/log", data={"wrap-outcome": "no_answer"})
    assert desk.post(f"/phone/console/calls/{call.id}/call-back").status_code == 302
    back = fresh(call.id)
    assert (back.status, back.ended_at) == (CallStatus.CALLBACK, None)

    second = take_callback(desk, fake_twilio)
    assert second != first
    assert fresh(call.id).callback_attempts == 2
    leg(desk, first, "completed", citizen="CA" + "d" * 32)  # a late word of the first try
    assert fresh(call.id).ended_at is None
    leg(desk, second, "busy", citizen="CA" + "e" * 32)
    after = fresh(call.id)
    assert after.ended_at is not None and after.callback_state == CallbackState.UNANSWERED
    assert db.session.get(AgentStatus, desk.staff.id).status == AgentState.WRAP_UP
    listed = desk.get("/phone/console/queues").get_data(as_text=True)
    assert "terugbellen niet beantwoord, 2 pogingen" in listed


def test_a_reached_citizen_s_end_and_talk_come_from_the_status_callback(desk, enqueue, fake_twilio):
    party = Party(name="Mia Claes")
    db.session.add(party)
    db.session.commit()
    call = enqueue(minutes_ago=6, callback=True, number="+32470555666")
    call.party_id = party.id
    db.session.commit()
    sid = take_callback(desk, fake_twilio)
    leg(desk, sid, "in-progress")
    answered = fresh(call.id).answered_at
    leg(desk, sid, "completed", duration=125, token="tok-2")
    done = fresh(call.id)
    ended = done.ended_at
    assert (done.status, done.callback_state) == (CallStatus.COMPLETED, CallbackState.COMPLETED)
    assert ended is not None and done.duration_seconds == 125
    assert done.talk_seconds == int((ended - answered).total_seconds())
    # repeats and the agent's leg afterwards change nothing
    leg(desk, sid, "completed", duration=130, token="tok-2")
    leg(desk, sid, "completed", duration=130)
    leg(desk, sid, "in-progress")
    agent_leg_ends(desk, sid)
    again = fresh(call.id)
    assert (again.ended_at, again.answered_at, again.duration_seconds) == (ended, answered, 125)
    assert db.session.get(AgentStatus, desk.staff.id).status == AgentState.WRAP_UP
    assert call.id not in [c.id for c in agents.to_call_back()]

    logged = desk.post(
        f"/phone/console/calls/{call.id}/log", data={"wrap-outcome": "informed", "wrap-note": ""}
    )
    assert logged.status_code == 302
    interaction = db.session.scalar(select(Interaction).where(Interaction.party_id == party.id))
    assert (interaction.started_at, interaction.ended_at) == (answered, ended)
    assert interaction.direction == "inbound"  # the citizen asked for it
    assert fresh(call.id).ended_at == ended  # the wrap-up keeps the status callback's end


def test_the_agent_s_leg_ending_first_ends_the_call_and_the_citizen_s_brings_the_talk(
    desk, enqueue, fake_twilio
):
    call = enqueue(callback=True, number="+32470555666")
    sid = take_callback(desk, fake_twilio)
    leg(desk, sid, "in-progress")
    agent_leg_ends(desk, sid)
    ended = fresh(call.id).ended_at
    assert ended is not None and fresh(call.id).status == CallStatus.COMPLETED
    leg(desk, sid, "completed", duration=61)
    after = fresh(call.id)
    assert (after.ended_at, after.duration_seconds) == (ended, 61)


@pytest.mark.parametrize("state", ["no-answer", "busy", "failed", "canceled"])
def test_an_agent_phone_that_does_not_answer_puts_the_callback_back_in_its_place(
    desk, enqueue, fake_twilio, state
):
    """The citizen was never dialled: no attempt counted, not "to call back", the agent away."""
    older = enqueue(minutes_ago=9, callback=True, number="+32470555111")
    later = enqueue(minutes_ago=2)
    sid = take_callback(desk, fake_twilio)
    agent_leg_ends(desk, sid, state)
    agent_leg_ends(desk, sid, state)  # a repeat changes nothing
    back = fresh(older.id)
    assert (back.status, back.callback_state) == (CallStatus.CALLBACK, CallbackState.REQUESTED)
    assert (back.agent_id, back.ended_at, back.callback_attempts) == (None, None, 0)
    assert older.id not in [c.id for c in agents.to_call_back()]
    agent = db.session.get(AgentStatus, desk.staff.id)
    assert (agent.status, agent.current_call_id) == (AgentState.AWAY, None)

    # the next take rings for the same entry again, before the caller who came later
    again = take_callback(desk, fake_twilio)
    assert again != sid
    assert fresh(older.id).agent_id == desk.staff.id
    assert fresh(later.id).agent_id is None


def test_a_callback_twilio_will_not_ring_goes_back_in_line(desk, enqueue, fake_twilio):
    call = enqueue(minutes_ago=5, callback=True)
    fake_twilio.refuse_calls_to(f"client:{agent_identity(desk.staff.id)}")
    assert desk.post("/api/v1/phone/next", headers=desk.headers).status_code == 200
    back = fresh(call.id)
    assert (back.status, back.callback_state) == (CallStatus.CALLBACK, CallbackState.REQUESTED)
    assert (back.agent_id, back.callback_attempts) == (None, 0)
    assert db.session.get(AgentStatus, desk.staff.id).status == AgentState.AWAY
