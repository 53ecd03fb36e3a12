"""Contact moments (interactions): one row on a party's timeline per contact on any channel,
and the staff's own notes.

Append-only: a correction is a new moment. Every channel records here, often many at a time,
so a batch is one INSERT; each moment is announced after the commit
(`desk.signals.interaction_recorded`), never for one that rolled back.
"""

import re

from flask import current_app

from core.database import utcnow
from core.rows import insert_rows
from core.unit_of_work import after_commit
from desk import signals
from desk.errors import InvalidInput
from desk.models import Case, Channel, Direction, Interaction, Party, Staff
from desk.record.access_log import _log
from desk.record.cases import resolve_case
from desk.record.common import SUBJECT_MAX, SUMMARY_MAX, _aware, _choice, _text, resolve_staff
from desk.record.parties import resolve_party

LINK_TYPE = re.compile(r"[a-z][a-z_]{0,39}")
CODE = re.compile(r"[a-z][a-z_.]{0,59}")


def record_interaction(**moment) -> Interaction:
    """One contact moment on the party's timeline. Append-only: corrections are new rows.

    Takes the keywords of `_checked_interaction` (party, channel, direction, subject, ...).
    """
    return record_interactions([moment])[0]


def record_interactions(moments: list[dict]) -> list[Interaction]:
    """Many contact moments in one INSERT: a channel's batch (the SMS sender records a hundred
    sent messages at a time) pays one statement instead of one per message.

    Each dict takes the keywords of `_checked_interaction`. All are checked before anything
    is written, so one bad moment refuses the whole batch and writes nothing.
    """
    checked = [_checked_interaction(**moment) for moment in moments]
    if not checked:
        return []
    # Written directly (core.rows): every channel records a moment per contact.
    written = insert_rows(Interaction, [values for values, _staff, _purpose in checked])
    for interaction, (_values, staff, purpose) in zip(written, checked, strict=True):
        params = {"interaction": interaction.id, "channel_code": f"channel.{interaction.channel}"}
        _log(staff, interaction.party_id, "change", purpose, "access.interaction", params)
    app = current_app._get_current_object()
    for interaction in written:
        after_commit(
            signals.interaction_recorded.send,
            app,
            party_id=interaction.party_id,
            interaction_id=interaction.id,
        )
    return written


def _checked_interaction(
    *,
    party: Party | int,
    channel: str,
    direction: str,
    subject: str,
    summary: str = "",
    subject_code: str | None = None,
    subject_params: dict | None = None,
    summary_code: str | None = None,
    summary_params: dict | None = None,
    outcome: str | None = None,
    staff: Staff | None = None,
    started_at=None,
    ended_at=None,
    link_type: str | None = None,
    link_id: int | None = None,
    case: Case | None = None,
    representative: Party | None = None,
    purpose: str = "contact",
) -> tuple[dict, Staff | None, str]:
    """The column values of one moment, after every check; raises before anything is written.

    `subject` and `summary` are the words in the municipality's language; a channel that
    generates them also passes their codes and parameters (desk.interaction_texts), so that
    each reader reads them in their own language.
    """
    target = resolve_party(party)
    staff = resolve_staff(staff)
    the_channel = _choice(Channel, channel, "invalid_channel", "channel")
    the_direction = _choice(Direction, direction, "invalid_direction", "direction")
    subject = _text(subject, "subject", required=True, limit=SUBJECT_MAX)
    summary = _text(summary, "summary", required=False, limit=SUMMARY_MAX)
    outcome = _text(outcome, "outcome", required=False, limit=SUBJECT_MAX) or None
    subject_code, subject_params = _code(subject_code, subject_params, "subject_code")
    summary_code, summary_params = _code(summary_code, summary_params, "summary_code")
    started_at = _aware(started_at, "started_at") or utcnow()
    ended_at = _aware(ended_at, "ended_at")
    if ended_at is not None and ended_at < started_at:
        raise InvalidInput("invalid_times", field="ended_at")
    if (link_type is None) != (link_id is None) or (
        link_type is not None and not LINK_TYPE.fullmatch(link_type)
    ):
        raise InvalidInput("invalid_link", field="link_type")
    the_case = resolve_case(case, staff, target) if case is not None else None
    the_representative = None
    if representative is not None:
        the_representative = resolve_party(representative, field="representative")
        if the_representative.id == target.id:
            raise InvalidInput("representative_is_party", field="representative")
    values = dict(
        party_id=target.id,
        case_id=the_case.id if the_case else None,
        channel=the_channel,
        direction=the_direction,
        started_at=started_at,
        ended_at=ended_at,
        subject=subject,
        subject_code=subject_code,
        subject_params=subject_params,
        summary=summary,
        summary_code=summary_code,
        summary_params=summary_params,
        outcome=outcome,
        staff_id=staff.id if staff else None,
        representative_id=the_representative.id if the_representative else None,
        subject_type=link_type,
        subject_id=int(link_id) if link_id is not None else None,
    )
    return values, staff, purpose


def _code(code: str | None, params: dict | None, field: str) -> tuple[str | None, dict | None]:
    if code is None:
        return None, None
    if not CODE.fullmatch(code) or not isinstance(params, dict | None):
        raise InvalidInput("invalid_code", field=field)
    return code, params or None


def add_note(*, party: Party | int, staff: Staff, text: str, case: Case | int | None = None):
    """A staff note on the timeline: channel "note", never sent to the citizen."""
    body = (text or "").strip()
    first_line = body.splitlines()[0] if body else ""
    subject = first_line if len(first_line) <= 80 else first_line[:79] + "…"
    return record_interaction(
        party=party,
        channel=Channel.NOTE,
        direction=Direction.INTERNAL,
        subject=subject,
        summary=body,
        staff=staff,
        case=case,
    )
