# ruff: noqa: F811, S314  (fixtures from tests.phone.agents_setup; TwiML Loket itself built)
"""Click-to-dial for an agent on a desk phone (phone.desk_dial), on both engines: the console's
"Call a number" makes Loket ask Twilio's REST API (the real client against the local fake) to
ring the desk phone from the municipality's number, after the commit; the signed webhook the
picked-up phone asks says the number and dials the citizen; both legs report on
/phone/outgoing-status as a browser's call does; Twilio's refusal fails the call in words."""

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import create_engine, func, select, text
from twilio.request_validator import RequestValidator

from core.unit_of_work import unit_of_work
from desk import record
from desk.models import Interaction, Role
from extensions import db
from phone.models import AgentState, AgentStatus, Call, CallDirection, CallStatus
from tests import services
from tests.browser import axe_violations
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN
from tests.phone.agents_setup import fake_twilio, twilio_config  # noqa: F401  (fixtures)
from tests.phone.conftest import check_twiml, said

BASE = "https://loket.example.org"
TOWN = "+3290000000"  # TWILIO_FROM in twilio_config
DESK = "+3290111111"
CITIZEN = "+32470123456"


@pytest.fixture
def agent(app, make_staff):
    staff = make_staff("desk@example.org", role=Role.CALL_AGENT, preferred_language="fr")
    db.session.add(AgentStatus(staff_id=staff.id, device="desk_phone", device_number=DESK))
    db.session.commit()
    return staff


@pytest.fixture
def console(make_app, fake_twilio, agent, login):
    """The agent's console, on an app that reaches the fake Twilio (also Twilio's webhooks)."""
    client = make_app(**twilio_config(fake_twilio)).test_client()
    login(agent, client)
    return client


def signed(client, path, form, *, signature=None):
    form = {"AccountSid": ACCOUNT_SID, **form}
    if signature is None:
        signature = RequestValidator(AUTH_TOKEN).compute_signature(BASE + path, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def the_call() -> Call:
    db.session.expire_all()
    return db.session.scalar(select(Call))


def calls() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Call))


def agent_state(staff) -> AgentStatus:
    db.session.expire_all()
    return db.session.get(AgentStatus, staff.id)


def dial(console, number=CITIZEN):
    return console.post("/phone/console/dial", data={"dial-number": number})


def picked_up(console, call_id, sid) -> ET.Element:
    """What Twilio asks once the agent picks up the desk phone it rang."""
    form = {"CallSid": sid, "From": TOWN, "To": DESK, "CallStatus": "in-progress"}
    answer = signed(console, f"/phone/desk-dial/{call_id}", form)
    assert answer.status_code == 200, answer.data
    assert answer.mimetype == "text/xml"
    root = ET.fromstring(answer.data)
    check_twiml(root)
    return root


def leg(console, state, *, sid, parent=None, duration=None, path="/phone/outgoing-status"):
    form = {"CallSid": sid, "CallStatus": state}
    if parent:
        form["ParentCallSid"] = parent
    if duration is not None:
        form["CallDuration"] = str(duration)
    assert signed(console, path, form).status_code == 200


def test_call_now_rings_the_desk_phone_from_the_town_s_number_after_the_commit(
    console, fake_twilio, agent, database_url
):
    with unit_of_work():
        party = record.find_or_create_party(name="Els Maes", phone=CITIZEN, verified=True)
    # what another connection sees when Twilio is asked: the call and the agent, committed
    engine = create_engine(database_url)
    agent_id, seen = agent.id, []
    original = fake_twilio._voice

    def voice(path, form):
        if path.endswith("/Calls.json"):
            with engine.connect() as connection:
                seen.append(
                    connection.execute(
                        text("SELECT status, to_number FROM phone_call WHERE agent_id = :a"),
                        {"a": agent_id},
                    ).all()
                )
        return original(path, form)

    fake_twilio._voice = voice
    try:
        answer = dial(console, "0470 12 34 56")
    finally:
        engine.dispose()
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/phone/console#current-call")

    [made] = fake_twilio.created_calls()
    call = the_call()
    assert (made["to"], made["from"]) == (DESK, TOWN)
    assert (made["url"], made["method"]) == (f"{BASE}/phone/desk-dial/{call.id}", "POST")
    assert made["status_callback"] == f"{BASE}/phone/outgoing-status?call={call.id}"
    assert made["twiml"] is None
    assert seen == [[("connecting", CITIZEN)]]

    assert (call.direction, call.status, call.call_sid) == (
        CallDirection.OUTBOUND,
        CallStatus.CONNECTING,
        made["sid"],
    )
    assert (call.agent_id, call.from_number, call.to_number) == (agent.id, TOWN, CITIZEN)
    assert (call.party_id, call.language) == (party.id, "fr")
    status = agent_state(agent)
    assert (status.status, status.current_call_id) == (AgentState.ON_CALL, call.id)

    page = console.get("/phone/console").get_data(as_text=True)
    assert "Uw bureautoestel gaat over. Neem op om +32 470 12 34 56 te bellen." in page
    assert "Gesprek naar +32 470 12 34 56" in page  # the screen pop of the call
    assert "Els Maes" in page


def test_the_picked_up_desk_phone_hears_the_number_and_dials_the_citizen(
    console, fake_twilio, agent
):
    assert dial(console).status_code == 303
    call = the_call()
    sid = call.call_sid
    forged = {"CallSid": sid, "From": TOWN, "To": DESK}
    path = f"/phone/desk-dial/{call.id}"
    assert signed(console, path, forged, signature="forged").status_code == 403
    other = RequestValidator(AUTH_TOKEN).compute_signature(
        f"{BASE}/phone/desk-dial/{call.id + 1}", {"AccountSid": ACCOUNT_SID, **forged}
    )
    assert signed(console, path, forged, signature=other).status_code == 403

    root = picked_up(console, call.id, sid)
    assert [v.tag for v in root] == ["Say", "Dial"]
    assert said(root) == "Vous appelez le 0 4 7 0, 1 2, 3 4, 5 6."  # the agent's language
    assert root.find("Say").get("language") == "fr-FR"
    dial_verb = root.find("Dial")
    assert dial_verb.get("callerId") == TOWN
    number = dial_verb.find("Number")
    assert number.text == CITIZEN
    assert number.get("statusCallback") == f"{BASE}/phone/outgoing-status"
    assert set(number.get("statusCallbackEvent").split()) == {"answered", "completed"}
    assert picked_up(console, call.id, sid).find("Dial/Number").text == CITIZEN  # a repeat

    # another call's sid, or an unknown call, is not dialled
    for call_id, other_sid in ((call.id, "CA" + "e" * 32), (call.id + 1000, sid)):
        refused = picked_up(console, call_id, other_sid)
        assert [v.tag for v in refused] == ["Say", "Hangup"]
    assert the_call().call_sid == sid
    assert calls() == 1


def test_the_legs_answer_end_and_log_the_call_as_a_browser_call_s(
    console, fake_twilio, agent, make_app
):
    with unit_of_work():
        party = record.find_or_create_party(name="Els Maes", phone=CITIZEN, verified=True)
    dial(console)
    call = the_call()
    sid = call.call_sid
    picked_up(console, call.id, sid)
    citizen = "CA" + "c" * 32
    leg(console, "ringing", sid=citizen, parent=sid)
    assert the_call().answered_at is None
    leg(console, "in-progress", sid=citizen, parent=sid)
    assert the_call().status == CallStatus.ON_CALL
    leg(console, "completed", sid=citizen, parent=sid, duration=71)
    leg(console, "completed", sid=sid, duration=80)  # the desk phone's own leg, afterwards
    leg(console, "completed", sid=citizen, parent=sid, duration=99)  # a repeat
    done = the_call()
    assert (done.status, done.duration_seconds) == (CallStatus.COMPLETED, 71)
    assert done.answered_at is not None and done.ended_at is not None
    assert agent_state(agent).status == AgentState.WRAP_UP

    logged = console.post(f"/phone/console/calls/{call.id}/log", data={"wrap-outcome": "informed"})
    assert logged.status_code == 302
    db.session.expire_all()
    interaction = db.session.scalar(select(Interaction).where(Interaction.party_id == party.id))
    assert (interaction.channel, interaction.direction) == ("phone", "outbound")
    assert interaction.subject_code == "phone.outgoing_call"
    assert agent_state(agent).status == AgentState.AVAILABLE


@pytest.mark.parametrize("state", ["no-answer", "busy", "failed"])
def test_a_desk_phone_nobody_picks_up_ends_the_call_and_frees_the_agent(
    console, fake_twilio, agent, state
):
    dial(console)
    call = the_call()
    leg(console, state, sid=call.call_sid)
    leg(console, state, sid=call.call_sid)
    after = the_call()
    assert (after.status, after.answered_at) == (CallStatus.FAILED, None)
    assert after.ended_at is not None
    status = agent_state(agent)
    assert (status.status, status.current_call_id) == (AgentState.WRAP_UP, call.id)


def test_the_agent_picking_up_before_loket_kept_the_sid_is_dialled(console, fake_twilio, agent):
    dial(console)
    call = the_call()
    sid = call.call_sid
    call.call_sid = None  # as if Twilio's webhook overtook its answer to the REST request
    db.session.commit()
    assert picked_up(console, call.id, sid).find("Dial/Number").text == CITIZEN
    assert the_call().call_sid == sid
    leg(console, "in-progress", sid="CA" + "c" * 32, parent=sid)
    assert the_call().status == CallStatus.ON_CALL


def test_a_desk_phone_failing_before_loket_kept_the_sid_still_ends_the_call(
    console, fake_twilio, agent
):
    dial(console)
    call = the_call()
    sid = call.call_sid
    call.call_sid = None  # as if the desk phone's status overtook Twilio's answer
    db.session.commit()
    reported = f"/phone/outgoing-status?call={call.id}"  # the StatusCallback Twilio was given
    leg(console, "failed", sid=sid, path=reported)
    leg(console, "failed", sid=sid, path=reported)  # a repeat
    after = the_call()
    assert (after.call_sid, after.status) == (sid, CallStatus.FAILED)
    assert after.ended_at is not None
    assert agent_state(agent).status == AgentState.WRAP_UP

    # a call that has its sid is not another leg's: nothing changes
    leg(console, "completed", sid="CA" + "f" * 32, path=reported)
    assert (the_call().call_sid, the_call().status) == (sid, CallStatus.FAILED)
    assert calls() == 1


@pytest.mark.parametrize("trouble", ["refused", "unreachable"])
def test_twilio_s_refusal_fails_the_call_and_tells_the_agent_in_words(
    make_app, fake_twilio, agent, login, trouble
):
    config = twilio_config(fake_twilio)
    if trouble == "refused":
        fake_twilio.refuse_calls_to(DESK)
    else:
        config["TWILIO_API_BASE_URL"] = f"http://127.0.0.1:{services.free_port()}"
    console = make_app(**config).test_client()
    login(agent, console)
    answer = dial(console)
    assert answer.status_code == 502
    page = answer.get_data(as_text=True)
    assert "error-summary" in page
    assert "Twilio kon uw bureautoestel niet laten overgaan" in page
    failed = the_call()
    assert (failed.status, failed.call_sid) == (CallStatus.FAILED, None)
    assert failed.ended_at is not None
    assert agent_state(agent).status == AgentState.WRAP_UP
    # the agent may try again at once
    fake_twilio.refused_calls.clear()
    again = make_app(**twilio_config(fake_twilio)).test_client()
    login(agent, again)
    assert dial(again).status_code == 303
    assert calls() == 2
    # a late webhook for the failed call hangs up with an apology
    root = picked_up(again, failed.id, "CA" + "d" * 32)
    assert [v.tag for v in root] == ["Say", "Hangup"]
    db.session.expire_all()
    assert db.session.get(Call, failed.id).call_sid is None


@pytest.mark.parametrize(
    ("case", "typed", "words"),
    [
        ("premium", "0900 12 345", "nooit betaalnummers"),
        ("abroad", "+1 212 555 0123", "nooit betaalnummers"),
        ("empty", "", "Vul het telefoonnummer in dat u wilt bellen."),
        ("no_number", CITIZEN, "Loket kent het nummer van uw bureautoestel niet."),
        ("no_twilio", CITIZEN, "Uitgaand bellen is niet ingesteld."),
        ("on_call", "+32470654321", "U bent nog in gesprek."),
    ],
)
def test_what_the_browser_path_refuses_is_refused_in_words_and_nothing_rings(
    make_app, fake_twilio, agent, login, case, typed, words
):
    config = twilio_config(fake_twilio)
    if case == "no_twilio":
        config["TWILIO_FROM"] = None
    if case == "no_number":
        agent_state(agent).device_number = None
        db.session.commit()
    console = make_app(**config).test_client()
    login(agent, console)
    if case == "on_call":
        assert dial(console).status_code == 303
    answer = dial(console, typed)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "error-summary" in page and words in page
    assert len(fake_twilio.created_calls()) == (1 if case == "on_call" else 0)
    assert calls() == (1 if case == "on_call" else 0)


# --- in Chromium -------------------------------------------------------------------------------


@pytest.fixture
def live_server(make_app, fake_twilio):
    """The app over real HTTP with CSRF on, reaching the fake Twilio (browser_sign_in uses it)."""

    app = make_app(WTF_CSRF_ENABLED=True, **twilio_config(fake_twilio))
    with services.serving(app) as server:
        yield server


@pytest.mark.browser
def test_a_desk_phone_agent_calls_from_the_console_in_chromium(
    page, live_server, fake_twilio, agent, browser_sign_in
):
    browser_sign_in(page, agent)
    page.goto(f"{live_server.url}/phone/console")
    assert "Eerst gaat uw bureautoestel over" in page.locator(".phone-dial").inner_text()
    number = page.get_by_label("Telefoonnummer")
    assert number.get_attribute("type") == "tel"
    assert axe_violations(page) == []

    number.fill("0900 12 345")
    page.get_by_role("button", name="Bellen", exact=True).click()
    page.locator(".error-summary").wait_for()
    assert "nooit betaalnummers" in page.locator(".error-summary").inner_text()
    assert fake_twilio.created_calls() == []
    assert axe_violations(page) == []

    page.get_by_label("Telefoonnummer").fill("0470 12 34 56")
    page.get_by_role("button", name="Bellen", exact=True).click()
    page.locator(".flash-info").wait_for()
    assert "Uw bureautoestel gaat over" in page.locator(".flash-info").inner_text()
    page.locator("#current-call-meta").wait_for(state="attached")
    assert "+32 470 12 34 56" in page.locator("#current-call-heading").inner_text()
    assert page.locator("#agent-status").inner_text() == "In gesprek"
    [made] = fake_twilio.created_calls()
    assert (made["to"], made["from"]) == (DESK, TOWN)
    assert axe_violations(page) == []
