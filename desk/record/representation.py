"""Representation: one party acts for another (a daughter for her father), on a basis and until
a date.

Ending one keeps its row, so every interaction it was used in still shows who acted.
"""

from datetime import datetime

from core.database import utcnow
from desk.errors import Conflict, InvalidInput, NotFound
from desk.models import Party, Representation, Staff
from desk.record.access_log import _log
from desk.record.common import _aware, _get, _text, resolve_staff
from desk.record.parties import resolve_party
from extensions import db


def add_representation(
    *,
    representative: Party | int,
    represented: Party | int,
    basis: str,
    valid_until: datetime | None = None,
    staff: Staff | None = None,
) -> Representation:
    """One party may act for another (a daughter for her father) on a basis, until a date."""
    agent = resolve_party(representative, field="representative")
    principal = resolve_party(represented, field="represented")
    if agent.id == principal.id:
        raise InvalidInput("representative_is_party", field="representative")
    basis = _text(basis, "basis", required=True, limit=100)
    valid_until = _aware(valid_until, "valid_until")
    representation = Representation(
        representative_id=agent.id,
        represented_id=principal.id,
        basis=basis,
        valid_until=valid_until,
    )
    db.session.add(representation)
    db.session.flush()
    params = {"representation": representation.id}
    _log(staff, principal.id, "change", "case_work", "access.representation", params)
    return representation


def end_representation(
    *, representation: Representation | int, staff: Staff | None = None
) -> Representation:
    """From now on the representative no longer acts for the party; the row stays, so the
    interactions it was used in keep showing who acted."""
    found = (
        representation
        if isinstance(representation, Representation)
        else _get(Representation, representation)
    )
    if found is None:
        raise NotFound("unknown_representation", field="representation")
    staff = resolve_staff(staff)
    now = utcnow()
    if found.valid_until is not None and found.valid_until <= now:
        raise Conflict("representation_ended", field="representation")
    found.valid_until = now
    params = {"representation": found.id}
    _log(staff, found.represented_id, "change", "case_work", "access.representation_ended", params)
    db.session.flush()
    return found
