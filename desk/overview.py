"""What the party page shows beside the timeline, in as few statements as the data allows.

Most parties have no duplicate suggestions, merges, representations or open tasks, and many
have no cases. One statement loads the party, checks that this staff member may see it, and
asks which of those side lists have anything in them; only the non-empty ones are then loaded,
each in one statement with what its template needs (no lazy loads while rendering).
"""

from dataclasses import dataclass, field

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import joinedload, selectinload

from core.database import utcnow
from desk import access, merging, timeline
from desk.models import (
    Case,
    CaseStatus,
    CaseStatusChange,
    DuplicateSuggestion,
    MergeRecord,
    Party,
    Representation,
    Staff,
    Task,
)
from extensions import db


@dataclass
class Overview:
    party: Party
    cases: list[Case] = field(default_factory=list)  # the ones this staff member may see
    hidden_confidential: bool = False  # others exist: the page says so, not what
    tasks: list[Task] = field(default_factory=list)
    representations: list[Representation] = field(default_factory=list)
    suggestions: list[DuplicateSuggestion] = field(default_factory=list)
    merges: list[MergeRecord] = field(default_factory=list)
    absorbed_ids: list[int] = field(default_factory=list)  # every party merged into this one

    @property
    def open_cases(self) -> list[Case]:
        return [c for c in self.cases if c.status != CaseStatus.CLOSED]


def party_overview(party_id: int, staff: Staff) -> Overview | None:
    """None when there is no such party or this staff member may not see it (views: 404)."""
    now = utcnow()
    party_col = Party.id
    probe = (
        select(
            Party,
            exists().where(Case.party_id == party_col).label("has_cases"),
            exists().where(Task.party_id == party_col, Task.done_at.is_(None)).label("has_tasks"),
            or_(
                exists().where(Representation.represented_id == party_col, _current(now)),
                exists().where(Representation.representative_id == party_col, _current(now)),
            ).label("has_representations"),
            or_(
                exists().where(
                    DuplicateSuggestion.party_id == party_col,
                    DuplicateSuggestion.resolved_at.is_(None),
                ),
                exists().where(
                    DuplicateSuggestion.candidate_id == party_col,
                    DuplicateSuggestion.resolved_at.is_(None),
                ),
            ).label("has_suggestions"),
            exists()
            .where(MergeRecord.survivor_id == party_col, MergeRecord.undone_at.is_(None))
            .label("has_merges"),
        )
        .where(Party.id == party_id, access.visible_party_clause(staff))
        .options(joinedload(Party.identifiers), joinedload(Party.addresses))
    )
    row = db.session.execute(probe).unique().one_or_none()
    if row is None:
        return None
    party = row.Party
    overview = Overview(party=party)
    if party.merged_into_id is not None:
        return overview  # the view redirects to the survivor; nothing else is shown
    if row.has_cases:
        overview.cases, overview.hidden_confidential = _cases(party, staff)
    if row.has_tasks:
        overview.tasks = timeline.open_tasks(party, staff)
    if row.has_representations:
        overview.representations = timeline.representations(party)
    if row.has_suggestions:
        overview.suggestions = merging.open_suggestions(party.id)
    if row.has_merges:
        overview.merges = _merges(party.id)
        overview.absorbed_ids = merging.absorbed_party_ids(party.id)
    return overview


def _current(now):
    return or_(Representation.valid_until.is_(None), Representation.valid_until > now)


def _cases(party: Party, staff: Staff) -> tuple[list[Case], bool]:
    """All of a party's cases in one statement (a party has a handful, not thousands), with the
    status history the open ones show; which are visible is decided here, not in SQL, so the
    page also learns whether confidential ones of another department exist."""
    everything = list(
        db.session.scalars(
            select(Case)
            .where(Case.party_id == party.id)
            .options(
                joinedload(Case.department),
                selectinload(Case.history).joinedload(CaseStatusChange.staff),
            )
            .order_by(Case.opened_at.desc(), Case.id.desc())
        ).unique()
    )
    visible = [c for c in everything if access.can_see_case(staff, c)]
    return visible, len(visible) < len(everything)


def _merges(party_id: int) -> list[MergeRecord]:
    return list(
        db.session.scalars(
            select(MergeRecord)
            .where(MergeRecord.survivor_id == party_id, MergeRecord.undone_at.is_(None))
            .options(joinedload(MergeRecord.absorbed))
            .order_by(MergeRecord.id.desc())
        )
    )
