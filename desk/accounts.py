"""Staff accounts: passwords, lock-out, the TOTP second factor, recovery codes and API tokens.

Services here take plain values and raise AccountError; the views turn errors into messages.
"""

import hashlib
import secrets
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from core.database import utcnow
from desk.models import ApiToken, Department, RecoveryCode, Role, Staff
from extensions import db

password_hasher = PasswordHasher()  # argon2id with the library's current recommended cost


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
    *, email: str, name: str, role: Role, password: str, department_id: int | None = None
) -> Staff:
    if find_staff_by_email(email):
        raise AccountError("email_taken")
    staff = Staff(
        email=normalise_email(email),
        name=name.strip(),
        role=Role(role),
        password_hash=hash_password(password),
        department_id=department_id,
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


def staff_for_api_token(token: str) -> Staff | None:
    row = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.staff.active:
        return None
    row.last_used_at = utcnow()
    return row.staff


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
