"""The evidence-coverage grid (livingreview.coverage).

Literal values are those of the frozen fixture review (tests/fixtures/review/, a snapshot of data/
on 2026-12-01, see its README); a copy of it with one count filled in, where the grid and every
summary must change. On the live data/ only invariants: the grid agrees with the pools, and the
2016 edition's figures are those of the snapshot (trials added later do not move them).
"""
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

import livingreview as lr
from livingreview import coverage, pools

FIXTURE = Path(__file__).parent / "fixtures" / "review"


@pytest.fixture(scope="module")
def review():
    """The frozen fixture review (literal expectations hold on it)."""
    return lr.load_review(FIXTURE)


@pytest.fixture(scope="module")
def live():
    """Today's data/ (invariants only)."""
    return lr.load_review()


def test_grid_marks_of_the_efficacy_trials(review):
    # data/outcomes.csv: Chen 2011 CR unverified, Li 2012 nothing, Mok 2016 CR derived, Bao 2008 CR derived
    # and PR/TR reported, Liu 2015 derived throughout, JCN 2017 CR derived.
    g = coverage.coverage_grid(review, "efficacy").set_index("Trial")
    assert g.loc["Chen 2011", "Complete renal response"] == "†"
    assert list(g.loc["Li 2012", ["Complete renal response", "Partial renal response", "Total renal response"]]) == [
        "✗", "✗", "✗"]
    assert g.loc["Bao 2008", "Total renal response"] == "✓"
    assert g.loc["Liu 2015", "Partial renal response"] == "‡"
    assert list(g.columns[:2]) == ["Regimen", "Complete renal response"]


def test_summary_figures(review):
    # 6 induction RCTs x 3 efficacy outcomes = 18 cells, 9 with counts (counted in data/outcomes.csv)
    s = coverage.coverage_summary(review, "efficacy")
    assert (s["cells"], s["counts_available"], s["counts_missing"]) == (18, 9, 9)
    assert (s["counts_reported"], s["counts_derived_from_percentage"], s["counts_unverified"]) == (2, 6, 1)
    assert (s["trials"], s["trials_with_any_counts"], s["trials_without_counts_names"]) == (6, 5, "Li 2012")
    s16 = coverage.coverage_summary(review, "efficacy", edition=2016)
    assert (s16["cells"], s16["counts_available"], s16["trials"], s16["patients"]) == (15, 8, 5, 693)
    t = coverage.coverage_table(review).set_index(["analysis", "edition"])
    assert t.loc[("safety", "all"), "counts_available"] == 2
    assert t.loc[("maintenance", "2016"), "cells"] == 4
    assert coverage.coverage_sentence(review, "efficacy").startswith("9 of 18 trial-by-outcome counts are available")


@pytest.mark.parametrize("which", ["fixture", "live"])
def test_agrees_with_the_pools(which, review, live):
    """The grid and pools.trial_rows select the same (trial, outcome) pairs and the same counts."""
    review = review if which == "fixture" else live
    for a in coverage.ANALYSES:
        rows = pools.trial_rows(review, a)
        cells = coverage.coverage_cells(review, analyses=(a,))
        assert set(zip(rows["study_id"], rows["outcome"])) == set(zip(cells["study_id"], cells["outcome"]))
        assert int(pools.has_counts(rows).sum()) == int(cells["has_counts"].sum())


def test_review_and_living_paragraph(review):
    f = coverage.review_and_living_pools(review)
    assert (f["trials_2016"], f["patients_2016"], f["published_patients_2016"]) == (5, 693, 693)
    assert (f["patients_2016_duo"], f["patients_2016_triple"]) == (291, 402)  # review Table 4
    assert f["trials_added_names"] == "JCN 2017"
    text = coverage.review_and_living_paragraph(review)
    assert "five randomised induction trials with 693 patients" in text
    assert "Li 2012 has no usable counts" in text


def test_the_2016_edition_does_not_move_when_trials_are_added(review, live):
    """Invariant of the live data: the 2016 edition (the review's trials) covers what it covered in the
    snapshot; an update adds trials to the living pools only."""
    for a in coverage.ANALYSES:
        then = coverage.coverage_summary(review, a, edition=pools.EDITION_2016)
        now = coverage.coverage_summary(live, a, edition=pools.EDITION_2016)
        assert now == then, a
    keys = ("trials_2016", "patients_2016", "published_patients_2016", "patients_2016_duo", "patients_2016_triple")
    then, now = coverage.review_and_living_pools(review), coverage.review_and_living_pools(live)
    assert {k: now[k] for k in keys} == {k: then[k] for k in keys}


@pytest.fixture
def data_copy(tmp_path):
    """A copy of the fixture review (tests never write data/ or the fixture)."""
    dst = tmp_path / "data"
    shutil.copytree(FIXTURE, dst)
    return dst


def test_filling_in_a_count_changes_the_grid(review, data_copy):
    path = data_copy / "outcomes.csv"
    out = pd.read_csv(path, dtype=str, keep_default_na=False)
    hit = (out["study_id"] == "li2012") & (out["outcome"] == "complete_response")
    out.loc[hit, ["tac_events", "ctl_events", "provenance", "source"]] = ["9", "12", "reported", "test: filled in"]
    out.to_csv(path, index=False, lineterminator="\n")
    changed = lr.load_review(data_copy)

    before = coverage.coverage_grid(review, "efficacy").set_index("Trial")
    after = coverage.coverage_grid(changed, "efficacy").set_index("Trial")
    assert before.loc["Li 2012", "Complete renal response"] == "✗"
    assert after.loc["Li 2012", "Complete renal response"] == "✓"
    assert (after != before).sum().sum() == 1
    s = coverage.coverage_summary(changed, "efficacy")
    assert (s["counts_available"], s["trials_with_any_counts"], s["trials_without_counts"]) == (10, 6, 0)
    assert "10 of 18" in coverage.coverage_sentence(changed, "efficacy")
    assert "Every trial has counts" in coverage.review_and_living_paragraph(changed)


# -- every coverage figure the book quotes is glued from the grid ---------------------------------

#: Coverage phrasing in glued values: "9 of 18 trial-by-outcome counts", "2 of 6 trials",
#: "none of the 6 trials", and the headline table's "Trials with counts" cells ("2 of 3").
COVERAGE_FIGURE = re.compile(r"(\d+|none) of (?:the )?\d+ (?:trial-by-outcome counts|trials)|>\s*(\d+) of \d+\s*<")


def _all_facts(review) -> dict[str, str]:
    from livingreview import facts

    return {f"{name}.{key}": str(value) for name in dir(facts) if name.startswith("facts_")
            for key, value in getattr(facts, name)(review).items()}


def test_every_coverage_figure_comes_from_the_evidence_rows(review, monkeypatch):
    """Empty the evidence table's coverage (no trial with counts) and the grid, while the pools keep their
    numbers: every coverage figure in every page's glued facts must drop to zero. A figure computed
    anywhere else would not."""
    from livingreview import evidence

    real, real_build = coverage.coverage_cells, evidence.build

    def nothing_available(*args, **kwargs):
        cells = real(*args, **kwargs)
        return cells.assign(has_counts=False, provenance="missing", mark=coverage.SYMBOLS["missing"])

    def no_counts(rv):
        t = real_build(rv).copy()
        t["trials_without_counts"] = [";".join(x for x in f"{a};{b}".split(";") if x)
                                      for a, b in zip(t["trials"], t["trials_without_counts"])]
        t["trials"] = ""
        t["k_reported"] = 0
        return t

    before = _all_facts(review)
    monkeypatch.setattr(coverage, "coverage_cells", nothing_available)
    monkeypatch.setattr(evidence, "build", no_counts)
    after = _all_facts(review)
    quoted = {k: COVERAGE_FIGURE.findall(v) for k, v in before.items() if COVERAGE_FIGURE.search(v)}
    assert len(quoted) >= 10, quoted  # the efficacy, safety, discussion and landing pages quote coverage
    nonzero = {k: m for k, m in quoted.items()
               if any(x not in ("0", "none", "") for pair in COVERAGE_FIGURE.findall(after[k]) for x in pair)}
    assert not nonzero, f"coverage figures not taken from the evidence table: {nonzero}"
    assert after["facts_discussion.k__efficacy.complete_response.triple.living.MH-cc"] == "0"
    assert after["facts_discussion.k__efficacy.complete_response.duo.living.MH-cc"] == "0"
    assert "Every trial" not in after["facts_summary.trials_and_pools_md"]


def test_no_coverage_statement_is_typed_in_prose():
    """Prose (book pages and notebook markdown) never types a coverage figure: it glues one."""
    import nbformat

    from livingreview.data import ROOT

    texts = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "book").glob("*.md")}
    for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        texts[p.name] = "\n".join(c.source for c in nbformat.read(p, as_version=4).cells if c.cell_type == "markdown")
    typed = re.compile(r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|none|all) of (?:the )?"
                       r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten) (?:trial-by-outcome )?"
                       r"(?:counts|trials)\b[^`]*?\b(?:available|missing|with counts|have counts|reported)", re.I)
    found = {name: typed.findall(text) for name, text in texts.items() if typed.search(text)}
    assert not found, found


def test_sentence_can_go_on_after_the_coverage(review):
    # page 08: "… have no counts yet (see the safety page)." – no full stop before the parenthesis
    s = coverage.coverage_sentence(review, "safety", pools.EDITION_2016, full_stop=False)
    assert s.endswith("no counts yet") and coverage.coverage_sentence(review, "safety").endswith(".")
    from livingreview import facts

    assert facts.facts_discussion(review)["coverage__safety.2016"].startswith("In the 2016 review's trials")


def test_one_count_available_is_singular(review):
    # fixture: of the safety outcomes the review pooled, one 2016 trial-by-outcome count is available
    s = coverage.coverage_sentence(review, "safety", pools.EDITION_2016,
                                   outcomes=sorted(set(review.published.loc[review.published["analysis"] == "safety",
                                                                             "outcome"])))
    assert s.startswith("1 of ") and " counts is available" in s, s
    several = coverage.coverage_sentence(review, "efficacy")
    assert not several.startswith("1 of ") and " counts are available" in several, several
