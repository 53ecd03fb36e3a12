"""The chat's pages: the citizen's chat (or, outside hours or with nobody free, a callback
request), and the agents' console (chat.console builds what it shows)."""

from flask import (
    Blueprint,
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

from chat import console, service
from chat.errors import ChatError
from chat.forms import CallbackForm, EndForm, TransferForm
from chat.hours import chat_hours
from chat.models import Chat, ChatStatus
from chat.notices import chat_ended, chat_transferred
from chat.presence import agents_online
from chat.transcript import AGENT_OUTCOMES
from core.errors import form_errors
from desk import record
from desk.accounts import get_or_create_department
from desk.auth import role_required
from desk.errors import RecordError
from desk.models import Role
from extensions import db, limiter
from office.models import Service

bp = Blueprint("chat", __name__, url_prefix="/chat")
agents_only = role_required(Role.CALL_AGENT, Role.BACK_OFFICE)


def start_rate_limit() -> str:
    return current_app.config["CHAT_START_RATE_LIMIT"]


# --- citizens ---------------------------------------------------------------------------------


@bp.get("/")
def start():
    """The chat when it is open and an agent is online; else the callback request."""
    hours = chat_hours()
    live = hours.open_now and agents_online() > 0
    services = db.session.scalars(
        select(Service).where(Service.active.is_(True)).order_by(Service.name_nl)
    ).all()
    return render_template(
        "chat/widget.html",
        hours=hours,
        live=live,
        services=services,
        form=CallbackForm(),
        language=str(get_locale()),
        message_max=current_app.config["CHAT_MESSAGE_MAX"],
    )


@bp.post("/callback")
@limiter.limit(start_rate_limit)
def callback():
    """A callback request becomes a Task for the department, on the citizen's record."""
    form = CallbackForm()
    if form.validate_on_submit():
        try:
            task_id = request_callback(form)
        except (ChatError, RecordError) as error:
            db.session.rollback()
            form_errors(form, error, fallback="question")
        else:
            return render_template("chat/widget_thanks.html", task_id=task_id)
    return render_template(
        "chat/widget.html",
        hours=chat_hours(),
        live=False,
        services=[],
        form=form,
        language=str(get_locale()),
        message_max=current_app.config["CHAT_MESSAGE_MAX"],
    ), 422


def request_callback(form: CallbackForm) -> int:
    name = service.checked_text(form.name.data, field="name", limit=200, required=True)
    phone, email = service.checked_contact(form.phone.data, form.email.data)
    if not (phone or email):
        raise ChatError("contact_required", field="phone")
    if not form.consent.data:
        raise ChatError("consent_required", field="consent")
    question = service.checked_text(
        form.question.data, field="question", limit=2000, required=True, multiline=True
    )
    party = record.find_or_create_party(
        name=name, phone=phone, email=email, language=str(get_locale())
    )
    department = get_or_create_department(current_app.config["CHAT_CALLBACK_DEPARTMENT"])
    contact = ", ".join(value for value in (phone, email) if value)
    task = record.create_task(
        party=party,
        title=f"Terugbelverzoek (chat): {question[:150]}",
        description=(
            f"{question}\n\nContact: {contact}\n"
            "The citizen agreed to be contacted at this address about this question."
        ),
        department=department,
        kind="callback",
    )
    return task.id


# --- agents ---------------------------------------------------------------------------------


@bp.get("/console")
@agents_only
def console_page():
    return render_template(
        "chat/console.html",
        waiting=console.waiting_for(current_user),
        mine=service.chats_held_by(current_user.id),
        max_active=current_app.config["CHAT_MAX_ACTIVE"],
    )


def held_or_404(chat_id: int) -> Chat:
    chat = db.session.get(Chat, chat_id)
    if chat is None or chat.agent_id != current_user.id or chat.status != ChatStatus.ACTIVE:
        abort(404)
    return chat


@bp.get("/console/<int:chat_id>")
@agents_only
def console_chat(chat_id):
    chat = held_or_404(chat_id)
    page = console.chat_page(chat, current_user, query=(request.args.get("q") or "")[:200])
    return page


@bp.post("/console/<int:chat_id>/transfer")
@agents_only
def transfer(chat_id):
    chat = held_or_404(chat_id)
    form = TransferForm()
    kind, _sep, target = (form.to.data or "").partition(":")
    to_staff = int(target) if kind == "staff" and target.isdigit() else None
    to_department = int(target) if kind == "department" and target.isdigit() else None
    try:
        service.transfer_chat(
            chat,
            current_user,
            to_staff_id=to_staff,
            to_department_id=to_department,
            note=form.note.data or "",
        )
    except ChatError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("chat.console_chat", chat_id=chat_id))
    chat_transferred(chat, to_staff)
    flash(_("The chat was handed over."), "success")
    return redirect(url_for("chat.console_page"))


@bp.post("/console/<int:chat_id>/end")
@agents_only
def end(chat_id):
    """Without JavaScript (the console ends chats over its socket otherwise)."""
    chat = held_or_404(chat_id)
    form = EndForm()
    if form.outcome.data not in AGENT_OUTCOMES:
        flash(_("Choose an outcome."), "error")
        return redirect(url_for("chat.console_chat", chat_id=chat_id))
    service.end_chat(chat, outcome=form.outcome.data, staff=current_user)
    chat_ended(chat)
    flash(_("The chat has ended and is on the citizen's record."), "success")
    return redirect(url_for("chat.console_page"))


@bp.post("/console/<int:chat_id>/attach")
@agents_only
def attach(chat_id):
    """One step: this chat belongs to the party the agent chose (or a new one, the last
    choice). Never a merge: the record only suggests duplicates."""
    chat = held_or_404(chat_id)
    chosen = request.form.get("party_id", "")
    try:
        if chosen == "new":
            party = record.new_party_for_contact(
                staff=current_user,
                name=request.form.get("name") or chat.citizen_name,
                phone=chat.phone,
                email=chat.email,
                language=chat.language,
                detail="chat.new_record",
                detail_params={"chat": chat.id},
            )
        elif chosen.isdigit():
            party = record.attach_contact(
                party=int(chosen),
                staff=current_user,
                phone=chat.phone,
                email=chat.email,
                detail="chat.attached",
                detail_params={"chat": chat.id},
            )
        else:
            abort(400)
    except RecordError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("chat.console_chat", chat_id=chat_id))
    chat.party_id = party.id
    flash(_("This chat is now on the record of %(name)s.", name=party.display_name), "success")
    return redirect(url_for("chat.console_chat", chat_id=chat_id))
