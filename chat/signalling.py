"""The video call's signalling over /chat (DESIGN.md): WebRTC's offer, answer, ICE candidates
and hang-up, relayed to the other side of one chat only, never stored, never looked into.

`signal {chat_id, type, payload}` goes from the citizen's sockets to those of the agent who holds
the chat, and back; anyone else (a third citizen, an agent who does not hold the chat, a closed
chat) is refused. Three events of our own set a call up before WebRTC takes over:
`video_invite {chat_id, audio_only?}` (the agent offers video), `video_ready {chat_id,
audio_only}` (the citizen agreed, camera and microphone allowed: the agent's page now sends the
WebRTC offer) and `video_declined {chat_id}` ("stay in chat"). `video_status {chat_id}` answers
whether an invitation is open, for a page that (re)connects after it was sent.

A socket that sends any of these takes part in the call: if it goes away and its side does not
come back within a few seconds, the call ends as if it had hung up (chat.video_presence).
"""

import orjson
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from chat import video_calls, video_presence
from chat.errors import ChatError
from chat.models import Chat, ChatStatus
from chat.sockets import (
    AGENT,
    CITIZEN,
    chat_event,
    may_use_chat,
    other_side_room,
    refusal,
    side_of,
)
from core.unit_of_work import unit_of_work
from extensions import db
from realtime import emit_after_commit

NAMESPACE = "/chat"
SIGNAL_TYPES = ("offer", "answer", "candidate", "hangup")
PAYLOAD_MAX_BYTES = 32 * 1024  # a session description with many codecs stays well below


class VideoError(ChatError):
    messages = {
        **ChatError.messages,
        "not_allowed": _l("Only the agent can offer video; only the citizen can accept it."),
        "too_large": _l("This message is too large."),
        "no_invitation": _l("There is no video call to join in this chat now."),
    }


def refused(code: str, sid: str) -> dict:
    """The chat's refusal shape, in the socket's language: {"ok": false, "error": {"code",
    "message"}}."""
    return refusal(VideoError(code), sid)


def checked_chat(sid, data, side: str | None = None) -> tuple[int | None, str | None]:
    """The chat this socket may signal in, or the code of the refusal."""
    chat_id = data.get("chat_id") if isinstance(data, dict) else None
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        return None, "invalid"
    if not may_use_chat(sid, chat_id):
        return None, "unknown_chat"
    if side is not None and side_of(sid) != side:
        return None, "not_allowed"
    status = db.session.scalar(select(Chat.status).where(Chat.id == chat_id))
    if status != ChatStatus.ACTIVE:
        return None, "chat_closed"
    return chat_id, None


@chat_event("signal")
def relay_signal(namespace, sid, data):
    kind = data.get("type") if isinstance(data, dict) else None
    if kind not in SIGNAL_TYPES:
        return refused("invalid", sid)
    try:
        size = len(orjson.dumps(data.get("payload")))
    except TypeError:
        return refused("invalid", sid)
    if size > PAYLOAD_MAX_BYTES:
        return refused("too_large", sid)
    if kind in ("offer", "candidate"):  # the many small ones: relayed, nothing written
        chat_id, problem = checked_chat(sid, data)
        if problem:
            return refused(problem, sid)
        video_presence.joined(namespace, sid, chat_id, side_of(sid))
        namespace.emit("signal", relayed(chat_id, data), to=other_side_room(chat_id, sid))
        return {"ok": True}
    with unit_of_work():  # the call's times are written, the relay follows the commit
        chat_id, problem = checked_chat(sid, data)
        if problem:
            return refused(problem, sid)
        if kind == "answer":
            video_presence.joined(namespace, sid, chat_id, side_of(sid))
            payload = data.get("payload")
            audio_only = isinstance(payload, dict) and payload.get("audio_only") is True
            video_calls.call_answered(chat_id, audio_only=audio_only)
        else:
            video_calls.end_call(chat_id)
        emit_after_commit(
            "signal", relayed(chat_id, data), namespace=NAMESPACE,
            to=other_side_room(chat_id, sid),
        )  # fmt: skip
    return {"ok": True}


def relayed(chat_id: int, data: dict) -> dict:
    """Exactly the contract's fields: nothing else a sender adds reaches the peer."""
    return {"chat_id": chat_id, "type": data["type"], "payload": data.get("payload")}


@chat_event("video_invite")
def invite(namespace, sid, data):
    with unit_of_work():
        chat_id, problem = checked_chat(sid, data, side=AGENT)
        if problem:
            return refused(problem, sid)
        staff_id = namespace.get_session(sid)["staff_id"]
        video_calls.offer_call(chat_id, staff_id)
        video_presence.joined(namespace, sid, chat_id, AGENT)
        emit_after_commit(
            "video_invite", {"chat_id": chat_id}, namespace=NAMESPACE,
            to=other_side_room(chat_id, sid),
        )  # fmt: skip
    return {"ok": True}


@chat_event("video_ready")
def ready(namespace, sid, data):
    chat_id, problem = checked_chat(sid, data, side=CITIZEN)
    if problem:
        return refused(problem, sid)
    if video_calls.open_call(chat_id, lock=False) is None:
        return refused("no_invitation", sid)
    video_presence.joined(namespace, sid, chat_id, CITIZEN)
    audio_only = data.get("audio_only") is True
    namespace.emit(
        "video_ready", {"chat_id": chat_id, "audio_only": audio_only},
        to=other_side_room(chat_id, sid),
    )  # fmt: skip
    return {"ok": True}


@chat_event("video_declined")
def decline(namespace, sid, data):
    with unit_of_work():
        chat_id, problem = checked_chat(sid, data, side=CITIZEN)
        if problem:
            return refused(problem, sid)
        video_calls.end_call(chat_id)
        emit_after_commit(
            "video_declined", {"chat_id": chat_id}, namespace=NAMESPACE,
            to=other_side_room(chat_id, sid),
        )  # fmt: skip
    return {"ok": True}


@chat_event("video_status")
def status(namespace, sid, data):
    chat_id, problem = checked_chat(sid, data)
    if problem:
        return refused(problem, sid)
    call = video_calls.open_call(chat_id, lock=False)
    return {
        "ok": True,
        "invited": call is not None,
        "started": call is not None and call.started_at is not None,
    }
