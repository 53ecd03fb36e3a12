"""Staff endpoints of the JSON API, authenticated by personal API tokens (no cookies, no CSRF).

The record's two (DESIGN: "the record, for staff and integrations") answer what the desk's own
pages answer, through the same code: finding a party is the desk's search-and-attach
(desk.search.attach_candidates), a party's contacts are its timeline (desk.timeline). What the
token's staff member may not see does not exist for them (404), and every answer is in the
access log, as a page view would be.
"""

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import force_locale, get_locale

from core.time import BRUSSELS
from desk import access, identifiers, labels, openapi, record, search, timeline
from desk.auth import token_required
from desk.errors import InvalidInput, NotFound
from desk.models import Channel, Party, Staff
from extensions import csrf, db

bp = Blueprint("desk_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
openapi.register()

QUERY_MAX = 200  # as the desk's search box (desk.forms.SearchForm)


@bp.get("/me")
@token_required
def me():
    """Lets an integration check its token and see whose it is."""
    staff = g.api_staff
    return jsonify(id=staff.id, name=staff.name, email=staff.email, role=staff.role.value)


@bp.get("/parties")
@token_required
def find_parties():
    """The parties holding this phone or e-mail address first, then those a booking reference
    or the search text (name, national or KBO number) finds; each party once, as its survivor."""
    staff = g.api_staff
    phone, email, query = (request.args.get(name, "").strip() for name in ("phone", "email", "q"))
    if not (phone or email or query):
        raise InvalidInput("search_needs_a_key", field="q")
    if len(query) > QUERY_MAX:
        raise InvalidInput("text_too_long", field="q")
    candidates = search.attach_candidates(
        staff,
        query=query,
        phone=identifiers.normalise_phone(phone) if phone else None,
        email=identifiers.normalise_email(email) if email else None,
    )
    parties = [c.party for c in candidates]
    answer = jsonify([{"id": p.id, "name": p.name, "kind": p.kind.value} for p in parties])
    record.log_access(
        staff=staff,
        party_ids=[p.id for p in parties],
        action="search",
        purpose="contact",
        detail="access.api_search",
    )
    return answer


@bp.get("/parties/<int:party_id>/interactions")
@token_required
def party_interactions(party_id):
    """One page of the party's timeline, newest first; `next` is the cursor of the page after
    it. An absorbed party's id answers with its survivor's timeline (a merge moved it there)."""
    staff = g.api_staff
    party = _visible_live_party(staff, party_id)
    channel = request.args.get("channel") or None
    if channel is not None and channel not in {c.value for c in Channel}:
        raise InvalidInput("invalid_channel", field="channel")
    cursor = request.args.get("cursor") or None
    if cursor is not None and timeline.decode_cursor(cursor) is None:
        raise InvalidInput("invalid_cursor", field="cursor")
    # hidden_confidential is not part of the answer: passed so that its query is not made
    page = timeline.timeline_page(
        party, staff, channel=channel, cursor=cursor, hidden_confidential=False
    )
    with force_locale(_reader_language(staff)):
        items = [_interaction(row) for row in page.interactions]
    record.log_access(
        staff=staff,
        party_ids=party.id,
        action="view",
        purpose="contact",
        detail="access.api_timeline",
    )
    return jsonify(items=items, next=page.next_cursor)


def _visible_live_party(staff: Staff, party_id: int) -> Party:
    """The party page's rule (desk.access): merges followed, a secret party hidden (404)."""
    live_id = access.visible_live_ids(staff, [party_id]).get(party_id)
    party = db.session.get(Party, live_id) if live_id is not None else None
    if party is None:
        raise NotFound("unknown_party")
    return party


def _reader_language(staff: Staff) -> str:
    """The token owner's language when they chose one, else the request's (Accept-Language)."""
    if staff.preferred_language in current_app.config["LANGUAGES"]:
        return staff.preferred_language
    return str(get_locale())


def _interaction(row) -> dict:
    subject, outcome = labels.contact_texts(row)
    links = []
    if row.subject_type and row.subject_id is not None:
        links.append({"type": row.subject_type, "id": row.subject_id})
    if row.case_id is not None and ("case", row.case_id) != (row.subject_type, row.subject_id):
        links.append({"type": "case", "id": row.case_id})
    return {
        "id": row.id,
        "channel": str(row.channel),
        "direction": str(row.direction),
        "started_at": row.started_at.astimezone(BRUSSELS).isoformat(),
        "ended_at": row.ended_at.astimezone(BRUSSELS).isoformat() if row.ended_at else None,
        "subject": subject,
        "outcome": outcome,
        "links": links,
    }
