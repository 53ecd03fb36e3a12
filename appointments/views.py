"""The citizen's booking pages, without an account: choose, pick a day and time, confirm.

Every step is a plain page with a plain form, so it works with a keyboard and a screen reader
and survives the back button: the choices so far travel in the address (service, people,
location, day, start), the contact details in the form posts.
"""

import secrets
from collections import OrderedDict
from datetime import date, datetime, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from appointments import booking, ics
from appointments.availability import local_today
from appointments.forms import ContactForm
from appointments.models import Appointment, Status
from appointments.slots import BookingError, find_slots, load_visit, local_iso, locations_for
from core import bounds
from core.database import utcnow
from core.errors import form_errors
from core.time import BRUSSELS
from desk import identifiers
from extensions import db, limiter
from office.models import Counter, LifeEvent, Location, Service

bp = Blueprint("booking", __name__, url_prefix="/appointments")
DAYS_PER_PAGE = 31


def booking_rate_limit() -> str:
    return current_app.config["BOOKING_RATE_LIMIT"]


limiter.limit(booking_rate_limit, methods=["POST"])(bp)


class Choice:
    """The choices so far, read from the address; `args()` writes them back into links."""

    def __init__(self, source=None):
        source = source or request.values
        # What no row or visit can have is dropped, as if it were not there (core.bounds).
        chosen = (bounds.as_id(v) for v in source.getlist("service"))
        self.service_ids = [i for i in chosen if i is not None]
        self.people = bounds.as_int(source.get("people") or "", low=1) or 1
        self.location_id = bounds.as_id(source.get("location") or "")
        self.behalf = source.get("behalf") if current_user.is_authenticated else None

    def args(self, **extra) -> dict:
        values = {"service": self.service_ids, "people": self.people}
        if self.location_id:
            values["location"] = self.location_id
        if self.behalf in ("counter", "phone"):
            values["behalf"] = self.behalf
        values.update(extra)
        return values


def parse_day(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    return day if bounds.sane_day(day) else None


def parse_start(value: str | None) -> datetime | None:
    try:
        start = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return start if start.tzinfo and bounds.sane_day(start) else None


def days_with_time(slots) -> "OrderedDict[date, int]":
    days: OrderedDict[date, int] = OrderedDict()
    for slot in slots:
        day = slot.start.astimezone(BRUSSELS).date()
        days[day] = days.get(day, 0) + 1
    return days


@bp.get("/")
def start():
    life_events = db.session.scalars(select(LifeEvent).order_by(LifeEvent.id)).all()
    chosen = None
    query = select(Service).where(Service.active.is_(True)).order_by(Service.name_nl)
    if request.args.get("life_event"):
        chosen = db.session.scalar(
            select(LifeEvent).where(LifeEvent.code == request.args["life_event"])
        )
        if chosen is None:
            abort(404)
        query = query.where(Service.life_events.contains(chosen))
    services = db.session.scalars(query).all()
    return render_template(
        "appointments/start.html",
        life_events=life_events,
        chosen=chosen,
        services=services,
        choice=Choice(),
    )


def visit_or_back(choice: Choice):
    """The visit the address asks for; None (with a message) sends the citizen back a step."""
    if not choice.service_ids:
        flash(_("Choose at least one service."), "error")
        return None
    try:
        return load_visit(choice.service_ids, choice.people)
    except BookingError as error:
        flash(str(error.message), "error")
        return None


@bp.get("/when")
def when():
    choice = Choice()
    visit = visit_or_back(choice)
    if visit is None:
        return redirect(url_for("booking.start", **choice.args()))
    locations = locations_for(visit)
    if choice.location_id is None and len(locations) == 1:
        choice.location_id = locations[0].id
    if choice.location_id is None:
        return render_template(
            "appointments/location.html", visit=visit, locations=locations, choice=choice
        )
    location = db.session.get(Location, choice.location_id)
    if location is None or location not in locations:
        abort(404)
    today = local_today(utcnow(), location.timezone)
    last = today + timedelta(days=location.horizon_days)
    first = max(parse_day(request.args.get("from")) or today, today)
    to = min(first + timedelta(days=DAYS_PER_PAGE - 1), last)
    days = days_with_time(find_slots(visit, first, to, location_id=location.id))
    later = to + timedelta(days=1) if to < last else None
    return render_template(
        "appointments/days.html",
        visit=visit,
        location=location,
        days=days,
        first=first,
        to=to,
        day_url=lambda d: url_for("booking.times", **choice.args(day=d.isoformat())),
        later_url=url_for("booking.when", **choice.args(**{"from": later.isoformat()}))
        if later
        else None,
        earlier_url=url_for(
            "booking.when",
            **choice.args(
                **{"from": max(first - timedelta(days=DAYS_PER_PAGE), today).isoformat()}
            ),
        )
        if first > today
        else None,
        back_url=url_for("booking.start", **choice.args()),
    )


@bp.get("/times")
def times():
    choice = Choice()
    visit = visit_or_back(choice)
    day = parse_day(request.args.get("day"))
    if visit is None or day is None or choice.location_id is None:
        return redirect(url_for("booking.when", **choice.args()))
    slots = find_slots(visit, day, day, location_id=choice.location_id)
    return render_template(
        "appointments/times.html",
        visit=visit,
        day=day,
        slots=slots,
        location=db.session.get(Location, choice.location_id),
        action=url_for("booking.details"),
        hidden=choice.args(),
        back_url=url_for("booking.when", **choice.args()),
        taken=None,
    )


def contact_page(choice, visit, start, form, status=200):
    return (
        render_template(
            "appointments/details.html",
            visit=visit,
            start=start,
            location=db.session.get(Location, choice.location_id),
            form=form,
            hidden=choice.args(start=start.isoformat()),
            back_url=url_for(
                "booking.times", **choice.args(day=start.astimezone(BRUSSELS).date().isoformat())
            ),
        ),
        status,
    )


@bp.route("/details", methods=["GET", "POST"])
def details():
    choice = Choice()
    visit = visit_or_back(choice)
    start = parse_start(request.values.get("start"))
    if visit is None or start is None or choice.location_id is None:
        flash(_("Choose a time first."), "error")
        return redirect(url_for("booking.when", **choice.args()))
    form = ContactForm()
    if request.method == "GET":
        form.submission_key.data = secrets.token_hex(16)
        return contact_page(choice, visit, start, form)
    if request.form.get("edit"):  # back from the confirm page: the same form, filled in
        if form.phone.data:  # as checked (E.164), shown the way people write it
            form.phone.data = identifiers.display_phone(form.phone.data)
        return contact_page(choice, visit, start, form)
    if not form.validate():
        return contact_page(choice, visit, start, form, 422)
    return render_template(
        "appointments/confirm.html",
        visit=visit,
        start=start,
        location=db.session.get(Location, choice.location_id),
        form=form,
        hidden=choice.args(start=start.isoformat()),
    )


@bp.post("/confirm")
def confirm():
    choice = Choice()
    visit = visit_or_back(choice)
    start = parse_start(request.form.get("start"))
    if visit is None or start is None or choice.location_id is None:
        return redirect(url_for("booking.when", **choice.args()))
    form = ContactForm()
    if not form.validate():
        return contact_page(choice, visit, start, form, 422)
    staff = current_user if choice.behalf else None
    try:
        appointment = booking.book(
            service_ids=choice.service_ids,
            start=start,
            location_id=choice.location_id,
            people=choice.people,
            name=form.name.data,
            phone=form.phone.data,
            email=form.email.data,
            national_number=form.national_number.data,
            language=str(get_locale() or "nl"),
            channel=choice.behalf or "web",
            staff=staff,
            submission_key=form.submission_key.data or None,
        )
    except booking.SlotTaken as taken:
        return just_taken(choice, visit, start, taken, url_for("booking.details"))
    except BookingError as error:
        form_errors(form, error)
        flash(str(error.message), "error")
        return contact_page(choice, visit, start, form, 422)
    return redirect(
        url_for(
            "booking.manage",
            reference=appointment.reference,
            token=booking.manage_token(appointment),
            new=1,
        )
    )


def just_taken(choice, visit, start, taken, action, hidden=None):
    """The time went to someone else a moment ago: say so, and offer fresh times."""
    day = start.astimezone(BRUSSELS).date()
    return (
        render_template(
            "appointments/times.html",
            visit=visit,
            day=day,
            slots=taken.alternatives,
            location=db.session.get(Location, choice.location_id) if choice else None,
            action=action,
            hidden=hidden if hidden is not None else choice.args(),
            back_url=url_for("booking.when", **choice.args()) if choice else None,
            taken=start,
        ),
        409,
    )


def appointment_from_link(reference: str) -> Appointment:
    try:
        return booking.appointment_for_link(reference, request.values.get("token"))
    except booking.ManageLinkExpired:
        abort(410)
    except booking.ManageLinkInvalid:
        abort(404)


@bp.get("/manage/<reference>")
def manage(reference: str):
    appointment = appointment_from_link(reference)
    token = booking.manage_token(appointment)
    return render_template(
        "appointments/manage.html",
        appointment=appointment,
        token=token,
        new=request.args.get("new") == "1",
        manage_url=url_for(
            "booking.manage", reference=appointment.reference, token=token, _external=True
        ),
        changeable=appointment.status == Status.BOOKED and appointment.starts_at > utcnow(),
    )


@bp.get("/manage/<reference>/appointment.ics")
def appointment_ics(reference: str):
    appointment = appointment_from_link(reference)
    lines = [_("Reference: %(reference)s", reference=appointment.reference)]
    documents = [d for s in appointment.services for d in s.documents_in(appointment.language)]
    if documents:
        lines.append(_("Bring: %(documents)s", documents=", ".join(documents)))
    lines.append(
        url_for(
            "booking.manage",
            reference=appointment.reference,
            token=booking.manage_token(appointment),
            _external=True,
        )
    )
    body = ics.appointment_ics(appointment, description="\n".join(lines))
    return calendar_response(body, f"{appointment.reference}.ics")


def calendar_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/manage/<reference>/cancel", methods=["GET", "POST"])
def cancel(reference: str):
    appointment = appointment_from_link(reference)
    token = booking.manage_token(appointment)
    if request.method == "POST":  # CSRFProtect has checked the form's token already
        try:
            booking.cancel(appointment)
        except booking.TooLate as late:
            flash(str(late.message), "error")
        else:
            flash(_("Your appointment is cancelled."), "success")
        return redirect(url_for("booking.manage", reference=appointment.reference, token=token))
    return render_template("appointments/cancel.html", appointment=appointment, token=token)


@bp.route("/manage/<reference>/reschedule", methods=["GET", "POST"])
def reschedule(reference: str):
    appointment = appointment_from_link(reference)
    token = booking.manage_token(appointment)
    return reschedule_page(
        appointment,
        base_args={"reference": appointment.reference, "token": token},
        endpoint="booking.reschedule",
        done_url=url_for("booking.manage", reference=appointment.reference, token=token),
    )


def reschedule_page(appointment, *, base_args, endpoint, done_url, staff=None):
    """Shared by the citizen's manage link and the staff day view."""
    visit = load_visit([s.id for s in appointment.services], appointment.people)
    location = appointment.location
    hidden = {"token": base_args["token"]} if "token" in base_args else {}
    if request.method == "POST":
        start = parse_start(request.form.get("start"))
        if start is None:
            flash(_("Choose a time."), "error")
            return redirect(url_for(endpoint, **base_args))
        try:
            booking.reschedule(appointment, start, staff=staff)
        except booking.SlotTaken as taken:
            choice = Choice({})
            choice.location_id = location.id
            return just_taken(
                choice, visit, start, taken, url_for(endpoint, **base_args), hidden=hidden
            )
        except BookingError as error:
            flash(str(error.message), "error")
            return redirect(url_for(endpoint, **base_args))
        flash(_("Your appointment has moved."), "success")
        return redirect(done_url)
    today = local_today(utcnow(), location.timezone)
    day = parse_day(request.args.get("day"))
    if day is None:
        first = max(parse_day(request.args.get("from")) or today, today)
        to = min(
            first + timedelta(days=DAYS_PER_PAGE - 1), today + timedelta(location.horizon_days)
        )
        slots = find_slots(visit, first, to, location_id=location.id, exclude=appointment.id)
        return render_template(
            "appointments/days.html",
            visit=visit,
            location=location,
            days=days_with_time(slots),
            first=first,
            to=to,
            day_url=lambda d: url_for(endpoint, **base_args, day=d.isoformat()),
            later_url=url_for(endpoint, **base_args, **{"from": (to + timedelta(1)).isoformat()}),
            earlier_url=None,
            back_url=done_url,
            appointment=appointment,
        )
    slots = find_slots(visit, day, day, location_id=location.id, exclude=appointment.id)
    return render_template(
        "appointments/times.html",
        visit=visit,
        day=day,
        slots=slots,
        location=location,
        action=url_for(endpoint, **base_args),
        method="post",
        hidden=hidden,
        back_url=url_for(endpoint, **base_args),
        taken=None,
        appointment=appointment,
    )


@bp.get("/feeds/<token>.ics")
def feed(token: str):
    """A secret subscription feed: the token names a counter or a whole location."""
    counter = db.session.scalar(select(Counter).where(Counter.feed_token == token))
    location = (
        None if counter else db.session.scalar(select(Location).where(Location.feed_token == token))
    )
    if counter is None and location is None:
        abort(404)
    since = utcnow() - timedelta(days=30)
    query = select(Appointment).where(
        Appointment.status != Status.CANCELLED, Appointment.starts_at >= since
    )
    if counter is not None:
        query = query.where(Appointment.counter_id == counter.id)
        name = f"{counter.location.name} · {counter.name}"
    else:
        query = query.where(Appointment.location_id == location.id)
        name = location.name
    rows = db.session.scalars(query.order_by(Appointment.starts_at)).all()
    return calendar_response(ics.feed_ics(name, rows), "loket.ics")


@bp.app_template_filter("local_day")
def local_day(value) -> str:
    """A day in words in the reader's language: "maandag 1 maart 2027"."""
    if isinstance(value, datetime):
        value = value.astimezone(BRUSSELS).date()
    return format_date(value, "full")


@bp.app_template_filter("local_month")
def local_month(value: date) -> str:
    """A month in words in the reader's language, as a heading: "November 2026"."""
    text = format_date(value, "LLLL y")
    return text[:1].upper() + text[1:]


@bp.app_template_filter("local_time")
def local_time(value: datetime) -> str:
    """Wall-clock time in Brussels, whoever looks at it and wherever the server runs."""
    return value.astimezone(BRUSSELS).strftime("%H:%M")


bp.add_app_template_filter(local_iso, "local_iso")  # the API's: one format, one cache
