"""Staff side of booking: the day view per location and counter, and changes on a citizen's
behalf (reschedule, cancel, arrived, no-show). Bookings on behalf go through the citizen's own
pages with `behalf=counter|phone`, so the citizen gets the very same confirmation."""

from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from appointments import booking
from appointments.availability import local_today
from appointments.models import Appointment
from appointments.slots import BookingError
from appointments.views import parse_day, reschedule_page
from core.database import utcnow
from core.time import BRUSSELS
from desk import access, record
from desk.interaction_texts import register_texts
from extensions import db
from office import video_visits
from office.models import Location, LocationKind

# The pages' access-log details (desk.record.access_log).
register_texts(
    {
        "appointments.day_view": _l("Appointments day view"),
        "appointments.reschedule": _l("Rescheduling appointment %(reference)s"),
    }
)

bp = Blueprint("booking_desk", __name__, url_prefix="/desk/appointments")


@bp.before_request
@login_required
def staff_only():
    return None


def day_bounds(day) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=BRUSSELS).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=BRUSSELS).astimezone(UTC)
    return start, end


def home_or_chosen(locations: list[Location]) -> Location | None:
    """The location asked for; without one, the clerk's own office, else the first."""
    asked = request.args.get("location", type=int)
    if asked:
        return db.session.get(Location, asked)
    home = current_user.home_location_id
    return next((loc for loc in locations if loc.id == home), locations[0])


@bp.get("/")
def day_view():
    locations = db.session.scalars(select(Location).order_by(Location.name)).all()
    if not locations:
        return render_template("appointments/desk_day.html", locations=[], location=None)
    location = home_or_chosen(locations) or abort(404)
    day = parse_day(request.args.get("day")) or local_today(utcnow(), location.timezone)
    counter_id = request.args.get("counter", type=int)
    start, end = day_bounds(day)
    query = (
        select(Appointment)
        .where(
            Appointment.location_id == location.id,
            Appointment.starts_at >= start,
            Appointment.starts_at < end,
        )
        .options(selectinload(Appointment.services), selectinload(Appointment.counter))
        .order_by(Appointment.starts_at, Appointment.counter_id)
    )
    if counter_id:
        query = query.where(Appointment.counter_id == counter_id)
    appointments = db.session.scalars(query).all()
    # The party page's rule, row by row: a secret citizen's row shows no name, number or
    # reference; every citizen shown is in the access log.
    staff = current_user._get_current_object()
    seen = access.visible_live_ids(staff, [a.party_id for a in appointments])
    hidden = {a.id for a in appointments if a.party_id is not None and seen[a.party_id] is None}
    page = render_template(
        "appointments/desk_day.html",
        locations=locations,
        location=location,
        counters=location.counters,
        counter_id=counter_id,
        day=day,
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        appointments=appointments,
        hidden=hidden,
        # Video appointments (an online location): staff join the call from their row.
        video_join=video_visits.staff_join_path if location.kind == LocationKind.ONLINE else None,
    )
    shown = [live for live in seen.values() if live is not None]
    record.log_access(
        staff=staff,
        party_ids=shown,
        action="view",
        purpose="contact",
        detail="appointments.day_view",
    )
    return page


def appointment_or_404(appointment_id: int) -> Appointment:
    """A secret citizen's appointment does not exist for staff who may not see the party."""
    appointment = db.session.get(Appointment, appointment_id) or abort(404)
    if appointment.party_id is not None:
        staff = current_user._get_current_object()
        if access.visible_live_ids(staff, [appointment.party_id])[appointment.party_id] is None:
            abort(404)
    return appointment


def back_to_day(appointment: Appointment):
    day = appointment.starts_at.astimezone(BRUSSELS).date().isoformat()
    return redirect(url_for("booking_desk.day_view", location=appointment.location_id, day=day))


@bp.post("/<int:appointment_id>/<any(arrived, no_show, cancel):action>")
def change_status(appointment_id: int, action: str):
    appointment = appointment_or_404(appointment_id)
    change = {
        "arrived": booking.mark_arrived,
        "no_show": booking.mark_no_show,
        "cancel": booking.cancel,
    }[action]
    try:
        change(appointment, staff=current_user._get_current_object())
    except BookingError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Appointment %(reference)s updated.", reference=appointment.reference), "success")
    return back_to_day(appointment)


@bp.route("/<int:appointment_id>/reschedule", methods=["GET", "POST"])
def reschedule(appointment_id: int):
    appointment = appointment_or_404(appointment_id)
    if appointment.party_id is not None and request.method == "GET":
        record.log_access(
            staff=current_user._get_current_object(),
            party_ids=record.resolve_party(appointment.party_id).id,
            action="view",
            purpose="contact",
            detail="appointments.reschedule",
            detail_params={"reference": appointment.reference},
        )
    day = appointment.starts_at.astimezone(BRUSSELS).date().isoformat()
    return reschedule_page(
        appointment,
        base_args={"appointment_id": appointment.id},
        endpoint="booking_desk.reschedule",
        done_url=url_for("booking_desk.day_view", location=appointment.location_id, day=day),
        staff=current_user._get_current_object(),
    )
