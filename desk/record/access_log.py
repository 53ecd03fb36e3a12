"""The access log: who looked at or changed which party's record, when and why.

Every subject of the record logs its changes here, and the desk logs every view, search hit and
export; admins read the rows on a party's access-log page, and the citizen reads them in Mijn
Loket. Append-only, and written on every page view, so it is one Core INSERT and never a reason
to refuse what the staff member did.

What was read or changed is a code with parameters ("access.case_opened", {"case": 12}),
rendered in the reader's language by desk.labels.access_detail: the desk's codes are registered
in desk.labels, a channel's by the channel (desk.interaction_texts.register_texts).
"""

from sqlalchemy import insert

from core.database import utcnow
from desk.models import AccessLog, Staff
from desk.record.common import PURPOSES
from extensions import db

INSERT = insert(AccessLog.__table__)  # built once: the log is written on every page view


def log_access(
    *,
    staff: Staff,
    party_ids: list[int] | int,
    action: str,
    purpose: str,
    detail: str | None = None,
    detail_params: dict | None = None,
) -> None:
    """Who looked: one row per party shown, one INSERT. `detail` is a registered code.
    Purposes outside PURPOSES are stored as "contact" rather than refused: the log must never
    block the desk."""
    ids = [party_ids] if isinstance(party_ids, int) else list(party_ids)
    if not ids:
        return
    _log_rows(staff, ids, action, purpose, detail, detail_params)


def _log(
    staff: Staff | None,
    party_id: int,
    action: str,
    purpose: str,
    detail: str,
    params: dict | None = None,
) -> None:
    """Changes by a citizen channel (no staff member) are on the timeline, not in this log."""
    if staff is not None:
        _log_rows(staff, [party_id], action, purpose, detail, params)


def _log_rows(
    staff: Staff,
    party_ids: list[int],
    action: str,
    purpose: str,
    detail: str | None,
    params: dict | None,
) -> None:
    """A Core INSERT (several VALUES for several parties), not ORM objects: the log is written
    on every page view and nothing reads the rows back in the same request."""
    values = {
        "staff_id": staff.id,
        "action": action,
        "purpose": purpose if purpose in PURPOSES else "contact",
        "detail": "",
        "detail_code": detail or None,
        "detail_params": params or None,
        "at": utcnow(),
    }
    rows = [{**values, "party_id": i} for i in party_ids]
    db.session.execute(INSERT, rows if len(rows) > 1 else rows[0])
