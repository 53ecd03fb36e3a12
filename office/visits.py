"""A citizen with a booking arrives at a location: how the counter learns of the booking
without knowing the booking channel.

Channels never import each other (the counter's kiosk checks in a booked citizen; booking owns
the appointment). The office, the floor both stand on, declares the question and its answer's
shape; booking connects to the signals (appointments.arrivals), the counter sends them. With
no booking channel connected, no reference is known.

Both are sent inside the caller's transaction: what a receiver reads or writes (a lock, the
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


def booked_visit(
    *, reference: str | None = None, visit_id: int | None = None, lock: bool = False
) -> BookedVisit | None:
    """The booking with this reference or id, or None when no channel knows it."""
    answers = booked_visit_wanted.send(None, reference=reference, visit_id=visit_id, lock=lock)
    return next((answer for _receiver, answer in answers if answer is not None), None)


def mark_arrived(visit_id: int, at: datetime) -> None:
    visit_arrived.send(None, visit_id=visit_id, at=at)
