"""The phone channel's part of /api/v1 (DESIGN.md): the agents' queues, take-next and the
call log (personal API tokens of call agents and admins), and the generic CTI endpoint (the
installation's LOKET_CTI_TOKEN in the path; an unknown token is 404, as any unknown path)."""

from flask import Blueprint, abort, g, request

from core.unit_of_work import run_in_transaction, run_read_only
from desk import record
from desk.auth import token_required
from desk.models import Role
from extensions import csrf
from phone import cti, openapi, queue, take, wrap_up
from phone.agent_errors import AgentError, NotAllowed

bp = Blueprint("phone_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
openapi.register()


def call_agent():
    staff = g.api_staff
    if staff.role not in (Role.CALL_AGENT, Role.ADMIN):
        raise NotAllowed("call_agent_role_required")
    return staff


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise AgentError("invalid")
    return body


@bp.get("/phone/queues")
@token_required
def queues():
    call_agent()
    figures = run_read_only(queue.figures)
    return [{k: v for k, v in line.items() if k != "line_id"} for line in figures]


@bp.post("/phone/next")
@token_required
def next_call():
    staff = call_agent()

    def work():
        taken = take.take_next(staff.id)
        if taken is not None and taken.parties:  # the answer names them: logged with the take
            record.log_access(
                staff=staff,
                party_ids=[p["id"] for p in taken.parties],
                action="search",
                purpose="contact",
                detail=f"phone call {taken.call_id}",
            )
        return taken

    taken = run_in_transaction(work, expire=False)
    if taken is None:
        return "", 204
    return {
        "id": taken.call_id,
        "kind": taken.kind,
        "from": taken.from_number,
        "waited_seconds": taken.waited_seconds,
        "parties": taken.parties,
    }


@bp.post("/phone/calls/<int:call_id>/log")
@token_required
def log_call(call_id):
    staff = call_agent()
    body = json_body()
    outcome, summary, party_id = body.get("outcome"), body.get("summary", ""), body.get("party_id")
    if not isinstance(outcome, str):
        raise AgentError("invalid_outcome", field="outcome")
    if summary is None:
        summary = ""
    if not isinstance(summary, str):
        raise AgentError("not_text", field="summary")
    if party_id is not None and (not isinstance(party_id, int) or isinstance(party_id, bool)):
        raise AgentError("invalid_party", field="party_id")
    call = run_in_transaction(
        wrap_up.log_call, call_id, staff, outcome=outcome, note=summary, party_id=party_id
    )
    return {"id": call.id, "interaction_id": call.interaction_id, "outcome": call.outcome}


@bp.post("/cti/<token>")
def cti_event(token):
    if not cti.token_matches(token):
        abort(404)
    body = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    if not isinstance(body, dict):
        raise AgentError("invalid")
    cti.receive(body)
    return "", 204
