"""Click-to-dial for agents who work on a desk phone: Loket asks Twilio's REST API to ring the
agent's desk phone from the municipality's number (TWILIO_FROM); when the agent picks up,
Twilio asks `/phone/desk-dial/<call id>`, and Loket's TwiML says whom the agent is calling, in
the agent's language, and dials the citizen from the municipality's number.

The call is written first, as a browser's outgoing call is (phone.outgoing: the same number
checks, the agent on a call, the screen pop), and Twilio is asked only after that commit.
The CallSid Twilio gives is kept on the row then, or by the first webhook that brings it should
Twilio's answer be overtaken (the agent picking up, or the desk phone's own status, whose URL
names the call), so both legs report to `/phone/outgoing-status` as a browser call's legs do
(the agent's own leg through the REST call's StatusCallback). A refusal by Twilio ends the
call as failed: the console tells the agent in words, and they may wrap up or try again.
"""

import logging

import requests
from flask import current_app
from sqlalchemy import update
from twilio.base.exceptions import TwilioException
from twilio.twiml.voice_response import VoiceResponse

from core.database import utcnow
from core.unit_of_work import after_commit, run_in_transaction
from desk.models import Staff
from extensions import db
from phone import bridge, legs, outgoing, prompts, twiml
from phone.agent_errors import AgentError
from phone.models import AgentDevice, Call, CallDirection, CallStatus

log = logging.getLogger(__name__)


def start_desk_call(staff: Staff, typed: str) -> Call:
    """The agent's call to `typed`, written with the agent on it; their desk phone rings once
    this commits. Raises AgentError for what the browser path refuses too."""
    if not (bridge.configured() and current_app.config.get("TWILIO_FROM")):
        raise AgentError("calls_out_not_configured", field="number")
    number = outgoing.dialable_number(typed)
    agent = outgoing.check_free(staff.id)
    if agent.device != AgentDevice.DESK_PHONE or not agent.device_number:
        raise AgentError("desk_phone_without_number", field="number")
    call = outgoing.new_call(staff, number, sid=None)
    db.session.add(call)
    db.session.flush()
    outgoing.put_on_call(agent, call, staff)
    after_commit(ring_desk_phone, call.id, agent.device_number)
    return call


def answer_url(call_id: int) -> str:
    return twiml.url(f"/phone/desk-dial/{call_id}")


def ring_desk_phone(call_id: int, desk_number: str) -> bool:
    """Twilio calls the desk phone; its answer is the call's CallSid, kept in a small
    transaction of its own (this runs after the commit). False when Twilio refused or could not
    be reached: the call is then failed."""
    try:
        made = bridge.twilio_client().calls.create(
            to=desk_number,
            from_=current_app.config["TWILIO_FROM"],
            url=answer_url(call_id),
            method="POST",
            status_callback=outgoing.status_url(call_id),
            status_callback_method="POST",
        )
    except (TwilioException, requests.RequestException):
        log.warning("Twilio did not ring the desk phone for call %s", call_id, exc_info=True)
        run_in_transaction(_fail, call_id)
        return False
    run_in_transaction(_keep_sid, call_id, made.sid)
    return True


def _keep_sid(call_id: int, sid: str) -> None:
    db.session.execute(
        update(Call).where(Call.id == call_id, Call.call_sid.is_(None)).values(call_sid=sid)
    )


def desk_leg_without_sid(call_id: int, sid: str) -> Call | None:
    """The call a desk phone's own leg reports for, when the leg's status overtook Twilio's
    answer to the REST request (a number failing at once): the sid is kept now. None when the
    call has another sid, or is no such call."""
    call = db.session.get(Call, call_id, with_for_update=True, populate_existing=True)
    if call is None or call.direction != CallDirection.OUTBOUND or call.call_sid is not None:
        return None
    call.call_sid = sid
    return call


def _fail(call_id: int) -> None:
    call = db.session.get(Call, call_id, with_for_update=True, populate_existing=True)
    if call is None or call.ended_at is not None:
        return
    call.status, call.ended_at = CallStatus.FAILED, utcnow()
    legs.agent_to_wrap_up(call)


def answered(call: Call | None, sid: str) -> VoiceResponse:
    """What the agent hears on picking up: the number they are calling, then the citizen's
    phone ringing. Only the call Twilio made for this row gets it (its CallSid, kept now if the
    REST answer has not been yet); a call failed meanwhile (Twilio's answer never came) is hung
    up with an apology."""
    if call is None or call.direction != CallDirection.OUTBOUND or call.call_sid not in (None, sid):
        language = outgoing.agent_language(None)
        return twiml.goodbye([prompts.outgoing_refused(language, "unknown_call")])
    if call.status != CallStatus.CONNECTING or call.ended_at is not None:
        return twiml.goodbye([prompts.say("trouble", call.language)])
    if call.call_sid is None:
        call.call_sid = sid
    calling = prompts.calling(call.language, call.to_number)
    return outgoing.dial_twiml(call.to_number, [calling])
