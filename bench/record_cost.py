"""What recording a booking in the case record costs: in the booking's transaction, or later.

    .venv/bin/python bench/record_cost.py [--bookings 300]

For the open question of issue 4 (booking throughput against /healthz): is recording cheaper
when it is taken out of the booking request and done afterwards, a hundred at a time? The data
of bench/booking.py on a throwaway PostgreSQL, in-process (Flask test client):

  - bare bookings: the party and the record entry left out (both stubbed for this run only);
  - the same appointments recorded afterwards, through appointments/case_record.py as it is,
    a hundred per transaction;
  - full bookings, as Loket makes them;
  - /healthz.

Prints JSON: this process's CPU, PostgreSQL's CPU (from /proc) and wall time per item, in ms.
"""

import argparse
import gc
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from appointments import case_record  # noqa: E402
from appointments.models import Appointment  # noqa: E402
from bench.booking import cpu_seconds  # noqa: E402
from bench.booking_cpu import booking_data  # noqa: E402
from desk import record  # noqa: E402
from extensions import db  # noqa: E402

BATCH = 100


def measured(count: int, action) -> dict:
    python, postgres, wall = time.process_time(), cpu_seconds()["postgres"], time.perf_counter()
    action()
    return {
        "python_ms": round((time.process_time() - python) * 1000 / count, 2),
        "postgres_ms": round((cpu_seconds()["postgres"] - postgres) * 1000 / count, 2),
        "wall_ms": round((time.perf_counter() - wall) * 1000 / count, 2),
    }


def post_all(client, bodies: list[dict], statuses: dict) -> None:
    for body in bodies:
        status = client.post("/api/v1/appointments", json=body).status_code
        statuses[status] = statuses.get(status, 0) + 1


def unrecorded() -> list[int]:
    """The bookings made during the run (above the seeded 5,000) that have no party yet."""
    return db.session.scalars(
        select(Appointment.id).where(Appointment.party_id.is_(None), Appointment.id > 5000)
    ).all()


def record_later(ids: list[int]) -> None:
    """Record them through case_record.py as it is, a hundred per transaction."""
    for first in range(0, len(ids), BATCH):
        with record.transaction():
            batch = select(Appointment).where(Appointment.id.in_(ids[first : first + BATCH]))
            for appointment in db.session.scalars(batch):
                case_record.note_booking(appointment, "booked")
        db.session.expunge_all()


class _NoParty:
    id = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=300)
    count = parser.parse_args().bookings
    with booking_data("loket_record_cost") as (_url, app, bodies):
        client = app.test_client()
        statuses: dict[int, int] = {}
        post_all(client, bodies[:30], statuses)  # warm-up
        gc.freeze()  # as gunicorn.conf.py does in every worker
        bare, full = bodies[30 : 30 + count], bodies[30 + count : 30 + 2 * count]
        note_booking, citizen_party = case_record.note_booking, case_record.citizen_party
        case_record.note_booking = lambda *_args, **_kwargs: db.session.commit()
        case_record.citizen_party = lambda *_args: _NoParty
        try:
            figures = {"bare_booking": measured(count, lambda: post_all(client, bare, statuses))}
        finally:
            case_record.note_booking, case_record.citizen_party = note_booking, citizen_party
        with app.app_context():
            ids = unrecorded()
            figures["recorded_later"] = measured(len(ids), lambda: record_later(ids))
            assert not unrecorded()
        figures["full_booking"] = measured(count, lambda: post_all(client, full, statuses))
        healthz = lambda: [client.get("/healthz") for _ in range(count)]  # noqa: E731
        figures["healthz"] = measured(count, healthz)
        figures.update(statuses=statuses, recorded_later_count=len(ids))
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
