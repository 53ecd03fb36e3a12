"""The pure availability rules, without a database."""

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from appointments.availability import (
    CounterPlan,
    HoursException,
    LocationPlan,
    available_slots,
    available_starts,
    free_at,
    opening_periods,
    seconds,
)
from core.time import BRUSSELS, TIMEZONE

MONDAY = date(2027, 3, 1)
NOW = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BRUSSELS).astimezone(UTC)


def plan(counters=None, **fields) -> LocationPlan:
    weekly = {d: [(time(9), time(12)), (time(13), time(16))] for d in range(5)}
    return LocationPlan(
        id=1,
        timezone=TIMEZONE,
        weekly=fields.pop("weekly", weekly),
        exceptions=fields.pop("exceptions", []),
        counters=counters if counters is not None else [CounterPlan(1)],
        **fields,
    )


def starts(slots) -> list[str]:
    return [s.start.astimezone(BRUSSELS).strftime("%H:%M") for s in slots]


def slots_on(day, the_plan, need=30, hold=30, now=NOW):
    return available_slots(
        [the_plan], need_minutes=need, hold_minutes=hold, first_day=day, last_day=day, now=now
    )


def test_slots_follow_opening_hours_and_skip_the_break():
    found = starts(slots_on(MONDAY, plan()))
    assert found[0] == "09:00" and found[-1] == "15:30"
    assert "11:30" in found and "11:45" not in found  # a 30-minute visit must end by 12:00
    assert not any(s.startswith("12:") for s in found)


def test_an_appointment_takes_its_time_and_buffer_off_the_counter():
    busy = [(at(MONDAY, 10), at(MONDAY, 10, 20))]  # 15 minutes plus a 5-minute buffer
    found = starts(slots_on(MONDAY, plan([CounterPlan(1, busy)]), need=15, hold=15))
    assert "09:45" in found
    assert "10:00" not in found and "10:15" not in found
    assert "10:30" in found  # back on the 15-minute grid after 10:20


def test_a_buffer_may_not_run_into_the_next_appointment():
    busy = [(at(MONDAY, 10), at(MONDAY, 10, 30))]
    found = starts(slots_on(MONDAY, plan([CounterPlan(1, busy)]), need=15, hold=25))
    assert "09:30" in found and "09:45" not in found


def test_a_time_is_free_while_one_counter_is_free():
    busy = [(at(MONDAY, 9), at(MONDAY, 9, 30))]
    slots = slots_on(MONDAY, plan([CounterPlan(1, busy), CounterPlan(2)]))
    first = slots[0]
    assert starts([first]) == ["09:00"] and first.counter_ids == (2,)
    assert slots[2].counter_ids == (1, 2)


def test_closed_exception_removes_the_day_and_extra_opening_adds_one():
    saturday = MONDAY + timedelta(days=5)
    closed = plan(exceptions=[HoursException(MONDAY, closed=True)])
    assert slots_on(MONDAY, closed) == []
    extra = plan(exceptions=[HoursException(saturday, False, time(9), time(10))])
    assert starts(slots_on(saturday, extra)) == ["09:00", "09:15", "09:30"]


def test_a_public_holiday_is_closed_unless_an_exception_opens_it():
    christmas = date(2028, 12, 25)  # a Monday
    now = at(christmas, 6) - timedelta(days=7)
    rules = {"holidays": frozenset({christmas})}
    assert slots_on(christmas, plan(**rules), now=now) == []
    assert slots_on(christmas, plan(), now=now) != []  # that Monday without the holiday rule
    opening = HoursException(christmas, False, time(10), time(11))
    opened = plan(exceptions=[opening], **rules)
    assert starts(slots_on(christmas, opened, now=now)) == ["10:00", "10:15", "10:30"]
    at_ten = seconds(at(christmas, 10))
    asked = {"need_minutes": 30, "hold_minutes": 30, "now": now}
    assert free_at([plan(**rules)], at_ten, **asked) is None
    assert free_at([opened], at_ten, **asked) == (1, (1,))


@given(
    holidays=st.sets(st.integers(0, 13), max_size=5),
    opened=st.sets(st.integers(0, 13), max_size=3),
    closed=st.sets(st.integers(0, 13), max_size=3),
)
def test_no_start_falls_on_a_holiday_or_closure_and_an_opened_day_has_its_own_hours(
    holidays, opened, closed
):
    """Over two weeks: a public holiday has no start unless an exception opens it, and then
    only in the exception's hours; a closure wins over both."""
    days = [MONDAY + timedelta(days=n) for n in range(14)]
    exceptions = [HoursException(days[n], False, time(10), time(11)) for n in opened]
    exceptions += [HoursException(days[n], True) for n in closed]
    the_plan = plan(holidays=frozenset(days[n] for n in holidays), exceptions=exceptions)
    found = available_slots(
        [the_plan], need_minutes=15, hold_minutes=15, first_day=days[0], last_day=days[-1], now=NOW
    )
    by_day = {}
    for slot in found:
        by_day.setdefault(slot.start.astimezone(BRUSSELS).date(), []).append(slot)
    for n, day in enumerate(days):
        offered = starts(by_day.get(day, []))
        if n in closed:
            assert offered == []
        elif n in opened:
            assert offered == ["10:00", "10:15", "10:30", "10:45"]
        elif n in holidays or day.weekday() >= 5:
            assert offered == []
        else:
            assert offered and offered[0] == "09:00"


def test_minimum_notice_and_horizon_limit_the_window():
    now = at(MONDAY, 10)
    soon = starts(slots_on(MONDAY, plan(min_notice_minutes=60), now=now))
    assert soon[0] == "11:00"
    assert slots_on(MONDAY + timedelta(days=3), plan(horizon_days=2), now=now) == []
    assert slots_on(MONDAY + timedelta(days=2), plan(horizon_days=2), now=now) != []


def test_walk_in_share_keeps_counter_time_free():
    # 6 open hours, 50% for walk-ins: 3 hours bookable; 2.5 hours are booked already.
    busy = [(at(MONDAY, 9), at(MONDAY, 11, 30))]
    half = plan([CounterPlan(1, busy)], walk_in_percent=50)
    assert starts(slots_on(MONDAY, half, need=30, hold=30))  # 30 more minutes still fit
    assert slots_on(MONDAY, half, need=45, hold=45) == []  # 45 would eat walk-in time


def test_spring_forward_day_has_only_real_minutes():
    change = date(2027, 3, 28)
    night = plan(exceptions=[HoursException(change, False, time(1), time(4))])
    slots = slots_on(change, night, need=15, hold=15)
    found = starts(slots)
    assert found[:4] == ["01:00", "01:15", "01:30", "01:45"]
    assert found[4] == "03:00"  # 02:00-03:00 does not exist on this day
    assert len(slots) == 8  # 01:00-04:00 local is two real hours
    assert all(s.end - s.start == timedelta(minutes=15) for s in slots)


def test_fall_back_day_offers_the_repeated_hour_twice():
    change = date(2027, 10, 31)
    night = plan(exceptions=[HoursException(change, False, time(1), time(4))], horizon_days=400)
    slots = slots_on(change, night, need=30, hold=30)
    offsets = [s.start.astimezone(BRUSSELS).isoformat()[11:] for s in slots]
    assert "02:00:00+02:00" in offsets and "02:00:00+01:00" in offsets
    # 01:00-04:00 local is four real hours: 16 quarters, the last 30-minute visit at 03:30.
    assert len(slots) == 15


def test_office_hours_stay_on_the_wall_clock_across_the_change():
    before, after = date(2027, 3, 26), date(2027, 3, 29)  # Friday, Monday
    for day in (before, after):
        found = starts(slots_on(day, plan()))
        assert found[0] == "09:00" and found[-1] == "15:30"
    assert opening_periods(before, plan())[0][0].hour == 8  # 09:00 CET is 08:00 UTC
    assert opening_periods(after, plan())[0][0].hour == 7  # 09:00 CEST is 07:00 UTC


@settings(max_examples=60, deadline=None)
@given(
    busy_quarters=st.lists(st.tuples(st.integers(0, 27), st.integers(1, 6)), max_size=6),
    need=st.sampled_from([15, 30, 45]),
    buffer=st.sampled_from([0, 5, 15]),
)
def test_no_slot_ever_overlaps_an_appointment_or_closing(busy_quarters, need, buffer):
    busy = sorted(
        (at(MONDAY, 9) + timedelta(minutes=15 * q), at(MONDAY, 9) + timedelta(minutes=15 * (q + n)))
        for q, n in busy_quarters
    )
    the_plan = plan([CounterPlan(1, busy)])
    periods = opening_periods(MONDAY, the_plan)
    for slot in slots_on(MONDAY, the_plan, need=need, hold=need + buffer):
        hold_end = slot.start + timedelta(minutes=need + buffer)
        assert all(hold_end <= s or slot.start >= e for s, e in busy)
        assert any(p_start <= slot.start and slot.end <= p_end for p_start, p_end in periods)


def counter_intervals(busy, opening: datetime, counters) -> dict[int, list]:
    """Counter -> its appointments, from hypothesis' (counter, minutes after opening, length)."""
    intervals = {c: [] for c in counters}
    for counter, offset, minutes in busy:
        start = opening + timedelta(minutes=offset)
        intervals[counter].append((start, start + timedelta(minutes=minutes)))
    return intervals


@settings(max_examples=150, deadline=None)
@given(
    busy=st.lists(
        st.tuples(st.integers(1, 3), st.integers(-60, 8 * 60), st.integers(1, 90)), max_size=12
    ),
    need=st.sampled_from([10, 15, 30, 45]),
    buffer=st.sampled_from([0, 5, 15]),
    now_minute=st.integers(-120, 8 * 60),
)
def test_every_free_start_is_offered_with_exactly_the_counters_free_then(
    busy, need, buffer, now_minute
):
    """Against a brute force over the grid: appointments at any minute (also off the grid,
    across the break and before opening), three counters, and `now` inside the day."""
    opening = at(MONDAY, 9)
    intervals = counter_intervals(busy, opening, (1, 2, 3))
    the_plan = plan([CounterPlan(c, intervals[c]) for c in (1, 2, 3)])
    now = opening + timedelta(minutes=now_minute)
    hold = timedelta(minutes=need + buffer)

    expected = []
    for p_start, p_end in opening_periods(MONDAY, the_plan):
        start = p_start
        while start + timedelta(minutes=need) <= p_end:
            free = tuple(
                c
                for c in (1, 2, 3)
                if all(start + hold <= s or start >= e for s, e in intervals[c])
            )
            if start >= now and free:
                expected.append((start, free))
            start += timedelta(minutes=15)

    found = slots_on(MONDAY, the_plan, need=need, hold=need + buffer, now=now)
    assert [(s.start, s.counter_ids) for s in found] == expected
    bare = available_starts(
        [the_plan],
        need_minutes=need,
        hold_minutes=need + buffer,
        first_day=MONDAY,
        last_day=MONDAY,
        now=now,
        with_counters=False,
    )
    assert bare == [(seconds(start), the_plan.id, ()) for start, _free in expected]


@settings(max_examples=150, deadline=None)
@given(
    busy=st.lists(
        st.tuples(st.integers(1, 4), st.integers(-60, 8 * 60), st.integers(1, 90)), max_size=14
    ),
    need=st.sampled_from([10, 15, 30, 45]),
    buffer=st.sampled_from([0, 5, 15]),
    now_day=st.sampled_from([0, -1, -3]),
    now_minute=st.integers(-120, 8 * 60),
    walk_in=st.sampled_from([0, 20, 60]),
    notice=st.sampled_from([0, 30, 24 * 60]),
    horizon=st.sampled_from([0, 1, 60]),
)
def test_one_start_checked_alone_agrees_with_its_whole_day(
    busy, need, buffer, now_day, now_minute, walk_in, notice, horizon
):
    """free_at (a booking's check of its one start) against available_starts over the day, at
    every five minutes from before opening to after closing: two locations, other hours, the
    walk-in share, minimum notice and horizon."""
    opening = at(MONDAY, 9)
    intervals = counter_intervals(busy, opening, (1, 2, 3, 4))
    rules = {"walk_in_percent": walk_in, "min_notice_minutes": notice, "horizon_days": horizon}
    late = {d: [(time(10), time(17, 30))] for d in range(5)}
    plans = [  # not in id order: the first location by id wins a start both offer
        plan([CounterPlan(c, intervals[c]) for c in (3, 4)], weekly=late, **rules),
        plan([CounterPlan(c, intervals[c]) for c in (1, 2)], **rules),
    ]
    plans[0].id = 2
    now = opening + timedelta(days=now_day, minutes=now_minute)
    asked = {"need_minutes": need, "hold_minutes": need + buffer, "now": now}

    whole_day = available_starts(plans, first_day=MONDAY, last_day=MONDAY, **asked)
    expected = {}
    for start, location_id, counters in whole_day:
        expected.setdefault(start, (location_id, counters))
    for minute in range(-60, 10 * 60, 5):
        start = seconds(opening + timedelta(minutes=minute))
        assert free_at(plans, start, **asked) == expected.get(start), minute
