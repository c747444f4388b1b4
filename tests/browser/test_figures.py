"""Figures a reader can read and question (issue 21): forest plots as SVG at a readable size, each
study row's counts and their source on hover, focus and tap, no empty plot, alt text that says what
a figure shows, no overlapping text, tables whose first column stays when scrolled."""
import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_reader import DESKTOP, PHONE
from tests.browser.test_site import open_page, toc_pages

FOREST_PAGES = ["notebooks/03-efficacy.html", "notebooks/04-safety.html", "notebooks/05-maintenance.html"]
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1300", "390"])

#: Pairs of visible SVG text elements whose rendered boxes (getBBox, in the SVG's units) intersect.
OVERLAPS = """() => {
  const out = [];
  for (const svg of document.querySelectorAll('div.lr-forest svg')) {
    if (svg.getBoundingClientRect().width === 0) continue;  // the layout hidden at this width
    const boxes = Array.from(svg.querySelectorAll('text')).map(t => [t.getBBox(), t.textContent]);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const [a, ta] = boxes[i], [b, tb] = boxes[j];
      const dx = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const dy = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      if (dx > 0.5 && dy > 2) out.push(ta + ' | ' + tb);  // font boxes include line gap: allow 2 px
    }
    const w = svg.viewBox.baseVal.width;
    for (const [a, t] of boxes) if (a.x < -0.5 || a.x + a.width > w + 0.5) out.push('outside: ' + t);
  }
  return out;
}"""

#: The smallest rendered font size (CSS px) of the visible forest-plot text.
MIN_FONT = """() => {
  let m = 1e9;
  for (const svg of document.querySelectorAll('div.lr-forest svg')) {
    const r = svg.getBoundingClientRect();
    if (r.width === 0) continue;
    const scale = r.width / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text')) m = Math.min(m, parseFloat(t.getAttribute('font-size')) * scale);
  }
  return m;
}"""


@pytest.mark.parametrize("path", FOREST_PAGES)
@VIEWPORTS
def test_forest_text_does_not_overlap_and_is_readable(browser, site_url, path, viewport):
    page, _ = open_page(browser, f"{site_url}/{path}", viewport=viewport)
    assert page.locator("div.lr-forest").count() >= 1
    overlaps = page.evaluate(OVERLAPS)
    size = page.evaluate(MIN_FONT)
    page.close()
    assert overlaps == [], f"{path}: {overlaps[:5]}"
    assert size >= (12 if viewport is DESKTOP else 11), f"{path}: text drawn at {size:.1f} px"


@pytest.mark.parametrize("path", FOREST_PAGES[:2])
def test_no_empty_forest_plot(browser, site_url, path):
    """Every forest plot draws at least one CI; an outcome without counts is a card saying so."""
    page, _ = open_page(browser, f"{site_url}/{path}")
    empty = page.evaluate("""() => Array.from(document.querySelectorAll('div.lr-forest .lr-forest-wide svg'))
        .filter(s => s.querySelectorAll('g.lr-study rect:not(.lr-hit)').length === 0).length""")
    cards = page.locator(".lr-no-counts").count()
    texts = page.locator(".lr-no-counts").all_inner_texts()
    page.close()
    assert empty == 0
    assert all("not re-derivable yet" in t and "2016 review" in t for t in texts)
    if "safety" in path:
        assert cards >= 1


@VIEWPORTS
def test_provenance_on_focus_hover_and_tap(browser, site_url, viewport):
    page, _ = open_page(browser, f"{site_url}/notebooks/03-efficacy.html", viewport=viewport)
    row = page.locator("div.lr-forest g.lr-study:visible").first
    # keyboard: Tab reaches a study row, its counts and source appear
    row.focus()
    tip = page.locator("#lr-prov-tip")
    tip.wait_for(state="visible")
    text = tip.inner_text()
    assert "TAC events/total" in text and "Control events/total" in text and "Source" in text
    assert "Counts" in text
    page.keyboard.press("Escape")
    assert tip.is_hidden()
    # mouse hover, then tap (click) on another row
    page.locator("div.lr-forest g.lr-study:visible").nth(3).hover()
    tip.wait_for(state="visible")
    page.mouse.move(0, 0)
    page.locator("div.lr-forest g.lr-study:visible").nth(4).click()
    tip.wait_for(state="visible")
    page.screenshot(path=str(ARTIFACTS / f"provenance-{viewport['width']}.png"))
    # the table of counts: every count cell is focusable and shows the same
    cell = page.locator("td.lr-prov").first
    cell.focus()
    tip.wait_for(state="visible")
    assert "Source" in tip.inner_text()
    page.close()


@pytest.mark.parametrize("path", toc_pages())
def test_alt_text_is_not_a_path(browser, site_url, path):
    page, _ = open_page(browser, f"{site_url}/{path}")
    alts = page.evaluate("() => Array.from(document.querySelectorAll('article img')).map(i => i.alt || '')")
    names = page.evaluate("""() => Array.from(document.querySelectorAll('div.lr-forest svg'))
        .map(s => { const id = s.getAttribute('aria-labelledby'); const d = id && document.getElementById(id);
                    return d ? d.textContent : ''; })""")
    page.close()
    for alt in alts + names:
        assert alt.strip(), f"{path}: an image without alt text"
        assert not any(alt.strip().endswith(x) for x in (".png", ".svg", ".jpg")) and "_images/" not in alt, \
            f"{path}: alt text is a path: {alt!r}"


@pytest.mark.parametrize("path", ["notebooks/03-efficacy.html", "notebooks/04-safety.html"])
def test_sticky_first_column_and_labelled_scroll_box(browser, site_url, path):
    page, _ = open_page(browser, f"{site_url}/{path}", viewport=PHONE)
    box = page.locator(".lr-table-wrap.lr-table-wide").first
    assert box.get_attribute("role") == "region" and box.get_attribute("tabindex") == "0"
    assert box.get_attribute("aria-label")
    first = box.locator("tbody tr td").first
    assert first.evaluate("e => getComputedStyle(e).position") == "sticky"
    left_before = first.bounding_box()["x"]
    box.evaluate("e => { e.scrollLeft = 200; }")
    left_after = first.bounding_box()["x"]
    page.close()
    assert abs(left_after - left_before) < 1, "the first column scrolled away"


@pytest.mark.parametrize("path", [p for p in toc_pages() if "summary" in p or "efficacy" in p])
def test_no_column_cut_off_at_1300(browser, site_url, path):
    """At 1300 px every table fits its column (no scrolling needed to see p, I² or Reasons)."""
    page, _ = open_page(browser, f"{site_url}/{path}", viewport=DESKTOP)
    cut = page.evaluate("""() => Array.from(document.querySelectorAll('.lr-table-wrap'))
        .filter(w => w.scrollWidth > w.clientWidth + 1).map(w => w.id)""")
    page.close()
    assert cut == [], f"{path}: tables wider than their column: {cut}"
