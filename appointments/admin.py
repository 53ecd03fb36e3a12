"""Admin screens: locations with hours and exceptions, services, counters and life events."""

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from appointments import validation
from appointments.availability import local_today
from appointments.forms import CounterForm, ExceptionForm, LifeEventForm, LocationForm, ServiceForm
from core.database import utcnow
from extensions import db
from office import holidays, hours
from office.models import (
    Counter,
    LifeEvent,
    Location,
    OpeningException,
    OpeningPeriod,
    Service,
    new_feed_token,
)

bp = Blueprint("booking_admin", __name__, url_prefix="/admin/booking")


@bp.before_request
@login_required
def admins_only():
    if not current_user.is_admin:
        abort(403)


@bp.get("/")
def index():
    return render_template(
        "appointments/admin_index.html",
        locations=db.session.scalars(select(Location).order_by(Location.name)).all(),
        services=db.session.scalars(select(Service).order_by(Service.name_nl)).all(),
        counters=db.session.scalars(
            select(Counter).order_by(Counter.location_id, Counter.name)
        ).all(),
        life_events=db.session.scalars(select(LifeEvent).order_by(LifeEvent.code)).all(),
    )


def form_page(form, title, action, extra=None):
    return render_template(
        "appointments/admin_form.html", form=form, title=title, action=action, **(extra or {})
    )


def saved(message):
    flash(message, "success")
    return redirect(url_for("booking_admin.index"))


def existing_or_new(model, item_id):
    """The row to edit (404 if it is gone), or a new one for the "new" route."""
    if not item_id:
        return model()
    item = db.session.get(model, item_id)
    if item is None:
        abort(404)
    return item


@bp.route("/locations/new", methods=["GET", "POST"])
@bp.route("/locations/<int:location_id>", methods=["GET", "POST"])
def location(location_id=None):
    place = existing_or_new(Location, location_id)
    form = LocationForm(obj=place if location_id else None)
    if request.method == "GET":
        if not location_id:
            form.min_notice_minutes.data, form.horizon_days.data = 60, 60
            form.walk_in_percent.data, form.active.data = 0, True
        for weekday, name in enumerate(LocationForm.DAYS):
            form[name].data = ", ".join(
                f"{p.opens:%H:%M}-{p.closes:%H:%M}"
                for p in place.opening_periods
                if p.weekday == weekday
            )
    if form.validate_on_submit():
        for name in (
            "name", "name_fr", "name_en", "address", "kind", "min_notice_minutes",
            "horizon_days", "walk_in_percent",
        ):  # fmt: skip
            setattr(place, name, form[name].data)
        place.active = form.active.data
        place.opening_periods = [
            OpeningPeriod(weekday=weekday, opens=opens, closes=closes)
            for weekday, name in enumerate(LocationForm.DAYS)
            for opens, closes in validation.parse_periods(form[name].data)
        ]
        db.session.add(place)
        return saved(_("Location saved."))
    extra = {
        "location": place if location_id else None,
        "exception_form": ExceptionForm(),
        "holidays": upcoming_holidays(place) if location_id else [],
    }
    action = url_for("booking_admin.location", location_id=location_id)
    return form_page(form, _("Location"), action, extra)


def upcoming_holidays(place: Location) -> list[tuple]:
    """The public holidays of the coming year, each with the location's hours that day: none
    (closed), unless an exception opens it."""
    today = local_today(utcnow(), place.timezone)
    return [
        (day, name, hours.hours_on(place.id, day))
        for day, name in holidays.between(today, today + timedelta(days=365))
    ]


@bp.post("/locations/<int:location_id>/exceptions")
def add_exception(location_id: int):
    place = db.session.get(Location, location_id) or abort(404)
    form = ExceptionForm()
    if not form.validate():
        for field_errors in form.errors.values():
            for error in field_errors:
                flash(str(error), "error")
        return redirect(url_for("booking_admin.location", location_id=location_id))
    periods = [] if form.closed.data else validation.parse_periods(form.hours.data)
    if form.closed.data:
        place.exceptions.append(
            OpeningException(day=form.day.data, closed=True, reason=form.reason.data or "")
        )
    for opens, closes in periods:
        place.exceptions.append(
            OpeningException(
                day=form.day.data, opens=opens, closes=closes, reason=form.reason.data or ""
            )
        )
    flash(_("Exception added."), "success")
    return redirect(url_for("booking_admin.location", location_id=location_id))


@bp.post("/exceptions/<int:exception_id>/delete")
def delete_exception(exception_id: int):
    exception = db.session.get(OpeningException, exception_id) or abort(404)
    location_id = exception.location_id
    db.session.delete(exception)
    flash(_("Exception removed."), "success")
    return redirect(url_for("booking_admin.location", location_id=location_id))


@bp.post("/feeds/<kind>/<int:item_id>/renew")
def renew_feed(kind: str, item_id: int):
    """A new secret address; calendars subscribed to the old one stop receiving updates."""
    model = {"location": Location, "counter": Counter}.get(kind) or abort(404)
    item = db.session.get(model, item_id) or abort(404)
    item.feed_token = new_feed_token()
    return saved(_("A new calendar address was made."))


@bp.route("/services/new", methods=["GET", "POST"])
@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
def service(service_id=None):
    item = existing_or_new(Service, service_id)
    form = ServiceForm(obj=item if service_id else None)
    all_events = db.session.scalars(select(LifeEvent).order_by(LifeEvent.code)).all()
    all_locations = db.session.scalars(select(Location).order_by(Location.name)).all()
    form.life_events.choices = [(e.id, e.name) for e in all_events]
    form.locations.choices = [(loc.id, loc.name) for loc in all_locations]
    if request.method == "GET":
        form.life_events.data = [e.id for e in item.life_events]
        form.locations.data = [loc.id for loc in item.locations]
        if not service_id:
            form.duration_minutes.data, form.buffer_minutes.data = 15, 0
            form.max_people.data, form.active.data = 1, True
    if form.validate_on_submit():
        for name in (
            "name_nl",
            "name_fr",
            "name_en",
            "duration_minutes",
            "buffer_minutes",
            "max_people",
            "documents_nl",
            "documents_fr",
            "documents_en",
        ):
            setattr(item, name, form[name].data or ("" if name.startswith(("name", "doc")) else 0))
        item.active = form.active.data
        item.life_events = [e for e in all_events if e.id in (form.life_events.data or [])]
        item.locations = [loc for loc in all_locations if loc.id in (form.locations.data or [])]
        db.session.add(item)
        return saved(_("Service saved."))
    return form_page(form, _("Service"), url_for("booking_admin.service", service_id=service_id))


@bp.route("/counters/new", methods=["GET", "POST"])
@bp.route("/counters/<int:counter_id>", methods=["GET", "POST"])
def counter(counter_id=None):
    item = existing_or_new(Counter, counter_id)
    form = CounterForm(obj=item if counter_id else None)
    all_services = db.session.scalars(select(Service).order_by(Service.name_nl)).all()
    form.location_id.choices = [
        (loc.id, loc.name) for loc in db.session.scalars(select(Location).order_by(Location.name))
    ]
    form.services.choices = [(s.id, s.name) for s in all_services]
    if request.method == "GET":
        form.services.data = [s.id for s in item.services]
        if not counter_id:
            form.active.data = True
    if form.validate_on_submit():
        item.name, item.location_id = form.name.data, form.location_id.data
        item.name_fr, item.name_en = form.name_fr.data or "", form.name_en.data or ""
        item.active = form.active.data
        item.services = [s for s in all_services if s.id in (form.services.data or [])]
        db.session.add(item)
        return saved(_("Counter saved."))
    return form_page(form, _("Counter"), url_for("booking_admin.counter", counter_id=counter_id))


@bp.route("/life-events/new", methods=["GET", "POST"])
@bp.route("/life-events/<int:event_id>", methods=["GET", "POST"])
def life_event(event_id=None):
    item = existing_or_new(LifeEvent, event_id)
    form = LifeEventForm(obj=item if event_id else None)
    if form.validate_on_submit():
        duplicate = db.session.scalar(
            select(LifeEvent).where(LifeEvent.code == form.code.data, LifeEvent.id != item.id)
            if item.id
            else select(LifeEvent).where(LifeEvent.code == form.code.data)
        )
        if duplicate:
            form.code.errors = [*form.code.errors, _("This code is already used.")]
        else:
            form.populate_obj(item)
            item.name_fr, item.name_en = item.name_fr or "", item.name_en or ""
            db.session.add(item)
            return saved(_("Life event saved."))
    return form_page(form, _("Life event"), url_for("booking_admin.life_event", event_id=event_id))
