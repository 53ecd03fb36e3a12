"""The /chat namespace with real clients against a live server: the DESIGN contract, replay
exactly once after a reconnect, refusals, isolation between chats, and the race to take one."""

import time

import pytest
import requests
import socketio

from chat.models import Chat, ChatMessage, ChatStatus
from desk.models import Interaction, Role
from extensions import db
from tests.chat.clients import ChatClient, agent, citizen
from tests.realtime.sockets import Client, session_cookie


@pytest.fixture
def server(live_server, town):
    """A live server whose chat is open (the town hall is open around the clock)."""
    return live_server


def taken_chat(server, staff, **auth):
    person, started = citizen(server.url, **auth)
    console = agent(server, staff)
    answer = console.call("take", {"chat_id": started["chat_id"]})
    assert answer["ok"], answer
    person.next("chat_taken")
    return person, console, started


def test_a_citizen_starts_a_chat_and_an_agent_sees_it_waiting(server, staff):
    console = agent(server, staff)
    assert console.next("chat_waiting") == {"chats": []}
    person, started = citizen(server.url, email="Ann@Example.org", language="fr")
    assert set(started) == {"chat_id", "resume_token"}
    queue_state = person.next("chat_queue")
    assert queue_state["place"] == 1 and queue_state["wait_minutes"] >= 1
    waiting = console.next("chat_waiting")["chats"]
    assert [c["chat_id"] for c in waiting] == [started["chat_id"]]
    assert waiting[0]["name"] == "Ann Peeters"
    db.session.commit()  # a fresh snapshot: SQLite reads what was committed when it began
    chat = db.session.get(Chat, started["chat_id"])
    assert chat.email == "ann@example.org" and chat.language == "fr"
    assert started["resume_token"] not in chat.resume_token_hash
    person.close()
    console.close()


def test_messages_go_both_ways_in_order_with_their_numbers(server, staff):
    person, console, started = taken_chat(server, staff)
    chat_id = started["chat_id"]
    for n in range(1, 6):
        assert person.call("message", {"text": f"vraag {n}"}) == {"ok": True, "seq": n}
    received = [console.next("message") for _ in range(5)]
    assert [m["seq"] for m in received] == [1, 2, 3, 4, 5]
    assert [m["text"] for m in received] == [f"vraag {n}" for n in range(1, 6)]
    assert set(received[0]) == {"chat_id", "seq", "from", "text", "sent_at"}
    assert received[0]["from"] == "citizen" and received[0]["chat_id"] == chat_id
    answer = console.call("message", {"chat_id": chat_id, "text": "<b>Antwoord</b>"})
    assert answer == {"ok": True, "seq": 6}
    reply = person.next("message")
    assert reply["from"] == "agent" and reply["text"] == "<b>Antwoord</b>"  # stored as typed
    assert person.drain("message") == []  # the sender does not get its own back
    person.close()
    console.close()


def test_a_reconnect_replays_exactly_what_was_missed(server, staff):
    person, console, started = taken_chat(server, staff)
    chat_id, token = started["chat_id"], started["resume_token"]
    person.call("message", {"text": "een"})
    console.call("message", {"chat_id": chat_id, "text": "twee"})
    assert person.next("message")["seq"] == 2
    person.close()
    for text in ("drie", "vier", "vijf"):
        console.call("message", {"chat_id": chat_id, "text": text})
    back = ChatClient(server.url, auth={"chat_id": chat_id, "resume_token": token, "after": 2})
    replayed = back.drain("message", wait=0.5)
    assert [(m["seq"], m["text"]) for m in replayed] == [(3, "drie"), (4, "vier"), (5, "vijf")]
    console.call("message", {"chat_id": chat_id, "text": "zes"})
    assert back.next("message")["seq"] == 6
    assert back.drain("message") == []
    assert back.call("message", {"text": "zeven"}) == {"ok": True, "seq": 7}
    back.close()
    console.close()


def test_without_redis_the_agents_online_are_this_process_consoles(server, staff):
    """`make run`: no REDIS_URL, the agents' room of the one process says who is online."""

    def offers_live_chat():
        return 'id="chat-widget"' in requests.get(f"{server.url}/chat/", timeout=10).text

    assert not offers_live_chat()
    console = agent(server, staff)
    console.next("chat_waiting")
    assert offers_live_chat()
    second_tab = agent(server, staff)
    second_tab.next("chat_waiting")
    person, _started = citizen(server.url)
    assert person.next("chat_queue")["agents_online"] == 1  # two consoles, one person
    second_tab.client.disconnect()
    console.client.disconnect()
    for _ in range(50):
        if not offers_live_chat():
            break
        time.sleep(0.1)
    assert not offers_live_chat()
    person.close()


def test_a_wrong_resume_token_is_refused(server, staff):
    person, started = citizen(server.url)
    person.close()
    for auth in (
        {"chat_id": started["chat_id"], "resume_token": "guess", "after": 0},
        {"chat_id": started["chat_id"] + 1, "resume_token": started["resume_token"]},
        {"chat_id": str(started["chat_id"]), "resume_token": started["resume_token"]},
    ):
        with pytest.raises(socketio.exceptions.ConnectionError):
            ChatClient(server.url, auth=auth)


def test_a_citizen_socket_sees_only_its_own_chat(server, staff):
    ann, console, ann_started = taken_chat(server, staff)
    bob, bob_started = citizen(server.url, name="Bob")
    # Bob names Ann's chat: the chat_id is ignored, his message goes to his own chat.
    answer = bob.call("message", {"chat_id": ann_started["chat_id"], "text": "van Bob"})
    assert answer == {"ok": True, "seq": 1}
    db.session.commit()
    assert db.session.scalar(db.select(ChatMessage.chat_id)) == bob_started["chat_id"]
    assert ann.drain("message") == [] and console.drain("message") == []
    bob.call("typing", {"typing": True})
    assert ann.drain("typing") == [] and console.drain("typing") == []
    for client in (ann, console, bob):
        client.close()


def test_an_agent_uses_only_chats_they_hold(server, staff, make_staff):
    other = make_staff("other@example.org", role=Role.CALL_AGENT)
    person, console, started = taken_chat(server, staff)
    intruder = agent(server, other)
    answer = intruder.call("message", {"chat_id": started["chat_id"], "text": "hallo"})
    assert answer["ok"] is False and answer["error"]["code"] == "unknown_chat"
    assert intruder.call("join", {"chat_id": started["chat_id"]})["ok"] is False
    assert intruder.call("take", {"chat_id": started["chat_id"]})["error"]["code"] == "chat_taken"
    assert person.drain("message") == []
    for client in (person, console, intruder):
        client.close()


def test_limits_empty_text_attachments_and_a_closed_chat(server, staff):
    # the refused attempts count too: 4 refused, then 3 sent, then one too many
    server.app.config.update(CHAT_RATE_MESSAGES=7, CHAT_RATE_SECONDS=60, CHAT_MESSAGE_MAX=50)
    person, console, started = taken_chat(server, staff, language="en")
    assert person.call("message", {"text": "x" * 51})["error"]["code"] == "text_too_long"
    assert person.call("message", {"text": "   "})["error"]["code"] == "text_required"
    refused = person.call("message", {"text": "see file", "attachment": "data:..."})
    assert refused["error"]["code"] == "attachments_refused"
    assert "Sending files is not possible" in refused["error"]["message"]
    assert person.call("message", {"text": 12})["error"]["code"] == "not_text"
    for n in range(3):
        assert person.call("message", {"text": f"m{n}"})["ok"]
    assert person.call("message", {"text": "one too many"})["error"]["code"] == "too_fast"
    ended = console.call("end", {"chat_id": started["chat_id"], "outcome": "chat.answered"})
    assert ended["ok"]
    person.next("chat_ended")
    again = console.call("message", {"chat_id": started["chat_id"], "text": "nog iets"})
    assert again["ok"] is False
    person.close()
    back = ChatClient(
        server.url,
        auth={"chat_id": started["chat_id"], "resume_token": started["resume_token"], "after": 3},
    )
    back.next("chat_ended")
    assert back.call("message", {"text": "hallo?"})["error"]["code"] == "chat_closed"
    back.close()
    console.close()


def test_ending_puts_one_interaction_with_the_transcript_on_the_timeline(server, staff):
    person, console, started = taken_chat(server, staff, email="ann@example.org")
    person.call("message", {"text": "Wanneer is het stadhuis open?"})
    console.call("message", {"chat_id": started["chat_id"], "text": "Van 9 tot 12 uur."})
    assert console.call("end", {"chat_id": started["chat_id"], "outcome": "bogus"})["ok"] is False
    answer = console.call("end", {"chat_id": started["chat_id"], "outcome": "chat.answered"})
    assert answer["ok"]
    db.session.commit()
    [interaction] = db.session.scalars(db.select(Interaction)).all()
    assert interaction.channel.value == "chat" and interaction.staff_id == staff.id
    assert interaction.outcome == "chat.answered"
    assert interaction.subject_code == "chat.subject"
    assert "Ann Peeters: Wanneer is het stadhuis open?" in interaction.summary
    assert "Eva Agent: Van 9 tot 12 uur." in interaction.summary
    assert (interaction.subject_type, interaction.subject_id) == ("chat", started["chat_id"])
    chat = db.session.get(Chat, started["chat_id"])
    assert chat.status == ChatStatus.ENDED and chat.interaction_id == interaction.id
    assert chat.party_id == interaction.party_id
    person.close()
    console.close()


def test_read_marks_and_typing_reach_the_other_side(server, staff):
    person, console, started = taken_chat(server, staff)
    console.call("message", {"chat_id": started["chat_id"], "text": "Hallo"})
    person.next("message")
    person.call("typing", {"typing": True})
    assert console.next("typing") == {
        "chat_id": started["chat_id"],
        "from": "citizen",
        "typing": True,
    }
    assert person.call("read", {"seq": 1}) == {"ok": True}
    assert console.next("read") == {"chat_id": started["chat_id"], "seq": 1, "by": "citizen"}
    db.session.commit()
    assert db.session.scalar(db.select(ChatMessage.read_at)) is not None
    person.close()
    console.close()


def test_an_agent_holds_at_most_the_configured_number(server, staff):
    server.app.config["CHAT_MAX_ACTIVE"] = 1
    person1, console, _started = taken_chat(server, staff)
    person2, second = citizen(server.url, name="Bob")
    answer = console.call("take", {"chat_id": second["chat_id"]})
    assert answer["error"]["code"] == "too_many_chats"
    for client in (person1, person2, console):
        client.close()


def test_anonymous_sockets_cannot_act_as_agents(server):
    with pytest.raises(socketio.exceptions.ConnectionError):
        ChatClient(server.url, auth={})  # no name: no chat
    person, started = citizen(server.url)
    assert person.call("take", {"chat_id": started["chat_id"]})["ok"] is False
    person.close()


@pytest.mark.slow
def test_two_agent_sockets_taking_one_chat_at_once_one_gets_it(server, staff, make_staff):
    import threading

    other = make_staff("other@example.org", role=Role.CALL_AGENT)
    person, started = citizen(server.url)
    consoles = [agent(server, staff), agent(server, other)]
    barrier = threading.Barrier(2)
    answers = [None, None]

    def take(index):
        barrier.wait(timeout=10)
        answers[index] = consoles[index].call("take", {"chat_id": started["chat_id"]})

    threads = [threading.Thread(target=take, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(a["ok"] for a in answers) == [False, True], answers
    loser = next(a for a in answers if not a["ok"])
    assert loser["error"]["code"] == "chat_taken"
    assert len(person.drain("chat_taken", wait=1)) == 1
    for client in (person, *consoles):
        client.close()


def test_an_agent_connects_with_a_personal_api_token(server, staff):
    """DESIGN: agents come by staff session or token; the token opens the same console."""
    from desk import accounts

    with server.app.app_context():
        token = accounts.create_api_token(db.session.merge(staff))
        db.session.commit()
    console = ChatClient(server.url, auth={"token": token})
    assert console.next("chat_waiting") == {"chats": []}
    person, started = citizen(server.url)
    assert [c["chat_id"] for c in console.next("chat_waiting")["chats"]] == [started["chat_id"]]
    assert console.call("take", {"chat_id": started["chat_id"]})["ok"]
    person.close()
    console.close()


def test_outside_opening_hours_the_socket_refuses_a_new_chat(app, live_server):
    """The page offers a callback request then; a client that skips the page is refused too
    (no location is open: the hours of the chat's location say closed)."""
    reasons = []
    client = Client()
    client.on("connect_error", reasons.append, namespace="/chat")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(
            live_server.url,
            namespaces=["/chat"],
            auth={"name": "Ann Peeters"},
            transports=["websocket"],
            wait_timeout=10,
        )
    assert reasons and "chat_closed" in str(reasons[0])
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Chat.id))) == 0


def hand_over(server, staff, chat_id, **form):
    """The console's hand-over form, posted as a browser does (session cookie, CSRF token)."""
    import re

    import requests

    http = requests.Session()
    name, value = session_cookie(server.app, staff).split("=", 1)
    http.cookies.set(name, value, domain="127.0.0.1", path="/")
    page = http.get(f"{server.url}/chat/console/{chat_id}", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = http.post(
        f"{server.url}/chat/console/{chat_id}/transfer",
        data={"csrf_token": token, **form},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302


def until(client, event, check, timeout=10):
    """The first `event` that passes `check` (lists and places are resent after each change)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        found = client.next(event, timeout=max(0.1, deadline - time.monotonic()))
        if check(found):
            return found


def test_a_chat_handed_to_a_department_comes_first_in_its_line(server, staff, make_staff):
    builder = make_staff("bouw@example.org", role=Role.CALL_AGENT, department="stedenbouw")
    plain, building = agent(server, staff), agent(server, builder)
    first, _ = citizen(server.url, name="First")
    handed, started = citizen(server.url, name="Handed")
    later, _ = citizen(server.url, name="Later")
    assert until(handed, "chat_queue", lambda q: True)["place"] == 2
    assert plain.call("take", {"chat_id": started["chat_id"]})["ok"]

    department = f"department:{builder.department_id}"
    hand_over(server, staff, started["chat_id"], to=department, note="Vraag over bouwvergunning")

    def names(waiting):
        return [chat["name"] for chat in waiting["chats"]]

    def all_three(waiting):
        return len(waiting["chats"]) == 3

    seen = until(building, "chat_waiting", all_three)
    assert names(seen) == ["Handed", "First", "Later"]  # first in the department's line
    assert seen["chats"][0]["transferred"] is True
    assert seen["chats"][0]["note"] == "Vraag over bouwvergunning"
    assert seen["chats"][1]["transferred"] is False
    assert names(until(plain, "chat_waiting", all_three)) == ["First", "Handed", "Later"]
    assert until(handed, "chat_queue", lambda q: q["place"] == 1)["wait_minutes"] == 1

    taken = building.call("take", {"chat_id": started["chat_id"]})
    assert taken["ok"] and taken["chat"]["note"] == "Vraag over bouwvergunning"
    for client in (plain, building, first, handed, later):
        client.close()
