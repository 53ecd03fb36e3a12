"""A citizen's record for the page tests, written through the record's own services: two
citizens (Jan, whose pages are tested, and Piet, whose ids must never open), each with a
contact, a staff note, a case, a notice, an address and an access-log entry."""

from dataclasses import dataclass
from datetime import timedelta

from core.database import utcnow
from desk import accounts, record
from desk.models import Role
from extensions import db
from sms.models import MessageStatus
from sms.outbox import queue_message


@dataclass
class Citizen:
    party_id: int
    address_id: int
    interaction_id: int
    note_id: int
    case_id: int
    notice_id: int
    access_id: int
    identifier_id: int | None = None


def staff_member(email="clerk@example.org", name="Clara Clerk", department="burgerzaken"):
    found = accounts.get_or_create_department(department, "Burgerzaken")
    return accounts.create_staff(
        email=email,
        name=name,
        role=Role.BACK_OFFICE,
        password="correct horse battery staple",
        department_id=found.id,
    )


def citizen(name: str, phone: str, email: str, staff, *, subject: str) -> Citizen:
    """One citizen's record; commits."""
    from sqlalchemy import select

    from desk.models import AccessLog

    party = record.find_or_create_party(name=name, phone=phone, email=email, language="nl")
    party.preferred_channel = "sms"
    address = party.addresses[0]
    contact = record.record_interaction(
        party=party, channel="phone", direction="inbound", subject=subject, staff=staff
    )
    note = record.add_note(party=party, staff=staff, text=f"Interne nota over {name}")
    case = record.open_case(
        party=party, subject=f"Dossier {name}", department=staff.department, staff=staff
    )
    record.set_case_status(case=case, status="in_progress", staff=staff)
    notice = queue_message(
        key=f"test:{name}",
        recipient=phone,
        body=f"Beste {name}, uw dossier is bijgewerkt.",
        purpose="case_update",
        party_id=party.id,
    )
    notice.status = MessageStatus.DELIVERED
    notice.sent_at = utcnow() - timedelta(days=1)
    record.log_access(staff=staff, party_ids=party.id, action="view", purpose="case_work")
    db.session.flush()
    access_id = db.session.scalar(
        select(AccessLog.id).where(AccessLog.party_id == party.id).order_by(AccessLog.id.desc())
    )
    db.session.commit()
    return Citizen(
        party_id=party.id,
        address_id=address.id,
        interaction_id=contact.id,
        note_id=note.id,
        case_id=case.id,
        notice_id=notice.id,
        access_id=access_id,
    )


def two_citizens():
    staff = staff_member()
    jan = citizen("Jan Peeters", "+32470000001", "jan@example.org", staff, subject="Vraag paspoort")
    piet = citizen("Piet Maes", "+32470000002", "piet@example.org", staff, subject="Vraag Piet")
    return staff, jan, piet
