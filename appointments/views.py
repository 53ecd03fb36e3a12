"""The citizen's booking pages, without an account: choose, pick a day and time, confirm.

Every step is a plain page with a plain form, so it works with a keyboard and a screen reader
and survives the back button: the choices so far travel in the address (service, people,
location, day, start), the contact details in the form posts.
"""

import secrets
from collections import OrderedDict
from datetime import date, datetime, timedelta

from babel import dates as babel_dates
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
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from appointments import booking, citizen, ics, month_grid, notice_status, notices
from appointments.availability import local_today
from appointments.forms import ContactForm, FindForm
from appointments.models import Appointment, Status
from appointments.slots import BookingError, find_slots, load_visit, local_iso, locations_for
from core import bounds
from core.database import utcnow
from core.errors import form_errors
from core.time import BRUSSELS, local_clock
from core.unit_of_work import run_in_transaction
from desk import access, identifiers
from extensions import db, limiter
from office import video_visits
from office.models import Counter, LifeEvent, Location, LocationKind, Service

bp = Blueprint("booking", __name__, url_prefix="/appointments")


def booking_rate_limit() -> str:
    return current_app.config["BOOKING_RATE_LIMIT"]


limiter.limit(booking_rate_limit, methods=["POST"])(bp)

STAFF_BEHALF = ("counter", "phone")


@bp.context_processor
def booking_for_staff() -> dict:
    """Staff booking on a citizen's behalf read about "the citizen", not "you"."""
    staff = current_user.is_authenticated and request.values.get("behalf") in STAFF_BEHALF
    return {"for_staff": staff}


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
        if self.behalf in STAFF_BEHALF:
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
    page = month_grid.month_page(
        asked_month(), today, today + timedelta(days=location.horizon_days)
    )
    slots = find_slots(visit, page.first, page.last, location_id=location.id)
    first_free = slots[0] if slots else first_free_time(visit, location, page.last)
    return render_template(
        "appointments/days.html",
        visit=visit,
        location=location,
        page=page,
        days=days_with_time(slots),
        day_url=lambda d: url_for("booking.times", **choice.args(day=d.isoformat())),
        month_url=lambda m: url_for("booking.when", **choice.args(month=m.strftime("%Y-%m"))),
        first_free=first_free,
        first_free_url=url_for("booking.details", **choice.args(start=first_free.start.isoformat()))
        if first_free
        else None,
        back_url=url_for("booking.start", **choice.args()),
    )


def asked_month() -> date | None:
    """The month in the address; `from` (a day) is what older links carry."""
    return month_grid.parse_month(request.args.get("month") or request.args.get("from"))


def first_free_time(visit, location, after: date, exclude=None):
    """The first free time after the month shown (a month with none left): a fortnight
    ahead, then to the horizon."""
    today = local_today(utcnow(), location.timezone)
    horizon = today + timedelta(days=location.horizon_days)
    for last in (after + timedelta(days=14), horizon):
        slots = find_slots(
            visit, after + timedelta(days=1), min(last, horizon), location_id=location.id,
            exclude=exclude,
        )  # fmt: skip
        if slots:
            return slots[0]
    return None


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


def contact_form(choice: Choice) -> ContactForm:
    form = ContactForm()
    if choice.behalf in STAFF_BEHALF:
        form.address_staff()
    return form


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
    form = contact_form(choice)
    if request.method == "GET":
        form.submission_key.data = secrets.token_hex(16)
        offered = None if choice.behalf else citizen.offered_details()
        if offered:  # a citizen signed in to Mijn Loket chose "book again"
            form.name.data = offered["name"]
            form.email.data = offered["email"]
            form.phone.data = (
                identifiers.display_phone(offered["phone"]) if offered["phone"] else ""
            )
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
    form = contact_form(choice)
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
            consents=form.consents(),
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
    """The appointment of a manage link; a wrong or expired link gets the "find my
    appointment" form (404 or 410), which says nothing about whether the reference exists."""
    try:
        return booking.appointment_for_link(reference, request.values.get("token"))
    except booking.ManageLinkExpired:
        abort(find_page(FindForm(), 410, expired=True))
    except booking.ManageLinkInvalid:
        abort(find_page(FindForm(), 404))


def find_page(form, status=200, *, expired=False, sent=False) -> Response:
    page = render_template("appointments/find.html", form=form, expired=expired, sent=sent)
    return Response(page, status=status)


def find_rate_limit() -> str:
    return current_app.config["BOOKING_FIND_RATE_LIMIT"]


@bp.route("/find", methods=["GET", "POST"])
@limiter.limit(find_rate_limit, methods=["POST"])
def find():
    """A lost or expired link: the reference and the phone or e-mail it was booked with send
    the link again, to that address. The answer is the same whether or not they match, so
    the page reveals no reference and no address."""
    form = FindForm()
    if request.method == "GET" or not form.validate():
        return find_page(form, 200 if request.method == "GET" else 422)
    channel, address = form.channel_and_address()
    appointment = db.session.scalar(
        select(Appointment).where(
            Appointment.reference == booking.normalise_reference(form.reference.data)
        )
    )
    if appointment is not None and address in (appointment.phone, appointment.email):
        now = utcnow()

        def work():
            booking.renew_manage_link(appointment.id, now)
            notices.send_manage_link(
                db.session.get(Appointment, appointment.id), channel, address, now
            )

        run_in_transaction(work)
    return find_page(FindForm(formdata=None), sent=True)


@bp.get("/manage/<reference>")
def manage(reference: str):
    appointment = appointment_from_link(reference)
    token = booking.manage_token(appointment)
    new = request.args.get("new") == "1"
    event = "booked" if new else ("rescheduled" if request.args.get("moved") == "1" else None)
    return render_template(
        "appointments/manage.html",
        appointment=appointment,
        token=token,
        new=new,
        confirmation=notice_status.confirmation_sentence(appointment, event) if event else None,
        manage_url=url_for(
            "booking.manage", reference=appointment.reference, token=token, _external=True
        ),
        changeable=appointment.status == Status.BOOKED and appointment.starts_at > utcnow(),
        video=video_join(appointment),
    )


def video_join(appointment: Appointment) -> dict | None:
    """A video appointment's join link and from when it works (office.video_visits)."""
    if appointment.status == Status.CANCELLED or appointment.location.kind != LocationKind.ONLINE:
        return None
    opens, _closes = video_visits.join_window(appointment.starts_at, appointment.ends_at)
    return {"url": video_visits.citizen_join_path(appointment.reference), "opens_at": opens}


@bp.get("/manage/<reference>/appointment.ics")
def appointment_ics(reference: str):
    appointment = appointment_from_link(reference)
    manage_url = url_for(
        "booking.manage",
        reference=appointment.reference,
        token=booking.manage_token(appointment),
        _external=True,
    )
    language = str(get_locale() or appointment.language)
    description = notices.calendar_description(appointment, manage_url, language)
    body = ics.appointment_ics(appointment, description=description, language=language)
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
        moved_url=url_for("booking.manage", reference=appointment.reference, token=token, moved=1),
        representative_id=citizen.representative_for(appointment.id),
    )


def reschedule_page(
    appointment,
    *,
    base_args,
    endpoint,
    done_url,
    moved_url=None,
    staff=None,
    representative_id=None,
):
    """Shared by the citizen's manage link and the staff day view. A chosen time is shown
    beside the current one first: the move happens only when that page is confirmed."""
    visit = load_visit([s.id for s in appointment.services], appointment.people)
    location = appointment.location
    hidden = {"token": base_args["token"]} if "token" in base_args else {}
    if request.method == "POST":
        start = parse_start(request.form.get("start"))
        if start is None:
            flash(_("Choose a time."), "error")
            return redirect(url_for(endpoint, **base_args))
        if request.form.get("confirmed") != "1":
            return render_template(
                "appointments/reschedule_confirm.html",
                appointment=appointment,
                visit=visit,
                location=location,
                start=start,
                ends=start + (appointment.ends_at - appointment.starts_at),
                action=url_for(endpoint, **base_args),
                hidden=hidden,
                back_url=url_for(
                    endpoint, **base_args, day=start.astimezone(BRUSSELS).date().isoformat()
                ),
            )
        try:
            booking.reschedule(appointment, start, staff=staff, representative_id=representative_id)
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
        return redirect(moved_url or done_url)
    today = local_today(utcnow(), location.timezone)
    day = parse_day(request.args.get("day"))
    if day is None:
        page = month_grid.month_page(
            asked_month(), today, today + timedelta(days=location.horizon_days)
        )
        slots = find_slots(
            visit, page.first, page.last, location_id=location.id, exclude=appointment.id
        )
        first_free = (
            slots[0]
            if slots
            else first_free_time(visit, location, page.last, exclude=appointment.id)
        )
        return render_template(
            "appointments/days.html",
            visit=visit,
            location=location,
            page=page,
            days=days_with_time(slots),
            day_url=lambda d: url_for(endpoint, **base_args, day=d.isoformat()),
            month_url=lambda m: url_for(endpoint, **base_args, month=m.strftime("%Y-%m")),
            first_free=first_free,
            first_free_action=url_for(endpoint, **base_args),
            hidden=hidden,
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
    # Read by no one signed in: a secret citizen is hidden as from staff who may not see them.
    visible = access.visible_live_ids(None, [a.party_id for a in rows])
    secret = {a.id for a in rows if a.party_id is not None and visible[a.party_id] is None}
    return calendar_response(ics.feed_ics(name, rows, secret), "loket.ics")


# English readers here are in Belgium: British forms ("Thursday 7 January 2027", 24-hour
# clock), not American ones ("Thursday, January 7, 2027").
DATE_LOCALES = {"en": "en_GB"}


def date_locale() -> str:
    language = str(get_locale() or "nl")
    return DATE_LOCALES.get(language, language)


@bp.app_template_filter("local_day")
def local_day(value) -> str:
    """A day in words in the reader's language: "maandag 1 maart 2027"."""
    if isinstance(value, datetime):
        value = value.astimezone(BRUSSELS).date()
    return babel_dates.format_date(value, "full", locale=date_locale())


@bp.app_template_filter("local_month")
def local_month(value: date) -> str:
    """A month in words in the reader's language, as a heading: "November 2026"."""
    text = babel_dates.format_date(value, "LLLL y", locale=date_locale())
    return text[:1].upper() + text[1:]


@bp.app_template_filter("local_time")
def local_time(value: datetime) -> str:
    """Wall-clock time in Brussels, whoever looks at it and wherever the server runs."""
    return local_clock(value)


@bp.app_template_global("weekday_names")
def weekday_names() -> list[tuple[str, str]]:
    """(full, short) names of the days, Monday first, in the reader's language."""
    names = babel_dates.get_day_names("wide", locale=date_locale())
    short = babel_dates.get_day_names("abbreviated", locale=date_locale())
    return [(names[i], short[i]) for i in range(7)]


bp.add_app_template_filter(local_iso, "local_iso")  # the API's: one format, one cache
