"""The phone admin's forms. Validation only: no side effects."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import URL, InputRequired, Length, NumberRange, Optional, Regexp

from phone.models import MAX_WAITING_LIMIT


class LineForm(FlaskForm):
    service_id = SelectField(
        _l("Service"), coerce=int, validators=[InputRequired(message=_l("Choose a service."))]
    )
    location_id = SelectField(
        _l("Opening hours of"),
        coerce=int,
        validators=[Optional()],
    )
    digit = IntegerField(
        _l("Key in the menu"),
        validators=[
            InputRequired(message=_l("Give the key callers press, from 1 to 7.")),
            NumberRange(1, 7, message=_l("Give the key callers press, from 1 to 7.")),
        ],
    )
    spoken_nl = StringField(_l("Name as spoken in Dutch"), validators=[Length(max=200)])
    spoken_fr = StringField(_l("Name as spoken in French"), validators=[Length(max=200)])
    spoken_en = StringField(_l("Name as spoken in English"), validators=[Length(max=200)])
    max_waiting = IntegerField(
        _l("Most callers waiting"),
        default=50,
        validators=[
            InputRequired(message=_l("Give a number from 1 to 5,000.")),
            NumberRange(1, MAX_WAITING_LIMIT, message=_l("Give a number from 1 to 5,000.")),
        ],
    )
    queue_name = StringField(
        _l("Twilio queue name"),
        validators=[
            InputRequired(message=_l("Give the queue a name.")),
            Length(max=64, message=_l("Give a name of at most 64 characters.")),
            Regexp(
                r"^[A-Za-z0-9_\-]+$",
                message=_l("Use letters, digits, hyphens and underscores only."),
            ),
        ],
    )
    active = BooleanField(_l("Offered in the menu"), default=True)


class VoiceForm(FlaskForm):
    language = SelectField(_l("Language of the call"), validators=[InputRequired()])
    voice = StringField(
        _l("Voice"),
        validators=[
            InputRequired(message=_l("Give a voice, for example Google.nl-BE-Standard-A.")),
            Regexp(
                r"^[A-Za-z0-9._\-]{1,60}$",
                message=_l("Give a voice, for example Google.nl-BE-Standard-A."),
            ),
        ],
    )
    say_language = StringField(
        _l("Language the voice speaks"),
        validators=[
            InputRequired(message=_l("Give a language code, for example nl-BE.")),
            Regexp(
                r"^[a-z]{2,3}-[A-Z]{2}$", message=_l("Give a language code, for example nl-BE.")
            ),
        ],
    )


class RecordingForm(FlaskForm):
    prompt = SelectField(_l("Prompt"), validators=[InputRequired()])
    language = SelectField(_l("Language"), validators=[InputRequired()])
    url = StringField(
        _l("Address of the recording"),
        validators=[
            Optional(),
            Length(max=500, message=_l("Give an address of at most 500 characters.")),
            URL(require_tld=True, message=_l("Give the recording's https address.")),
            Regexp(r"^https://", message=_l("Give the recording's https address.")),
        ],
    )
