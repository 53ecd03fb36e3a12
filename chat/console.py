"""What the agents' console shows: the waiting chats an agent may take, and one held chat with
its messages, canned answers, transfer targets, and the citizen's record (the party panels
every channel contributes, or the search-and-attach when the chat is on no record yet)."""

from flask import current_app, render_template, url_for
from sqlalchemy import select

from chat import canned, service
from chat.notices import topic_of
from chat.transcript import AGENT_OUTCOMES, OUTCOMES
from core.database import utcnow
from desk import access, record, search
from desk.models import Department, Party, Role, Staff
from desk.panels import party_panels
from extensions import db

AGENT_ROLES = (Role.CALL_AGENT, Role.BACK_OFFICE, Role.ADMIN)


def is_agent(staff: Staff) -> bool:
    return staff.active and staff.role in AGENT_ROLES


def waiting_for(staff: Staff) -> list[dict]:
    """The line as this agent's department sees it (chats handed to it first), with the
    mark and note of a chat handed over."""
    now = utcnow()
    chats = [
        chat
        for chat in service.waiting_chats(staff.department_id)
        if chat.agent_id in (None, staff.id)
    ]
    transfers = service.latest_transfers(chat.id for chat in chats)
    return [
        {
            "chat": chat,
            "topic": topic_of(chat),
            "wait_minutes": int((now - chat.created_at).total_seconds() // 60),
            "to_you": chat.agent_id == staff.id,
            "department": db.session.get(Department, chat.department_id)
            if chat.department_id
            else None,
            "transfer": transfers.get(chat.id),
        }
        for chat in chats
    ]


def handed_over(chat) -> dict | None:
    """The chat's last hand-over, for the agent who took it: who handed it over, the note."""
    transfer = service.latest_transfers([chat.id]).get(chat.id)
    if transfer is None:
        return None
    by = db.session.get(Staff, transfer.from_staff_id) if transfer.from_staff_id else None
    return {"by": by.name if by else "", "note": transfer.note, "at": transfer.at}


def outcome_choices() -> list[tuple[str, str]]:
    return [(code, str(OUTCOMES[code])) for code in AGENT_OUTCOMES]


def transfer_choices(staff: Staff) -> list[tuple[str, str]]:
    colleagues = db.session.scalars(
        select(Staff)
        .where(Staff.active.is_(True), Staff.id != staff.id, Staff.role.in_(AGENT_ROLES))
        .order_by(Staff.name)
    ).all()
    departments = db.session.scalars(select(Department).order_by(Department.name)).all()
    return (
        [("", "")]
        + [(f"staff:{c.id}", c.name) for c in colleagues]
        + [(f"department:{d.id}", d.name) for d in departments]
    )


def chat_page(chat, staff: Staff, *, query: str = "") -> str:
    party = None
    panels = []
    if chat.party_id is not None:
        party = record.live_party(db.session.get(Party, chat.party_id))
        if access.can_see_party(staff, party):
            panels = party_panels(party, staff)
            record.log_access(
                staff=staff,
                party_ids=party.id,
                action="view",
                purpose="contact",
                detail=f"chat console, chat {chat.id}",
            )
        else:
            party = None
    attach = None
    if chat.party_id is None or query:
        attach = {
            "query": query,
            "candidates": search.attach_candidates(
                staff, query=query, phone=chat.phone, email=chat.email
            ),
            "search_action": url_for("chat.console_chat", chat_id=chat.id),
            "search_hidden": {},
            "attach_action": url_for("chat.attach", chat_id=chat.id),
            "hidden": {},
            "new_name": chat.citizen_name,
        }
        if attach["candidates"]:
            search.log_shown(staff, attach["candidates"])
    return render_template(
        "chat/console_chat.html",
        chat=chat,
        topic=topic_of(chat),
        messages=service.messages_after(chat.id, 0),
        answers=canned.answers(chat.language),
        transfer_choices=transfer_choices(staff),
        outcomes=outcome_choices(),
        handed_over=handed_over(chat),
        party=party,
        panels=panels,
        attach=attach,
        message_max=current_app.config["CHAT_MESSAGE_MAX"],
    )
