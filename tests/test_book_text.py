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
