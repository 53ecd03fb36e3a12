"""The phone channel's panel on every screen that shows a party (desk.panels): the citizen's
recent calls, so whoever helps them next knows they called, waited or hung up.

The desk imports nothing of the phone: this receiver connects to the signal the desk declares
(`desk.signals.party_panels`) and reads the calls by the party ids the record gives (the party
and every party merged into it). A call agent also finds the party's phone numbers there, each
with a "Call" button that dials it from the phone console (phone.outgoing).
"""

from flask_babel import gettext as _
from sqlalchemy import select

from core.time import local_moment
from desk.labels import OUTCOMES, label
from desk.models import ContactAddress, Role
from desk.panels import Panel
from desk.signals import party_panels
from extensions import db
from phone.models import Call, CallbackState, CallDirection, CallStatus

RECENT = 5


def call_state(call: Call) -> str:
    if call.outcome:
        return label(OUTCOMES, call.outcome)
    if call.callback_state in (CallbackState.REQUESTED, CallbackState.DIALING):
        return _("Waiting for a callback")
    if call.callback_state == CallbackState.UNANSWERED:
        return _("Callback not answered")
    if call.status == CallStatus.ABANDONED:
        return _("Hung up while waiting")
    if call.status == CallStatus.WAITING:
        return _("Waiting in the queue")
    if call.status in (CallStatus.CONNECTING, CallStatus.ON_CALL):
        return _("On the phone now")
    return _("Ended")


def numbers_to_call(party_ids, staff) -> list[str]:
    """The party's phone numbers, for those who call from the console (call agents, admins)."""
    if staff is None or staff.role not in (Role.CALL_AGENT, Role.ADMIN):
        return []
    return list(
        db.session.scalars(
            select(ContactAddress.value)
            .where(ContactAddress.party_id.in_(party_ids), ContactAddress.kind == "phone")
            .distinct()
            .order_by(ContactAddress.value)
        )
    )


@party_panels.connect
def calls_panel(_sender, *, party_ids, staff=None, **_kwargs) -> Panel:
    calls = db.session.scalars(
        select(Call)
        .where(Call.party_id.in_(party_ids))
        .order_by(Call.created_at.desc())
        .limit(RECENT)
    )
    rows = [
        {
            "when": local_moment(call.created_at),
            "direction": _("Called us")
            if call.direction == CallDirection.INBOUND
            else _("We called"),
            "state": call_state(call),
        }
        for call in calls
    ]
    return Panel(
        key="calls",
        title=_("Recent calls"),
        order=30,
        template="phone/party_panel.html",
        context={"calls": rows, "numbers": numbers_to_call(party_ids, staff)},
    )
