"""The staff desk's forms: they check shape only; desk.record decides what is allowed.

Selects of departments and staff skip WTForms' choice check on purpose, so an unknown id
reaches the record service and gets its domain message ("this department does not exist").
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from core.time import BRUSSELS
from desk.models import CaseStatus, Channel


def purpose_choices():
    return [
        ("contact", _l("Helping the citizen (contact)")),
        ("case_work", _l("Working on a case")),
        ("callback", _l("Calling back")),
        ("quality", _l("Quality check")),
        ("access_request", _l("Right-of-access request")),
    ]


def channel_labels():
    return {
        Channel.WEB: _l("Web"),
        Channel.SMS: _l("SMS"),
        Channel.CHAT: _l("Chat"),
        Channel.VIDEO: _l("Video"),
        Channel.PHONE: _l("Phone"),
        Channel.COUNTER: _l("Counter"),
        Channel.EMAIL: _l("E-mail"),
        Channel.POST: _l("Post"),
        Channel.NOTE: _l("Staff note"),
    }


def status_labels():
    return {
        CaseStatus.OPEN: _l("Open"),
        CaseStatus.IN_PROGRESS: _l("In progress"),
        CaseStatus.WAITING: _l("Waiting for the citizen"),
        CaseStatus.CLOSED: _l("Closed"),
    }


def local_to_utc(value: datetime | None) -> datetime | None:
    """A datetime-local field is the desk's wall clock (Europe/Brussels); store UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=BRUSSELS)


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(
        _l("Name, phone, e-mail or national register number"), validators=[Length(max=200)]
    )
    purpose = SelectField(_l("Why are you looking?"), choices=purpose_choices, default="contact")


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=20000)])
    case = SelectField(_l("About case"), validate_choice=False, default="")


class CallForm(FlaskForm):
    """A call taken on any phone, logged by hand (desk.calls)."""

    direction = SelectField(
        _l("Who called"),
        choices=[("inbound", _l("The citizen called us")), ("outbound", _l("We called"))],
        default="inbound",
    )
    started_at = DateTimeLocalField(
        _l("Call started at"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    ended_at = DateTimeLocalField(
        _l("Call ended at"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    outcome = SelectField(_l("Outcome"), validate_choice=False)
    note = TextAreaField(_l("Summary of the call"), validators=[Length(max=20000)])


class CaseForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    department = SelectField(_l("Department"), validate_choice=False)
    due_date = DateField(_l("Due date"), validators=[Optional()])
    confidential = BooleanField(_l("Confidential (only my department and admins see it)"))
    note = StringField(_l("Note with the opening"), validators=[Length(max=500)])


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), validate_choice=False)
    note = StringField(_l("Reason or note"), validators=[Length(max=500)])


class TaskForm(FlaskForm):
    title = StringField(_l("What needs doing"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        _l("Kind"),
        choices=[("follow_up", _l("Follow-up")), ("callback", _l("Call back"))],
        default="follow_up",
    )
    department = SelectField(_l("For department"), validate_choice=False, default="")
    assignee = SelectField(_l("For person"), validate_choice=False, default="")
    due_at = DateTimeLocalField(_l("Due"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    description = TextAreaField(_l("Details"), validators=[Length(max=20000)])


class ConsentForm(FlaskForm):
    """One contact address: what the citizen agreed to be sent there, and whether it is theirs."""

    reminders = BooleanField(_l("Appointment reminders"))
    queue_alerts = BooleanField(_l("Queue alerts (your turn is near)"))
    case_updates = BooleanField(_l("Updates about a case"))
    verified = BooleanField(_l("Verified: proven to belong to this person"))


def notification_choices():
    return [
        ("sms", _l("SMS")),
        ("email", _l("E-mail")),
        ("post", _l("Post")),
        ("none", _l("No notifications")),
    ]


def language_choices():
    return [
        ("", _l("Not known")),
        ("nl", "Nederlands"),
        ("fr", "Français"),
        ("en", "English"),
        ("de", "Deutsch"),
    ]


class PreferencesForm(FlaskForm):
    preferred_channel = SelectField(
        _l("Preferred notification channel"), choices=notification_choices, validate_choice=False
    )
    language = SelectField(_l("Language"), choices=language_choices, validate_choice=False)


class RepresentationForm(FlaskForm):
    representative = StringField(
        _l("Representative: national register number, phone or e-mail"),
        validators=[DataRequired(), Length(max=200)],
    )
    basis = StringField(
        _l("On what basis (for example: power of attorney, guardian)"),
        validators=[DataRequired(), Length(max=100)],
    )
    valid_until = DateField(_l("Valid until (optional)"), validators=[Optional()])
