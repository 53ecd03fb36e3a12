"""Helpers for browser tests: accessibility checks with axe-core."""

from pathlib import Path

import pytest

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE = Path(__file__).resolve().parent.parent / "static" / "vendor" / "axe.min.js"


def axe_violations(tab) -> list[dict]:
    """Runs axe-core (from npm, see `make assets`) with the WCAG 2.0/2.1 A and AA rules."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make assets` (npm ci) first")
    tab.evaluate(AXE.read_text())
    return tab.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})
             .then(result => result.violations.map(v => ({
                 id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))""",
        WCAG_TAGS,
    )
