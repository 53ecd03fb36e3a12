"""What staff read instead of the record's internal codes: access-log actions and purposes,
contact outcomes, and what a contact concerns ("Afspraak ABC-123", "Ticket A012"), in the
reader's language.

The record stores codes ("view", "access_request", "served", ("ticket", 2)); a page turns them
into words here. What a link stands for is the channel's to say (a booking's reference, a
ticket's number): the desk asks through `desk.signals.link_names`, answered by the channels,
one call per type for a whole page. A code nobody knows is shown as it was stored.
"""

from collections import defaultdict

from flask import current_app
from flask_babel import lazy_gettext as _l

from desk import signals
from desk.interaction_texts import TEXTS, interaction_subject, render

ACTIONS = {
    "view": _l("viewed"),
    "search": _l("found in a search"),
    "export": _l("exported"),
    "change": _l("changed"),
    "merge": _l("merged"),
}
PURPOSES = {
    "contact": _l("contact with the citizen"),
    "case_work": _l("case work"),
    "callback": _l("callback"),
    "quality": _l("quality check"),
    "access_request": _l("citizen's request for access"),
    "merge": _l("merging records"),
}
# Outcomes the channels record as codes (older rows may hold free text: shown as written).
OUTCOMES = {
    "served": _l("Served"),
    "follow_up": _l("Needs a follow-up"),
    "missing_documents": _l("Documents missing"),
    "referred": _l("Referred elsewhere"),
    "no_show": _l("Did not show up"),
    "booked": _l("Booked"),
    "arrived": _l("Arrived"),
    "cancelled": _l("Cancelled"),
    "rescheduled": _l("Rescheduled"),
    "confirmed": _l("Confirmed"),
    "sent": _l("Sent"),
    "opted out": _l("Opted out"),
    "opted in": _l("Opted in"),
    "a colleague follows up": _l("A colleague follows up"),
    "nothing the reply could act on": _l("Nothing the reply could act on"),
}
LINK_TYPES = {
    "appointment": _l("Appointment"),
    "ticket": _l("Ticket"),
    "sms_message": _l("Message"),
    "sms_inbound": _l("Reply"),
    "case": _l("Case"),
    "chat": _l("Chat"),
}
# Fields a merge fills in on the surviving record.
FIELDS = {"name": _l("name"), "preferred_language": _l("preferred language")}


def label(table: dict, code) -> str:
    if code is None:
        return ""
    found = table.get(str(code))
    return str(found) if found is not None else str(code)


def contact_texts(item) -> tuple[str, str | None]:
    """A timeline row's subject and outcome as the reader reads them, in the request's
    language: the one place that turns what an interaction stores into words (the record API
    answers with these, the party page shows them)."""
    outcome = interaction_outcome(item) if item.outcome is not None else None
    return interaction_subject(item), outcome


def interaction_outcome(item) -> str:
    """An outcome code in words ("served" → "Served", a channel's registered "sms.failed" →
    "Failed"); older free text as it was written."""
    if item.outcome in TEXTS:
        return render(item.outcome, None, item.outcome)
    return label(OUTCOMES, item.outcome)


def link_labels(items) -> dict[tuple[str, int], str]:
    """(type, id) -> "Afspraak ABC-123" for the links of a page's contacts: one signal per
    type, whichever channels answer it; a link no channel names shows its type and number."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for item in items:
        if item.subject_type and item.subject_id is not None:
            wanted[item.subject_type].add(item.subject_id)
    labels = {}
    for link_type, ids in wanted.items():
        names: dict[int, str] = {}
        answers = signals.link_names.send(
            current_app._get_current_object(), link_type=link_type, ids=tuple(sorted(ids))
        )
        for _receiver, answer in answers:
            names.update(answer or {})
        kind = label(LINK_TYPES, link_type)
        for link_id in ids:
            labels[(link_type, link_id)] = f"{kind} {names.get(link_id, link_id)}"
    return labels
