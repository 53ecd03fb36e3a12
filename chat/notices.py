"""What the chat tells its sockets, queued until the commit (core.unit_of_work.after_commit).

Payloads of the DESIGN contract: `message` {"chat_id", "seq", "from", "text", "sent_at"},
`chat_started`, `chat_waiting`. Added here: `chat_queue` {"chat_id", "place", "wait_minutes"}
for a waiting citizen, `chat_taken`, `chat_transferred`, `chat_ended`, `typing` and `read`.

Agents are in rooms by department (`department_room`): a department with chats handed to it
gets its own order of the waiting list, everyone else the line oldest first.
"""

import logging
import threading

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from chat.models import Chat, ChatMessage
from core.unit_of_work import after_commit
from desk.models import Department
from extensions import db
from office.models import Service
from realtime.namespaces import staff_room

logger = logging.getLogger(__name__)

NAMESPACE = "/chat"
CITIZEN = "citizen"
AGENT = "agent"
AGENTS_ROOM = "chat:agents"


def side_room(chat_id: int, side: str) -> str:
    return f"chat:{chat_id}:{side}"


def both_sides(chat_id: int) -> list[str]:
    return [side_room(chat_id, CITIZEN), side_room(chat_id, AGENT)]


def _server():
    return current_app.extensions["socketio"]


def _send(event: str, data, to, skip_sid=None) -> None:
    try:
        _server().emit(event, data, namespace=NAMESPACE, to=to, skip_sid=skip_sid)
    except Exception:
        logger.exception("could not emit %s to %s", event, to)


def emit_after_commit(event: str, data, *, to, skip_sid=None) -> None:
    after_commit(_send, event, data, to, skip_sid)


def message_payload(message: ChatMessage) -> dict:
    return {
        "chat_id": message.chat_id,
        "seq": message.seq,
        "from": message.author.value,
        "text": message.text,
        "sent_at": message.sent_at.isoformat(),
    }


def message_posted(message: ChatMessage, *, skip_sid: str | None = None) -> None:
    """To both sides; the sender has its ack (and its other tabs get the message)."""
    emit_after_commit(
        "message", message_payload(message), to=both_sides(message.chat_id), skip_sid=skip_sid
    )


def read_marked(chat_id: int, reader_side: str, seq: int) -> None:
    other = AGENT if reader_side == CITIZEN else CITIZEN
    payload = {"chat_id": chat_id, "seq": seq, "by": reader_side}
    emit_after_commit("read", payload, to=side_room(chat_id, other))


def topic_of(chat: Chat) -> str:
    if chat.service_id:
        service = db.session.get(Service, chat.service_id)
        if service is not None:
            return service.name
    return chat.topic


def chat_summary(chat: Chat, transfers: dict | None = None) -> dict:
    """A chat as the console lists it. A chat handed over is marked `transferred`, with the
    note for whoever takes it. `transfers`: the chats' last hand-overs, when the caller has
    them (service.latest_transfers)."""
    from chat.service import latest_transfers

    department = db.session.get(Department, chat.department_id) if chat.department_id else None
    transfer = (latest_transfers([chat.id]) if transfers is None else transfers).get(chat.id)
    return {
        "chat_id": chat.id,
        "name": chat.citizen_name,
        "topic": topic_of(chat),
        "language": chat.language,
        "waiting_since": chat.created_at.isoformat(),
        "status": chat.status.value,
        "department_id": chat.department_id,
        "department": department.name if department else None,
        "agent_id": chat.agent_id,
        "transferred": transfer is not None,
        "note": transfer.note if transfer else "",
    }


def department_room(department_id: int | None) -> str:
    """The agents of one department (or of none): they share one order of the line."""
    return f"{AGENTS_ROOM}:department:{department_id or 'none'}"


def waiting_list(staff_id: int | None = None, department_id: int | None = None) -> dict:
    """`chat_waiting`: the chats any agent may take, in the line of `department_id`'s agents
    (service.waiting_chats: handed to that department first, then oldest first); with
    `staff_id` also those transferred to that agent in person."""
    from chat.service import latest_transfers, waiting_chats

    chats = [
        chat
        for chat in waiting_chats(department_id)
        if chat.agent_id is None or (staff_id is not None and chat.agent_id == staff_id)
    ]
    transfers = latest_transfers(chat.id for chat in chats)
    return {"chats": [chat_summary(chat, transfers) for chat in chats]}


def queue_state(chat: Chat, place: int | None = None, agents=None, handling=None) -> dict:
    from chat.presence import agents_online
    from chat.service import expected_wait_minutes, place_in_line, usual_handling_seconds

    place = place or place_in_line(chat)
    agents = agents_online() if agents is None else agents
    handling = usual_handling_seconds() if handling is None else handling
    return {
        "chat_id": chat.id,
        "place": place,
        "agents_online": agents,
        "wait_minutes": expected_wait_minutes(place, agents, handling),
    }


REFRESH_DELAY = 0.3  # seconds: many chats starting at once cost one refresh, not one each


def waiting_changed() -> None:
    """After the commit: agents get the new waiting list, each waiting citizen their place.
    One refresh covers every change within REFRESH_DELAY: sending each waiting citizen their
    place after every start would grow with the square of the queue."""
    after_commit(_schedule_refresh, current_app._get_current_object())


def _schedule_refresh(app) -> None:
    state = app.extensions.setdefault("chat.refresh", {"lock": threading.Lock(), "due": False})
    with state["lock"]:
        if state["due"]:
            return
        state["due"] = True
    app.extensions["socketio"].start_background_task(_refresh_soon, app, state)


def _refresh_soon(app, state) -> None:
    app.extensions["socketio"].sleep(REFRESH_DELAY)
    with state["lock"]:
        state["due"] = False
    try:
        _waiting_changed(app)
    except Exception:  # the database went away: the next change refreshes again
        logger.exception("could not refresh the chat's waiting list")


def _waiting_changed(app) -> None:
    from chat.presence import agents_online
    from chat.service import places_in_line, usual_handling_seconds, waiting_chats

    with app.app_context(), force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            chats = waiting_chats()
            _send_waiting_lists(chats)
            agents = agents_online()
            handling = usual_handling_seconds()
            places = places_in_line(chats)
            for chat in chats:
                state = queue_state(chat, places[chat.id], agents, handling)
                _send("chat_queue", state, side_room(chat.id, CITIZEN))
        finally:
            db.session.rollback()


def _send_waiting_lists(chats: list[Chat]) -> None:
    """`chat_waiting` to every agent: the line oldest first, except that a department with
    chats handed to it gets its own order (those first), built from the same rows."""
    from chat.service import latest_transfers, line_of

    open_to_all = [chat for chat in chats if chat.agent_id is None]
    transfers = latest_transfers(chat.id for chat in open_to_all)
    summaries = {chat.id: chat_summary(chat, transfers) for chat in open_to_all}
    handed = {chat.department_id for chat in open_to_all if chat.department_id}
    departments = db.session.scalars(select(Department.id)).all()
    plain_rooms = [department_room(None)]
    plain_rooms += [department_room(d) for d in departments if d not in handed]
    _send("chat_waiting", {"chats": list(summaries.values())}, plain_rooms)
    for department_id in handed:
        line = [summaries[chat.id] for chat in line_of(open_to_all, department_id)]
        _send("chat_waiting", {"chats": line}, department_room(department_id))


def chat_taken(chat: Chat, staff) -> None:
    emit_after_commit(
        "chat_taken",
        {"chat_id": chat.id, "agent_name": staff.name.split(" ")[0]},
        to=side_room(chat.id, CITIZEN),
    )
    waiting_changed()


def chat_transferred(chat: Chat, to_staff_id: int | None) -> None:
    """The agent who handed it on is out of the chat; the citizen waits again."""
    room = side_room(chat.id, AGENT)
    emit_after_commit("chat_transferred", {"chat_id": chat.id, "to_you": False}, to=room)
    after_commit(_close_room, room)
    if to_staff_id is not None:
        payload = {**chat_summary(chat), "to_you": True}
        emit_after_commit("chat_transferred", payload, to=staff_room(to_staff_id))
    waiting_changed()


def _close_room(room: str) -> None:
    try:
        _server().close_room(room, namespace=NAMESPACE)
    except Exception:
        logger.exception("could not close %s", room)


def chat_ended(chat: Chat) -> None:
    emit_after_commit("chat_ended", {"chat_id": chat.id}, to=both_sides(chat.id))
