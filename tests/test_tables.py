"""The single table style (livingreview.tables.style): labels, numbers, footnotes, layout."""
import re

import numpy as np
import pandas as pd
import pytest

import livingreview as lr
from livingreview import coverage, pools, reproduction, tables
from livingreview.tables import MACHINE_NAME


@pytest.fixture(scope="module")
def review():
    return lr.load_review()


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
    assert a.startswith('<div class="lr-table-wrap" id="lr-table-my-key-wrap" style="overflow-x:auto;max-width:100%;">')
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
    lambda r: tables.summary_of_findings(__import__("livingreview.grade").grade.summary_of_findings(
        r, pools.pooled_estimates(r)), r),
    lambda r: tables.changelog(r),
], ids=["efficacy-pooled", "safety-counts", "reproduction", "gaps", "register", "ambiguous", "coverage", "sof",
        "changelog"])
def test_book_tables_show_no_machine_name_and_no_nan(review, make):
    t = make(review)
    for v in cells(t) + list(t.frame.columns):
        assert not MACHINE_NAME.match(v), v
        assert v.strip().lower() != "nan", "a cell reads nan"
