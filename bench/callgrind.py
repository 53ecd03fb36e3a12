"""Counting a process's instructions with valgrind's callgrind, phase by phase: the figure of
the *_instructions benchmarks, the same at any hour on a shared machine.

The counted process loads the shim `counter(folder)` builds and calls `count_from_here()` and
`count_to_here()` around each phase; each phase is dumped to its own file, and `run` returns
the phases' totals in order. Needs valgrind and a C compiler (apt: valgrind gcc).
"""

import re
import subprocess
import sys
from pathlib import Path

SHIM = """#include <valgrind/callgrind.h>
void count_from_here(void) { CALLGRIND_ZERO_STATS; CALLGRIND_TOGGLE_COLLECT; }
void count_to_here(void) { CALLGRIND_TOGGLE_COLLECT; CALLGRIND_DUMP_STATS; }
"""


def counter(folder: Path) -> Path:
    """The two-function shim switching the counting on and off, compiled into `folder`."""
    shim = folder / "shim.so"
    (folder / "shim.c").write_text(SHIM)
    subprocess.run(["cc", "-shared", "-fPIC", "-o", shim, folder / "shim.c"], check=True)
    return shim


def run(folder: Path, argv: list[str], cwd: Path) -> tuple[list[int], str]:
    """`python argv` under callgrind, counting nothing until the shim says so: the totals of
    its phases, in order, and what it printed. Exits with its error output if it failed."""
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--collect-atstart=no",
            f"--callgrind-out-file={folder}/out",
            sys.executable,
            *argv,
        ],
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    if done.returncode:
        sys.exit(done.stderr[-3000:])
    totals = [
        int(re.search(r"^totals: (\d+)", path.read_text(), re.M).group(1))
        for path in sorted(folder.glob("out.*"), key=lambda p: int(p.suffix[1:]))
    ]
    return totals, done.stdout
