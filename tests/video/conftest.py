"""A real coturn for the video tests, started once per session on loopback."""

import pytest

from extensions import db
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
