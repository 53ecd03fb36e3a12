"""The video tests' set-up: a real coturn (once per session, on loopback), a town hall whose chat
is always staffed, and a municipality that offers advice by video."""

from datetime import time

import pytest

from extensions import db
from office.models import Counter, Location, LocationKind, OpeningPeriod, Service
from tests import services
from tests.conftest import unavailable
from tests.counter.conftest import Town


@pytest.fixture(scope="session")
def coturn():
    try:
        server = services.start_coturn()
    except services.ServiceUnavailable as missing:
        unavailable(str(missing))
    yield server
    server.stop()


@pytest.fixture
def open_town(app):
    """A town hall open around the clock: the chat is staffed whenever the tests run."""
    town = Town()
    db.session.add(town.hall)
    db.session.commit()
    return town


@pytest.fixture
def video_office(app):
    online = Location(name="Videoloket", kind=LocationKind.ONLINE, min_notice_minutes=0,
                      horizon_days=800)  # fmt: skip
    town_hall = Location(name="Stadhuis", address="Markt 1", min_notice_minutes=0,
                         horizon_days=800)  # fmt: skip
    advice = Service(name_nl="Bouwadvies", name_fr="Conseil", name_en="Building advice",
                     duration_minutes=30, locations=[online, town_hall])  # fmt: skip
    for place in (online, town_hall):
        db.session.add(Counter(name=f"Bureau {place.name}", location=place, services=[advice]))
        for weekday in range(5):
            place.opening_periods.append(
                OpeningPeriod(weekday=weekday, opens=time(9, 0), closes=time(16, 0))
            )
    db.session.add_all([online, town_hall, advice])
    db.session.commit()
    return online, town_hall, advice
