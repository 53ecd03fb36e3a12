"""The sign-in forms: they check input only (STYLE: forms have no side effects)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from portal.codes import read_address


class ContactForm(FlaskForm):
    contact = StringField(
        _l("Mobile number or e-mail address"),
        validators=[
            DataRequired(_l("Enter your mobile number or your e-mail address.")),
            Length(max=254),
        ],
    )

    def validate_contact(self, field):
        if read_address(field.data) is None:
            raise ValidationError(
                _l("Enter a mobile number such as 0470 12 34 56, or an e-mail address.")
            )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(_l("Enter the code we sent you.")),
            Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("The code is 6 digits.")),
        ],
    )
