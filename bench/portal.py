"""Benchmark: Mijn Loket for a citizen with a long history, through the WSGI app, PostgreSQL.

    .venv/bin/python bench/portal.py [--database-url postgresql+psycopg://...] [--requests 200]

Without --database-url it starts a throwaway PostgreSQL (tests/services.py). One citizen gets
--interactions contact moments (a tenth of them staff notes, which the portal hides), --notices
notices in the outbox and --accesses access-log rows, among --parties other parties' rows, by
set-based INSERT ... SELECT. It then measures p50/p95 over --requests requests of /my/ and of
each list page beside /healthz in the same run, and the whole /my/data.json download: its time
and the process's resident memory before and after (a streamed answer keeps it flat), with the
tracemalloc peak of one download. Prints JSON.
"""

import argparse
import gc
import json
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from bench.timeline import psycopg_connect  # noqa: E402
from extensions import db  # noqa: E402
from tests import services  # noqa: E402

PAGES = [
    "/my/",
    "/my/appointments",
    "/my/messages",
    "/my/contacts",
    "/my/access-log",
    "/my/preferences",
    "/my/people",
    "/my/data",
]
CHANNELS = ["web", "sms", "chat", "video", "phone", "counter", "email", "post"]


def load(url: str, args) -> dict:
    """Party 1 is the citizen; the other parties share the tables, as in a real municipality."""
    started = time.perf_counter()
    channels = "ARRAY[" + ",".join(f"'{c}'" for c in CHANNELS) + "]"
    with psycopg_connect(url) as conn:
        conn.execute(
            "INSERT INTO department (id, code, name) VALUES (1, 'burgerzaken', 'Burgerzaken')"
        )
        conn.execute(
            """INSERT INTO staff (id, email, name, role, department_id, password_hash,
                   failed_logins, active, session_version, created_at)
               VALUES (1, 'clerk@example.org', 'Clerk', 'back_office', 1, 'x', 0, true, 1, now())"""
        )
        conn.execute(
            """INSERT INTO party (id, kind, name, search_name, preferred_channel, secret,
                   created_at)
               SELECT g, 'person', 'Burger ' || g, 'burger ' || g, 'sms', false, now()
               FROM generate_series(1, %(parties)s) g""",
            {"parties": args.parties},
        )
        conn.execute(
            """INSERT INTO contact_address (party_id, kind, value, is_default, consent_reminders,
                   consent_queue_alerts, consent_case_updates, created_at, verified_at)
               SELECT g, 'phone', '+32470' || lpad(g::text, 6, '0'), true, true, false, true,
                      now(), now()
               FROM generate_series(1, %(parties)s) g""",
            {"parties": args.parties},
        )
        conn.execute(
            f"""INSERT INTO interaction (party_id, channel, direction, started_at, subject,
                   summary, staff_id, recorded_at)
               SELECT CASE WHEN g <= %(mine)s THEN 1 ELSE 2 + g %% (%(parties)s - 1) END,
                      CASE WHEN g %% 10 = 0 THEN 'note' ELSE ({channels})[1 + g %% 8] END,
                      CASE WHEN g %% 10 = 0 THEN 'internal'
                           WHEN g %% 3 = 0 THEN 'outbound' ELSE 'inbound' END,
                      timestamptz '2023-01-01' + g * interval '97 seconds',
                      'Contact ' || g, 'Samenvatting ' || g,
                      CASE WHEN g %% 2 = 0 THEN 1 END,
                      timestamptz '2023-01-01' + g * interval '97 seconds'
               FROM generate_series(1, %(total)s) g""",
            {"mine": args.interactions, "parties": args.parties, "total": args.interactions * 5},
        )
        conn.execute(
            """INSERT INTO sms_message (idempotency_key, channel, recipient, subject, body,
                   purpose, language, party_id, accepts_replies, status, reason, attempts,
                   next_attempt_at, segments, cost, important, created_at, sent_at, updated_at)
               SELECT 'bench:' || g, 'sms', '+32470000001', '', 'Bericht ' || g, 'reminder',
                      'nl', CASE WHEN g <= %(mine)s THEN 1 ELSE 2 + g %% (%(parties)s - 1) END,
                      false, 'delivered', '', 1, now(), 1, 0.07, false,
                      timestamptz '2024-01-01' + g * interval '1 hour',
                      timestamptz '2024-01-01' + g * interval '1 hour', now()
               FROM generate_series(1, %(total)s) g""",
            {"mine": args.notices, "parties": args.parties, "total": args.notices * 5},
        )
        conn.execute(
            """INSERT INTO access_log (staff_id, party_id, action, purpose, detail, at)
               SELECT 1, CASE WHEN g <= %(mine)s THEN 1 ELSE 2 + g %% (%(parties)s - 1) END,
                      'view', 'contact', '', timestamptz '2024-01-01' + g * interval '1 hour'
               FROM generate_series(1, %(total)s) g""",
            {"mine": args.accesses, "parties": args.parties, "total": args.accesses * 5},
        )
        for table in ("party", "department", "staff", "contact_address", "interaction"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return {"load_seconds": round(time.perf_counter() - started, 1)}


def measure(client, path: str, n: int) -> dict:
    """Wall-clock p50/p95, and the app process's own CPU time per request beside it: on a
    shared machine the wall clock also counts other processes' turns, the CPU time does not."""
    timings, cpu = [], []
    for _ in range(n):
        begin, begin_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        timings.append((time.perf_counter() - begin) * 1000)
        cpu.append((time.process_time() - begin_cpu) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    timings.sort()
    cpu.sort()
    return {
        "requests": n,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(n * 0.95) - 1], 2),
        "max_ms": round(timings[-1], 2),
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_p95_ms": round(cpu[int(n * 0.95) - 1], 2),
    }


def rss_mib() -> float:
    """The resident set now (not the peak): what a streamed answer must leave flat."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return round(pages * 4096 / 1024 / 1024, 1)


def download(client) -> dict:
    begin = time.perf_counter()
    response = client.get("/my/data.json")
    size = 0
    for chunk in response.response:  # read as a browser does: chunk by chunk
        size += len(chunk)
    response.close()
    return {"seconds": round(time.perf_counter() - begin, 3), "bytes": size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--parties", type=int, default=10_000)
    parser.add_argument("--interactions", type=int, default=10_000)
    parser.add_argument("--notices", type=int, default=1_000)
    parser.add_argument("--accesses", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with services.postgres_database(args.database_url, "loket_bench_portal") as url:
        run(url, args)


def run(url: str, args) -> None:
    from flask_migrate import upgrade

    from portal import session as citizen

    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "TESTING": True,
        }
    )
    with app.app_context():
        upgrade()
        figures = load(url, args)
        with app.test_request_context():
            cookie = citizen.start_session(1, "one_time_code")
            db.session.commit()
        db.session.remove()

    client = app.test_client()
    client.set_cookie(citizen.COOKIE_NAME, cookie, path="/my")
    for _ in range(10):  # warm-up: connection pool, template cache
        for path in [*PAGES, "/healthz"]:
            client.get(path)
    gc.freeze()  # as gunicorn.conf.py does in every worker after start-up
    results = {path: measure(client, path, args.requests) for path in PAGES}
    results["/healthz"] = measure(client, "/healthz", args.requests)

    download(client)  # warm
    before = rss_mib()
    downloads = [download(client) for _ in range(3)]
    after = rss_mib()
    tracemalloc.start()
    download(client)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    target_ms, target_s = 30.0, 2.0
    print(
        json.dumps(
            {
                "database": "postgresql",
                "data": {
                    "citizen_interactions": args.interactions,
                    "citizen_notices": args.notices,
                    "citizen_access_log_rows": args.accesses,
                    "other_parties": args.parties - 1,
                    **figures,
                },
                "pages": results,
                "data_json": {
                    "downloads": downloads,
                    "rss_mib_before": before,
                    "rss_mib_after": after,
                    "tracemalloc_peak_kib": round(peak / 1024, 1),
                },
                "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
                "cpu_cores": os.cpu_count(),
                "target_p95_ms": target_ms,
                "target_data_json_seconds": target_s,
                "targets_met": all(r["p95_ms"] <= target_ms for k, r in results.items())
                and all(d["seconds"] <= target_s for d in downloads),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
