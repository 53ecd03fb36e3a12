"""Benchmark: the 360° timeline and the search box on a large record, through the WSGI app.

    .venv/bin/python bench/timeline.py [--database-url postgresql+psycopg://...] [--requests 200]

Without --database-url it starts a throwaway PostgreSQL (tests/services.py). It loads
--parties parties (each with a phone, an e-mail and a national register number) and
--interactions contact moments, --big of them on one party, by set-based INSERT ... SELECT and
COPY; then measures p50/p95 over --requests requests for the first timeline page of the big
party, search by phone, e-mail and national register number, and /healthz, all in one run.
Memory: tracemalloc peak of one timeline request for the big party and for a small one; if the
page loads only its 50 rows, the two are about equal. Prints JSON.
"""

import argparse
import gc
import json
import random
import resource
import secrets
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402
from desk import identifiers  # noqa: E402
from extensions import db  # noqa: E402
from tests import services  # noqa: E402
from tests.record_data import dotted, national_number  # noqa: E402

FIRST = ["Jan", "An", "Marie", "Luc", "Sofie", "Pieter", "Els", "Tom", "Fatima", "Mohamed"]
LAST = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens"]
CHANNELS = ["web", "sms", "chat", "video", "phone", "counter", "email", "post"]


def phone_of(i: int) -> str:
    return f"+32470{i:06d}"


def national_number_of(i: int) -> str:
    return national_number(f"{i:09d}")


def psycopg_connect(url: str):
    import psycopg

    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        password=parsed.password,
        dbname=parsed.database,
    )


def load(url: str, app, parties: int, interactions: int, big: int) -> dict:
    """Set-based loading: the database generates the rows, Python only the keyed hashes."""
    key = identifiers.identifier_key(app.config)
    started = time.perf_counter()
    with psycopg_connect(url) as conn:
        conn.execute(
            "INSERT INTO department (id, code, name) VALUES (1, 'burgerzaken', 'Burgerzaken')"
        )
        first = "ARRAY[" + ",".join(f"'{n}'" for n in FIRST) + "]"
        last = "ARRAY[" + ",".join(f"'{n}'" for n in LAST) + "]"
        conn.execute(
            f"""
            INSERT INTO party (id, kind, name, search_name, preferred_channel, secret, created_at)
            SELECT g, 'person', n, lower(n), 'sms', false, now() - interval '3 years'
            FROM (SELECT g, ({first})[1 + g %% {len(FIRST)}] || ' '
                            || ({last})[1 + (g / 7) %% {len(LAST)}] || ' ' || g AS n
                  FROM generate_series(1, %(parties)s) g) s
            """,
            {"parties": parties},
        )
        conn.execute(
            """
            INSERT INTO contact_address (party_id, kind, value, is_default, consent_reminders,
                consent_queue_alerts, consent_case_updates, created_at, verified_at)
            SELECT g, 'phone', '+32470' || lpad(g::text, 6, '0'), true, true, true, true, now(),
                   CASE WHEN g %% 2 = 0 THEN now() END
            FROM generate_series(1, %(parties)s) g
            UNION ALL
            SELECT g, 'email', 'person' || g || '@example.org', true, true, true, true, now(), NULL
            FROM generate_series(1, %(parties)s) g
            """,
            {"parties": parties},
        )
        with conn.cursor().copy(
            "COPY party_identifier (party_id, kind, digest, masked, created_at) FROM STDIN"
        ) as copy:
            for i in range(1, parties + 1):
                digits = national_number_of(i)
                copy.write_row(
                    (
                        i,
                        identifiers.NATIONAL_NUMBER,
                        identifiers.identifier_digest(identifiers.NATIONAL_NUMBER, digits, key),
                        identifiers.mask_identifier(identifiers.NATIONAL_NUMBER, digits),
                        "2024-01-01 00:00:00+00",
                    )
                )
        channels = "ARRAY[" + ",".join(f"'{c}'" for c in CHANNELS) + "]"
        # party 1 gets `big` contact moments; the rest spread evenly over the other parties
        conn.execute(
            f"""
            INSERT INTO interaction (party_id, channel, direction, started_at, subject, summary,
                                     recorded_at)
            SELECT CASE WHEN g <= %(big)s THEN 1 ELSE 2 + (g %% (%(parties)s - 1)) END,
                   ({channels})[1 + g %% 8],
                   CASE WHEN g %% 3 = 0 THEN 'outbound' ELSE 'inbound' END,
                   timestamptz '2023-01-01' + (g * interval '97 seconds'),
                   'Contact ' || g, 'Samenvatting van contact ' || g,
                   timestamptz '2023-01-01' + (g * interval '97 seconds')
            FROM generate_series(1, %(interactions)s) g
            """,
            {"big": big, "parties": parties, "interactions": interactions},
        )
        for table in ("party", "department", "contact_address", "party_identifier", "interaction"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return {"load_seconds": round(time.perf_counter() - started, 1)}


def measure(client, paths, check) -> dict:
    timings = []
    for path in paths:
        begin = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        check(response)
    timings.sort()
    return {
        "requests": len(timings),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "max_ms": round(timings[-1], 2),
    }


def peak_kib(client, path) -> float:
    client.get(path)  # warm: templates compiled, statements cached
    tracemalloc.start()
    client.get(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return round(peak / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--parties", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    with services.postgres_database(args.database_url, "loket_bench") as url:
        run(url, args)


def run(url: str, args) -> None:
    from flask_migrate import upgrade

    from desk import accounts
    from desk.models import Role

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
        figures = load(url, app, args.parties, args.interactions, args.big)
        staff = accounts.create_staff(
            email="bench@example.org",
            name="Bench",
            role=Role.BACK_OFFICE,
            password=secrets.token_urlsafe(16),
            department_id=1,
        )
        db.session.commit()
        staff_id = staff.get_id()
        small_party = args.parties  # about interactions/parties contact moments
        db.session.remove()

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = staff_id
        session["_fresh"] = True
        session["last_seen"] = time.time()

    rng = random.Random(42)
    picks = [rng.randint(2, args.parties) for _ in range(args.requests)]
    n = args.requests

    def found(response):
        assert b"/desk/parties/" in response.data, "search found nobody"

    def timeline_ok(response):
        assert response.data.count(b'class="timeline-item') == 50

    for _ in range(20):  # warm-up: connection pool, template cache
        client.get("/desk/parties/1")
        client.get("/healthz")
    gc.freeze()  # as gunicorn.conf.py does in every worker after start-up
    results = {
        "timeline_first_page": measure(client, ["/desk/parties/1"] * n, timeline_ok),
        "search_phone": measure(
            client,
            [
                f"/desk/?q=0470 {i // 10000 % 100:02d} {i // 100 % 100:02d} {i % 100:02d}"
                for i in picks
            ],
            found,
        ),
        "search_email": measure(client, [f"/desk/?q=Person{i}@Example.org" for i in picks], found),
        "search_national_number": measure(
            client, [f"/desk/?q={dotted(national_number_of(i))}" for i in picks], found
        ),
        "healthz": measure(client, ["/healthz"] * n, lambda r: None),
    }
    memory = {
        "timeline_request_peak_kib_big_party": peak_kib(client, "/desk/parties/1"),
        "timeline_request_peak_kib_small_party": peak_kib(client, f"/desk/parties/{small_party}"),
        "process_max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    target = 20.0
    print(
        json.dumps(
            {
                "database": "postgresql",
                "data": {
                    "parties": args.parties,
                    "interactions": args.interactions,
                    "big_party_interactions": args.big,
                    **figures,
                },
                "results": results,
                "memory": memory,
                "target_p95_ms": target,
                "targets_met": all(
                    r["p95_ms"] <= target for k, r in results.items() if k != "healthz"
                ),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
