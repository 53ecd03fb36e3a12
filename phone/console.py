"""The call agents' console (/phone/console): the live queues of the agent's lines, their
status, "take next", the screen pop of the call they took, and the wrap-up that logs it.

Thin on purpose: phone.take decides who is next, phone.wrap_up writes the record, phone.agents
keeps the status. The page follows the queues over Socket.IO (/desk, the phone agents' room)
and refetches its fragments, as the counter's desk does; the screen pop comes as
`call_assigned` to this agent only. Audio is the Twilio Voice JavaScript SDK with a token from
/phone/token (phone.token), or the agent's desk phone.
"""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.errors import form_errors
from core.security import CONTENT_SECURITY_POLICY
from core.unit_of_work import run_in_transaction, run_read_only, unit_of_work
from desk import access, interaction_texts, labels, record, search, timeline
from desk.auth import role_required
from desk.errors import RecordError
from desk.identifiers import display_phone
from desk.models import CaseStatus, Party, Role
from desk.overview import party_overview
from desk.panels import party_panels
from extensions import db
from office.models import Service
from phone import (
    agents,
    bridge,
    desk_dial,
    devices,
    events,
    outgoing,
    queue,
    screen_pop,
    take,
    token,
    wrap_up,
)
from phone.agent_errors import AgentError
from phone.console_forms import DeviceForm, DialForm, WrapUpForm
from phone.models import AgentDevice, AgentState, Call, CallStatus
from phone.webhooks import signed
from sms.webhooks import EMPTY_TWIML

bp = Blueprint("phone_console", __name__, url_prefix="/phone")
agents_only = role_required(Role.CALL_AGENT)
IDEMPOTENCY = "I-Twilio-Idempotency-Token"

# The Voice SDK talks to Twilio from the page (signalling, insights) and plays its sounds.
CONSOLE_POLICY = CONTENT_SECURITY_POLICY.replace(
    "connect-src 'self' ws: wss:", "connect-src 'self' ws: wss: https://*.twilio.com"
).replace("media-src 'self' blob:", "media-src 'self' blob: https://sdk.twilio.com")


def status_labels() -> dict:
    return {
        AgentState.AVAILABLE.value: _("Available"),
        AgentState.ON_CALL.value: _("On a call"),
        AgentState.WRAP_UP.value: _("Wrap-up"),
        AgentState.AWAY.value: _("Away"),
    }


def shown_status(agent) -> AgentState:
    """On a call whose caller hung up is wrap-up, whether or not the phone said so yet."""
    if agent.status == AgentState.ON_CALL and agent.current_call_id is not None:
        call = db.session.get(Call, agent.current_call_id)
        if call is not None and call.ended_at is not None:
            return AgentState.WRAP_UP
    return agent.status


def current_call(agent) -> Call | None:
    if agent.current_call_id is None:
        return None
    call = db.session.get(Call, agent.current_call_id)
    return call if call is not None and call.wrap_up_ended_at is None else None


@bp.get("/console")
@agents_only
def console():
    agent = run_read_only(agents.agent_status, current_user.id)
    call = current_call(agent)
    page = console_page(agent, pop_context(call) if call else None)
    if call is not None:
        log_pop(call)
    return page, 200, {"Content-Security-Policy": CONSOLE_POLICY}


def console_page(
    agent,
    pop,
    dial_form: DialForm | None = None,
    dial: str | None = None,
    device_form: DeviceForm | None = None,
) -> str:
    return render_template(
        "phone/console.html",
        agent=agent,
        status=shown_status(agent),
        status_labels=status_labels(),
        queues=queues_context(),
        pop=pop,
        dial_form=dial_form or DialForm(prefix="dial", formdata=None),
        dial=dial,
        device_form=device_form or current_device_form(agent),
    )


def current_device_form(agent) -> DeviceForm:
    form = DeviceForm(prefix="device", formdata=None)
    form.device.data = agent.device.value
    form.device_number.data = display_phone(agent.device_number) if agent.device_number else ""
    return form


@bp.post("/console/device")
@agents_only
def change_device():
    """ "How you take calls": the browser or a desk phone, checked and saved in one unit of
    work (phone.devices); the console reloads to start or stop the browser phone."""
    form = DeviceForm(request.form, prefix="device")
    status = 422
    if form.validate():
        try:
            with unit_of_work():
                devices.set_device(current_user.id, form.device.data, form.device_number.data)
        except AgentError as error:
            form_errors(form, error, "device")
            status = error.status
        else:
            flash(_("Saved: how you take calls."), "success")
            return redirect(url_for("phone_console.console") + "#device-heading", 303)
    agent = agents.agent_status(current_user.id)
    call = current_call(agent)
    page = console_page(agent, pop_context(call) if call else None, device_form=form)
    return page, status, {"Content-Security-Policy": CONSOLE_POLICY}


@bp.post("/console/dial")
@agents_only
def dial():
    """ "Call a number": checked here so the agent reads what is wrong in words. The browser
    phone then dials it (static/js/phone-console.js: device.connect), and Twilio asks
    /phone/outgoing, which checks it all again and writes the call; a desk phone is rung by
    Loket itself (dial_desk_phone)."""
    form = DialForm(request.form, prefix="dial")
    agent = agents.agent_status(current_user.id)
    if agent.device == AgentDevice.DESK_PHONE:
        return dial_desk_phone(form)
    number = None
    if form.validate():
        try:
            number = outgoing.dialable_number(form.number.data)
            outgoing.check_free(current_user.id)
        except AgentError as error:
            number = None
            form_errors(form, error, "number")
    call = current_call(agent)
    page = console_page(agent, pop_context(call) if call else None, form, number)
    return page, 200 if number else 422, {"Content-Security-Policy": CONSOLE_POLICY}


def dial_desk_phone(form: DialForm):
    """Click-to-dial (phone.desk_dial): the call is written, then Twilio rings the agent's desk
    phone, after the commit; picked up, it dials the number. A refusal by Twilio has failed the
    call by the time the commit's work is done: the agent reads it on the form."""
    status = 422
    if form.validate():
        try:
            call = run_in_transaction(desk_dial.start_desk_call, current_user, form.number.data)
        except AgentError as error:
            form_errors(form, error, "number")
        else:
            if call.status != CallStatus.FAILED:
                number = display_phone(call.to_number)
                ringing = _("Your desk phone rings. Pick it up to call %(number)s.", number=number)
                flash(ringing, "info")
                return redirect(url_for("phone_console.console") + "#current-call", 303)
            form_errors(form, AgentError("desk_phone_not_rung", field="number"), "number")
            status = 502  # Twilio's refusal, not the agent's input
    agent = agents.agent_status(current_user.id)
    call = current_call(agent)
    page = console_page(agent, pop_context(call) if call else None, form)
    return page, status, {"Content-Security-Policy": CONSOLE_POLICY}


def queues_context() -> dict:
    return {"lines": queue.figures(), "to_call_back": agents.to_call_back()}


@bp.get("/console/queues")
@agents_only
def console_queues():
    return render_template("phone/console_queues.html", queues=queues_context())


@bp.post("/console/status")
@agents_only
def change_status():
    try:
        with unit_of_work():
            agents.set_status(current_user.id, request.form.get("status", ""))
    except AgentError as error:
        flash(error.message, "error")
    return redirect(url_for("phone_console.console"))


@bp.post("/console/next")
@agents_only
def take_next():
    try:
        taken = take.take_next_call(current_user.id)
    except AgentError as error:
        flash(error.message, "error")
        return redirect(url_for("phone_console.console"))
    if taken is None:
        flash(_("Nobody is waiting."), "info")
    return redirect(url_for("phone_console.console") + ("#current-call" if taken else ""))


@bp.post("/console/calls/<int:call_id>/call-back")
@agents_only
def call_back(call_id):
    """A caller nobody reached goes back in line as a callback, in their original place."""
    try:
        with unit_of_work():
            agents.call_back_later(call_id)
            queue.publish_after_commit()
    except AgentError as error:
        flash(error.message, "error")
    else:
        flash(_("Back in line for a callback, in the original place."), "success")
    return redirect(url_for("phone_console.console"))


def agents_call(call_id: int) -> Call:
    try:
        return wrap_up.call_of_agent(call_id, current_user)
    except AgentError:
        abort(404)


@bp.get("/console/calls/<int:call_id>/pop")
@agents_only
def call_pop(call_id):
    call = agents_call(call_id)
    html = render_template("phone/console_pop.html", pop=pop_context(call))
    log_pop(call)
    return html


def pop_context(call: Call, form: WrapUpForm | None = None) -> dict:
    """The screen pop: the record when one party is known and visible; else the candidates
    and the desk's search-and-attach (templates/desk/_attach_record.html)."""
    staff = current_user
    party = None
    if call.party_id is not None:
        overview = party_overview(call.party_id, staff)
        if overview is not None and access.can_see_party(staff, overview.party):
            party = overview
    context = {
        "call": call,
        "number": screen_pop.caller_number(call),
        "kind": screen_pop.call_kind(call),
        "ended": call.ended_at is not None
        or call.status
        not in (
            CallStatus.CONNECTING,
            CallStatus.ON_CALL,
        ),
        "overview": party,
        "form": form or wrap_up_form(call, party),
        "attach": None,
    }
    if party is not None:
        context.update(
            page=timeline.timeline_page(party.party, staff, page_size=5),
            panels=party_panels(
                party.party, staff, party_ids=[party.party.id, *party.absorbed_ids]
            ),
            subject_text=interaction_texts.interaction_subject,
            outcome_text=labels.interaction_outcome,
        )
    else:
        context["attach"] = attach_context(call)
    return context


def attach_context(call: Call) -> dict:
    query = (request.args.get("q") or "").strip()[:200]
    number = screen_pop.caller_number(call)
    found = search.attach_candidates(
        current_user, query=query, phone=number if number.startswith("+") else None
    )
    known = {c.party.id for c in found}
    offered = [
        search.Candidate(party=p, reasons=["phone"])
        for p in screen_pop.visible_parties(call, current_user)
        if p.id not in known
    ]
    return {
        "query": query,
        "candidates": offered + found,
        "search_action": url_for("phone_console.console"),
        "search_hidden": {},
        "attach_action": url_for("phone_console.attach", call_id=call.id),
        "hidden": {},
        "new_name": query if query and not any(c.isdigit() for c in query) else "",
    }


def log_pop(call: Call) -> None:
    """The pop is a view of the record (or search hits): in the access log, after rendering."""
    if call.party_id is not None:
        party = db.session.get(Party, call.party_id)
        if party is not None and access.can_see_party(current_user, party):
            record.log_access(
                staff=current_user,
                party_ids=party.id,
                action="view",
                purpose="contact",
                detail=f"phone call {call.id}",
            )
            return
    shown = screen_pop.visible_parties(call, current_user)
    if shown:
        record.log_access(
            staff=current_user,
            party_ids=[p.id for p in shown],
            action="search",
            purpose="contact",
            detail=f"phone call {call.id}",
        )


def wrap_up_form(call: Call, overview, formdata=None) -> WrapUpForm:
    form = WrapUpForm(formdata, prefix="wrap")
    services = db.session.scalars(
        select(Service).where(Service.active.is_(True)).order_by(Service.name_nl)
    )
    form.service.choices = [("", _("General question"))] + [(str(s.id), s.name) for s in services]
    if formdata is None and call.service_id:
        form.service.data = str(call.service_id)
    cases = overview.open_cases if overview is not None else []
    form.case.choices = [("", _("No case"))] + [
        (str(c.id), c.subject) for c in cases if c.status != CaseStatus.CLOSED
    ]
    return form


@bp.post("/console/calls/<int:call_id>/attach")
@agents_only
def attach(call_id):
    """One step: the call is about the party the agent chose (or a new one, the last choice)."""
    call = agents_call(call_id)
    chosen = request.form.get("party_id", "")
    number = screen_pop.caller_number(call)
    phone = number if number.startswith("+") else None
    try:
        with unit_of_work():
            if chosen == "new":
                party = record.new_party_for_contact(
                    staff=current_user,
                    name=request.form.get("name", "").strip() or None,
                    phone=phone,
                    detail="phone.new_record",
                    detail_params={"call": call.id},
                )
            elif chosen.isdigit():
                party = record.attach_contact(
                    party=int(chosen),
                    staff=current_user,
                    phone=phone,
                    detail="phone.attached",
                    detail_params={"call": call.id},
                )
            else:
                raise AgentError("invalid_party", field="party_id")
            db.session.get(Call, call.id, with_for_update=True).party_id = party.id
    except (AgentError, RecordError) as error:
        flash(error.message, "error")
    else:
        flash(_("The call is now on the record of %(name)s.", name=party.display_name), "success")
    return redirect(url_for("phone_console.console") + "#current-call")


@bp.post("/console/calls/<int:call_id>/log")
@agents_only
def log(call_id):
    call = agents_call(call_id)
    overview = party_overview(call.party_id, current_user) if call.party_id else None
    form = wrap_up_form(call, overview, request.form)
    if form.validate():
        try:
            with unit_of_work():
                wrap_up.log_call(
                    call.id,
                    current_user,
                    outcome=form.outcome.data,
                    note=form.note.data or "",
                    service_id=int(form.service.data) if form.service.data.isdigit() else None,
                    follow_up=form.follow_up.data or "",
                    case_id=int(form.case.data) if form.case.data.isdigit() else None,
                )
        except (AgentError, RecordError) as error:
            form_errors(form, error, "outcome")
        else:
            flash(_("The call is logged."), "success")
            return redirect(url_for("phone_console.console"))
    agent = agents.agent_status(current_user.id)
    page = console_page(agent, pop_context(db.session.get(Call, call.id), form))
    return page, 422, {"Content-Security-Policy": CONSOLE_POLICY}


@bp.post("/callback-status")
@signed
def callback_status():
    """Twilio's status of a callback's two legs (phone.bridge.start_callback): the agent's
    (CallSid is the callback's) and the citizen's (ParentCallSid is). Signed; each status of
    each leg counts once; an unknown call changes nothing."""
    sid, parent = request.form.get("CallSid", "")[:64], request.form.get("ParentCallSid", "")[:64]
    state = request.form.get("CallStatus", "")[:20]
    duration = request.form.get("CallDuration", "")
    duration = int(duration) if duration.isdigit() and len(duration) <= 9 else None

    def work():
        citizen_leg = bool(parent)
        call = db.session.scalar(
            select(Call).where(Call.callback_call_sid == (parent or sid)).with_for_update()
        )
        if call is None or not sid:
            return
        event = f"callback:{'citizen' if citizen_leg else 'agent'}:{state}"
        if events.first_time(call, event, f"{sid}:{event}", request.headers.get(IDEMPOTENCY)):
            bridge.apply_callback_status(
                call, citizen_leg=citizen_leg, state=state, duration=duration
            )

    run_in_transaction(work)
    return EMPTY_TWIML, 200, {"Content-Type": "text/xml"}


@bp.get("/token")
@agents_only
def voice_token():
    """The browser's Twilio Voice access token (phone.token); 503 when Twilio is not set up."""
    try:
        jwt = token.voice_token(current_user.id)
    except AgentError as error:
        return jsonify(error={"code": error.code, "message": error.message, "fields": {}}), 503
    return jsonify(token=jwt, identity=token.agent_identity(current_user.id))
