"""My data: a copy of everything the record holds about the citizen (GDPR article 15), as JSON
at `/my/data.json` and as a readable page.

The JSON is streamed: a generator writes it piece by piece while keyset-paged queries read the
long lists (contact moments, notices, access-log entries) a page at a time, so a citizen with
ten thousand contacts costs the server the memory of one page, not of their whole history.
Identifiers are given masked, as the record keeps them (never in clear text). Downloading
one's own data writes no access-log row: that log is of staff looking.
"""

import json
from datetime import date, datetime

from flask import Response, current_app, g, render_template, stream_with_context
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from appointments import of_party
from core.database import utcnow
from desk import labels
from desk.interaction_texts import interaction_summary
from desk.models import ContactAddress, Party, PartyIdentifier, Task
from extensions import db
from portal import bp, my_record
from portal.session import citizen_required
from sms import read as notices


def _default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _json(value) -> str:
    return json.dumps(value, default=_default, ensure_ascii=False)


def party_json(party: Party) -> dict:
    return {
        "id": party.id,
        "kind": str(party.kind),
        "name": party.name,
        "preferred_language": party.preferred_language,
        "preferred_channel": str(party.preferred_channel),
        "created_at": party.created_at,
    }


def identifiers_json(ids) -> list[dict]:
    rows = db.session.scalars(select(PartyIdentifier).where(PartyIdentifier.party_id.in_(ids)))
    return [
        {"id": row.id, "kind": row.kind, "masked": row.masked, "verified_at": row.verified_at}
        for row in rows
    ]


def addresses_json(ids) -> list[dict]:
    rows = db.session.scalars(
        select(ContactAddress).where(ContactAddress.party_id.in_(ids)).order_by(ContactAddress.id)
    )
    return [
        {
            "id": row.id,
            "kind": row.kind,
            "value": row.value,
            "verified_at": row.verified_at,
            "is_default": row.is_default,
            "consent": {
                "reminders": row.consent_reminders,
                "queue_alerts": row.consent_queue_alerts,
                "case_updates": row.consent_case_updates,
                "given_at": row.consent_changed_at,
            },
        }
        for row in rows
    ]


def representations_json(party_id: int) -> list[dict]:
    for_me, i_act_for = my_record.current_representations(party_id)
    return [
        {
            "id": r.id,
            "representative": r.representative.display_name,
            "represented": r.represented.display_name,
            "basis": r.basis,
            "valid_from": r.valid_from,
            "valid_until": r.valid_until,
        }
        for r in [*for_me, *i_act_for]
    ]


def cases_json(ids) -> list[dict]:
    return [
        {
            "id": case.id,
            "subject": case.subject,
            "department": case.department.name,
            "status": str(case.status),
            "opened_at": case.opened_at,
            "closed_at": case.closed_at,
            "due_date": case.due_date,
            "history": [
                {"from": change.from_status, "to": str(change.to_status), "at": change.changed_at}
                for change in case.history
            ],
        }
        for case in my_record.cases(ids, limit=10_000, with_history=True)
    ]


def tasks_json(ids) -> list[dict]:
    rows = db.session.scalars(
        select(Task)
        .where(Task.party_id.in_(ids))
        .options(selectinload(Task.department))
        .order_by(Task.id)
    )
    return [
        {
            "id": task.id,
            "title": task.title,
            "department": task.department.name if task.department else None,
            "created_at": task.created_at,
            "done_at": task.done_at,
        }
        for task in rows
    ]


def appointments_json(party_id: int) -> list[dict]:
    return [
        {
            "id": a.id,
            "reference": a.reference,
            "starts_at": a.starts_at,
            "ends_at": a.ends_at,
            "location": a.location,
            "services": list(a.services),
            "status": a.status,
        }
        for a in of_party(party_id)
    ]


def contact_json(row, show_names: bool) -> dict:
    subject, outcome = labels.contact_texts(row)
    return {
        "id": row.id,
        "channel": str(row.channel),
        "direction": str(row.direction),
        "started_at": row.started_at,
        "subject": subject,
        "summary": interaction_summary(row) if row.summary_code else row.summary,
        "outcome": outcome,
        "case_id": row.case_id,
        "department": row.department,
        "staff": row.staff_name if show_names else None,
        "representative": row.representative_name,
    }


def notice_json(notice) -> dict:
    return {
        "id": notice.id,
        "channel": notice.channel,
        "purpose": notice.purpose,
        "subject": notice.subject,
        "body": notice.body,
        "created_at": notice.created_at,
        "sent_at": notice.sent_at,
        "delivery": notice.delivery,
        "opened_at": notice.opened_at,
    }


def access_json(row) -> dict:
    return {
        "at": row.at,
        "action": row.action,
        "purpose": row.purpose,
        "role": str(row.role),
        "department": row.department,
    }


def export_chunks(party_id: int, show_names: bool):
    """The document, piece by piece: small parts whole, long lists one item at a time."""
    ids = my_record.party_ids(party_id)
    party = db.session.get(Party, party_id)
    head = {
        "generated_at": utcnow(),
        "party": party_json(party),
        "identifiers": identifiers_json(ids),
        "addresses": addresses_json(ids),
        "representations": representations_json(party_id),
        "cases": cases_json(ids),
        "tasks": tasks_json(ids),
        "appointments": appointments_json(party_id),
    }
    yield _json(head)[:-1]
    lists = (
        ("interactions", my_record.iter_contacts(ids), lambda r: contact_json(r, show_names)),
        ("notices", notices.iter_notices(ids), notice_json),
        ("access_log", my_record.iter_access_log(ids), access_json),
    )
    for name, items, to_json in lists:
        yield f', "{name}": ['
        first = True
        buffer = []
        for item in items:
            buffer.append(("" if first else ",") + _json(to_json(item)))
            first = False
            if len(buffer) >= 200:
                yield "".join(buffer)
                buffer = []
        yield "".join(buffer) + "]"
    yield "}"


@bp.get("/data.json")
@citizen_required
def data_json():
    chunks = export_chunks(g.citizen.party_id, current_app.config["PORTAL_SHOW_STAFF_NAMES"])
    response = Response(stream_with_context(chunks), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/data")
@citizen_required
def data_page():
    """The readable copy: what the record holds, each item with "this is wrong"; the long
    lists are the paged pages (contacts, messages, who looked) and the JSON copy."""
    party_id = g.citizen.party_id
    ids = my_record.party_ids(party_id)
    for_me, i_act_for = my_record.current_representations(party_id)
    return render_template(
        "portal/data.html",
        party=db.session.get(Party, party_id),
        identifiers=identifiers_json(ids),
        addresses=addresses_json(ids),
        for_me=for_me,
        i_act_for=i_act_for,
        cases=my_record.cases(ids, limit=10_000),
        appointments=of_party(party_id),
    )
