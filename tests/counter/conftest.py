"""A town hall with a kiosk, open around the clock (public holidays too) so tests never depend
on the hour or the day they run."""

import secrets
from datetime import datetime, time, timedelta

import pytest
import time_machine

from appointments.models import Appointment
from core.database import utcnow
from core.time import BRUSSELS
from counter.models import CounterServiceSetting
from desk import accounts
from desk.models import Role
from extensions import db
from office import holidays
from office.models import Counter, LifeEvent, Location, OpeningException, OpeningPeriod, Service


class Town:
    def __init__(self):
        self.moving = LifeEvent(code="moving", name_nl="Ik verhuis", name_en="I am moving")
        self.hall = Location(name="Stadhuis", min_notice_minutes=0)
        self.closed_office = Location(name="Deelgemeente", min_notice_minutes=0)
        self.id_card = Service(
            name_nl="Identiteitskaart",
            name_en="Identity card",
            duration_minutes=10,
            locations=[self.hall, self.closed_office],
            life_events=[self.moving],
        )
        self.address = Service(
            name_nl="Adreswijziging",
            name_en="Change of address",
            duration_minutes=20,
            locations=[self.hall],
            life_events=[self.moving],
        )
        self.desk_1 = Counter(
            name="Loket 1", location=self.hall, services=[self.id_card, self.address]
        )
        self.desk_2 = Counter(
            name="Loket 2", location=self.hall, services=[self.id_card, self.address]
        )
        self.desk_3 = Counter(name="Loket 3", location=self.hall, services=[self.address])
        for weekday in range(7):
            self.hall.opening_periods.append(
                OpeningPeriod(weekday=weekday, opens=time(0, 0), closes=time(23, 59, 59))
            )
        today = datetime.now(BRUSSELS).date()
        for day in holidays.days(today.year - 1, today.year + 1):
            if abs((day - today).days) <= 1:  # a public holiday closes it: an exception opens it
                self.hall.exceptions.append(
                    OpeningException(day=day, opens=time(0, 0), closes=time(23, 59, 59))
                )

    def counters(self, count: int) -> list[Counter]:
        """More counters serving both services, for races."""
        made = [
            Counter(name=f"Loket {n}", location=self.hall, services=[self.id_card, self.address])
            for n in range(10, 10 + count)
        ]
        db.session.add_all(made)
        db.session.commit()
        return made


@pytest.fixture
def town(app):
    made = Town()
    db.session.add_all([made.hall, made.closed_office, made.id_card, made.address])
    db.session.add_all([made.desk_1, made.desk_2, made.desk_3])
    db.session.flush()
    db.session.add(CounterServiceSetting(service_id=made.id_card.id, letter="A"))
    db.session.add(CounterServiceSetting(service_id=made.address.id, letter="B"))
    db.session.commit()
    return made


@pytest.fixture
def local_midday():
    """Today at noon in Brussels, the clock running on from there. A check-in refuses another
    day's appointment, so visits minutes or hours from now must stay on today's date whatever
    the hour the suite runs (at 22:30, "in two hours" is tomorrow)."""
    noon = datetime.combine(datetime.now(BRUSSELS).date(), time(12), tzinfo=BRUSSELS)
    with time_machine.travel(noon, tick=True):
        yield noon


@pytest.fixture
def make_appointment(town, local_midday):
    """A booked visit at the town hall, `minutes` from now (negative: in the past), today."""

    def factory(minutes=0, service=None, location=None, reference=None):
        start = utcnow() + timedelta(minutes=minutes)
        place = location or town.hall
        # Its own booking counter each, so the test's visits never overlap on one counter.
        held = Counter(name=f"Boeking {secrets.token_hex(2)}", location=place, active=False)
        appointment = Appointment(
            reference=reference
            or f"{secrets.token_hex(2).upper()[:3]}-{secrets.randbelow(900) + 100}",
            location=place,
            counter=held,
            starts_at=start,
            ends_at=start + timedelta(minutes=20),
            blocked_until=start + timedelta(minutes=20),
            name="An Janssens",
            phone="+32470123456",
            manage_nonce=secrets.token_hex(8),
            manage_token_expires_at=start + timedelta(days=30),
            services=[service or town.address],
        )
        db.session.add(appointment)
        db.session.commit()
        return appointment

    return factory


@pytest.fixture
def counter_token(make_staff):
    """A personal API token of a counter staff member (or of `role`)."""

    def factory(role=Role.COUNTER, email=None):
        staff = make_staff(email or f"{role.value}-{secrets.token_hex(3)}@example.org", role=role)
        token = accounts.create_api_token(staff)
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return factory


@pytest.fixture
def kiosk(town):
    """The town hall's registered kiosk: `.headers` as kiosk hardware sends them, `.cookie` as
    a paired kiosk browser holds it (`pair(client)`), `.code` its unused pairing code."""
    from counter import kiosks

    made, token, code = kiosks.register(name="Inkom", location_id=town.hall.id)
    made.token, made.code = token, code
    made.headers = {kiosks.HEADER: token}

    def pair(client):
        with client.application.app_context():
            value = kiosks.cookie_for(made)
        client.set_cookie(kiosks.COOKIE, value, path=kiosks.COOKIE_PATH)
        return client

    made.pair = pair
    return made
