"""The case record's tables. This part: the staff who work the desk, and their credentials."""

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import JSONText, UTCDateTime, text_enum, utcnow
from extensions import db


class Role(enum.StrEnum):
    ADMIN = "admin"
    COUNTER = "counter"
    CALL_AGENT = "call_agent"
    BACK_OFFICE = "back_office"


class Department(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Staff(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(text_enum(Role))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    # The office the clerk works at (office.models.Location, named by its table only: the desk
    # imports no floor beside it). Staff pages open on it; None opens on the first location.
    home_location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The secret being enrolled, until a first code confirms it (never in the session cookie).
    pending_totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_timestep: Mapped[int | None]
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)
    # Changing it signs the account out everywhere (password reset, deactivation, 2FA reset).
    session_version: Mapped[int] = mapped_column(default=1)
    preferred_language: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department | None] = relationship()

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None


class RecoveryCode(db.Model):
    """One-time codes for a lost authenticator; only a hash is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(db.Model):
    """A personal token for counter hardware and integrations; only its SHA-256 is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    staff: Mapped[Staff] = relationship()


# --- The case record: parties, their keys and addresses, cases, contact moments, tasks --------


class PartyKind(enum.StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class NotificationChannel(enum.StrEnum):
    SMS = "sms"
    EMAIL = "email"
    POST = "post"
    NONE = "none"


class Channel(enum.StrEnum):
    """Where a contact moment happened; NOTE is a staff note, not a contact with the citizen."""

    WEB = "web"
    SMS = "sms"
    CHAT = "chat"
    VIDEO = "video"
    PHONE = "phone"
    COUNTER = "counter"
    EMAIL = "email"
    POST = "post"
    NOTE = "note"


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


class VerifiedHow(enum.StrEnum):
    """How an address or identifier was shown to be the party's."""

    IDENTITY_DOCUMENT = "identity_document"  # staff checked an identity document
    SMS_REPLY = "sms_reply"  # the citizen answered from this number
    ONE_TIME_CODE = "one_time_code"  # the citizen typed a code sent to it
    IDENTITY_PROVIDER = "identity_provider"  # an eID / itsme sign-in (OpenID Connect) said so
    CHANNEL = "channel"  # a channel that knew it verified (before "how" was kept)


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    CLOSED = "closed"


class Party(db.Model):
    """A citizen, business or association; merged parties stay, pointing at their survivor."""

    __table_args__ = (
        # Name search is LIKE '%word%': a trigram index on PostgreSQL (pg_trgm); on SQLite the
        # same name is a plain index, so both schemas match the models.
        db.Index(
            "ix_party_search_name_trgm",
            "search_name",
            postgresql_using="gin",
            postgresql_ops={"search_name": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PartyKind] = mapped_column(text_enum(PartyKind), default=PartyKind.PERSON)
    name: Mapped[str] = mapped_column(String(200), default="")
    # fold_name(name): what the search box compares, the same on both databases.
    search_name: Mapped[str] = mapped_column(String(200), default="")
    preferred_language: Mapped[str | None] = mapped_column(String(5))
    preferred_channel: Mapped[NotificationChannel] = mapped_column(
        text_enum(NotificationChannel), default=NotificationChannel.NONE
    )
    # Geheimhouding: only admins and departments with a case of this party see the record.
    secret: Mapped[bool] = mapped_column(default=False)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    identifiers: Mapped[list["PartyIdentifier"]] = relationship(
        back_populates="party", order_by="PartyIdentifier.id"
    )
    addresses: Mapped[list["ContactAddress"]] = relationship(
        back_populates="party", order_by="ContactAddress.id"
    )
    merged_into: Mapped["Party | None"] = relationship(remote_side=[id])

    @property
    def display_name(self) -> str:
        return self.name or f"#{self.id}"


class PartyIdentifier(db.Model):
    """A national register or KBO number: a keyed hash to find it, a masked form to show it."""

    __table_args__ = (db.UniqueConstraint("kind", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    digest: Mapped[str] = mapped_column(String(64))
    masked: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Checked against an identity document: when, how (VerifiedHow) and by whom.
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_how: Mapped[str | None] = mapped_column(String(20))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    party: Mapped[Party] = relationship(back_populates="identifiers")
    verified_by: Mapped[Staff | None] = relationship()


class ContactAddress(db.Model):
    """A phone (E.164) or e-mail (lower-case); only a verified one can match a person by itself."""

    __table_args__ = (db.Index("ix_contact_address_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "phone" | "email"
    value: Mapped[str] = mapped_column(String(254))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How it was verified (VerifiedHow) and, when staff checked it, by whom.
    verified_how: Mapped[str | None] = mapped_column(String(20))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    is_default: Mapped[bool] = mapped_column(default=False)
    # Consent per purpose, never assumed: off until the citizen says yes to that purpose (a form
    # or an API call that asked it: record.set_contact_consent). Marketing is never a purpose.
    consent_reminders: Mapped[bool] = mapped_column(default=False)
    consent_queue_alerts: Mapped[bool] = mapped_column(default=False)
    consent_case_updates: Mapped[bool] = mapped_column(default=False)
    consent_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where the citizen last answered (a code: "appointments.web", "counter.follow", "desk"),
    # beside when (`consent_changed_at`); None while nobody asked them.
    consent_source: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    party: Mapped[Party] = relationship(back_populates="addresses")
    verified_by: Mapped[Staff | None] = relationship()


class Representation(db.Model):
    """One party acts for another (a daughter for her father), on a basis, for a time."""

    id: Mapped[int] = mapped_column(primary_key=True)
    representative_id: Mapped[int] = mapped_column(ForeignKey("party.id"), index=True)
    represented_id: Mapped[int] = mapped_column(ForeignKey("party.id"), index=True)
    basis: Mapped[str] = mapped_column(String(100))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    representative: Mapped[Party] = relationship(foreign_keys=[representative_id])
    represented: Mapped[Party] = relationship(foreign_keys=[represented_id])


class Case(db.Model):
    """A dossier of one party, owned by a department; confidential ones stay inside it."""

    __tablename__ = "case_file"  # CASE is an SQL keyword

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[CaseStatus] = mapped_column(text_enum(CaseStatus), default=CaseStatus.OPEN)
    due_date: Mapped[date | None]
    confidential: Mapped[bool] = mapped_column(default=False)
    retention_until: Mapped[date | None]
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    party: Mapped[Party] = relationship()
    department: Mapped[Department] = relationship()
    owner: Mapped[Staff | None] = relationship()
    history: Mapped[list["CaseStatusChange"]] = relationship(
        back_populates="case", order_by="CaseStatusChange.id"
    )


class CaseStatusChange(db.Model):
    """Every status a case has had, and who set it; the first row is the opening."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    from_status: Mapped[CaseStatus | None] = mapped_column(text_enum(CaseStatus))
    to_status: Mapped[CaseStatus] = mapped_column(text_enum(CaseStatus))
    note: Mapped[str] = mapped_column(String(500), default="")
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="history")
    staff: Mapped[Staff | None] = relationship()


class Interaction(db.Model):
    """One contact moment on any channel. Append-only: a correction is a new interaction.

    Only `party_id` may change after insert, and only by a merge or its undo; a trigger in the
    database refuses any other update.
    """

    __table_args__ = (
        # The 360° timeline: one party, newest first, keyset-paged on (started_at, id).
        db.Index("ix_interaction_timeline", "party_id", "started_at", "id"),
        db.Index("ix_interaction_case_timeline", "case_id", "started_at", "id"),
        db.Index("ix_interaction_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"))
    channel: Mapped[Channel] = mapped_column(text_enum(Channel, length=10))
    direction: Mapped[Direction] = mapped_column(text_enum(Direction, length=10))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What staff read is rendered from the codes in the reader's language
    # (desk.interaction_texts); the text is the default language's words, kept for search and
    # for rows written before codes (a staff note's text is only text).
    subject: Mapped[str] = mapped_column(String(200))
    subject_code: Mapped[str | None] = mapped_column(String(60))
    subject_params: Mapped[dict | None] = mapped_column(JSONText)
    summary: Mapped[str] = mapped_column(db.Text, default="")
    summary_code: Mapped[str | None] = mapped_column(String(60))
    summary_params: Mapped[dict | None] = mapped_column(JSONText)
    outcome: Mapped[str | None] = mapped_column(String(200))  # a code, or older free text
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    representative_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"))
    # What the contact concerns, e.g. ("appointment", 12): channels own those tables.
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    party: Mapped[Party] = relationship(foreign_keys=[party_id])
    case: Mapped[Case | None] = relationship()
    staff: Mapped[Staff | None] = relationship()
    representative: Mapped[Party | None] = relationship(foreign_keys=[representative_id])


class Task(db.Model):
    """A follow-up or callback request (contactverzoek) for a person or a department."""

    __table_args__ = (
        db.CheckConstraint("assignee_id IS NOT NULL OR department_id IS NOT NULL", name="assigned"),
        db.Index("ix_task_department_open", "department_id", "done_at"),
        db.Index("ix_task_assignee_open", "assignee_id", "done_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="follow_up")  # | "callback"
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(db.Text, default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    party: Mapped[Party] = relationship()
    case: Mapped[Case | None] = relationship()
    assignee: Mapped[Staff | None] = relationship(foreign_keys=[assignee_id])
    department: Mapped[Department | None] = relationship()
    done_by: Mapped[Staff | None] = relationship(foreign_keys=[done_by_id])


class AccessLog(db.Model):
    """Who looked at or changed whose record, when and why. Append-only (trigger-enforced)."""

    __table_args__ = (
        db.Index("ix_access_log_party_at", "party_id", "at"),
        db.Index("ix_access_log_staff_at", "staff_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"))
    action: Mapped[str] = mapped_column(String(20))  # view | search | export | change | merge
    purpose: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(200), default="")  # rows before detail codes
    # What was read or changed, as a code with parameters (desk.labels.access_detail).
    detail_code: Mapped[str | None] = mapped_column(String(60))
    detail_params: Mapped[dict | None] = mapped_column(JSONText)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff: Mapped[Staff] = relationship()


class MergeRecord(db.Model):
    """One merge: what moved from the absorbed party to the survivor, so it can be undone."""

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("party.id"), index=True)
    absorbed_id: Mapped[int] = mapped_column(ForeignKey("party.id"), index=True)
    snapshot: Mapped[dict] = mapped_column(db.JSON)
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    survivor: Mapped[Party] = relationship(foreign_keys=[survivor_id])
    absorbed: Mapped[Party] = relationship(foreign_keys=[absorbed_id])
    merged_by: Mapped[Staff | None] = relationship(foreign_keys=[merged_by_id])


class DuplicateSuggestion(db.Model):
    """Two parties that share an unverified phone or e-mail: a person decides, never the code."""

    __table_args__ = (db.UniqueConstraint("party_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("party.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # "phone" | "email"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(20))  # "merged" | "dismissed"

    party: Mapped[Party] = relationship(foreign_keys=[party_id])
    candidate: Mapped[Party] = relationship(foreign_keys=[candidate_id])
