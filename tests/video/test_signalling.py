"""The video call's signalling with real python-socketio clients against a live server:
relayed to the other side of the chat only, refused to everyone else, and the call's times
recorded as a video interaction."""

import queue
import threading

import pytest

from chat.video_calls import VideoCall
from desk.models import Interaction
from extensions import db
from tests.realtime.sockets import Client, session_cookie

EVENTS = ("chat_started", "signal", "video_invite", "video_ready", "video_declined", "message")


class Socket:
    """A /chat client that queues what it receives, per event."""

    def __init__(self, url, *, auth=None, cookie=None):
        self.client = Client()
        self.queues = {name: queue.Queue() for name in EVENTS}
        for name in EVENTS:
            self.client.on(name, self.queues[name].put, namespace="/chat")
        self.client.connect(
            url, namespaces=["/chat"], auth=auth, headers={"Cookie": cookie} if cookie else {},
            transports=["websocket"], wait_timeout=10,
        )  # fmt: skip

    def call(self, event, data):
        return self.client.call(event, data, namespace="/chat", timeout=10)

    def next(self, event, timeout=10):
        return self.queues[event].get(timeout=timeout)

    def nothing(self, event, wait=0.5):
        with pytest.raises(queue.Empty):
            self.queues[event].get(timeout=wait)

    def close(self):
        self.client.disconnect()


@pytest.fixture
def call_parties(live_server, open_town, make_staff):
    """A citizen whose chat an agent took, a second citizen, and an agent who holds neither."""
    app = live_server.app
    # the sockets closed at the end hang up their call after this grace (chat.video_presence):
    # while this test's database is still there
    app.config["CHAT_VIDEO_GRACE_SECONDS"] = 0.1
    agent = make_staff("agent@example.org", role="call_agent")
    other_agent = make_staff("other@example.org", role="call_agent")
    citizen = Socket(live_server.url, auth={"name": "An Peeters", "email": "an@example.org"})
    chat_id = citizen.next("chat_started")["chat_id"]
    stranger = Socket(live_server.url, auth={"name": "Bert"})
    stranger.next("chat_started")
    desk = Socket(live_server.url, cookie=session_cookie(app, agent))
    assert desk.call("take", {"chat_id": chat_id})["ok"] is True
    bystander = Socket(live_server.url, cookie=session_cookie(app, other_agent))
    sockets = {"citizen": citizen, "stranger": stranger, "agent": desk, "bystander": bystander}
    yield chat_id, sockets
    closing = [threading.Thread(target=sock.close) for sock in sockets.values()]
    for thread in closing:  # each close waits for the server's goodbye: all at once
        thread.start()
    for thread in closing:
        thread.join(timeout=15)


def test_a_signal_reaches_the_other_side_of_the_chat_only(call_parties):
    chat_id, s = call_parties
    assert s["agent"].call("video_invite", {"chat_id": chat_id}) == {"ok": True}
    assert s["citizen"].next("video_invite") == {"chat_id": chat_id}
    assert s["citizen"].call("video_ready", {"chat_id": chat_id, "audio_only": False})["ok"]
    assert s["agent"].next("video_ready") == {"chat_id": chat_id, "audio_only": False}

    offer = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}
    sent = {"chat_id": chat_id, "type": "offer", "payload": offer, "extra": "dropped"}
    assert s["agent"].call("signal", sent) == {"ok": True}
    assert s["citizen"].next("signal") == {"chat_id": chat_id, "type": "offer", "payload": offer}

    candidate = {"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
                 "sdpMid": "0", "sdpMLineIndex": 0}  # fmt: skip
    ack = s["citizen"].call("signal", {"chat_id": chat_id, "type": "candidate",
                                       "payload": candidate})  # fmt: skip
    assert ack == {"ok": True}
    assert s["agent"].next("signal")["payload"] == candidate

    for name in ("stranger", "bystander"):
        s[name].nothing("signal", wait=0.3)
        s[name].nothing("video_invite", wait=0.1)
    s["agent"].nothing("signal", wait=0.1)  # its own offer never comes back
    s["citizen"].nothing("signal", wait=0.1)


def test_a_third_socket_is_refused_and_nothing_is_relayed(call_parties):
    chat_id, s = call_parties
    hijack = {"chat_id": chat_id, "type": "offer", "payload": {"type": "offer", "sdp": "x"}}
    for name in ("stranger", "bystander"):
        ack = s[name].call("signal", hijack)
        assert ack["ok"] is False and ack["error"]["code"] == "unknown_chat"
    assert s["stranger"].call("video_ready", {"chat_id": chat_id})["ok"] is False
    assert s["bystander"].call("video_invite", {"chat_id": chat_id})["ok"] is False
    # The citizen cannot invite, nor may the agent say the citizen is ready.
    assert s["citizen"].call("video_invite", {"chat_id": chat_id})["error"]["code"] == "not_allowed"
    assert s["agent"].call("video_ready", {"chat_id": chat_id})["error"]["code"] == "not_allowed"
    s["citizen"].nothing("signal")
    s["agent"].nothing("signal", wait=0.1)
    s["agent"].nothing("video_ready", wait=0.1)


@pytest.mark.parametrize(
    "bad",
    [
        lambda chat_id: {"type": "offer", "payload": {}},  # which chat?
        lambda chat_id: {"chat_id": str(chat_id), "type": "offer", "payload": {}},
        lambda chat_id: {"chat_id": True, "type": "offer", "payload": {}},
        lambda chat_id: {"chat_id": chat_id, "type": "renegotiate", "payload": {}},
        lambda chat_id: {"chat_id": chat_id, "type": "offer", "payload": {"sdp": "x" * 40_000}},
        lambda chat_id: "offer",
    ],
    ids=["no chat", "chat as text", "chat as boolean", "unknown type", "too large", "not a dict"],
)
def test_bad_signals_are_refused(call_parties, bad):
    chat_id, s = call_parties
    ack = s["agent"].call("signal", bad(chat_id))
    assert ack["ok"] is False
    assert ack["error"]["code"] in ("invalid", "too_large", "unknown_chat")
    s["citizen"].nothing("signal", wait=0.3)


def test_the_call_becomes_a_video_interaction_with_its_times(call_parties, live_server):
    chat_id, s = call_parties
    s["agent"].call("video_invite", {"chat_id": chat_id})
    s["citizen"].call("video_ready", {"chat_id": chat_id, "audio_only": True})
    answer = {"type": "answer", "sdp": "v=0\r\n", "audio_only": True}
    assert s["citizen"].call("signal", {"chat_id": chat_id, "type": "answer", "payload": answer})
    assert s["agent"].next("signal")["type"] == "answer"
    assert s["agent"].call("signal", {"chat_id": chat_id, "type": "hangup", "payload": {}}) == {
        "ok": True
    }
    assert s["citizen"].next("signal") == {"chat_id": chat_id, "type": "hangup", "payload": {}}
    # A second hang-up (the other side's button) records nothing more.
    s["citizen"].call("signal", {"chat_id": chat_id, "type": "hangup", "payload": {}})

    with live_server.app.app_context():
        call = db.session.scalar(db.select(VideoCall))
        assert call.audio_only is True
        assert call.started_at <= call.ended_at
        interactions = db.session.scalars(db.select(Interaction)).all()
        video = [i for i in interactions if i.channel == "video"]
        assert len(video) == 1
        assert video[0].id == call.interaction_id
        assert (video[0].started_at, video[0].ended_at) == (call.started_at, call.ended_at)
        assert video[0].outcome == "video.held"
        assert (video[0].subject_type, video[0].subject_id) == ("chat", chat_id)
        assert video[0].subject_code == "video.call"


def test_stay_in_chat_tells_the_agent_and_records_a_call_not_connected(call_parties, live_server):
    chat_id, s = call_parties
    s["agent"].call("video_invite", {"chat_id": chat_id})
    assert s["citizen"].call("video_status", {"chat_id": chat_id})["invited"] is True
    assert s["citizen"].call("video_declined", {"chat_id": chat_id}) == {"ok": True}
    assert s["agent"].next("video_declined") == {"chat_id": chat_id}
    assert s["citizen"].call("video_status", {"chat_id": chat_id})["invited"] is False
    with live_server.app.app_context():
        interaction = db.session.scalar(
            db.select(Interaction).where(Interaction.channel == "video")
        )
        assert interaction.outcome == "video.not_connected"


def test_a_closed_chat_refuses_signals(call_parties):
    chat_id, s = call_parties
    assert s["agent"].call("end", {"chat_id": chat_id, "outcome": "chat.answered"})["ok"] is True
    ack = s["citizen"].call("signal", {"chat_id": chat_id, "type": "offer", "payload": {}})
    assert ack["ok"] is False
    s["agent"].nothing("signal")


def test_ending_the_chat_ends_an_open_call(call_parties, live_server):
    chat_id, s = call_parties
    s["agent"].call("video_invite", {"chat_id": chat_id})
    s["citizen"].call("video_ready", {"chat_id": chat_id})
    s["citizen"].call("signal", {"chat_id": chat_id, "type": "answer", "payload": {}})
    assert s["agent"].call("end", {"chat_id": chat_id, "outcome": "chat.answered"})["ok"] is True
    with live_server.app.app_context():
        call = db.session.scalar(db.select(VideoCall))
        assert call.ended_at is not None and call.interaction_id is not None
        channels = sorted(db.session.scalars(db.select(Interaction.channel)))
        assert channels == ["chat", "video"]
