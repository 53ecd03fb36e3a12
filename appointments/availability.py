"""Free times, computed from opening hours, exceptions, public holidays, appointments and the
walk-in share.

Pure functions over plain values: no database, no Flask. The booking service loads the rows,
this module decides. Times go in and come out as aware UTC datetimes; opening hours are local
wall-clock times, turned into UTC per date, so a slot at 09:00 stays at 09:00 across a
daylight-saving change and the change day itself has exactly the real minutes it has.

Inside, every moment is a whole number of seconds since 1970 (UTC): a 60-day request walks
thousands of appointments and produces thousands of starts, and integer arithmetic on them
costs a fraction of datetime arithmetic. Busy intervals may be given either way; the database
layer hands them over as integers so they are never turned into datetimes at all.
"""

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from office.opening import HoursException, day_hours

Interval = tuple[datetime, datetime]
Seconds = tuple[int, int]  # [start, end) in whole seconds since 1970, UTC

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@dataclass
class CounterPlan:
    id: int
    busy: list[Interval] | list[Seconds] = field(default_factory=list)  # in any order


@dataclass
class LocationPlan:
    id: int
    timezone: str
    weekly: dict[int, list[tuple[time, time]]]  # weekday -> periods; a break is a gap
    exceptions: list[HoursException]
    counters: list[CounterPlan]  # only counters that serve every requested service
    min_notice_minutes: int = 0
    horizon_days: int = 60
    walk_in_percent: int = 0
    # Closed unless an exception for the date opens it (office.holidays: Belgium's).
    holidays: frozenset[date] = frozenset()


class Slot(NamedTuple):
    """A start at which the visit fits; a tuple because a 60-day answer makes thousands."""

    start: datetime
    end: datetime
    location_id: int
    counter_ids: tuple[int, ...]


def seconds(value: datetime) -> int:
    """Whole seconds since 1970 for an aware datetime, rounded down, without float error."""
    return (value - EPOCH) // SECOND


def ceil_seconds(value: datetime) -> int:
    return -((EPOCH - value) // SECOND)


def moment(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def last_bookable_day(now: datetime, plan: LocationPlan) -> date:
    return local_today(now, plan.timezone) + timedelta(days=plan.horizon_days)


def _local_hours(day: date, plan: LocationPlan) -> list[tuple[time, time]]:
    """The day's local hours, by the office's one rule (office.opening.day_hours): exceptions
    for the date replace the weekly hours and the public holidays."""
    return day_hours(day, plan.weekly, plan.exceptions, plan.holidays)


def _periods(day: date, plan: LocationPlan, zone: ZoneInfo) -> list[Seconds]:
    periods = []
    for opens, closes in sorted(_local_hours(day, plan)):
        start = seconds(datetime.combine(day, opens, tzinfo=zone))
        end = seconds(datetime.combine(day, closes, tzinfo=zone))
        if end > start:
            periods.append((start, end))
    return periods


def opening_periods(day: date, plan: LocationPlan) -> list[Interval]:
    """The day's opening periods in UTC (see _local_hours)."""
    return [
        (moment(start), moment(end)) for start, end in _periods(day, plan, ZoneInfo(plan.timezone))
    ]


def _as_seconds(busy) -> list[Seconds]:
    if busy and isinstance(busy[0][0], datetime):
        # Rounded outwards: a counter is never less busy than its appointment says.
        return [(seconds(s), ceil_seconds(e)) for s, e in busy]
    return busy


@dataclass
class _Held:
    """One counter's busy time as sorted, disjoint intervals, with running totals.

    Overlapping intervals are merged first (the database never stores any on one counter, but
    the rules should not depend on it): then the intervals that touch a day are one slice
    found by bisection, and the time booked in it is a difference of two running totals.
    """

    id: int
    starts: list[int]
    ends: list[int]
    total: list[int]  # total[k]: seconds held by the first k intervals

    @classmethod
    def of(cls, counter_id: int, busy) -> "_Held":
        starts: list[int] = []
        ends: list[int] = []
        for start, end in sorted(_as_seconds(busy)):
            if ends and start <= ends[-1]:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        total = [0]
        for start, end in zip(starts, ends, strict=True):
            total.append(total[-1] + end - start)
        return cls(counter_id, starts, ends, total)

    def between(self, lo: int, hi: int) -> tuple[int, int, int]:
        """Indexes [first, stop) of the intervals overlapping [lo, hi), and the seconds held."""
        first = bisect_left(self.ends, lo + 1)  # ends are sorted too: the intervals are disjoint
        stop = bisect_left(self.starts, hi, first)
        if first == stop:
            return first, stop, 0
        held = self.total[stop] - self.total[first]
        held -= max(lo - self.starts[first], 0) + max(self.ends[stop - 1] - hi, 0)
        return first, stop, held


def _free_mask(
    held: _Held,
    first: int,
    stop: int,
    period: Seconds,
    need: int,
    hold: int,
    step: int,
    earliest: int,
) -> int:
    """Bit k set: the visit can start at `period_start + k * step` on this counter.

    It must end by closing, start no earlier than `earliest`, and its hold (the visit and the
    buffer after it) must not overlap any of the counter's intervals `first`..`stop`. Each
    interval [s, e) rules out the starts in (s - hold, e): one run of bits, cleared at once,
    so a day costs a few operations per appointment instead of one per free start.
    """
    period_start, period_end = period
    positions = (period_end - need - period_start) // step + 1
    if positions <= 0:
        return 0
    mask = (1 << positions) - 1
    if earliest > period_start:
        mask &= ~((1 << -((period_start - earliest) // step)) - 1)  # before `earliest`: gone
    starts, ends = held.starts, held.ends
    limit = period_start + (positions - 1) * step + hold  # intervals from here touch no start
    index = bisect_left(ends, period_start + 1, first, stop)  # first one ending after opening
    while index < stop and starts[index] < limit and mask:
        lo = max((starts[index] - hold - period_start) // step + 1, 0)
        hi = min(-((period_start - ends[index]) // step) - 1, positions - 1)
        if lo <= hi:
            mask &= ~(((1 << (hi - lo + 1)) - 1) << lo)
        index += 1
    return mask


def available_slots(plans: list[LocationPlan], **asked) -> list[Slot]:
    """`available_starts` (the same arguments) as Slots: aware datetimes (and the counters)."""
    return as_slots(available_starts(plans, **asked), asked["need_minutes"])


def as_slots(starts, need_minutes: int) -> list[Slot]:
    """`available_starts`' (start in seconds, location id, counters) as Slots."""
    need = need_minutes * 60
    stamps: dict[int, datetime] = {}  # starts and ends repeat across locations and counters
    slots = []
    for start, location_id, ids in starts:
        begins = stamps.get(start) or stamps.setdefault(start, moment(start))
        ends = stamps.get(start + need) or stamps.setdefault(start + need, moment(start + need))
        slots.append(Slot(begins, ends, location_id, ids))
    return slots


def available_starts(
    plans: list[LocationPlan],
    *,
    need_minutes: int,
    hold_minutes: int,
    first_day: date,
    last_day: date,
    now: datetime,
    step_minutes: int = 15,
    with_counters: bool = True,
) -> list[tuple[int, int, tuple[int, ...]]]:
    """Every start, per location, at which at least one counter can take the whole visit, as
    (start in seconds, location id, the counters free then), sorted.

    `need_minutes` is the visit itself, `hold_minutes` the visit plus the buffer after it: the
    visit must end before closing, the buffer must not run into the next appointment. An
    answer that lists thousands of starts (the API's 60 days) needs neither datetimes nor the
    counters: without counters every start comes with `()`, which saves a third of it.
    """
    need, hold, step = need_minutes * 60, hold_minutes * 60, step_minutes * 60
    found: list[tuple[int, int, tuple]] = []
    for plan in plans:
        zone = ZoneInfo(plan.timezone)
        earliest = ceil_seconds(now + timedelta(minutes=plan.min_notice_minutes))
        day = max(first_day, local_today(now, plan.timezone))
        end_day = min(last_day, last_bookable_day(now, plan))
        # In id order, so every start's counters come out sorted.
        counters = [_Held.of(c.id, c.busy) for c in sorted(plan.counters, key=lambda c: c.id)]
        while day <= end_day:
            periods = _periods(day, plan, zone)
            if periods and periods[-1][1] > earliest:
                day_found = _day_starts(
                    plan, periods, counters, need, hold, step, earliest, with_counters
                )
                found.extend((start, plan.id, ids) for start, ids in day_found.items())
            day += timedelta(days=1)
    found.sort()  # (start, location): unique, so the counter lists are never compared
    return found


def free_at(
    plans: list[LocationPlan],
    start: int,
    *,
    need_minutes: int,
    hold_minutes: int,
    now: datetime,
    step_minutes: int = 15,
) -> tuple[int, tuple[int, ...]] | None:
    """`available_starts`' answer for one start (whole seconds): (location id, the counters
    free then) at the first location where the visit can start then, or None. A booking asks
    about one start: this checks it alone instead of computing the whole day."""
    need, hold, step = need_minutes * 60, hold_minutes * 60, step_minutes * 60
    for plan in sorted(plans, key=lambda p: p.id):
        zone = ZoneInfo(plan.timezone)
        day = moment(start).astimezone(zone).date()
        earliest = ceil_seconds(now + timedelta(minutes=plan.min_notice_minutes))
        if start < earliest or day < local_today(now, plan.timezone):
            continue
        if day > last_bookable_day(now, plan):
            continue
        periods = _periods(day, plan, zone)
        if not any(
            opens <= start and start + need <= closes and (start - opens) % step == 0
            for opens, closes in periods
        ):
            continue
        counters = [_Held.of(c.id, c.busy) for c in sorted(plan.counters, key=lambda c: c.id)]
        free = tuple(
            held.id
            for held, _first, _stop in _taking(plan, periods, counters, hold)
            if _untouched(held, start, start + hold)
        )
        if free:
            return plan.id, free
    return None


def _untouched(held: _Held, lo: int, hi: int) -> bool:
    first, stop, _booked = held.between(lo, hi)
    return first == stop  # no interval overlaps [lo, hi)


def _taking(plan, periods, counters, hold) -> list[tuple[_Held, int, int]]:
    """(counter, first, stop): the counters that may take another visit this day (the rest of
    their day is kept for walk-ins), with the indexes of their intervals that can touch it."""
    open_seconds = sum(end - start for start, end in periods)
    # The part of the day not kept for walk-ins, compared as integers: booked * 100 <= ...
    bookable = open_seconds * (100 - plan.walk_in_percent)
    day_start, day_end = periods[0][0], periods[-1][1]
    taking = []
    for held in counters:
        first, stop, booked = held.between(day_start, day_end)
        if (booked + hold) * 100 <= bookable:
            # The last visit's buffer may run past closing, not into an appointment there.
            stop = bisect_left(held.starts, day_end + hold, stop)
            taking.append((held, first, stop))
    return taking


def _day_starts(
    plan, periods, counters, need, hold, step, earliest, with_counters
) -> dict[int, tuple]:
    """One location's day: start -> the counters free for the whole hold from that start."""
    taking = _taking(plan, periods, counters, hold)
    found: dict[int, tuple] = {}
    for period in periods:
        masks = [
            (held.id, _free_mask(held, first, stop, period, need, hold, step, earliest))
            for held, first, stop in taking
        ]
        free = 0
        for _id, mask in masks:
            free |= mask
        while free:
            lowest = free & -free
            start = period[0] + (lowest.bit_length() - 1) * step
            found[start] = tuple([i for i, m in masks if m & lowest]) if with_counters else ()
            free ^= lowest
    return found
