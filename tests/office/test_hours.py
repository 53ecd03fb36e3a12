"""office.hours: the one answer to "open at this moment?", which booking and the kiosk share."""

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest

from appointments import availability
from appointments.slots import load_visit
from appointments.timetable import Timetable
from core.time import BRUSSELS
from counter import tickets
from counter.errors import Conflict
from counter.models import CounterServiceSetting
from extensions import db
from office import hours
from office.models import Counter, Location, OpeningException, OpeningPeriod, Service

MONDAY = date(2027, 3, 22)  # two weeks with the clock change (Sunday 28 March) and Easter
DAYS = [MONDAY + timedelta(days=n) for n in range(14)]
EASTER_MONDAY = date(2027, 3, 29)  # a public holiday


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BRUSSELS).astimezone(UTC)


@pytest.fixture
def hall(app):
    location = Location(name="Stadhuis", min_notice_minutes=0, horizon_days=800)
    for weekday in range(5):
        location.opening_periods += [
            OpeningPeriod(weekday=weekday, opens=time(8, 30), closes=time(12)),
            OpeningPeriod(weekday=weekday, opens=time(13), closes=time(16)),
        ]
    location.opening_periods.append(OpeningPeriod(weekday=5, opens=time(9), closes=time(12)))
    location.exceptions += [
        OpeningException(day=MONDAY + timedelta(days=1), closed=True, reason="Staff day"),
        OpeningException(day=MONDAY + timedelta(days=2), opens=time(10), closes=time(11)),
        OpeningException(day=MONDAY + timedelta(days=2), opens=time(14), closes=time(15)),
        OpeningException(day=MONDAY + timedelta(days=13), opens=time(10), closes=time(12)),
    ]
    service = Service(name_nl="Identiteitskaart", duration_minutes=10, locations=[location])
    counter = Counter(name="Loket 1", location=location, services=[service])
    db.session.add_all([location, service, counter])
    db.session.flush()
    db.session.add(CounterServiceSetting(service_id=service.id, letter="A"))
    db.session.commit()
    return SimpleNamespace(location=location, service=service)


def test_open_at_follows_the_weeks_hours_breaks_and_exceptions(hall):
    place = hall.location.id
    assert hours.open_at(place, local(MONDAY, 8, 30))  # opening time included
    assert not hours.open_at(place, local(MONDAY, 12))  # closing time excluded
    assert not hours.open_at(place, local(MONDAY, 12, 30))  # the break
    assert not hours.open_at(place, local(MONDAY + timedelta(days=1), 10))  # closed that day
    assert hours.open_at(place, local(MONDAY + timedelta(days=2), 10, 30))  # its own hours
    assert not hours.open_at(place, local(MONDAY + timedelta(days=2), 9))  # not the weekly ones
    assert not hours.open_at(place, local(MONDAY + timedelta(days=6), 10))  # Sunday
    assert hours.open_at(place, local(MONDAY + timedelta(days=13), 11))  # a Sunday opened
    assert hours.hours_on(place, MONDAY) == [(time(8, 30), time(12)), (time(13), time(16))]
    assert hours.hours_on(place, MONDAY + timedelta(days=1)) == []


def test_a_public_holiday_is_closed_unless_an_exception_opens_it(hall):
    place = hall.location.id
    assert hours.hours_on(place, EASTER_MONDAY) == []
    assert not hours.open_at(place, local(EASTER_MONDAY, 10))
    hall.location.exceptions.append(
        OpeningException(day=EASTER_MONDAY, opens=time(9), closes=time(11), reason="Markt")
    )
    db.session.commit()
    assert hours.hours_on(place, EASTER_MONDAY) == [(time(9), time(11))]
    assert hours.open_at(place, local(EASTER_MONDAY, 10))


def test_the_week_names_its_public_holidays_in_the_readers_language(app, hall):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        week = hours.week(hall.location.id, MONDAY + timedelta(days=7))
    assert [(d.day, d.periods, d.holiday) for d in week[:2]] == [
        (EASTER_MONDAY, [], "Lundi de Pâques"),
        (EASTER_MONDAY + timedelta(days=1), [(time(8, 30), time(12)), (time(13), time(16))], None),
    ]


def test_an_unknown_or_inactive_location_is_never_open(hall):
    assert not hours.open_at(999_999, local(MONDAY, 10))
    hall.location.active = False
    db.session.commit()
    assert not hours.open_at(hall.location.id, local(MONDAY, 10))


def moments(day: date, periods) -> list[datetime]:
    """Every quarter hour of the day, and a second either side of each opening and closing."""
    found = [local(day, 0) + timedelta(minutes=15 * n) for n in range(24 * 4)]
    second = timedelta(seconds=1)
    for opens, closes in periods:
        found += [opens - second, opens, closes - second, closes]
    return found


def kiosk_open(hall, moment: datetime) -> bool:
    try:
        tickets.kiosk_check(hall.location.id, hall.service.id, moment)
    except Conflict as refused:
        assert refused.code == "location_closed"
        return False
    return True


def test_booking_and_the_kiosk_agree_at_every_moment(hall):
    """Booking's hours (availability's opening periods from its timetable) and the kiosk's
    (office.hours.open_at, through counter.tickets) are one rule: open at the same moments,
    public holidays (Easter Monday) included."""
    visit = load_visit([hall.service.id])
    plan = Timetable(visit, [hall.location], DAYS[0], DAYS[-1]).plans()[0]
    assert availability.opening_periods(EASTER_MONDAY, plan) == []
    for day in DAYS:
        periods = availability.opening_periods(day, plan)
        for moment in moments(day, periods):
            booking = any(start <= moment < end for start, end in periods)
            assert hours.open_at(hall.location.id, moment) == booking, moment
            assert kiosk_open(hall, moment) == booking, moment
