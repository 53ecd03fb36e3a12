"""Properties of the queue's pure functions (counter.queue), with hypothesis."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from counter.queue import (
    RULES,
    call_order_key,
    default_letter,
    estimated_wait_minutes,
    in_call_order,
    local_day,
    minutes_per_person,
    people_ahead,
)

MORNING = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
moments = st.integers(min_value=0, max_value=8 * 3600).map(lambda s: MORNING + timedelta(seconds=s))


@st.composite
def queues(draw, max_size=25):
    """Waiting tickets of one service: walk-ins (some sent to the front) and checked-in
    appointments; ids unique, times may tie."""
    size = draw(st.integers(min_value=0, max_value=max_size))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=size, max_size=size, unique=True))
    tickets = []
    for ticket_id in ids:
        appointment = draw(st.booleans())
        tickets.append(
            SimpleNamespace(
                id=ticket_id,
                kind="appointment" if appointment else "walk_in",
                booked_start=draw(moments) if appointment else None,
                queued_at=draw(moments),
                priority=draw(st.sampled_from([0, 0, 0, 1])),
            )
        )
    return tickets


@given(queues(), st.sampled_from(RULES))
def test_the_call_order_is_a_total_order_of_the_same_tickets(tickets, rule):
    ordered = in_call_order(tickets, rule)
    assert sorted(t.id for t in ordered) == sorted(t.id for t in tickets)
    keys = [call_order_key(t, rule) for t in ordered]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)  # no two tickets tie
    assert in_call_order(list(reversed(tickets)), rule) == ordered  # arrival order is irrelevant


@given(queues())
def test_appointments_first_serves_every_appointment_before_any_walk_in(tickets):
    ordered = in_call_order(tickets, "appointments_first")
    kinds = [t.kind for t in ordered]
    assert kinds == sorted(kinds)  # "appointment" < "walk_in": one block each
    booked = [t.booked_start for t in ordered if t.kind == "appointment"]
    assert booked == sorted(booked)
    walk_ins = [(-t.priority, t.queued_at) for t in ordered if t.kind == "walk_in"]
    assert walk_ins == sorted(walk_ins)  # the front of the line first, then the longest wait


@given(queues())
def test_one_line_places_appointments_at_their_booked_time_among_walk_ins(tickets):
    ordered = in_call_order(tickets, "booked_time_or_arrival")
    when = [
        (-t.priority, t.booked_start if t.kind == "appointment" else t.queued_at) for t in ordered
    ]
    assert when == sorted(when)


@given(queues(), st.sampled_from(RULES))
def test_people_ahead_is_the_place_in_the_call_order(tickets, rule):
    for place, ticket in enumerate(in_call_order(tickets, rule)):
        assert people_ahead(ticket, tickets, rule) == place


@given(queues(), moments)
def test_a_walk_in_arriving_later_never_gets_ahead_of_anyone(tickets, arrival):
    """Later than every arrival and booked time: under either rule, last in line."""
    times = [t.queued_at for t in tickets] + [t.booked_start for t in tickets if t.booked_start]
    latest = max([*times, arrival])
    newcomer = SimpleNamespace(
        id=20_000, kind="walk_in", booked_start=None, queued_at=latest, priority=0
    )
    for rule in RULES:
        before = {t.id: people_ahead(t, tickets, rule) for t in tickets}
        after = {t.id: people_ahead(t, [*tickets, newcomer], rule) for t in tickets}
        assert after == before


@given(st.lists(st.floats(0.5, 120), max_size=20), st.integers(1, 90))
def test_minutes_per_person_trusts_todays_pace_only_with_three_visits(recent, booked):
    per_person = minutes_per_person(recent, booked)
    if len(recent) < 3:
        assert per_person == booked
    else:
        assert min(recent) - 1e-9 <= per_person <= max(recent) + 1e-9


@given(st.integers(0, 500), st.floats(0, 120), st.integers(-2, 20), st.integers(0, 500))
def test_the_wait_estimate_grows_with_the_queue_and_shrinks_with_counters(
    ahead, per_person, counters, more
):
    wait = estimated_wait_minutes(ahead, per_person, counters)
    assert wait >= 0
    assert wait >= ahead * per_person / max(counters, 1) - 1e-9  # never promises too little
    assert estimated_wait_minutes(ahead + more, per_person, counters) >= wait
    assert estimated_wait_minutes(ahead, per_person, max(counters, 1) + 1) <= wait
    if ahead == 0:
        assert wait == 0


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)))
def test_the_day_of_a_ticket_is_the_day_in_brussels(moment):
    instant = moment.replace(tzinfo=UTC)
    day = local_day(instant)
    # Brussels is one or two hours ahead of UTC, never behind.
    if instant.hour < 22:
        assert day == instant.date()
    elif instant.hour == 23:
        assert day == instant.date() + timedelta(days=1)
    else:  # 22:xx UTC is midnight or later in summer (UTC+2), still today in winter (UTC+1)
        assert day in (instant.date(), instant.date() + timedelta(days=1))


def test_just_before_midnight_in_brussels_is_still_today():
    assert str(local_day(datetime(2026, 7, 1, 21, 59, tzinfo=UTC))) == "2026-07-01"
    assert str(local_day(datetime(2026, 7, 1, 22, 0, tzinfo=UTC))) == "2026-07-02"
    assert str(local_day(datetime(2026, 1, 1, 22, 59, tzinfo=UTC))) == "2026-01-01"


@given(st.integers(1, 10_000))
def test_a_service_without_a_letter_gets_a_stable_one_from_a_to_z(service_id):
    letter = default_letter(service_id)
    assert "A" <= letter <= "Z"
    assert default_letter(service_id + 26) == letter
