"""When reminders go out: quiet hours move them earlier, never later, also on DST days."""

from datetime import UTC, datetime, timedelta

import pytest

from appointments.reminders import QuietHours, decide, due_at, offset_label
from core.time import BRUSSELS

QUIET = QuietHours()


def local(*args) -> datetime:
    return datetime(*args, tzinfo=BRUSSELS).astimezone(UTC)


def as_local(moment: datetime) -> datetime:
    return moment.astimezone(BRUSSELS).replace(tzinfo=None)


def test_a_reminder_in_the_day_stays_where_it_is():
    assert as_local(due_at(local(2025, 5, 13, 14, 0), 120, QUIET)) == datetime(2025, 5, 13, 12, 0)
    assert as_local(due_at(local(2025, 5, 13, 14, 0), 1440, QUIET)) == datetime(2025, 5, 12, 14)


def test_an_early_morning_reminder_moves_to_the_evening_before():
    moved = due_at(local(2025, 5, 13, 9, 0), 120, QUIET)  # 07:00 is quiet
    assert as_local(moved) == datetime(2025, 5, 12, 20, 30)


def test_a_late_evening_reminder_moves_earlier_the_same_evening():
    moved = due_at(local(2025, 5, 14, 22, 30), 1440, QUIET)  # 22:30 the day before
    assert as_local(moved) == datetime(2025, 5, 13, 20, 30)


@pytest.mark.parametrize(
    ("start", "offset", "expected"),
    [
        # Spring forward, Sunday 30 March 2025: 02:00 CET becomes 03:00 CEST.
        ((2025, 3, 30, 9, 0), 120, datetime(2025, 3, 29, 20, 30)),
        ((2025, 3, 30, 10, 0), 1440, datetime(2025, 3, 29, 9, 0)),  # 24 hours, not 24 clock hours
        ((2025, 3, 31, 9, 0), 1440, datetime(2025, 3, 30, 9, 0)),
        # Fall back, Sunday 26 October 2025: 03:00 CEST becomes 02:00 CET.
        ((2025, 10, 26, 9, 0), 120, datetime(2025, 10, 25, 20, 30)),
        ((2025, 10, 26, 10, 0), 1440, datetime(2025, 10, 25, 11, 0)),
        ((2025, 10, 27, 8, 30), 1440, datetime(2025, 10, 26, 8, 30)),
    ],
)
def test_quiet_hours_on_dst_days(start, offset, expected):
    moment = due_at(local(*start), offset, QUIET)
    assert as_local(moment) == expected
    assert not QUIET.contains(moment.astimezone(BRUSSELS).time())
    assert moment <= local(*start) - timedelta(minutes=offset)  # earlier, never later


def test_every_minute_of_a_dst_week_lands_outside_quiet_hours_and_never_later():
    start = local(2025, 3, 27, 0, 0)
    for minutes in range(0, 7 * 24 * 60, 7):
        appointment = start + timedelta(minutes=minutes)
        for offset in (120, 1440):
            moment = due_at(appointment, offset, QUIET)
            assert moment <= appointment - timedelta(minutes=offset)
            assert not QUIET.contains(moment.astimezone(BRUSSELS).time())


def decision(start, offset, now, booked_at=None):
    return decide(
        starts_at=start,
        offset_minutes=offset,
        now=now,
        booked_at=booked_at or start - timedelta(days=7),
        quiet=QUIET,
    )


def test_the_decision_waits_then_sends_inside_its_window():
    start = local(2025, 5, 13, 14, 0)
    assert decision(start, 120, local(2025, 5, 13, 11, 59)).action == "wait"
    sent = decision(start, 120, local(2025, 5, 13, 12, 1))
    assert sent.action == "send"
    assert sent.expires_at == start


def test_a_reminder_is_never_sent_after_the_appointment_began():
    start = local(2025, 5, 13, 14, 0)
    late = decision(start, 120, local(2025, 5, 13, 14, 0))
    assert late.action == "skip"
    assert late.reason == "appointments.reminder.begun"


def test_a_moved_reminder_that_missed_the_evening_is_not_sent_at_night():
    start = local(2025, 5, 13, 9, 0)
    night = decision(start, 120, local(2025, 5, 12, 23, 0))
    assert night.action == "skip"
    assert as_local(night.expires_at) == datetime(2025, 5, 12, 21, 0)


def test_a_reminder_whose_time_passed_before_the_booking_is_not_sent():
    start = local(2025, 5, 13, 14, 0)
    booked = local(2025, 5, 13, 9, 0)
    assert decision(start, 1440, local(2025, 5, 13, 9, 1), booked).action == "skip"
    assert decision(start, 120, local(2025, 5, 13, 12, 0), booked).action == "send"


def test_offset_labels():
    assert [offset_label(m) for m in (1440, 120, 90, 2880)] == ["24h", "2h", "90m", "2d"]
