"""The counter's forms. Validation only: no side effects."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length


class RemoteTicketForm(FlaskForm):
    """A ticket taken on one's own phone: the service, and the mobile number that gets a text
    when the turn is near (and that holds one waiting ticket per service)."""

    service_id = RadioField(
        _l("What do you come for?"),
        coerce=int,
        validate_choice=False,  # the service refuses one it does not offer, in its own words
        validators=[InputRequired(message=_l("Choose a service."))],
    )
    phone = StringField(
        _l("Mobile number"),
        validators=[
            InputRequired(message=_l("Give your mobile number.")),
            Length(max=40, message=_l("This is not a valid mobile number.")),
        ],
    )


class KioskForm(FlaskForm):
    name = StringField(
        _l("Name of the kiosk"),
        validators=[
            InputRequired(message=_l("Give the kiosk a name.")),
            Length(max=80, message=_l("Give the kiosk a name of at most 80 characters.")),
        ],
    )
    location_id = SelectField(
        _l("Location"), coerce=int, validators=[InputRequired(message=_l("Choose a location."))]
    )
