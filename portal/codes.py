"""One-time codes: six digits to a phone or e-mail address the record holds, valid ten minutes,
five tries.

Asking for a code always writes a row and answers the same, known address or not, so nobody can
learn from Loket whether an address is in the record; only a known address is sent the code. A
code is kept as a keyed hash and compared in constant time; an address likewise only as a hash.
An address opens a party only when that is unambiguous: the live party whose *verified* address
it is, else the one live party that holds it; an address that several people share opens none
(joining the wrong person to a record would show them another's file).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from core.database import utcnow
from desk import identifiers, record
from desk.interaction_texts import register_texts
from desk.models import ContactAddress, Party, VerifiedHow
from extensions import db
from portal.models import SignInCode
from sms import outbox
from sms.texts import first_line, language_of

CODE_DIGITS = 6
VALID_FOR = timedelta(minutes=10)
MAX_TRIES = 5
PURPOSE = "sign_in_code"
ASKED = "portal.reason.asked_to_sign_in"  # why it went out, on the staff messages page

register_texts({ASKED: _l("the citizen asked for it to sign in to Mijn Loket")})


class CodeRefused(Exception):
    """The typed code opens nothing; `reason`: wrong | spent (expired, used or out of tries)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Address:
    kind: str  # phone | email
    value: str  # E.164 or lower-case mailbox


def read_address(raw: str) -> Address | None:
    """What a citizen typed, as the record stores it; None when it is neither."""
    raw = (raw or "").strip()
    if "@" in raw:
        value = identifiers.mailbox(raw)
        return Address("email", value) if value else None
    value = identifiers.e164(raw)
    return Address("phone", value) if value else None


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, b"loket portal sign-in codes v1", hashlib.sha256).digest()


def keyed_hash(text: str) -> str:
    return hmac.new(_key(), text.encode(), hashlib.sha256).hexdigest()


def address_hash(address: Address) -> str:
    return keyed_hash(f"address:{address.kind}:{address.value}")


def _code_hash(row_salt: str, code: str) -> str:
    return keyed_hash(f"code:{row_salt}:{code}")


def holder(address: Address) -> ContactAddress | None:
    """The address row that says unambiguously whose address this is, or None."""
    rows = db.session.scalars(
        select(ContactAddress).where(
            ContactAddress.kind == address.kind, ContactAddress.value == address.value
        )
    ).all()
    verified = [row for row in rows if row.verified_at is not None]
    candidates = verified or rows
    parties = {record.live_party(db.session.get(Party, row.party_id)).id for row in candidates}
    return candidates[0] if len(parties) == 1 else None


def request_code(address: Address, language: str) -> SignInCode:
    """A code row for this address, and the code in the outbox when the record holds it.
    Does not commit."""
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = utcnow()
    found = holder(address)
    row = SignInCode(
        address_hash=address_hash(address),
        party_id=record.live_party(found.party).id if found else None,
        address_id=found.id if found else None,
        code_hash="",
        created_at=now,
        expires_at=now + VALID_FOR,
    )
    db.session.add(row)
    db.session.flush()
    row.code_hash = _code_hash(str(row.id), code)
    if found is not None:
        _send(row, address, code, language)
    return row


def _send(row: SignInCode, address: Address, code: str, language: str) -> None:
    """Through the outbox like every message, for the party: it is among the messages sent to
    them, hidden like theirs when their record is secret; the timeline names it by purpose and
    keeps no copy of the code (sms.case_record.SECRET_BODIES)."""
    language = language_of(language)
    with force_locale(language):
        subject = _("your code for Mijn Loket")
        body = "\n".join(
            [
                first_line(subject),
                _("Your code is %(code)s. It works for 10 minutes.", code=code),
                _("Never give this code to anyone, not even to us."),
            ]
        )
    outbox.queue_message(
        key=f"portal.sign_in_code.{row.id}",
        channel=address.kind if address.kind == "email" else "sms",
        recipient=address.value,
        subject=first_line(subject) if address.kind == "email" else "",
        body=body,
        purpose=PURPOSE,
        language=language,
        party_id=row.party_id,
        expires_at=row.expires_at,
        reason=ASKED,
    )


def check_code(code_id: int | None, typed: str) -> SignInCode:
    """The code row the typed code opens (its party verified the address by it), or
    CodeRefused. Every try counts, right or wrong. Does not commit."""
    row = db.session.get(SignInCode, code_id) if code_id else None
    now = utcnow()
    if row is None or row.used_at is not None or row.expires_at <= now or row.tries >= MAX_TRIES:
        raise CodeRefused("spent")
    row.tries += 1
    typed = "".join(ch for ch in typed or "" if not ch.isspace())
    right = hmac.compare_digest(row.code_hash, _code_hash(str(row.id), typed))
    if not right or row.address_id is None:
        db.session.flush()
        raise CodeRefused("wrong" if row.tries < MAX_TRIES else "spent")
    row.used_at = now
    address = db.session.get(ContactAddress, row.address_id)
    # Named by its own party: after a merge the row may still be the absorbed party's.
    record.verify_address(
        party=address.party_id, address=address, staff=None, how=VerifiedHow.ONE_TIME_CODE
    )
    db.session.flush()
    return row


def forget_spent_codes() -> int:
    """Delete codes that expired more than a day ago (the limits and tries need them no
    longer). The scheduler's job `portal.forget_sign_ins`; returns how many went."""
    gone = db.session.execute(
        delete(SignInCode).where(SignInCode.expires_at < utcnow() - timedelta(days=1))
    ).rowcount
    db.session.commit()
    return gone
