"""Calls an agent makes: typed in the console, dialled by the browser (Twilio Voice SDK).

The console's `device.connect({params: {To}})` makes Twilio ask the TwiML application's Voice
URL, `/phone/outgoing`, with `From=client:agent-7` (phone.token.agent_identity) and the typed
`To`. Loket answers only for an active call agent or admin, and only for a number people may
be called on from a town hall: a valid landline, mobile or free number in one of the allowed
countries (LOKET_PHONE_OUTBOUND_REGIONS), never premium-rate or shared-cost. The citizen sees
the municipality's number (TWILIO_FROM), as for a callback.

The call is a Call row like any other (direction outbound), so the agent is "on a call", gets
the screen pop of the number's record (matched conservatively, phone.matching) and logs it with
the same wrap-up. The citizen's leg reports answered and ended to `/phone/outgoing-status`;
each status counts once. An agent on a desk phone calls out the other way round: Loket rings
their desk phone first and dials the number once they pick up (phone.desk_dial), with the same
checks and the same Call row.
"""

from collections.abc import Sequence

import phonenumbers
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from twilio.twiml.voice_response import Dial, VoiceResponse

from desk.identifiers import e164
from desk.models import Role, Staff
from extensions import db
from phone import agents, legs, screen_pop, twiml
from phone.agent_errors import AgentError, Conflict
from phone.matching import candidates_for
from phone.models import (
    AgentState,
    AgentStatus,
    Call,
    CallDirection,
    CallSource,
    CallStatus,
)
from phone.prompts import Prompt
from phone.token import IDENTITY_PREFIX

DEFAULT_REGIONS = ("BE", "NL", "LU", "FR", "DE")
NUMBER_TYPES = {
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
}


def allowed_regions() -> set[str]:
    configured = current_app.config.get("PHONE_OUTBOUND_REGIONS") or DEFAULT_REGIONS
    if isinstance(configured, str):
        configured = configured.split(",")
    return {region.strip().upper() for region in configured if region.strip()}


def dialable_number(raw: str) -> str:
    """The number in E.164 (as typed in Belgium: "0470 12 34 56" or "+31 20 ..."), or an
    AgentError saying why it cannot be called."""
    number = e164((raw or "")[:40])
    if number is None:
        raise AgentError("invalid_number", field="number")
    parsed = phonenumbers.parse(number, None)
    region = phonenumbers.region_code_for_number(parsed)
    if region not in allowed_regions() or phonenumbers.number_type(parsed) not in NUMBER_TYPES:
        raise AgentError("number_not_allowed", field="number")
    return number


def agent_of(client: str) -> Staff | None:
    """The active call agent or admin whose browser is `client:agent-<id>`, else None."""
    name = (client or "").removeprefix("client:")
    staff_id = name.removeprefix(IDENTITY_PREFIX)
    if not name.startswith(IDENTITY_PREFIX) or not staff_id.isdigit() or len(staff_id) > 12:
        return None
    staff = db.session.get(Staff, int(staff_id))
    if staff is None or not staff.active or staff.role not in (Role.CALL_AGENT, Role.ADMIN):
        return None
    return staff


def agent_language(staff: Staff | None) -> str:
    language = (staff.preferred_language if staff else None) or ""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    return language if language in ("nl", "fr", "en") else default


def check_free(staff_id: int):
    """The agent's status row, locked; Conflict while they are still talking on a call."""
    agent = agents.agent_status(staff_id, lock=True)
    if agent.current_call_id is not None:
        current = db.session.get(Call, agent.current_call_id)
        if current is not None and current.status in (CallStatus.CONNECTING, CallStatus.ON_CALL):
            raise Conflict("agent_on_call", field="number")
    return agent


def start_outgoing_call(sid: str, staff: Staff, number: str) -> Call:
    """The outbound call, written once per CallSid (Twilio's repeat of the same request finds
    it): the agent on a call, the number's record matched, the screen pop after the commit."""
    call = db.session.scalar(select(Call).where(Call.call_sid == sid))
    if call is not None:
        return call
    agent = check_free(staff.id)
    call = new_call(staff, number, sid)
    try:
        with db.session.begin_nested():
            db.session.add(call)
    except IntegrityError:  # a rival request for the same call stored it first
        return db.session.scalar(select(Call).where(Call.call_sid == sid))
    put_on_call(agent, call, staff)
    return call


def new_call(staff: Staff, number: str, sid: str | None) -> Call:
    """An outbound Call row from the municipality's number; a desk phone's call gets its
    CallSid once Twilio made it (phone.desk_dial)."""
    found = candidates_for(number)
    return Call(
        call_sid=sid,
        source=CallSource.TWILIO,
        direction=CallDirection.OUTBOUND,
        from_number=current_app.config.get("TWILIO_FROM") or "",
        to_number=number,
        language=agent_language(staff),
        status=CallStatus.CONNECTING,
        agent_id=staff.id,
        party_id=found.party_id,
        candidate_party_ids=found.candidate_ids or None,
    )


def put_on_call(agent: AgentStatus, call: Call, staff: Staff) -> None:
    agents.move(agent, AgentState.ON_CALL, call.id)
    screen_pop.pop_after_commit(call, staff)


def status_url(call_id: int | None = None) -> str:
    """Where the legs report. A leg Loket asked Twilio for names its call (`?call=`, signed
    with the rest of the URL): its status may come before Twilio's answer gave the CallSid."""
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/phone/outgoing-status"
    return url if call_id is None else f"{url}?call={call_id}"


def dial_twiml(number: str, before: Sequence[Prompt] = ()) -> VoiceResponse:
    """The citizen's phone, from the municipality's number; the agent hears it ring
    (answerOnBridge) and the citizen's leg reports answered and ended. `before`: what the
    agent hears first (a desk phone's call says whom it calls)."""
    response = VoiceResponse()
    twiml.speak(response, before)
    dial = Dial(caller_id=current_app.config.get("TWILIO_FROM"), answer_on_bridge=True)
    dial.number(
        number,
        status_callback=status_url(),
        status_callback_event="answered completed",
        status_callback_method="POST",
    )
    response.append(dial)
    return response


def apply_outgoing_status(
    call: Call, *, citizen_leg: bool, state: str, duration: int | None
) -> None:
    """The call's progress (phone.legs); once ended: completed when the citizen had
    answered, else failed (nobody picked up). The agent moves to wrap-up."""
    if not legs.progress(call, citizen_leg=citizen_leg, state=state, duration=duration):
        return
    call.status = CallStatus.COMPLETED if call.answered_at is not None else CallStatus.FAILED
    legs.agent_to_wrap_up(call)
