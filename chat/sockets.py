"""The /chat Socket.IO handlers (DESIGN.md, "Interfaces": events and payloads are a contract).

realtime owns the server and the plain ChatNamespace (who is staff); this subclass adds the
chat's events and app.py registers it in realtime's place, so realtime imports no channel.
Other chat modules add events with `@chat_event("name")` (the video's `signal` relay, in
chat.signalling) without editing this class.

Rooms: `chat:<id>:citizen` holds the citizen's sockets of one chat, `chat:<id>:agent` the
sockets of the agent holding it; `chat:waiting` every agent console (the waiting list).
"""

from collections.abc import Callable

import socketio
from flask import current_app

from realtime.namespaces import ChatNamespace, in_app_context

NAMESPACE = "/chat"
WAITING_ROOM = "chat:waiting"
CITIZEN = "citizen"
AGENT = "agent"

_extra_events: dict[str, Callable] = {}


def chat_event(name: str):
    """Register `handler(namespace, sid, data)` for the /chat event `name`; it runs in an app
    context and its return value is the client's ack."""

    def register(handler):
        _extra_events[name] = handler
        return handler

    return register


def side_room(chat_id: int, side: str) -> str:
    return f"chat:{chat_id}:{side}"


def server() -> socketio.Server:
    return current_app.extensions["socketio"]


def session_of(sid: str) -> dict:
    """The socket's session: {"staff_id": None, "chat_id": n} for a citizen, {"staff_id": n,
    "role": …} for an agent."""
    return server().get_session(sid, namespace=NAMESPACE)


def side_of(sid: str) -> str:
    return AGENT if session_of(sid).get("staff_id") else CITIZEN


def chat_of_sid(sid: str) -> int | None:
    """The one chat a citizen's socket belongs to; None for an agent's socket (which may hold
    several: check `may_use_chat`)."""
    return session_of(sid).get("chat_id")


def may_use_chat(sid: str, chat_id: int) -> bool:
    """A citizen socket: only its own chat. An agent socket: a chat it holds now."""
    from chat.service import agent_holds

    session = session_of(sid)
    if session.get("staff_id"):
        return agent_holds(chat_id, session["staff_id"])
    return session.get("chat_id") == chat_id


def other_side_room(chat_id: int, sid: str) -> str:
    return side_room(chat_id, CITIZEN if side_of(sid) == AGENT else AGENT)


def other_side_sids(chat_id: int, sid: str) -> list[str]:
    """The peer's socket ids in this process (with Redis, emit to `other_side_room` instead)."""
    room = other_side_room(chat_id, sid)
    return [peer for peer, _eio in server().manager.get_participants(NAMESPACE, room)]


class ChatSockets(ChatNamespace):
    def trigger_event(self, event, *args):
        handler = _extra_events.get(event)
        if handler is None or hasattr(self, f"on_{event}"):
            return super().trigger_event(event, *args)
        return self._extra(handler, *args)

    @in_app_context
    def _extra(self, handler, sid, data=None):
        return handler(self, sid, data)
