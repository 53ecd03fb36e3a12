"""Admin pages of the chat: the canned answers agents insert, per language."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from chat import canned
from chat.errors import ChatError
from chat.forms import CannedAnswerForm
from chat.models import CannedAnswer
from core.errors import form_errors
from extensions import db

bp = Blueprint("chat_admin", __name__, url_prefix="/chat/admin")


@bp.before_request
@login_required
def admins_only():
    if not current_user.is_admin:
        abort(403)


def answer_form(answer: CannedAnswer | None = None) -> CannedAnswerForm:
    form = CannedAnswerForm(obj=answer)
    form.language.choices = [(code, code.upper()) for code in current_app.config["LANGUAGES"]]
    return form


def answer_fields(form: CannedAnswerForm) -> dict:
    return {"language": form.language.data, "title": form.title.data, "text": form.text.data}


@bp.route("/answers", methods=["GET", "POST"])
def answers():
    form = answer_form()
    if form.validate_on_submit():
        try:
            canned.save_answer(**answer_fields(form))
        except ChatError as error:
            db.session.rollback()
            form_errors(form, error)
        else:
            flash(_("The answer was saved."), "success")
            return redirect(url_for("chat_admin.answers"))
    return render_template("chat/admin_answers.html", answers=canned.answers(), form=form)


@bp.route("/answers/<int:answer_id>", methods=["GET", "POST"])
def edit_answer(answer_id):
    answer = db.session.get(CannedAnswer, answer_id) or abort(404)
    form = answer_form(answer)
    if form.validate_on_submit():
        try:
            canned.save_answer(**answer_fields(form), answer=answer)
        except ChatError as error:
            db.session.rollback()
            form_errors(form, error)
        else:
            flash(_("The answer was saved."), "success")
            return redirect(url_for("chat_admin.answers"))
    return render_template("chat/admin_answer.html", answer=answer, form=form)


@bp.post("/answers/<int:answer_id>/delete")
def delete_answer(answer_id):
    answer = db.session.get(CannedAnswer, answer_id) or abort(404)
    db.session.delete(answer)
    flash(_("The answer was deleted."), "success")
    return redirect(url_for("chat_admin.answers"))
