"""Booking benchmark: prints JSON figures.

Data: 20 services, 3 locations, 15 counters, hours five days a week, a 60-day horizon and 5,000
existing appointments. Served by gunicorn on loopback; the load generators (Python for latency,
wrk for throughput) run on the same machine. Measures:
  - GET slots for one service over 60 days and over one day: p50/p95 (sequential requests);
  - POST /api/v1/appointments with 50 concurrent clients (wrk), on PostgreSQL and on SQLite,
    each candidate time with its own citizen (name, e-mail), and the number of double
    bookings afterwards (must be 0);
  - GET /healthz with the same 50 clients on the same server, as the baseline.
Every booking is recorded in its own request: the appointment, the citizen's party, the
"booked" contact moment and the confirmation in the outbox commit together, so a booking
answered 201 is complete, and the counts of bookings left unrecorded or unconfirmed (checked
after each round) must be 0. Sending the confirmations is the outbox sender's work
(bench/sms.py): by default no scheduler runs; `--scheduler-jobs all` (or a list of job names)
runs it beside gunicorn, as in production, with its CPU counted.
Throughput is measured in rounds (a /healthz run, then a booking run, from the seeded data
each time); the median round is reported, and every round's ratio beside it.

    .venv/bin/python bench/booking.py [--seconds 10] [--rounds 3] [--workers 4]
        [--worker-class sync] [--only postgresql|sqlite] [--scheduler-jobs none|all|NAMES]
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import requests
from sqlalchemy import insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from appointments.models import Appointment, appointment_service  # noqa: E402
from core.time import BRUSSELS  # noqa: E402
from desk.models import Interaction  # noqa: E402
from extensions import db  # noqa: E402
from office.models import Counter, Location, OpeningPeriod, Service  # noqa: E402
from sms.models import MessageStatus, OutboxMessage  # noqa: E402
from tests import services  # noqa: E402

WRK_SCRIPT = """
local bodies = {}
for line in io.lines(os.getenv("BENCH_BODIES")) do bodies[#bodies + 1] = line end
local threads = {}
created, taken, other = 0, 0, 0
function setup(thread) table.insert(threads, thread) end
function init(args) math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000) end
function request()
  return wrk.format("POST", "/api/v1/appointments",
    {["Content-Type"] = "application/json"}, bodies[math.random(#bodies)])
end
function response(status, headers, body)
  if status == 201 then created = created + 1
  elseif status == 409 then taken = taken + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local c, t, o = 0, 0, 0
  for _, thread in ipairs(threads) do
    c = c + thread:get("created"); t = t + thread:get("taken"); o = o + thread:get("other")
  end
  io.write(string.format("BENCH %d %d %d\\n", c, t, o))
end
"""

OVERLAPS = text(
    "SELECT count(*) FROM appointment a JOIN appointment b ON a.id < b.id "
    "AND a.counter_id = b.counter_id AND a.starts_at < b.blocked_until "
    "AND b.starts_at < a.blocked_until WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'"
)


def seed(url: str) -> list[int]:
    """Schema by the migrations, then the data set; returns the service ids."""
    from flask_migrate import upgrade

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    rng = random.Random(42)
    with app.app_context():
        upgrade()
        locations = []
        for n in range(3):
            place = Location(
                name=f"Locatie {n + 1}", min_notice_minutes=0, horizon_days=60, walk_in_percent=0
            )
            place.opening_periods = [
                OpeningPeriod(weekday=d, opens=o, closes=c)
                for d in range(5)
                for o, c in ((clock(8, 30), clock(12)), (clock(13), clock(16, 30)))
            ]
            locations.append(place)
        servs = [
            Service(
                name_nl=f"Dienst {n + 1}",
                duration_minutes=rng.choice([10, 15, 20, 30]),
                buffer_minutes=rng.choice([0, 5]),
                locations=locations,
            )
            for n in range(20)
        ]
        counters = [
            Counter(
                name=f"Loket {n + 1}",
                location=locations[n % 3],
                services=[s for i, s in enumerate(servs) if (i + n) % 3 != 0],
            )
            for n in range(15)
        ]
        db.session.add_all(locations + servs + counters)
        db.session.commit()
        now = datetime.now(UTC)
        today = now.astimezone(BRUSSELS).date()
        rows, links = [], []
        quarters = [
            datetime.combine(today + timedelta(days=d), clock(8, 30), tzinfo=BRUSSELS)
            + timedelta(minutes=15 * q)
            for d in range(1, 61)
            if (today + timedelta(days=d)).weekday() < 5
            for q in range(28)
            if not 14 <= q < 18
        ]
        places = [(c.id, c.location_id) for c in counters]
        chosen = rng.sample([(c, q) for c in places for q in quarters[::2]], 5000)
        for number, ((counter_id, location_id), start) in enumerate(chosen, 1):
            start = start.astimezone(UTC)
            rows.append(
                {
                    "id": number,
                    "reference": f"B{number:06d}",
                    "location_id": location_id,
                    "counter_id": counter_id,
                    "starts_at": start,
                    "ends_at": start + timedelta(minutes=15),
                    "blocked_until": start + timedelta(minutes=25),
                    "people": 1,
                    "status": "booked",
                    "name": "Bench",
                    "language": "nl",
                    "channel": "web",
                    "manage_nonce": "x",
                    "manage_token_expires_at": start + timedelta(days=30),
                    "sequence": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            links.append({"appointment_id": number, "service_id": servs[0].id})
        db.session.execute(insert(Appointment), rows)
        db.session.execute(insert(appointment_service), links)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SELECT setval('appointment_id_seq', 5000)"))
            db.session.execute(text("ANALYZE"))
        db.session.commit()
        ids = [s.id for s in servs]
        db.engine.dispose()
    return ids


def serve(url: str, workers: int, worker_class: str = "sync"):
    """gunicorn on loopback: (process, base URL, its environment)."""
    port = services.free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "LOKET_RATELIMIT_ENABLED": "false",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--no-control-socket",
            "-w",
            str(workers),
            "-k",
            worker_class,
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "app:create_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                return process, base, env
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


class Scheduler:
    """The scheduler process (`jobs`: names, or all when empty), running beside gunicorn for
    the whole run, as in production."""

    def __init__(self, env: dict, jobs: list[str]):
        options = [argument for name in jobs for argument in ("--job", name)]
        self.process = subprocess.Popen(
            [str(ROOT / ".venv/bin/flask"), "--app", "app", "scheduler", *options],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        started = self.process.stdout.readline()  # "scheduler: <jobs>" once they are set up
        if not started.startswith("scheduler:"):
            self.stop()
            raise RuntimeError(f"the scheduler did not start: {started!r}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def waited_for(left, what: str, pause: float, limit: float = 300) -> float:
    """Seconds until `left()` (a count, read in a fresh transaction each time) is 0."""
    started = time.perf_counter()
    while left():
        db.session.rollback()
        if time.perf_counter() - started > limit:
            raise RuntimeError(f"{what} did not finish within {limit} s")
        time.sleep(pause)
    db.session.rollback()
    return time.perf_counter() - started


def outbox_sent() -> None:
    """Wait until no message waits for the sender, and one more sender interval: after that the
    scheduler is idle (nothing new is due) until the next bookings."""
    waiting = (
        select(db.func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status.in_([MessageStatus.QUEUED, MessageStatus.SENDING]))
    )
    waited_for(lambda: db.session.scalar(waiting), "the outbox sender", pause=0.2)
    time.sleep(6)


def percentiles(values: list[float]) -> dict:
    values = sorted(values)
    return {
        "p50_ms": round(statistics.median(values), 2),
        "p95_ms": round(values[int(len(values) * 0.95) - 1], 2),
        "requests": len(values),
    }


def latency(base: str, service_id: int, days: int, count: int) -> dict:
    session = requests.Session()
    first = datetime.now(BRUSSELS).date() + timedelta(days=1)
    while first.weekday() >= 5:
        first += timedelta(days=1)
    last = first + timedelta(days=days - 1)
    url = f"{base}/api/v1/services/{service_id}/slots?from={first}&to={last}"
    # Steady state: every worker (round-robin by the kernel, so a few requests each) has
    # compiled its statements and filled its caches before the clock runs.
    for _ in range(40):
        assert session.get(url).status_code == 200
    timings, size = [], 0
    for _ in range(count):
        started = time.perf_counter()
        response = session.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        size = len(response.json())
    return {**percentiles(timings), "slots_returned": size}


def cpu_seconds() -> dict[str, float]:
    """CPU time used so far by the gunicorn, scheduler and PostgreSQL processes (from /proc):
    where the two cores went during a run, per request."""
    tick, used = os.sysconf("SC_CLK_TCK"), {"gunicorn": 0.0, "scheduler": 0.0, "postgres": 0.0}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        kinds = [kind for kind in used if kind in command]
        kind = kinds[0] if kinds else ""
        if kind:
            used[kind] += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return used


def wrk(base, path, seconds, script=None, env=None) -> dict:
    """wrk's figures, with CPU per request."""
    before = cpu_seconds()
    command = ["wrk", "-t2", "-c50", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    result = subprocess.run(
        command + [base + path],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=True,
    )
    out = result.stdout
    rate = float(
        next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec"))
    )
    figures = {"requests_per_second": round(rate, 1)}
    after = cpu_seconds()
    for kind in after:  # CPU milliseconds per request, summed over the processes of each kind
        used = (after[kind] - before[kind]) * 1000 / (rate * seconds)
        figures[f"{kind}_cpu_ms_per_request"] = round(used, 2)
    for line in out.splitlines():
        if line.startswith("BENCH"):
            created, taken, other = (int(v) for v in line.split()[1:])
            figures.update(
                created=created,
                taken_409=taken,
                other_status=other,
                bookings_per_second=round(created / seconds, 1),
            )
    return figures


def booking_bodies(base: str, service_ids: list[int], path: Path) -> int:
    first = datetime.now(BRUSSELS).date() + timedelta(days=1)
    lines = []
    for service_id in service_ids[:5]:
        last = first + timedelta(days=30)
        slots = requests.get(
            f"{base}/api/v1/services/{service_id}/slots?from={first}&to={last}", timeout=30
        ).json()
        for slot in slots:
            lines.append(
                json.dumps(
                    {
                        "service_id": service_id,
                        "start": slot["start"],
                        "location_id": slot["location_id"],
                        # One citizen per candidate time: with the case record connected,
                        # every booking finds or creates its party, and thousands of
                        # bookings under one shared address measure the record's duplicate
                        # suggestions instead of booking.
                        "name": f"Wrk Client {len(lines)}",
                        "email": f"wrk{len(lines)}@example.be",
                    }
                )
            )
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


# Written by the bookings of a round, children first: deleted again before the next round.
ROUND_TABLES = (
    "sms_dev_message",
    "sms_message",
    "interaction",
    "appointment",
    "contact_address",
    "party_identifier",
    "duplicate_suggestion",  # the same candidate's citizen booking a second counter
    "party",
)


def run_backend(
    name: str,
    url: str,
    seconds: int,
    workers: int,
    folder: Path,
    worker_class: str = "sync",
    rounds: int = 3,
    scheduler_jobs: list[str] | None = None,
) -> dict:
    """Slot latencies, then `rounds` of /healthz and booking throughput, alternating.

    One wrk run of ten seconds moves by 15% from run to run on these machines, so each round
    pairs a /healthz run with the booking run right after it, and the median round is the
    figure. Every round starts from the seeded data: what the round before booked is checked
    (double bookings, bookings missing from the case record or without their confirmation)
    and then deleted, once the scheduler (if it runs the sender) has sent what it queued.
    `scheduler_jobs`: None for no scheduler, [] for all its jobs, or their names.
    """
    service_ids = seed(url)
    between_rounds = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    process, base, env = serve(url, workers, worker_class)
    script = folder / "booking.lua"
    script.write_text(WRK_SCRIPT)
    bodies = folder / f"bodies-{name}.jsonl"
    running_scheduler = None
    try:
        figures = {
            "slots_60_days": latency(base, service_ids[1], 60, 200),
            "slots_1_day": latency(base, service_ids[1], 1, 500),
            "booking_candidates": booking_bodies(base, service_ids, bodies),
        }
        played = []
        if scheduler_jobs is not None:
            running_scheduler = Scheduler(env, scheduler_jobs)
        sends = scheduler_jobs is not None and (
            not scheduler_jobs or "sms.send_outbox" in scheduler_jobs
        )
        with between_rounds.app_context():
            if sends:  # its first pass sends the seeded appointments' reminders: not a round's
                outbox_sent()
            marks = id_marks()
        for _round in range(rounds):
            with between_rounds.app_context():
                healthz = wrk(base, "/healthz", seconds)
                booking = wrk(
                    base, "/api/v1/appointments", seconds, script, {"BENCH_BODIES": str(bodies)}
                )
            ratio = booking["requests_per_second"] / healthz["requests_per_second"]
            booking["ratio_to_healthz"] = round(ratio, 3)
            with between_rounds.app_context():
                played.append({"healthz": healthz, "booking": booking, **checked(marks)})
                if sends:
                    outbox_sent()  # the sender is done with the rows about to be deleted
            with between_rounds.app_context():  # a fresh transaction: SQLite's reader can't write
                reset(marks)
    finally:
        process.terminate()
        process.wait(timeout=30)
        if running_scheduler:
            running_scheduler.stop()
        with between_rounds.app_context():
            db.engine.dispose()
    key = "ratio_to_healthz"
    ratios = sorted(r["booking"][key] for r in played)
    median = next(r for r in played if r["booking"][key] == ratios[rounds // 2])
    figures.update(
        healthz=median["healthz"],
        booking=median["booking"],
        ratio_to_healthz_per_round=[r["booking"][key] for r in played],
        double_bookings=sum(r["double_bookings"] for r in played),
        booked_but_unrecorded=sum(r["booked_but_unrecorded"] for r in played),
        booked_but_unconfirmed=sum(r["booked_but_unconfirmed"] for r in played),
    )
    return figures


def checked(marks: dict[str, int]) -> dict:
    """What a round left behind: overlapping appointments, bookings made during it that lack
    their party link or interaction in the case record, or their confirmation in the outbox.
    All must be 0: a booking commits with its record entry and confirmation, or not at all.
    A request still running when wrk stopped (a retry after "database is locked" waits up to
    ¾ s) gets the time to finish before the count."""
    time.sleep(1)
    booked = Appointment.id > marks["appointment"]
    recorded = select(Interaction.subject_id).where(Interaction.subject_type == "appointment")
    unrecorded = booked & (Appointment.party_id.is_(None) | Appointment.id.not_in(recorded))
    confirmed = select(OutboxMessage.link_id).where(
        OutboxMessage.link_type == "appointment", OutboxMessage.idempotency_key.like("booked:%")
    )
    unconfirmed = booked & Appointment.id.not_in(confirmed)
    count = lambda where: db.session.scalar(  # noqa: E731
        select(db.func.count()).select_from(Appointment).where(where)
    )
    return {
        "double_bookings": db.session.execute(OVERLAPS).scalar(),
        "booked_but_unrecorded": count(unrecorded),
        "booked_but_unconfirmed": count(unconfirmed),
    }


def id_marks() -> dict[str, int]:
    """The highest id of each table a booking writes to, as seeded."""
    return {
        table: db.session.scalar(text(f"SELECT coalesce(max(id), 0) FROM {table}"))
        for table in ROUND_TABLES
    }


def reset(marks: dict[str, int]) -> None:
    """Delete what a round wrote, so that the next one books into the seeded data again."""
    mark = {"appointment": marks["appointment"]}
    db.session.execute(
        text("DELETE FROM appointment_service WHERE appointment_id > :appointment"), mark
    )
    for table in ROUND_TABLES:
        db.session.execute(text(f"DELETE FROM {table} WHERE id > :mark"), {"mark": marks[table]})
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.execute(text("VACUUM ANALYZE"))


def python_loop_seconds() -> float:
    """A fixed piece of pure Python, timed: how fast this machine is right now. Shared virtual
    machines vary by a factor of two from hour to hour; compare runs only at similar values."""
    started, total = time.perf_counter(), 0
    for number in range(10_000_000):
        total += number
    return round(time.perf_counter() - started, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync", help="gunicorn -k: sync, gthread, gevent")
    parser.add_argument("--only", choices=["postgresql", "sqlite"])
    parser.add_argument("--rounds", type=int, default=3, help="healthz/booking pairs (median)")
    parser.add_argument(
        "--scheduler-jobs",
        default="none",
        help="comma-separated jobs the scheduler runs beside gunicorn, all, or none (no scheduler)",
    )
    args = parser.parse_args()
    chosen = args.scheduler_jobs
    jobs = None if chosen == "none" else [] if chosen == "all" else chosen.split(",")
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    folder = Path(tempfile.mkdtemp(prefix="loket-bench-"))
    result = {
        "machine": {"cpus": os.cpu_count(), "python_loop_seconds": python_loop_seconds()},
        "gunicorn_workers": args.workers,
        "gunicorn_worker_class": args.worker_class,
        "concurrent_clients": 50,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "scheduler_jobs": chosen,
    }
    postgres = None

    def run(name: str, url: str) -> dict:
        options = (args.worker_class, args.rounds, jobs)
        return run_backend(name, url, args.seconds, args.workers, folder, *options)

    try:
        if args.only in (None, "postgresql"):
            postgres = services.start_postgres()
            result["postgresql"] = run("postgresql", postgres.create_database("loket_bench"))
        if args.only in (None, "sqlite"):
            result["sqlite"] = run("sqlite", f"sqlite:///{folder / 'bench.db'}")
    finally:
        if postgres:
            postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
