"""A contact attached to the party a person chose: the one step staff take many times a day.

Matching by itself stays conservative (desk.record.parties): an unverified phone number never
joins two records. Where a person meets the citizen (the counter, the phone, a chat) staff
search the record and choose; `attach_contact` then gives the chosen party the contact details
this visit brought that it lacks (unverified: choosing is not checking a document), and
`new_party_for_contact` is the last choice, when none of the candidates is this citizen. A
channel stores the party on its own row (the ticket, the call) in the same unit of work.
"""

from desk import access
from desk.errors import NotFound
from desk.models import Party, Staff
from desk.record.access_log import _log
from desk.record.parties import (
    _add_keys,
    _checked_contact,
    _create,
    _holders,
    _suggest_duplicates,
    resolve_party,
)
from extensions import db


def attach_contact(
    *,
    party: Party | int,
    staff: Staff,
    phone: str | None = None,
    email: str | None = None,
    name: str | None = None,
    detail: str = "access.contact_attached",
    detail_params: dict | None = None,
) -> Party:
    """The chosen (surviving) party, with this contact's phone and e-mail added where it lacks
    them. A party the staff member may not see is "not found"."""
    target = resolve_party(party)
    if not access.can_see_party(staff, target):
        raise NotFound("unknown_party", field="party")
    if phone or email:
        keys = _checked_contact(name=name or None, phone=phone, email=email).keys
        keys.name = ""  # a name typed at a kiosk never renames a record
        _add_keys(target, keys, verified=False)
    _log(staff, target.id, "change", "contact", detail, detail_params)
    db.session.flush()
    return target


def new_party_for_contact(
    *,
    staff: Staff,
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    language: str | None = None,
    detail: str = "access.new_record",
    detail_params: dict | None = None,
) -> Party:
    """A new party, because staff said none of the candidates is this citizen. Others holding
    the same phone or e-mail get a duplicate suggestion, as always."""
    contact = _checked_contact(name=name, phone=phone, email=email, language=language)
    holders = _holders([contact.keys])
    [party] = _create([contact])
    _suggest_duplicates(party, contact.keys, holders.addresses, new=True)
    _log(staff, party.id, "change", "contact", detail, detail_params)
    db.session.flush()
    return party
