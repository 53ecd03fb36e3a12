"""The forms of Mijn Loket's pages. They validate; they never change data."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from portal.texts import LANGUAGE_NAMES, PREFERRED_CHANNELS


class PreferencesForm(FlaskForm):
    preferred_channel = RadioField(
        _l("How we send you notices"),
        choices=list(PREFERRED_CHANNELS.items()),
        validators=[InputRequired(_l("Choose how we send you notices."))],
    )
    language = SelectField(_l("Language of our messages"), choices=list(LANGUAGE_NAMES.items()))


class CorrectionForm(FlaskForm):
    item = HiddenField()
    description = TextAreaField(
        _l("What is wrong, and what should it be?"),
        validators=[
            DataRequired(_l("Tell us what is wrong.")),
            Length(max=2000, message=_l("Use at most 2000 characters.")),
        ],
    )


class RepresentationRequestForm(FlaskForm):
    kind = RadioField(
        _l("What do you ask?"),
        choices=[
            ("add", _l("Someone may act for me, or I may act for someone")),
            ("end", _l("End a representation")),
        ],
        validators=[InputRequired(_l("Choose what you ask."))],
    )
    description = TextAreaField(
        _l("Who, for whom, and on what basis (a power of attorney, guardianship…)"),
        validators=[
            DataRequired(_l("Tell us who and on what basis.")),
            Length(max=2000, message=_l("Use at most 2000 characters.")),
        ],
    )
