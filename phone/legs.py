"""The two legs of a call Loket places through Twilio (a callback, an outgoing call): the
agent's and the citizen's, each reporting its own status. What they mean for the call is the
same for both kinds; what an ended call becomes is each kind's own."""

from core.database import utcnow
from phone import agents
from phone.models import AgentState, Call, CallStatus

FINAL = {"completed", "busy", "no-answer", "failed", "canceled"}


def progress(call: Call, *, citizen_leg: bool, state: str, duration: int | None) -> bool:
    """The citizen answering is the call answered; the first leg to end ends the call; the
    citizen's leg brings Twilio's duration of the talk. True only for the status that ends
    it: a repeat, or the other leg ending later, changes nothing more."""
    now = utcnow()
    if citizen_leg and state == "in-progress" and call.answered_at is None:
        call.answered_at, call.status = now, CallStatus.ON_CALL
        return False
    if state not in FINAL:
        return False
    if citizen_leg and duration is not None and call.answered_at is not None:
        call.duration_seconds = duration
    if call.ended_at is not None:
        return False
    call.ended_at = now
    return True


def agent_to_wrap_up(call: Call) -> None:
    if call.agent_id is None:
        return
    agent = agents.agent_status(call.agent_id, lock=True)
    if agent.current_call_id == call.id:
        agents.move(agent, AgentState.WRAP_UP, call.id)
