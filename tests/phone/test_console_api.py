# ruff: noqa: F811, S314  (fixtures from tests.phone.agents_setup; TwiML Loket itself built)
"""The agents' API (DESIGN: /api/v1/phone/queues, /next, /calls/<id>/log), on both engines:
take-next gives the oldest entry across live callers and callbacks, the call is logged once
as an interaction with codes, and the Twilio side is asked to connect it (the fake sees it)."""

import xml.etree.ElementTree as ET

from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from desk.models import Interaction, Party, Role
from extensions import db
from phone import take
from phone.models import AgentState, AgentStatus, Call, CallbackState, CallStatus
from tests.phone.agents_setup import (  # noqa: F401  (fixtures)
    agent_token,
    enqueue,
    fake_twilio,
    lines,
    twilio_config,
)


def test_the_queues_show_waiting_longest_wait_and_callbacks(client, lines, enqueue, agent_token):
    _staff, headers = agent_token()
    enqueue(minutes_ago=3)
    enqueue(minutes_ago=1)
    enqueue(minutes_ago=10, callback=True)
    enqueue(minutes_ago=2, line=lines.tax_line)
    answer = client.get("/api/v1/phone/queues", headers=headers)
    assert answer.status_code == 200
    by_service = {row["service_id"]: row for row in answer.get_json()}
    id_card = by_service[lines.id_card.id]
    assert set(id_card) == {
        "service_id",
        "name",
        "waiting",
        "longest_wait_seconds",
        "callbacks_waiting",
    }
    assert (id_card["waiting"], id_card["callbacks_waiting"]) == (2, 1)
    assert id_card["longest_wait_seconds"] >= 3 * 60 - 5
    assert by_service[lines.taxes.id]["waiting"] == 1


def test_only_call_agents_and_admins_use_the_phone_api(client, lines, agent_token):
    assert client.get("/api/v1/phone/queues").status_code == 401
    _staff, counter_headers = agent_token(Role.COUNTER)
    answer = client.post("/api/v1/phone/next", headers=counter_headers)
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "call_agent_role_required"
    _admin, admin_headers = agent_token(Role.ADMIN)
    assert client.get("/api/v1/phone/queues", headers=admin_headers).status_code == 200


def test_take_next_is_the_oldest_entry_and_a_callback_keeps_its_turn(
    client, lines, enqueue, agent_token
):
    staff, headers = agent_token()
    enqueue(minutes_ago=5)
    callback = enqueue(minutes_ago=8, callback=True, number="+32470999888")
    first = client.post("/api/v1/phone/next", headers=headers)
    assert first.status_code == 200
    body = first.get_json()
    assert body["id"] == callback.id
    assert body["kind"] == "callback"
    assert body["from"] == "+32470999888"
    assert body["waited_seconds"] >= 8 * 60 - 5
    assert body["parties"] == []
    db.session.expire_all()
    taken = db.session.get(Call, callback.id)
    assert taken.agent_id == staff.id
    assert taken.callback_state == CallbackState.DIALING
    agent = db.session.get(AgentStatus, staff.id)
    assert (agent.status, agent.current_call_id) == (AgentState.ON_CALL, callback.id)
    # still on that call: no second one
    again = client.post("/api/v1/phone/next", headers=headers)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "agent_on_call"


def test_nobody_waiting_is_204(client, lines, agent_token):
    _staff, headers = agent_token()
    answer = client.post("/api/v1/phone/next", headers=headers)
    assert answer.status_code == 204
    assert answer.data == b""


def test_a_matched_caller_comes_with_the_party(client, lines, enqueue, agent_token):
    _staff, headers = agent_token()
    party = Party(name="An Janssens")
    db.session.add(party)
    db.session.commit()
    call = enqueue(minutes_ago=2)
    call.party_id = party.id
    db.session.commit()
    body = client.post("/api/v1/phone/next", headers=headers).get_json()
    assert body["parties"] == [{"id": party.id, "name": "An Janssens"}]


def test_a_secret_party_is_in_the_pop_only_of_those_who_may_see_it(
    client, lines, enqueue, agent_token
):
    """Geheimhouding: a call agent of no department gets the call but not the name; an
    admin taking the next call of that citizen gets both."""
    _agent, headers = agent_token()
    _admin, admin_headers = agent_token(Role.ADMIN)
    party = Party(name="Geheim Persoon", secret=True)
    db.session.add(party)
    db.session.commit()
    for minutes_ago in (3, 2):
        enqueue(minutes_ago=minutes_ago).party_id = party.id
    db.session.commit()
    assert client.post("/api/v1/phone/next", headers=headers).get_json()["parties"] == []
    body = client.post("/api/v1/phone/next", headers=admin_headers).get_json()
    assert body["parties"] == [{"id": party.id, "name": "Geheim Persoon"}]


def test_the_log_makes_one_interaction_with_codes_and_the_times(
    client, lines, enqueue, agent_token
):
    staff, headers = agent_token()
    party = Party(name="An Janssens")
    db.session.add(party)
    db.session.commit()
    call = enqueue(minutes_ago=4)
    call.party_id = party.id
    db.session.commit()
    assert client.post("/api/v1/phone/next", headers=headers).status_code == 200
    url = f"/api/v1/phone/calls/{call.id}/log"
    answer = client.post(
        url, json={"outcome": "informed", "summary": "Asked about the fee"}, headers=headers
    )
    assert answer.status_code == 200, answer.get_json()
    db.session.expire_all()
    interaction = db.session.scalar(select(Interaction).where(Interaction.party_id == party.id))
    assert interaction.channel == "phone"
    assert interaction.outcome == "informed"
    assert interaction.subject_code == "phone.call_about"
    assert set(interaction.subject_params) == {"service", "wait", "talk", "wrap_up"}
    assert interaction.summary == "Asked about the fee"
    assert interaction.staff_id == staff.id
    assert (interaction.subject_type, interaction.subject_id) == ("call", call.id)
    logged = db.session.get(Call, call.id)
    assert logged.interaction_id == interaction.id
    assert logged.wrap_up_ended_at is not None
    assert db.session.get(AgentStatus, staff.id).status == AgentState.AVAILABLE
    # the record API reads it in words, not codes
    twice = client.post(url, json={"outcome": "informed"}, headers=headers)
    assert twice.status_code == 409
    assert twice.get_json()["error"]["code"] == "call_logged"


def test_bad_logs_are_refused_in_the_envelope(client, lines, enqueue, agent_token):
    staff, headers = agent_token()
    _other, other_headers = agent_token()
    call = enqueue()
    client.post("/api/v1/phone/next", headers=headers)
    url = f"/api/v1/phone/calls/{call.id}/log"
    cases = [
        (client.post(url, json={"outcome": "great"}, headers=headers), 422, "invalid_outcome"),
        (client.post(url, json={"outcome": "informed"}, headers=headers), 422, "invalid_party"),
        (client.post(url, json=[], headers=headers), 422, "invalid"),
        (
            client.post(url, json={"outcome": "informed", "party_id": 99999}, headers=headers),
            404,
            "unknown_party",
        ),
        (
            client.post(url, json={"outcome": "informed"}, headers=other_headers),
            403,
            "call_not_yours",
        ),
        (
            client.post(
                "/api/v1/phone/calls/99999/log", json={"outcome": "informed"}, headers=headers
            ),
            404,
            "unknown_call",
        ),
    ]
    for answer, status, code in cases:
        assert answer.status_code == status, answer.get_json()
        assert answer.get_json()["error"]["code"] == code
    db.session.expire_all()
    assert db.session.get(Call, call.id).interaction_id is None


def test_taking_a_live_caller_bridges_it_to_the_agent_s_browser(
    make_app, lines, enqueue, agent_token, fake_twilio
):
    client = make_app(**twilio_config(fake_twilio)).test_client()
    staff, headers = agent_token()
    call = enqueue(sid="CA" + "1" * 32)
    fake_twilio.add_live_call(call.call_sid)
    assert client.post("/api/v1/phone/next", headers=headers).status_code == 200
    [(sid, form)] = fake_twilio.call_updates
    assert sid == call.call_sid
    dial = ET.fromstring(form["Twiml"]).find("Dial")
    assert dial.find("Client").text == f"agent-{staff.id}"


def test_a_desk_phone_agent_is_dialled_on_their_number(
    make_app, lines, enqueue, agent_token, fake_twilio
):
    client = make_app(**twilio_config(fake_twilio)).test_client()
    staff, headers = agent_token()
    db.session.add(AgentStatus(staff_id=staff.id, device="desk_phone", device_number="+3290111111"))
    db.session.commit()
    call = enqueue()
    fake_twilio.add_live_call(call.call_sid)
    client.post("/api/v1/phone/next", headers=headers)
    [(_sid, form)] = fake_twilio.call_updates
    assert ET.fromstring(form["Twiml"]).find("Dial/Number").text == "+3290111111"


def test_a_callback_rings_the_agent_then_the_citizen_from_the_town_s_number(
    make_app, lines, enqueue, agent_token, fake_twilio
):
    client = make_app(**twilio_config(fake_twilio)).test_client()
    staff, headers = agent_token()
    enqueue(callback=True, number="+32470555666")
    assert client.post("/api/v1/phone/next", headers=headers).status_code == 200
    [created] = fake_twilio.created_calls()
    assert created["to"] == f"client:agent-{staff.id}"
    assert created["from"] == "+3290000000"
    assert created["status_callback"] == "https://loket.example.org/phone/callback-status"
    twiml = ET.fromstring(created["twiml"])
    assert twiml.find("Dial").get("callerId") == "+3290000000"
    assert twiml.find("Dial/Number").text == "+32470555666"
    assert fake_twilio.call_updates == []


def test_a_caller_who_hung_up_before_the_bridge_leaves_the_call_to_the_status_webhook(
    make_app, lines, enqueue, agent_token, fake_twilio
):
    client = make_app(**twilio_config(fake_twilio)).test_client()
    _staff, headers = agent_token()
    call = enqueue()
    fake_twilio.add_live_call(call.call_sid)
    fake_twilio.end_call(call.call_sid)
    assert client.post("/api/v1/phone/next", headers=headers).status_code == 200
    assert fake_twilio.call_updates == []
    db.session.expire_all()
    assert db.session.get(Call, call.id).status == CallStatus.CONNECTING


def signed_post(client, path, form):
    from twilio.request_validator import RequestValidator

    from tests.fake_twilio import AUTH_TOKEN

    url = "https://loket.example.org" + path
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def test_a_callback_s_legs_report_answered_and_completed_once(
    make_app, lines, enqueue, agent_token, fake_twilio
):
    client = make_app(**twilio_config(fake_twilio)).test_client()
    staff, headers = agent_token()
    call = enqueue(minutes_ago=6, callback=True, number="+32470555666")
    client.post("/api/v1/phone/next", headers=headers)
    [created] = fake_twilio.created_calls()
    assert created["status_callback"] == "https://loket.example.org/phone/callback-status"
    number = ET.fromstring(created["twiml"]).find("Dial/Number")
    assert number.get("statusCallback") == "https://loket.example.org/phone/callback-status"
    db.session.expire_all()
    assert db.session.get(Call, call.id).callback_call_sid == created["sid"]
    forged = client.post(
        "/phone/callback-status", data={"CallSid": created["sid"], "CallStatus": "completed"}
    )
    assert forged.status_code == 403
    citizen = {"CallSid": "CA" + "9" * 32, "ParentCallSid": created["sid"]}
    answered = signed_post(
        client, "/phone/callback-status", {**citizen, "CallStatus": "in-progress"}
    )
    assert answered.status_code == 200
    db.session.expire_all()
    taken = db.session.get(Call, call.id)
    assert taken.status == CallStatus.ON_CALL and taken.answered_at is not None
    assert taken.wait_seconds >= 6 * 60 - 5  # from the original place in line
    for _repeat in range(2):
        signed_post(client, "/phone/callback-status", {**citizen, "CallStatus": "completed"})
    signed_post(
        client, "/phone/callback-status", {"CallSid": created["sid"], "CallStatus": "completed"}
    )
    db.session.expire_all()
    done = db.session.get(Call, call.id)
    assert (done.status, done.callback_state) == (CallStatus.COMPLETED, CallbackState.COMPLETED)
    assert done.callback_done_at is not None
    assert db.session.get(AgentStatus, staff.id).status == AgentState.WRAP_UP
    unknown = {"CallSid": "CA" + "8" * 32, "CallStatus": "completed"}
    assert signed_post(client, "/phone/callback-status", unknown).status_code == 200


def test_a_callback_nobody_answers_is_to_call_back(
    make_app, lines, enqueue, agent_token, fake_twilio
):
    from phone import agents

    client = make_app(**twilio_config(fake_twilio)).test_client()
    _staff, headers = agent_token()
    call = enqueue(callback=True, number="+32470555777")
    client.post("/api/v1/phone/next", headers=headers)
    [created] = fake_twilio.created_calls()
    citizen = {"CallSid": "CA" + "7" * 32, "ParentCallSid": created["sid"]}
    signed_post(client, "/phone/callback-status", {**citizen, "CallStatus": "no-answer"})
    db.session.expire_all()
    assert db.session.get(Call, call.id).callback_state == CallbackState.UNANSWERED
    assert call.id in [c.id for c in agents.to_call_back()]


def test_a_press_checks_out_one_connection_on_postgresql(
    app, backend, client, lines, enqueue, agent_token
):
    """The token's read opens the transaction take-next continues (core.unit_of_work.
    run_opening_read): one connection per request on PostgreSQL. On SQLite the read stays a
    transaction of its own, as a writer's BEGIN IMMEDIATE must come first."""
    _staff, headers = agent_token()
    enqueue(minutes_ago=2)
    checkouts = []
    listen = lambda *_args: checkouts.append(1)  # noqa: E731
    with client.application.app_context():  # the app the requests go to
        engine = db.engine
    event.listen(engine, "checkout", listen)
    try:
        answer = client.post("/api/v1/phone/next", headers=headers)
    finally:
        event.remove(engine, "checkout", listen)
    assert answer.status_code == 200
    assert len(checkouts) == (1 if backend == "postgresql" else 2)


def test_a_press_retried_after_a_collision_starts_afresh(
    app, client, lines, enqueue, agent_token, monkeypatch
):
    """A transient error rolls back the transaction the token's read opened; the retry runs
    in a new one, with the staff member read again, and takes the call once."""
    staff, headers = agent_token()
    call = enqueue(minutes_ago=2)
    original, tries = take.take_next, []

    def collides_once(staff_id, now=None):
        tries.append(staff_id)
        if len(tries) == 1:
            db.session.execute(select(Call.id))  # something of this transaction to undo
            raise OperationalError("SELECT 1", {}, Exception("database is locked"))
        return original(staff_id, now)

    monkeypatch.setattr(take, "take_next", collides_once)
    answer = client.post("/api/v1/phone/next", headers=headers)
    assert answer.status_code == 200
    assert answer.get_json()["id"] == call.id
    assert tries == [staff.id, staff.id]
    db.session.expire_all()
    assert db.session.get(Call, call.id).agent_id == staff.id
