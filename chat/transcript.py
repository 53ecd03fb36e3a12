"""An ended chat on the party's timeline: one interaction (channel chat) with the transcript,
the wait, the agent and the outcome.

The subject and the outcome are codes with parameters (desk.interaction_texts), so each reader
reads them in their own language; the transcript is what people typed, kept as text.
"""

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from chat.models import Author, Chat
from core.time import local_clock, local_moment
from desk import record
from desk.interaction_texts import in_default_language, in_languages, register_texts
from desk.models import Staff
from desk.record.common import SUMMARY_MAX
from desk.signals import link_names
from extensions import db
from office.models import Service

SUBJECT = "chat.subject"
SUBJECT_TOPIC = "chat.subject_topic"
# The outcomes an agent ends a chat with (and the citizen's leaving), as codes.
OUTCOMES = {
    "chat.answered": _l("Question answered"),
    "chat.follow_up": _l("Needs a follow-up"),
    "chat.referred": _l("Referred elsewhere"),
    "chat.left": _l("The citizen left the chat"),
}
AGENT_OUTCOMES = ("chat.answered", "chat.follow_up", "chat.referred")

register_texts(
    {
        SUBJECT: _l("Chat (waited %(wait_minutes)s min)"),
        SUBJECT_TOPIC: _l("Chat: %(topic)s (waited %(wait_minutes)s min)"),
        **OUTCOMES,
        # access-log details (desk.record.access_log) of the console's search and attach
        "chat.attached": _l("Citizen of chat %(chat)s added to this record"),
        "chat.new_record": _l("New record for the citizen of chat %(chat)s"),
    }
)


@link_names.connect
def chat_names(_sender, *, link_type: str, ids, **_kwargs) -> dict[int, str] | None:
    """A chat on the timeline is named by when it started ("Chat 6 dec 2026 14:03")."""
    if link_type != "chat" or not ids:
        return None
    rows = db.session.execute(select(Chat.id, Chat.created_at).where(Chat.id.in_(ids)))
    return {chat_id: local_moment(started) for chat_id, started in rows}


def wait_minutes(chat: Chat) -> int:
    end = chat.taken_at or chat.ended_at or chat.created_at
    return max(0, round((end - chat.created_at).total_seconds() / 60))


def transcript_text(chat: Chat) -> str:
    """ "14:03 Name: text" a line per message, in the municipality's language for the labels."""
    lines = []
    agents: dict[int, str] = {}
    for message in chat.messages:
        if message.author == Author.CITIZEN:
            who = chat.citizen_name
        elif message.author == Author.AGENT:
            if message.staff_id not in agents:
                staff = db.session.get(Staff, message.staff_id)
                agents[message.staff_id] = staff.name if staff else _("Agent")
            who = agents[message.staff_id]
        else:
            who = _("Loket")
        lines.append(f"{local_clock(message.sent_at)} {who}: {message.text}")
    text = "\n".join(lines)
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1] + "…"


def subject_of(chat: Chat) -> tuple[str, dict]:
    params: dict = {"wait_minutes": wait_minutes(chat)}
    service = db.session.get(Service, chat.service_id) if chat.service_id else None
    if service is not None:
        params["topic"] = in_languages(service.name_in)
        return SUBJECT_TOPIC, params
    if chat.topic:
        params["topic"] = chat.topic
        return SUBJECT_TOPIC, params
    return SUBJECT, params


def party_of(chat: Chat) -> int:
    """The party staff attached; else the record's own conservative matching (an unverified
    address never joins two records: it only suggests a duplicate)."""
    if chat.party_id is not None:
        return chat.party_id
    party = record.find_or_create_party(
        name=chat.citizen_name, phone=chat.phone, email=chat.email, language=chat.language
    )
    chat.party_id = party.id
    return party.id


def record_chat(chat: Chat, staff: Staff | None) -> None:
    code, params = subject_of(chat)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        summary = transcript_text(chat)
    interaction = record.record_interaction(
        party=party_of(chat),
        channel="chat",
        direction="inbound",
        subject=in_default_language(code, params),
        subject_code=code,
        subject_params=params,
        summary=summary,
        outcome=chat.outcome,
        staff=staff or (db.session.get(Staff, chat.agent_id) if chat.agent_id else None),
        started_at=chat.created_at,
        ended_at=chat.ended_at,
        link_type="chat",
        link_id=chat.id,
    )
    chat.interaction_id = interaction.id
    db.session.flush()
