"""The /chat Socket.IO handlers (DESIGN.md, "Interfaces": events and payloads are a contract).

realtime owns the server and the plain ChatNamespace (who is staff); this subclass adds the
chat's events and app.py registers it in realtime's place, so realtime imports no channel.
Other chat modules add events with `@chat_event("name")` (the video's `signal` relay, in
chat.signalling) without editing this class.

Rooms: `chat:<id>:citizen` holds the citizen's sockets of one chat, `chat:<id>:agent` the
sockets of the agent holding it; `chat:agents` every agent console (the waiting list).

Every write opens its own unit of work; what clients are told is emitted after its commit
(chat.notices). Exactly once on a resume: posting a message (number, commit, emit) and a
resume (replay, then joining the room) hold the chat's lock (chat.locks: in Redis when
processes share REDIS_URL), so a message is either replayed or received live, never both and
never neither. With Redis a replay first waits until this process has delivered every emit
published before it (realtime.catch_up), or a message posted in another process just before
would reach the room the page joins as well.
"""

import threading
import time
from collections import OrderedDict, defaultdict, deque
from collections.abc import Callable
from contextlib import contextmanager

import socketio
from flask import current_app

from chat import notices, presence, service, video_presence
from chat.console import is_agent
from chat.errors import ChatError
from chat.hours import chat_hours
from chat.locks import chat_lock, forget
from chat.models import Author, Chat, ChatStatus
from chat.transcript import AGENT_OUTCOMES
from core.bounds import as_id, as_int
from core.unit_of_work import unit_of_work
from desk.models import Staff
from extensions import db
from realtime import catch_up
from realtime.namespaces import (
    ChatNamespace,
    in_app_context,
    staff_from_environ,
    staff_from_token,
    staff_room,
)

NAMESPACE = notices.NAMESPACE
CITIZEN = notices.CITIZEN
AGENT = notices.AGENT
side_room = notices.side_room

_extra_events: dict[str, Callable] = {}
# The sessions of the sockets that left last (session_of): enough for the events still on
# their way from them, a bounded few.
DEPARTED_KEPT = 1000
_departed: OrderedDict[str, dict] = OrderedDict()
_departed_guard = threading.Lock()


def chat_event(name: str):
    """Register `handler(namespace, sid, data)` for the /chat event `name`; it runs in an app
    context and its return value is the client's ack."""

    def register(handler):
        _extra_events[name] = handler
        return handler

    return register


@contextmanager
def writing():
    """A handler's write in a unit of work of its own. What the handler read first is ended
    here: SQLite refuses to turn a reading transaction into a writing one while a rival
    writes, so the unit must begin as a writer (BEGIN IMMEDIATE) and then waits its turn."""
    session = db.session()
    if session.in_transaction():
        session.commit()
    with unit_of_work():
        yield


def server() -> socketio.Server:
    return current_app.extensions["socketio"]


def session_of(sid: str) -> dict:
    """The socket's session: {"staff_id": None, "chat_id": n} for a citizen, {"staff_id": n,
    "role": …} for an agent. A socket's last event may be handled after it is gone (events
    run in threads of their own; a closing page's hang-up comes just before its close): its
    session is then the one it left with."""
    try:
        return server().get_session(sid, namespace=NAMESPACE)
    except KeyError:
        with _departed_guard:
            session = _departed.get(sid)
        if session is None:
            raise
        return session


def remember_departed(sid: str, session: dict) -> None:
    with _departed_guard:
        _departed[sid] = session
        while len(_departed) > DEPARTED_KEPT:
            _departed.popitem(last=False)


def side_of(sid: str) -> str:
    return AGENT if session_of(sid).get("staff_id") else CITIZEN


def chat_of_sid(sid: str) -> int | None:
    """The one chat a citizen's socket belongs to; None for an agent's socket (which may hold
    several: check `may_use_chat`)."""
    return session_of(sid).get("chat_id")


def may_use_chat(sid: str, chat_id) -> bool:
    """A citizen socket: only its own chat. An agent socket: a chat it holds now."""
    session = session_of(sid)
    if session.get("staff_id"):
        return isinstance(chat_id, int) and service.agent_holds(chat_id, session["staff_id"])
    return session.get("chat_id") == chat_id


def other_side_room(chat_id: int, sid: str) -> str:
    return side_room(chat_id, CITIZEN if side_of(sid) == AGENT else AGENT)


def refusal(error: ChatError, sid: str | None = None) -> dict:
    """A refused event's ack, its message in the socket's language."""
    language = session_of(sid).get("language") if sid else None
    return {"ok": False, "error": {"code": error.code, "message": error.message_in(language)}}


class RateLimit:
    """At most `count` messages in `seconds` per connection, counted in this process."""

    def __init__(self):
        self.sent: dict[str, deque] = defaultdict(deque)

    def allow(self, sid: str, count: int, seconds: float) -> bool:
        now = time.monotonic()
        times = self.sent[sid]
        while times and now - times[0] > seconds:
            times.popleft()
        if len(times) >= count:
            return False
        times.append(now)
        return True

    def forget(self, sid: str) -> None:
        self.sent.pop(sid, None)


class ChatSockets(ChatNamespace):
    def __init__(self, app, namespace):
        super().__init__(app, namespace)
        self.rate = RateLimit()

    def trigger_event(self, event, *args):
        handler = _extra_events.get(event)
        if handler is None or hasattr(self, f"on_{event}"):
            return super().trigger_event(event, *args)
        return self._extra(handler, *args)

    @in_app_context
    def _extra(self, handler, sid, data=None):
        return handler(self, sid, data)

    # --- connecting ------------------------------------------------------------------------

    @in_app_context
    def on_connect(self, sid, environ, auth=None):
        auth = auth if isinstance(auth, dict) else {}
        staff = self._staff(environ, auth)
        if staff is not None:
            if not is_agent(staff):
                raise socketio.exceptions.ConnectionRefusedError("agents_only")
            return self._connect_agent(sid, staff, auth)
        if "chat_id" in auth:
            return self._resume_citizen(sid, auth)
        return self._start_citizen(sid, auth)

    def _staff(self, environ, auth) -> Staff | None:
        """An agent by their session cookie or their personal API token (as on /desk)."""
        found = staff_from_environ(environ) or staff_from_token(auth)
        return db.session.get(Staff, found["staff_id"]) if found is not None else None

    def _connect_agent(self, sid, staff: Staff, auth: dict):
        self.save_session(
            sid,
            {"staff_id": staff.id, "role": staff.role.value, "language": staff.preferred_language},
        )
        self.enter_room(sid, staff_room(staff.id))
        self.enter_room(sid, notices.AGENTS_ROOM)
        self.enter_room(sid, notices.department_room(staff.department_id))
        presence.agent_arrived(staff.id, sid)
        held = [chat.id for chat in service.chats_held_by(staff.id)]
        for chat_id in held:
            self.enter_room(sid, side_room(chat_id, AGENT))
        video_chat = as_id(auth.get("video_chat"))
        if video_chat in held:  # the video page reconnected with its call
            video_presence.joined(self, sid, video_chat, AGENT)
        self.emit("chat_waiting", notices.waiting_list(department_id=staff.department_id), to=sid)

    def _start_citizen(self, sid, auth):
        if auth.get("attachment") or auth.get("attachments"):
            raise socketio.exceptions.ConnectionRefusedError("attachments_refused")
        if not chat_hours().open_now:  # the page offers a callback request then
            raise socketio.exceptions.ConnectionRefusedError("chat_closed")
        try:
            with writing():
                chat, token = service.start_chat(
                    name=auth.get("name"),
                    phone=auth.get("phone"),
                    email=auth.get("email"),
                    language=auth.get("language"),
                    topic=auth.get("topic") or "",
                    service_id=as_int(auth.get("service_id"), low=1),
                    contact_consent=auth.get("consent") is True,
                )
                notices.waiting_changed()
        except ChatError as error:
            raise socketio.exceptions.ConnectionRefusedError(error.code) from error
        self.save_session(sid, {"staff_id": None, "chat_id": chat.id, "language": chat.language})
        self.enter_room(sid, side_room(chat.id, CITIZEN))
        self.emit("chat_started", {"chat_id": chat.id, "resume_token": token}, to=sid)
        self.emit("chat_queue", notices.queue_state(chat), to=sid)

    def _resume_citizen(self, sid, auth):
        chat_id = auth.get("chat_id")
        chat = service.resumable_chat(chat_id, auth.get("resume_token"))
        if chat is None:
            raise socketio.exceptions.ConnectionRefusedError("resume_refused")
        after = as_int(auth.get("after"), low=0)
        self.save_session(sid, {"staff_id": None, "chat_id": chat.id, "language": chat.language})
        self._replay_and_join(sid, chat.id, 0 if after is None else after, CITIZEN)
        if as_id(auth.get("video_chat")) == chat.id:  # the video page reconnected with its call
            video_presence.joined(self, sid, chat.id, CITIZEN)
        if chat.status == ChatStatus.WAITING:
            self.emit("chat_queue", notices.queue_state(chat), to=sid)
        elif chat.status == ChatStatus.ENDED:
            self.emit("chat_ended", {"chat_id": chat.id}, to=sid)

    def _replay_and_join(self, sid, chat_id: int, after: int, side: str) -> None:
        with chat_lock(chat_id):
            catch_up(self.server)
            # A fresh read: what the handler read before the lock began a transaction, and
            # SQLite would keep showing what was committed then, not what came while waiting.
            db.session.rollback()
            for message in service.messages_after(chat_id, after):
                self.emit("message", notices.message_payload(message), to=sid)
            db.session.rollback()  # end the read: the lock is not held over a transaction
            self.enter_room(sid, side_room(chat_id, side))

    @in_app_context
    def on_disconnect(self, sid, *args):
        self.rate.forget(sid)
        session = self.get_session(sid)
        if notices.AGENTS_ROOM in self.rooms(sid):
            presence.agent_left(session.get("staff_id"), sid)
        remember_departed(sid, session)
        video_presence.left(self, sid, session)

    # --- both sides ------------------------------------------------------------------------

    @in_app_context
    def on_message(self, sid, data):
        data = data if isinstance(data, dict) else {}
        session = session_of(sid)
        staff_id = session.get("staff_id")
        chat_id = data.get("chat_id") if staff_id else session.get("chat_id")
        config = current_app.config
        if not self.rate.allow(sid, config["CHAT_RATE_MESSAGES"], config["CHAT_RATE_SECONDS"]):
            return refusal(ChatError("too_fast"), sid)
        if data.get("attachment") or data.get("attachments") or data.get("file"):
            return refusal(ChatError("attachments_refused"), sid)
        if not may_use_chat(sid, chat_id):
            return refusal(ChatError("unknown_chat"), sid)
        author = Author.AGENT if staff_id else Author.CITIZEN
        try:
            with chat_lock(chat_id), writing():
                message = service.post_message(chat_id, author, data.get("text"), staff_id=staff_id)
                notices.message_posted(message, skip_sid=sid)
        except ChatError as error:
            return refusal(error, sid)
        return {"ok": True, "seq": message.seq}

    @in_app_context
    def on_typing(self, sid, data):
        """Relayed to the other side only; nothing is stored."""
        data = data if isinstance(data, dict) else {}
        chat_id = data.get("chat_id") if side_of(sid) == AGENT else chat_of_sid(sid)
        if not may_use_chat(sid, chat_id):
            return {"ok": False}
        payload = {"chat_id": chat_id, "from": side_of(sid), "typing": data.get("typing") is True}
        self.emit("typing", payload, to=other_side_room(chat_id, sid))
        return {"ok": True}

    @in_app_context
    def on_read(self, sid, data):
        """The reader has seen the other side's messages up to `seq`: they get a read mark."""
        data = data if isinstance(data, dict) else {}
        side = side_of(sid)
        chat_id = data.get("chat_id") if side == AGENT else chat_of_sid(sid)
        seq = as_int(data.get("seq"), low=1)
        if seq is None or not may_use_chat(sid, chat_id):
            return {"ok": False}
        reader = Author.AGENT if side == AGENT else Author.CITIZEN
        with writing():
            if service.mark_read(chat_id, reader, seq):
                notices.read_marked(chat_id, side, seq)
        return {"ok": True}

    # --- agents ----------------------------------------------------------------------------

    def _agent(self, sid) -> Staff | None:
        staff_id = session_of(sid).get("staff_id")
        return db.session.get(Staff, staff_id) if staff_id else None

    @in_app_context
    def on_take(self, sid, data):
        staff = self._agent(sid)
        if staff is None:
            return refusal(ChatError("unknown_chat"), sid)
        chat_id = (data or {}).get("chat_id") if isinstance(data, dict) else None
        try:
            with writing():
                chat = service.take_chat(chat_id, staff)
                notices.chat_taken(chat, staff)
        except ChatError as error:
            return refusal(error, sid)
        self._replay_and_join(sid, chat.id, 0, AGENT)
        return {"ok": True, "chat": notices.chat_summary(chat)}

    @in_app_context
    def on_join(self, sid, data):
        """An agent's console (re)opens a chat it holds: the messages after `after`."""
        staff = self._agent(sid)
        data = data if isinstance(data, dict) else {}
        chat_id = data.get("chat_id")
        if staff is None or not may_use_chat(sid, chat_id):
            return refusal(ChatError("unknown_chat"), sid)
        after = as_int(data.get("after"), low=0) or 0
        self._replay_and_join(sid, chat_id, after, AGENT)
        return {"ok": True}

    @in_app_context
    def on_end(self, sid, data):
        data = data if isinstance(data, dict) else {}
        staff = self._agent(sid)
        if staff is None:
            return self._citizen_leaves(sid)
        chat_id, outcome = data.get("chat_id"), data.get("outcome")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            return refusal(ChatError("unknown_chat"), sid)
        if outcome not in AGENT_OUTCOMES:
            return refusal(ChatError("invalid_outcome", field="outcome"), sid)
        try:
            with chat_lock(chat_id), writing():
                chat = service.held_chat(chat_id, staff)
                service.end_chat(chat, outcome=outcome, staff=staff)
                notices.chat_ended(chat)
        except ChatError as error:
            return refusal(error, sid)
        forget(chat.id)
        return {"ok": True, "interaction_id": chat.interaction_id}

    def _citizen_leaves(self, sid):
        chat_id = chat_of_sid(sid)
        try:
            with chat_lock(chat_id), writing():
                chat = db.session.get(Chat, chat_id)
                was_waiting = chat.status == ChatStatus.WAITING
                service.end_chat(chat, outcome="chat.left", staff=None)
                notices.chat_ended(chat)
                if was_waiting:
                    notices.waiting_changed()
        except ChatError as error:
            return refusal(error, sid)
        return {"ok": True}
