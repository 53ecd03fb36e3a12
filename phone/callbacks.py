"""Callbacks: a waiting caller who keeps their turn, and callback requests when nobody can.

A caller in line who presses 1 becomes a callback in the same place (phone.queue): agents call
them back in their turn. Outside hours, on a full line, after too many wrong keys or a failure,
there is no line to keep a place in: the request becomes a desk Task (kind "callback") for the
service's department, about the party the caller's number belongs to, found conservatively
(phone.matching; else a new party holding the number unverified, with duplicate suggestions
for staff to resolve).
"""

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from core.database import utcnow
from desk import accounts, record
from desk.identifiers import display_phone, e164
from desk.models import Task
from extensions import db
from phone.matching import caller_number, candidates_for
from phone.models import Call, CallbackState, PhoneLine

DEFAULT_DEPARTMENT = "contact-centre"  # LOKET_PHONE_CALLBACK_DEPARTMENT: without a service's


def callable_number(call: Call) -> str | None:
    """The number to call back: the one the caller keyed, else their own (when not withheld)."""
    return call.callback_number or caller_number(call.from_number)


def request_callback(call: Call) -> None:
    """A callback request as a Task for the line's department: once per call."""
    if call.task_id is not None:
        return
    number = callable_number(call)
    if number is None:
        return
    line = db.session.get(PhoneLine, call.line_id) if call.line_id else None
    party_id = _party_for(number)
    task = record.create_task(
        party=party_id,
        title=_title(line),
        description=_description(number),
        department=_department(line),
        kind="callback",
    )
    call.task_id = task.id
    call.callback_number = number
    call.callback_requested_at = utcnow()
    call.callback_state = CallbackState.REQUESTED
    if call.party_id is None and not call.candidate_party_ids:
        call.party_id = party_id


def keyed_number(digits: str) -> str | None:
    """A number typed on the keypad ("0470123456", "0032470123456") in E.164, or None."""
    if not digits or not digits.isdigit() or len(digits) > 15:
        return None
    return e164(digits)


def change_number(call: Call, digits: str) -> str | None:
    """The number the caller keyed for the callback, in E.164; None leaves the one known."""
    number = keyed_number(digits)
    if number is None:
        return None
    call.callback_number = number
    if call.task_id is not None:
        db.session.get(Task, call.task_id).description = _description(number)
    return number


def _party_for(number: str) -> int:
    """The one verified holder of the number, else the party find_or_create_party gives:
    it matches verified addresses only, so a number nobody proved is a new party's (with
    duplicate suggestions), never glued to someone else's record."""
    found = candidates_for(number)
    if found.party_id is not None:
        return found.party_id
    return record.find_or_create_party(phone=number).id


def _department(line: PhoneLine | None):
    if line is not None and line.service.department_id is not None:
        return line.service.department_id
    code = current_app.config.get("PHONE_CALLBACK_DEPARTMENT") or DEFAULT_DEPARTMENT
    return accounts.get_or_create_department(code)


def _title(line: PhoneLine | None) -> str:
    """Stored text in the municipality's language (a task's title is what staff typed or a
    channel wrote, not a code)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        if line is None:
            return _("Call back: a caller asked by phone")
        return _("Call back: %(service)s", service=line.service.name_in("nl"))


def _description(number: str) -> str:
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _("Asked by phone to be called back on %(number)s.", number=display_phone(number))
