"""Admins create, edit and deactivate staff accounts and reset a lost second factor."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from desk import accounts
from desk.auth import role_required
from desk.models import Department, Role, Staff
from desk.signals import staff_locations
from desk.staff_forms import ROLE_LABELS, StaffForm
from extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@role_required(Role.ADMIN)
def admins_only():
    return None


def staff_or_404(staff_id: int) -> Staff:
    return db.session.get(Staff, staff_id) or abort(404)


def department_choices():
    departments = db.session.scalars(select(Department).order_by(Department.name))
    return [(0, _("None"))] + [(d.id, d.name) for d in departments]


def location_choices():
    """The offices the booking package answers with (desk.signals.staff_locations)."""
    answers = staff_locations.send(current_app._get_current_object())
    offices = [choice for _receiver, choices in answers for choice in choices or []]
    return [(0, _("No fixed location"))] + offices


def choose_from(form: StaffForm) -> StaffForm:
    form.department_id.choices = department_choices()
    form.home_location_id.choices = location_choices()
    return form


@bp.get("/")
def index():
    """One menu item for administration: the staff menu fits one row at 1280 px."""
    return render_template("desk/admin/index.html")


@bp.get("/staff")
def staff_list():
    staff = db.session.scalars(select(Staff).order_by(Staff.name)).all()
    return render_template("desk/admin/staff_list.html", staff=staff, role_labels=ROLE_LABELS)


@bp.route("/staff/new", methods=["GET", "POST"])
def staff_new():
    form = choose_from(StaffForm())
    status = 200
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("Give a first password."))
        else:
            try:
                staff = accounts.create_staff(
                    email=form.email.data,
                    name=form.name.data,
                    role=Role(form.role.data),
                    password=form.password.data,
                    department_id=form.department_id.data or None,
                    home_location_id=form.home_location_id.data or None,
                )
            except accounts.AccountError:
                form.email.errors.append(_("There is already an account with this address."))
            else:
                flash(_("Account for %(name)s created.", name=staff.name), "success")
                return redirect(url_for("admin.staff_list"))
    if form.is_submitted():
        status = 422
    return render_template("desk/admin/staff_form.html", form=form, staff=None), status


@bp.route("/staff/<int:staff_id>", methods=["GET", "POST"])
def staff_edit(staff_id):
    staff = staff_or_404(staff_id)
    form = choose_from(StaffForm(obj=staff if request.method == "GET" else None))
    if request.method == "GET":
        form.role.data = staff.role.value
        form.department_id.data = staff.department_id or 0
        form.home_location_id.data = staff.home_location_id or 0
    status = 200
    if form.validate_on_submit():
        other = accounts.find_staff_by_email(form.email.data)
        if other is not None and other.id != staff.id:
            form.email.errors.append(_("There is already an account with this address."))
        else:
            staff.name = form.name.data.strip()
            staff.email = accounts.normalise_email(form.email.data)
            staff.role = Role(form.role.data)
            staff.department_id = form.department_id.data or None
            staff.home_location_id = form.home_location_id.data or None
            if form.password.data:
                accounts.set_password(staff, form.password.data)
            flash(_("Account of %(name)s saved.", name=staff.name), "success")
            return redirect(url_for("admin.staff_list"))
    if form.is_submitted():
        status = 422
    return render_template("desk/admin/staff_form.html", form=form, staff=staff), status


@bp.post("/staff/<int:staff_id>/active")
def staff_set_active(staff_id):
    staff = staff_or_404(staff_id)
    active = request.form.get("active") == "1"
    try:
        accounts.set_active(staff, active, current_user)
    except accounts.AccountError:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("admin.staff_list"))
    message = _("%(name)s can sign in again.") if active else _("%(name)s can no longer sign in.")
    flash(message % {"name": staff.name}, "success")
    return redirect(url_for("admin.staff_list"))


@bp.post("/staff/<int:staff_id>/reset-second-factor")
def staff_reset_second_factor(staff_id):
    staff = staff_or_404(staff_id)
    accounts.reset_second_factor(staff)
    flash(
        _("%(name)s sets up a new second factor at the next sign-in.", name=staff.name), "success"
    )
    return redirect(url_for("admin.staff_list"))


@bp.post("/staff/<int:staff_id>/unlock")
def staff_unlock(staff_id):
    staff = staff_or_404(staff_id)
    accounts.unlock(staff)
    flash(_("%(name)s is unlocked.", name=staff.name), "success")
    return redirect(url_for("admin.staff_list"))
