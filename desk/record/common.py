"""What every subject of the record checks before it writes: plain values and the rows callers
name by object or id.

Each subject's module (parties, interactions, cases, ...) refuses bad input the same way, with
the same codes (desk.errors), so these checks live once, here, and nothing here writes.
"""

from datetime import datetime

from sqlalchemy import select

from desk.errors import InvalidInput, NotFound
from desk.models import Department, Staff
from extensions import db

LANGUAGES = ("nl", "fr", "en", "de")
PURPOSES = ("contact", "case_work", "callback", "quality", "access_request", "merge")
SUBJECT_MAX = 200
SUMMARY_MAX = 20_000


# --- resolving what callers pass in ---------------------------------------------------------


def resolve_department(department: Department | int | str) -> Department:
    if isinstance(department, Department):
        return department
    if isinstance(department, str) and not department.isdigit():
        found = db.session.scalar(select(Department).where(Department.code == department))
    else:
        found = _get(Department, department)
    if found is None:
        raise NotFound("unknown_department", field="department")
    return found


def resolve_staff(staff: Staff | int | None, field: str = "staff") -> Staff | None:
    if staff is None or isinstance(staff, Staff):
        return staff
    found = _get(Staff, staff)
    if found is None:
        raise NotFound("unknown_staff", field=field)
    return found


def _get(model, key):
    try:
        return db.session.get(model, int(key))
    except (TypeError, ValueError):
        return None


# --- checking plain values ------------------------------------------------------------------


def _text(value: str | None, field: str, *, required: bool, limit: int) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput("subject_required", field=field)
    if len(text) > limit:
        raise InvalidInput("text_too_long", field=field)
    return text


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
        raise InvalidInput("naive_datetime", field=field)
    return value


def _choice(enum_class, value, code: str, field: str):
    try:
        return enum_class(value)
    except ValueError as error:
        raise InvalidInput(code, field=field) from error
