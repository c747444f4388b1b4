"""The prose of the book never types a result by hand: numbers come through glue.

Every Markdown page in book/ and every Markdown cell of the notebooks is checked, after removing
glue roles, substitutions, code and URLs: no decimal number with two or more decimals (a pooled RR,
CI bound or p-value) and no percentage may remain, and none of the published or current pooled
estimates may appear as literal text.
"""
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from livingreview.data import ROOT

PAGES = sorted((ROOT / "book").glob("*.md"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))

STRIP = [
    re.compile(r"```.*?```", re.S),           # fenced code and directives with code
    re.compile(r"\{glue:[a-z]*\}`[^`]*`"),    # glue roles
    re.compile(r"\{\{[^}]*\}\}"),             # substitutions
    re.compile(r"\{[a-z]+\}`[^`]*`"),         # other roles (cite, download, …)
    re.compile(r"`[^`]*`"),                    # inline code
    re.compile(r"https?://\S+"),               # URLs
]
DECIMAL = re.compile(r"(?<![\w.])\d+\.\d{2,}(?![\w.])")
PERCENT = re.compile(r"\d+(\.\d+)?\s?%(?!\s?(CI|confidence))")  # "95% CI" names a method, not a result


def prose(text: str) -> str:
    for pat in STRIP:
        text = pat.sub(" ", text)
    return text


def sources():
    for p in PAGES:
        yield p.relative_to(ROOT), p.read_text(encoding="utf-8")
    for p in NOTEBOOKS:
        nb = json.loads(p.read_text(encoding="utf-8"))
        md = "\n\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        yield p.relative_to(ROOT), md


@pytest.mark.parametrize("name, text", list(sources()), ids=lambda v: str(v) if isinstance(v, Path) else "")
def test_no_typed_results(name, text):
    body = prose(text)
    assert not DECIMAL.findall(body), f"{name}: decimal numbers typed in prose: {DECIMAL.findall(body)}"
    assert not PERCENT.search(body), f"{name}: a percentage is typed in prose: {PERCENT.search(body).group(0)}"


def test_no_pooled_estimate_as_literal_text():
    values = set()
    pub = pd.read_csv(ROOT / "data" / "published_estimates.csv")
    ours = pd.read_csv(ROOT / "results" / "pooled_estimates.csv")
    for col in ("rr", "ci_low", "ci_high"):
        values |= {f"{v:.2f}" for v in pub[col]} | {f"{v:.2f}" for v in ours[col].dropna()}
    values -= {"1.00", "0.00"}
    for name, text in sources():
        body = prose(text)
        found = sorted(v for v in values if re.search(rf"(?<![\w.]){re.escape(v)}(?![\w.])", body))
        assert not found, f"{name}: pooled estimates typed by hand: {found}"


NUMBER_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
                "sixteen|seventeen|eighteen|nineteen|twenty")
#: A count of trials, studies or patients typed in prose ("five induction trials", "693 patients").
TYPED_COUNT = re.compile(
    rf"\b(\d+|{NUMBER_WORDS})(\s+(more|further|new|other|large|small|randomised|randomized|controlled|induction|"
    rf"maintenance|included|pooled|uncontrolled|multi-ethnic|eligible))*\s+(trials?|studies|study|patients|RCTs?)\b",
    re.IGNORECASE)


#: Thresholds of methods and definitions, not counts of this review's evidence.
RULES = re.compile(rf"\b(fewer than|at least|from|more than|per)\s+(\d[\d,]*|{NUMBER_WORDS})\s+(trials?|patients|studies)\b"
                   rf"|\b(\d+|{NUMBER_WORDS})\s+(patients|trials) or (fewer|more)\b|\b1,000 patients\b", re.IGNORECASE)


@pytest.mark.parametrize("name, text", list(sources()), ids=lambda v: str(v) if isinstance(v, Path) else "")
def test_no_typed_counts_of_trials_studies_or_patients(name, text):
    """Counts of trials, studies and patients come through glue, in digits or in words.

    Rules and definitions are not results and may be typed: "fewer than ten trials", "from three
    trials on", "ten patients or fewer", "per 1,000 patients".
    """
    body = RULES.sub(" ", prose(text))
    found = [m.group(0) for m in TYPED_COUNT.finditer(body)]
    assert not found, f"{name}: counts typed in prose (glue them): {found}"


def test_the_count_check_can_fail():
    assert TYPED_COUNT.search("The review pooled five induction trials of 693 patients.")
    assert not TYPED_COUNT.search(prose("{glue:text}`n_trials` trials"))  # glued
    assert not TYPED_COUNT.search(RULES.sub(" ", "with fewer than ten trials no funnel plot"))


def test_every_saved_figure_links_its_full_size_svg():
    """A figure saved to results/figures/ is linked at full size from its caption (readers on a phone
    or with a small text column can open the SVG)."""
    import re

    import nbformat

    missing = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            saved = (re.search(r'save_figure\([^,]+,\s*"([^"]+)"', cell.source)
                     # forest_svg.show(review, fd, "Title", "name", ...) / show_outcomes(review, pooled, "a", "name")
                     or re.search(r'forest_svg\.show(?:_outcomes)?\([^"]*"[^"]*",\s*"([^"]+)"', cell.source)
                     ) if cell.cell_type == "code" else None
            if not saved:
                continue
            caption = cell.metadata.get("mystnb", {}).get("figure", {}).get("caption", "")
            if f"<../results/figures/{saved.group(1)}.svg>" not in caption:
                missing.append(f"{path.name}: {saved.group(1)}")
    assert not missing, missing
