"""The recorder: citizens' own new bookings, written into the case record a hundred at a time.

A booking made online by the citizen is committed with `record_pending` and answered at once;
this job (the one scheduler runs it every RECORD_SECONDS, before the outbox sender) records
the waiting ones through case_record.note_new_bookings: parties found or created, links,
"booked" contact moments and confirmations, one transaction per batch. Recording one by one,
in the booking request, cost more than the booking itself and capped booking throughput
(issue 4); a batch pays the statements once.

A run records what waits and ends with the first batch that is not full: the next run, half a
second later, finds the bookings of that half second together. A run that went on chasing
each new booking recorded them a few at a time under load, at twice the cost per booking
(eleven statements per batch, whatever its size).

Exactly once: a batch commits its records together with clearing `record_pending`, or
nothing. PostgreSQL locks the batch's rows and skips rows locked by anyone else (FOR UPDATE
SKIP LOCKED), so a second recorder takes other rows, and a citizen's own change to a waiting
booking (which locks its row and records it first, see case_record.note_booking) is never
recorded twice. A crash leaves the rows waiting for the next run.
"""

import logging

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from appointments import booking, case_record
from appointments.models import Appointment
from extensions import db

log = logging.getLogger(__name__)

BATCH = 100
RECORD_SECONDS = 0.5  # a citizen's booking is on the timeline within a second


def record_waiting_bookings(batch: int = BATCH) -> int:
    """Record the bookings that wait for the record, up to the first batch that is not full;
    answers how many were recorded.

    One that the record refuses (it cannot happen: booking checked the same details) is
    logged and left waiting, and does not hold up the others.
    """
    recorded, after = 0, 0
    while True:
        ids = _waiting_ids(after, batch)
        if not ids:
            return recorded
        try:
            recorded += _record(ids)
        except case_record.RecordRefused:
            for one in ids:  # find the refused one; record the others
                try:
                    recorded += _record([one])
                except case_record.RecordRefused:
                    log.exception("the case record refused booking %s; it stays waiting", one)
        if len(ids) < batch:
            return recorded
        after = ids[-1]


def _waiting_ids(after: int, batch: int) -> list[int]:
    query = select(Appointment.id).where(Appointment.record_pending, Appointment.id > after)
    ids = db.session.scalars(query.order_by(Appointment.id).limit(batch)).all()
    db.session.rollback()  # a read: end it, so the write transaction begins fresh
    return ids


def _record(ids: list[int]) -> int:
    """Record those of `ids` still waiting and free to lock; how many that were. Tried again
    as a booking is (booking._in_transaction): on a deadlock or a locked database, and when
    another channel stored one of these citizens' identifiers first (then their party
    matches)."""

    def attempt() -> int:
        waiting = db.session.scalars(
            select(Appointment)
            .where(Appointment.id.in_(ids), Appointment.record_pending)
            .order_by(Appointment.id)
            .with_for_update(skip_locked=True, of=Appointment)
            .options(selectinload(Appointment.services), selectinload(Appointment.location))
        ).all()
        if waiting:
            case_record.note_new_bookings(waiting)
        return len(waiting)

    return booking._in_transaction(attempt)
