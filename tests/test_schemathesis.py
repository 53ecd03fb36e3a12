"""Schemathesis against the whole of /api/v1 (issue 16, 19): no input, however odd, is a 500.

The app runs as in production (gunicorn, tests.production_server) on SQLite with the demo data,
rate limits off so that the run cannot turn flaky; the schemathesis command line then generates
requests from /api/v1/openapi.json for every operation, public and staff (with an admin's API
token), with every check. The answer that must never come is a server error (ST101). The other
checks' findings (a past date refused for a schema-valid one, say) are printed for whoever reads
the output; what was cheap and real among them is fixed. The seed is fixed: the same requests
each run.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.production_server import ProductionServer

SEED = 16019
MAX_EXAMPLES = 40
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


def prepared_database(tmp_path) -> tuple[str, str]:
    """A SQLite database migrated and seeded as `make run` does, and a demo admin's token."""
    from flask_migrate import upgrade

    from app import create_app
    from extensions import db

    url = f"sqlite:///{tmp_path / 'loket.db'}"
    app = create_app({"SECRET_KEY": "schemathesis", "SQLALCHEMY_DATABASE_URI": url})
    runner = app.test_cli_runner()
    with app.app_context():
        upgrade()
        assert runner.invoke(args=["seed-demo"]).exit_code == 0
        made = runner.invoke(args=["create-api-token", "admin@loket.demo"])
        assert made.exit_code == 0, made.output
        db.engine.dispose()
    return url, made.output.strip().splitlines()[-1]


@pytest.mark.slow
def test_no_request_schemathesis_makes_is_answered_with_a_server_error(tmp_path):
    if not SCHEMATHESIS.exists():
        pytest.fail("schemathesis is not installed: pip install -e '.[test]'")
    url, token = prepared_database(tmp_path)
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": "schemathesis",
        "LOKET_INSTANCE_PATH": str(tmp_path),
        "LOKET_RATELIMIT_ENABLED": "false",
    }
    log = (tmp_path / "server.log").open("w")
    server = ProductionServer(env, connections=100, log=log)
    report = tmp_path / "report.json"
    try:
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "run",
                f"{server.url}/api/v1/openapi.json",
                "--checks",
                "all",
                "--header",
                f"Authorization: Bearer {token}",
                "--max-examples",
                str(MAX_EXAMPLES),
                "--seed",
                str(SEED),
                "--workers",
                "1",
                "--continue-on-failure",
                "--generation-database",
                "none",
                "--request-timeout",
                "30",
                "--no-color",
                "--report",
                "json",
                "--report-json-path",
                str(report),
            ],
            cwd=tmp_path,
            env={**os.environ, "NO_COLOR": "1"},
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        server.stop()
        log.close()
    print(run.stdout[-20000:])  # every finding, for whoever reads a failure
    summary = json.loads(report.read_text())
    server_errors = [f for f in summary["failures"] if f["code"] == "ST101"]
    assert server_errors == [], (server_errors, (tmp_path / "server.log").read_text()[-5000:])
    assert summary["errors"] == [], run.stdout[-5000:]
    operations = summary["operations"]
    assert operations["tested"] == operations["selected"] == operations["total"] >= 9
    assert operations["errored"] == operations["skipped"] == 0
    assert summary["test_cases"]["generated"] >= operations["total"] * 10
