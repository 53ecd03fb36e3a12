"""Counter benchmark through the production server on loopback; prints JSON figures.

    .venv/bin/python bench/counter.py [--seconds 10] [--clients 1000] [--database-url URL]

One gunicorn process with the gevent worker (tests/production_server.py has the command), a
throwaway PostgreSQL unless --database-url is given. Figures:
- /healthz, POST /api/v1/tickets (wrk, 50 connections) and call-next + finish (50 threads,
  one counter each) in the same run: throughput and p95;
- 1,000 Socket.IO clients (half /display boards, half signed-in /desk clients): the time from
  sending a call-next to the moment the last client has its `ticket_called`, p50/p99;
- the worker's RSS with every client connected;
- duplicate ticket numbers and tickets called twice, counted in the database afterwards.
Rate limits are off for the run: all traffic comes from one address.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import socketio  # noqa: E402
from sqlalchemy import text  # noqa: E402

from tests import services  # noqa: E402
from tests.production_server import ProductionServer, migrate  # noqa: E402

SECRET = "bench-secret"  # noqa: S105  (a throwaway server)
HERE = Path(__file__).resolve().parent


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def ms(seconds):
    return round(seconds * 1000, 2)


def prepare(url: str, counters: int) -> dict:
    """Migrate, then one office open around the clock, one service, `counters` counters."""
    migrate(url, SECRET)
    from app import create_app
    from counter import kiosks
    from counter.models import CounterServiceSetting
    from desk import accounts
    from desk.models import Role
    from extensions import db
    from office.models import Counter, Service
    from tests.offices import open_around_the_clock
    from tests.realtime.sockets import session_cookie

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        hall = open_around_the_clock(min_notice_minutes=0)
        service = Service(name_nl="Identiteitskaart", duration_minutes=10, locations=[hall])
        desks = [
            Counter(name=f"Loket {n}", location=hall, services=[service])
            for n in range(1, counters + 1)
        ]
        db.session.add_all([hall, service, *desks])
        db.session.flush()
        db.session.add(CounterServiceSetting(service_id=service.id, letter="A"))
        staff = accounts.create_staff(
            email="bench@example.org",
            name="Bench",
            role=Role.COUNTER,
            password="bench-password-123",  # noqa: S106
        )
        token = accounts.create_api_token(staff)
        # Each counter's hardware has a token of its own, as in an office: one shared token
        # would make every request of the run update one api_token row (its last use).
        tokens = {desk.id: accounts.create_api_token(staff) for desk in desks}
        db.session.commit()
        # The tickets come from a registered kiosk, as in an office: its device token lifts the
        # limits on tickets taken from one's own phone (a mobile number, one per number).
        _kiosk, kiosk_token, _code = kiosks.register(name="Inkom", location_id=hall.id)
        figures = {
            "location_id": hall.id,
            "service_id": service.id,
            "counters": [d.id for d in desks],
            "headers": {"Authorization": f"Bearer {token}"},
            "counter_headers": {
                desk_id: {"Authorization": f"Bearer {each}"} for desk_id, each in tokens.items()
            },
            "cookie": session_cookie(app, staff),
            "kiosk_headers": {kiosks.HEADER: kiosk_token},
        }
        db.engine.dispose()
    return figures


def wrk(url: str, script: str, seconds: int, env=None) -> dict:
    result = subprocess.run(
        ["wrk", "-t4", "-c50", f"-d{seconds}s", "-s", str(HERE / script), url],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["per_second"] = round(figures["requests"] / figures["seconds"], 1)
    return figures


def call_next_load(base: str, setup: dict, seconds: int) -> dict:
    """50 counters, each: call next, finish, again; as fast as the server answers."""
    deadline = time.monotonic() + seconds
    latencies, called, lock = [], [], threading.Lock()

    def counter_loop(counter_id):
        session = requests.Session()
        session.headers.update(setup["counter_headers"][counter_id])
        mine, taken = [], []
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = session.post(f"{base}/api/v1/counters/{counter_id}/call-next", timeout=60)
            mine.append(time.perf_counter() - started)
            if response.status_code == 204:
                break
            response.raise_for_status()
            taken.append(response.json()["id"])
            session.post(
                f"{base}/api/v1/tickets/{taken[-1]}/finish", json={"outcome": "served"}, timeout=60
            ).raise_for_status()
        with lock:
            latencies.extend(mine)
            called.extend(taken)

    started = time.monotonic()
    with ThreadPoolExecutor(50) as pool:
        list(pool.map(counter_loop, setup["counters"][:50]))
    elapsed = time.monotonic() - started
    return {
        "calls": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": ms(percentile(latencies, 0.5)),
        "p95_ms": ms(percentile(latencies, 0.95)),
        "tickets_called_twice_by_clients": len(called) - len(set(called)),
    }


async def socket_clients(base: str, setup: dict, count: int, rounds: int, pid: int) -> dict:
    arrivals: dict[str, list[float]] = {}
    everyone = asyncio.Event()

    def on_called(data):
        seen = arrivals.setdefault(data["number"], [])
        seen.append(time.perf_counter())
        if len(seen) == count:
            everyone.set()

    async def connect(index):
        client = socketio.AsyncClient(reconnection=False)
        desk = index % 2 == 1
        namespace = "/desk" if desk else "/display"
        client.on("ticket_called", on_called, namespace=namespace)
        await client.connect(
            base,
            namespaces=[namespace],
            transports=["websocket"],
            wait_timeout=60,
            auth=None if desk else {"location_id": setup["location_id"]},
            headers={"Cookie": setup["cookie"]} if desk else {},
        )
        if desk:
            await client.call(
                "watch", {"location_id": setup["location_id"]}, namespace="/desk", timeout=60
            )
        return client

    clients = []
    for start in range(0, count, 100):
        clients += await asyncio.gather(
            *(connect(i) for i in range(start, min(count, start + 100)))
        )
    rss_kib = rss(pid)
    loop = asyncio.get_running_loop()
    counter_id = setup["counters"][0]
    session = requests.Session()
    session.headers.update(setup["headers"])
    latencies = []
    for _ in range(rounds):
        await loop.run_in_executor(
            None,
            lambda: session.post(
                f"{base}/api/v1/tickets",
                json={"service_id": setup["service_id"], "location_id": setup["location_id"]},
                headers=setup["kiosk_headers"],
                timeout=60,
            ).raise_for_status(),
        )
        everyone.clear()
        sent = time.perf_counter()
        response = await loop.run_in_executor(
            None, lambda: session.post(f"{base}/api/v1/counters/{counter_id}/call-next", timeout=60)
        )
        response.raise_for_status()
        ticket = response.json()
        await asyncio.wait_for(everyone.wait(), timeout=60)
        latencies.append(max(arrivals[ticket["number"]]) - sent)
        await loop.run_in_executor(
            None,
            lambda ticket=ticket: session.post(
                f"{base}/api/v1/tickets/{ticket['id']}/finish",
                json={"outcome": "served"},
                timeout=60,
            ).raise_for_status(),
        )
    await asyncio.gather(*(client.disconnect() for client in clients))
    return {
        "clients": count,
        "rounds": rounds,
        "p50_ms": ms(statistics.median(latencies)),
        "p99_ms": ms(percentile(latencies, 0.99)),
        "max_ms": ms(max(latencies)),
        "server_rss_mib_with_clients": round(rss_kib / 1024, 1),
    }


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def integrity(url: str) -> dict:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as conn:
        duplicates = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT 1 FROM ticket GROUP BY location_id, day, number "
                "HAVING count(*) > 1) AS d"
            )
        ).scalar_one()
        double_calls = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT ticket_id FROM ticket_event WHERE action = 'called' "
                "GROUP BY ticket_id HAVING count(*) > 1) AS d"
            )
        ).scalar_one()
        tickets = conn.execute(text("SELECT count(*) FROM ticket")).scalar_one()
    engine.dispose()
    return {
        "tickets": tickets,
        "duplicate_numbers": duplicates,
        "tickets_called_twice": double_calls,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    with services.postgres_database(args.database_url, "loket_bench") as url:
        setup = prepare(url, counters=50)
        env = {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "LOKET_RATELIMIT_ENABLED": "false",
        }
        with ProductionServer(env, connections=10000) as server:
            base = server.url
            body = json.dumps(
                {"service_id": setup["service_id"], "location_id": setup["location_id"]}
            )
            healthz = wrk(f"{base}/healthz", "get.lua", args.seconds)
            kiosk = {"TICKET_BODY": body, "KIOSK_TOKEN": setup["kiosk_headers"]["X-Kiosk-Token"]}
            issuing = wrk(f"{base}/api/v1/tickets", "issue.lua", args.seconds, kiosk)
            calling = call_next_load(base, setup, args.seconds)
            pid = server.worker_pids()[0]
            sockets = asyncio.run(socket_clients(base, setup, args.clients, args.rounds, pid))
            report = {
                "server": "gunicorn -k gevent -w 1 --worker-connections 10000 (loopback)",
                "database": "postgresql" if url.startswith("postgresql") else "sqlite",
                "healthz": healthz,
                "issue_ticket": issuing,
                "issue_vs_healthz": round(issuing["per_second"] / healthz["per_second"], 3),
                "call_next": calling,
                "socketio": sockets,
                "integrity": integrity(url),
            }
            print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
