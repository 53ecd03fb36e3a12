# ruff: noqa: S314  (TwiML Loket itself built)
"""Calls an agent types in the console (phone.outgoing), on both engines: the TwiML
application's Voice URL `/phone/outgoing` signed as Twilio signs it, the citizen's leg on
`/phone/outgoing-status`, the wrap-up on the timeline as an outgoing contact, and the console's
"Call a number" form and the party panel's "Call" button."""

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from core.unit_of_work import unit_of_work
from desk import accounts, record
from desk.models import Interaction, Role
from extensions import db
from phone.models import AgentState, AgentStatus, Call, CallDirection, CallEvent, CallStatus
from tests import services
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN
from tests.phone.conftest import MUNICIPALITY, PHONE_CONFIG, PUBLIC_BASE_URL, check_twiml, said
from tests.realtime.sockets import Listener, session_cookie

CONFIG = {**PHONE_CONFIG, "TWILIO_FROM": MUNICIPALITY}
CITIZEN = "+32470123456"
STATUS_URL = PUBLIC_BASE_URL + "/phone/outgoing-status"


@pytest.fixture
def twilio(make_app, phone_app):
    """Twilio reaching Loket: a client of a second app on the same database."""
    return make_app(**CONFIG).test_client()


@pytest.fixture
def agent(make_staff):
    return make_staff("agent@example.org", role=Role.CALL_AGENT, preferred_language="fr")


def signed(client, path, form, *, signature=None, token=None):
    form = {"AccountSid": ACCOUNT_SID, **form}
    if signature is None:
        signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + path, form)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    if token:
        headers["I-Twilio-Idempotency-Token"] = token
    return client.post(path, data=form, headers=headers)


def call_out(client, staff_id, to, sid="CA" + "a" * 32, **extra) -> ET.Element:
    """What the agent's browser makes Twilio ask: From is the agent's client name."""
    form = {"CallSid": sid, "From": f"client:agent-{staff_id}", "To": to, **extra}
    answer = signed(client, "/phone/outgoing", form)
    assert answer.status_code == 200, answer.data
    assert answer.mimetype == "text/xml"
    root = ET.fromstring(answer.data)
    check_twiml(root)
    return root


def calls() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Call))


def known_party(name="Els Maes", phone=CITIZEN):
    with unit_of_work():
        party = record.find_or_create_party(name=name, phone=phone, verified=True)
    return party


def test_an_agent_s_call_is_dialled_from_the_town_s_number_and_written_once(twilio, agent):
    party = known_party()
    root = call_out(twilio, agent.id, "0470 12 34 56")
    dial = root.find("Dial")
    assert dial.get("callerId") == MUNICIPALITY
    assert dial.get("answerOnBridge") == "true"
    number = dial.find("Number")
    assert number.text == CITIZEN
    assert number.get("statusCallback") == STATUS_URL
    assert set(number.get("statusCallbackEvent").split()) == {"answered", "completed"}
    assert [v.tag for v in root] == ["Dial"]

    call = db.session.scalar(select(Call))
    assert (call.direction, call.status) == (CallDirection.OUTBOUND, CallStatus.CONNECTING)
    assert (call.agent_id, call.to_number, call.from_number) == (agent.id, CITIZEN, MUNICIPALITY)
    assert call.party_id == party.id  # the one verified holder of the number
    assert call.queued_at is None
    status = db.session.get(AgentStatus, agent.id)
    assert (status.status, status.current_call_id) == (AgentState.ON_CALL, call.id)

    again = call_out(twilio, agent.id, "0470 12 34 56")  # Twilio's repeat of the request
    assert again.find("Dial/Number").text == CITIZEN
    assert calls() == 1


def test_an_unverified_number_pops_candidates_and_matches_nobody(twilio, agent):
    with unit_of_work():
        one = record.find_or_create_party(name="Jan Peeters", phone=CITIZEN)
        two = record.find_or_create_party(name="Piet Peeters", phone=CITIZEN)
    call_out(twilio, agent.id, CITIZEN)
    call = db.session.scalar(select(Call))
    assert call.party_id is None
    assert set(call.candidate_party_ids) == {one.id, two.id}


def test_a_forged_request_is_403_and_writes_nothing(twilio, agent):
    form = {"CallSid": "CA" + "b" * 32, "From": f"client:agent-{agent.id}", "To": CITIZEN}
    assert signed(twilio, "/phone/outgoing", form, signature="forged").status_code == 403
    assert signed(twilio, "/phone/outgoing", form, signature="").status_code == 403
    other = RequestValidator(AUTH_TOKEN).compute_signature(
        PUBLIC_BASE_URL + "/phone/incoming", {"AccountSid": ACCOUNT_SID, **form}
    )
    assert signed(twilio, "/phone/outgoing", form, signature=other).status_code == 403
    assert calls() == 0


@pytest.mark.parametrize("who", ["unknown", "inactive", "counter", "not_a_client", "garbage"])
def test_only_an_active_call_agent_or_admin_may_call_out(twilio, make_staff, who):
    identity = {
        "unknown": "client:agent-999999",
        "not_a_client": "+32470999999",
        "garbage": "client:agent-1x",
    }.get(who)
    if identity is None:
        role = Role.COUNTER if who == "counter" else Role.CALL_AGENT
        staff = make_staff(f"{who}@example.org", role=role, active=who != "inactive")
        identity = f"client:agent-{staff.id}"
    form = {"CallSid": "CA" + "c" * 32, "From": identity, "To": CITIZEN}
    answer = signed(twilio, "/phone/outgoing", form)
    assert answer.status_code == 200
    root = ET.fromstring(answer.data)
    check_twiml(root)
    assert [v.tag for v in root] == ["Say", "Hangup"]
    assert "Loket" in said(root)  # "Deze telefoon mag niet bellen via Loket."
    assert calls() == 0
    assert db.session.scalar(select(func.count()).select_from(AgentStatus)) == 0


def test_an_admin_may_call_out(twilio, make_staff):
    admin = make_staff("admin@example.org", role=Role.ADMIN)
    assert call_out(twilio, admin.id, CITIZEN).find("Dial") is not None


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("12345", "numéro de téléphone valide"),  # not a number
        ("", "numéro de téléphone valide"),
        ("client:agent-1", "numéro de téléphone valide"),  # no calling agents' browsers
        ("0900 12 345", "ce type de numéro"),  # premium rate
        ("070 22 33 44", "ce type de numéro"),  # shared cost
        ("+1 212 555 0123", "ce type de numéro"),  # outside the allowed countries
    ],
)
def test_a_number_loket_does_not_call_is_refused_aloud_in_the_agent_s_language(
    twilio, agent, typed, words
):
    root = call_out(twilio, agent.id, typed)
    assert [v.tag for v in root] == ["Say", "Hangup"]
    assert words in said(root)
    assert root.find("Say").get("language") == "fr-FR"
    assert calls() == 0


def test_the_allowed_countries_are_set_by_configuration(make_app, phone_app, agent):
    client = make_app(**CONFIG, PHONE_OUTBOUND_REGIONS="BE,US").test_client()
    assert call_out(client, agent.id, "+1 212 555 0123").find("Dial/Number") is not None
    assert call_out(client, agent.id, "+31 20 123 4567", sid="CA" + "d" * 32).find("Dial") is None


def test_an_agent_still_on_a_call_cannot_call_out(twilio, agent):
    call_out(twilio, agent.id, CITIZEN)
    root = call_out(twilio, agent.id, "+32470654321", sid="CA" + "e" * 32)
    assert [v.tag for v in root] == ["Say", "Hangup"]
    assert "encore en communication" in said(root)
    assert calls() == 1


def test_only_loket_s_own_twiml_app_may_ask_for_a_call_out(make_app, phone_app, agent):
    own = "AP" + "1" * 32
    client = make_app(**CONFIG, TWILIO_TWIML_APP_SID=own).test_client()
    for sid, application in (("CA" + "1" * 32, "AP" + "2" * 32), ("CA" + "2" * 32, None)):
        extra = {"ApplicationSid": application} if application else {}
        root = call_out(client, agent.id, CITIZEN, sid=sid, **extra)
        assert [v.tag for v in root] == ["Say", "Hangup"]
        assert "Loket" in said(root)  # "Ce téléphone ne peut pas appeler via Loket."
        assert root.find("Say").get("language") == "fr-FR"
        assert calls() == 0
    assert db.session.scalar(select(func.count()).select_from(AgentStatus)) == 0
    root = call_out(client, agent.id, CITIZEN, ApplicationSid=own)
    assert root.find("Dial/Number").text == CITIZEN
    assert calls() == 1


def test_without_the_town_s_number_nothing_is_dialled(make_app, phone_app, agent):
    client = make_app(**PHONE_CONFIG).test_client()
    root = call_out(client, agent.id, CITIZEN)
    assert root.find("Dial") is None
    assert calls() == 0


def citizen_leg(client, state, *, parent="CA" + "a" * 32, duration=None, token=None):
    form = {"CallSid": "CA" + "f" * 32, "ParentCallSid": parent, "CallStatus": state}
    if duration is not None:
        form["CallDuration"] = str(duration)
    answer = signed(client, "/phone/outgoing-status", form, token=token)
    assert answer.status_code == 200
    return answer


def test_the_citizen_s_leg_brings_the_answer_the_end_and_the_talk_once(
    twilio, agent, make_app, login
):
    party = known_party()
    call_out(twilio, agent.id, CITIZEN)
    forged = {"CallSid": "CA" + "f" * 32, "ParentCallSid": "CA" + "a" * 32}
    assert (
        signed(
            twilio, "/phone/outgoing-status", {**forged, "CallStatus": "in-progress"}, signature="x"
        ).status_code
        == 403
    )
    citizen_leg(twilio, "ringing")
    db.session.expire_all()
    assert db.session.scalar(select(Call)).answered_at is None
    citizen_leg(twilio, "in-progress")
    call = db.session.scalar(select(Call))
    assert call.status == CallStatus.ON_CALL and call.answered_at is not None
    citizen_leg(twilio, "completed", duration=83, token="tok-1")
    db.session.expire_all()
    call = db.session.scalar(select(Call))
    ended = call.ended_at
    assert (call.status, call.duration_seconds) == (CallStatus.COMPLETED, 83)
    assert ended is not None
    assert db.session.get(AgentStatus, agent.id).status == AgentState.WRAP_UP
    events = db.session.scalar(select(func.count()).select_from(CallEvent))
    # repeats: the same status again, Twilio's token again, the agent's own leg afterwards
    citizen_leg(twilio, "completed", duration=99)
    citizen_leg(twilio, "completed", duration=99, token="tok-1")
    citizen_leg(twilio, "in-progress")
    signed(
        twilio,
        "/phone/outgoing-status",
        {"CallSid": "CA" + "a" * 32, "CallStatus": "completed", "CallDuration": "90"},
    )
    db.session.expire_all()
    call = db.session.scalar(select(Call))
    assert (call.ended_at, call.duration_seconds, call.status) == (ended, 83, CallStatus.COMPLETED)
    assert db.session.scalar(select(func.count()).select_from(CallEvent)) == events + 1
    unknown = {"CallSid": "CA" + "9" * 32, "ParentCallSid": "CA" + "8" * 32}
    assert citizen_leg(twilio, "completed", parent=unknown["ParentCallSid"]).status_code == 200

    # the wrap-up: an outgoing phone contact on the timeline, with the times of the call
    console = make_app().test_client()
    login(agent, console)
    page = console.get("/phone/console").get_data(as_text=True)
    assert "Gesprek naar +32 470 12 34 56" in page
    logged = console.post(
        f"/phone/console/calls/{call.id}/log",
        data={"wrap-service": "", "wrap-outcome": "informed", "wrap-note": "Asked for a form"},
    )
    assert logged.status_code == 302
    db.session.expire_all()
    interaction = db.session.scalar(select(Interaction).where(Interaction.party_id == party.id))
    assert (interaction.channel, interaction.direction) == ("phone", "outbound")
    assert interaction.subject_code == "phone.outgoing_call"
    assert set(interaction.subject_params) == {"talk", "wrap_up"}
    assert (interaction.started_at, interaction.ended_at) == (call.answered_at, ended)
    assert interaction.outcome == "informed"
    assert db.session.get(AgentStatus, agent.id).status == AgentState.AVAILABLE
    token = accounts.create_api_token(agent)
    db.session.commit()
    timeline = console.get(
        f"/api/v1/parties/{party.id}/interactions",
        headers={"Authorization": f"Bearer {token}"},
    ).get_json()
    [item] = timeline["items"]
    assert (item["channel"], item["direction"]) == ("phone", "outbound")
    assert {"type": "call", "id": call.id} in item["links"]


@pytest.mark.parametrize("state", ["no-answer", "busy", "failed", "canceled"])
def test_a_citizen_who_does_not_pick_up_frees_the_agent_to_log_it(
    twilio, agent, make_app, login, state
):
    call_out(twilio, agent.id, "+32470654321")
    for _repeat in range(2):
        citizen_leg(twilio, state)
    db.session.expire_all()
    call = db.session.scalar(select(Call))
    assert (call.status, call.answered_at) == (CallStatus.FAILED, None)
    assert call.ended_at is not None and call.duration_seconds is None
    assert db.session.get(AgentStatus, agent.id).status == AgentState.WRAP_UP
    console = make_app().test_client()
    login(agent, console)
    logged = console.post(f"/phone/console/calls/{call.id}/log", data={"wrap-outcome": "no_answer"})
    assert logged.status_code == 302  # nobody to write it on: logged on the call only
    db.session.expire_all()
    assert db.session.get(Call, call.id).outcome == "no_answer"
    assert db.session.get(AgentStatus, agent.id).status == AgentState.AVAILABLE


# --- the console -------------------------------------------------------------------------------


def test_the_console_checks_the_typed_number_in_words(make_app, login, agent):
    console = make_app(**CONFIG).test_client()
    login(agent, console)
    page = console.get("/phone/console").get_data(as_text=True)
    assert 'type="tel"' in page and 'name="dial-number"' in page
    wrong = console.post("/phone/console/dial", data={"dial-number": "0900 12 345"})
    assert wrong.status_code == 422
    text = wrong.get_data(as_text=True)
    assert "error-summary" in text and "nooit betaalnummers" in text
    assert 'data-dial=""' in text
    empty = console.post("/phone/console/dial", data={"dial-number": ""})
    assert empty.status_code == 422
    assert "Vul het telefoonnummer in dat u wilt bellen." in empty.get_data(as_text=True)
    right = console.post("/phone/console/dial", data={"dial-number": "0470 12 34 56"})
    assert right.status_code == 200
    assert f'data-dial="{CITIZEN}"' in right.get_data(as_text=True)
    assert calls() == 0  # Twilio's request to /phone/outgoing writes the call, not the form


def test_the_console_refuses_a_second_call_while_talking(make_app, twilio, login, agent):
    call_out(twilio, agent.id, CITIZEN)
    console = make_app(**CONFIG).test_client()
    login(agent, console)
    busy = console.post("/phone/console/dial", data={"dial-number": "+32470654321"})
    assert busy.status_code == 422
    assert "U bent nog in gesprek." in busy.get_data(as_text=True)


def test_the_party_panel_offers_call_to_call_agents_only(make_app, login, agent, make_staff):
    party = known_party()
    console = make_app(**CONFIG).test_client()
    login(agent, console)
    page = console.get(f"/desk/parties/{party.id}?purpose=contact").get_data(as_text=True)
    assert 'action="/phone/console/dial"' in page
    assert f'name="dial-number" value="{CITIZEN}"' in page
    clerk = make_staff("clerk@example.org", role=Role.COUNTER)
    desk = make_app(**CONFIG).test_client()
    login(clerk, desk)
    page = desk.get(f"/desk/parties/{party.id}?purpose=contact").get_data(as_text=True)
    assert "Els Maes" in page
    assert "/phone/console/dial" not in page


# --- the screen pop, over a real socket --------------------------------------------------------


@pytest.fixture
def served(make_app):
    app = make_app(**CONFIG)
    with services.serving(app) as server:
        yield server


def test_the_agent_who_calls_gets_the_screen_pop(served, phone_app, agent, make_staff):
    party = known_party()
    colleague = make_staff("colleague@example.org", role=Role.CALL_AGENT)
    listeners = [
        Listener(
            served.url,
            "/desk",
            headers={"Cookie": session_cookie(served.app, staff)},
            events=("call_assigned",),
        )
        for staff in (agent, colleague)
    ]
    try:
        call_out(served.app.test_client(), agent.id, CITIZEN)
        pop = listeners[0].next("call_assigned")
        assert (pop["kind"], pop["from"], pop["matched"]) == ("outbound", CITIZEN, True)
        assert pop["parties"] == [{"id": party.id, "name": "Els Maes"}]
        assert listeners[1].queues["call_assigned"].empty()
    finally:
        for listener in listeners:
            listener.close()
