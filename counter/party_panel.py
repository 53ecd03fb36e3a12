"""The counter's panel on every screen that shows a party (desk.panels): the citizen's open
tickets of today, so a colleague on the phone knows the citizen is in the waiting room, or at
which counter.

The desk imports nothing of the counter: this receiver connects to the signal the desk declares
(`desk.signals.party_panels`); the tickets are read in counter.state, by the party ids the
record gives (the party and every party merged into it).
"""

from flask_babel import gettext as _

from core.database import utcnow
from core.time import local_clock
from counter.models import TicketStatus
from counter.state import open_tickets_of
from desk.panels import Panel
from desk.signals import party_panels


def status_label(status: TicketStatus, counter: str | None) -> str:
    if status == TicketStatus.CALLED:
        return _("Called to %(counter)s", counter=counter) if counter else _("Called")
    if status == TicketStatus.PARKED:
        return _("Parked")
    return _("Waiting")


@party_panels.connect
def tickets_panel(_sender, *, party_ids, **_kwargs) -> Panel:
    rows = [
        {
            "number": ticket.code,
            "service": service.name,
            "location": location,
            "status": status_label(ticket.status, counter),
            "issued_clock": local_clock(ticket.issued_at),
        }
        for ticket, service, location, counter in open_tickets_of(party_ids, utcnow())
    ]
    return Panel(
        key="tickets",
        title=_("Open tickets"),
        order=10,  # the citizen is in the building now: before what is still to come
        template="counter/party_panel.html",
        context={"tickets": rows},
    )
