"""The trial sequential analysis on the beyond-2016 page: a figure with alt text and the generated
sentence for every efficacy outcome, at a desktop and a phone width."""
import pytest

from livingreview.monitoring import OUTCOMES
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_site import glued, open_page

PAGE = "notebooks/07-beyond-2016.html"
NOTEBOOK = "07-beyond-2016.ipynb"


@pytest.mark.parametrize("width", [1300, 390])
def test_tsa_figures_and_sentences_are_on_the_page(browser, site_url, width):
    page, errors = open_page(browser, f"{site_url}/{PAGE}", viewport={"width": width, "height": 900})
    assert not errors, errors
    text = " ".join(page.inner_text("body").replace("\u2019", "'").split())  # smartquotes: ’ for '

    assert "Is the evidence enough? Sequential monitoring" in text
    for oc in OUTCOMES:
        fig = page.locator(f"#fig-tsa-{oc.replace('_', '-')}")
        assert fig.count() == 1, f"no TSA figure for {oc}"
        img = fig.locator("img")
        assert img.get_attribute("alt"), f"TSA figure of {oc} has no alt text"
        assert img.evaluate("i => i.complete && i.naturalWidth > 0")
        box = img.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, f"{oc}: figure wider than the page"
        assert " ".join(glued(NOTEBOOK, f"tsa_sentence_{oc}").split()) in text
    assert " ".join(glued(NOTEBOOK, "tsa_caveat").split()) in text
    page.locator("#fig-tsa-total-response").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"tsa-{width}.png"), full_page=False)
    page.close()
