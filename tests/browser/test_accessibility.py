"""axe-core on every page at 1300 and 390 px: no violation of impact "serious" or "critical".

axe-core comes with the PyPI package axe-playwright-python (it ships axe.min.js; nothing is fetched at
run time). A violation we cannot fix in our CSS or markup (the theme's own) is excluded below by rule
and selector, with the reason; never a rule wholesale.
"""
import json

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_reader import DESKTOP, PHONE
from tests.browser.test_site import open_page, toc_pages

SERIOUS = {"serious", "critical"}

#: (rule id, CSS selector fragment of the node, why it is not ours to fix). Keep this list short.
EXCLUDED: list[tuple[str, str, str]] = [
    # The bibliography's markup comes from docutils' HTML writer (sphinxcontrib-bibtex citations): a
    # <div role="list" class="citation-list"> whose items are role="doc-biblioentry" (deprecated in
    # ARIA 1.3, so axe no longer counts them as list items) with backlinks <a> as direct children.
    # Not in our CSS or markup; only this rule on this element is excluded.
    ("aria-required-children", ".citation-list", "docutils citation markup (role=list with doc-biblioentry)"),
]


def excluded(rule: str, target: str) -> bool:
    return any(rule == r and sel in target for r, sel, _ in EXCLUDED)


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"resultTypes": ["violations"],
                                      "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a",
                                                                            "wcag21aa", "best-practice"]}})
    out = []
    for v in result.response["violations"]:
        if v.get("impact") not in SERIOUS:
            continue
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            if not excluded(v["id"], target):
                out.append(f"{v['id']} ({v['impact']}): {target} — {node.get('failureSummary', '')[:160]}")
    return out


@pytest.mark.parametrize("path", toc_pages())
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1300", "390"])
def test_no_serious_accessibility_violation(browser, site_url, path, viewport):
    page, _ = open_page(browser, f"{site_url}/{path}", viewport=viewport)
    found = serious_violations(page)
    page.close()
    if found:
        ARTIFACTS.mkdir(exist_ok=True)
        name = path.replace("/", "_").replace(".html", "")
        (ARTIFACTS / f"axe-{name}-{viewport['width']}.json").write_text(json.dumps(found, indent=1))
    assert not found, f"{path} at {viewport['width']} px: {len(found)} serious/critical: {found[:6]}"


@pytest.mark.parametrize("path", toc_pages())
def test_heading_levels_in_order(browser, site_url, path):
    """One H1, and no heading more than one level below the one before it."""
    page, _ = open_page(browser, f"{site_url}/{path}")
    levels = page.evaluate("""() => Array.from(document.querySelectorAll(
        'article h1, article h2, article h3, article h4, article h5, article h6')).map(h => parseInt(h.tagName[1]))""")
    page.close()
    assert levels and levels[0] == 1 and levels.count(1) == 1, f"{path}: {levels}"
    jumps = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
    assert not jumps, f"{path}: heading levels jump {jumps}"
