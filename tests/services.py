"""Throwaway PostgreSQL and Redis servers for the suite and the benchmarks.

Each run starts its own, in a temporary folder on a free port below 32768 (higher ports collide
with outgoing client sockets), and removes it afterwards. Under root the servers run as the
postgres / redis user, because initdb refuses root.
"""

import glob
import os
import pwd
import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class ServiceUnavailable(RuntimeError):
    """A server binary is not installed; the message says which package to install."""


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def free_port() -> int:
    for _ in range(200):
        port = random.randint(15000, 32000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below 32768")


def find_binary(name: str, *patterns: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for pattern in patterns:
        matches = sorted(glob.glob(pattern))
        if matches:
            return matches[-1]
    return None


def _run_as(user: str | None, argv: list[str], **kwargs):
    if user:
        argv = ["su", user, "-s", "/bin/sh", "-c", " ".join(_quote(a) for a in argv)]
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs)


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def _service_user(name: str) -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(name)
    except KeyError as missing:
        raise ServiceUnavailable(f"running as root but there is no '{name}' user") from missing
    return name


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


@dataclass
class PostgresServer:
    folder: Path
    port: int
    user: str | None
    pg_ctl: str

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            _run_as(
                self.user, [self.pg_ctl, "-D", str(self.folder / "data"), "-m", "immediate", "stop"]
            )
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def serving(app, port: int | None = None) -> Iterator:
    """The app over real HTTP in a thread (werkzeug, threaded), as browsers, socket clients and
    Twilio's webhooks meet it: the server, with its `url` and `app`."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", port or free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url, server.app = f"http://127.0.0.1:{server.server_port}", app
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def postgres_database(url: str | None, name: str) -> Iterator[str]:
    """`url` when one is given; else a new database `name` on a throwaway PostgreSQL, stopped
    afterwards (the benchmarks' --database-url)."""
    if url:
        yield url
        return
    server = start_postgres()
    try:
        yield server.create_database(name)
    finally:
        server.stop()


def start_postgres() -> PostgresServer:
    initdb = find_binary("initdb", "/usr/lib/postgresql/*/bin/initdb")
    pg_ctl = find_binary("pg_ctl", "/usr/lib/postgresql/*/bin/pg_ctl")
    if not (initdb and pg_ctl):
        raise ServiceUnavailable("PostgreSQL is not installed: apt-get install postgresql")
    user = _service_user("postgres")
    folder = Path(tempfile.mkdtemp(prefix="loket-pg-"))
    folder.chmod(0o755)
    if user:
        shutil.chown(folder, user)
    port = free_port()
    data, sockets = folder / "data", folder / "sockets"
    _run_as(user, ["mkdir", "-p", str(sockets)])
    _run_as(
        user,
        [
            initdb,
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ],
    )
    options = (
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    _run_as(
        user, [pg_ctl, "-D", str(data), "-l", str(folder / "log"), "-o", options, "-w", "start"]
    )
    wait_for_port(port)
    return PostgresServer(folder, port, user, pg_ctl)


@dataclass
class RedisServer:
    process: subprocess.Popen
    port: int
    folder: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_redis() -> RedisServer:
    binary = find_binary("redis-server")
    if not binary:
        raise ServiceUnavailable("Redis is not installed: apt-get install redis-server")
    folder = Path(tempfile.mkdtemp(prefix="loket-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    return RedisServer(process, port, folder)


@dataclass
class TurnServer:
    """coturn on loopback with the `use-auth-secret` scheme Loket's credentials follow."""

    process: subprocess.Popen
    port: int
    secret: str
    realm: str
    folder: Path

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    @property
    def log(self) -> str:
        return (self.folder / "turn.log").read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_coturn() -> TurnServer:
    binary = find_binary("turnserver")
    if not binary or not find_binary("turnutils_uclient"):
        raise ServiceUnavailable("coturn is not installed: apt-get install coturn")
    import secrets

    folder = Path(tempfile.mkdtemp(prefix="loket-turn-"))
    port, secret, realm = free_port(), secrets.token_hex(16), "loket.test"
    process = subprocess.Popen(
        [
            binary,
            "-n",  # no configuration file: everything is on this command line
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
            f"--listening-port={port}",
            "--use-auth-secret",
            f"--static-auth-secret={secret}",
            f"--realm={realm}",
            "--no-tls",
            "--no-dtls",
            "--no-cli",
            # The test's peer is on loopback; the README's production set-up denies it.
            "--allow-loopback-peers",
            f"--log-file={folder / 'turn.log'}",
            "--simple-log",
            "--no-stdout-log",
            f"--pidfile={folder / 'turn.pid'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    return TurnServer(process, port, secret, realm, folder)
