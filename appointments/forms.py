"""Forms for the citizen's details and the admin screens. Validation only: no side effects."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from appointments import validation
from appointments.reminders import parse_plan


def _checked_by(check):
    def validator(form, field):
        try:
            field.data = check(field.data)
        except validation.InvalidValue as invalid:
            raise ValidationError(str(invalid.args[0])) from None

    return validator


class ContactForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[_checked_by(validation.clean_name)])
    phone = StringField(_l("Phone number"), validators=[_checked_by(validation.normalise_phone)])
    email = StringField(_l("E-mail address"), validators=[_checked_by(validation.normalise_email)])
    national_number = StringField(
        _l("National register number (optional)"),
        validators=[_checked_by(validation.clean_national_number)],
    )
    # Asked per purpose, unticked until the citizen ticks them: nothing is assumed. The
    # confirmation of the booking itself is a service message and needs neither.
    reminders = BooleanField(_l("Send me a reminder before this appointment"))
    case_updates = BooleanField(
        _l("Tell me when there is news about my request (for example: my document is ready)")
    )
    submission_key = HiddenField()
    reach_message = _l("Give a phone number or an e-mail address, so we can reach you.")

    def address_staff(self) -> None:
        """Staff fill the form in for a citizen: the labels speak about the citizen."""
        self.name.label.text = _l("The citizen's name")
        self.reminders.label.text = _l("Send a reminder before this appointment")
        self.case_updates.label.text = _l(
            "Tell the citizen when there is news about their request "
            "(for example: the document is ready)"
        )
        self.reach_message = _l(
            "Give a phone number or an e-mail address, so we can reach the citizen."
        )

    def consents(self) -> dict[str, bool]:
        """The answers, as desk.record.set_contact_consent takes them."""
        return {
            "reminders": bool(self.reminders.data),
            "case_updates": bool(self.case_updates.data),
        }

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Asked whatever else is wrong, and said at both fields: the error summary lists both.
        if not (self.phone.data or self.email.data or self.phone.errors or self.email.errors):
            message = self.reach_message
            self.phone.errors = [*self.phone.errors, message]
            self.email.errors = [*self.email.errors, message]
            return False
        return valid


class FindForm(FlaskForm):
    """A lost or expired manage link: the reference and the phone or e-mail booked with."""

    reference = StringField(
        _l("Reference"), validators=[DataRequired(_l("Give the reference.")), Length(max=20)]
    )
    contact = StringField(
        _l("Phone number or e-mail address you booked with"),
        validators=[DataRequired(_l("Give the phone number or e-mail address.")), Length(max=254)],
    )

    def validate_contact(self, field):
        value = (field.data or "").strip()
        try:
            if "@" in value:
                field.address = ("email", validation.normalise_email(value))
            else:
                field.address = ("sms", validation.normalise_phone(value))
        except validation.InvalidValue as invalid:
            raise ValidationError(str(invalid.args[0])) from None
        if not field.address[1]:
            raise ValidationError(_l("Give the phone number or e-mail address."))

    def channel_and_address(self) -> tuple[str, str]:
        return self.contact.address


class CheckboxList(SelectMultipleField):
    """A group of checkboxes: one label per option, the group named by a fieldset legend."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class HoursForm(FlaskForm):
    """One text field per weekday: "08:30-12:00, 13:00-16:00"; a break is the gap."""

    monday = StringField(_l("Monday"))
    tuesday = StringField(_l("Tuesday"))
    wednesday = StringField(_l("Wednesday"))
    thursday = StringField(_l("Thursday"))
    friday = StringField(_l("Friday"))
    saturday = StringField(_l("Saturday"))
    sunday = StringField(_l("Sunday"))

    DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name in self.DAYS:
            field = self[name]
            try:
                validation.parse_periods(field.data)
            except validation.InvalidValue as invalid:
                field.errors = [*field.errors, str(invalid.args[0])]
                valid = False
        return valid


class LocationForm(HoursForm):
    """The place, its booking window and walk-in share, and its weekly hours, on one page."""

    name = StringField(_l("Name (Dutch)"), validators=[DataRequired(), Length(max=200)])
    name_fr = StringField(_l("Name (French)"), validators=[Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=200)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    # Online: its services are offered by video (office.video_visits); the address is unused.
    kind = SelectField(
        _l("Kind of location"),
        choices=[
            ("office", _l("An office citizens visit")),
            ("online", _l("Online: video appointments")),
        ],
        default="office",
    )
    min_notice_minutes = IntegerField(
        _l("Minimum notice (minutes)"), validators=[InputRequired(), NumberRange(0, 60 * 24 * 30)]
    )
    horizon_days = IntegerField(
        _l("Booking horizon (days)"), validators=[InputRequired(), NumberRange(1, 730)]
    )
    walk_in_percent = IntegerField(
        _l("Share of counter time kept for walk-ins (%)"),
        validators=[InputRequired(), NumberRange(0, 100)],
    )
    active = BooleanField(_l("Open for booking"))


class ExceptionForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    closed = BooleanField(_l("Closed all day"))
    hours = StringField(_l("Opening hours on this date"))
    reason = StringField(_l("Reason"), validators=[Length(max=200)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        try:
            periods = validation.parse_periods(self.hours.data)
        except validation.InvalidValue as invalid:
            self.hours.errors = [*self.hours.errors, str(invalid.args[0])]
            return False
        if not self.closed.data and not periods:
            self.hours.errors = [*self.hours.errors, _l("Give the hours, or tick closed.")]
            return False
        return valid


class ServiceForm(FlaskForm):
    name_nl = StringField(_l("Name (Dutch)"), validators=[DataRequired(), Length(max=200)])
    name_fr = StringField(_l("Name (French)"), validators=[Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=200)])
    duration_minutes = IntegerField(
        _l("Duration (minutes)"), validators=[InputRequired(), NumberRange(5, 480)]
    )
    buffer_minutes = IntegerField(
        _l("Buffer after (minutes)"), validators=[InputRequired(), NumberRange(0, 120)]
    )
    max_people = IntegerField(
        _l("People or items per booking"), validators=[InputRequired(), NumberRange(1, 20)]
    )
    documents_nl = TextAreaField(_l("What to bring (Dutch, one per line)"))
    documents_fr = TextAreaField(_l("What to bring (French, one per line)"))
    documents_en = TextAreaField(_l("What to bring (English, one per line)"))
    life_events = CheckboxList(_l("Life events"), coerce=int, validators=[Optional()])
    locations = CheckboxList(_l("Locations"), coerce=int, validators=[Optional()])
    active = BooleanField(_l("Can be booked"))


class CounterForm(FlaskForm):
    name = StringField(_l("Name (Dutch)"), validators=[DataRequired(), Length(max=100)])
    name_fr = StringField(_l("Name (French)"), validators=[Length(max=100)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=100)])
    location_id = SelectField(_l("Location"), coerce=int)
    services = CheckboxList(_l("Services served"), coerce=int, validators=[Optional()])
    active = BooleanField(_l("In use"))


class LifeEventForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name_nl = StringField(_l("Name (Dutch)"), validators=[DataRequired(), Length(max=200)])
    name_fr = StringField(_l("Name (French)"), validators=[Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=200)])


class ReminderPlanForm(FlaskForm):
    offsets = StringField(_l("Reminders before the appointment"), validators=[Length(max=100)])

    def validate_offsets(self, field):
        try:
            field.minutes = parse_plan(field.data)
        except ValueError as error:
            raise ValidationError(
                _l("Write times such as 24h, 2h or 30m: from 15 minutes to 14 days, at most 4.")
            ) from error
