"""Instructions per booking, per /healthz and per slots request, counted by valgrind: the same
figure at any hour.

    .venv/bin/python bench/booking_instructions.py [--bookings 100] [--repo PATH]

CPU time on these shared machines varies by a factor of two from hour to hour, so a change of
a few percent on the booking path cannot be seen in it; an instruction count can (repeat runs
agree within 0.5%). The data of bench/booking.py on a throwaway PostgreSQL; the app runs
in-process under callgrind: a warm-up uncounted, then the bookings through the Flask test
client (each its own citizen, each recorded and confirmed in its request), then as many
/healthz, then the slot requests bench/booking.py times (one service, 60 days and one day),
each phase counted apart. Only this process is counted, not PostgreSQL, and only in user
space: a database round trip saved counts for less here than in CPU time (the kernel's send,
receive and wake-up are not seen). `--repo` measures another checkout (a git worktree of an
older commit) with this script, for A/B comparisons; one from before the one booking write
path, whose citizens' bookings the scheduler's recorder recorded afterwards, gets the
recorder's share counted apart (`instructions_per_booking_recorded_millions`,
`booking_and_recording_to_healthz`), to compare with one booking request now. Needs
valgrind and a C compiler (apt: valgrind gcc): a two-line shim switches the counting on and
off.
"""

import argparse
import json
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 30
SLOT_REQUESTS = (("60_days", 60, 20), ("1_day", 1, 100))  # (name, days asked, requests counted)


def slots_path(service_id: int, days: int) -> str:
    first = datetime.now(ZoneInfo("Europe/Brussels")).date() + timedelta(days=1)
    while first.weekday() >= 5:
        first += timedelta(days=1)
    last = first + timedelta(days=days - 1)
    return f"/api/v1/services/{service_id}/slots?from={first}&to={last}"


def counted(repo: Path, url: str, bodies: list[dict], shim: Path) -> None:
    """Runs under valgrind, in `repo`: the counted phases, each dumped to its own file."""
    import ctypes
    import gc

    sys.path.insert(0, str(repo))
    from app import create_app

    try:  # a checkout from before the one booking write path
        from appointments.recorder import record_waiting_bookings
    except ImportError:
        record_waiting_bookings = None

    app = create_app(
        {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False}
    )
    client = app.test_client()
    for body in bodies[:WARM_UP]:
        client.post("/api/v1/appointments", json=body)
        client.get("/healthz")
    if record_waiting_bookings:
        with app.app_context():
            record_waiting_bookings()
    gc.freeze()  # as gunicorn.conf.py does in every worker
    counter = ctypes.CDLL(str(shim))
    timed = bodies[WARM_UP:]
    statuses: dict[int, int] = {}
    counter.count_from_here()
    for body in timed:
        status = client.post("/api/v1/appointments", json=body).status_code
        statuses[status] = statuses.get(status, 0) + 1
    counter.count_to_here()
    if record_waiting_bookings:
        with app.app_context():  # the scheduler's share: one run records them all, in batches
            counter.count_from_here()
            statuses["recorded"] = record_waiting_bookings()
            counter.count_to_here()
    counter.count_from_here()
    for _ in timed:
        client.get("/healthz")
    counter.count_to_here()
    service_id = sorted(s["id"] for s in client.get("/api/v1/services").get_json())[1]
    for _name, days, count in SLOT_REQUESTS:  # as bench/booking.py asks them
        path = slots_path(service_id, days)
        for _ in range(5):
            client.get(path)
        counter.count_from_here()
        for _ in range(count):
            client.get(path)
        counter.count_to_here()
    print(json.dumps(statuses))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=100)
    parser.add_argument("--repo", type=Path, default=ROOT)
    parser.add_argument("--counted", nargs=3, help=argparse.SUPPRESS)  # url bodies shim
    args = parser.parse_args()
    if args.counted:
        url, bodies, shim = args.counted
        counted(args.repo.resolve(), url, json.loads(Path(bodies).read_text()), Path(shim))
        return

    sys.path.insert(0, str(ROOT))
    from bench import callgrind
    from bench.booking_cpu import booking_data

    folder = Path(tempfile.mkdtemp(prefix="loket-instructions-"))
    shim = callgrind.counter(folder)
    with booking_data("loket_instructions") as (url, _app, bodies):
        (folder / "bodies.json").write_text(json.dumps(bodies[: WARM_UP + args.bookings]))
        argv = [__file__, "--repo", str(args.repo), "--counted", url]
        totals, printed = callgrind.run(
            folder, [*argv, str(folder / "bodies.json"), str(shim)], cwd=args.repo
        )
        statuses = json.loads(printed.splitlines()[-1])
        recorded = "recorded" in statuses
        booking, recording = totals[0], totals[1] if recorded else 0
        healthz, *slots = totals[2 if recorded else 1 :]
        recorder_share = {
            "instructions_per_booking_recorded_millions": round(
                recording / statuses["recorded"] / 1e6, 2
            ),
            "booking_and_recording_to_healthz": round((booking + recording) / healthz, 2),
        } if recorded else {}  # fmt: skip
        per_slots_request = {
            f"instructions_per_slots_{name}_millions": round(total / count / 1e6, 2)
            for (name, _days, count), total in zip(SLOT_REQUESTS, slots, strict=True)
        }
        print(
            json.dumps(
                {
                    "repo": str(args.repo),
                    "bookings": args.bookings,
                    "statuses": statuses,
                    "instructions_per_booking_millions": round(booking / args.bookings / 1e6, 2),
                    **recorder_share,
                    "instructions_per_healthz_millions": round(healthz / args.bookings / 1e6, 2),
                    "booking_to_healthz": round(booking / healthz, 2),
                    **per_slots_request,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
