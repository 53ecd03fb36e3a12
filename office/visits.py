"""A citizen with a booking arrives at a location: how the counter learns of the booking
without knowing the booking channel.

Channels never import each other (the counter's kiosk checks in a booked citizen; booking owns
the appointment). The office, the floor both stand on, declares the question and its answer's
shape; booking connects to the signals (appointments.arrivals), the counter sends them. With
no booking channel connected, no reference is known.

Arriving is checking in, whichever screen records it: the kiosk's check-in marks the booking
arrived (`visit_arrived`), and staff marking a booking arrived on booking's day view announce
it (`visit_checked_in`), to which the counter answers by queueing the citizen exactly as its
kiosk would (counter.tickets.queue_arrived_visit). One ticket per booking either way.

A booked citizen who does not come after all (staff mark the booking a no-show after it
arrived) leaves the queue: `visit_missed` takes their ticket out, or refuses (raises
`VisitBeingServed`) while a counter is serving them.

All are sent inside the caller's transaction: what a receiver reads or writes (a lock, the
appointment's new status) commits or rolls back with the ticket.
"""

from dataclasses import dataclass
from datetime import datetime

from blinker import Namespace

signals = Namespace()

# kwargs: reference (as typed: the receiver normalises it) or visit_id, and lock (True: lock
# the booking's row until the commit, so that a second check-in waits and is then refused).
# A receiver returns a BookedVisit, or None when the booking is not its own.
booked_visit_wanted = signals.signal("office.booked-visit-wanted")
# kwargs: visit_id, at (aware UTC). The booking is marked arrived at that moment.
visit_arrived = signals.signal("office.visit-arrived")
# kwargs: visit (BookedVisit, already arrived), at (aware UTC). Staff marked a booked citizen
# arrived; a receiver puts them in its queue (nothing when they are in it already).
visit_checked_in = signals.signal("office.visit-checked-in")
# kwargs: visit_id, at (aware UTC), staff_id. Staff marked the booking a no-show; a receiver
# takes the citizen out of its queue, or raises VisitBeingServed when they are being served.
visit_missed = signals.signal("office.visit-missed")


class VisitBeingServed(Exception):
    """A counter is serving the citizen now: they came, whatever the booking says."""


@dataclass(frozen=True)
class BookedVisit:
    """A booking as other channels see it: plain values, never the channel's own row."""

    id: int
    reference: str
    location_id: int
    starts_at: datetime  # aware UTC
    service_ids: tuple[int, ...]  # in id order; the first one's queue takes a checked-in visit
    status: str  # booked | arrived | no_show | cancelled
    language: str
    name: str
    phone: str | None
    email: str | None
    party_id: int | None  # the case record's party, once known
    ends_at: datetime | None = None  # aware UTC; a video appointment's join window needs it


def booked_visit(
    *, reference: str | None = None, visit_id: int | None = None, lock: bool = False
) -> BookedVisit | None:
    """The booking with this reference or id, or None when no channel knows it."""
    answers = booked_visit_wanted.send(None, reference=reference, visit_id=visit_id, lock=lock)
    return next((answer for _receiver, answer in answers if answer is not None), None)


def mark_arrived(visit_id: int, at: datetime) -> None:
    visit_arrived.send(None, visit_id=visit_id, at=at)


def check_in(visit: BookedVisit, at: datetime) -> None:
    """Staff recorded the citizen's arrival: the counter queues them, in this transaction."""
    visit_checked_in.send(None, visit=visit, at=at)


def missed(visit_id: int, at: datetime, staff_id: int | None = None) -> None:
    """Staff marked the booking a no-show: the counter takes the citizen out of its queue, in
    this transaction. Raises VisitBeingServed while a counter serves them."""
    visit_missed.send(None, visit_id=visit_id, at=at, staff_id=staff_id)
