"""Twilio Voice's webhooks under /phone: the caller's side of the phone channel.

`/phone/incoming` greets and offers the menu (or, with one line, goes straight into its queue);
`/phone/menu` puts the caller in the line they chose; `/phone/wait` tells a waiting caller
where they stand and offers a callback; `/phone/callback` turns their entry into a callback in
the same place, or outside hours a callback request; `/phone/callback-number` takes another
number to call back on; `/phone/queue-result` and `/phone/status` land every outcome on the
call. `/phone/outgoing` is the TwiML application's Voice URL: the calls agents type in the
console (phone.outgoing), whose citizen's leg reports to `/phone/outgoing-status`;
`/phone/desk-dial/<call id>` is what a desk phone Loket rang for such a call dials
(phone.desk_dial).

Each is signed by Twilio over PUBLIC_BASE_URL + path (sms.webhooks checks it: forged or
unsigned is 403), each answers TwiML from a few indexed rows within milliseconds (Twilio gives
up after 15 s), and each event is stored once (phone.events), so a repeat changes nothing.
Queue figures for the console go out after the commit (phone.queue.publish_after_commit).
"""

import functools
from datetime import datetime, timedelta

from flask import Blueprint, abort, current_app, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from core.database import utcnow
from core.time import BRUSSELS
from core.unit_of_work import run_in_transaction, run_read_only
from desk import record
from extensions import csrf, db, limiter
from office import hours
from office.models import Service
from phone import callbacks, desk_dial, outgoing, prompts, queue, twiml
from phone.agent_errors import AgentError
from phone.events import first_time
from phone.matching import caller_number, match_call
from phone.models import Call, CallDirection, CallSource, CallStatus, PhoneLine
from phone.prompts import LANGUAGE_KEYS, say
from sms.webhooks import SID, require_twilio_signature

bp = Blueprint("phone_hooks", __name__, url_prefix="/phone")

MENU_REPEATS = 2  # a wrong key repeats the menu this many times, then a callback is offered
WAIT_PAUSE_SECONDS = 30  # LOKET_PHONE_WAIT_PAUSE_SECONDS: between two position announcements
# Where there is no line to keep a place in, a callback is a request for a department.
REQUEST_STATES = (CallStatus.MENU, CallStatus.CLOSED, CallStatus.QUEUE_FULL, CallStatus.FAILED)


# --- what every webhook reads ------------------------------------------------------------------


def call_sid() -> str:
    sid = request.form.get("CallSid", "")
    if not SID.fullmatch(sid):
        abort(400)
    return sid


def field(name: str, limit: int = 32) -> str:
    return request.form.get(name, "")[:limit]


def digits() -> str:
    keyed = request.form.get("Digits", "")
    return keyed if keyed.isdigit() and len(keyed) <= 20 else ""


def token() -> str | None:
    return request.headers.get("I-Twilio-Idempotency-Token") or None


def seconds(name: str) -> int | None:
    value = request.form.get(name, "")
    return int(value) if value.isdigit() and len(value) <= 9 else None


def signed(view):
    """Signed by Twilio or 403; exempt from CSRF (Twilio has no session) and rate limits."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        require_twilio_signature()
        return view(*args, **kwargs)

    return limiter.exempt(csrf.exempt(checked))


def call_of(sid: str) -> Call | None:
    return db.session.scalar(select(Call).where(Call.call_sid == sid))


def open_call(sid: str, caller: str, called: str) -> Call:
    """The call, written at its first webhook; a rival request for the same call (Twilio's
    repeat) that stored it first is found instead."""
    call = call_of(sid)
    if call is not None:
        return call
    call = Call(
        call_sid=sid,
        source=CallSource.TWILIO,
        direction=CallDirection.INBOUND,
        from_number=caller_number(caller) or caller,
        to_number=caller_number(called) or called,
    )
    try:
        with db.session.begin_nested():
            db.session.add(call)
    except IntegrityError:
        return call_of(sid)
    match_call(call)
    return call


def active_lines() -> list[PhoneLine]:
    return db.session.scalars(
        select(PhoneLine)
        .where(PhoneLine.active)
        .options(selectinload(PhoneLine.service).selectinload(Service.locations))
        .order_by(PhoneLine.digit)
    ).all()


# --- opening hours -----------------------------------------------------------------------------


def line_location(line: PhoneLine) -> int | None:
    """The location whose hours the line keeps: its own, else its service's first."""
    if line.location_id is not None:
        return line.location_id
    places = line.service.locations
    return places[0].id if places else None


def is_open(line: PhoneLine, moment: datetime) -> bool:
    place = line_location(line)
    return place is None or hours.open_at(place, moment)


def next_opening(line: PhoneLine, moment: datetime):
    """(day, opening time) of the line's next opening within two weeks, or None."""
    place = line_location(line)
    if place is None:
        return None
    local = moment.astimezone(BRUSSELS)
    for day_hours in hours.week(place, local.date(), 15):
        for opens, _closes in day_hours.periods:
            if day_hours.day > local.date() or opens > local.time():
                return day_hours.day, opens
    return None


# --- answers -----------------------------------------------------------------------------------


def menu_prompts(call: Call, lines: list[PhoneLine], *, greeting: bool) -> list:
    language = call.language
    said = []
    if greeting:
        said.append(say("welcome", language, name=current_app.config["MUNICIPALITY_NAME"]))
    if language == "nl":
        said += prompts.language_offers()
    if len(lines) > 1:
        said += [prompts.menu_item(language, x.spoken_in(language), x.digit) for x in lines]
    return said


def greet(call: Call, lines: list[PhoneLine], *, greeting: bool, before=()):
    """The menu; with one line, the greeting and then straight into its queue. When every
    line is closed: the greeting, when they open again, and a callback offer."""
    language = call.language
    if not lines:
        return twiml.goodbye([say("no_lines", language), say("goodbye", language)])
    welcome = [say("welcome", language, name=current_app.config["MUNICIPALITY_NAME"])]
    welcome = welcome if greeting else []
    intro = [*before, *menu_prompts(call, lines, greeting=greeting)]
    if len(lines) > 1:
        now = utcnow()
        if any(is_open(line, now) for line in lines):
            return twiml.menu(intro)
        call.status = CallStatus.CLOSED
        said = [*welcome, say("no_lines", language)]
        openings = [opening for line in lines if (opening := next_opening(line, now))]
        if openings:
            today = now.astimezone(BRUSSELS).date()
            said.append(prompts.opens_again(language, *min(openings), today))
        return callback_offer(call, said)
    line = lines[0]
    refused = refusal(call, line, before=welcome)
    if refused is not None:
        return refused
    queue.join(call, line)
    queue.publish_after_commit()
    if not intro or language != "nl":
        return twiml.into_queue([*intro, say("connecting", language)], *queue_of(line))
    return twiml.straight_to_queue(intro, [say("connecting", language)], *queue_of(line))


def queue_of(line: PhoneLine) -> tuple[str, int]:
    return line.queue_name, line.max_waiting


def refusal(call: Call, line: PhoneLine, before=()):
    """Outside the line's hours or over its length: the hours and a callback offer (the call
    stays on the line, so a request goes to its department); None when the caller may join."""
    now = utcnow()
    if not is_open(line, now):
        call.status = CallStatus.CLOSED
        said = [*before, prompts.closed(call.language, line.spoken_in(call.language))]
        opening = next_opening(line, now)
        if opening:
            today = now.astimezone(BRUSSELS).date()
            said.append(prompts.opens_again(call.language, *opening, today))
    elif queue.is_full(line):
        call.status = CallStatus.QUEUE_FULL
        said = [*before, say("queue_full", call.language)]
    else:
        return None
    call.line_id, call.service_id = line.id, line.service_id
    return callback_offer(call, said)


def callback_offer(call: Call, said: list):
    language = call.language
    offer = [say("request_callback", language)] if callbacks.callable_number(call) else []
    return twiml.offer_callback(said, offer, [say("goodbye", language)])


def enter(call: Call, line: PhoneLine):
    refused = refusal(call, line)
    if refused is not None:
        return refused
    queue.join(call, line)
    queue.publish_after_commit()
    return twiml.into_queue([say("connecting", call.language)], *queue_of(line))


# --- the webhooks ------------------------------------------------------------------------------


@bp.post("/incoming")
@signed
def incoming():
    sid, caller, called, key = call_sid(), field("From"), field("To"), token()

    def work():
        call = open_call(sid, caller, called)
        first_time(call, "incoming", f"{sid}:incoming", key)
        if call.status not in (CallStatus.MENU, CallStatus.WAITING, *REQUEST_STATES):
            return str(twiml.goodbye([say("goodbye", call.language)]))
        return str(greet(call, active_lines(), greeting=True))

    return twiml.answer(run_in_transaction(work, retry_if=record.lost_race))


@bp.post("/menu")
@signed
def menu():
    sid, caller, called, key, keyed = call_sid(), field("From"), field("To"), token(), digits()

    def work():
        call = open_call(sid, caller, called)
        # A repeat is known by Twilio's token only: two presses of one key look alike.
        fresh = key is None or first_time(call, "menu", f"{sid}:menu:{key}", key, digits=keyed)
        lines = active_lines()
        if call.status not in (CallStatus.MENU, CallStatus.WAITING):
            return str(twiml.goodbye([say("goodbye", call.language)]))
        if keyed in LANGUAGE_KEYS:
            if fresh:
                call.language = LANGUAGE_KEYS[keyed]
            return str(greet(call, lines, greeting=False))
        if call.status == CallStatus.WAITING:  # already in its line: the queue again
            line = db.session.get(PhoneLine, call.line_id)
            return str(twiml.into_queue([], *queue_of(line)))
        if len(lines) == 1:
            return str(enter(call, lines[0]))
        chosen = next((x for x in lines if str(x.digit) == keyed), None)
        if chosen is not None:
            return str(enter(call, chosen))
        if fresh:
            call.menu_attempts += 1
        wrong = say("wrong_key", call.language)
        if call.menu_attempts > MENU_REPEATS:
            return str(callback_offer(call, [wrong]))
        return str(greet(call, lines, greeting=False, before=[wrong]))

    return twiml.answer(run_in_transaction(work, retry_if=record.lost_race))


@bp.post("/wait")
@signed
def wait():
    """Read only: Twilio asks every round for every waiting caller."""
    sid = call_sid()
    pause = int(current_app.config.get("PHONE_WAIT_PAUSE_SECONDS") or WAIT_PAUSE_SECONDS)
    music = current_app.config.get("PHONE_HOLD_MUSIC")

    def work():
        call = call_of(sid)
        if call is None or call.status != CallStatus.WAITING or call.line_id is None:
            return str(twiml.waiting([], [], music, pause))
        place = queue.position(call)
        minutes = queue.expected_wait_minutes(call, place)
        said = prompts.place_in_line(call.language, place, minutes)
        offer = []
        if callbacks.callable_number(call):
            offer = [say("press_1_callback", call.language)]
        return str(twiml.waiting(said, offer, music, pause))

    return twiml.answer(run_read_only(work))


@bp.post("/callback")
@signed
def callback():
    sid, keyed, key = call_sid(), digits(), token()

    def work():
        call = call_of(sid)
        if call is None:
            return str(twiml.nothing())
        language = call.language
        if call.status in (CallStatus.WAITING, CallStatus.CALLBACK):
            number = callbacks.callable_number(call)
            if keyed != "1" or number is None:
                return str(twiml.nothing())  # back to waiting
            if first_time(call, "callback", f"{sid}:callback", key) and (
                call.status == CallStatus.WAITING
            ):
                queue.leave_for_callback(call, number)
                queue.publish_after_commit()
            place = queue.position(call)
            minutes = queue.expected_wait_minutes(call, place)
            return str(twiml.leave_for_callback([prompts.turn_kept(language, minutes)]))
        if call.status in REQUEST_STATES and keyed == "1":
            if first_time(call, "callback-request", f"{sid}:callback-request", key):
                callbacks.request_callback(call)
                call.callback_requested_at = call.callback_requested_at or utcnow()
            said = [prompts.callback_on(language, call.callback_number)]
            if call.task_id is not None:
                said.insert(0, say("callback_taken", language))
            return str(twiml.ask_number(said, [say("goodbye", language)]))
        return str(twiml.goodbye([say("goodbye", language)]))

    return twiml.answer(run_in_transaction(work, retry_if=record.lost_race))


@bp.post("/callback-number")
@signed
def callback_number():
    sid, keyed, key = call_sid(), digits(), token()

    def work():
        call = call_of(sid)
        if call is None:
            return str(twiml.nothing())
        language = call.language
        if call.callback_requested_at is None:
            return str(twiml.goodbye([say("goodbye", language)]))
        fresh = first_time(call, "callback-number", f"{sid}:callback-number:{keyed}", key)
        if fresh and callbacks.change_number(call, keyed) and call.status in REQUEST_STATES:
            callbacks.request_callback(call)  # a withheld number: the request now
        valid = callbacks.keyed_number(keyed) is not None
        said = [] if valid else [prompts.callback_number_refused(language)]
        if call.callback_number:
            said.append(prompts.callback_number_set(language, call.callback_number))
        return str(twiml.goodbye([*said, say("goodbye", language)]))

    return twiml.answer(run_in_transaction(work, retry_if=record.lost_race))


@bp.post("/queue-result")
@signed
def queue_result():
    sid, result, waited, key = call_sid(), field("QueueResult"), seconds("QueueTime"), token()

    def work():
        call = call_of(sid)
        if call is None:
            return str(twiml.nothing())
        event = f"queue-result:{result}"
        if first_time(call, event, f"{sid}:{event}", key, queue_time=waited):
            apply_queue_result(call, result, waited)
        language = call.language
        if result == "leave" and call.status == CallStatus.CALLBACK:
            said = [prompts.callback_on(language, call.callback_number)]
            return str(twiml.ask_number(said, [say("goodbye", language)]))
        if call.status == CallStatus.QUEUE_FULL:
            return str(callback_offer(call, [say("queue_full", language)]))
        if call.status == CallStatus.FAILED:
            return str(callback_offer(call, [say("trouble", language)]))
        if result in ("bridged", "bridging-in-process"):
            return str(twiml.goodbye([]))
        return str(twiml.nothing())

    return twiml.answer(run_in_transaction(work))


def apply_queue_result(call: Call, result: str, waited: int | None) -> None:
    """How the caller left Twilio's queue. `leave` is the callback's own doing (/phone/callback
    changed the call already). `redirected` is the console bridging the caller it gave to an
    agent (phone.bridge updates the call with new TwiML): from then on they talk."""
    live = call.status in (CallStatus.WAITING, CallStatus.CONNECTING)
    now = utcnow()
    bridged = result in ("bridged", "bridging-in-process") or (
        result == "redirected" and call.status == CallStatus.CONNECTING
    )
    if bridged and live:
        call.status = CallStatus.ON_CALL
        if call.answered_at is None:
            call.answered_at = (
                call.queued_at + timedelta(seconds=waited)
                if call.queued_at is not None and waited is not None
                else now
            )
    elif result == "hangup" and live:
        call.status, call.ended_at = CallStatus.ABANDONED, now
    elif result == "queue-full" and live:
        call.status = CallStatus.QUEUE_FULL
    elif result in ("error", "system-error") and live:
        call.status = CallStatus.FAILED
    else:
        return
    queue.publish_after_commit()


@bp.post("/status")
@signed
def status():
    sid, state, duration, key = call_sid(), field("CallStatus"), seconds("CallDuration"), token()

    def work():
        call = call_of(sid)
        if call is None:
            return
        event = f"status:{state}"
        if first_time(call, event, f"{sid}:{event}", key, duration=duration):
            apply_status(call, state, duration)

    run_in_transaction(work)
    return twiml.answer(str(twiml.nothing()))


ENDINGS = {"completed", "busy", "no-answer", "canceled", "failed"}


def apply_status(call: Call, state: str, duration: int | None) -> None:
    """The caller's call ended. Hung up while waiting is abandoned; after talking, completed.
    A callback's entry waits on for its callback, and once an agent took it the callback's own
    call is what ends it: the first call's end changes neither."""
    callback_under_way = call.callback_state is not None and call.status in (
        CallStatus.CONNECTING,
        CallStatus.ON_CALL,
    )
    if (
        state not in ENDINGS
        or call.status == CallStatus.CALLBACK
        or callback_under_way
        or call.ended_at is not None
    ):
        if call.ended_at is not None and call.duration_seconds is None and duration is not None:
            call.duration_seconds = duration
        return
    if call.status == CallStatus.WAITING or (
        call.status == CallStatus.CONNECTING and call.answered_at is None
    ):
        call.status = CallStatus.ABANDONED
    elif call.status in (CallStatus.CONNECTING, CallStatus.ON_CALL):
        call.status = CallStatus.COMPLETED
    call.ended_at = utcnow()
    call.duration_seconds = duration
    queue.publish_after_commit()


@bp.post("/outgoing")
@signed
def outgoing_call():
    """An agent's browser calls out (`device.connect({params: {To}})`): an active call agent
    or admin and a number Loket may call get `<Dial>`; anything else hears why, in the agent's
    language, and nothing is written. With TWILIO_TWIML_APP_SID set, only Loket's own TwiML
    app (its `ApplicationSid`) may ask: another app of the account gets no calls out."""
    sid, client, typed = call_sid(), field("From", 64), field("To", 40)
    app_sid = current_app.config.get("TWILIO_TWIML_APP_SID")
    foreign = bool(app_sid) and field("ApplicationSid", 64) != app_sid

    def work():
        staff = outgoing.agent_of(client)
        language = outgoing.agent_language(staff)
        try:
            if staff is None or foreign:  # another TwiML app of the account
                raise AgentError("call_agent_role_required")
            if not current_app.config.get("TWILIO_FROM"):
                raise AgentError("voice_not_configured")
            number = outgoing.dialable_number(typed)
            call = outgoing.start_outgoing_call(sid, staff, number)
        except AgentError as error:
            return str(twiml.goodbye([prompts.outgoing_refused(language, error.code)]))
        return str(outgoing.dial_twiml(call.to_number))

    return twiml.answer(run_in_transaction(work, retry_if=record.lost_race))


@bp.post("/desk-dial/<int:call_id>")
@signed
def desk_dial_answered(call_id):
    """An agent picked up their desk phone for a call they asked for (phone.desk_dial): whom
    they are calling, then `<Dial>` to the citizen from the municipality's number."""
    sid = call_sid()

    def work():
        call = db.session.get(Call, call_id, with_for_update=True)
        return str(desk_dial.answered(call, sid))

    return twiml.answer(run_in_transaction(work))


@bp.post("/outgoing-status")
@signed
def outgoing_status():
    """The legs of an agent's outgoing call: the citizen's (its ParentCallSid is the agent's
    call) from `<Number statusCallback>`, the agent's own when the TwiML application's Status
    Callback points here too. Each status of each leg counts once. A desk phone's leg names its
    call in the URL (`?call=`), for a status that comes before Loket has its CallSid."""
    sid, parent, key = call_sid(), field("ParentCallSid", 64), token()
    state, duration = field("CallStatus", 20), seconds("CallDuration")

    def work():
        call = db.session.scalar(
            select(Call)
            .where(Call.call_sid == (parent or sid), Call.direction == CallDirection.OUTBOUND)
            .with_for_update()
        )
        if call is None and not parent and request.args.get("call", "").isdigit():
            call = desk_dial.desk_leg_without_sid(int(request.args["call"]), sid)
        if call is None:
            return
        event = f"outgoing:{'citizen' if parent else 'agent'}:{state}"
        if first_time(call, event, f"{sid}:{event}", key, duration=duration):
            outgoing.apply_outgoing_status(
                call, citizen_leg=bool(parent), state=state, duration=duration
            )

    run_in_transaction(work)
    return twiml.answer(str(twiml.nothing()))
