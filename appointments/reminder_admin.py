"""Admin screens: reminder times per service (`reminder_plan`), at /admin/sms/reminders (the
address admins know from when reminders were the SMS package's).

It lists the office's services (office.models). A service without a plan uses
SMS_REMINDER_OFFSETS; saving an empty field removes the plan, so the service follows the
default again. Changes apply to reminders not yet queued: one already in the outbox keeps its
time, so nobody gets the same reminder twice.
"""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from appointments.forms import ReminderPlanForm
from appointments.reminder_plans import ReminderPlan, parse_offsets
from appointments.reminders import offset_label
from extensions import db
from office.models import Service

bp = Blueprint("reminder_admin", __name__, url_prefix="/admin/sms")


@bp.before_request
@login_required
def admins_only():
    if not current_user.is_admin:
        abort(403)


def labels(minutes: list[int]) -> str:
    return ", ".join(offset_label(m) for m in minutes)


@bp.get("/reminders")
def reminder_plans():
    services = db.session.scalars(select(Service).order_by(Service.name_nl)).all()
    plans = {p.service_id: p for p in db.session.scalars(select(ReminderPlan))}
    default = labels(parse_offsets(current_app.config["SMS_REMINDER_OFFSETS"]))
    return render_template(
        "appointments/reminder_plans.html",
        rows=[(s, labels(plans[s.id].offset_minutes) if s.id in plans else None) for s in services],
        default=default,
    )


@bp.route("/reminders/<int:service_id>", methods=["GET", "POST"])
def reminder_plan(service_id):
    service = db.session.get(Service, service_id)
    if service is None:
        abort(404)
    plan = db.session.get(ReminderPlan, service_id)
    form = ReminderPlanForm()
    if not form.is_submitted():
        form.offsets.data = labels(plan.offset_minutes) if plan else ""
    if form.validate_on_submit():
        minutes = form.offsets.minutes
        if not minutes:
            if plan is not None:
                db.session.delete(plan)
        else:
            plan = plan or ReminderPlan(service_id=service_id)
            plan.offsets = ",".join(str(m) for m in minutes)
            db.session.add(plan)
        flash(_("Reminder times saved for %(service)s.", service=service.name_nl), "success")
        return redirect(url_for("reminder_admin.reminder_plans"))
    return render_template(
        "appointments/reminder_plan_form.html",
        form=form,
        service=service,
        default=labels(parse_offsets(current_app.config["SMS_REMINDER_OFFSETS"])),
    )
