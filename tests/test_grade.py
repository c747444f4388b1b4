"""GRADE summary of findings: certainty arithmetic and the computed risks."""
import pandas as pd
import pytest

import livingreview as lr
from livingreview import analysis, grade


def test_levels():
    assert [grade.certainty(n) for n in range(5)] == ["high", "moderate", "low", "very low", "very low"]


def test_every_judged_outcome_has_all_five_domains():
    review = lr.load_review(tables=["grade"])
    counts = review.grade.groupby("outcome")["domain"].nunique()
    assert (counts == 5).all(), counts


def test_summary_of_findings_risks():
    review = lr.load_review(tables=["outcomes", "grade"])
    pooled = analysis.pooled_estimates(review)
    sof = grade.summary_of_findings(review, pooled).set_index("Outcome")
    p = pooled[(pooled["analysis"] == "efficacy") & (pooled["outcome"] == "complete_response")
               & (pooled["subgroup"] == "all") & (pooled["method"] == "MH-cc")].iloc[0]
    acr = p["ctl_events"] / p["ctl_total"]
    row = sof.loc["Complete renal response"]
    assert row["Risk with control"] == f"{acr * 1000:.0f} per 1,000"
    assert row["Risk with TAC (95% CI)"].startswith(f"{acr * p['rr'] * 1000:.0f} per 1,000")
    assert "very low" in row["Certainty"] or "low" in row["Certainty"]


def test_sentence_separates_low_from_very_low():
    sof = pd.DataFrame({"Outcome": ["A", "B"], "Certainty": ["⊕⊕◯◯ low", "⊕◯◯◯ very low"]})
    assert grade.sentence(sof) == "Certainty of the evidence is low for a; very low for b."
