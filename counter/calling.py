"""The counter's actions: call next, recall, no-show, transfer, park, resume, finish.

Call next never hands one ticket to two counters: the winner is decided by a compare-and-set
(UPDATE … WHERE id = :id AND status = 'waiting'); a loser moves on to the next candidate.
On PostgreSQL the candidate is first locked with SKIP LOCKED, so counters calling together take
different tickets at once instead of queueing behind one row lock (counter.ordering).
A counter cannot hold two called tickets: the partial unique index refuses the second.
"""

import functools
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from core.database import utcnow
from core.unit_of_work import run_in_transaction
from counter import citizen_notices, notices, ordering
from counter import record as visits
from counter.errors import Conflict, CounterError, NotAllowed, NotFound
from counter.models import Outcome, Ticket, TicketEvent, TicketStatus
from counter.queue import local_day
from counter.tickets import as_id
from extensions import db
from office.models import Counter, Service

NOTE_MAX = 2000


def get_counter(counter_id) -> Counter:
    counter = db.session.get(
        Counter,
        as_id(counter_id, "unknown_counter", "counter_id"),
        options=[joinedload(Counter.services)],  # call next needs them: one round trip
    )
    if counter is None or not counter.active:
        raise NotFound("unknown_counter", field="counter_id")
    return counter


def open_ticket(counter_id: int) -> Ticket | None:
    return db.session.scalar(
        select(Ticket).where(Ticket.counter_id == counter_id, Ticket.status == TicketStatus.CALLED)
    )


def _log(ticket, action, staff_id, counter_id=None, detail="", now=None):
    db.session.add(
        TicketEvent(
            ticket_id=ticket.id,
            at=now or utcnow(),
            action=action,
            staff_id=staff_id,
            counter_id=counter_id,
            detail=detail,
        )
    )


@functools.cache
def _compare_and_set():
    return (
        update(Ticket)
        .where(Ticket.id == bindparam("ticket_id"), Ticket.status == TicketStatus.WAITING)
        .values(
            status=TicketStatus.CALLED,
            counter_id=bindparam("counter_id"),
            staff_id=bindparam("staff_id"),
            called_at=bindparam("called_at"),
            call_count=Ticket.call_count + 1,
        )
        .returning(Ticket)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


def _take(ticket_id: int, counter_id: int, staff_id: int | None, now) -> Ticket | None:
    """The compare-and-set: the ticket only for the one transaction that moved it from waiting
    (UPDATE … RETURNING: the winner has its row without reading it back). Built once, like
    counter.ordering's statements."""
    params = {"ticket_id": ticket_id, "counter_id": counter_id, "staff_id": staff_id}
    try:
        return db.session.scalars(_compare_and_set(), {**params, "called_at": now}).first()
    except IntegrityError as error:  # the counter got a ticket from a concurrent call
        raise Conflict("counter_has_open_ticket", field="counter_id") from error


CANDIDATES = 1  # locked per round (see ordering._next_ids): the one this counter will take


def call_next(counter_id, staff_id: int | None = None, now=None) -> Ticket | None:
    """The next ticket for this counter's services, or None when nobody waits. The database
    picks the candidates in call order (counter.ordering); a lost compare-and-set moves on."""

    def work():
        moment = now or utcnow()
        counter = get_counter(counter_id)
        if open_ticket(counter.id) is not None:
            raise Conflict("counter_has_open_ticket", field="counter_id")
        service_ids = [service.id for service in counter.services]
        rule = current_app.config["COUNTER_CALL_RULE"]
        day = local_day(moment)
        while True:
            candidates = ordering.next_ids(
                counter.location_id, day, service_ids, rule, CANDIDATES, skip_locked=True
            ) or ordering.next_ids(counter.location_id, day, service_ids, rule, CANDIDATES)
            if not candidates:
                return None
            # All locked by other counters' calls: wait for the first; lost, try again.
            for candidate_id in candidates:
                if ticket := _take(candidate_id, counter.id, staff_id, moment):
                    _log(ticket, "called", staff_id, counter.id, now=moment)
                    notices.announce_call(ticket, counter.name)
                    warn_near_turns(counter.location_id, moment)
                    return ticket

    return run_in_transaction(work)


def warn_near_turns(location_id: int, now) -> None:
    """Tickets that asked for an SMS and are now COUNTER_TURN_NEAR_AHEAD turns away or less
    get it, in this call's unit of work (counter.citizen_notices). Only those few are read;
    each asks the database how many are ahead of it."""
    config = current_app.config
    for ticket in ordering.asking_for_sms(location_id, local_day(now)):
        ahead = ordering.count_ahead(ticket, config["COUNTER_CALL_RULE"])
        if ahead <= config["COUNTER_TURN_NEAR_AHEAD"]:
            ticket.turn_near_at = now
            citizen_notices.send_turn_near(ticket, ahead)


def _ticket(ticket_id, *statuses, lock: bool = False) -> Ticket:
    """`lock`: SELECT … FOR UPDATE, so that on PostgreSQL a second finish of the same ticket
    waits for the first and then sees it finished (SQLite's BEGIN IMMEDIATE already queues)."""
    ticket = db.session.get(
        Ticket,
        as_id(ticket_id, "unknown_ticket", "ticket_id"),
        with_for_update=lock or None,
        populate_existing=lock,
    )
    if ticket is None:
        raise NotFound("unknown_ticket", field="ticket_id")
    if statuses and ticket.status not in statuses:
        code = "ticket_not_parked" if statuses == (TicketStatus.PARKED,) else "ticket_not_open"
        raise Conflict(code, field="ticket_id")
    return ticket


class Closer(NamedTuple):
    """Who closes a called ticket: the counter it was called to (a desk screen), or else the
    staff member who called it (counter hardware's token); an admin may close any."""

    staff_id: int | None
    counter_id: int | None = None
    admin: bool = False

    def check(self, ticket: Ticket) -> None:
        if self.admin:
            return
        if self.counter_id is not None:
            yours = ticket.counter_id == self.counter_id
        else:
            yours = self.staff_id is not None and ticket.staff_id == self.staff_id
        if not yours:
            raise NotAllowed("ticket_not_open", field="ticket_id")


def _counter_name(ticket) -> str:
    counter = db.session.get(Counter, ticket.counter_id)
    return counter.name if counter else ""


def recall(ticket_id, staff_id=None) -> Ticket:
    """Call the same ticket again: the board shows and chimes it once more."""

    def work():
        ticket = _ticket(ticket_id, TicketStatus.CALLED)
        ticket.call_count += 1
        ticket.called_at = utcnow()
        _log(ticket, "recalled", staff_id, ticket.counter_id)
        notices.announce_call(ticket, _counter_name(ticket))
        return ticket

    return run_in_transaction(work)


def _party_before_closing(ticket_id, closer: Closer) -> int | None:
    """Refused before a party is made for a ticket this closer may not close; the locked read
    in the closing unit of work decides a race (counter.record explains the order)."""
    called = _ticket(ticket_id, TicketStatus.CALLED)
    closer.check(called)
    return visits.party_for_visit(called.id)


def mark_no_show(ticket_id, closer: Closer) -> Ticket:
    """The called citizen did not come: the ticket closes, and a known citizen's record shows
    the missed visit (counter.record explains the order of the writes)."""
    party_id = _party_before_closing(ticket_id, closer)
    staff_id = closer.staff_id

    def work():
        ticket = _ticket(ticket_id, TicketStatus.CALLED, lock=True)
        closer.check(ticket)
        ticket.status = TicketStatus.NO_SHOW
        ticket.finished_at = utcnow()
        ticket.party_id = ticket.party_id or party_id
        _log(ticket, "no_show", staff_id, ticket.counter_id)
        notices.queue_changed(ticket.location_id)
        visits.record_visit(ticket, outcome="no_show", staff_id=staff_id)
        return ticket

    return run_in_transaction(work)


def transfer(ticket_id, service_id, *, front: bool, staff_id=None) -> Ticket:
    """Send the citizen to another service's queue, first in line or last; the number stays."""

    def work():
        ticket = _ticket(ticket_id, TicketStatus.CALLED, TicketStatus.PARKED)
        service = db.session.get(Service, as_id(service_id, "unknown_service", "service_id"))
        if service is None or not service.active:
            raise CounterError("unknown_service", field="service_id")
        now = utcnow()
        detail = f"{ticket.service_id} -> {service.id} {'front' if front else 'back'}"
        ticket.service_id = service.id
        ticket.status = TicketStatus.WAITING
        ticket.counter_id = None
        ticket.priority = 1 if front else 0
        ticket.queued_at = now
        ticket.booked_start = None if not front else ticket.booked_start
        _log(ticket, "transferred", staff_id, detail=detail, now=now)
        notices.queue_changed(ticket.location_id)
        return ticket

    return run_in_transaction(work)


def park(ticket_id, staff_id=None) -> Ticket:
    """Set a ticket aside (the citizen fetches a document); the counter is free again."""

    def work():
        ticket = _ticket(ticket_id, TicketStatus.CALLED)
        ticket.status = TicketStatus.PARKED
        _log(ticket, "parked", staff_id, ticket.counter_id)
        notices.queue_changed(ticket.location_id)
        return ticket

    return run_in_transaction(work)


def resume(ticket_id, counter_id, staff_id=None) -> Ticket:
    def work():
        counter = get_counter(counter_id)
        ticket = _ticket(ticket_id, TicketStatus.PARKED)
        if open_ticket(counter.id) is not None:
            raise Conflict("counter_has_open_ticket", field="counter_id")
        ticket.status = TicketStatus.CALLED
        ticket.counter_id = counter.id
        ticket.staff_id = staff_id
        ticket.called_at = utcnow()
        ticket.call_count += 1
        try:
            db.session.flush()
        except IntegrityError as error:
            raise Conflict("counter_has_open_ticket", field="counter_id") from error
        _log(ticket, "resumed", staff_id, counter.id)
        notices.announce_call(ticket, counter.name)
        return ticket

    return run_in_transaction(work)


def finish(ticket_id, closer: Closer, *, outcome, note="") -> Ticket:
    """Close the visit with an outcome and a note; a known citizen's record gets the visit as an
    interaction in the same commit (counter.record explains the order of the writes)."""
    try:
        chosen = Outcome(outcome)
    except ValueError as error:
        raise CounterError("invalid_outcome", field="outcome") from error
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise CounterError("note_too_long", field="note")
    party_id = _party_before_closing(ticket_id, closer)
    staff_id = closer.staff_id

    def work():
        ticket = _ticket(ticket_id, TicketStatus.CALLED, lock=True)
        closer.check(ticket)
        ticket.status = TicketStatus.FINISHED
        ticket.outcome = chosen
        ticket.note = note
        ticket.finished_at = utcnow()
        ticket.party_id = ticket.party_id or party_id
        _log(ticket, "finished", staff_id, ticket.counter_id, detail=chosen.value)
        notices.queue_changed(ticket.location_id)
        visits.record_visit(ticket, outcome=chosen.value, staff_id=staff_id)
        return ticket

    return run_in_transaction(work)


def remove_waiting(location_id: int, ticket_ids, staff_id=None, now=None) -> list[Ticket]:
    """Take junk tickets out of a location's queue at once (a flood from outside, a test): each
    waiting one among `ticket_ids` becomes `removed`, kept with an event that says who removed
    it, never deleted. Tickets called, parked or done meanwhile are left as they are. Desks
    and phones refetch the queue after the commit."""
    ids = {as_id(value, "unknown_ticket", "ticket_id") for value in ticket_ids}

    def work():
        moment = now or utcnow()
        tickets = db.session.scalars(
            select(Ticket)
            .where(
                Ticket.id.in_(ids),
                Ticket.location_id == location_id,
                Ticket.status == TicketStatus.WAITING,
            )
            .order_by(Ticket.id)
            .with_for_update()
        ).all()
        for ticket in tickets:
            ticket.status = TicketStatus.REMOVED
            ticket.finished_at = moment
            _log(ticket, "removed", staff_id, now=moment)
        if tickets:
            notices.queue_changed(location_id)
        return tickets

    return run_in_transaction(work) if ids else []
