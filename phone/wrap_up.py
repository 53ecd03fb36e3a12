"""Wrap-up: what the agent logs after a call becomes one contact moment on the citizen's
timeline (channel phone), with the wait, talk and wrap-up times and the agent.

Written through the record (desk.record) in the caller's unit of work, with the subject and the
outcome as codes (desk.interaction_texts, desk.labels), so each reader reads them in their own
language; the agent's note is the one free text. The call keeps what the KPIs need: its times,
the outcome, and for a callback whether the citizen was reached.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from core.database import utcnow
from desk import access, record
from desk.interaction_texts import in_default_language, in_languages, register_texts
from desk.labels import CALL_OUTCOMES
from desk.models import Role, Staff
from extensions import db
from office.models import Service
from phone import agents, queue
from phone.agent_errors import AgentError, Conflict, NotAllowed, NotFound
from phone.models import AgentState, Call, CallbackState, CallDirection, CallStatus

NOTE_MAX = 20000
SUBJECT = "phone.call"
SUBJECT_ABOUT = "phone.call_about"
# A call the agent made (phone.outgoing): nobody waited in line.
SUBJECT_OUT = "phone.outgoing_call"
SUBJECT_OUT_ABOUT = "phone.outgoing_call_about"
register_texts(
    {
        SUBJECT: _l("Phone call · waited %(wait)s, talked %(talk)s, wrap-up %(wrap_up)s"),
        SUBJECT_ABOUT: _l(
            "Phone call: %(service)s · waited %(wait)s, talked %(talk)s, wrap-up %(wrap_up)s"
        ),
        SUBJECT_OUT: _l("Outgoing phone call · talked %(talk)s, wrap-up %(wrap_up)s"),
        SUBJECT_OUT_ABOUT: _l(
            "Outgoing phone call: %(service)s · talked %(talk)s, wrap-up %(wrap_up)s"
        ),
        # access-log details (desk.record.access_log) of the console's search and attach
        "phone.attached": _l("Caller of call %(call)s added to this record"),
        "phone.new_record": _l("New record for the caller of call %(call)s"),
    }
)
UNREACHED = ("no_answer", "voicemail", "wrong_number")


def minutes_seconds(seconds: int | None) -> str:
    """ "2:05": how long, the way a contact centre reads it."""
    seconds = max(0, int(seconds or 0))
    return f"{seconds // 60}:{seconds % 60:02d}"


def call_of_agent(call_id, staff: Staff, *, lock: bool = False) -> Call:
    """The call, if it is this agent's (an admin may log any)."""
    try:
        call = db.session.get(
            Call, int(call_id), with_for_update=lock or None, populate_existing=lock
        )
    except (TypeError, ValueError, OverflowError):
        call = None
    if call is None:
        raise NotFound("unknown_call", field="call_id")
    if call.agent_id != staff.id and staff.role != Role.ADMIN:
        raise NotAllowed("call_not_yours", field="call_id")
    return call


def log_call(
    call_id,
    staff: Staff,
    *,
    outcome: str,
    note: str = "",
    party_id: int | None = None,
    service_id: int | None = None,
    follow_up: str = "",
    case_id: int | None = None,
    now: datetime | None = None,
):
    """The call's interaction (and a follow-up task when asked), in the caller's unit of work.
    A callback nobody answered may be logged without a record (there is nobody to write it
    on). Logging twice is refused: the record is append-only, a correction is a note."""
    now = now or utcnow()
    if outcome not in CALL_OUTCOMES:
        raise AgentError("invalid_outcome", field="outcome")
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        raise AgentError("note_too_long", field="summary")
    call = call_of_agent(call_id, staff, lock=True)
    if call.wrap_up_ended_at is not None:
        raise Conflict("call_logged", field="call_id")
    party = party_id if party_id is not None else call.party_id
    if party is None and outcome not in UNREACHED:
        raise AgentError("invalid_party", field="party_id")
    if party is not None:
        party = record.resolve_party(party, field="party_id")
        if not access.can_see_party(staff, party):
            raise NotFound("invalid_party", field="party_id")
    if call.ended_at is None:  # logged while still talking, or a phone system that never said
        call.ended_at = now
    if call.status in (CallStatus.CONNECTING, CallStatus.ON_CALL):
        call.status = CallStatus.COMPLETED
    if party is not None:
        interaction = _record(
            call, party, staff, outcome, note, service_id, follow_up, case_id, now
        )
        call.party_id, call.interaction_id = interaction.party_id, interaction.id
    call.outcome, call.note = outcome, note.strip()
    call.wrap_up_ended_at = now
    if call.callback_state == CallbackState.DIALING:
        reached = outcome not in UNREACHED
        call.callback_state = CallbackState.COMPLETED if reached else CallbackState.UNANSWERED
        call.callback_done_at = now if reached else None
    agent = agents.agent_status(staff.id, lock=True)
    if agent.current_call_id in (None, call.id):
        agents.move(agent, AgentState.AVAILABLE)
    if call.status == CallStatus.ABANDONED or call.callback_state == CallbackState.UNANSWERED:
        queue.publish_after_commit()  # the consoles' "to call back" list changed
    return call


def _record(call, party, staff, outcome, note, service_id, follow_up, case_id, now):
    """The call as a contact on the party's timeline, with its times as the subject's
    parameters; a follow-up task for the service's department (or the agent) when asked."""
    service = _service(service_id if service_id is not None else call.service_id)
    params = {
        "wait": minutes_seconds(call.wait_seconds),
        "talk": minutes_seconds(call.talk_seconds),
        "wrap_up": minutes_seconds((now - call.ended_at).total_seconds()),
    }
    outbound = call.direction == CallDirection.OUTBOUND
    if outbound:
        del params["wait"]
    code = SUBJECT_OUT if outbound else SUBJECT
    if service is not None:
        code = SUBJECT_OUT_ABOUT if outbound else SUBJECT_ABOUT
        params = {**params, "service": in_languages(service.name_in)}
    interaction = record.record_interaction(
        party=party,
        channel="phone",
        direction="outbound" if outbound else "inbound",
        subject=in_default_language(code, params),
        subject_code=code,
        subject_params=params,
        summary=note.strip(),
        outcome=outcome,
        staff=staff,
        started_at=call.answered_at or call.queued_at or call.created_at,
        ended_at=call.ended_at,
        link_type="call",
        link_id=call.id,
        case=case_id,
    )
    if follow_up.strip():
        department = service.department_id if service and service.department_id else None
        record.create_task(
            party=interaction.party_id,
            title=follow_up.strip(),
            staff=staff,
            assignee=None if department else staff,
            department=department,
            case=case_id,
        )
    return interaction


def _service(service_id) -> Service | None:
    if service_id in (None, ""):
        return None
    service = db.session.get(Service, service_id) if isinstance(service_id, int) else None
    if service is None:
        raise AgentError("invalid_subject", field="service_id")
    return service
