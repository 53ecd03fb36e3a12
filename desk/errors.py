"""The case record's domain errors: one hierarchy, each error named by a stable code.

Channels and views catch `RecordError`; the code picks the message (in the user's language) and
the API error code, and `field` says which input was wrong. Nothing is written when one is raised.
"""

from flask_babel import lazy_gettext as _l

from core.errors import DomainError

MESSAGES = {
    "invalid_phone": _l("This is not a phone number we can use. Check the digits."),
    "invalid_email": _l("This is not a valid e-mail address."),
    "invalid_national_number": _l(
        "This national register number is not valid: its check digits do not match."
    ),
    "invalid_kbo_number": _l(
        "This company number (KBO) is not valid: its check digits do not match."
    ),
    "party_needs_a_key": _l(
        "Give at least a name, a phone number, an e-mail address or an identifier."
    ),
    "search_needs_a_key": _l("Give a phone number, an e-mail address or a text to search for."),
    "invalid_cursor": _l("This page marker is not valid. Start again from the first page."),
    "invalid_channel": _l("Unknown channel."),
    "invalid_direction": _l("Unknown direction."),
    "invalid_outcome": _l("Choose an outcome from the list."),
    "invalid_kind": _l("Unknown kind."),
    "invalid_status": _l("Unknown case status."),
    "status_unchanged": _l("The case already has this status."),
    "subject_required": _l("Give a subject."),
    "text_too_long": _l("This text is too long."),
    "invalid_characters": _l("A name cannot contain invisible or control characters."),
    "invalid_times": _l("The end cannot be before the start."),
    "naive_datetime": _l("Times must carry a time zone."),
    "invalid_link": _l("A link needs both a type and a number."),
    "invalid_code": _l("Unknown text code."),
    "task_needs_assignee": _l("Assign the task to a person or a department."),
    "invalid_language": _l("Unknown language."),
    "invalid_preferred_channel": _l("Unknown notification channel."),
    "unknown_party": _l("This party does not exist."),
    "unknown_department": _l("This department does not exist."),
    "unknown_staff": _l("This staff member does not exist."),
    "unknown_case": _l("This case does not exist."),
    "unknown_task": _l("This task does not exist."),
    "unknown_merge": _l("This merge does not exist."),
    "case_of_other_party": _l("This case belongs to someone else."),
    "representative_is_party": _l("A party cannot represent itself."),
    "confidential_case": _l(
        "This case is confidential to another department: you cannot see or change it."
    ),
    "merge_into_itself": _l("A party cannot be merged into itself."),
    "already_merged": _l("This party has already been merged into another one."),
    "conflicting_identifiers": _l(
        "These parties have different identifiers of the same kind: they are different people."
    ),
    "merge_already_undone": _l("This merge has already been undone."),
    "merge_not_latest": _l("Undo the later merges of these parties first."),
    "task_already_closed": _l("This task is already closed."),
    "suggestion_resolved": _l("This suggestion has already been handled."),
    "unknown_address": _l("This contact address does not exist."),
    "unknown_purpose": _l("Unknown consent purpose. Marketing is never a purpose here."),
    "channel_needs_phone": _l("SMS needs a phone number on the record. Add one first."),
    "channel_needs_email": _l("E-mail needs an e-mail address on the record. Add one first."),
    "unknown_representation": _l("This representation does not exist."),
    "representation_ended": _l("This representation has already ended."),
}


class RecordError(DomainError):
    """Something a caller or a user can cause; `code` is stable, `message` is translated."""

    messages = MESSAGES


class InvalidInput(RecordError):
    """A value fails its rules (a phone number, a check digit, a missing subject)."""


class NotFound(RecordError):
    """A party, case, department, staff member or merge that does not exist."""

    status = 404


class NotAllowed(RecordError):
    """The staff member may not see or change this; views answer 404 so nothing leaks."""

    status = 404


class Conflict(RecordError):
    """The request contradicts the record's state (merge twice, undo twice, close twice)."""

    status = 409
