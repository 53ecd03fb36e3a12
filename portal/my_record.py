"""What a citizen reads of their own record: contacts, cases, who looked, who acts for whom.

Every query here is bounded by the citizen's party ids (`party_ids`): the party shown now and
the parties merged into it. Nothing takes a party id from the request, so another citizen's
rows cannot be asked for; an id of theirs in a URL finds nothing (404).

What the citizen does not see: staff notes and internal entries (the staff's working
papers), staff names unless PORTAL_SHOW_STAFF_NAMES, and confidential cases when
PORTAL_SHOW_CONFIDENTIAL_CASES is off. Reading one's own record writes no access-log row:
that log is of staff looking.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.orm import aliased, joinedload, selectinload

from core import cursors
from core.bounds import as_id
from core.database import utcnow
from desk import merging
from desk.models import (
    AccessLog,
    Case,
    CaseStatus,
    Channel,
    Department,
    Direction,
    Interaction,
    Party,
    Representation,
    Staff,
)
from extensions import db

PAGE_SIZE = 25  # a citizen reads a page, not a report: fewer rows, a faster page
staff_member = aliased(Staff, name="staff_member")
staff_department = aliased(Department, name="staff_department")
case_department = aliased(Department, name="case_department")
representative = aliased(Party, name="representative")


def party_ids(party_id: int) -> list[int]:
    """The party and every party merged into it: one citizen, one record."""
    return [party_id, *merging.absorbed_party_ids(party_id)]


def _of(column, ids: list[int]):
    """`= id` for the usual one party: the planner then walks the index in order."""
    return column == ids[0] if len(ids) == 1 else column.in_(ids)


# --- keyset cursors ------------------------------------------------------------------------


encode_cursor, decode_cursor = cursors.encode_cursor, cursors.decode_cursor


@dataclass
class Page:
    rows: list
    next_cursor: str | None


def _page(query, order_columns, cursor, limit) -> Page:
    position = decode_cursor(cursor)
    if position is not None:
        query = query.where(tuple_(*order_columns) < position)
    rows = db.session.execute(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return Page(rows, encode_cursor(last[-2], last[-1]) if more and last else None)


# --- contacts -------------------------------------------------------------------------------


def _show_confidential() -> bool:
    return bool(current_app.config["PORTAL_SHOW_CONFIDENTIAL_CASES"])


def _visible_interactions(ids: list[int]):
    clauses = [
        _of(Interaction.party_id, ids),
        Interaction.channel != Channel.NOTE,
        Interaction.direction != Direction.INTERNAL,
    ]
    if not _show_confidential():
        clauses.append(or_(Interaction.case_id.is_(None), Case.confidential.is_(False)))
    return and_(*clauses)


def _contact_query(ids: list[int]):
    return (
        select(
            Interaction.channel,
            Interaction.direction,
            Interaction.subject,
            Interaction.subject_code,
            Interaction.subject_params,
            Interaction.summary,
            Interaction.summary_code,
            Interaction.summary_params,
            Interaction.outcome,
            Interaction.case_id,
            Interaction.subject_type,
            Interaction.subject_id,
            Case.subject.label("case_subject"),
            func.coalesce(case_department.name, staff_department.name).label("department"),
            staff_member.name.label("staff_name"),
            representative.name.label("representative_name"),
            Interaction.started_at,
            Interaction.id,
        )
        .outerjoin(Case, Interaction.case_id == Case.id)
        .outerjoin(case_department, Case.department_id == case_department.id)
        .outerjoin(staff_member, Interaction.staff_id == staff_member.id)
        .outerjoin(staff_department, staff_member.department_id == staff_department.id)
        .outerjoin(representative, Interaction.representative_id == representative.id)
        .where(_visible_interactions(ids))
    )


def contacts(ids: list[int], *, cursor=None, case_id=None, limit=PAGE_SIZE) -> Page:
    """The citizen's contact moments on every channel, newest first, keyset-paged."""
    query = _contact_query(ids).order_by(Interaction.started_at.desc(), Interaction.id.desc())
    if case_id is not None:
        query = query.where(Interaction.case_id == case_id)
    return _page(query, (Interaction.started_at, Interaction.id), cursor, limit)


def contact(ids: list[int], interaction_id) -> object | None:
    ident = as_id(interaction_id)
    if ident is None:
        return None
    return db.session.execute(_contact_query(ids).where(Interaction.id == ident)).first()


def iter_contacts(ids: list[int], page_size: int = 500) -> Iterator:
    """Every visible contact moment, oldest first, one keyset page in memory at a time."""
    after = None
    while True:
        query = (
            _contact_query(ids).order_by(Interaction.started_at, Interaction.id).limit(page_size)
        )
        if after is not None:
            query = query.where(tuple_(Interaction.started_at, Interaction.id) > after)
        rows = db.session.execute(query).all()
        yield from rows
        if len(rows) < page_size:
            return
        after = (rows[-1].started_at, rows[-1].id)


# --- cases ------------------------------------------------------------------------------------


def _case_query(ids: list[int], *, with_history: bool = True):
    """Cases with their department (one JOIN); their status history only where a page shows it."""
    options = [joinedload(Case.department)]
    if with_history:
        options.append(selectinload(Case.history))
    query = (
        select(Case)
        .where(_of(Case.party_id, ids))
        .options(*options)
        .order_by(Case.opened_at.desc(), Case.id.desc())
    )
    if not _show_confidential():
        query = query.where(Case.confidential.is_(False))
    return query


def cases(
    ids: list[int], *, open_only: bool = False, limit: int = 100, with_history: bool = False
) -> list[Case]:
    query = _case_query(ids, with_history=with_history).limit(limit)
    if open_only:
        query = query.where(Case.status != CaseStatus.CLOSED)
    return list(db.session.scalars(query))


def case(ids: list[int], case_id) -> Case | None:
    ident = as_id(case_id)
    if ident is None:
        return None
    return db.session.scalar(_case_query(ids).where(Case.id == ident))


def hidden_confidential(ids: list[int]) -> bool:
    """Whether a confidential case exists that the municipality's setting keeps off this page."""
    if _show_confidential():
        return False
    query = select(Case.id).where(_of(Case.party_id, ids), Case.confidential.is_(True)).limit(1)
    return db.session.scalar(query) is not None


# --- who looked at my file --------------------------------------------------------------------


def _access_query(ids: list[int]):
    return (
        select(
            AccessLog.action,
            AccessLog.purpose,
            Staff.role,
            Department.name.label("department"),
            AccessLog.at,
            AccessLog.id,
        )
        .join(Staff, AccessLog.staff_id == Staff.id)
        .outerjoin(Department, Staff.department_id == Department.id)
        .where(_of(AccessLog.party_id, ids))
    )


def access_log(ids: list[int], *, cursor=None, limit=PAGE_SIZE) -> Page:
    """Every access-log entry on the citizen's party, newest first: when, role, department,
    purpose (no staff names: the log says which desk looked, the role and why)."""
    query = _access_query(ids).order_by(AccessLog.at.desc(), AccessLog.id.desc())
    return _page(query, (AccessLog.at, AccessLog.id), cursor, limit)


def iter_access_log(ids: list[int], page_size: int = 500) -> Iterator:
    after = None
    while True:
        query = _access_query(ids).order_by(AccessLog.at, AccessLog.id).limit(page_size)
        if after is not None:
            query = query.where(tuple_(AccessLog.at, AccessLog.id) > after)
        rows = db.session.execute(query).all()
        yield from rows
        if len(rows) < page_size:
            return
        after = (rows[-1].at, rows[-1].id)


# --- representation ---------------------------------------------------------------------------


def current_representations(party_id: int) -> tuple[list, list]:
    """(who acts for me, for whom I act): the representations valid now."""
    now = utcnow()
    query = (
        select(Representation)
        .where(
            or_(
                Representation.represented_id == party_id,
                Representation.representative_id == party_id,
            ),
            Representation.valid_from <= now,
            or_(Representation.valid_until.is_(None), Representation.valid_until > now),
        )
        .options(
            selectinload(Representation.representative), selectinload(Representation.represented)
        )
        .order_by(Representation.id)
    )
    found = list(db.session.scalars(query))
    for_me = [r for r in found if r.represented_id == party_id]
    i_act_for = [r for r in found if r.representative_id == party_id]
    return for_me, i_act_for
