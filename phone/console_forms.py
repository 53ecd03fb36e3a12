"""The console's forms: they check shape only; phone.wrap_up and phone.agents decide."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from desk.labels import CALL_OUTCOMES, OUTCOMES
from phone.models import AgentDevice


def outcome_choices():
    return [(code, OUTCOMES[code]) for code in CALL_OUTCOMES]


class WrapUpForm(FlaskForm):
    service = SelectField(_l("Subject"), validate_choice=False, default="")
    outcome = SelectField(_l("Outcome"), choices=outcome_choices, validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Length(max=20000)])
    follow_up = StringField(
        _l("Follow-up task (leave empty when none is needed)"), validators=[Length(max=200)]
    )
    case = SelectField(_l("About case"), validate_choice=False, default="")


class DialForm(FlaskForm):
    """ "Call a number": typed, or a record's number behind a "Call" button (phone.party_panel);
    phone.outgoing decides whether Loket may call it."""

    number = StringField(
        _l("Phone number"),
        validators=[DataRequired(message=_l("Enter the phone number to call.")), Length(max=40)],
    )


def device_choices():
    return [
        (AgentDevice.BROWSER.value, _l("In this browser")),
        (AgentDevice.DESK_PHONE.value, _l("On a desk phone")),
    ]


class DeviceForm(FlaskForm):
    """How the agent takes calls; phone.devices checks the number and the moment."""

    device = RadioField(
        _l("How you take calls"),
        choices=device_choices,
        validate_choice=False,  # phone.devices says it in words
        validators=[DataRequired(message=_l("Choose in this browser or on a desk phone."))],
    )
    device_number = StringField(_l("Number of the desk phone"), validators=[Length(max=40)])
