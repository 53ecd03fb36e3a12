"""Reading a party's record: the 360° timeline and what sits beside it (cases, tasks).

The timeline is one indexed query over Interaction (party_id, started_at, id), newest first,
keyset-paged: a page never counts or loads the rest of a long history.
"""

from dataclasses import dataclass

from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import aliased, joinedload

from core import cursors
from desk import access
from desk.models import Case, CaseStatus, Interaction, Party, Representation, Staff, Task
from extensions import db

PAGE_SIZE = 50
staff_member = aliased(Staff, name="staff_member")
representative = aliased(Party, name="representative")


@dataclass
class TimelinePage:
    interactions: list  # rows: Interaction columns plus case_subject, staff_name, ...
    next_cursor: str | None  # older entries follow
    hidden_confidential: bool


def encode_cursor(interaction) -> str:
    """Opaque "older than this one" marker (core.cursors)."""
    return cursors.encode_cursor(interaction.started_at, interaction.id)


decode_cursor = cursors.decode_cursor


def timeline_page(
    party: Party,
    staff: Staff,
    *,
    channel: str | None = None,
    case_id: int | None = None,
    cursor: str | None = None,
    page_size: int = PAGE_SIZE,
    hidden_confidential: bool | None = None,
) -> TimelinePage:
    """Plain rows, not ORM objects: a page is read-only and this is the desk's hottest query."""
    query = (
        select(
            Interaction.id,
            Interaction.channel,
            Interaction.direction,
            Interaction.started_at,
            Interaction.ended_at,
            Interaction.subject,
            Interaction.subject_code,
            Interaction.subject_params,
            Interaction.summary,
            Interaction.summary_code,
            Interaction.summary_params,
            Interaction.outcome,
            Interaction.subject_type,
            Interaction.subject_id,
            Interaction.case_id,
            Case.subject.label("case_subject"),
            staff_member.name.label("staff_name"),
            representative.name.label("representative_name"),
        )
        .outerjoin(Case, Interaction.case_id == Case.id)
        .outerjoin(staff_member, Interaction.staff_id == staff_member.id)
        .outerjoin(representative, Interaction.representative_id == representative.id)
        .where(Interaction.party_id == party.id, access.visible_interaction_clause(staff))
        .order_by(Interaction.started_at.desc(), Interaction.id.desc())
        .limit(page_size + 1)
    )
    if channel:
        query = query.where(Interaction.channel == channel)
    if case_id:
        query = query.where(Interaction.case_id == case_id)
    position = decode_cursor(cursor)
    if position is not None:
        query = query.where(tuple_(Interaction.started_at, Interaction.id) < position)
    rows = db.session.execute(query).all()
    more = len(rows) > page_size
    rows = rows[:page_size]
    return TimelinePage(
        interactions=rows,
        next_cursor=encode_cursor(rows[-1]) if more else None,
        hidden_confidential=access.hidden_confidential_exists(staff, party.id)
        if hidden_confidential is None
        else hidden_confidential,
    )


def visible_cases(party: Party, staff: Staff, *, open_only: bool = False) -> list[Case]:
    query = (
        select(Case)
        .where(Case.party_id == party.id, access.visible_case_clause(staff))
        .options(joinedload(Case.department), joinedload(Case.owner))
        .order_by(Case.opened_at.desc(), Case.id.desc())
    )
    if open_only:
        query = query.where(Case.status != CaseStatus.CLOSED)
    return list(db.session.scalars(query).unique())


def open_tasks(party: Party, staff: Staff) -> list[Task]:
    query = (
        select(Task)
        .outerjoin(Case, Task.case_id == Case.id)
        .where(
            Task.party_id == party.id,
            Task.done_at.is_(None),
            or_(Task.case_id.is_(None), access.visible_case_clause(staff)),
        )
        .options(joinedload(Task.assignee), joinedload(Task.department))
        .order_by(Task.due_at.is_(None), Task.due_at, Task.id)
    )
    return list(db.session.scalars(query).unique())


def representations(party: Party) -> list[Representation]:
    """Who acts for this party and for whom it acts, current ones only."""
    from core.database import utcnow

    now = utcnow()
    query = (
        select(Representation)
        .where(
            or_(
                Representation.represented_id == party.id,
                Representation.representative_id == party.id,
            ),
            or_(Representation.valid_until.is_(None), Representation.valid_until > now),
        )
        .options(joinedload(Representation.representative), joinedload(Representation.represented))
        .order_by(Representation.id)
    )
    return list(db.session.scalars(query).unique())


def work_for(staff: Staff, limit: int = 20) -> list[Task]:
    """The start page's open tasks: mine, then my department's."""
    clauses = [Task.assignee_id == staff.id]
    if staff.department_id:
        clauses.append(Task.department_id == staff.department_id)
    query = (
        select(Task)
        .outerjoin(Case, Task.case_id == Case.id)
        .where(
            Task.done_at.is_(None),
            or_(*clauses),
            or_(Task.case_id.is_(None), access.visible_case_clause(staff)),
        )
        .options(joinedload(Task.party))
        .order_by(Task.due_at.is_(None), Task.due_at, Task.id)
        .limit(limit)
    )
    return list(db.session.scalars(query).unique())
