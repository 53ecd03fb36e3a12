"""Where the counter's two hot paths spend their time, in-process with cProfile.

    .venv/bin/python bench/profile_counter.py [--waiting 3000] [--requests 300] [--clients 1000]

The benchmark (bench/counter.py) measures through gunicorn and suffers from a loaded machine;
relative costs inside one request do not. Both paths run through the Flask test client against
a throwaway PostgreSQL (or --database-url), with `--waiting` tickets already in the queue, as
after the benchmark's issuing phase:
- issuing: POST /api/v1/tickets, including its 201 reply (people ahead, estimated wait);
- calling: POST /api/v1/counters/<id>/call-next with `--clients` Socket.IO clients in the
  location's /display and /desk rooms (registered on the server without a network, so the
  emits' own cost is measured: encoding, rooms, queueing per client).
Prints JSON (milliseconds per request, per path) and the top functions of each profile.
"""

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.counter import SECRET, prepare  # noqa: E402
from tests import services  # noqa: E402


def fake_clients(server, location_id: int, count: int) -> None:
    """Half boards, half desks, as the benchmark connects them, without sockets."""
    from engineio.socket import Socket

    from realtime.namespaces import desk_room, display_room

    for index in range(count):
        eio_sid = f"bench-{index}"
        socket = server.eio.sockets[eio_sid] = Socket(server.eio, eio_sid)
        socket.check_ping_timeout = lambda: True  # nobody answers pings here
        namespace = "/desk" if index % 2 else "/display"
        sid = server.manager.connect(eio_sid, namespace)
        room = desk_room(location_id) if index % 2 else display_room(location_id)
        server.manager.enter_room(sid, namespace, room)


def drain(server) -> int:
    sent = 0
    for socket in server.eio.sockets.values():
        while not socket.queue.empty():
            socket.queue.get_nowait()
            sent += 1
    return sent


def profiled(label, work, requests: int, top: int) -> dict:
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for _ in range(requests):
        work()
    profile.disable()
    elapsed = time.perf_counter() - started
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats("cumulative")
    stats.print_stats(top)
    print(f"===== {label} =====", file=sys.stderr)
    print(out.getvalue(), file=sys.stderr)
    return {"requests": requests, "ms_per_request": round(elapsed * 1000 / requests, 2)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--waiting", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    with services.postgres_database(args.database_url, "loket_profile") as url:
        setup = prepare(url, counters=2)
        from app import create_app
        from counter import tickets
        from extensions import db

        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": SECRET,
                "RATELIMIT_ENABLED": False,
                "SOCKETIO_ASYNC_MODE": "threading",
            }
        )
        body = {"service_id": setup["service_id"], "location_id": setup["location_id"]}
        with app.app_context():
            for _ in range(args.waiting):
                tickets.issue_ticket(**body)
            db.session.remove()
        client = app.test_client()
        headers = setup["headers"]

        def issue():
            issued = client.post("/api/v1/tickets", json=body, headers=setup["kiosk_headers"])
            assert issued.status_code == 201

        def healthz():
            assert client.get("/healthz").status_code == 200

        counter_id = setup["counters"][0]
        server = app.extensions["socketio"]
        fake_clients(server, setup["location_id"], args.clients)

        def call_and_finish():
            called = client.post(f"/api/v1/counters/{counter_id}/call-next", headers=headers)
            assert called.status_code == 200, called.data
            with app.app_context():
                from counter import calling

                calling.finish(
                    called.json["id"], calling.Closer(None, admin=True), outcome="served"
                )
                db.session.remove()

        report = {
            "waiting_at_start": args.waiting,
            "healthz": profiled("healthz", healthz, args.requests, args.top),
            "issue_ticket": profiled("issue", issue, args.requests, args.top),
        }
        drain(server)
        report["call_next_with_broadcast"] = profiled(
            "call-next", call_and_finish, min(args.requests, args.waiting), args.top
        )
        report["call_next_with_broadcast"]["client_packets"] = drain(server)
        report["clients"] = args.clients
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
