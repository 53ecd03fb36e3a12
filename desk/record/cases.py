"""Cases (dossiers): opened for a party, moved through their statuses with a history row each.

A status change is announced after the commit (`desk.signals.case_status_changed`), so a
channel can tell the citizen without the record knowing any channel. Confidential cases are
seen and changed by their own department only (desk.access); every writer that names a case
checks that through `resolve_case`.
"""

from datetime import date

from flask import current_app

from core.database import utcnow
from core.unit_of_work import after_commit
from desk import access, signals
from desk.errors import InvalidInput, NotAllowed, NotFound
from desk.models import Case, CaseStatus, CaseStatusChange, Department, Party, Staff
from desk.record.access_log import _log
from desk.record.common import (
    SUBJECT_MAX,
    _choice,
    _get,
    _text,
    resolve_department,
    resolve_staff,
)
from desk.record.parties import resolve_party
from extensions import db


def resolve_case(case: Case | int, staff: Staff | None, party: Party | None = None) -> Case:
    found = case if isinstance(case, Case) else _get(Case, case)
    if found is None:
        raise NotFound("unknown_case", field="case")
    if not access.can_see_case(staff, found):
        raise NotAllowed("confidential_case", field="case")
    if party is not None and found.party_id != party.id:
        raise InvalidInput("case_of_other_party", field="case")
    return found


def open_case(
    *,
    party: Party | int,
    subject: str,
    department: Department | int | str,
    staff: Staff | None = None,
    owner: Staff | int | None = None,
    due_date: date | None = None,
    confidential: bool = False,
    retention_until: date | None = None,
    note: str = "",
) -> Case:
    """A new dossier, status "open"; the opening is the first row of its status history."""
    target = resolve_party(party)
    staff = resolve_staff(staff)
    subject = _text(subject, "subject", required=True, limit=SUBJECT_MAX)
    note = _text(note, "note", required=False, limit=500)
    the_department = resolve_department(department)
    the_owner = resolve_staff(owner, field="owner")
    case = Case(
        party_id=target.id,
        subject=subject,
        department_id=the_department.id,
        owner_id=the_owner.id if the_owner else None,
        status=CaseStatus.OPEN,
        due_date=due_date,
        confidential=bool(confidential),
        retention_until=retention_until,
    )
    db.session.add(case)
    db.session.flush()
    db.session.add(
        CaseStatusChange(
            case_id=case.id,
            from_status=None,
            to_status=CaseStatus.OPEN,
            note=note,
            staff_id=staff.id if staff else None,
        )
    )
    _log(staff, target.id, "change", "case_work", "access.case_opened", {"case": case.id})
    db.session.flush()
    return case


def set_case_status(
    *, case: Case | int, status: str, staff: Staff | None = None, note: str = ""
) -> Case:
    the_case = resolve_case(case, resolve_staff(staff))
    new_status = _choice(CaseStatus, status, "invalid_status", "status")
    note = _text(note, "note", required=False, limit=500)
    if new_status == the_case.status:
        raise InvalidInput("status_unchanged", field="status")
    old_status = the_case.status
    the_case.status = new_status
    the_case.closed_at = utcnow() if new_status == CaseStatus.CLOSED else None
    db.session.add(
        CaseStatusChange(
            case_id=the_case.id,
            from_status=old_status,
            to_status=new_status,
            note=note,
            staff_id=staff.id if staff else None,
        )
    )
    params = {"case": the_case.id, "status_code": f"case_status.{new_status}"}
    _log(staff, the_case.party_id, "change", "case_work", "access.case_status", params)
    db.session.flush()
    after_commit(
        signals.case_status_changed.send,
        current_app._get_current_object(),
        party_id=the_case.party_id,
        case_id=the_case.id,
        from_status=str(old_status),
        to_status=str(new_status),
    )
    return the_case
