"""The robustness explorer on the efficacy and safety pages (book/_static/explorer.js), in Chromium.

Sets options, reads the numbers the script shows, and compares them with a fresh computation
(livingreview.robustness), at 1300 and 390 px, with no console error.
"""
import pytest

import livingreview as lr
from livingreview import robustness
from livingreview.fmt import fmt_int, fmt_pct, fmt_rr

from .conftest import ARTIFACTS
from .test_site import open_page as site_open_page

WIDTHS = (1300, 390)


@pytest.fixture(scope="module")
def space():
    review = lr.load_review()
    return robustness.analysis_space(review)


def row(space, analysis, outcome, population="all", **kw):
    sel = {**robustness.PRIMARY, **kw}
    s = space[(space["analysis"] == analysis) & (space["outcome"] == outcome) & (space["population"] == population)]
    for k, v in sel.items():
        s = s[s[k] == v]
    assert len(s) == 1
    return s.iloc[0]


def open_page(browser, site_url, page, width):
    """The page through test_site's opener (outside requests blocked, every local console error counted)."""
    pg, errors = site_open_page(browser, f"{site_url}/notebooks/{page}.html", {"width": width, "height": 900})
    pg.wait_for_selector(".lr-x-rr")
    return pg, errors


def shown(pg, analysis):
    root = pg.locator(f"#explorer-{analysis}")
    return {k: root.locator(f".lr-x-{k}").inner_text() for k in ("rr", "k", "participants", "i2", "tau2")}


@pytest.mark.parametrize("width", WIDTHS)
def test_efficacy_explorer_opens_on_the_primary_and_follows_the_options(browser, site_url, space, width):
    pg, errors = open_page(browser, site_url, "03-efficacy", width)
    r = row(space, "efficacy", "total_response")
    got = shown(pg, "efficacy")
    assert got["rr"] == fmt_rr(r["rr"], r["ci_low"], r["ci_high"])
    assert got["k"] == fmt_int(r["k"]) and got["participants"] == fmt_int(r["participants"])
    assert got["i2"] == fmt_pct(r["i2"])
    assert "primary analysis" in pg.locator("#explorer-efficacy .lr-x-note").inner_text()
    # the forest plot has one row per trial pooled, plus the pooled row
    assert pg.locator("#explorer-efficacy .lr-x-forest .lr-x-box").count() == r["k"]

    pg.select_option("#lr-x-efficacy-outcome", "complete_response")
    pg.select_option("#lr-x-efficacy-model", "REML")
    pg.select_option("#lr-x-efficacy-ci", "hksj")
    r = row(space, "efficacy", "complete_response", model="REML", ci_method="hksj")
    got = shown(pg, "efficacy")
    assert got["rr"] == fmt_rr(r["rr"], r["ci_low"], r["ci_high"])
    assert got["tau2"] == f"{r['tau2']:.3f}" and got["i2"] == fmt_pct(r["i2"])
    inc = r["ci_low"] <= 1 <= r["ci_high"]
    assert ("includes 1" if inc else "excludes 1") in pg.locator("#explorer-efficacy .lr-x-sentence").inner_text()

    # the specification curve in the explorer counts the same distinct analyses as the page's figure
    d = robustness.distinct(space)
    d = d[(d["analysis"] == "efficacy") & (d["outcome"] == "complete_response") & (d["population"] == "all")]
    fav = int(robustness.favours_tac(d["rr"], "better").sum())
    cap = pg.locator("#explorer-efficacy .lr-x-curve-summary").inner_text()
    assert f"{fav:,} of {len(d):,} distinct analyses" in cap, cap
    assert pg.locator("#explorer-efficacy .lr-x-curve circle.lr-x-cur").count() == 1
    assert pg.locator("#explorer-efficacy .lr-x-curve .lr-x-mark").count() > 0

    pg.select_option("#lr-x-efficacy-trials", "2016")
    pg.select_option("#lr-x-efficacy-left", "liu2015")
    r = row(space, "efficacy", "complete_response", model="REML", ci_method="hksj", trials_rule="2016",
            left_out="liu2015")
    assert shown(pg, "efficacy")["rr"] == fmt_rr(r["rr"], r["ci_low"], r["ci_high"])

    # keyboard: focus the model control, choose with the arrow keys; the labels name each control
    pg.locator("#explorer-efficacy .lr-x-reset").click()
    assert pg.locator("label[for='lr-x-efficacy-model']").inner_text() == "Model"
    pg.focus("#lr-x-efficacy-model")
    pg.keyboard.press("ArrowDown")
    assert pg.eval_on_selector("#lr-x-efficacy-model", "e => e.value") == "MH"
    assert pg.evaluate("document.documentElement.scrollWidth") <= width
    pg.locator("#explorer-efficacy").screenshot(path=str(ARTIFACTS / f"explorer-efficacy-test-{width}.png"))
    assert not errors, errors
    pg.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_safety_explorer_and_a_pool_without_trials(browser, site_url, space, width):
    pg, errors = open_page(browser, site_url, "04-safety", width)
    outcome = pg.eval_on_selector("#lr-x-safety-outcome", "e => e.value")
    r = row(space, "safety", outcome)
    assert shown(pg, "safety")["rr"] == fmt_rr(r["rr"], r["ci_low"], r["ci_high"])
    # one trial: random effects are not estimable, and the page says why
    if r["k"] < 2:
        pg.select_option("#lr-x-safety-model", "DL")
        assert "two or more trials" in pg.locator("#explorer-safety .lr-x-sentence").inner_text()
    assert pg.evaluate("document.documentElement.scrollWidth") <= width
    assert not errors, errors
    pg.close()
