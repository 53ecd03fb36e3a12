"""Take-next benchmark: 1,000 callers waiting, 50 agents pressing "take next" at once through the
production server on loopback; prints JSON figures.

    .venv/bin/python bench/phone_take.py [--waiting 1000] [--agents 50] [--database-url URL]

One gunicorn process with the gevent worker (tests/production_server.py has the command), a
throwaway PostgreSQL unless --database-url is given. Each agent (own API token, own thread)
presses "take next" (POST /api/v1/phone/next) at the same instant as the 49 others (a
barrier), logs the call it got once all have theirs (POST /api/v1/phone/calls/<id>/log),
and the next round begins when all have logged, until nobody waits. First one agent alone
takes 50 of them (the cost of one press without the 50 agents' queueing); then five rounds of
all agents warm the server up (reported apart, as `warm_up`); then 50 presses at once, 14
times. Figures: take-next latency p50/p95/p99, log latency, the worker's CPU, and integrity:
no entry taken twice (by the answers of every phase and in the database), every entry taken,
callbacks among them. Target: p95 <= 100 ms.
"""

import argparse
import http.client
import json
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from tests import services  # noqa: E402
from tests.production_server import (  # noqa: E402
    ProductionServer,
    cpu_seconds,
    migrate,
    reference_loop_ms,
)

SECRET = "bench-secret"  # noqa: S105  (a throwaway server)
TARGET_P95_MS = 100
ALONE = 50  # calls one agent takes first, alone; then all agents take the rest together
WARM_UP_ROUNDS = 5  # of all agents together, before the rounds measured


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def ms(seconds):
    return round(seconds * 1000, 2)


def prepare(url: str, waiting: int, agents: int) -> list[str]:
    """Migrate; two phone lines; `waiting` callers in line (every fifth a callback, in its
    original place), all on one record so the log finds a party; `agents` call agents' tokens."""
    migrate(url, SECRET)
    from app import create_app
    from core.database import utcnow
    from desk import accounts
    from desk.models import Party, Role
    from extensions import db
    from office.models import Service
    from phone.models import Call, CallbackState, CallSource, CallStatus, PhoneLine

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        lines = [
            PhoneLine(service=Service(name_nl=name), digit=digit, queue_name=name.lower())
            for digit, name in ((1, "Identiteitskaart"), (2, "Belastingen"))
        ]
        caller = Party(name="Bench Beller")
        db.session.add_all([*lines, caller])
        db.session.flush()
        start = utcnow() - timedelta(hours=1)
        for n in range(waiting):
            queued = start + timedelta(seconds=n * 3)
            callback = n % 5 == 0
            db.session.add(
                Call(
                    call_sid=f"CA{n:032d}",
                    source=CallSource.TWILIO,
                    from_number=f"+3247{n:07d}",
                    line_id=lines[n % 2].id,
                    service_id=lines[n % 2].service_id,
                    status=CallStatus.CALLBACK if callback else CallStatus.WAITING,
                    callback_state=CallbackState.REQUESTED if callback else None,
                    callback_number=f"+3247{n:07d}" if callback else None,
                    created_at=queued,
                    queued_at=queued,
                    party_id=caller.id,
                )
            )
        tokens = []
        for n in range(agents):
            staff = accounts.create_staff(
                email=f"agent{n}@bench.invalid",
                name=f"Agent {n}",
                role=Role.CALL_AGENT,
                password="bench password of the agents",  # noqa: S106
            )
            tokens.append(accounts.create_api_token(staff))
        db.session.commit()
        db.engine.dispose()
    return tokens


def one_agent_alone(base: str, token: str, rounds: int) -> dict:
    """Take and log `rounds` calls with nobody else pressing: what one press costs, before
    the queueing of 50 agents on one worker adds to it."""
    agent = Agent(base, token)
    takes = []
    for _ in range(rounds):
        begun = time.perf_counter()
        _status, call = agent.post("/api/v1/phone/next")
        takes.append(time.perf_counter() - begun)
        agent.post(f"/api/v1/phone/calls/{call['id']}/log", {"outcome": "informed"})
    return {
        "requests": rounds,
        "p50_ms": ms(percentile(takes, 0.50)),
        "p95_ms": ms(percentile(takes, 0.95)),
    }


class Agent:
    """One agent's keep-alive connection (http.client: the load client must cost little next
    to the server it measures; the machine's second core runs it and PostgreSQL)."""

    def __init__(self, base: str, token: str):
        self.connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(self, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        self.connection.request("POST", path, json.dumps(body or {}), self.headers)
        answer = self.connection.getresponse()
        data = answer.read()
        return answer.status, (json.loads(data) if data else None)


def agents_at_work(
    base: str, tokens: list[str], worker: int, ids: Counter, limit: int | None = None
) -> dict:
    """Rounds: every agent presses "take next" at the same instant (a barrier); when all have
    their call, each logs it (its wrap-up), and the next round starts when all have logged;
    until nobody waits, or after `limit` rounds. The take-next figures are the presses at once,
    no log among them. `ids` counts the calls taken, over every phase."""
    cpu = {"takes": 0.0, "logs": 0.0, "mark": cpu_seconds(worker)}

    def phase_ended(phase):
        """The worker's CPU since the last barrier, to the phase that just ended."""

        def action():
            now = cpu_seconds(worker)
            if phase:
                cpu[phase] += now - cpu["mark"]
            cpu["mark"] = now

        return action

    start = threading.Barrier(len(tokens), action=phase_ended(None))
    taken_all = threading.Barrier(len(tokens), action=phase_ended("takes"))
    done = threading.Barrier(len(tokens), action=phase_ended("logs"))
    takes, logs, taken, failures = [], [], [], Counter()
    lock = threading.Lock()
    rounds = {"count": 0, "empty": 0}

    def work(token):
        agent = Agent(base, token)
        while True:
            start.wait(timeout=120)
            begun = time.perf_counter()
            status, call = agent.post("/api/v1/phone/next")
            took = time.perf_counter() - begun
            taken_all.wait(timeout=120)  # agents talk before they log: no log meets a press
            if status == 200:
                begun = time.perf_counter()
                logged, _answer = agent.post(
                    f"/api/v1/phone/calls/{call['id']}/log", {"outcome": "informed"}
                )
                with lock:
                    takes.append(took)
                    logs.append(time.perf_counter() - begun)
                    taken.append((call["id"], call["kind"]))
                    if logged != 200:
                        failures[f"log {logged}"] += 1
            else:
                with lock:
                    rounds["empty"] += 1
                    if status != 204:
                        failures[f"next {status}"] += 1
            if done.wait(timeout=120) == 0:  # one thread per round counts it: was it the last?
                rounds["count"] += 1
                rounds["nobody_waited"] = rounds["empty"] == len(tokens)
                rounds["last"] = rounds["nobody_waited"] or rounds["count"] == limit
                rounds["empty"] = 0
            done.wait(timeout=120)
            if rounds.get("last"):
                return

    threads = [threading.Thread(target=work, args=(token,)) for token in tokens]
    begun = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - begun
    ids.update(call_id for call_id, _kind in taken)
    return {
        "take_next": {
            "requests": len(takes),
            "rounds": rounds["count"] - rounds["nobody_waited"],  # not one that found nobody
            "p50_ms": ms(percentile(takes, 0.50)),
            "p95_ms": ms(percentile(takes, 0.95)),
            "p99_ms": ms(percentile(takes, 0.99)),
            "max_ms": ms(max(takes)),
            "target_p95_ms": TARGET_P95_MS,
        },
        "log_call": {"p50_ms": ms(percentile(logs, 0.50)), "p95_ms": ms(percentile(logs, 0.95))},
        "answers": {
            "taken": len(taken),  # in this phase; one_agent_alone took the first ALONE
            "taken_twice": sum(1 for n in ids.values() if n > 1),  # in any phase
            "callbacks": sum(1 for _id, kind in taken if kind == "callback"),
            "failures": dict(failures),
        },
        "seconds": round(elapsed, 2),
        # the one worker's CPU per press and per log: 50 presses at once queue behind it
        "worker_cpu_ms_per_take": round(cpu["takes"] * 1000 / max(len(takes), 1), 2),
        "worker_cpu_ms_per_log": round(cpu["logs"] * 1000 / max(len(takes), 1), 2),
    }


def warm_up(base: str, tokens: list[str], worker: int, ids: Counter) -> dict:
    """The first rounds of all agents together, reported apart: the first opens the pool's
    connections (one agent alone used one), and psycopg prepares a statement on a connection
    the fifth time it runs there, which takes the 20 connections about five rounds. A server
    that has been taking calls for a minute has both."""
    return agents_at_work(base, tokens, worker, ids, limit=WARM_UP_ROUNDS)["take_next"]


def integrity(url: str) -> dict:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE agent_id IS NOT NULL),"
                " count(*) FILTER (WHERE status IN ('waiting', 'callback')),"
                " count(DISTINCT interaction_id), count(*) FROM phone_call"
            )
        ).one()
        events = conn.execute(
            text("SELECT count(*) FROM interaction WHERE subject_type = 'call'")
        ).scalar()
    engine.dispose()
    return {
        "calls": row[3],
        "with_an_agent": row[0],
        "still_waiting": row[1],
        "logged": row[2],
        "interactions": events,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--waiting", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    with services.postgres_database(args.database_url, "loket_bench_phone") as url:
        tokens = prepare(url, args.waiting, args.agents)
        env = {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "LOKET_RATELIMIT_ENABLED": "false",
        }
        with ProductionServer(env, connections=1000) as server:
            worker, ids = server.worker_pids()[0], Counter()
            report = {
                "server": "gunicorn -k gevent -w 1 (loopback)",
                "database": "postgresql" if url.startswith("postgresql") else "sqlite",
                "waiting": args.waiting,
                "agents": args.agents,
                "one_agent_alone": one_agent_alone(server.url, tokens[0], ALONE),
                "warm_up": warm_up(server.url, tokens, worker, ids),
                **agents_at_work(server.url, tokens, worker, ids),
                "integrity": integrity(url),
                # the machine's speed at the time (tests/production_server.reference_loop_ms)
                "reference_loop_ms": reference_loop_ms(),
            }
            print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
