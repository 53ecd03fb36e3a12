"""SMS benchmark: 100,000 due reminders through the real sender and `twilio` client to a fake
Twilio on loopback. Prints JSON: time, the sender's peak RSS, duplicates; then the same with a
`kill -9` of the sender halfway and a restart (lost and duplicated must both be 0).

    .venv/bin/python bench/sms.py [--count 100000] [--database sqlite|postgresql]
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from core.database import utcnow  # noqa: E402
from extensions import db  # noqa: E402
from tests import services  # noqa: E402
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio  # noqa: E402

FROM = "+32460000001"


def make_database(kind: str):
    if kind == "postgresql":
        server = services.start_postgres()
        return server.create_database("loket_bench_sms"), server
    folder = Path(tempfile.mkdtemp(prefix="loket-bench-sms-"))
    return f"sqlite:///{folder / 'bench.db'}", None


def app_for(url: str):
    return create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})


def build_schema(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def queue_reminders(app, count: int, run: str) -> None:
    """Due reminders as the reminder job writes them (bulk: setting up is not what we time)."""
    from sms.models import OutboxMessage

    now = utcnow()
    with app.app_context():
        db.session.execute(OutboxMessage.__table__.delete())
        rows = []
        for n in range(count):
            body = (
                f"Gemeente Loket: herinnering afspraak\nIdentiteitskaart op dinsdag 2 maart om "
                f"10:00, Stadhuis. Referentie {run}{n:06d}.\nAntwoord JA om te bevestigen, NEE "
                "om te annuleren, STOP voor geen berichten meer."
            )
            rows.append(
                dict(
                    idempotency_key=f"reminder:{run}{n}:0:24h",
                    channel="sms",
                    recipient=f"+3247{n % 10_000_000:07d}",
                    subject="",
                    body=body,
                    purpose="reminder",
                    language="nl",
                    accepts_replies=True,
                    status="queued",
                    reason="bench",
                    attempts=0,
                    next_attempt_at=now,
                    segments=2,
                    cost=0.14,
                    created_at=now,
                    updated_at=now,
                )
            )
            if len(rows) == 5000:
                db.session.execute(insert(OutboxMessage.__table__), rows)
                rows = []
        if rows:
            db.session.execute(insert(OutboxMessage.__table__), rows)
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            # Fold the set-up's write-ahead log back in, or the sender maps it all into memory.
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            db.session.commit()


def sender_env(url: str, fake: FakeTwilio) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOKET_", "TWILIO_"))}
    env.update(
        DATABASE_URL=url,
        SECRET_KEY="bench",  # noqa: S106  (a throwaway database)
        SMS_GATEWAY="twilio",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_FROM=FROM,
        TWILIO_API_BASE_URL=fake.url,
        PUBLIC_BASE_URL="https://loket.example.org",
    )
    return env


def start_sender(url, fake, args) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "app",
            "sms",
            "send",
            "--once",
            "--name",
            "bench",
            "--batch-size",
            str(args.batch_size),
            "--threads",
            str(args.threads),
        ],  # fmt: skip
        cwd=ROOT,
        env=sender_env(url, fake),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def reap(process) -> int:
    """Wait for the sender and return its peak RSS in MB (ru_maxrss is in KB on Linux)."""
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    process.cpu_seconds = round(usage.ru_utime + usage.ru_stime, 1)
    return round(usage.ru_maxrss / 1024, 1)


def statuses(app) -> dict:
    from sms.models import OutboxMessage

    with app.app_context():
        rows = db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
        db.session.remove()
    return {str(status): n for status, n in rows}


def straight_run(app, url, args) -> dict:
    queue_reminders(app, args.count, "a")
    fake = FakeTwilio().start()
    started = time.perf_counter()
    process = start_sender(url, fake, args)
    peak = reap(process)
    seconds = time.perf_counter() - started
    stats = fake.stats()
    fake.stop()
    return {
        "messages": args.count,
        "seconds": round(seconds, 1),
        "per_second": round(args.count / seconds),
        "sender_peak_rss_mb": peak,
        "sender_cpu_seconds": process.cpu_seconds,
        "cpus": os.cpu_count(),
        "received": stats["received"],
        "duplicates": stats["duplicates"],
        "lost": args.count - stats["unique"],
        "statuses": statuses(app),
        "exit_code": process.returncode,
    }


def kill_and_restart(app, url, args) -> dict:
    queue_reminders(app, args.count, "b")
    fake = FakeTwilio().start()
    started = time.perf_counter()
    first = start_sender(url, fake, args)
    while fake.stats()["received"] < args.count // 2:
        if first.poll() is not None:
            raise RuntimeError(first.stderr.read().decode())
        time.sleep(0.01)
    os.kill(first.pid, signal.SIGKILL)
    first_peak = reap(first)
    at_kill = fake.stats()["received"]
    in_doubt = statuses(app).get("sending", 0)
    second = start_sender(url, fake, args)
    second_peak = reap(second)
    seconds = time.perf_counter() - started
    stats = fake.stats()
    fake.stop()
    return {
        "messages": args.count,
        "seconds_including_restart": round(seconds, 1),
        "received_before_kill": at_kill,
        "left_in_doubt_by_the_kill": in_doubt,
        "sender_peak_rss_mb": max(first_peak, second_peak),
        "received": stats["received"],
        "duplicates": stats["duplicates"],
        "lost": args.count - stats["unique"],
        "statuses": statuses(app),
        "exit_code": second.returncode,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    url, server = make_database(args.database)
    try:
        app = app_for(url)
        build_schema(app)
        result = {
            "database": args.database,
            "batch_size": args.batch_size,
            "threads": args.threads,
            "straight": straight_run(app, url, args),
            "kill_9_and_restart": kill_and_restart(app, url, args),
        }
        with app.app_context():
            db.engine.dispose()
    finally:
        if server is not None:
            server.stop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
