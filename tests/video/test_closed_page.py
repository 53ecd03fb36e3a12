"""A video call ends when a participant's page goes away without hanging up: the server waits a
short grace for the socket to come back, then hangs up for it (real python-socketio clients
against a live server)."""

import threading
import time

import pytest

from chat.video_calls import VideoCall
from desk.models import Interaction
from extensions import db
from tests.realtime.sockets import session_cookie
from tests.video.test_signalling import Socket

GRACE = 1  # seconds (CHAT_VIDEO_GRACE_SECONDS; a few by default)


@pytest.fixture
def in_call(live_server, open_town, make_staff):
    """A citizen and the agent who took their chat, in a video call that has begun."""
    live_server.app.config["CHAT_VIDEO_GRACE_SECONDS"] = GRACE
    agent = make_staff("agent@example.org", role="call_agent")
    citizen = Socket(live_server.url, auth={"name": "An Peeters", "email": "an@example.org"})
    started = citizen.next("chat_started")
    chat_id = started["chat_id"]
    desk = Socket(live_server.url, cookie=session_cookie(live_server.app, agent))
    assert desk.call("take", {"chat_id": chat_id})["ok"] is True
    assert desk.call("video_invite", {"chat_id": chat_id}) == {"ok": True}
    assert citizen.call("video_ready", {"chat_id": chat_id, "audio_only": False})["ok"]
    offer = {"type": "offer", "sdp": "v=0\r\n"}
    assert desk.call("signal", {"chat_id": chat_id, "type": "offer", "payload": offer})["ok"]
    assert citizen.next("signal")["type"] == "offer"
    answer = {"type": "answer", "sdp": "v=0\r\n"}
    assert citizen.call("signal", {"chat_id": chat_id, "type": "answer", "payload": answer})["ok"]
    assert desk.next("signal")["type"] == "answer"
    sockets = {"citizen": citizen, "agent": desk}
    yield chat_id, started["resume_token"], sockets
    for sock in sockets.values():
        gone(sock)


def gone(sock: Socket) -> threading.Thread:
    """The page goes away without a hang-up: its socket just disconnects."""
    thread = threading.Thread(target=sock.close, daemon=True)
    thread.start()
    return thread


def the_call(app) -> VideoCall:
    with app.app_context():
        return db.session.scalar(db.select(VideoCall))


def test_a_closed_page_hangs_up_for_its_side_after_the_grace(in_call, live_server):
    chat_id, _token, s = in_call
    left_at = time.monotonic()
    gone(s["citizen"])
    s["agent"].nothing("signal", wait=GRACE * 0.6)  # not at once: it may come back
    hangup = s["agent"].next("signal", timeout=GRACE + 5)
    assert time.monotonic() - left_at >= GRACE
    assert hangup == {"chat_id": chat_id, "type": "hangup", "payload": {"reason": "gone"}}

    call = the_call(live_server.app)
    assert call.started_at <= call.ended_at and call.interaction_id is not None
    with live_server.app.app_context():
        video = db.session.get(Interaction, call.interaction_id)
        assert (video.channel, video.outcome) == ("video", "video.held")
        assert (video.started_at, video.ended_at) == (call.started_at, call.ended_at)
    s["agent"].nothing("signal", wait=GRACE + 0.5)  # once


def test_the_agents_page_closing_hangs_up_for_the_citizen(in_call, live_server):
    chat_id, _token, s = in_call
    gone(s["agent"])
    hangup = s["citizen"].next("signal", timeout=GRACE + 5)
    assert (hangup["chat_id"], hangup["type"]) == (chat_id, "hangup")
    assert the_call(live_server.app).ended_at is not None


def test_a_page_back_within_the_grace_keeps_the_call(in_call, live_server):
    chat_id, token, s = in_call
    gone(s["citizen"])
    back = Socket(
        live_server.url, auth={"chat_id": chat_id, "resume_token": token, "video_chat": chat_id}
    )
    s["back"] = back
    s["agent"].nothing("signal", wait=GRACE + 1)
    assert the_call(live_server.app).ended_at is None
    # The socket that came back is in the call: when it goes too, the call ends.
    gone(back)
    assert s["agent"].next("signal", timeout=GRACE + 5)["type"] == "hangup"


def test_a_socket_outside_the_call_closing_ends_nothing(in_call, live_server):
    chat_id, token, s = in_call
    other_tab = Socket(live_server.url, auth={"chat_id": chat_id, "resume_token": token})
    gone(other_tab)  # the chat widget's tab, say: it never took part in the call
    s["agent"].nothing("signal", wait=GRACE + 1)
    assert the_call(live_server.app).ended_at is None
