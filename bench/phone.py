"""Phone webhook benchmark through the production server on loopback; prints JSON figures.

    .venv/bin/python bench/phone.py [--calls 200] [--seconds 20] [--pace 5] [--database-url URL]

One gunicorn process with the gevent worker (tests/production_server.py), a throwaway
PostgreSQL unless --database-url is given. `--calls` simulated calls run at once, each as Twilio
drives it: /phone/incoming, /phone/menu (key 1), then /phone/wait every `--pace` seconds (Twilio
asks every 30 to 45 s: the default pace of 5 s makes 200 calls as busy as 1,200 or more; with
`--pace 1` the run measures the worker at its limit), and after a few rounds /phone/queue-result
(bridged, or hung up) and /phone/status (completed); then the next call. Every request is
signed as Twilio signs it. Beside them, in the same run, one client asks /healthz at the same
pace: the floor the webhooks are compared with. Figures: p50/p95/p99 per address, requests per
second, non-2xx answers, and the calls left in an impossible state afterwards (none expected).
"""

import argparse
import asyncio
import itertools
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from sqlalchemy import text  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from tests import services  # noqa: E402
from tests.production_server import ProductionServer, cpu_seconds, migrate  # noqa: E402

SECRET = "bench-secret"  # noqa: S105  (a throwaway server)
AUTH_TOKEN = "bench-auth-token"  # noqa: S105
PUBLIC_BASE_URL = "https://loket.example.org"
WAIT_ROUNDS = (3, 8)  # a call hears this many position announcements before it ends
RAMP_SECONDS = 5  # the first calls ring within these seconds; from then on all are under way


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def ms(seconds):
    return round(seconds * 1000, 2)


def prepare(url: str) -> None:
    """Migrate, then one line open around the clock that holds all the callers."""
    migrate(url, SECRET)
    from app import create_app
    from extensions import db
    from office.models import Service
    from phone.models import PhoneLine
    from tests.offices import open_around_the_clock

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        hall = open_around_the_clock()
        service = Service(name_nl="Identiteitskaart", locations=[hall])
        other = Service(name_nl="Adreswijziging", locations=[hall])
        db.session.add_all([hall, service, other])
        db.session.add(PhoneLine(service=service, digit=1, max_waiting=5000, queue_name="id"))
        db.session.add(PhoneLine(service=other, digit=2, max_waiting=5000, queue_name="address"))
        db.session.commit()
        db.engine.dispose()


class Load:
    def __init__(self, base: str, pace: float, deadline: float):
        self.base, self.pace, self.deadline = base, pace, deadline
        self.validator = RequestValidator(AUTH_TOKEN)
        self.latencies: dict[str, list[float]] = {}
        self.failures: dict[str, int] = {}
        self.sids = itertools.count(1)

    async def post(self, session, path: str, form: dict) -> None:
        signature = self.validator.compute_signature(PUBLIC_BASE_URL + path, form)
        headers = {"X-Twilio-Signature": signature}
        started = time.perf_counter()
        async with session.post(self.base + path, data=form, headers=headers) as response:
            await response.read()
            status = response.status
        self.latencies.setdefault(path, []).append(time.perf_counter() - started)
        if status >= 300:
            self.failures[path] = self.failures.get(path, 0) + 1

    async def call(self, session, index: int) -> None:
        """One simulated caller after another, until the deadline."""
        rng = random.Random(index)
        await asyncio.sleep(rng.uniform(0, RAMP_SECONDS))  # callers do not all ring at once
        while time.monotonic() < self.deadline:
            sid = f"CA{next(self.sids):032x}"
            number = f"+32470{index:06d}"
            base = {"CallSid": sid, "AccountSid": "AC" + "0" * 32}
            await self.post(session, "/phone/incoming", {**base, "From": number, "To": "+3292"})
            await self.post(session, "/phone/menu", {**base, "Digits": str(1 + index % 2)})
            for _ in range(rng.randint(*WAIT_ROUNDS)):
                await asyncio.sleep(self.pace)
                await self.post(session, "/phone/wait", {**base, "QueuePosition": "1"})
            result = "bridged" if rng.random() < 0.8 else "hangup"
            await self.post(
                session, "/phone/queue-result", {**base, "QueueResult": result, "QueueTime": "30"}
            )
            await self.post(
                session, "/phone/status", {**base, "CallStatus": "completed", "CallDuration": "90"}
            )

    async def healthz(self, session) -> None:
        while time.monotonic() < self.deadline:
            started = time.perf_counter()
            async with session.get(self.base + "/healthz") as response:
                await response.read()
            self.latencies.setdefault("/healthz", []).append(time.perf_counter() - started)
            await asyncio.sleep(self.pace / 10)


async def run_load(base: str, calls: int, seconds: int, pace: float) -> dict:
    load = Load(base, pace, time.monotonic() + seconds)
    # A new connection per request, as Twilio's webhooks come (and no reuse of a connection
    # the server closed after its keep-alive).
    connector = aiohttp.TCPConnector(limit=calls + 10, force_close=True)
    started = time.monotonic()
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(load.healthz(session), *(load.call(session, i) for i in range(calls)))
    elapsed = time.monotonic() - started
    figures = {}
    for path, values in sorted(load.latencies.items()):
        figures[path] = {
            "requests": len(values),
            "per_second": round(len(values) / elapsed, 1),
            "p50_ms": ms(percentile(values, 0.5)),
            "p95_ms": ms(percentile(values, 0.95)),
            "p99_ms": ms(percentile(values, 0.99)),
            "non_2xx": load.failures.get(path, 0),
        }
    return figures


def integrity(url: str) -> dict:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as conn:
        calls = conn.execute(text("SELECT count(*) FROM phone_call")).scalar_one()
        events = conn.execute(text("SELECT count(*) FROM phone_call_event")).scalar_one()
        # Ended but still in line, or answered without a place in line: neither may happen.
        impossible = conn.execute(
            text(
                "SELECT count(*) FROM phone_call WHERE (status IN ('waiting', 'callback') "
                "AND ended_at IS NOT NULL) OR (answered_at IS NOT NULL AND queued_at IS NULL)"
            )
        ).scalar_one()
    engine.dispose()
    return {"calls": calls, "events": events, "calls_in_an_impossible_state": impossible}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--pace", type=float, default=5.0)
    parser.add_argument("--database-url")
    parser.add_argument("--output", help="also write the JSON figures to this file")
    args = parser.parse_args()

    with services.postgres_database(args.database_url, "loket_bench_phone") as url:
        prepare(url)
        env = {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            "LOKET_RATELIMIT_ENABLED": "false",
        }
        with ProductionServer(env, connections=10000) as server:
            worker = server.worker_pids()[0]
            cpu_before = cpu_seconds(worker)
            figures = asyncio.run(run_load(server.url, args.calls, args.seconds, args.pace))
            cpu_used = cpu_seconds(worker) - cpu_before
            answered = sum(each["requests"] for each in figures.values())
            report = {
                "server": "gunicorn -k gevent -w 1 --worker-connections 10000 (loopback)",
                "database": "postgresql" if url.startswith("postgresql") else "sqlite",
                "calls_at_once": args.calls,
                "seconds": args.seconds,
                "wait_every_seconds": args.pace,
                "endpoints": figures,
                # The worker's own CPU time per answer: unlike latency, hardly moved by other work
                # on the machine.
                "worker_cpu_ms_per_request": round(cpu_used * 1000 / max(answered, 1), 2),
                # Other work on the machine during the run (1, 5, 15 minutes): figures from a
                # loaded machine say little; compare runs made on an idle one.
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
                "cpus": os.cpu_count(),
                "integrity": integrity(url),
            }
            text_report = json.dumps(report, indent=2)
            print(text_report)
            if args.output:
                Path(args.output).write_text(text_report + "\n")


if __name__ == "__main__":
    main()
