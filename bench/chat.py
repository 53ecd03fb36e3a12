"""Chat benchmark through the production server on loopback; prints JSON figures.

    .venv/bin/python bench/chat.py [--chats 500] [--seconds 60] [--interval 2]
                                   [--reconnects 100] [--database-url URL]

One gunicorn process with the gevent worker (tests/production_server.py), a throwaway
PostgreSQL unless --database-url is given. `--chats` chats, each a citizen socket and an agent
socket (2 × chats sockets); every citizen sends a message every `--interval` seconds for
`--seconds`. Figures:
- message round trip citizen → agent (sent until the agent's socket has it): p50, p99, max;
- the worker's RSS with every socket connected, and at the end;
- lost and repeated messages: each acknowledged message must reach the agent exactly once;
- `--reconnects` citizens drop their socket during the run, miss messages the agent sends
  meanwhile, and resume with {chat_id, resume_token, after}: each must get exactly what it
  missed, in order, once.
Rate limits are off for the run: all traffic comes from one address.
"""

import argparse
import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import socketio  # noqa: E402

from tests import services  # noqa: E402
from tests.production_server import ProductionServer, cpu_seconds, migrate  # noqa: E402

SECRET = "bench-secret"  # noqa: S105  (a throwaway server)
AGENTS = 50  # staff members; each holds chats / AGENTS chats, one socket per chat


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def ms(seconds):
    return round(seconds * 1000, 2)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def prepare(url: str) -> list[str]:
    """Migrate; an office open around the clock; the agents. Returns their session cookies."""
    migrate(url, SECRET)
    from app import create_app
    from desk import accounts
    from desk.models import Role
    from extensions import db
    from tests.offices import open_around_the_clock
    from tests.realtime.sockets import session_cookie

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        hall = open_around_the_clock(min_notice_minutes=0)
        db.session.add(hall)
        staff = [
            accounts.create_staff(
                email=f"agent{n}@example.org",
                name=f"Agent {n}",
                role=Role.CALL_AGENT,
                password="bench-password-123",  # noqa: S106
            )
            for n in range(AGENTS)
        ]
        db.session.commit()
        cookies = [session_cookie(app, member) for member in staff]
        db.engine.dispose()
    return cookies


class Chat:
    """One chat's two sockets and what each saw."""

    def __init__(self):
        self.citizen = None
        self.agent = None
        self.chat_id = None
        self.token = None
        self.sent_at: dict[int, float] = {}  # citizen's seq -> when it was sent
        self.agent_got: list[int] = []  # citizen's seqs as the agent received them
        self.round_trips: list[float] = []
        self.citizen_got: list[int] = []  # agent's seqs as the citizen received them
        self.replayed: list[int] = []
        self.missed: list[int] = []
        self.started = asyncio.Event()
        self.pending_text: dict[str, float] = {}


async def connect(url, *, auth=None, headers=None, handlers=()):
    client = socketio.AsyncClient(reconnection=False)
    for event, handler in handlers:
        client.on(event, handler, namespace="/chat")
    await client.connect(
        url,
        namespaces=["/chat"],
        transports=["websocket"],
        auth=auth,
        headers=headers or {},
        wait_timeout=60,
    )
    return client


async def run(url: str, cookies: list[str], args, pid: int) -> dict:
    chats = [Chat() for _ in range(args.chats)]

    # The agents' sockets first: the chat is open when an agent is online.
    async def agent_socket(index):
        chat = chats[index]

        def on_message(message):
            if message["from"] != "citizen":
                return
            now = time.perf_counter()
            chat.agent_got.append(message["seq"])
            sent = chat.pending_text.pop(message["text"], None)
            if sent is not None:
                chat.round_trips.append(now - sent)

        chat.agent = await connect(
            url,
            headers={"Cookie": cookies[index % len(cookies)]},
            handlers=[("message", on_message)],
        )

    for start in range(0, args.chats, 100):
        await asyncio.gather(*(agent_socket(i) for i in range(start, min(args.chats, start + 100))))

    async def citizen_socket(index, auth):
        chat = chats[index]

        def on_started(data):
            chat.chat_id, chat.token = data["chat_id"], data["resume_token"]
            chat.started.set()

        def on_message(message):
            if message["from"] == "agent":
                chat.citizen_got.append(message["seq"])

        chat.citizen = await connect(
            url, auth=auth, handlers=[("chat_started", on_started), ("message", on_message)]
        )

    for start in range(0, args.chats, 100):
        await asyncio.gather(
            *(
                citizen_socket(i, {"name": f"Burger {i}", "language": "nl"})
                for i in range(start, min(args.chats, start + 100))
            )
        )
    await asyncio.gather(*(asyncio.wait_for(chat.started.wait(), 60) for chat in chats))

    async def take(chat):
        answer = await chat.agent.call("take", {"chat_id": chat.chat_id}, namespace="/chat")
        if not answer.get("ok"):
            raise RuntimeError(f"take refused: {answer}")

    for start in range(0, args.chats, 50):
        await asyncio.gather(*(take(chat) for chat in chats[start : start + 50]))
    rss_connected = rss_mib(pid)

    deadline = time.perf_counter() + args.seconds
    server_cpu, client_cpu = cpu_seconds(pid), time.process_time()
    acked: dict[int, list[int]] = {i: [] for i in range(args.chats)}
    errors: list[str] = []
    reconnecting: set[int] = set()

    async def talk(index):
        chat = chats[index]
        await asyncio.sleep(random.uniform(0, args.interval))
        n = 0
        while time.perf_counter() < deadline:
            if index not in reconnecting:
                n += 1
                text = f"{chat.chat_id}:{n}"
                chat.pending_text[text] = time.perf_counter()
                try:
                    answer = await chat.citizen.call(
                        "message", {"text": text}, namespace="/chat", timeout=30
                    )
                except Exception as error:  # a timeout is a figure, not a crash
                    errors.append(repr(error))
                    answer = None
                if answer and answer.get("ok"):
                    acked[index].append(answer["seq"])
                elif answer:
                    errors.append(str(answer))
            await asyncio.sleep(args.interval)

    async def drop_and_resume(index):
        """Gone for a while; the agent writes meanwhile; back with the last seq seen."""
        chat = chats[index]
        await asyncio.sleep(random.uniform(2, max(3, args.seconds - 10)))
        reconnecting.add(index)
        await asyncio.sleep(0.2)  # the citizen's own message in flight gets its ack first
        await chat.citizen.disconnect()
        last_seen = max(acked[index] + chat.citizen_got, default=0)
        for k in range(3):
            answer = await chat.agent.call(
                "message", {"chat_id": chat.chat_id, "text": f"gemist {k}"}, namespace="/chat"
            )
            chat.missed.append(answer["seq"])
        got: list[int] = []

        def on_message(message):
            if message["from"] == "agent":
                got.append(message["seq"])
                chat.citizen_got.append(message["seq"])

        auth = {"chat_id": chat.chat_id, "resume_token": chat.token, "after": last_seen}
        chat.citizen = await connect(url, auth=auth, handlers=[("message", on_message)])
        await asyncio.sleep(1.0)
        chat.replayed = got
        reconnecting.discard(index)

    sample = random.sample(range(args.chats), min(args.reconnects, args.chats))
    await asyncio.gather(
        *(talk(i) for i in range(args.chats)), *(drop_and_resume(i) for i in sample)
    )
    await asyncio.sleep(2)  # the last messages arrive
    server_cpu = cpu_seconds(pid) - server_cpu
    client_cpu = time.process_time() - client_cpu

    round_trips = [rt for chat in chats for rt in chat.round_trips]
    sent = sum(len(seqs) for seqs in acked.values())
    lost = sum(len(set(acked[i]) - set(chat.agent_got)) for i, chat in enumerate(chats))
    repeated = sum(len(chat.agent_got) - len(set(chat.agent_got)) for chat in chats)
    replays_exact = sum(1 for i in sample if chats[i].replayed == chats[i].missed)
    rss_end = rss_mib(pid)
    for chat in chats:
        await chat.citizen.disconnect()
        await chat.agent.disconnect()
    return {
        "chats": args.chats,
        "sockets": 2 * args.chats,
        "seconds": args.seconds,
        "interval_seconds": args.interval,
        "messages_acknowledged": sent,
        "messages_per_second": round(sent / args.seconds, 1),
        "round_trip_ms": {
            "p50": ms(percentile(round_trips, 0.5)),
            "p99": ms(percentile(round_trips, 0.99)),
            "max": ms(max(round_trips)),
        },
        "lost": lost,
        "repeated": repeated,
        "reconnects": len(sample),
        "reconnects_replayed_exactly": replays_exact,
        "errors": errors[:10],
        "error_count": len(errors),
        # CPU per message (the reconnects' messages included): what one core can carry.
        "server_cpu_ms_per_message": round(1000 * server_cpu / max(sent, 1), 2),
        "client_cpu_ms_per_message": round(1000 * client_cpu / max(sent, 1), 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "server_rss_mib_connected": rss_connected,
        "server_rss_mib_end": rss_end,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--reconnects", type=int, default=100)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    with services.postgres_database(args.database_url, "loket_bench_chat") as url:
        cookies = prepare(url)
        env = {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "LOKET_RATELIMIT_ENABLED": "false",
            "LOKET_CHAT_MAX_ACTIVE": str(args.chats),
            "LOKET_CHAT_RATE_MESSAGES": "1000",
        }
        with ProductionServer(env, connections=10000) as server:
            pid = server.worker_pids()[0]
            figures = asyncio.run(run(server.url, cookies, args, pid))
            report = {
                "server": "gunicorn -k gevent -w 1 --worker-connections 10000 (loopback)",
                "database": "postgresql" if url.startswith("postgresql") else "sqlite",
                **figures,
            }
            print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
