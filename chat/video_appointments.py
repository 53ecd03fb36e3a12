"""A booked video appointment opens a chat of kind video_appointment: the same page, the same
signalling and the same record as a video call that began in the chat widget.

Chat never reads the booking channel's tables: the office floor answers what a reference
stands for (office.visits.booked_visit) and owns the join link (office.video_visits).
"""

import secrets

from sqlalchemy import select

from chat.errors import ChatError
from chat.models import Chat, ChatKind, ChatStatus
from chat.service import hash_token, start_chat
from core.database import utcnow
from extensions import db
from office import video_visits
from office.visits import BookedVisit, booked_visit


def video_visit(reference: str | None) -> BookedVisit | None:
    """The booking behind a join link, when it is a video appointment that still holds."""
    visit = booked_visit(reference=reference) if reference else None
    if visit is None or visit.status == "cancelled":
        return None
    return visit if video_visits.is_online(visit.location_id) else None


def window_of(visit: BookedVisit):
    return video_visits.join_window(visit.starts_at, visit.ends_at or visit.starts_at)


def is_open(visit: BookedVisit) -> bool:
    opens, closes = window_of(visit)
    return opens <= utcnow() <= closes


def appointment_chat(visit: BookedVisit) -> Chat:
    """The appointment's open chat, or a new one: citizen and staff meet in the same chat."""
    chat = db.session.scalar(
        select(Chat)
        .where(
            Chat.kind == ChatKind.VIDEO_APPOINTMENT,
            Chat.appointment_reference == visit.reference,
            Chat.status != ChatStatus.ENDED,
        )
        .order_by(Chat.id.desc())
        .limit(1)
    )
    if chat is not None:
        return chat
    try:
        chat, _token = start_chat(
            name=visit.name, phone=visit.phone, email=visit.email, language=visit.language,
            kind=ChatKind.VIDEO_APPOINTMENT, appointment_reference=visit.reference,
        )  # fmt: skip
    except ChatError:  # an address the booking form let through but chat refuses: go without
        chat, _token = start_chat(
            name=visit.name, language=visit.language,
            kind=ChatKind.VIDEO_APPOINTMENT, appointment_reference=visit.reference,
        )  # fmt: skip
    chat.party_id = visit.party_id
    return chat


def citizen_pass(chat: Chat) -> str:
    """A fresh resume token for the citizen's join page (its socket resumes the chat with it).
    The join link is the citizen's key; a page opened before with it stops resuming."""
    token = secrets.token_urlsafe(24)
    chat.resume_token_hash = hash_token(token)
    return token
