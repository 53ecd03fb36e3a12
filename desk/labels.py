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
from desk.interaction_texts import TEXTS, interaction_subject, register_texts, render

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
    "informed": _l("Question answered"),
    "appointment_made": _l("Appointment made"),
    "no_answer": _l("No answer"),
    "voicemail": _l("Voicemail left"),
    "wrong_number": _l("Wrong number"),
}
# What a phone call can end in: the wrap-up of the phone console and the desk's "log a call"
# offer these, in this order.
CALL_OUTCOMES = (
    "informed",
    "follow_up",
    "appointment_made",
    "referred",
    "no_answer",
    "voicemail",
    "wrong_number",
)
LINK_TYPES = {
    "appointment": _l("Appointment"),
    "ticket": _l("Ticket"),
    "sms_message": _l("Message"),
    "sms_inbound": _l("Reply"),
    "case": _l("Case"),
    "call": _l("Call"),
    "chat": _l("Chat"),
}
# Fields a merge fills in on the surviving record.
FIELDS = {"name": _l("name"), "preferred_language": _l("preferred language")}


# What an access-log row read or changed (desk.record.access_log): the desk's own codes.
register_texts(
    {
        "access.contact_page": _l("Contact details page"),
        "access.new_case": _l("New case form"),
        "access.new_task": _l("New task form"),
        "access.merge_preview": _l("Merge preview"),
        "access.access_log": _l("This access log"),
        "access.search_hit": _l("Search result"),
        "access.attach_candidates": _l("Offered as the record of a contact"),
        "access.api_search": _l("Search through the API"),
        "access.api_timeline": _l("Contacts read through the API"),
        "access.contact_attached": _l("Contact details added to this record"),
        "access.new_record": _l("New record for a contact"),
        "access.address_changed": _l("Address %(address)s: %(change_codes)s"),
        "access.address_verified": _l("Address %(address)s verified: %(how_code)s"),
        "access.identifier_verified": _l("Identifier %(identifier)s verified: %(how_code)s"),
        "access.preferences": _l("Preferences: %(change_codes)s"),
        "access.representation": _l("Representation %(representation)s recorded"),
        "access.representation_ended": _l("Representation %(representation)s ended"),
        "access.case_opened": _l("Case %(case)s opened"),
        "access.case_status": _l("Case %(case)s: %(status_code)s"),
        "access.task_created": _l("Task %(task)s created"),
        "access.task_closed": _l("Task %(task)s closed"),
        "access.interaction": _l("Contact %(interaction)s recorded (%(channel_code)s)"),
        "access.merged": _l("Merge %(merge)s: record %(absorbed)s into record %(kept)s"),
        "access.merge_undone": _l("Merge %(merge)s undone"),
        "access.suggestion_dismissed": _l("Possible duplicate %(suggestion)s dismissed"),
        "consent.reminders.yes": _l("reminders: yes"),
        "consent.reminders.no": _l("reminders: no"),
        "consent.queue_alerts.yes": _l("queue alerts: yes"),
        "consent.queue_alerts.no": _l("queue alerts: no"),
        "consent.case_updates.yes": _l("case updates: yes"),
        "consent.case_updates.no": _l("case updates: no"),
        "verified.yes": _l("verified"),
        "verified.no": _l("no longer verified"),
        "verified.identity_document": _l("identity document checked"),
        "verified.sms_reply": _l("reply by SMS"),
        "verified.one_time_code": _l("one-time code"),
        "verified.channel": _l("confirmed by a channel"),
        "preference.channel.sms": _l("notices by SMS"),
        "preference.channel.email": _l("notices by e-mail"),
        "preference.channel.post": _l("notices by post"),
        "preference.channel.none": _l("no notices"),
        "preference.language.nl": _l("language: Dutch"),
        "preference.language.fr": _l("language: French"),
        "preference.language.en": _l("language: English"),
        "preference.language.none": _l("language: not set"),
        "case_status.open": _l("Open"),
        "case_status.in_progress": _l("In progress"),
        "case_status.waiting": _l("Waiting for the citizen"),
        "case_status.closed": _l("Closed"),
        "channel.web": _l("Web"),
        "channel.sms": _l("SMS"),
        "channel.chat": _l("Chat"),
        "channel.video": _l("Video"),
        "channel.phone": _l("Phone"),
        "channel.counter": _l("Counter"),
        "channel.email": _l("E-mail"),
        "channel.post": _l("Post"),
        "channel.note": _l("Staff note"),
    }
)


def access_detail(row) -> str:
    """What an access-log row read or changed, in the reader's language; rows written before
    detail codes show their text."""
    return render(row.detail_code, row.detail_params, row.detail)


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
