"""The production server (gunicorn, gevent worker) as a subprocess, for tests and benchmarks.

`-w 1 -k gevent`: one process holds thousands of Socket.IO clients; more processes share events
through REDIS_URL. No --preload: gevent must patch before the app (and psycopg) is imported.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.services import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent


def gunicorn_command(port: int, connections: int = 10000) -> list[str]:
    return [
        str(Path(sys.executable).parent / "gunicorn"),
        "-k",
        "gevent",
        "-w",
        "1",
        "--worker-connections",
        str(connections),
        "--no-control-socket",
        "--bind",
        f"127.0.0.1:{port}",
        "app:create_app()",
    ]


def migrate(url: str, secret: str) -> None:
    """The database at the newest schema, the way an installation upgrades (`flask db upgrade`
    in a process of its own, production settings)."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret, "LOKET_ENV": "production"}
    flask = str(Path(sys.executable).parent / "flask")
    subprocess.run(
        [flask, "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True
    )


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (/proc/<pid>/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reference_loop_ms() -> float:
    """The median of three runs of one fixed loop of Python, in ms: how fast this machine is at
    the moment. A shared virtual machine is not equally fast at all hours (this loop took 32 ms
    at some hours and 55 at others here), and a benchmark's CPU times move with it."""
    times = []
    for _ in range(3):
        begun = time.process_time()
        sum(range(3_000_000))
        times.append(time.process_time() - begun)
    return round(sorted(times)[1] * 1000, 1)


class ProductionServer:
    def __init__(self, env: dict, connections: int = 10000, log=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            gunicorn_command(self.port, connections),
            cwd=ROOT,
            env={**os.environ, "LOKET_ENV": "production", **env},
            stdout=subprocess.DEVNULL,
            stderr=log or subprocess.DEVNULL,
        )
        try:
            wait_for_port(self.port, timeout=60)
            self.wait_until_healthy()
        except RuntimeError:
            self.stop()
            raise

    def wait_until_healthy(self, attempts: int = 600) -> None:
        """The master listens before its worker has loaded the app: wait for a real answer."""
        import requests

        for _ in range(attempts):
            try:
                if requests.get(f"{self.url}/healthz", timeout=30).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.url} never became healthy")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def __enter__(self) -> "ProductionServer":
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
