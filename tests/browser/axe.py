"""axe-core, the accessibility checker, run on a Playwright page."""

import os
from pathlib import Path

import pytest

AXE_JS = (
    Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
)
AXE_BLOCKING = ("serious", "critical")


def axe_violations(page):
    """Run axe-core (the npm package pinned in package-lock.json, installed by
    ``make node-deps``; never a CDN) on the current page and return its serious
    and critical violations as ``[(rule id, impact, [targets…])]``.

    The page's context needs ``bypass_csp=True``: the site's CSP rightly refuses
    the injected script tag.
    """
    if not AXE_JS.exists():
        message = f"axe-core not installed at {AXE_JS} (make node-deps)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async (blocking) => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations
                .filter(v => blocking.includes(v.impact))
                .map(v => [v.id, v.impact, v.nodes.slice(0, 5).map(
                    n => n.target.join(' '))]);
        }""",
        list(AXE_BLOCKING),
    )
