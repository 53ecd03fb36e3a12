"""The video call's pages and its ICE servers (`GET /chat/ice-servers`, DESIGN.md).

Only these pages may use the camera and microphone (core.security): the widget on every other
page links here when the agent offers video.
"""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from chat import notices, video_appointments
from chat.errors import ChatError
from chat.ice import ice_servers
from chat.models import Author, Chat, ChatMessage, ChatStatus
from chat.service import agent_holds, resumable_chat, take_chat
from core.database import utcnow
from core.security import allows_camera_and_microphone
from core.time import local_moment
from extensions import db, limiter
from office import video_visits

bp = Blueprint("video", __name__)

AUTHORS = {Author.CITIZEN: _l("Citizen"), Author.AGENT: _l("Agent"), Author.SYSTEM: _l("Loket")}


def may_use_turn() -> bool:
    """TURN relays media at the municipality's expense: only someone in a call gets a
    credential: a signed-in agent, or a citizen showing their open chat's resume token in
    `X-Chat-Resume: <chat_id>:<token>` (a header: never in an address or a log)."""
    if current_user.is_authenticated:
        return True
    chat_id, _, token = request.headers.get("X-Chat-Resume", "").partition(":")
    if not chat_id.isdigit() or len(chat_id) > 12:
        return False
    chat = resumable_chat(int(chat_id), token)
    return chat is not None and chat.status != ChatStatus.ENDED


@bp.get("/chat/ice-servers")
@limiter.limit("30 per minute")
def ice_servers_view():
    """STUN for anyone; TURN with a credential valid one hour at most for a call's parties."""
    response = jsonify(ice_servers(current_app.config, with_turn=may_use_turn()))
    response.headers["Cache-Control"] = "no-store"
    return response


def message_max() -> int:
    return current_app.config.get("CHAT_MESSAGE_MAX", 2000)


@bp.get("/chat/video")
@allows_camera_and_microphone
def citizen_video():
    """The citizen's side: the chat comes from the widget's link (in the #fragment)."""
    return render_template("chat/video.html", side="citizen", messages=[], **page_texts())


def page_texts() -> dict:
    return {"message_max": message_max()}


@bp.get("/chat/video/<int:chat_id>")
@login_required
@allows_camera_and_microphone
def agent_video(chat_id):
    """The agent's side, for a chat they hold now."""
    if not agent_holds(chat_id, current_user.id):
        abort(404)
    return render_video_for_agent(db.session.get(Chat, chat_id))


def render_video_for_agent(chat: Chat, **extra):
    rows = db.session.scalars(
        db.select(ChatMessage).where(ChatMessage.chat_id == chat.id).order_by(ChatMessage.seq)
    )
    messages = [
        {"seq": m.seq, "text": m.text, "author_label": AUTHORS[Author(m.author)]} for m in rows
    ]
    return render_template(
        "chat/video.html",
        side="agent",
        chat_id=chat.id,
        back_url=url_for("chat.console_chat", chat_id=chat.id),
        heading_name=chat.citizen_name,
        messages=messages,
        **page_texts(),
        **extra,
    )


@bp.get("/video/<token>")
@allows_camera_and_microphone
def join_appointment(token):
    """The citizen's join link of a booked video appointment (office.video_visits)."""
    visit = video_appointments.video_visit(video_visits.reference_of(token))
    if visit is None:
        return render_template("chat/video_closed.html", reason="unknown"), 404
    opens, closes = video_appointments.window_of(visit)
    now = utcnow()
    if now < opens:
        return render_template("chat/video_closed.html", reason="early", opens_at=opens)
    if now > closes:
        return render_template("chat/video_closed.html", reason="over"), 410
    chat, token = video_appointments.appointment_chat(visit, video_appointments.citizen_pass)
    return render_template(
        "chat/video.html",
        side="citizen",
        chat_id=chat.id,
        resume_token=token,
        appointment_when=local_moment(visit.starts_at),
        messages=[],
        **page_texts(),
    )


@bp.get("/chat/video/appointment/<reference>")
@login_required
@allows_camera_and_microphone
def staff_join_appointment(reference):
    """Staff join a video appointment from the day view: they hold its chat from then on."""
    visit = video_appointments.video_visit(reference)
    if visit is None:
        abort(404)
    staff = current_user._get_current_object()

    def take(chat):
        if chat.agent_id == staff.id and chat.status == ChatStatus.ACTIVE:
            return chat
        taken = take_chat(chat.id, staff)
        notices.chat_taken(taken, staff)
        return taken

    try:
        _chat, chat = video_appointments.appointment_chat(visit, take)
    except ChatError as error:
        flash(str(error.message), "error")
        return redirect(url_for("booking_desk.day_view"))
    return render_video_for_agent(chat, appointment_when=local_moment(visit.starts_at))
