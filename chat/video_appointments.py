"""A booked video appointment opens a chat of kind video_appointment: the same page, the same
signalling and the same record as a video call that began in the chat widget.

Chat never reads the booking channel's tables: the office floor answers what a reference
stands for (office.visits.booked_visit) and owns the join link (office.video_visits).
"""

import secrets

from sqlalchemy import ForeignKey, String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from chat.errors import ChatError
from chat.models import Chat, ChatKind, ChatStatus
from chat.service import hash_token, start_chat
from core.database import utcnow
from core.unit_of_work import run_in_transaction
from extensions import db
from office import video_visits
from office.visits import BookedVisit, booked_visit


class VideoAppointment(db.Model):
    """The chat a booked video appointment meets in. One row per booking reference (its
    primary key): two first visits of the join link at once (the citizen and staff, or two
    tabs) cannot open two chats; the loser's insert fails and its retry finds the winner's."""

    __tablename__ = "chat_video_appointment"

    reference: Mapped[str] = mapped_column(String(20), primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"))


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


def appointment_chat(visit: BookedVisit, after=None):
    """The appointment's open chat, found or opened in a transaction of its own (retried when
    a rival opened it first); `after(chat)` runs in the same transaction (a staff member
    taking it, the citizen's page getting its key) and its answer is returned with the chat."""

    def work():
        chat = open_chat(visit)
        return chat, after(chat) if after else None

    return run_in_transaction(work, retry_if=lambda error: isinstance(error, IntegrityError))


def open_chat(visit: BookedVisit) -> Chat:
    link = db.session.get(VideoAppointment, visit.reference, with_for_update=True)
    chat = db.session.get(Chat, link.chat_id) if link else None
    if chat is not None and chat.status != ChatStatus.ENDED:
        return chat
    chat = new_chat(visit)
    if link is None:
        db.session.add(VideoAppointment(reference=visit.reference, chat_id=chat.id))
    else:  # the earlier chat ended (say, a dropped call ended by staff): a new one
        link.chat_id = chat.id
    db.session.flush()
    return chat


def new_chat(visit: BookedVisit) -> Chat:
    fields = {"kind": ChatKind.VIDEO_APPOINTMENT, "appointment_reference": visit.reference}
    try:
        chat, _token = start_chat(
            name=visit.name, phone=visit.phone, email=visit.email, language=visit.language,
            **fields,
        )  # fmt: skip
    except ChatError:  # an address the booking form let through but chat refuses: go without
        chat, _token = start_chat(name=visit.name, language=visit.language, **fields)
    chat.party_id = visit.party_id
    return chat


def citizen_pass(chat: Chat) -> str:
    """A fresh resume token for the citizen's join page (its socket resumes the chat with it).
    The join link is the citizen's key; a page opened before with it stops resuming."""
    token = secrets.token_urlsafe(24)
    chat.resume_token_hash = hash_token(token)
    return token
