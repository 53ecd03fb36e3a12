"""A real coturn for the video tests, started once per session on loopback."""

import pytest

from tests import services
from tests.conftest import unavailable


@pytest.fixture(scope="session")
def coturn():
    try:
        server = services.start_coturn()
    except services.ServiceUnavailable as missing:
        unavailable(str(missing))
    yield server
    server.stop()
