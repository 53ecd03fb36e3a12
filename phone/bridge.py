"""Twilio's REST API for the agents' side: bridge a waiting caller to the agent who took the
call, and ring the agent first, then the citizen, for a callback.

The real `twilio` client (sms.gateways points it at TWILIO_API_BASE_URL: the local fake in
tests). A live caller waits in a Twilio `<Enqueue>`; updating that call with new TwiML takes it
out of the queue and dials the agent: the browser (`<Client>`, phone.token) or the agent's desk
phone (`<Number>`). A callback is a new call to the agent whose TwiML then dials the citizen
from the municipality's number (TWILIO_FROM), so the citizen sees the number they called.
These run after the commit that gave the call to the agent: Twilio is never asked to bridge a
call the database did not give.
"""

import logging
import threading

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Row, update
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.twiml.voice_response import Dial, VoiceResponse

from core.unit_of_work import after_commit, run_in_transaction
from extensions import db
from phone import agents, legs, queue
from phone.models import (
    AgentDevice,
    AgentState,
    Call,
    CallbackState,
    CallSource,
    CallStatus,
)
from phone.token import agent_identity
from sms.gateways import BaseUrlHttpClient

log = logging.getLogger(__name__)
_local = threading.local()


def configured() -> bool:
    config = current_app.config
    return bool(config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN"))


def twilio_client() -> Client:
    """One client per thread (a requests Session is not shared between threads)."""
    config = current_app.config
    key = (config.get("TWILIO_ACCOUNT_SID"), config.get("TWILIO_API_BASE_URL"))
    if getattr(_local, "key", None) != key:
        http = BaseUrlHttpClient(config.get("TWILIO_API_BASE_URL"), 10.0)
        _local.client = Client(
            config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], http_client=http
        )
        _local.key = key
    return _local.client


def dial_agent(staff_id: int, desk_number: str | None, *, caller_id: str | None = None) -> Dial:
    dial = Dial(caller_id=caller_id) if caller_id else Dial()
    if desk_number:
        dial.number(desk_number)
    else:
        dial.client(agent_identity(staff_id))
    return dial


def bridge_twiml(staff_id: int, desk_number: str | None) -> str:
    response = VoiceResponse()
    response.append(dial_agent(staff_id, desk_number))
    return str(response)


def callback_twiml(citizen_number: str, announce: str) -> str:
    """What the agent hears on picking up: who is being called, then the citizen's phone."""
    response = VoiceResponse()
    response.say(announce)
    dial = Dial(caller_id=current_app.config["TWILIO_FROM"])
    dial.number(
        citizen_number,
        status_callback=callback_status_url(),
        status_callback_event="answered completed",
    )
    response.append(dial)
    return str(response)


def callback_status_url() -> str:
    """Both legs of a callback report here (phone.console.callback_status)."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/phone/callback-status"


def bridge_live_call(call_sid: str, staff_id: int, desk_number: str | None) -> bool:
    """Take the waiting caller out of the queue, to the agent. False when Twilio refused
    (the caller hung up in the meantime): the console shows it, the status webhook logs it."""
    try:
        twilio_client().calls(call_sid).update(twiml=bridge_twiml(staff_id, desk_number))
    except TwilioRestException:
        log.warning("Twilio refused to bridge %s", call_sid, exc_info=True)
        return False
    return True


def start_callback(
    call_id: int, staff_id: int, desk_number: str | None, citizen_number: str, announce: str
) -> str | None:
    """Ring the agent; on answer, Twilio dials the citizen. The new call's sid is kept on the
    entry (its own small transaction: this runs after the commit), so both legs' statuses
    find it; None when Twilio refused."""
    to = desk_number or f"client:{agent_identity(staff_id)}"
    try:
        made = twilio_client().calls.create(
            to=to,
            from_=current_app.config["TWILIO_FROM"],
            twiml=callback_twiml(citizen_number, announce),
            status_callback=callback_status_url(),
        )
    except TwilioRestException:
        log.warning("Twilio refused the callback to %s", citizen_number, exc_info=True)
        run_in_transaction(_agent_not_reached_by_id, call_id)
        return None
    run_in_transaction(_keep_callback_sid, call_id, made.sid)
    return made.sid


def _keep_callback_sid(call_id: int, sid: str) -> None:
    db.session.execute(update(Call).where(Call.id == call_id).values(callback_call_sid=sid))


AGENT_NOT_REACHED = {"busy", "no-answer", "failed", "canceled"}


def apply_callback_status(
    call: Call, *, citizen_leg: bool, state: str, duration: int | None = None
) -> None:
    """A callback's progress (phone.legs); once ended: reached when the citizen had answered,
    else unanswered ("to call back" on the console, with its attempts). The agent's own
    status moves to wrap-up. An agent's phone that never answered dialled nobody: see
    `agent_not_reached`."""
    agent_leg_failed = not citizen_leg and state in AGENT_NOT_REACHED
    if agent_leg_failed and call.answered_at is None and call.ended_at is None:
        agent_not_reached(call)
        return
    if not legs.progress(call, citizen_leg=citizen_leg, state=state, duration=duration):
        return
    if call.answered_at is not None:
        call.status = CallStatus.COMPLETED
        call.callback_state, call.callback_done_at = CallbackState.COMPLETED, call.ended_at
    else:
        call.status = CallStatus.FAILED
        call.callback_state = CallbackState.UNANSWERED
    legs.agent_to_wrap_up(call)
    queue.publish_after_commit()


def agent_not_reached(call: Call) -> None:
    """The agent's phone did not answer (or Twilio would not ring it), so the citizen was never
    called: the entry goes back in line in its original place, the attempt does not count, and
    the agent is set away, as contact centres do after a missed call, until they say they are
    available again."""
    staff_id = call.agent_id
    call.status, call.callback_state = CallStatus.CALLBACK, CallbackState.REQUESTED
    call.agent_id = call.callback_call_sid = None
    call.callback_attempts = max(0, (call.callback_attempts or 0) - 1)
    if staff_id is not None:
        agent = agents.agent_status(staff_id, lock=True)
        if agent.current_call_id == call.id:
            agents.move(agent, AgentState.AWAY)
    queue.publish_after_commit()


def _agent_not_reached_by_id(call_id: int) -> None:
    call = db.session.get(Call, call_id, with_for_update=True, populate_existing=True)
    if call is not None and call.status == CallStatus.CONNECTING:
        agent_not_reached(call)


def connect_after_commit(call: Row, agent: Row) -> None:
    """Once the commit that gave a Twilio call to this agent succeeds: bridge the live caller,
    or ring the agent and then the citizen for a callback. Decided now, from the rows in hand
    (the columns phone.take read of the entry and the agent); calls from other phone systems
    (CTI) and installations without Twilio have nothing to connect."""
    if call.source != CallSource.TWILIO or not configured():
        return
    desk_number = agent.device_number if agent.device == AgentDevice.DESK_PHONE else None
    if call.callback_state == CallbackState.DIALING:
        number = call.callback_number or call.from_number
        # what the agent hears on picking up, in the agent's language
        announce = _("Callback to %(number)s.", number=" ".join(number))
        after_commit(start_callback, call.id, agent.staff_id, desk_number, number, announce)
    elif call.call_sid:
        after_commit(bridge_live_call, call.call_sid, agent.staff_id, desk_number)
