"""The database orders the queue exactly as the pure key does (counter.ordering against
counter.queue), on SQLite and PostgreSQL, for queues hypothesis makes up: ties in time, tickets
sent to the front, appointments and walk-ins mixed."""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from core.database import utcnow
from counter import ordering
from counter.models import Ticket, TicketKind, TicketStatus
from counter.queue import RULES, in_call_order, local_day, people_ahead
from extensions import db

ticket_fields = st.fixed_dictionaries(
    {
        "appointment": st.booleans(),
        "booked": st.integers(0, 5),  # few distinct minutes: many ties
        "queued": st.integers(0, 5),
        "priority": st.sampled_from([0, 0, 1]),
        "status": st.sampled_from([TicketStatus.WAITING] * 4 + [TicketStatus.CALLED]),
        "other_service": st.booleans(),
    }
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(ticket_fields, max_size=12), st.sampled_from(RULES))
def test_the_database_calls_and_counts_in_the_pure_order(app, town, drawn, rule):
    start = utcnow().replace(microsecond=0)
    day = local_day(start)
    made = []
    for number, fields in enumerate(drawn, start=1):
        made.append(
            Ticket(
                location_id=town.hall.id,
                service_id=town.address.id if fields["other_service"] else town.id_card.id,
                day=day,
                number=number,
                letter="A",
                kind=TicketKind.APPOINTMENT if fields["appointment"] else TicketKind.WALK_IN,
                booked_start=start + timedelta(minutes=fields["booked"])
                if fields["appointment"]
                else None,
                queued_at=start + timedelta(minutes=fields["queued"]),
                priority=fields["priority"],
                status=fields["status"],
            )
        )
    db.session.add_all(made)
    db.session.commit()
    try:
        queue = [
            t for t in made if t.status == TicketStatus.WAITING and t.service_id == town.id_card.id
        ]
        expected = [t.id for t in in_call_order(queue, rule)]
        assert ordering.next_ids(town.hall.id, day, [town.id_card.id], rule, 50) == expected
        assert ordering.next_ids(town.hall.id, day, [town.id_card.id], rule, 2) == expected[:2]
        for ticket in queue:
            assert ordering.count_ahead(ticket, rule) == people_ahead(ticket, queue, rule)
    finally:
        db.session.rollback()
        db.session.execute(delete(Ticket))
        db.session.commit()
