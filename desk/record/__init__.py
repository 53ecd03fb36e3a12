"""The one write path into the case record: every channel and the staff desk write through here.

Services take plain values and raise `desk.errors.RecordError` subclasses (each with a code).
They add and flush and never commit: the caller's unit of work (core.unit_of_work) does, so a
channel's own change and its record entries stand or fall together. All input is checked
before anything is written. Signals that announce a change (`desk.signals`) go out after the
commit, never for a change that rolled back.

One module per subject, so that each fits in a reader's head; callers use the names below
(`from desk import record; record.find_or_create_party(...)`), not the modules:

- `parties`: who a contact is (matching, creating, duplicate suggestions, following merges)
- `interactions`: contact moments on the timeline, and staff notes
- `cases`: dossiers and their status history
- `tasks`: follow-ups and callback requests
- `preferences`: consent per address, preferred channel and language
- `representation`: one party acting for another
- `access_log`: who looked at or changed a record
- `attach`: a contact attached to the party staff chose, or a new party as the last choice
- `verification`: an address or identifier proven to be the party's (how, by whom)
- `common`: the value checks and look-ups they all share
"""

from desk.record.access_log import _log, log_access
from desk.record.attach import attach_contact, new_party_for_contact
from desk.record.cases import open_case, resolve_case, set_case_status
from desk.record.common import (
    LANGUAGES,
    PURPOSES,
    SUBJECT_MAX,
    SUMMARY_MAX,
    resolve_department,
    resolve_staff,
)
from desk.record.interactions import LINK_TYPE, add_note, record_interaction, record_interactions
from desk.record.parties import (
    Contact,
    Holders,
    PartyKeys,
    find_or_create_parties,
    find_or_create_party,
    live_party,
    lost_race,
    party_keys,
    resolve_party,
)
from desk.record.preferences import CONSENT_PURPOSES, set_contact_consent, set_preferences
from desk.record.representation import add_representation, end_representation
from desk.record.tasks import TASK_KINDS, close_task, create_task
from desk.record.verification import verify_address, verify_by_reply, verify_identifier

__all__ = [
    "CONSENT_PURPOSES",
    "LANGUAGES",
    "LINK_TYPE",
    "PURPOSES",
    "SUBJECT_MAX",
    "SUMMARY_MAX",
    "TASK_KINDS",
    "Contact",
    "Holders",
    "PartyKeys",
    "_log",
    "add_note",
    "add_representation",
    "attach_contact",
    "close_task",
    "create_task",
    "end_representation",
    "find_or_create_parties",
    "find_or_create_party",
    "live_party",
    "log_access",
    "lost_race",
    "new_party_for_contact",
    "open_case",
    "party_keys",
    "record_interaction",
    "record_interactions",
    "resolve_case",
    "resolve_department",
    "resolve_party",
    "resolve_staff",
    "set_case_status",
    "set_contact_consent",
    "set_preferences",
    "verify_address",
    "verify_by_reply",
    "verify_identifier",
]
