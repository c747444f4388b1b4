"""The book as its readers see it (issue 10, "Tests"): no machine names or `nan`, no open code, a page that
fits a 390 px phone, a landing page that names both regimens beside the published estimates.

Run by `make browser` against `_build/html` (LR_BROWSER=1). Pages whose file name contains `verification`
or `status` are for methodologists and exempt from the wording checks.
"""
import json
import re

import pytest

from tests.browser.conftest import ARTIFACTS, ROOT
from tests.browser.test_site import open_page, toc_pages

READER_PAGES = [p for p in toc_pages() if "verification" not in p and "status" not in p]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1300, "height": 900}
#: Pages screenshotted at both widths (file-name fragments; the first page found for each is used).
SCREENSHOTS = {"landing": "intro", "summary-of-findings": "summary", "efficacy": "efficacy",
               "reproduction": "reproduction", "included-studies": "included-studies", "beyond-2016": "beyond",
               "discussion": "discussion", "living-update": "living-update", "background": "background",
               "methods": "methods", "safety": "safety", "maintenance": "maintenance",
               "search": "search-and-selection"}


def machine_names() -> set[str]:
    """snake_case names a reader must not see: schema columns, enum codes and outcome ids."""
    names = set()
    for path in (ROOT / "data").glob("*.schema.json"):
        for f in json.loads(path.read_text())["fields"]:
            names.add(f["name"])
            names.update(str(c) for c in f.get("constraints", {}).get("enum", []))
    import csv

    with open(ROOT / "data" / "outcome_vocabulary.csv", encoding="utf-8") as fh:
        names.update(r["outcome"] for r in csv.DictReader(fh))
    with open(ROOT / "data" / "labels.csv", encoding="utf-8") as fh:
        names.update(r["code"] for r in csv.DictReader(fh))
    return {n for n in names if "_" in n}  # single words (duo, rct, safety) are ordinary English


MACHINE = machine_names()
SNAKE = re.compile(r"(?<![\w./\-@])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./\-@(])")

#: The visible text of the article outside code (code cells, inline code, pre blocks and math are removed).
VISIBLE_TEXT = """() => {
  const art = document.querySelector('article') || document.body;
  const clone = art.cloneNode(true);
  clone.querySelectorAll('pre, code, .cell_input, .highlight, script, style, .math, mjx-container, .headerlink')
       .forEach(e => e.remove());
  document.body.appendChild(clone); clone.style.position = 'absolute'; clone.style.left = '-99999px';
  const t = clone.innerText; clone.remove(); return t;
}"""


@pytest.mark.parametrize("path", READER_PAGES)
def test_no_machine_names_or_nan(browser, site_url, path):
    page, _ = open_page(browser, f"{site_url}/{path}")
    text = page.evaluate(VISIBLE_TEXT)
    found = sorted({m for m in SNAKE.findall(text)} | {n for n in MACHINE if re.search(rf"\b{re.escape(n)}\b", text)})
    cells = page.evaluate("() => Array.from(document.querySelectorAll('article td, article th'))"
                          ".map(c => c.innerText.trim())")
    page.close()
    assert not found, f"{path} shows machine names: {found}"
    assert not [c for c in cells if c.lower() in ("nan", "none", "<na>")], f"{path}: a table cell reads nan"


@pytest.mark.parametrize("path", READER_PAGES)
def test_no_code_cell_shown(browser, site_url, path):
    page, _ = open_page(browser, f"{site_url}/{path}")
    shown = page.evaluate("""() => Array.from(document.querySelectorAll('.cell_input, details.hide.above-input'))
        .filter(e => e.offsetParent !== null).length""")
    page.close()
    assert shown == 0, f"{path}: {shown} code cell(s) or code toggles visible"


@pytest.mark.parametrize("path", toc_pages())
def test_fits_a_phone(browser, site_url, path):
    page, _ = open_page(browser, f"{site_url}/{path}", viewport=PHONE)
    over = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    page.close()
    assert over <= 0, f"{path} is {over} px wider than a 390 px screen"


def test_landing_page_names_regimens_and_keeps_editions_apart(browser, site_url):
    page, _ = open_page(browser, f"{site_url}/book/intro.html", viewport=PHONE)
    page.wait_for_selector(".lr-answer")
    text = page.inner_text("article") if page.locator("article").count() else page.inner_text("body")
    headers = page.evaluate("() => Array.from(document.querySelectorAll('article th')).map(c => c.innerText)")
    page.close()
    assert re.search(r"\bduo\b|TAC \+ steroids", text, re.I), "the landing page does not name duo therapy"
    assert re.search(r"\btriple\b|TAC \+ MMF \+ steroids", text, re.I), "the landing page does not name triple therapy"
    # like with like (issue 20): the landing table holds today's estimates only; the review's published values
    # stand beside our 2016-trials estimates on the summary-of-findings and reproduction pages
    assert not any("Published" in h for h in headers), "the landing table sets living estimates beside published ones"
    assert any(re.search(r"\bRR\b|risk ratio", h, re.I) for h in headers), "no column with our estimates"


def test_landing_facts_follow_the_data(tmp_path):
    """A count changed in a copy of the data changes what the landing page says (via its facts function)."""
    import shutil

    import pandas as pd

    import livingreview as lr

    from livingreview import facts

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    before = facts.facts_summary(lr.load_review(data))
    out = pd.read_csv(data / "outcomes.csv", dtype=str, keep_default_na=False)
    hit = (out["study_id"] == "mok2016") & (out["outcome"] == "complete_response")
    out.loc[hit, "tac_events"] = "36"  # was 46 of 74 (a duo-therapy trial: the duo statement must change)
    out.to_csv(data / "outcomes.csv", index=False, lineterminator="\n")
    changed_review = lr.load_review(data)
    after = facts.facts_summary(changed_review)
    from livingreview.data import data_version

    version = data_version(data)
    # the data version (in the citation) changes with any edit: only the other values count
    changed = {k for k in before if isinstance(before[k], str) and before[k] != after.get(k)
               and version not in str(after.get(k))}
    assert changed, "the landing page's facts did not change when a count changed (only the data version did)"
    from livingreview import pools
    from livingreview.fmt import fmt_rr

    duo = pools.pool_row(pools.pooled_estimates(changed_review), "efficacy", "complete_response", "duo")
    new_rr = fmt_rr(duo["rr"], duo["ci_low"], duo["ci_high"])
    assert any(new_rr in str(after[k]) for k in changed), (
        f"the duo complete-response estimate {new_rr} of the changed data is not on the landing page")


@pytest.mark.parametrize("name, fragment", SCREENSHOTS.items())
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1300", "390"])
def test_screenshots(browser, site_url, name, fragment, viewport):
    pages = [p for p in toc_pages() if fragment in p]
    if not pages:
        pytest.skip(f"no page whose name contains {fragment!r} yet")
    page, _ = open_page(browser, f"{site_url}/{pages[0]}", viewport=viewport)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"{name}-{viewport['width']}.png"
    shot.unlink(missing_ok=True)
    heading = page.locator("article h1").first.inner_text() if page.locator("article h1").count() else ""
    page.screenshot(path=str(shot), full_page=True)
    size = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    page.close()
    assert heading.strip(), f"{pages[0]}: no page heading rendered"
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n", f"{shot.name} is not a PNG"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width >= viewport["width"] and height >= min(size[1], viewport["height"]) > 0, (shot.name, width, height)
