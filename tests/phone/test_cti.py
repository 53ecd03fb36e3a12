"""The generic CTI endpoint (DESIGN: POST /api/v1/cti/<token>, Zammad's shape): another phone
system's calls land in the same call log and screen pop; repeats change nothing; an unknown
token is 404; bad events are refused in the envelope. Both engines."""

import queue

import requests
from sqlalchemy import func, select

from core.unit_of_work import unit_of_work
from desk import record
from desk.models import Role
from extensions import db
from phone import agents
from phone.models import AgentState, AgentStatus, Call, CallEvent, CallSource, CallStatus
from tests.realtime.sockets import Listener, session_cookie

TOKEN = "cti-token-of-this-installation"


def cti_client(make_app):
    return make_app(CTI_TOKEN=TOKEN).test_client()


def event(client, body, token=TOKEN, as_form=False):
    url = f"/api/v1/cti/{token}"
    return client.post(url, data=body) if as_form else client.post(url, json=body)


def test_an_unknown_or_unset_token_is_404(app, make_app):
    assert (
        event(cti_client(make_app), {"event": "newCall", "callId": "1"}, "wrong").status_code == 404
    )
    unset = make_app().test_client()
    assert event(unset, {"event": "newCall", "callId": "1"}, "").status_code in (404, 405)
    assert event(unset, {"event": "newCall", "callId": "1"}, "anything").status_code == 404


def test_a_call_from_ring_to_hangup_lands_in_the_log(app, make_app, make_staff):
    client = cti_client(make_app)
    agent = make_staff("agent@example.org", role=Role.CALL_AGENT)
    with unit_of_work():
        party = record.find_or_create_party(name="An Janssens", phone="+32470123456")
        address = next(a for a in party.addresses if a.kind == "phone")
        record.verify_address(party=party, address=address, staff=agent)
    ring = {
        "event": "newCall",
        "callId": "abc-1",
        "from": "0470 12 34 56",
        "to": "090000000",
        "direction": "in",
        "queue": "info",
    }
    assert event(client, ring).status_code == 204
    assert event(client, ring).status_code == 204  # a repeat changes nothing
    answer = {**ring, "event": "answer", "user": "AGENT@example.org"}
    assert event(client, answer, as_form=True).status_code == 204
    hangup = {**ring, "event": "hangup", "cause": "normalClearing"}
    assert event(client, hangup).status_code == 204
    db.session.expire_all()
    call = db.session.scalar(select(Call).where(Call.external_id == "abc-1"))
    assert call.source == CallSource.CTI
    assert call.from_number == "+32470123456"
    assert call.agent_id == agent.id
    assert call.status == CallStatus.COMPLETED
    assert call.answered_at is not None and call.ended_at is not None
    assert call.line_id is None  # never in Loket's queue: take-next never offers it
    assert call.party_id == party.id  # one verified holder of the number: the screen pops it
    events = db.session.scalar(select(func.count(CallEvent.id)).where(CallEvent.call_id == call.id))
    assert events == 3
    assert db.session.get(AgentStatus, agent.id).status == AgentState.WRAP_UP


def test_hung_up_before_an_answer_is_abandoned_and_shown_to_call_back(app, make_app, make_staff):
    client = cti_client(make_app)
    ring = {
        "event": "newCall",
        "callId": "abc-2",
        "from": "+32470999000",
        "to": "1",
        "direction": "in",
    }
    event(client, ring)
    event(client, {**ring, "event": "hangup", "cause": "cancel"})
    db.session.expire_all()
    call = db.session.scalar(select(Call).where(Call.external_id == "abc-2"))
    assert call.status == CallStatus.ABANDONED
    assert [c.id for c in agents.to_call_back()] == [call.id]


def test_events_for_unknown_calls_change_nothing(app, make_app):
    client = cti_client(make_app)
    assert event(client, {"event": "hangup", "callId": "never-rang"}).status_code == 204
    assert db.session.scalar(select(func.count(Call.id))) == 0


def test_bad_events_are_refused_in_the_envelope(app, make_app):
    client = cti_client(make_app)
    for body, code in [
        ({"event": "ring", "callId": "1"}, "invalid_event"),
        ({"event": "newCall"}, "missing_call_id"),
        ({"event": "newCall", "callId": "1", "direction": "sideways"}, "invalid_direction"),
        ({"event": "newCall", "callId": {"x": 1}}, "not_text"),
        ({"event": "newCall", "callId": "x" * 101}, "invalid"),
    ]:
        answer = event(client, body)
        assert answer.status_code == 422, body
        assert answer.get_json()["error"]["code"] == code
    assert (
        client.post(f"/api/v1/cti/{TOKEN}", data="[]", content_type="application/json").status_code
        == 422
    )
    assert db.session.scalar(select(func.count(Call.id))) == 0


def test_the_answering_agent_alone_gets_the_screen_pop(live_server, make_staff):
    live_server.app.config["CTI_TOKEN"] = TOKEN
    agent = make_staff("agent@example.org", role=Role.CALL_AGENT)
    colleague = make_staff("colleague@example.org", role=Role.CALL_AGENT)
    listeners = [
        Listener(
            live_server.url,
            "/desk",
            headers={"Cookie": session_cookie(live_server.app, staff)},
            events=["call_assigned"],
        )
        for staff in (agent, colleague)
    ]
    try:
        url = f"{live_server.url}/api/v1/cti/{TOKEN}"
        ring = {"event": "newCall", "callId": "pop-1", "from": "+32470123000", "direction": "in"}
        assert requests.post(url, json=ring, timeout=10).status_code == 204
        answer = {**ring, "event": "answer", "user": "agent@example.org"}
        assert requests.post(url, json=answer, timeout=10).status_code == 204
        pop = listeners[0].next("call_assigned")
        assert pop["from"] == "+32470123000"
        assert pop["kind"] == "live"
        try:
            listeners[1].next("call_assigned", timeout=1)
            raise AssertionError("a colleague got the screen pop")
        except queue.Empty:
            pass
    finally:
        for listener in listeners:
            listener.close()
