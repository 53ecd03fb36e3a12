"""How an agent takes calls: in the browser (the Twilio Voice SDK) or on a desk phone, a number
Twilio rings (phone.bridge for callers and callbacks, phone.desk_dial for calls out).

The agent chooses it on the console; an admin may set it for them on the phone admin page. It
is not changed during a call: the call was bridged to the device chosen when it was taken, and
its wrap-up and hang-up follow that device.
"""

import phonenumbers

from desk.identifiers import e164
from extensions import db
from phone import agents, outgoing
from phone.agent_errors import AgentError, Conflict
from phone.models import AgentDevice, AgentStatus, Call, CallStatus
from realtime import emit_after_commit

DESK_NUMBER_TYPES = {
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}
LIVE = (CallStatus.CONNECTING, CallStatus.ON_CALL)


def desk_number(raw: str) -> str:
    """The desk phone's number in E.164 (typed as in Belgium), or an AgentError saying why
    Loket may not ring it: a landline or mobile in the allowed countries only."""
    if not (raw or "").strip():
        raise AgentError("desk_number_missing", field="device_number")
    number = e164(raw[:40])
    if number is None:
        raise AgentError("invalid_number", field="device_number")
    parsed = phonenumbers.parse(number, None)
    region = phonenumbers.region_code_for_number(parsed)
    allowed = region in outgoing.allowed_regions()
    if not allowed or phonenumbers.number_type(parsed) not in DESK_NUMBER_TYPES:
        raise AgentError("desk_number_not_allowed", field="device_number")
    return number


def set_device(staff_id: int, device: str, raw_number: str = "") -> AgentStatus:
    """Record how the agent takes calls; announced on /desk after the commit. A browser agent
    keeps no number. Refused (Conflict) while the agent is on a live call."""
    if device not in {d.value for d in AgentDevice}:
        raise AgentError("invalid_device", field="device")
    chosen = AgentDevice(device)
    number = desk_number(raw_number) if chosen == AgentDevice.DESK_PHONE else None
    agent = agents.agent_status(staff_id, lock=True)
    if on_live_call(agent):
        raise Conflict("device_on_call", field="device")
    agent.device, agent.device_number = chosen, number
    emit_after_commit(
        "agent_status",
        {"staff_id": agent.staff_id, "status": agent.status.value, "device": chosen.value},
        namespace="/desk",
        to=agents.PHONE_ROOM,
    )
    return agent


def on_live_call(agent: AgentStatus) -> bool:
    if agent.current_call_id is None:
        return False
    call = db.session.get(Call, agent.current_call_id)
    return call is not None and call.status in LIVE and call.ended_at is None
