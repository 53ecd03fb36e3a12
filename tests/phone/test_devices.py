# ruff: noqa: F811  (fixtures from tests.phone.agents_setup)
"""How an agent takes calls (phone.devices), on both engines: the console's form saves the
browser or a desk phone's number (normalised, a landline or mobile only), refuses a premium or
free number and any change during a call, in words; the change is announced after the commit;
an admin sets it for an agent; a live caller taken by a desk-phone agent is bridged to it."""

import xml.etree.ElementTree as ET

import pytest

from core.database import utcnow
from desk.models import Role
from extensions import db
from phone.models import AgentDevice, AgentState, AgentStatus, Call, CallSource, CallStatus
from tests.phone.agents_setup import (  # noqa: F401  (fixtures)
    enqueue,
    fake_twilio,
    lines,
    twilio_config,
)

DEVICE = "/phone/console/device"


@pytest.fixture
def agent(make_staff):
    return make_staff("agent@example.org", role=Role.CALL_AGENT)


@pytest.fixture
def console(client, agent, login):
    login(agent)
    return client


@pytest.fixture
def announced(client, monkeypatch):
    """What the app sends over Socket.IO (after the commit, realtime.emits)."""
    sent = []
    server = client.application.extensions["socketio"]
    monkeypatch.setattr(server, "emit", lambda event, data, **kw: sent.append((event, data)))
    return sent


def choose(client, device, number="", path=DEVICE):
    return client.post(path, data={"device-device": device, "device-device_number": number})


def device_of(staff) -> tuple[AgentDevice, str | None]:
    db.session.expire_all()
    row = db.session.get(AgentStatus, staff.id)
    return row.device, row.device_number


def test_the_agent_chooses_a_desk_phone_and_back_to_the_browser(console, agent, announced):
    page = console.get("/phone/console").get_data(as_text=True)
    assert "Hoe u oproepen aanneemt" in page and 'type="tel"' in page
    answer = choose(console, "desk_phone", "09 210 10 10")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/phone/console#device-heading")
    assert device_of(agent) == (AgentDevice.DESK_PHONE, "+3292101010")
    assert announced == [
        ("agent_status", {"staff_id": agent.id, "status": "away", "device": "desk_phone"})
    ]
    page = console.get("/phone/console").get_data(as_text=True)
    assert "Oproepen gaan over op uw bureautoestel +32 9 210 10 10." in page
    assert 'value="+32 9 210 10 10"' in page

    assert choose(console, "browser", "09 210 10 10").status_code == 303
    assert device_of(agent) == (AgentDevice.BROWSER, None)


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("", "Vul het nummer van het bureautoestel in."),
        ("12", "Vul een telefoonnummer in zoals u het zou intoetsen"),
        ("0903 12 345", "Loket kan dit nummer niet laten overgaan"),  # premium rate
        ("0800 12 345", "Loket kan dit nummer niet laten overgaan"),  # free: not a desk
    ],
)
def test_a_number_loket_may_not_ring_is_refused_in_words(console, agent, announced, number, words):
    answer = choose(console, "desk_phone", number)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'class="error-summary"' in page and words in page
    assert 'aria-invalid="true"' in page
    assert "desk_number" not in page.replace("device-device_number", "")  # no codes shown
    assert db.session.get(AgentStatus, agent.id) is None or device_of(agent)[0] == "browser"
    assert announced == []


def test_an_unknown_choice_is_refused(console, agent):
    answer = choose(console, "pager")
    assert answer.status_code == 422
    assert "Kies hoe u oproepen aanneemt: in deze browser" in answer.get_data(as_text=True)
    empty = console.post(DEVICE, data={"device-device_number": ""})
    assert empty.status_code == 422
    assert "Kies in deze browser of op een bureautoestel." in empty.get_data(as_text=True)


def test_no_change_during_a_call(console, agent, lines, announced):
    call = Call(
        call_sid="CA" + "2" * 32,
        source=CallSource.TWILIO,
        from_number="+32470123456",
        line_id=lines.id_line.id,
        status=CallStatus.ON_CALL,
        agent_id=agent.id,
        queued_at=utcnow(),
    )
    db.session.add(call)
    db.session.flush()
    db.session.add(
        AgentStatus(staff_id=agent.id, status=AgentState.ON_CALL, current_call_id=call.id)
    )
    db.session.commit()
    answer = choose(console, "desk_phone", "0470 12 34 56")
    assert answer.status_code == 409
    assert "tijdens een gesprek" in answer.get_data(as_text=True)
    assert device_of(agent) == (AgentDevice.BROWSER, None)
    assert announced == []

    db.session.get(Call, call.id).status = CallStatus.COMPLETED  # hung up: wrap-up now
    db.session.get(Call, call.id).ended_at = utcnow()
    db.session.commit()
    assert choose(console, "desk_phone", "0470 12 34 56").status_code == 303
    assert device_of(agent) == (AgentDevice.DESK_PHONE, "+32470123456")


def test_a_live_caller_taken_by_a_desk_phone_agent_rings_that_number(
    make_app, agent, login, lines, enqueue, fake_twilio
):
    client = make_app(**twilio_config(fake_twilio)).test_client()
    login(agent, client)
    assert choose(client, "desk_phone", "09 210 10 10").status_code == 303
    call = enqueue()
    fake_twilio.add_live_call(call.call_sid)
    assert client.post("/phone/console/next").status_code == 302
    [(sid, form)] = fake_twilio.call_updates
    assert sid == call.call_sid
    assert ET.fromstring(form["Twiml"]).find("Dial/Number").text == "+3292101010"  # noqa: S314


def test_an_admin_sees_and_sets_an_agent_s_device(client, agent, make_staff, login):
    login(make_staff("admin@example.org", role=Role.ADMIN))
    page = client.get("/phone/admin/").get_data(as_text=True)
    assert "Agent" in page and "In de browser" in page
    path = f"/phone/admin/agents/{agent.id}"
    assert client.get(path).status_code == 200
    refused = choose(client, "desk_phone", "0903 12 345", path=path)
    assert refused.status_code == 422
    assert "Loket kan dit nummer niet laten overgaan" in refused.get_data(as_text=True)
    saved = choose(client, "desk_phone", "0470 12 34 56", path=path)
    assert saved.status_code == 303
    assert device_of(agent) == (AgentDevice.DESK_PHONE, "+32470123456")
    page = client.get("/phone/admin/").get_data(as_text=True)
    assert "Op het bureautoestel +32 470 12 34 56" in page
    assert client.get("/phone/admin/agents/999999").status_code == 404


def test_agents_do_not_reach_the_admin_form(console, agent):
    assert console.get(f"/phone/admin/agents/{agent.id}").status_code == 403
