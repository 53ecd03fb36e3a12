"""A service the suite needs (PostgreSQL, Redis, Chromium) that is missing: a skip with what
to install on a laptop, a failure in CI, so a missing service never passes CI unnoticed."""

import pytest

from tests.conftest import unavailable


def test_a_missing_service_fails_the_run_in_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        unavailable("Redis is not installed: apt-get install redis-server")


@pytest.mark.parametrize("ci", ["", "false"])
def test_a_missing_service_is_skipped_on_a_laptop(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="apt-get install redis-server"):
        unavailable("Redis is not installed: apt-get install redis-server")
