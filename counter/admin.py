"""The counter's admin pages: registered kiosks, and removing junk tickets from a queue.

Registering a kiosk shows its device token and pairing link once (counter.kiosks); only their
hashes are kept. Removed tickets stay in the database as `removed` (counter.calling).
"""

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import func, select

from core.database import utcnow
from core.errors import form_errors
from counter import calling, kiosks
from counter.errors import CounterError
from counter.forms import KioskForm
from counter.models import Kiosk, Ticket, TicketStatus
from counter.queue import local_day
from extensions import db
from office.models import Location, Service

bp = Blueprint("counter_admin", __name__, url_prefix="/counter/admin")


@bp.before_request
@login_required
def admins_only():
    if not current_user.is_admin:
        abort(403)


def locations() -> list[Location]:
    return db.session.scalars(select(Location).order_by(Location.name)).all()


def kiosks_page(form: KioskForm, status: int = 200):
    rows = db.session.scalars(
        select(Kiosk).order_by(Kiosk.revoked_at.is_not(None), Kiosk.location_id, Kiosk.name)
    ).all()
    page = render_template(
        "counter/admin_kiosks.html", form=form, kiosks=rows, last_tickets=last_tickets(rows)
    )
    return page, status


def last_tickets(rows: list[Kiosk]) -> dict[int, object]:
    """When each kiosk last issued a ticket today (through the location-day-status index):
    whether it works, without a write per ticket on the kiosk's row."""
    places = {kiosk.location_id for kiosk in rows}
    if not places:
        return {}
    return dict(
        db.session.execute(
            select(Ticket.kiosk_id, func.max(Ticket.issued_at))
            .where(
                Ticket.location_id.in_(places),
                Ticket.day == local_day(utcnow()),
                Ticket.kiosk_id.is_not(None),
            )
            .group_by(Ticket.kiosk_id)
        ).all()
    )


def kiosk_form() -> KioskForm:
    form = KioskForm()
    form.location_id.choices = [(place.id, place.name) for place in locations()]
    return form


@bp.get("/kiosks")
def kiosk_list():
    return kiosks_page(kiosk_form())


def shown_once(kiosk: Kiosk, code: str, token: str | None = None):
    """The pairing link (and, when just registered, the device token): shown here only."""
    page = render_template(
        "counter/admin_kiosk_secrets.html",
        kiosk=kiosk,
        token=token,
        pairing_url=url_for("counter.kiosk_pairing", code=code, _external=True),
        hours=kiosks.PAIRING_HOURS,
    )
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/kiosks")
def register_kiosk():
    form = kiosk_form()
    if form.validate_on_submit():
        try:
            kiosk, token, code = kiosks.register(
                name=form.name.data,
                location_id=form.location_id.data,
                staff_id=current_user.id,
            )
        except CounterError as error:
            form_errors(form, error)
        else:
            return shown_once(kiosk, code, token)
    return kiosks_page(form, 422)


@bp.post("/kiosks/<int:kiosk_id>/pairing")
def new_pairing(kiosk_id):
    kiosk, code = kiosks.new_pairing(kiosk_id)
    return shown_once(kiosk, code)


@bp.post("/kiosks/<int:kiosk_id>/revoke")
def revoke_kiosk(kiosk_id):
    kiosk = kiosks.revoke(kiosk_id)
    flash(_("Kiosk %(name)s is revoked: it now gets a phone's limits.", name=kiosk.name), "success")
    return redirect(url_for("counter_admin.kiosk_list"))


# --- the waiting queue -------------------------------------------------------------------------


@bp.get("/queue")
def queue_index():
    places = locations()
    if not places:
        return render_template("counter/admin_queue.html", location=None, tickets=[], kiosks={})
    return redirect(url_for("counter_admin.queue", location_id=places[0].id))


@bp.get("/queue/<int:location_id>")
def queue(location_id):
    location = db.session.get(Location, location_id)
    if location is None:
        abort(404)
    rows = db.session.execute(
        select(Ticket, Service)
        .join(Service, Service.id == Ticket.service_id)
        .where(
            Ticket.location_id == location.id,
            Ticket.day == local_day(utcnow()),
            Ticket.status == TicketStatus.WAITING,
        )
        .order_by(Ticket.issued_at, Ticket.id)
    ).all()
    names = dict(db.session.execute(select(Kiosk.id, Kiosk.name)).all())
    return render_template(
        "counter/admin_queue.html",
        location=location,
        locations=locations(),
        tickets=rows,
        kiosks=names,
    )


@bp.post("/queue/<int:location_id>/remove")
def remove_tickets(location_id):
    if db.session.get(Location, location_id) is None:
        abort(404)
    chosen = request.form.getlist("ticket_id")
    if not chosen:
        flash(_("Select the tickets to remove."), "error")
    else:
        removed = calling.remove_waiting(location_id, chosen, staff_id=current_user.id)
        flash(
            ngettext(
                "%(num)d ticket removed from the queue.",
                "%(num)d tickets removed from the queue.",
                len(removed),
            ),
            "success",
        )
    return redirect(url_for("counter_admin.queue", location_id=location_id))
