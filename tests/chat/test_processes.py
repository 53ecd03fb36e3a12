"""The chat across two production server processes sharing one database and one Redis: the
citizen on one, the agent on the other. Real gunicorn gevent servers, real Redis, real
python-socketio clients on the websocket transport."""

import os
import signal
import threading
import time

import pytest
import redis
import requests

from desk import accounts
from extensions import db
from tests.chat.clients import ChatClient, citizen
from tests.production_server import ProductionServer

PRESENCE_SECONDS = 3
VIDEO_GRACE = 2
PRESENCE_KEY = "loket-socketio:chat:agents-online"


@pytest.fixture
def processes(redis_server, database_url, town):
    """Two servers, A and B; Redis emptied first (presence records of an earlier test)."""
    redis.Redis.from_url(redis_server.url).flushdb()
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_server.url,
        "SECRET_KEY": "cross-process",
        "LOKET_RATELIMIT_ENABLED": "false",
        "LOKET_CHAT_RATE_MESSAGES": "1000",
        "LOKET_CHAT_PRESENCE_SECONDS": str(PRESENCE_SECONDS),
        "LOKET_CHAT_VIDEO_GRACE_SECONDS": str(VIDEO_GRACE),
    }
    servers = []
    try:
        servers.append(ProductionServer(env, connections=200))
        servers.append(ProductionServer(env, connections=200))
        yield servers
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def token(app, staff):
    value = accounts.create_api_token(staff)
    db.session.commit()
    return value


def agent_on(server, token) -> ChatClient:
    return ChatClient(server.url, auth={"token": token})


def wait_for_subscribers(url, count, channel="loket-socketio"):
    """A process subscribes to Redis once its first client has connected."""
    connection = redis.Redis.from_url(url)
    for _ in range(200):
        if dict(connection.pubsub_numsub(channel)).get(channel.encode(), 0) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} processes subscribed to Redis")


def offers_live_chat(server) -> bool:
    page = requests.get(f"{server.url}/chat/", timeout=30).text
    return 'id="chat-widget"' in page


def eventually(check, seconds=10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def kill(server) -> None:
    """Gone without a goodbye: no disconnect handler runs, nothing is cleaned up."""
    workers = server.worker_pids()
    server.process.kill()
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    server.process.wait()


@pytest.mark.slow
def test_messages_cross_in_order_both_ways_and_the_agent_is_seen_online(
    processes, token, redis_server
):
    a, b = processes
    assert not offers_live_chat(a)
    console = agent_on(b, token)
    assert console.next("chat_waiting") == {"chats": []}
    assert eventually(lambda: offers_live_chat(a))  # the agent is on B, the page served by A
    person, started = citizen(a.url)
    chat_id = started["chat_id"]
    assert person.next("chat_queue")["agents_online"] == 1
    wait_for_subscribers(redis_server.url, 2)
    waiting = console.next("chat_waiting", timeout=20)["chats"]
    while chat_id not in [c["chat_id"] for c in waiting]:  # an earlier refresh may come first
        waiting = console.next("chat_waiting", timeout=20)["chats"]
    assert console.call("take", {"chat_id": chat_id})["ok"]
    assert person.next("chat_taken", timeout=20)["chat_id"] == chat_id

    def citizen_sends():
        return [person.call("message", {"text": f"c{n}"})["seq"] for n in range(20)]

    def agent_sends():
        return [
            console.call("message", {"chat_id": chat_id, "text": f"a{n}"})["seq"] for n in range(20)
        ]

    sent = {}
    senders = [
        threading.Thread(target=lambda: sent.update(citizen=citizen_sends())),
        threading.Thread(target=lambda: sent.update(agent=agent_sends())),
    ]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join(timeout=60)
    at_agent = console.drain("message", wait=1)
    at_citizen = person.drain("message", wait=1)
    assert [m["text"] for m in at_agent] == [f"c{n}" for n in range(20)]
    assert [m["seq"] for m in at_agent] == sent["citizen"]
    assert [m["text"] for m in at_citizen] == [f"a{n}" for n in range(20)]
    assert [m["seq"] for m in at_citizen] == sent["agent"]
    assert sorted(sent["citizen"] + sent["agent"]) == list(range(1, 41))

    time.sleep(PRESENCE_SECONDS + 1)  # B's heartbeat keeps its agent online past the expiry
    assert offers_live_chat(a)
    online = redis.Redis.from_url(redis_server.url)
    second = agent_on(b, token)
    assert online.zcard(PRESENCE_KEY) == 2
    another, _started = citizen(a.url)
    assert another.next("chat_queue")["agents_online"] == 1  # two consoles, one person
    another.close()
    second.client.disconnect()  # leaves at once, well before its last heartbeat expires
    assert eventually(lambda: online.zcard(PRESENCE_KEY) == 1, seconds=PRESENCE_SECONDS / 2)
    kill(b)  # the agent's process dies without telling anyone
    assert eventually(lambda: not offers_live_chat(a), seconds=PRESENCE_SECONDS * 3)
    person.close()
    console.close()


@pytest.mark.slow
def test_a_citizen_resuming_on_one_process_while_the_other_sends_gets_each_message_once(
    processes, token, redis_server
):
    """Each round: the citizen's page resumes on B at the moment the agent's console on A
    sends a burst; what the page gets (replay, then live) is every message after the one it
    had, each once, in order."""
    a, b = processes
    console = agent_on(a, token)
    person, started = citizen(a.url)
    chat_id, resume_token = started["chat_id"], started["resume_token"]
    assert console.call("take", {"chat_id": chat_id})["ok"]
    person.close()
    agent_on(b, token).close()  # B subscribes to Redis with its first client
    wait_for_subscribers(redis_server.url, 2)
    last_seen, burst = 0, 15
    for round_ in range(8):
        go = threading.Barrier(2)
        sent = []

        def send_burst(round_=round_, go=go, sent=sent):
            go.wait(timeout=30)
            for n in range(burst):
                answer = console.call("message", {"chat_id": chat_id, "text": f"{round_}.{n}"})
                sent.append(answer["seq"])

        sender = threading.Thread(target=send_burst)
        sender.start()
        go.wait(timeout=30)
        page = ChatClient(
            b.url, auth={"chat_id": chat_id, "resume_token": resume_token, "after": last_seen}
        )
        sender.join(timeout=60)
        received = [m["seq"] for m in page.drain("message", wait=1.5)]
        page.close()
        assert received == list(range(last_seen + 1, sent[-1] + 1)), f"round {round_}"
        last_seen = received[-1] - 2 * (round_ % 2)  # sometimes the page had missed a few
    console.close()


@pytest.mark.slow
def test_a_video_page_back_on_the_other_process_keeps_its_call(processes, token, redis_server):
    """The citizen's video page loses its socket on A and comes back on B within the grace:
    the call goes on. When that socket goes too, A's agent hears the hang-up from B."""
    a, b = processes
    console = agent_on(a, token)
    person, started = citizen(a.url)
    chat_id, resume_token = started["chat_id"], started["resume_token"]
    assert console.call("take", {"chat_id": chat_id})["ok"]
    agent_on(b, token).close()  # B subscribes to Redis with its first client
    wait_for_subscribers(redis_server.url, 2)
    assert console.call("video_invite", {"chat_id": chat_id})["ok"]
    assert person.call("video_ready", {"chat_id": chat_id})["ok"]
    answer = {"chat_id": chat_id, "type": "answer", "payload": {"type": "answer", "sdp": "v=0"}}
    assert person.call("signal", answer)["ok"]
    assert console.next("signal")["type"] == "answer"

    person.close()
    auth = {"chat_id": chat_id, "resume_token": resume_token, "video_chat": chat_id}
    page = ChatClient(b.url, auth=auth)
    assert console.drain("signal", wait=VIDEO_GRACE + 1.5) == []
    page.close()
    hangup = console.next("signal", timeout=VIDEO_GRACE + 10)
    assert hangup == {"chat_id": chat_id, "type": "hangup", "payload": {"reason": "gone"}}
    console.close()
