"""The whole record of one party as JSON: the citizen's right of access (GDPR art. 15).

Identifiers appear masked, as stored: the record never held them in clear text. Large histories
are read in batches (yield_per) rather than as one list of ORM objects.
"""

from sqlalchemy import select

from core.database import utcnow
from desk.models import (
    AccessLog,
    Case,
    CaseStatusChange,
    ContactAddress,
    Interaction,
    Party,
    PartyIdentifier,
    Representation,
    Task,
)
from extensions import db

BATCH = 1000


def _iso(value):
    return value.isoformat() if value is not None else None


def _rows(statement):
    return db.session.scalars(statement.execution_options(yield_per=BATCH))


def export_record(party: Party) -> dict:
    pid = party.id
    return {
        "exported_at": _iso(utcnow()),
        "party": {
            "id": pid,
            "kind": str(party.kind),
            "name": party.name,
            "preferred_language": party.preferred_language,
            "preferred_channel": str(party.preferred_channel),
            "secret": party.secret,
            "created_at": _iso(party.created_at),
        },
        "identifiers": [
            {"kind": i.kind, "masked": i.masked, "created_at": _iso(i.created_at)}
            for i in _rows(select(PartyIdentifier).where(PartyIdentifier.party_id == pid))
        ],
        "contact_addresses": [
            {
                "kind": a.kind,
                "value": a.value,
                "verified_at": _iso(a.verified_at),
                "is_default": a.is_default,
                "consent": {
                    "reminders": a.consent_reminders,
                    "queue_alerts": a.consent_queue_alerts,
                    "case_updates": a.consent_case_updates,
                },
            }
            for a in _rows(select(ContactAddress).where(ContactAddress.party_id == pid))
        ],
        "representations": [
            {
                "representative_id": r.representative_id,
                "represented_id": r.represented_id,
                "basis": r.basis,
                "valid_from": _iso(r.valid_from),
                "valid_until": _iso(r.valid_until),
            }
            for r in _rows(
                select(Representation).where(
                    (Representation.represented_id == pid)
                    | (Representation.representative_id == pid)
                )
            )
        ],
        "cases": [_case(c) for c in _rows(select(Case).where(Case.party_id == pid))],
        "interactions": [
            {
                "id": i.id,
                "channel": str(i.channel),
                "direction": str(i.direction),
                "started_at": _iso(i.started_at),
                "ended_at": _iso(i.ended_at),
                "subject": i.subject,
                "summary": i.summary,
                "outcome": i.outcome,
                "case_id": i.case_id,
                "staff_id": i.staff_id,
                "representative_id": i.representative_id,
                "link": {"type": i.subject_type, "id": i.subject_id} if i.subject_type else None,
            }
            for i in _rows(
                select(Interaction)
                .where(Interaction.party_id == pid)
                .order_by(Interaction.started_at, Interaction.id)
            )
        ],
        "tasks": [
            {
                "id": t.id,
                "kind": t.kind,
                "title": t.title,
                "description": t.description,
                "case_id": t.case_id,
                "due_at": _iso(t.due_at),
                "done_at": _iso(t.done_at),
                "created_at": _iso(t.created_at),
            }
            for t in _rows(select(Task).where(Task.party_id == pid))
        ],
        "access_log": [
            {
                "at": _iso(row.at),
                "staff_id": row.staff_id,
                "action": row.action,
                "purpose": row.purpose,
            }
            for row in _rows(
                select(AccessLog).where(AccessLog.party_id == pid).order_by(AccessLog.id)
            )
        ],
    }


def _case(case: Case) -> dict:
    history = db.session.scalars(
        select(CaseStatusChange)
        .where(CaseStatusChange.case_id == case.id)
        .order_by(CaseStatusChange.id)
    )
    return {
        "id": case.id,
        "subject": case.subject,
        "department": case.department.name,
        "status": str(case.status),
        "confidential": case.confidential,
        "due_date": _iso(case.due_date),
        "opened_at": _iso(case.opened_at),
        "closed_at": _iso(case.closed_at),
        "history": [
            {
                "from": str(h.from_status) if h.from_status else None,
                "to": str(h.to_status),
                "at": _iso(h.changed_at),
                "note": h.note,
            }
            for h in history
        ],
    }
