"""Tasks: a follow-up or a callback request (contactverzoek) for a person, a department or both.

Open tasks show on the party page and in each staff member's work list; closing one records who
did it and when. A task about a confidential case is closed only by those who may see the case.
"""

from datetime import datetime

from core.database import utcnow
from desk import access
from desk.errors import Conflict, InvalidInput, NotAllowed, NotFound
from desk.models import Case, Department, Party, Staff, Task
from desk.record.access_log import _log
from desk.record.cases import resolve_case
from desk.record.common import (
    SUBJECT_MAX,
    SUMMARY_MAX,
    _aware,
    _get,
    _text,
    resolve_department,
    resolve_staff,
)
from desk.record.parties import resolve_party
from extensions import db

TASK_KINDS = ("follow_up", "callback")


def create_task(
    *,
    party: Party | int,
    title: str,
    staff: Staff | None = None,
    assignee: Staff | int | None = None,
    department: Department | int | str | None = None,
    due_at: datetime | None = None,
    case: Case | int | None = None,
    kind: str = "follow_up",
    description: str = "",
) -> Task:
    """A follow-up or callback request for a person, a department, or both."""
    target = resolve_party(party)
    staff = resolve_staff(staff)
    title = _text(title, "title", required=True, limit=SUBJECT_MAX)
    description = _text(description, "description", required=False, limit=SUMMARY_MAX)
    if kind not in TASK_KINDS:
        raise InvalidInput("invalid_kind", field="kind")
    if assignee is None and department is None:
        raise InvalidInput("task_needs_assignee", field="department")
    the_assignee = resolve_staff(assignee, field="assignee")
    the_department = resolve_department(department) if department is not None else None
    due_at = _aware(due_at, "due_at")
    the_case = resolve_case(case, staff, target) if case is not None else None
    task = Task(
        party_id=target.id,
        case_id=the_case.id if the_case else None,
        kind=kind,
        title=title,
        description=description,
        assignee_id=the_assignee.id if the_assignee else None,
        department_id=the_department.id if the_department else None,
        due_at=due_at,
        created_by_id=staff.id if staff else None,
    )
    db.session.add(task)
    db.session.flush()
    _log(staff, target.id, "change", "case_work", "access.task_created", {"task": task.id})
    return task


def close_task(*, task: Task | int, staff: Staff | None = None) -> Task:
    the_task = task if isinstance(task, Task) else _get(Task, task)
    if the_task is None:
        raise NotFound("unknown_task", field="task")
    staff = resolve_staff(staff)
    if the_task.case is not None and not access.can_see_case(staff, the_task.case):
        raise NotAllowed("confidential_case", field="task")
    if the_task.done_at is not None:
        raise Conflict("task_already_closed", field="task")
    the_task.done_at = utcnow()
    the_task.done_by_id = staff.id if staff else None
    _log(
        staff, the_task.party_id, "change", "case_work", "access.task_closed", {"task": the_task.id}
    )
    db.session.flush()
    return the_task
