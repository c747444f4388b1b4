"""GRADE summary of findings: certainty arithmetic and the computed risks."""
import pandas as pd
import pytest

import livingreview as lr
from livingreview import grade, pools


def test_levels():
    assert [grade.certainty(n) for n in range(5)] == ["high", "moderate", "low", "very low", "very low"]


def test_every_judged_outcome_has_all_five_domains():
    review = lr.load_review(tables=["grade"])
    counts = review.grade.groupby("outcome")["domain"].nunique()
    assert (counts == 5).all(), counts


def test_summary_of_findings_risks():
    """Literal values. Complete response, 5 induction trials with counts (data/outcomes.csv): control risk 331 per
    1,000; fixed-effect I² 74% so the risks use REML + modified Knapp-Hartung, RR 1.61 (0.81 to 3.23):
    metafor 3.8-1 ``rma(yi, vi, method="REML", test="knha")`` gives the same point estimate and, with the
    variance factor ≥ 1, the interval (issue 11: "about 267 to 1,000" per 1,000). Partial response
    (2 trials, I² 0): fixed-effect MH-cc RR 1.00 (0.78 to 1.28), control 378 per 1,000."""
    review = lr.load_review(tables=["outcomes", "grade"])
    pooled = pools.pooled_estimates(review)
    sof = grade.summary_of_findings(review, pooled).set_index("Outcome")
    row = sof.loc["Complete renal response"]
    assert row["№ participants (studies)"] == "665 (5 RCTs)"
    assert row["Risk with control"] == "331 per 1,000"
    assert row["Relative effect (95% CI)"] == "RR 1.61 (0.81 to 3.23) (random effects)"
    assert row["Risk with TAC (95% CI)"] == "535 per 1,000 (267 to 1000)"
    assert "random-effects model (REML" in row["Footnotes"]
    part = sof.loc["Partial renal response"]
    assert part["Relative effect (95% CI)"] == "RR 1.00 (0.78 to 1.28)"
    assert part["Risk with TAC (95% CI)"] == "378 per 1,000 (294 to 486)"


def test_participants_include_double_zero_trials():
    review = lr.load_review(tables=["outcomes", "grade"])
    extra = review.outcomes.iloc[[0]].copy()
    sid = review.outcomes.loc[review.outcomes["outcome"] == "partial_response", "study_id"].iloc[0]
    row = review.outcomes[(review.outcomes["study_id"] == sid) & (review.outcomes["outcome"] == "partial_response")]
    assert len(row) == 1 and len(extra) == 1
    review.outcomes.loc[row.index, ["tac_events", "ctl_events"]] = 0  # make it a double-zero trial
    sof = grade.summary_of_findings(review, pools.pooled_estimates(review)).set_index("Outcome")
    assert sof.loc["Partial renal response", "№ participants (studies)"] == "402 (2 RCTs)"


def test_sentence_separates_low_from_very_low():
    sof = pd.DataFrame({"Outcome": ["A", "B"], "Certainty": ["⊕⊕◯◯ low", "⊕◯◯◯ very low"]})
    assert grade.sentence(sof) == "Certainty of the evidence is low for a; very low for b."


def test_every_judgement_was_made_for_todays_pool():
    """A GRADE judgement records the edition and k it was made for; an update that changes the pool
    must be re-judged (edit data/grade.csv: reasons, downgrades, edition and k)."""
    review = lr.load_review()
    stale = grade.judgements_out_of_date(review, pools.pooled_estimates(review))
    assert not stale, "GRADE judgements out of date, judge again: " + "; ".join(stale)


def test_a_changed_pool_makes_its_judgement_out_of_date(data_copy):
    out = (data_copy / "outcomes.csv").read_text(encoding="utf-8")
    # remove Bao 2008's total-response counts: the total-response pool loses a trial
    out = out.replace("bao2008,total_response,18,20,9,20,reported", "bao2008,total_response,,20,,20,missing")
    (data_copy / "outcomes.csv").write_text(out, encoding="utf-8")
    review = lr.load_review(data_copy)
    stale = grade.judgements_out_of_date(review, pools.pooled_estimates(review))
    assert any(s.startswith("total_response") for s in stale)


@pytest.mark.parametrize("level, lo, hi, expected", [
    ("very low", 1.2, 1.6, "The evidence is very uncertain about the effect of tacrolimus-based therapy on "
                           "total renal response."),
    ("low", 1.2, 1.6, "Tacrolimus-based therapy may increase total renal response."),
    ("moderate", 0.5, 0.9, "Tacrolimus-based therapy probably reduces total renal response."),
    ("high", 0.8, 1.2, "Tacrolimus-based therapy results in little to no difference in total renal response."),
])
def test_comment_uses_grade_standard_wording(level, lo, hi, expected):
    """Santesso et al. 2020, table 2: the verb follows certainty and the direction of the interval."""
    assert grade.comment(level, lo, hi, "Total renal response") == expected


def test_summary_of_findings_has_a_comment_for_every_row():
    review = lr.load_review(tables=["outcomes", "grade", "published_estimates"])
    sof = grade.summary_of_findings(review, pools.pooled_estimates(review)).set_index("Outcome")
    assert sof["Comments"].str.endswith(".").all()
    assert sof.loc["Complete renal response", "Comments"].startswith("The evidence is very uncertain")
    assert sof.loc["Leucopenia", "Comments"].startswith("As published; not yet re-derivable")
