"""The single table style (livingreview.tables.style): labels, numbers, footnotes, layout."""
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import livingreview as lr
from livingreview import coverage, pools, reproduction, tables
from livingreview.tables import MACHINE_NAME


FIXTURE = Path(__file__).parent / "fixtures" / "review"


@pytest.fixture(scope="module")
def review():
    """The frozen fixture review (tests/fixtures/review/): the literal values below stay true after an update."""
    return lr.load_review(FIXTURE)


def cells(t):
    return [str(v) for row in t.frame.itertuples(index=False) for v in row]


def test_codes_and_columns_get_human_labels(review):
    df = pd.DataFrame({"study_id": ["zheng2022"], "status": ["awaiting_data"], "ethnicity": ["non_asian"],
                       "design": ["case_series"], "regimen": ["triple"], "outcome": ["complete_response"],
                       "tac_arm": ["events of 20"]})
    t = tables.style(df, "Caption", "labels", review=review)
    assert list(t.frame.columns) == ["Study", "Status", "Ethnicity", "Design", "Regimen", "Outcome", "TAC arm"]
    assert cells(t)[1:6] == ["Awaiting data", "Not Asian", "Case series (≤10 patients)", "TAC + MMF + steroids (triple)",
                             "Complete renal response"]
    html = t.to_html()
    for machine in ("awaiting_data", "non_asian", "case_series", "complete_response", "tac_arm", "study_id"):
        assert machine not in html


def test_every_schema_enum_has_a_label(review):
    import json

    from livingreview.data import DATA_DIR

    known = set(zip(review.labels["field"], review.labels["code"]))
    for path in DATA_DIR.glob("**/*.schema.json"):
        for f in json.loads(path.read_text())["fields"]:
            assert ("column", f["name"]) in known, f"{path.name}: column {f['name']} has no label"
            for code in f.get("constraints", {}).get("enum", []):
                assert (f["name"], code) in known, f"{path.name}: {f['name']} = {code} has no label"


def test_numbers_nan_and_p(review):
    df = pd.DataFrame({"Outcome": ["total_response", "infection"], "k": [2.0, 1.0], "rr": [1.37123, np.nan],
                       "ci_low": [1.2071, np.nan], "ci_high": [1.5561, np.nan], "p": [0.00002, 0.04649],
                       "q_p": [np.nan, 0.5], "i2": [63.4, np.nan], "tau2": [0.01234, np.nan], "note": [None, "x"]})
    t = tables.style(df, "Numbers", "numbers", review=review)
    rows = t.frame.to_dict("records")
    assert rows[0]["Trials"] == "2" and rows[1]["Trials"] == "1"  # counts as integers
    assert rows[0]["RR"] == "1.37" and rows[1]["RR"] == "–"
    assert rows[0]["95% CI lower"] == "1.21"
    assert rows[0]["p"] == "<0.001" and rows[1]["p"] == "0.046"
    assert rows[0]["p (Q)"] == "–"
    assert rows[0]["I² (%)"] == "63" and rows[1]["I² (%)"] == "–"
    assert rows[0]["τ²"] == "0.01"
    html = t.to_html().lower()
    assert not re.search(r"\bnan\b", html) and "none" not in html


def test_long_text_moves_to_numbered_footnotes(review):
    long = "A reason that is much longer than a table cell should ever be, " * 3
    df = pd.DataFrame({"Trial": ["A", "B", "C"], "Reason": ["short", long, "short"], "Text": ["x", "y", long]})
    t = tables.style(df, "Footnotes", "fn", review=review)
    assert list(t.frame["Reason"]) == ["[1]", "[2]", "[1]"]  # equal texts share a number
    assert list(t.frame["Text"]) == ["[3]", "[4]", "[2]"]  # a long cell moves its whole column
    assert t.footnotes[:2] == ["short", long]
    html = t.to_html()
    assert '<ol class="lr-footnotes">' in html and 'id="lr-table-fn-fn2"' in html
    assert '<sup class="lr-fn-ref">[2]</sup>' in html


def test_layout_scrolls_in_its_box_with_a_stable_id(review):
    df = pd.DataFrame({"Trial": ["A"], "RR (95% CI)": ["1.37 (1.21 to 1.56)"]})
    a = tables.style(df, "Layout", "my-key", review=review).to_html()
    b = tables.style(df, "Layout", "my-key", review=review).to_html()
    assert a == b
    assert a.startswith('<div class="lr-table-wrap" id="lr-table-my-key-wrap" ')
    opening = a[:a.index(">") + 1]
    # the scroll box is a labelled region reachable by keyboard (WCAG 2.1.1, axe scrollable-region-focusable)
    for attr in ('role="region"', 'tabindex="0"', 'aria-label="Layout (scrolls sideways)"',
                 'style="overflow-x:auto;max-width:100%;"'):
        assert attr in opening
    assert 'id="lr-table-my-key"' in a and "padding:" in a and "<caption>Layout</caption>" in a


def test_a_machine_name_left_over_is_an_error(review):
    with pytest.raises(ValueError, match="riskratio_pooled"):
        tables.style(pd.DataFrame({"statsmodels riskratio_pooled": [1.0]}), "c", "k", review=review)
    with pytest.raises(ValueError, match="some_code"):
        tables.style(pd.DataFrame({"Trial": ["some_code"]}), "c", "k", review=review)
    # strict=False shows it instead of failing (for tables of codes, such as the printed-vs-computed check)
    assert "riskratio_pooled" in tables.style(pd.DataFrame({"statsmodels riskratio_pooled": [1.0]}), "c", "k",
                                              review=review, strict=False).to_html()


@pytest.mark.parametrize("make", [
    lambda r: tables.show(tables.pooled_results(r, pools.pooled_estimates(r), "efficacy"), "c", "k", review=r),
    lambda r: tables.show(tables.trial_counts(r, "safety"), "c", "k", review=r),
    lambda r: tables.reproduction(reproduction.reproduction_table(r), r),
    lambda r: tables.gaps(reproduction.gaps(r), r),
    lambda r: tables.register(r),
    lambda r: tables.show(tables.ambiguous(r), "c", "k", review=r),
    lambda r: tables.show(coverage.coverage_grid(r), "c", "k", review=r),
    lambda r: tables.summary_of_findings(__import__("livingreview.grade").grade.summary_of_findings(r), r),
    lambda r: tables.changelog(r),
], ids=["efficacy-pooled", "safety-counts", "reproduction", "gaps", "register", "ambiguous", "coverage", "sof",
        "changelog"])
def test_book_tables_show_no_machine_name_and_no_nan(review, make):
    t = make(review)
    for v in cells(t) + list(t.frame.columns):
        assert not MACHINE_NAME.match(v), v
        assert v.strip().lower() != "nan", "a cell reads nan"


# ---------------------------------------------------------------------------------------------
# display bugs found by the before/after comparison of the rendered site

def test_years_rounds_and_editions_print_without_thousands_separator(review):
    df = pd.DataFrame({"round": [2016, 2026], "Edition": [2016, 2026], "year": [2015, 2017],
                       "added_in": pd.array([2016, None], dtype="Int64"), "n_patients": [1203, 40]})
    rows = tables.style(df, "Years", "years", review=review).frame.to_dict("records")
    assert rows[0]["Search round"] == "2016" and rows[1]["Edition"] == "2026" and rows[1]["Year"] == "2017"
    assert rows[0]["Edition added"] == "2016" and rows[1]["Edition added"] == "–"
    assert rows[0]["Patients"] == "1,203"  # counts keep their separator
    for t in (tables.register(review), tables.changelog(review)):
        assert not any(re.fullmatch(r"\d,\d{3}", v) for v in cells(t)), cells(t)


def test_register_names_trials_by_their_study_label(review):
    trial = list(tables.register(review).frame["Trial"])
    assert "JCN 2017" in trial and "jcn2017" not in trial  # the label of studies.csv, as on every page
    assert "Ray Chaudhury 2023" in trial  # the whole two-word surname ("Ray Chaudhury A")


def test_surname_is_every_word_before_the_initials():
    st = pd.DataFrame({"first_author": ["Ray Chaudhury A", "Liu Z", "Mok CC", "Cortés-Hernández J",
                                        "JCN trial (author not shown)"], "year": [2023, 2015, 2016, 2010, 2017]})
    assert list(pools.study_label(st)) == ["Ray Chaudhury 2023", "Liu 2015", "Mok 2016", "Cortés-Hernández 2010",
                                           "JCN 2017"]


def test_numbers_in_an_object_column_are_formatted(review):
    df = pd.DataFrame({"p": pd.Series([0.0012376678542036388, 0.032379124259112664, None], dtype=object)})
    assert list(tables.style(df, "c", "k", review=review).frame["p"]) == ["0.001", "0.032", "–"]


def test_subgroup_table_formats_p_and_shows_i2_between(review):
    from livingreview import sensitivity

    sg = sensitivity.subgroup_tests(pools.pooled_estimates(review), review)
    t = tables.subgroup_differences(sg, review)
    assert "I² between regimens (%)" in t.frame.columns
    fixed = t.frame[t.frame["Test"] == "Fixed effect (RevMan χ²)"].iloc[0]
    assert fixed["p"] == "0.001" and fixed["I² between regimens (%)"] == "90"  # 90.415 (RevMan I² of Q between)
    assert all(re.fullmatch(r"<0\.001|\d\.\d{3}|–", v) for v in t.frame["p"])
    mr = t.frame[t.frame["Test"] == "Random effects: meta-regression (REML), Wald χ²"].iloc[0]
    assert mr["I² between regimens (%)"] == "–"  # QM is not a Q between subgroup estimates


def test_printed_vs_computed_is_labelled_with_integer_counts(review):
    from livingreview import literature

    check = literature.check_published(review, pools.EDITION_2016)
    t = tables.printed_vs_computed(check)
    codes = set(check["table"]) | set(check["row"]) | set(check["column"])
    shown = cells(t)
    assert not codes & set(shown), sorted(codes & set(shown))
    assert "Case series (≤10 patients)" in shown and "Uncontrolled cohort (>10 patients)" in shown
    assert "TAC + steroids (duo), randomised controlled trial" in shown
    assert not any(re.fullmatch(r"\d+\.0", v) for v in shown)  # counts as integers
    assert "4.5" in list(t.frame["Computed"])  # a median keeps its decimal
    assert not any("/" in f and re.search(r"table\d", f) for f in t.footnotes), t.footnotes
    assert any(f.startswith("See Table 2, maintenance, TAC + MMF + steroids (triple):") for f in t.footnotes)


def test_a_wide_table_is_marked_for_a_sticky_first_column(review):
    df = pd.DataFrame({"Trial": ["A"], "Regimen": ["duo"], "Control": ["x"], "Total response": ["1/2 vs 1/3"]})
    html = tables.style(df, "Wide", "wide", review=review).to_html()
    assert html.startswith('<div class="lr-table-wrap lr-table-wide"')


def test_counts_carry_their_provenance_on_each_cell(review):
    counts = tables.trial_counts(review, "efficacy")
    html = tables.show(counts, "Counts per trial (efficacy)", "efficacy-counts", review=review).to_html()
    rows = review.outcomes
    n_cells = counts.iloc[:, 3:].notna().to_numpy().sum()
    assert html.count('class="lr-text lr-prov" tabindex="0"') + html.count('class="lr-num lr-prov" tabindex="0"') \
        == n_cells
    # every source sentence reaches the page escaped, as a data attribute
    src = rows["source"].dropna().iloc[0]
    assert f'data-source="{html_escape(src)}"' in html
    assert 'data-provenance="derived from a reported percentage"' in html


def html_escape(s):
    import html

    return html.escape(s, quote=True)
