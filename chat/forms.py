"""The chat's forms. Validation only: no side effects."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional


class CallbackForm(FlaskForm):
    """Outside hours, or with nobody free: a question we answer later (a Task)."""

    name = StringField(
        _l("Your name"),
        validators=[
            InputRequired(message=_l("Tell us your name.")),
            Length(max=200, message=_l("Your name can be at most 200 characters.")),
        ],
    )
    phone = StringField(_l("Phone number (optional)"), validators=[Optional(), Length(max=40)])
    email = StringField(_l("E-mail address (optional)"), validators=[Optional(), Length(max=254)])
    question = TextAreaField(
        _l("Your question"),
        validators=[
            InputRequired(message=_l("Type your question.")),
            Length(max=2000, message=_l("Your question can be at most 2000 characters.")),
        ],
    )
    consent = BooleanField(
        _l("You may contact me at this phone number or e-mail address about this question."),
    )


class TransferForm(FlaskForm):
    to = SelectField(_l("Hand over to"), validate_choice=False)
    note = TextAreaField(
        _l("Note for your colleague"),
        validators=[Optional(), Length(max=1000, message=_l("The note is too long."))],
    )


class EndForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), validate_choice=False)


class CannedAnswerForm(FlaskForm):
    language = SelectField(_l("Language"))
    title = StringField(
        _l("Title"),
        validators=[
            InputRequired(message=_l("Give the answer a title.")),
            Length(max=120, message=_l("The title can be at most 120 characters.")),
        ],
    )
    text = TextAreaField(
        _l("Text"),
        validators=[
            InputRequired(message=_l("Type the answer.")),
            Length(max=2000, message=_l("The answer can be at most 2000 characters.")),
        ],
    )
    answer_id = HiddenField()
