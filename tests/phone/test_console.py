# ruff: noqa: F811  (pytest fixtures imported from tests.phone.agents_setup)
"""The console's pages and the browser phone's token, on both engines: call agents and admins
only, take-next from the page, the screen pop with the record or the candidates and
search-and-attach, the wrap-up form, and the desk's "log a call" on the party page."""

import time

import jwt
from sqlalchemy import select

from core.unit_of_work import unit_of_work
from desk import record
from desk.models import ContactAddress, Interaction, Party, Role, Task
from extensions import db
from phone.models import AgentState, AgentStatus, Call, CallbackState, CallStatus
from tests.phone.agents_setup import enqueue, lines  # noqa: F401  (fixtures)

VOICE = {
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_API_KEY": "SK" + "2" * 32,
    "TWILIO_API_SECRET": "api-secret-of-at-least-thirty-two-bytes",
    "TWILIO_TWIML_APP_SID": "AP" + "3" * 32,
}


def signed_in(make_app, login, make_staff, role=Role.CALL_AGENT, **config):
    client = make_app(**config).test_client()
    staff = make_staff(f"{role.value}@example.org", role=role)
    login(staff, client)
    return client, staff


def test_the_voice_token_is_a_voice_grant_for_this_agent(make_app, login, make_staff):
    client, staff = signed_in(make_app, login, make_staff, **VOICE)
    answer = client.get("/phone/token")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["identity"] == f"agent-{staff.id}"
    claims = jwt.decode(body["token"], VOICE["TWILIO_API_SECRET"], algorithms=["HS256"])
    assert claims["iss"] == VOICE["TWILIO_API_KEY"]
    assert claims["sub"] == VOICE["TWILIO_ACCOUNT_SID"]
    assert 3500 < claims["exp"] - time.time() <= 3600
    grants = claims["grants"]
    assert grants["identity"] == f"agent-{staff.id}"
    assert grants["voice"] == {
        "incoming": {"allow": True},
        "outgoing": {"application_sid": VOICE["TWILIO_TWIML_APP_SID"]},
    }


def test_without_voice_settings_the_token_is_refused_clearly(make_app, login, make_staff):
    client, _staff = signed_in(make_app, login, make_staff)
    answer = client.get("/phone/token")
    assert answer.status_code == 503
    assert answer.get_json()["error"]["code"] == "voice_not_configured"


def test_the_console_is_for_call_agents_and_admins(make_app, login, make_staff, lines):
    client, _staff = signed_in(make_app, login, make_staff, role=Role.COUNTER)
    assert client.get("/phone/console").status_code == 403
    assert client.get("/phone/token").status_code == 403
    admin_client, _admin = signed_in(make_app, login, make_staff, role=Role.ADMIN)
    page = admin_client.get("/phone/console")
    assert page.status_code == 200
    assert "https://*.twilio.com" in page.headers["Content-Security-Policy"]
    assert "Identiteitskaart" in page.get_data(as_text=True)
    assert make_app().test_client().get("/phone/console").status_code == 302  # sign in first


def test_status_take_next_pop_and_wrap_up_from_the_page(
    make_app, login, make_staff, lines, enqueue
):
    client, staff = signed_in(make_app, login, make_staff)
    party = Party(name="An Janssens")
    db.session.add(party)
    db.session.commit()
    call = enqueue(minutes_ago=3)
    call.party_id = party.id
    db.session.commit()
    client.post("/phone/console/status", data={"status": "available"})
    assert db.session.get(AgentStatus, staff.id).status == AgentState.AVAILABLE
    assert client.post("/phone/console/status", data={"status": "on_call"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(AgentStatus, staff.id).status == AgentState.AVAILABLE
    assert client.post("/phone/console/next").status_code == 302
    page = client.get("/phone/console").get_data(as_text=True)
    assert "An Janssens" in page
    assert "Log this call" in page or "Dit gesprek loggen" in page or "wrap-up" in page
    pop = client.get(f"/phone/console/calls/{call.id}/pop")
    assert pop.status_code == 200 and "An Janssens" in pop.get_data(as_text=True)
    refused = client.post(
        f"/phone/console/calls/{call.id}/log", data={"wrap-outcome": "great", "wrap-note": "x"}
    )
    assert refused.status_code == 422
    done = client.post(
        f"/phone/console/calls/{call.id}/log",
        data={
            "wrap-service": str(lines.id_card.id),
            "wrap-outcome": "follow_up",
            "wrap-note": "Wants an appointment",
            "wrap-follow_up": "Send the form",
            "wrap-case": "",
        },
    )
    assert done.status_code == 302
    db.session.expire_all()
    interaction = db.session.scalar(select(Interaction).where(Interaction.party_id == party.id))
    assert (interaction.outcome, interaction.summary) == ("follow_up", "Wants an appointment")
    task = db.session.scalar(select(Task).where(Task.party_id == party.id))
    assert task.title == "Send the form"
    assert db.session.get(AgentStatus, staff.id).status == AgentState.AVAILABLE


def test_an_unknown_caller_is_attached_by_search_or_made_a_new_record(
    make_app, login, make_staff, lines, enqueue
):
    client, staff = signed_in(make_app, login, make_staff)
    with unit_of_work():
        known = record.find_or_create_party(name="Bert Peeters", email="bert@example.org")
    call = enqueue(number="+32470777888")
    client.post("/phone/console/next")
    pop = client.get(f"/phone/console/calls/{call.id}/pop?q=Peeters").get_data(as_text=True)
    assert "Bert Peeters" in pop
    assert pop.index("Bert Peeters") < pop.index('value="new"')  # "new record" last
    assert (
        client.post(
            f"/phone/console/calls/{call.id}/attach", data={"party_id": str(known.id)}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(Call, call.id).party_id == known.id
    phones = db.session.scalars(
        select(ContactAddress.value).where(
            ContactAddress.party_id == known.id, ContactAddress.kind == "phone"
        )
    ).all()
    assert phones == ["+32470777888"]
    other = enqueue(number="+32470000999")
    client.post(f"/phone/console/calls/{call.id}/log", data={"wrap-outcome": "informed"})
    client.post("/phone/console/next")
    client.post(
        f"/phone/console/calls/{other.id}/attach", data={"party_id": "new", "name": "Nieuwe Beller"}
    )
    db.session.expire_all()
    made = db.session.get(Party, db.session.get(Call, other.id).party_id)
    assert made.name == "Nieuwe Beller"


def test_a_colleague_s_call_is_not_found(make_app, login, make_staff, lines, enqueue):
    client, _staff = signed_in(make_app, login, make_staff)
    call = enqueue()
    assert client.get(f"/phone/console/calls/{call.id}/pop").status_code == 404


def test_the_desk_logs_a_call_taken_on_any_phone(make_app, login, make_staff):
    client, staff = signed_in(make_app, login, make_staff, role=Role.BACK_OFFICE)
    party = Party(name="An Janssens")
    db.session.add(party)
    db.session.commit()
    page = client.get(f"/desk/parties/{party.id}").get_data(as_text=True)
    assert 'name="call-outcome"' in page
    bad = client.post(
        f"/desk/parties/{party.id}/calls",
        data={"call-direction": "outbound", "call-started_at": "", "call-outcome": "voicemail"},
    )
    assert bad.status_code == 422
    done = client.post(
        f"/desk/parties/{party.id}/calls",
        data={
            "call-direction": "outbound",
            "call-started_at": "2026-12-01T10:00",
            "call-ended_at": "2026-12-01T10:05",
            "call-outcome": "voicemail",
            "call-note": "Left a message",
        },
    )
    assert done.status_code == 302
    db.session.expire_all()
    interaction = db.session.scalar(select(Interaction).where(Interaction.party_id == party.id))
    assert (interaction.channel, interaction.direction) == ("phone", "outbound")
    assert (interaction.outcome, interaction.subject_code) == ("voicemail", "desk.call_out")
    assert interaction.staff_id == staff.id
    timeline = client.get(f"/desk/parties/{party.id}").get_data(as_text=True)
    assert "voicemail" not in timeline.split("timeline-heading", 1)[1].split("</ol>", 1)[0]


def test_a_caller_nobody_reached_goes_back_in_line_in_the_original_place(
    make_app, login, make_staff, lines, enqueue
):
    client, staff = signed_in(make_app, login, make_staff)
    gone = enqueue(minutes_ago=20, number="+32470123123")
    gone.status = CallStatus.ABANDONED
    db.session.commit()
    later = enqueue(minutes_ago=5)
    page = client.get("/phone/console").get_data(as_text=True)
    assert "+32 470 12 31 23" in page  # "to call back"
    assert client.post(f"/phone/console/calls/{later.id}/call-back").status_code == 302
    db.session.expire_all()
    assert db.session.get(Call, later.id).status == CallStatus.WAITING  # not for a waiting one
    client.post(f"/phone/console/calls/{gone.id}/call-back")
    db.session.expire_all()
    back = db.session.get(Call, gone.id)
    assert (back.status, back.callback_state) == (CallStatus.CALLBACK, CallbackState.REQUESTED)
    assert back.callback_number == "+32470123123"
    client.post("/phone/console/next")
    db.session.expire_all()
    assert db.session.get(Call, gone.id).agent_id == staff.id  # its turn came before `later`
    # nobody answered the callback: it is on the list again until it is put back in line
    client.post(f"/phone/console/calls/{gone.id}/log", data={"wrap-outcome": "no_answer"})
    db.session.expire_all()
    assert db.session.get(Call, gone.id).callback_state == CallbackState.UNANSWERED
    from phone import agents

    with make_app().app_context():
        assert gone.id in [c.id for c in agents.to_call_back()]
