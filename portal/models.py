"""The portal's own tables: citizens' sessions and the one-time codes that open them.

Neither stores anything a thief could use: the session row is found by a hash of the token in
the cookie, a code by a keyed hash of the code, an address by a keyed hash of the address.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.database import UTCDateTime, utcnow
from extensions import db


class CitizenSession(db.Model):
    """One signed-in citizen on one browser; ended on sign-out or after inactivity."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), index=True)
    # Whom the citizen acts for now (a representation they hold), None: for themselves.
    acting_for_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"))
    representation_id: Mapped[int | None] = mapped_column(
        ForeignKey("representation.id", ondelete="SET NULL")
    )
    signed_in_how: Mapped[str] = mapped_column(String(20))  # one_time_code | oidc
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInCode(db.Model):
    """A one-time code asked for an address; a row exists whether the address is known or not,
    so both answers cost the same."""

    id: Mapped[int] = mapped_column(primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(64), index=True)
    # The party and address the code opens; None when the address is not in the record.
    party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"))
    # A code never stands in the way of removing an address: it then opens nothing.
    address_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_address.id", ondelete="SET NULL")
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    tries: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
