"""Forms for signing in and for managing staff. They validate; they never change data."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from desk.models import Role

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.COUNTER: _l("Counter staff"),
    Role.CALL_AGENT: _l("Call agent"),
    Role.BACK_OFFICE: _l("Back office"),
}

MIN_PASSWORD_LENGTH = 12


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=1000)]
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(_l("Enter the code.")),
            Regexp(
                r"^\s*(\d{3}\s?\d{3}|[0-9a-fA-F]{6}-[0-9a-fA-F]{6})\s*$",
                message=_l("Enter the 6 digits from your app, or a recovery code."),
            ),
        ],
    )


class EnrolForm(FlaskForm):
    code = StringField(
        _l("Code from your app"),
        validators=[
            DataRequired(_l("Enter the code.")),
            Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("Enter the 6 digits from your app.")),
        ],
    )


class StaffForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=200)])
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Enter an e-mail address.")),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
    )
    role = SelectField(
        _l("Role"),
        choices=[(role.value, label) for role, label in ROLE_LABELS.items()],
        validators=[DataRequired()],
    )
    department_id = SelectField(_l("Department"), coerce=int, validators=[Optional()])
    home_location_id = SelectField(_l("Works at"), coerce=int, validators=[Optional()])
    password = PasswordField(
        _l("Password"),
        validators=[
            Optional(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=1000,
                message=_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            ),
        ],
    )
