"""The screen pop: the agent who took a call, and only that agent, is told at once who calls.

`call_assigned` goes to the agent's own room on /desk (realtime.namespaces.staff_room) after
the commit that gave them the call; the console then fetches the pop (phone.console), which
shows the matched record — timeline, open cases, tasks and the panels the channels add
(desk.panels.party_panels) — or the candidates to choose from, with "new party" last.
Matching stays conservative (phone.models.Call: one verified match is `party_id`; several or
unverified ones are `candidate_party_ids`): the agent chooses, nothing is merged.
"""

from sqlalchemy import Row, bindparam, select

from core.database import utcnow
from desk import access
from desk.models import Party, Staff
from extensions import db
from phone.models import Call, CallDirection
from realtime import emit_after_commit
from realtime.namespaces import staff_room


def caller_number(call: Call | Row) -> str:
    """The citizen's number: whom the agent talks to, whichever way the call goes."""
    if call.direction == CallDirection.OUTBOUND:
        return call.to_number
    if call.callback_state is not None and call.callback_number:
        return call.callback_number
    return call.from_number


def call_kind(call: Call | Row) -> str:
    """ "live" (a caller taken from the queue), "callback" or "outbound" (the agent called)."""
    if call.direction == CallDirection.OUTBOUND:
        return "outbound"
    return "callback" if call.callback_state is not None else "live"


def party_ids(call: Call | Row) -> list[int]:
    """The matched party, else the candidates."""
    ids = [call.party_id] if call.party_id is not None else list(call.candidate_party_ids or [])
    return [party_id for party_id in ids if isinstance(party_id, int)]


def _visible(rows, ids: list[int], staff: Staff) -> list:
    """Of the parties read, in the order of `ids`, those this staff member may see."""
    found = {row.id: row for row in rows}
    return [found[i] for i in ids if i in found and access.can_see_party(staff, found[i])]


def visible_parties(call: Call, staff: Staff) -> list[Party]:
    """The matched party, else the candidates, as far as this agent may see them."""
    ids = party_ids(call)
    if not ids:
        return []
    return _visible(db.session.scalars(select(Party).where(Party.id.in_(ids))), ids, staff)


# The pop's names: built once, two columns and the secrecy flag can_see_party needs.
PARTY = Party.__table__.c
NAMES = select(PARTY.id, PARTY.name, PARTY.secret).where(
    PARTY.id.in_(bindparam("ids", expanding=True))
)


def visible_names(call: Call | Row, staff: Staff) -> list[dict]:
    """`visible_parties` as ids and names (Party.display_name), read as columns: what the
    pop shows at once."""
    ids = party_ids(call)
    if not ids:
        return []
    shown = _visible(db.session.execute(NAMES, {"ids": ids}), ids, staff)
    return [{"id": row.id, "name": row.name or f"#{row.id}"} for row in shown]


def pop_payload(call: Call | Row, staff: Staff) -> dict:
    """From the call, or the row of its columns phone.take read."""
    waited = 0
    if call.queued_at is not None:
        waited = max(0, int(((call.answered_at or utcnow()) - call.queued_at).total_seconds()))
    return {
        "call_id": call.id,
        "kind": call_kind(call),
        "from": caller_number(call),
        "waited_seconds": waited,
        "matched": call.party_id is not None,
        "parties": visible_names(call, staff),
    }


def pop_after_commit(call: Call | Row, staff: Staff) -> dict:
    """`call_assigned` to this agent's room once the commit that gave them the call succeeds;
    built now, from the rows in hand. Returns the payload (the API answers with its parties)."""
    payload = pop_payload(call, staff)
    emit_after_commit("call_assigned", payload, namespace="/desk", to=staff_room(staff.id))
    return payload
