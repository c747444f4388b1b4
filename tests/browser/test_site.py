"""The built site as a reader uses it: every page loads cleanly, figures show, navigation and search work."""
import ast
import json

import pytest
import yaml

from tests.browser.conftest import ARTIFACTS, ROOT


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [f"{f}.html" for f in files]


def glued(notebook: str, key: str) -> str:
    nb = json.loads((ROOT / "notebooks" / notebook).read_text())
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if out.get("metadata", {}).get("scrapbook", {}).get("name") == key:
                return ast.literal_eval(data["application/papermill.record/text/plain"])
    raise KeyError(key)


LOCAL = "http://127.0.0.1"


def open_page(browser, url, viewport=None):
    """Open a page of the local site; outside requests (CDNs: MathJax, thebe) are blocked, as this
    machine has no network, and errors they cause are not counted. Every other console error is."""
    page = browser.new_page(viewport=viewport or {"width": 1280, "height": 900})
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(LOCAL) else route.abort())
    errors = []
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}")
            if m.type == "error" and (m.location or {}).get("url", LOCAL).startswith(LOCAL)
            and "ERR_FAILED" not in m.text else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}")
            if r.url.startswith("http://127.0.0.1") else None)
    page.goto(url, wait_until="load")
    page.wait_for_function("() => Array.from(document.images).every(img => img.complete)", timeout=20000)
    return page, errors


@pytest.mark.parametrize("path", toc_pages())
def test_page_loads_cleanly(browser, site_url, path):
    page, errors = open_page(browser, f"{site_url}/{path}")
    text = page.inner_text("body")
    assert "Traceback" not in text, f"{path} shows a traceback"
    assert not errors, f"{path}: {errors}"
    broken = page.evaluate("""() => Array.from(document.images)
        .filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src)""")
    assert not broken, f"{path}: images not loaded: {broken}"
    page.close()


def test_landing_page_shows_the_answer(browser, site_url):
    """The landing page carries the generated answer: both regimens with our RR, the published one,
    certainty, harms, the date of the last search and what changed (all glued from the data)."""
    import livingreview as lr
    from livingreview import facts, pools
    from livingreview.fmt import fmt_rr

    review = lr.load_review()
    f = facts.facts_summary(review)
    page, _ = open_page(browser, f"{site_url}/index.html")
    page.wait_for_url("**/book/intro.html")
    page.wait_for_selector(".lr-answer")
    text = page.inner_text("body")
    triple = pools.pool_row(pools.pooled_estimates(review), "efficacy", "total_response", "triple")
    assert fmt_rr(triple["rr"], triple["ci_low"], triple["ci_high"]) in text
    for phrase in ("TAC + MMF + steroids", "TAC + steroids", "Random effects, sensitivity", "certainty", "Harms",
                   f["last_search_date"], f["what_changed"], "Asian"):
        assert phrase in text, f"{phrase!r} not on the landing page"
    page.screenshot(path=str(ARTIFACTS / "landing.png"), full_page=True)
    page.close()


def test_efficacy_page_has_forest_plots(browser, site_url):
    page, _ = open_page(browser, f"{site_url}/notebooks/03-efficacy.html")
    widths = page.evaluate("() => Array.from(document.querySelectorAll('div.lr-forest svg'))"
                           ".filter(s => s.getBoundingClientRect().width > 0).map(s => s.getBoundingClientRect().width)")
    assert len(widths) >= 3 and min(widths) > 0
    assert page.locator("figcaption").count() >= 3
    page.screenshot(path=str(ARTIFACTS / "efficacy.png"), full_page=True)
    page.close()


def test_next_and_sidebar_navigation(browser, site_url):
    page, _ = open_page(browser, f"{site_url}/book/intro.html")
    page.locator("a.right-next").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("notebooks/00-summary-of-findings.html")
    page.locator("a.left-prev").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("book/intro.html")
    page.locator("nav.bd-links a", has_text="Efficacy of induction therapy").first.click()
    page.wait_for_load_state("load")
    assert "notebooks/03-efficacy.html" in page.url
    page.close()


def test_search_finds_tacrolimus(browser, site_url):
    page, errors = open_page(browser, f"{site_url}/search.html?q=tacrolimus")
    page.wait_for_selector("ul.search li", timeout=20000)
    assert page.locator("ul.search li").count() >= 3
    assert not errors
    page.close()


def test_phone_width(browser, site_url):
    page, errors = open_page(browser, f"{site_url}/book/intro.html", viewport={"width": 390, "height": 844})
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / "landing-390.png"), full_page=False)
    assert overflow <= 1, f"page is {overflow}px wider than a 390 px screen"
    assert not errors
    page.close()


def _table_rows(page, selector):
    return page.eval_on_selector_all(f"{selector} tbody tr", "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))"), \
        page.eval_on_selector_all(f"{selector} thead th", "hs => hs.map(h => h.innerText.trim())")


def test_no_certainty_where_no_counts_or_no_judgement(browser, site_url):
    """Landing table and summary of findings: a certainty word or glyph only in a row with counts and a judgement
    for that very row (evidence.csv's certainty); rows without counts read 'not rated'."""
    import livingreview as lr
    from livingreview import grade

    review = lr.load_review()
    sof = grade.summary_of_findings(review)
    page, _ = open_page(browser, f"{site_url}/notebooks/00-summary-of-findings.html")
    rows, heads = _table_rows(page, "#lr-table-sof")
    c, n = heads.index("Certainty"), heads.index("№ participants (studies)")
    assert len(rows) == len(sof)
    for cells, r in zip(rows, sof.itertuples()):
        glyph = any(s in cells[c] for s in grade.SYMBOLS.values())
        assert glyph == bool(r.certainty), (cells, r.estimate_id)
        if "no trial with counts" in cells[n]:
            assert cells[c] == "not rated"
    page.close()
    page, _ = open_page(browser, f"{site_url}/book/intro.html")
    page.wait_for_selector(".lr-answer")
    rows, heads = _table_rows(page, "#lr-table-headline")
    c, k = heads.index("Certainty"), heads.index("Trials with counts")
    for cells in rows:
        if cells[k].startswith("0 of"):
            assert cells[c].lower().startswith("not rated"), cells
    page.close()
