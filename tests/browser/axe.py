"""axe-core in the page: fail on serious or critical accessibility violations, with a readable message."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

BLOCKING_IMPACTS = {"serious", "critical"}

_axe = Axe()


def assert_axe_clean(page: Page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    results = _axe.run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    lines = []
    for violation in blocking:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} [{violation['helpUrl']}]")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more elements")
    if blocking:  # a plain raise keeps the message readable (no repr of the raw axe results)
        raise AssertionError(
            f"axe-core found {len(blocking)} serious/critical violation(s) on {page.url}:\n" + "\n".join(lines)
        )
