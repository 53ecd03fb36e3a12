"""Starting, resuming, taking, transferring and ending chats; messages with their numbers.

Services add and flush, never commit (core.unit_of_work): the socket handler or view owns the
unit of work, and what it tells clients goes out after the commit (chat.notices).

Two races are settled by the database, not by a check-then-write: a message's number comes
from one UPDATE of the chat's `last_seq` (the row stays locked until the commit, so numbers are
given out one at a time and never twice), and taking a waiting chat is one conditional UPDATE:
of two agents, the one whose UPDATE changes a row has it.
"""

import functools
import hashlib
import hmac
import math
import secrets
from collections import Counter
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, func, select, update

from chat.errors import ChatError
from chat.models import Author, Chat, ChatKind, ChatMessage, ChatStatus, ChatTransfer
from core.database import utcnow
from core.text import hidden_characters
from desk.identifiers import e164, mailbox
from desk.models import Department, Staff
from extensions import db

NAME_MAX = 200
TOPIC_MAX = 200
NOTE_MAX = 1000
DEFAULT_HANDLING_SECONDS = 300  # what one chat takes until the chats themselves say otherwise


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def checked_text(value, *, field: str, limit: int, required: bool, multiline=False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ChatError("not_text", field=field)
    text = value.strip()
    if required and not text:
        raise ChatError(f"{field}_required", field=field)
    if len(text) > limit:
        raise ChatError(f"{field}_too_long", field=field, limit=limit)
    if hidden_characters(text, multiline=multiline):
        raise ChatError("hidden_characters", field=field)
    return text


def checked_contact(phone, email) -> tuple[str | None, str | None]:
    """Optional phone and e-mail, normalised (E.164, lower-case mailbox)."""
    phone = checked_text(phone, field="phone", limit=40, required=False)
    email = checked_text(email, field="email", limit=254, required=False)
    number = e164(phone) if phone else None
    if phone and number is None:
        raise ChatError("invalid_phone", field="phone")
    address = mailbox(email) if email else None
    if email and address is None:
        raise ChatError("invalid_email", field="email")
    return number, address


def start_chat(
    *,
    name,
    phone=None,
    email=None,
    language=None,
    service_id: int | None = None,
    topic="",
    contact_consent: bool = False,
    kind: ChatKind = ChatKind.CHAT,
    appointment_reference: str | None = None,
) -> tuple[Chat, str]:
    """A new waiting chat and its resume token (only its hash is kept)."""
    name = checked_text(name, field="name", limit=NAME_MAX, required=True)
    phone, email = checked_contact(phone, email)
    if language not in current_app.config["LANGUAGES"]:
        language = current_app.config["BABEL_DEFAULT_LOCALE"]
    topic = checked_text(topic, field="topic", limit=TOPIC_MAX, required=False)
    token = secrets.token_urlsafe(24)
    chat = Chat(
        kind=kind,
        citizen_name=name,
        phone=phone,
        email=email,
        contact_consent=bool(contact_consent) and bool(phone or email),
        language=language,
        service_id=service_id,
        topic=topic,
        resume_token_hash=hash_token(token),
        appointment_reference=appointment_reference,
        status=ChatStatus.WAITING,
        created_at=utcnow(),
    )
    db.session.add(chat)
    db.session.flush()
    return chat, token


def resumable_chat(chat_id, token) -> Chat | None:
    """The chat this id and token open, or None: a wrong token and an unknown chat look alike."""
    if not isinstance(chat_id, int) or isinstance(chat_id, bool) or not isinstance(token, str):
        return None
    chat = db.session.get(Chat, chat_id)
    if chat is None or not hmac.compare_digest(chat.resume_token_hash, hash_token(token)):
        return None
    return chat


def post_message(chat_id: int, author: Author, text, *, staff_id: int | None = None):
    """A message with the chat's next number. A closed chat takes no more messages."""
    limit = current_app.config["CHAT_MESSAGE_MAX"]
    text = checked_text(text, field="text", limit=limit, required=True, multiline=True)
    return add_message(chat_id, author, text, staff_id=staff_id)


@functools.cache
def _numbering():
    """The chat's next number, unless it has ended. Built once: every message of every chat
    passes here, and a statement built per message left its expression objects (cycles) to the
    garbage collector, whose pauses were the slow tail of the chat."""
    chat = Chat.__table__
    return (
        update(chat)
        .where(chat.c.id == bindparam("chat_id"), chat.c.status != ChatStatus.ENDED)
        .values(last_seq=chat.c.last_seq + 1)
        .returning(chat.c.last_seq)
    )


def add_message(chat_id: int, author: Author, text: str, *, staff_id=None) -> ChatMessage:
    """Numbered, then written; the answer is a ChatMessage outside the session (nothing to
    flush: every message of every chat passes here)."""
    seq = db.session.execute(_numbering(), {"chat_id": chat_id}).scalar()
    if seq is None:
        raise ChatError("chat_closed")
    values = {
        "chat_id": chat_id,
        "seq": seq,
        "author": author,
        "staff_id": staff_id,
        "text": text,
        "sent_at": utcnow(),
    }
    db.session.execute(ChatMessage.__table__.insert(), values)
    return ChatMessage(**values)


def messages_after(chat_id: int, after: int) -> list[ChatMessage]:
    return list(
        db.session.scalars(
            select(ChatMessage)
            .where(ChatMessage.chat_id == chat_id, ChatMessage.seq > after)
            .order_by(ChatMessage.seq)
        )
    )


def mark_read(chat_id: int, reader: Author, up_to: int) -> int:
    """The other side's messages up to `up_to` are read now; how many were newly marked."""
    other = (Author.AGENT, Author.SYSTEM) if reader == Author.CITIZEN else (Author.CITIZEN,)
    result = db.session.execute(
        update(ChatMessage)
        .where(
            ChatMessage.chat_id == chat_id,
            ChatMessage.seq <= up_to,
            ChatMessage.author.in_(other),
            ChatMessage.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )
    return result.rowcount


# --- agents --------------------------------------------------------------------------------


def agent_holds(chat_id: int, staff_id: int) -> bool:
    return (
        db.session.scalar(
            select(Chat.id).where(
                Chat.id == chat_id, Chat.agent_id == staff_id, Chat.status == ChatStatus.ACTIVE
            )
        )
        is not None
    )


def chats_held_by(staff_id: int) -> list[Chat]:
    return list(
        db.session.scalars(
            select(Chat)
            .where(Chat.agent_id == staff_id, Chat.status == ChatStatus.ACTIVE)
            .order_by(Chat.taken_at, Chat.id)
        )
    )


def waiting_chats(department_id: int | None = None) -> list[Chat]:
    """The line, oldest first: `created_at` is when the citizen first started waiting, and a
    transfer keeps it. In a department's line (`department_id`: its agents' list) the chats
    handed to that department come first, as helpdesks do with a transfer: a citizen who
    already spoke to someone does not queue again behind those who came after."""
    # A booked video appointment waits for its own staff member, not in the line.
    query = select(Chat).where(Chat.status == ChatStatus.WAITING, Chat.kind == ChatKind.CHAT)
    chats = list(db.session.scalars(query.order_by(Chat.created_at, Chat.id)))
    return line_of(chats, department_id)


def line_of(chats: list[Chat], department_id: int | None) -> list[Chat]:
    """`chats` (oldest first) in the order of `department_id`'s line: those handed to it
    first, each part still oldest first."""
    if department_id is None:
        return chats
    return sorted(chats, key=lambda chat: chat.department_id != department_id)


def latest_transfers(chat_ids) -> dict[int, ChatTransfer]:
    """The last hand-over of each of these chats (its note is for whoever takes it next)."""
    ids = list(chat_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(ChatTransfer)
        .where(ChatTransfer.chat_id.in_(ids))
        .order_by(ChatTransfer.chat_id, ChatTransfer.at, ChatTransfer.id)
    )
    return {transfer.chat_id: transfer for transfer in rows}


def take_chat(chat_id, staff: Staff) -> Chat:
    """The waiting chat is this agent's now, or ChatError: another agent took it first, or the
    agent holds as many chats as they may. A chat handed to a colleague is only theirs to
    take; one handed to a department waits for everyone, its department named in the list."""
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        raise ChatError("unknown_chat", field="chat_id")
    held = db.session.scalar(
        select(func.count())
        .select_from(Chat)
        .where(Chat.agent_id == staff.id, Chat.status == ChatStatus.ACTIVE)
    )
    if held >= current_app.config["CHAT_MAX_ACTIVE"]:
        raise ChatError("too_many_chats", limit=current_app.config["CHAT_MAX_ACTIVE"])
    now = utcnow()
    taken = db.session.execute(
        update(Chat)
        .where(
            Chat.id == chat_id,
            Chat.status == ChatStatus.WAITING,
            (Chat.agent_id.is_(None)) | (Chat.agent_id == staff.id),
        )
        .values(
            status=ChatStatus.ACTIVE,
            agent_id=staff.id,
            taken_at=func.coalesce(Chat.taken_at, now),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise ChatError("chat_taken" if db.session.get(Chat, chat_id) else "unknown_chat")
    chat = db.session.get(Chat, chat_id)
    db.session.refresh(chat)
    return chat


def held_chat(chat_id, staff: Staff) -> Chat:
    """A chat this agent holds now; anything else is "unknown" to them."""
    chat = db.session.get(Chat, chat_id) if isinstance(chat_id, int) else None
    if chat is None or chat.agent_id != staff.id or chat.status != ChatStatus.ACTIVE:
        raise ChatError("unknown_chat", field="chat_id")
    return chat


def transfer_chat(chat: Chat, staff: Staff, *, to_staff_id=None, to_department_id=None, note=""):
    """The chat waits again, for the colleague or department named, with a note for them."""
    note = checked_text(note, field="note", limit=NOTE_MAX, required=False, multiline=True)
    colleague = db.session.get(Staff, to_staff_id) if to_staff_id else None
    department = db.session.get(Department, to_department_id) if to_department_id else None
    if colleague is None and department is None:
        raise ChatError("transfer_target", field="to")
    if colleague is not None and (not colleague.active or colleague.id == staff.id):
        raise ChatError("transfer_target", field="to")
    db.session.add(
        ChatTransfer(
            chat_id=chat.id,
            from_staff_id=staff.id,
            to_staff_id=colleague.id if colleague else None,
            to_department_id=department.id if department else None,
            note=note,
            at=utcnow(),
        )
    )
    chat.status = ChatStatus.WAITING
    chat.agent_id = colleague.id if colleague else None
    chat.department_id = department.id if department else chat.department_id
    db.session.flush()
    return chat


def end_chat(chat: Chat, *, outcome: str | None, staff: Staff | None) -> Chat:
    """Closed: no more messages. The transcript goes to the record (chat.transcript)."""
    from chat.transcript import record_chat
    from chat.video_calls import end_call

    if chat.status == ChatStatus.ENDED:
        raise ChatError("chat_closed")
    end_call(chat.id)  # a video call still open ends with its chat
    chat.status = ChatStatus.ENDED
    chat.ended_at = utcnow()
    chat.outcome = outcome
    db.session.flush()
    record_chat(chat, staff)
    return chat


# --- the citizen's place in line ---------------------------------------------------------


def place_in_line(chat: Chat) -> int:
    """1 for the first in its line; the same rule as `places_in_line`, for one chat."""
    if chat.agent_id is not None:
        same_line = Chat.agent_id == chat.agent_id
    elif chat.department_id is not None:
        same_line = Chat.agent_id.is_(None) & (Chat.department_id == chat.department_id)
    else:
        same_line = Chat.agent_id.is_(None)
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Chat)
        .where(
            Chat.status == ChatStatus.WAITING,
            Chat.kind == ChatKind.CHAT,
            same_line,
            (Chat.created_at < chat.created_at)
            | ((Chat.created_at == chat.created_at) & (Chat.id < chat.id)),
        )
    )
    return ahead + 1


def places_in_line(chats: list[Chat]) -> dict[int, int]:
    """Each waiting chat's place, `chats` oldest first. A chat handed to a colleague waits
    behind that colleague's earlier ones only; one handed to a department behind that
    department's earlier ones (its agents take those first); any other behind every earlier
    chat that anyone may take."""
    places: dict[int, int] = {}
    by_agent: Counter = Counter()
    by_department: Counter = Counter()
    open_to_all = 0
    for chat in chats:
        if chat.agent_id is not None:
            by_agent[chat.agent_id] += 1
            places[chat.id] = by_agent[chat.agent_id]
            continue
        open_to_all += 1
        if chat.department_id is not None:
            by_department[chat.department_id] += 1
            places[chat.id] = by_department[chat.department_id]
        else:
            places[chat.id] = open_to_all
    return places


def expected_wait_minutes(place: int, agents: int, handling_seconds: float) -> int:
    """Whole minutes until an agent is free for the chat at `place`: the chats ahead shared by
    the agents online, each taking the usual time. Without agents: None is not promised."""
    per_chat = handling_seconds / max(agents, 1)
    return max(1, math.ceil((place - 1) * per_chat / 60) or 1)


def usual_handling_seconds(now: datetime | None = None) -> float:
    """The average time the last chats took with an agent, or the default."""
    rows = db.session.execute(
        select(Chat.taken_at, Chat.ended_at)
        .where(Chat.status == ChatStatus.ENDED, Chat.taken_at.is_not(None))
        .order_by(Chat.ended_at.desc())
        .limit(20)
    ).all()
    spans = [(ended - taken).total_seconds() for taken, ended in rows if ended and taken]
    return sum(spans) / len(spans) if spans else DEFAULT_HANDLING_SECONDS
