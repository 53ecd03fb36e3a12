"""The phone admin page: the lines of the menu (key, spoken names, hours, most waiting), the
voice per language, the recordings that replace spoken prompts, and how each call agent takes
calls (browser or desk phone, phone.devices).

A line is a service offered by phone; its key, service and Twilio queue name are each unique
(the database holds the rule; the form says so first, in words).
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.errors import form_errors
from core.unit_of_work import unit_of_work
from desk.identifiers import display_phone
from desk.models import Role, Staff
from extensions import db
from office.models import Location, Service
from phone import devices
from phone.admin_forms import LineForm, RecordingForm, VoiceForm
from phone.agent_errors import AgentError
from phone.console_forms import DeviceForm
from phone.models import LANGUAGES, AgentDevice, AgentStatus, PhoneLine, PhoneRecording, PhoneVoice
from phone.prompts import RECORDABLE, voice_for

bp = Blueprint("phone_admin", __name__, url_prefix="/phone/admin")

LANGUAGE_NAMES = {"nl": _l("Dutch"), "fr": _l("French"), "en": _l("English")}
TAKEN = {
    "digit": _l("Another line has this key."),
    "service_id": _l("This service has a line already."),
    "queue_name": _l("Another line has this queue name."),
}


@bp.before_request
@login_required
def admins_only():
    if not current_user.is_admin:
        abort(403)


def line_form(line: PhoneLine | None = None) -> LineForm:
    form = LineForm(obj=line)
    services = db.session.scalars(select(Service).order_by(Service.name_nl)).all()
    form.service_id.choices = [(s.id, s.name) for s in services]
    places = db.session.scalars(select(Location).order_by(Location.name)).all()
    form.location_id.choices = [(0, _("The service's first location"))] + [
        (p.id, p.local_name) for p in places
    ]
    if line is not None and line.location_id is None:
        form.location_id.data = form.location_id.data or 0
    return form


def voice_form() -> VoiceForm:
    form = VoiceForm()
    form.language.choices = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
    return form


def recording_form() -> RecordingForm:
    form = RecordingForm()
    form.prompt.choices = [(code, str(text)) for code, text in RECORDABLE.items()]
    form.language.choices = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
    return form


def page(new_line=None, voice=None, recording=None, status=200):
    lines = db.session.scalars(select(PhoneLine).order_by(PhoneLine.digit)).all()
    recordings = db.session.scalars(
        select(PhoneRecording).order_by(PhoneRecording.prompt, PhoneRecording.language)
    ).all()
    return render_template(
        "phone/admin.html",
        lines=lines,
        form=new_line or line_form(),
        voice_form=voice or voice_form(),
        recording_form=recording or recording_form(),
        voices={code: voice_for(code) for code in LANGUAGES},
        recordings=recordings,
        language_names=LANGUAGE_NAMES,
        prompt_words={code: str(text) for code, text in RECORDABLE.items()},
        agents=call_agents(),
        device_words=device_words,
    ), status


def call_agents() -> list[tuple[Staff, AgentStatus | None]]:
    """Active call agents with their status row (None until they first open the console)."""
    rows = db.session.execute(
        select(Staff, AgentStatus)
        .outerjoin(AgentStatus, AgentStatus.staff_id == Staff.id)
        .where(Staff.role == Role.CALL_AGENT, Staff.active.is_(True))
        .order_by(Staff.name)
    )
    return [tuple(row) for row in rows]


def device_words(agent: AgentStatus | None) -> str:
    if agent is None or agent.device == AgentDevice.BROWSER:
        return _("In the browser")
    if not agent.device_number:
        return _("On a desk phone whose number is missing")
    return _("On the desk phone %(number)s", number=display_phone(agent.device_number))


@bp.get("/")
def index():
    return page()


def taken(form: LineForm, line: PhoneLine | None) -> bool:
    """Mark each field whose value another line holds; True when any does."""
    found = False
    for name in TAKEN:
        column = getattr(PhoneLine, name)
        other = db.session.scalar(select(PhoneLine.id).where(column == getattr(form, name).data))
        if other is not None and (line is None or other != line.id):
            getattr(form, name).errors.append(TAKEN[name])
            found = True
    return found


def fill(line: PhoneLine, form: LineForm) -> None:
    line.service_id = form.service_id.data
    line.location_id = form.location_id.data or None
    line.digit = form.digit.data
    line.spoken_nl = form.spoken_nl.data.strip()
    line.spoken_fr = form.spoken_fr.data.strip()
    line.spoken_en = form.spoken_en.data.strip()
    line.max_waiting = form.max_waiting.data
    line.queue_name = form.queue_name.data
    line.active = form.active.data


def save(form: LineForm, line: PhoneLine | None) -> bool:
    """Write the line in a unit of its own; a rival's save of the same key lands as a form
    message, not a 500."""
    if not form.validate_on_submit() or taken(form, line):
        return False
    try:
        with unit_of_work():
            target = line or PhoneLine()
            fill(target, form)
            db.session.add(target)
    except IntegrityError:
        form.digit.errors.append(_("Another line has this key, service or queue name."))
        return False
    return True


@bp.post("/lines")
def add_line():
    form = line_form()
    if not save(form, None):
        return page(new_line=form, status=422)
    flash(_("The line is added to the menu."), "success")
    return redirect(url_for("phone_admin.index"))


@bp.route("/lines/<int:line_id>", methods=["GET", "POST"])
def edit_line(line_id: int):
    line = db.session.get(PhoneLine, line_id) or abort(404)
    form = line_form(line)
    if form.is_submitted():
        if save(form, line):
            flash(_("The line is saved."), "success")
            return redirect(url_for("phone_admin.index"))
        return render_template("phone/admin_line.html", form=form, line=line), 422
    return render_template("phone/admin_line.html", form=form, line=line)


@bp.post("/voices")
def set_voice():
    form = voice_form()
    if not form.validate_on_submit():
        return page(voice=form, status=422)
    with unit_of_work():
        chosen = db.session.get(PhoneVoice, form.language.data) or PhoneVoice(
            language=form.language.data
        )
        chosen.voice, chosen.say_language = form.voice.data, form.say_language.data
        db.session.add(chosen)
    flash(_("The voice is saved."), "success")
    return redirect(url_for("phone_admin.index"))


@bp.post("/recordings")
def set_recording():
    form = recording_form()
    if not form.validate_on_submit():
        return page(recording=form, status=422)
    with unit_of_work():
        known = db.session.get(PhoneRecording, (form.prompt.data, form.language.data))
        if not form.url.data:
            if known is not None:
                db.session.delete(known)
        elif known is None:
            db.session.add(
                PhoneRecording(
                    prompt=form.prompt.data, language=form.language.data, url=form.url.data
                )
            )
        else:
            known.url = form.url.data
    flash(_("The recording is saved."), "success")
    return redirect(url_for("phone_admin.index"))


@bp.route("/agents/<int:staff_id>", methods=["GET", "POST"])
def edit_agent(staff_id: int):
    """How this call agent takes calls: the same choice as on their console, for them."""
    staff = db.session.get(Staff, staff_id)
    if staff is None or staff.role != Role.CALL_AGENT or not staff.active:
        abort(404)
    agent = db.session.get(AgentStatus, staff_id)
    form = DeviceForm(request.form if request.method == "POST" else None, prefix="device")
    form.device.label.text = _("How this agent takes calls")
    if request.method == "GET":
        form.device.data = (agent.device if agent else AgentDevice.BROWSER).value
        number = agent.device_number if agent else None
        form.device_number.data = display_phone(number) if number else ""
        return render_template("phone/admin_agent.html", form=form, staff=staff)
    status = 422
    if form.validate():
        try:
            with unit_of_work():
                devices.set_device(staff_id, form.device.data, form.device_number.data)
        except AgentError as error:
            form_errors(form, error, "device")
            status = error.status
        else:
            flash(_("Saved: how %(name)s takes calls.", name=staff.name), "success")
            return redirect(url_for("phone_admin.index") + "#agents-heading", 303)
    return render_template("phone/admin_agent.html", form=form, staff=staff), status
