"""The counter's pages: kiosk, printed ticket, phone page, waiting-room board, staff desk."""

import functools

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.errors import api_error, form_errors
from core.qr import qr_data_uri
from core.time import BRUSSELS
from core.unit_of_work import unit_of_work
from counter import calling, kiosks, tickets
from counter import record as visits
from counter.errors import CounterError
from counter.forms import RemoteTicketForm
from counter.models import CounterServiceSetting, Outcome, Ticket
from counter.state import board_state, desk_overview, ticket_view
from desk import access, record, search
from desk.access import can_see_party
from desk.auth import role_required
from desk.errors import RecordError
from desk.models import Party, Role
from extensions import db, limiter
from office import holidays, hours
from office.models import Counter, Location, Service

bp = Blueprint("counter", __name__, url_prefix="/counter")


def ticket_rate_limit() -> str:
    return current_app.config["COUNTER_TICKET_RATE_LIMIT"]


def public_ticket_rate_limit() -> str:
    return current_app.config["COUNTER_PUBLIC_TICKET_RATE_LIMIT"]


def outcome_labels() -> dict:
    return {
        Outcome.SERVED: _("Served"),
        Outcome.FOLLOW_UP: _("Needs a follow-up"),
        Outcome.MISSING_DOCUMENTS: _("Documents missing"),
        Outcome.REFERRED: _("Referred elsewhere"),
    }


def location_or_404(location_id: int) -> Location:
    location = db.session.get(Location, location_id)
    if location is None:
        abort(404)
    return location


def kiosk_services(location: Location) -> list[Service]:
    hidden = set(
        db.session.scalars(
            select(CounterServiceSetting.service_id).where(
                CounterServiceSetting.at_kiosk.is_(False)
            )
        )
    )
    return [
        s
        for s in db.session.scalars(select(Service).where(Service.active.is_(True))).all()
        if location in s.locations and s.id not in hidden
    ]


# --- the kiosk ---------------------------------------------------------------------------------


def kiosk_answer(ticket: Ticket):
    """A ticket was issued: the next citizen starts in the default language (the ticket page
    speaks this citizen's, from the ticket). The kiosk's script asks for JSON (it sends the form
    with fetch and then goes to the page itself); a plain form post is redirected."""
    session["lang"] = current_app.config["BABEL_DEFAULT_LOCALE"]
    url = url_for("counter.printed_ticket", token=ticket.public_token)
    if kiosk_script_asks():
        return jsonify({"location": url}), 201
    return redirect(url)


def kiosk_refusal(error: CounterError, location: Location, anchor: str = ""):
    """The kiosk's script shows the message on the page it is on (a flash it would consume by
    following the redirect in the background); a plain form post sees it as a flash."""
    if kiosk_script_asks():
        return api_error(error.status, error.code, error.message, error.field_messages())
    flash(error.message, "error")
    return redirect(url_for("counter.kiosk", location_id=location.id) + anchor)


def kiosk_script_asks() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.get("/kiosk/<int:location_id>")
def kiosk(location_id):
    """A registered kiosk's touch screen; anyone else (one's own phone) gets the form that asks
    for a mobile number too (counter.kiosks)."""
    location = location_or_404(location_id)
    kiosk = kiosks.kiosk_at(location.id)
    if kiosk is None:
        return remote_ticket_page(location, RemoteTicketForm())
    response = make_response(kiosk_page(location))
    kiosks.set_cookie(response, kiosk)  # renewed each visit: a kiosk never has to pair again
    return response


def kiosk_page(location: Location) -> str:
    services = kiosk_services(location)
    life_events = {}
    for service in services:
        for event in service.life_events:
            life_events.setdefault(event, []).append(service)
    now = tickets.utcnow()
    is_open = tickets.open_now(location, now)
    today = now.astimezone(BRUSSELS).date()
    # Closed all day for a public holiday: the kiosk says which one.
    holiday = None if is_open or hours.hours_on(location.id, today) else holidays.name(today)
    return render_template(
        "counter/kiosk.html",
        location=location,
        services=services,
        life_events=life_events,
        is_open=is_open,
        holiday=holiday,
        idle_seconds=current_app.config["COUNTER_KIOSK_IDLE_SECONDS"],
        default_language=current_app.config["BABEL_DEFAULT_LOCALE"],
    )


def remote_ticket_page(location: Location, form: RemoteTicketForm, status: int = 200):
    services = kiosk_services(location)
    form.service_id.choices = [(s.id, s.name) for s in services]
    is_open = tickets.open_now(location, tickets.utcnow())
    page = render_template(
        "counter/take_ticket.html", location=location, form=form, is_open=is_open
    )
    return page, status


@bp.post("/kiosk/<int:location_id>/tickets")
@limiter.limit(ticket_rate_limit)
@limiter.limit(public_ticket_rate_limit, exempt_when=kiosks.is_kiosk)
def kiosk_ticket(location_id):
    location = location_or_404(location_id)
    kiosk = kiosks.kiosk_at(location.id)
    if kiosk is None:
        return remote_ticket(location)
    try:
        ticket = tickets.issue_ticket(
            service_id=request.form.get("service_id", ""),
            location_id=location.id,
            language=str(get_locale()),
            submission_key=request.form.get("submission_key") or None,
            kiosk_id=kiosk.id,
        )
    except CounterError as error:
        return kiosk_refusal(error, location)
    return kiosk_answer(ticket)


def remote_ticket(location: Location):
    """One's own phone: the form's errors shown on it (422), or the ticket's follow page."""
    form = RemoteTicketForm()
    if form.validate_on_submit():
        try:  # in its own transaction: an error has written nothing
            ticket = tickets.issue_ticket(
                service_id=form.service_id.data,
                location_id=location.id,
                language=str(get_locale()),
                remote=True,
                phone=form.phone.data,
            )
        except CounterError as error:
            form_errors(form, error, fallback="service_id")
        else:
            return redirect(url_for("counter.follow", token=ticket.public_token))
    return remote_ticket_page(location, form, 422)


@bp.post("/kiosk/<int:location_id>/check-in")
@limiter.limit(ticket_rate_limit)
@limiter.limit(public_ticket_rate_limit, exempt_when=kiosks.is_kiosk)
def kiosk_check_in(location_id):
    location = location_or_404(location_id)
    kiosk = kiosks.kiosk_at(location.id)
    try:
        ticket = tickets.check_in(
            reference=request.form.get("reference", ""),
            location_id=location.id,
            language=str(get_locale()),
            kiosk_id=kiosk.id if kiosk else None,
        )
    except CounterError as error:
        return kiosk_refusal(error, location, "#check-in")
    if kiosk is None:  # one's own phone: the page that follows the queue, not a printout
        return redirect(url_for("counter.follow", token=ticket.public_token))
    return kiosk_answer(ticket)


@bp.get("/kiosk/pair/<code>")
def kiosk_pairing(code):
    """The pairing link an admin hands out, opened on the kiosk: a button confirms it (a link
    previewer that fetches the address must not use it up)."""
    kiosk = kiosks.pairing(code)
    return render_template("counter/pair.html", kiosk=kiosk), 200 if kiosk else 404


@bp.post("/kiosk/pair/<code>")
def kiosk_pair(code):
    kiosk = kiosks.pair(code)  # 404 when used, expired or revoked
    response = redirect(url_for("counter.kiosk", location_id=kiosk.location_id))
    kiosks.set_cookie(response, kiosk)
    return response


@bp.get("/ticket/<token>")
def printed_ticket(token):
    """The ticket in its citizen's language, whatever the kiosk has gone back to since."""
    ticket = ticket_or_404(token)
    follow_url = url_for("counter.follow", token=token, _external=True)
    with force_locale(ticket.language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return render_template(
            "counter/ticket.html",
            ticket=ticket,
            view=ticket_view(ticket),
            follow_url=follow_url,
            qr=qr_data_uri(follow_url),
        )


def ticket_or_404(token) -> Ticket:
    try:
        return tickets.ticket_by_token(token)
    except CounterError:
        abort(404)


# --- the citizen's phone -----------------------------------------------------------------------


@bp.get("/follow/<token>")
def follow(token):
    ticket = ticket_or_404(token)
    return render_template("counter/follow.html", ticket=ticket, view=ticket_view(ticket))


@bp.get("/follow/<token>/state")
def follow_state(token):
    return jsonify(ticket_view(ticket_or_404(token)))


@bp.post("/follow/<token>/phone")
@limiter.limit(ticket_rate_limit)
def follow_phone(token):
    ticket_or_404(token)
    try:
        tickets.leave_phone(token, request.form.get("phone", ""))
    except CounterError as error:
        flash(error.message, "error")
    else:
        flash(_("We will send you an SMS when it is almost your turn."), "success")
    return redirect(url_for("counter.follow", token=token))


# --- the waiting-room board --------------------------------------------------------------------


@bp.get("/board/<int:location_id>")
def board(location_id):
    state = board_state(location_id)
    if state is None:
        abort(404)
    return render_template("counter/board.html", state=state)


@bp.get("/board/<int:location_id>/state")
def board_json(location_id):
    state = board_state(location_id)
    if state is None:
        abort(404)
    return jsonify(state)


# --- counter staff -----------------------------------------------------------------------------

staff_only = role_required(Role.COUNTER)


@bp.route("/desk", methods=["GET", "POST"])
@staff_only
def choose_counter():
    counters = db.session.scalars(
        select(Counter).where(Counter.active.is_(True)).order_by(Counter.location_id, Counter.name)
    ).all()
    if request.method == "POST":
        chosen = request.form.get("counter_id", "")
        if chosen.isdigit() and any(c.id == int(chosen) for c in counters):
            session["counter_id"] = int(chosen)
            return redirect(url_for("counter.desk", counter_id=int(chosen)))
        flash(_("Choose your counter."), "error")
    return render_template(
        "counter/choose.html", counters=counters, current=session.get("counter_id")
    )


def with_counter(view):
    @functools.wraps(view)
    def wrapped(counter_id, *args, **kwargs):
        counter = db.session.get(Counter, counter_id)
        if counter is None or not counter.active:
            abort(404)
        return view(counter, *args, **kwargs)

    return wrapped


def record_url(party_id: int | None) -> str | None:
    """The party page, when this staff member may see it (a secret record answers 404)."""
    party = db.session.get(Party, party_id) if party_id is not None else None
    if party is None or not can_see_party(current_user, party):
        return None
    return url_for("desk.party", party_id=party.id, purpose="contact")


def hidden_party(party_id: int | None) -> bool:
    """The visit's citizen is on a record this staff member may not see (the party page's
    rule, desk.access): the desk shows nothing of them, not even the name they booked with."""
    if party_id is None:
        return False
    return access.visible_live_ids(current_user, [party_id])[party_id] is None


@bp.get("/desk/<int:counter_id>")
@staff_only
@with_counter
def desk(counter):
    services = db.session.scalars(select(Service).where(Service.active.is_(True))).all()
    current = calling.open_ticket(counter.id)
    party_id = visits.known_party_id(current) if current else None
    hidden = hidden_party(party_id)
    attach = None
    if current is not None and not hidden and (party_id is None or request.args.get("attach")):
        attach = attach_context(counter, current)
    page = render_template(
        "counter/desk.html",
        counter=counter,
        overview=desk_overview(counter),
        services=services,
        outcomes=outcome_labels(),
        record_url=record_url(party_id),
        hidden_record=hidden,
        attach=attach,
    )
    if attach and attach["candidates"]:
        search.log_shown(current_user, attach["candidates"])
    if attach and attach["new_name"] and party_id is not None:
        # the name the visit's record knows, offered for a new record: a read of that party
        record.log_access(
            staff=current_user,
            party_ids=record.resolve_party(party_id).id,
            action="view",
            purpose="contact",
            detail="counter.desk",
            detail_params={"ticket": current.code},
        )
    return page


def attach_context(counter, ticket: Ticket) -> dict:
    """The desk's search-and-attach (templates/desk/_attach_record.html) for the called
    ticket: the people holding the phone or e-mail the visit brought first, then what the
    clerk searched for (a name, a number, a booking reference)."""
    details = visits.contact_details(ticket)
    query = (request.args.get("q") or "").strip()[:200]
    return {
        "query": query,
        "candidates": search.attach_candidates(
            current_user, query=query, phone=details.get("phone"), email=details.get("email")
        ),
        "search_action": url_for("counter.desk", counter_id=counter.id),
        "search_hidden": {"attach": "1"} if request.args.get("attach") else {},
        "attach_action": url_for("counter.attach_record", counter_id=counter.id),
        "hidden": {"ticket_id": ticket.id},
        "new_name": details.get("name") or _looks_like_a_name(query),
    }


def _looks_like_a_name(query: str) -> str:
    """A searched name is the likely name of a new record; a number or address is not."""
    return "" if any(c.isdigit() for c in query) or "@" in query else query


@bp.post("/desk/<int:counter_id>/attach")
@staff_only
@with_counter
def attach_record(counter):
    """One step: the visit at this counter belongs to the party the clerk chose (or to a new
    one, the last choice)."""
    current = calling.open_ticket(counter.id)
    back = url_for("counter.desk", counter_id=counter.id)
    if current is None or str(current.id) != request.form.get("ticket_id", ""):
        flash(_("This ticket is not at your counter any more."), "error")
        return redirect(back)
    if hidden_party(visits.known_party_id(current)):
        flash(_("This visit is on a record you may not see: it stays on that record."), "error")
        return redirect(back)
    try:
        with unit_of_work():
            party_id = visits.attach_visit(
                current.id,
                request.form.get("party_id", ""),
                staff=current_user,
                name=request.form.get("name", ""),
            )
    except (CounterError, RecordError) as error:
        flash(error.message, "error")
        return redirect(back)
    party = db.session.get(Party, party_id)
    flash(
        _(
            "Ticket %(number)s is now on the record of %(name)s.",
            number=current.code,
            name=party.display_name,
        ),
        "success",
    )
    return redirect(back)


@bp.get("/desk/<int:counter_id>/queue")
@staff_only
@with_counter
def desk_queue(counter):
    return render_template("counter/_queue.html", counter=counter, overview=desk_overview(counter))


def closer(counter, staff_id: int) -> calling.Closer:
    """At a desk screen the ticket must be this counter's; an admin may close any."""
    return calling.Closer(staff_id, counter_id=counter.id, admin=current_user.is_admin)


ACTIONS = {
    "call-next": lambda counter, form, staff: calling.call_next(counter.id, staff),
    "recall": lambda counter, form, staff: calling.recall(form.get("ticket_id"), staff),
    "no-show": lambda counter, form, staff: calling.mark_no_show(
        form.get("ticket_id"), closer(counter, staff)
    ),
    "park": lambda counter, form, staff: calling.park(form.get("ticket_id"), staff),
    "resume": lambda counter, form, staff: calling.resume(form.get("ticket_id"), counter.id, staff),
    "transfer": lambda counter, form, staff: calling.transfer(
        form.get("ticket_id"),
        form.get("service_id"),
        front=form.get("position") == "front",
        staff_id=staff,
    ),
    "finish": lambda counter, form, staff: calling.finish(
        form.get("ticket_id"),
        closer(counter, staff),
        outcome=form.get("outcome"),
        note=form.get("note", ""),
    ),
}


@bp.post("/desk/<int:counter_id>/<action>")
@staff_only
@with_counter
def desk_action(counter, action):
    if action not in ACTIONS:
        abort(404)
    try:
        result = ACTIONS[action](counter, request.form, current_user.id)
    except CounterError as error:
        flash(error.message, "error")
    else:
        if action == "call-next" and result is None:
            flash(_("Nobody is waiting for your services."), "info")
        elif action == "finish":
            flash(_("Ticket %(number)s is finished.", number=result.code), "success")
    return redirect(url_for("counter.desk", counter_id=counter.id))


# --- the screens' addresses, for admins ---------------------------------------------------------


def public_url(endpoint: str, **values) -> str:
    """An absolute address on PUBLIC_BASE_URL, the one citizens and devices reach Loket by
    (behind a proxy the request's own host may be an internal one)."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for(endpoint, **values)


@bp.get("/admin/screens")
@role_required(Role.ADMIN)
def screens():
    """Each location's kiosk and board address, to open on the device in the hall, and the
    follow address printed on every ticket."""
    locations = db.session.scalars(select(Location).order_by(Location.name)).all()
    rows = [
        {
            "location": location,
            "kiosk": public_url("counter.kiosk", location_id=location.id),
            "board": public_url("counter.board", location_id=location.id),
        }
        for location in locations
    ]
    placeholder = "0"  # each ticket's own token goes here
    follow = public_url("counter.follow", token=placeholder).removesuffix(placeholder)
    return render_template("counter/screens.html", rows=rows, follow=follow)
