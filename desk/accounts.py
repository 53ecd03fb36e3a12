"""Staff accounts: passwords, lock-out, the TOTP second factor, recovery codes and API tokens.

Services here take plain values and raise AccountError; the views turn errors into messages.
"""

import contextlib
import functools
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import bindparam, func, select, update

from core.database import utcnow
from core.unit_of_work import after_commit
from desk import signals
from desk.models import ApiToken, Department, RecoveryCode, Role, Staff
from extensions import db

password_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


class AccountError(Exception):
    """A user-caused problem with an account; `code` names it for messages and the API."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def password_matches(staff: Staff, password: str) -> bool:
    try:
        password_hasher.verify(staff.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if password_hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    return True


def find_staff_by_email(email: str) -> Staff | None:
    return db.session.scalar(select(Staff).where(func.lower(Staff.email) == normalise_email(email)))


def get_or_create_department(code: str, name: str | None = None) -> Department:
    department = db.session.scalar(select(Department).where(Department.code == code))
    if department is None:
        department = Department(code=code, name=name or code.replace("_", " ").title())
        db.session.add(department)
        db.session.flush()
    return department


def create_staff(
    *,
    email: str,
    name: str,
    role: Role,
    password: str,
    department_id: int | None = None,
    home_location_id: int | None = None,
) -> Staff:
    if find_staff_by_email(email):
        raise AccountError("email_taken")
    staff = Staff(
        email=normalise_email(email),
        name=name.strip(),
        role=Role(role),
        password_hash=hash_password(password),
        department_id=department_id,
        home_location_id=home_location_id,
    )
    db.session.add(staff)
    db.session.flush()
    return staff


def create_api_token(staff: Staff) -> str:
    """Returns the token once; only its hash is stored."""
    token = "lkt_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(staff_id=staff.id, token_hash=token_digest(token)))
    return token


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Built once: every API request reads its token and staff member in this one round trip.
TOKEN_AND_STAFF = (
    select(Staff, ApiToken.id, ApiToken.last_used_at)
    .join(ApiToken, ApiToken.staff_id == Staff.id)
    .where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None))
)
TOKEN_USED = (
    update(ApiToken)
    .where(ApiToken.id == bindparam("token_id"))
    .values(last_used_at=bindparam("now"))
    .execution_options(synchronize_session=False)
)


def staff_for_api_token(token: str) -> Staff | None:
    row = db.session.execute(TOKEN_AND_STAFF, {"digest": token_digest(token)}).first()
    if row is None or not row.Staff.active:
        return None
    staff, token_id, last_used_at = row
    now = utcnow()
    # At most one write a minute: counters pressing Call next must not queue on this row.
    if last_used_at is None or now - last_used_at > TOKEN_USE_RESOLUTION:
        db.session.execute(TOKEN_USED, {"token_id": token_id, "now": now})
    return staff


def lock_window(config) -> timedelta:
    return timedelta(minutes=config["LOGIN_LOCK_MINUTES"])


def new_totp_secret() -> str:
    return pyotp.random_base32()


def recovery_codes_for(staff: Staff, count: int = 10) -> list[str]:
    """Replaces any earlier codes; returns the new ones in clear text, once."""
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.staff_id == staff.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(count)]
    for code in codes:
        db.session.add(RecoveryCode(staff_id=staff.id, code_hash=hash_password(code)))
    return codes


# --- signing in -----------------------------------------------------------------------------


def check_password(email: str, password: str, config) -> Staff:
    """First step of sign-in. Failures count towards a temporary lock of the account.

    Every refusal is "bad_credentials", and every attempt costs one password hash check, an
    unknown address included: neither the answer nor its timing tells whether an account
    exists or is locked."""
    staff = find_staff_by_email(email)
    if staff is None:
        _verify_against_dummy(password)
        raise AccountError("bad_credentials")
    matches = password_matches(staff, password)
    if staff.locked_until and staff.locked_until > utcnow():
        raise AccountError("bad_credentials")
    if not matches:
        register_failure(staff, config)
        raise AccountError("bad_credentials")
    if not staff.active:
        raise AccountError("bad_credentials")
    return staff


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(16))


def _verify_against_dummy(password: str) -> None:
    """The same argon2 work as a real check, for an address without an account."""
    with contextlib.suppress(VerificationError, InvalidHashError):
        password_hasher.verify(_dummy_hash(), password)


def register_failure(staff: Staff, config) -> None:
    staff.failed_logins += 1
    if staff.failed_logins >= config["LOGIN_MAX_FAILURES"]:
        staff.locked_until = utcnow() + lock_window(config)
        staff.failed_logins = 0


def totp_for(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret)


def matching_timestep(secret: str, code: str, at=None) -> int | None:
    """The 30-second step whose code this is (one step of clock drift allowed either way)."""
    totp = totp_for(secret)
    now = (at or utcnow()).timestamp()
    current = totp.timecode(datetime.fromtimestamp(now, UTC))
    for step in (current, current - 1, current + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def clean_code(code: str) -> str:
    return "".join(code.split()).lower()


def verify_second_factor(staff: Staff, code: str, config) -> str:
    """Accepts a fresh TOTP code or an unused recovery code; returns which one was used."""
    if staff.locked_until and staff.locked_until > utcnow():
        raise AccountError("locked")
    code = clean_code(code)
    if "-" in code:
        for recovery in db.session.scalars(
            select(RecoveryCode).where(
                RecoveryCode.staff_id == staff.id, RecoveryCode.used_at.is_(None)
            )
        ):
            try:
                password_hasher.verify(recovery.code_hash, code)
            except (VerificationError, InvalidHashError):
                continue
            recovery.used_at = utcnow()
            return "recovery_code"
        register_failure(staff, config)
        raise AccountError("bad_code")
    step = matching_timestep(staff.totp_secret, code)
    if step is None:
        register_failure(staff, config)
        raise AccountError("bad_code")
    if staff.totp_last_timestep is not None and step <= staff.totp_last_timestep:
        raise AccountError("code_reused")
    staff.totp_last_timestep = step
    return "totp"


def enrolment_secret(staff: Staff) -> str:
    """The secret the authenticator app is being set up with, kept on the account (server-side)
    until `enrol_second_factor` confirms it."""
    if staff.pending_totp_secret is None:
        staff.pending_totp_secret = new_totp_secret()
    return staff.pending_totp_secret


def enrol_second_factor(staff: Staff, code: str) -> list[str]:
    """Confirms the authenticator with one code, then issues the recovery codes."""
    secret = staff.pending_totp_secret
    step = matching_timestep(secret, clean_code(code)) if secret else None
    if step is None:
        raise AccountError("bad_code")
    staff.totp_secret, staff.pending_totp_secret = secret, None
    staff.totp_last_timestep = step
    return recovery_codes_for(staff)


def complete_sign_in(staff: Staff) -> None:
    staff.failed_logins = 0
    staff.locked_until = None
    staff.last_login_at = utcnow()


def provisioning_uri(staff: Staff, secret: str, issuer: str) -> str:
    return totp_for(secret).provisioning_uri(name=staff.email, issuer_name=issuer)


# --- administration -------------------------------------------------------------------------


def end_sessions(staff: Staff) -> None:
    """Every session of this staff member ends (the session version is in each one's user
    id, see desk.auth.load_staff); their open Socket.IO connections close after the commit."""
    staff.session_version += 1
    after_commit(
        signals.staff_signed_out.send, current_app._get_current_object(), staff_id=staff.id
    )


def reset_second_factor(staff: Staff) -> None:
    staff.totp_secret = None
    staff.totp_last_timestep = None
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.staff_id == staff.id))
    end_sessions(staff)


def set_active(staff: Staff, active: bool, acting: Staff) -> None:
    if staff.id == acting.id and not active:
        raise AccountError("cannot_deactivate_self")
    staff.active = active
    if not active:
        end_sessions(staff)


def set_password(staff: Staff, password: str) -> None:
    staff.password_hash = hash_password(password)
    end_sessions(staff)


def unlock(staff: Staff) -> None:
    staff.failed_logins = 0
    staff.locked_until = None
