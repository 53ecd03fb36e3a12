"""CPU per booking in-process: where booking throughput is decided, without wrk's noise.

    .venv/bin/python bench/booking_cpu.py [--bookings 400]

The data of bench/booking.py on a throwaway PostgreSQL; POST /api/v1/appointments through the
Flask test client, one booking after another, each with its own citizen (each request writes
the appointment, the party, the contact moment and the confirmation); then /healthz the same
way. Prints JSON: wall time and this process's CPU time per request (the database's own work
is the difference, roughly). Throughput through gunicorn is bounded by these CPU figures.
"""

import argparse
import gc
import json
import random
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from bench.booking import create_app, seed  # noqa: E402
from core.time import BRUSSELS  # noqa: E402
from extensions import db  # noqa: E402
from tests import services  # noqa: E402


def per_request(client, requests) -> dict:
    """Wall and CPU time per request, and the SQL statements each sent (BEGIN, COMMIT aside)."""
    statuses: dict[int, int] = {}
    statements = []
    with client.application.app_context():
        engine = db.engine
    count_statement = lambda *_args: statements.append(1)  # noqa: E731  (costs ~1 µs a call)
    event.listen(engine, "before_cursor_execute", count_statement)
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        for method, path, body in requests:
            status = client.open(path, method=method, json=body).status_code
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        event.remove(engine, "before_cursor_execute", count_statement)
    count = len(requests)
    return {
        "requests": count,
        "wall_ms": round((time.perf_counter() - wall) * 1000 / count, 2),
        "cpu_ms": round((time.process_time() - cpu) * 1000 / count, 2),
        "statements_per_request": round(len(statements) / count, 1),
        "statuses": statuses,
    }


def booking_requests(client, service_ids) -> list[dict]:
    """A booking body for every free time of five services over a month, each with its own
    citizen, in a fixed random order: few collide, as with citizens choosing apart."""
    first = datetime.now(BRUSSELS).date() + timedelta(days=1)
    bodies = []
    for service_id in service_ids[:5]:
        path = f"/api/v1/services/{service_id}/slots?from={first}&to={first + timedelta(30)}"
        for slot in client.get(path).get_json():
            number = len(bodies)
            bodies.append(
                {
                    "service_id": service_id,
                    "start": slot["start"],
                    "location_id": slot["location_id"],
                    "name": f"Client {number}",
                    "email": f"client{number}@example.be",
                }
            )
    random.Random(1).shuffle(bodies)
    return bodies


@contextmanager
def booking_data(name: str):
    """A throwaway PostgreSQL with the data of bench/booking.py: (url, app, booking bodies)."""
    server = services.start_postgres()
    try:
        url = server.create_database(name)
        service_ids = seed(url)
        app = create_app(
            {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False}
        )
        yield url, app, booking_requests(app.test_client(), service_ids)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=400)
    args = parser.parse_args()
    with booking_data("loket_bench") as (_url, app, bodies):
        client = app.test_client()
        warm, timed = bodies[:30], bodies[30 : 30 + args.bookings]
        per_request(client, [("POST", "/api/v1/appointments", b) for b in warm])
        gc.freeze()  # as gunicorn.conf.py does in every worker
        figures = {
            "booking": per_request(client, [("POST", "/api/v1/appointments", b) for b in timed]),
            "healthz": per_request(client, [("GET", "/healthz", None)] * args.bookings),
        }
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
