"""Instructions per take-next press and per /healthz, counted by valgrind: the same figure at
any hour.

    .venv/bin/python bench/phone_take_instructions.py [--presses 100] [--repo PATH]

Take-next's target (bench/phone_take.py: p95 <= 100 ms with 50 agents pressing at once) is a
matter of the one worker's CPU per press, and CPU time on these shared machines moves by a
factor of two from hour to hour; an instruction count does not (repeat runs agree within 0.5%).
The data of bench/phone_take.py on a throwaway PostgreSQL; the app runs in-process under
callgrind, gc frozen as in a worker: every agent takes and logs a call uncounted (a warm-up),
then rounds of every agent pressing in turn, counted (the logs between rounds are not), then as
many /healthz. Only this process and only user space are counted: a round trip to PostgreSQL
saved counts for less here than in CPU time. `--repo` measures another checkout (a git
worktree of an older commit) with this script, to compare two commits. Needs valgrind and a
C compiler (apt: valgrind gcc).
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AGENTS = 20


def counted(repo: Path, url: str, tokens: list[str], shim: Path, presses: int) -> None:
    """Runs under valgrind, in `repo`: the counted phases, each dumped to its own file."""
    import ctypes
    import gc

    sys.path.insert(0, str(repo))
    from app import create_app

    app = create_app(
        {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False}
    )
    client = app.test_client()

    def press(token: str) -> int:
        answer = client.post("/api/v1/phone/next", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.data
        return answer.get_json()["id"]

    def log(token: str, call_id: int) -> None:
        answer = client.post(
            f"/api/v1/phone/calls/{call_id}/log",
            json={"outcome": "informed"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200, answer.data

    for token in tokens:
        log(token, press(token))
        client.get("/healthz")
    gc.freeze()  # as gunicorn.conf.py does in every worker
    counter = ctypes.CDLL(str(shim))
    for _round in range(presses // len(tokens)):
        counter.count_from_here()
        taken = [press(token) for token in tokens]
        counter.count_to_here()
        for token, call_id in zip(tokens, taken, strict=True):
            log(token, call_id)
    counter.count_from_here()
    for _ in range(presses):
        client.get("/healthz")
    counter.count_to_here()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=100, help="a multiple of 20")
    parser.add_argument("--repo", type=Path, default=ROOT)
    parser.add_argument("--counted", nargs=3, help=argparse.SUPPRESS)  # url tokens shim
    args = parser.parse_args()
    presses = args.presses - args.presses % AGENTS or AGENTS
    if args.counted:
        url, tokens, shim = args.counted
        counted(args.repo.resolve(), url, json.loads(tokens), Path(shim), presses)
        return

    sys.path.insert(0, str(ROOT))
    from bench import callgrind
    from bench.phone_take import prepare
    from tests import services

    folder = Path(tempfile.mkdtemp(prefix="loket-instructions-"))
    shim = callgrind.counter(folder)
    with services.postgres_database(None, "loket_take_instructions") as url:
        tokens = prepare(url, AGENTS * 2 + presses, AGENTS)
        argv = [__file__, "--repo", str(args.repo), "--presses", str(presses), "--counted", url]
        totals, _printed = callgrind.run(
            folder, [*argv, json.dumps(tokens), str(shim)], cwd=args.repo
        )
    *rounds, healthz = totals
    print(
        json.dumps(
            {
                "repo": str(args.repo),
                "presses": presses,
                "instructions_per_take_millions": round(sum(rounds) / presses / 1e6, 2),
                "instructions_per_healthz_millions": round(healthz / presses / 1e6, 2),
                "take_to_healthz": round(sum(rounds) / healthz, 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
