"""A town hall open around the clock (so the chat is staffed whenever the tests run), and an
agent."""

import pytest

from desk.models import Role
from extensions import db
from tests.counter.conftest import Town


@pytest.fixture
def town(app):
    town = Town()
    db.session.add(town.hall)
    db.session.commit()
    return town


@pytest.fixture
def staff(app, make_staff):
    return make_staff("agent@example.org", role=Role.CALL_AGENT, name="Eva Agent")
