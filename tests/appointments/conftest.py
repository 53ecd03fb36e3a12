"""A small municipality to book in: one town hall, three services, three counters."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from core.time import BRUSSELS
from extensions import db
from office import holidays
from office.models import (
    Counter,
    LifeEvent,
    Location,
    OpeningException,
    OpeningPeriod,
    Service,
)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A Brussels wall-clock time as aware UTC, the way the app stores it."""
    return datetime.combine(day, time(hour, minute), tzinfo=BRUSSELS).astimezone(UTC)


def next_weekday(weekday: int, after: date | None = None) -> date:
    """The next such weekday in a week whose working days hold no public holiday: tests book
    on it and on the days around it, and the office is closed on public holidays."""
    day = (after or date.today()) + timedelta(days=1)
    while day.weekday() != weekday or holiday_week(day):
        day += timedelta(days=1)
    return day


def holiday_week(day: date) -> bool:
    monday = day - timedelta(days=day.weekday())
    return any(
        monday + timedelta(days=n) in holidays.days(monday.year, monday.year + 1) for n in range(5)
    )


def tampered(token: str) -> str:
    """The token with its last hex digit changed: always different, whatever the token."""
    return token[:-1] + ("1" if token[-1] == "0" else "0")


class Office:
    """Handles to the rows, by name, so tests read like the municipality talks."""

    def __init__(self):
        self.moving = LifeEvent(
            code="moving", name_nl="Ik verhuis", name_fr="Je déménage", name_en="I am moving"
        )
        self.baby = LifeEvent(
            code="baby",
            name_nl="Ik krijg een kind",
            name_fr="J'attends un enfant",
            name_en="I am having a baby",
        )
        self.town_hall = Location(
            name="Stadhuis", address="Markt 1, 9000 Gent", min_notice_minutes=0, horizon_days=800
        )
        self.id_card = Service(
            name_nl="Identiteitskaart",
            name_fr="Carte d'identité",
            name_en="Identity card",
            duration_minutes=15,
            buffer_minutes=5,
            max_people=4,
            documents_nl="Je oude identiteitskaart\nEen pasfoto",
            documents_en="Your old identity card\nA passport photo",
            life_events=[self.moving],
            locations=[self.town_hall],
        )
        self.address = Service(
            name_nl="Adreswijziging",
            name_fr="Changement d'adresse",
            name_en="Change of address",
            duration_minutes=20,
            max_people=4,
            life_events=[self.moving],
            locations=[self.town_hall],
        )
        self.birth = Service(
            name_nl="Aangifte geboorte",
            name_fr="Déclaration de naissance",
            name_en="Birth registration",
            duration_minutes=30,
            life_events=[self.baby],
            locations=[self.town_hall],
        )
        self.desk_1 = Counter(
            name="Loket 1", location=self.town_hall, services=[self.id_card, self.address]
        )
        self.desk_2 = Counter(
            name="Loket 2", location=self.town_hall, services=[self.id_card, self.address]
        )
        self.desk_3 = Counter(name="Loket 3", location=self.town_hall, services=[self.birth])
        for weekday in range(5):
            self.town_hall.opening_periods.append(
                OpeningPeriod(weekday=weekday, opens=time(8, 30), closes=time(12, 0))
            )
            self.town_hall.opening_periods.append(
                OpeningPeriod(weekday=weekday, opens=time(13, 0), closes=time(16, 0))
            )

    def open_on(self, day: date, opens: time, closes: time) -> None:
        self.town_hall.exceptions.append(OpeningException(day=day, opens=opens, closes=closes))

    def close_on(self, day: date) -> None:
        self.town_hall.exceptions.append(OpeningException(day=day, closed=True, reason="Feest"))


@pytest.fixture
def office(app):
    made = Office()
    db.session.add_all([made.town_hall, made.id_card, made.address, made.birth])
    db.session.add_all([made.desk_1, made.desk_2, made.desk_3])
    db.session.commit()
    return made
