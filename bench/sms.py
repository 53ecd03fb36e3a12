"""SMS benchmark: 100,000 due reminders through the real sender and `twilio` client to a fake
Twilio on loopback. Prints JSON: time, each sender's peak RSS, duplicates; then the same with a
`kill -9` of one sender halfway and its restart (lost and duplicated must both be 0).

    .venv/bin/python bench/sms.py [--count 100000] [--database sqlite|postgresql] [--senders 2]

Several sender processes may run at once (each claims its own rows); the sender is CPU-bound in
the `twilio` client, so one process per core is what makes the 100,000 fit. The machine's load
average is printed with the figures: on a shared machine they mean little without it.
"""

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
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


def start_sender(url, fake, args, name="bench") -> subprocess.Popen:
    return watch(
        subprocess.Popen(
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
                name,
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
    )


class PeakWatcher(threading.Thread):
    """The sender's own peak RSS: VmHWM from /proc, sampled until it exits.

    Not `ru_maxrss` from wait4: Linux counts into a child's maxrss the image it had before
    exec, i.e. a copy of *this* process at fork time, and this process holds the fake
    Twilio's record of every message. That made a sender forked late in the run look like a
    245 MB process while its own memory stayed flat near 120 MB.
    """

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kb = pid, 0

    def run(self):
        path = Path(f"/proc/{self.pid}/status")
        while True:
            try:
                if b"send" not in Path(f"/proc/{self.pid}/cmdline").read_bytes():
                    time.sleep(0.01)  # still our own forked image, before exec
                    continue
                text = path.read_text()
            except (FileNotFoundError, ProcessLookupError):
                return
            fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
            if "VmHWM" not in fields:  # a zombie: it has exited
                return
            self.peak_kb = max(self.peak_kb, int(fields["VmHWM"].split()[0]))
            time.sleep(0.1)


def watch(process: subprocess.Popen) -> subprocess.Popen:
    process.watcher = PeakWatcher(process.pid)
    process.watcher.start()
    return process


def reap(process) -> float:
    """Wait for the sender; its peak RSS in MB (see PeakWatcher) and CPU seconds."""
    _pid, status, usage = os.wait4(process.pid, 0)
    process.watcher.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    process.cpu_seconds = round(usage.ru_utime + usage.ru_stime, 1)
    return round(process.watcher.peak_kb / 1024, 1)


def statuses(app) -> dict:
    from sms.models import OutboxMessage

    with app.app_context():
        rows = db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
        db.session.remove()
    return {str(status): n for status, n in rows}


def start_senders(url, fake, args) -> list[subprocess.Popen]:
    return [start_sender(url, fake, args, f"bench-{n}") for n in range(args.senders)]


def reap_all(processes) -> list[float]:
    return [reap(process) for process in processes]


def wal_mb(url: str) -> float | None:
    if not url.startswith("sqlite:///"):
        return None
    wal = Path(url.removeprefix("sqlite:///") + "-wal")
    return round(wal.stat().st_size / 2**20, 1) if wal.exists() else 0.0


def load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def own_cpu() -> float:
    """This process's CPU: mostly the fake Twilio answering, which shares the machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def straight_run(app, url, args) -> dict:
    queue_reminders(app, args.count, "a")
    fake = FakeTwilio().start()
    load_before = load()
    cpu_before = own_cpu()
    started = time.perf_counter()
    processes = start_senders(url, fake, args)
    peaks = reap_all(processes)
    seconds = time.perf_counter() - started
    stats = fake.stats()
    fake.stop()
    return {
        "messages": args.count,
        "seconds": round(seconds, 1),
        "per_second": round(args.count / seconds),
        "sender_peak_rss_mb": peaks,
        "sender_cpu_seconds": [process.cpu_seconds for process in processes],
        "fake_twilio_cpu_seconds": round(own_cpu() - cpu_before, 1),
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": load(),
        "received": stats["received"],
        "duplicates": stats["duplicates"],
        "lost": args.count - stats["unique"],
        "statuses": statuses(app),
        "exit_codes": [process.returncode for process in processes],
    }


def kill_and_restart(app, url, args) -> dict:
    """Kill -9 the first sender halfway, while the others go on; restart it under its name."""
    queue_reminders(app, args.count, "b")
    fake = FakeTwilio().start()
    load_before = load()
    started = time.perf_counter()
    processes = start_senders(url, fake, args)
    first = processes[0]
    while fake.stats()["received"] < args.count // 2:
        if first.poll() is not None:
            raise RuntimeError(first.stderr.read().decode())
        time.sleep(0.01)
    os.kill(first.pid, signal.SIGKILL)
    first_peak = reap(first)
    at_kill = fake.stats()["received"]
    wal_at_kill = wal_mb(url)
    restarted = start_sender(url, fake, args, "bench-0")
    peaks = [first_peak, *reap_all([restarted, *processes[1:]])]
    seconds = time.perf_counter() - started
    in_doubt = statuses(app).get("sending", 0)
    stats = fake.stats()
    fake.stop()
    return {
        "messages": args.count,
        "seconds_including_restart": round(seconds, 1),
        "received_before_kill": at_kill,
        "sqlite_wal_mb_at_kill": wal_at_kill,
        "sender_peak_rss_mb": {"killed": peaks[0], "restarted": peaks[1], "others": peaks[2:]},
        "load_average_before": load_before,
        "load_average_after": load(),
        "received": stats["received"],
        "duplicates": stats["duplicates"],
        "lost": args.count - stats["unique"],
        "left_sending": in_doubt,
        "statuses": statuses(app),
        "exit_codes": [restarted.returncode] + [p.returncode for p in processes[1:]],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--senders", type=int, default=2)
    args = parser.parse_args()
    url, server = make_database(args.database)
    try:
        app = app_for(url)
        build_schema(app)
        result = {
            "database": args.database,
            "batch_size": args.batch_size,
            "threads": args.threads,
            "senders": args.senders,
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
