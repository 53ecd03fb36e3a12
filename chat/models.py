"""The chat's tables. A chat is one conversation between a citizen and (in turn) agents.

Two rules live in the database: a message's `seq` is unique per chat (replay after a reconnect
asks for "everything after seq n", so a number must never repeat), and taking a waiting chat is
one conditional UPDATE (chat.service.take_chat), so two agents can never both hold it.
"""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import UTCDateTime, text_enum, utcnow
from extensions import db


class ChatStatus(enum.StrEnum):
    WAITING = "waiting"
    ACTIVE = "active"
    ENDED = "ended"


class ChatKind(enum.StrEnum):
    CHAT = "chat"  # started from the widget on a public page
    VIDEO_APPOINTMENT = "video_appointment"  # opened for a booked video appointment


class Author(enum.StrEnum):
    CITIZEN = "citizen"
    AGENT = "agent"
    SYSTEM = "system"


class Chat(db.Model):
    __table_args__ = (
        # The console's waiting list: oldest first; created_at is the place in line.
        Index("ix_chat_status_created", "status", "created_at"),
        Index("ix_chat_agent_status", "agent_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ChatKind] = mapped_column(text_enum(ChatKind), default=ChatKind.CHAT)
    status: Mapped[ChatStatus] = mapped_column(text_enum(ChatStatus), default=ChatStatus.WAITING)
    citizen_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164 (desk.identifiers)
    email: Mapped[str | None] = mapped_column(String(254))  # normalised (desk.identifiers)
    # The citizen agreed that we answer later at that phone or e-mail, about this question only.
    contact_consent: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(5), default="nl")
    # What the citizen asks about: an office service, or nothing (a free question).
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))
    topic: Mapped[str] = mapped_column(String(200), default="")
    # Only a hash (sha256) of the resume token: the citizen's browser holds the token.
    resume_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # Transferred to a department: waiting again, for that department's agents first.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    # A booked video appointment's reference (appointments side; by value, not a foreign key).
    appointment_reference: Mapped[str | None] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(40))  # a code (chat.outcomes)
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interaction.id"))
    last_seq: Mapped[int] = mapped_column(default=0)  # the last message's seq

    messages: Mapped[list["ChatMessage"]] = relationship(
        back_populates="chat", order_by="ChatMessage.seq"
    )


class ChatMessage(db.Model):
    __table_args__ = (UniqueConstraint("chat_id", "seq", name="uq_chat_message_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"))
    seq: Mapped[int]
    author: Mapped[Author] = mapped_column(text_enum(Author))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    text: Mapped[str] = mapped_column(Text)  # as typed; templates escape it
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    chat: Mapped[Chat] = relationship(back_populates="messages")


class ChatTransfer(db.Model):
    """A chat handed to a colleague or a department, with a note for whoever takes it."""

    __table_args__ = (
        db.CheckConstraint(
            "to_staff_id IS NOT NULL OR to_department_id IS NOT NULL", name="transfer_target"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"), index=True)
    from_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    to_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    to_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CannedAnswer(db.Model):
    """A ready answer agents insert with one choice; admins write them per language."""

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(5), index=True)
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
