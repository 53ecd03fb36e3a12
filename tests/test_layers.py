"""The dependency rule of the house, for the parts that have moved to it: the office is a floor
(it imports core only), and the counter imports no other channel."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def loket_imports(package: str) -> set[str]:
    """The top-level names every module of the package imports (its own included)."""
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found.add(node.module.split(".")[0])
    ours = {p.parent.name for p in ROOT.glob("*/__init__.py")} | {"app", "extensions", "demo"}
    return found & ours


def test_the_office_is_a_floor():
    assert loket_imports("office") <= {"office", "core", "extensions"}


def test_the_counter_imports_no_other_channel():
    assert "appointments" not in loket_imports("counter")
