"""Forms of the SMS package's staff pages. They validate and have no side effects."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, ValidationError

from sms.reminders import parse_plan


class ReminderPlanForm(FlaskForm):
    offsets = StringField(_l("Reminders before the appointment"), validators=[Length(max=100)])

    def validate_offsets(self, field):
        try:
            field.minutes = parse_plan(field.data)
        except ValueError as error:
            raise ValidationError(
                _l("Write times such as 24h, 2h or 30m: from 15 minutes to 14 days, at most 4.")
            ) from error
