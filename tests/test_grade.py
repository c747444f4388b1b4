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


def test_summary_of_findings_rows_by_regimen():
    """Live data, invariants: complete response is shown by regimen (RevMan's test p < 0.10), each row names its
    population and comparison; the primary estimate is the MH fixed effect of the evidence table; all seven
    harms of the review are there, triple-therapy severe infection included."""
    from livingreview import evidence

    review = lr.load_review(tables=["outcomes", "grade", "published_estimates"])
    sof = grade.summary_of_findings(review)
    ev = evidence.build(review).set_index("estimate_id")
    shown = sof[~sof["published_only"]]
    for r in shown.itertuples():
        e = ev.loc[r.estimate_id]
        assert e["model"] == evidence.PRIMARY_MODEL and e["edition"] == "living"
        assert (r.rr, r.participants) == (e["rr"], e["participants"])
        assert r.comparison.startswith(("TAC + steroids vs", "TAC + MMF + steroids vs", "TAC-based therapy"))
    cr = sof[sof["outcome"] == "complete_response"]
    assert set(cr["population"]) == {"duo", "triple"}
    harms = sof[sof["analysis"] == "safety"]
    assert len(harms) == 7
    assert ((harms["outcome"] == "severe_infection") & (harms["population"] == "triple")).any()


def test_sof_frame_participants_and_risks():
    """Literal values (data/outcomes.csv): complete response with triple therapy, Bao 2008, Liu 2015 and
    JCN 2017: 434 participants, control risk 50/217 = 230 per 1,000, MH-cc RR 2.06 (1.55 to 2.73)."""
    from livingreview import tables

    review = lr.load_review(tables=["outcomes", "grade", "published_estimates"])
    f = tables.sof_frame(grade.summary_of_findings(review))
    row = f[(f["Outcome"] == "Complete renal response")
            & f["Population and comparison"].str.startswith("TAC + MMF + steroids vs")].iloc[0]
    assert row["№ participants (studies)"] == "434 participants (3 RCTs)"
    assert row["Risk with control"] == "230 per 1,000"
    assert row["Relative effect (95% CI), MH fixed effect"] == "RR 2.06 (1.55 to 2.73)"
    assert row["Follow-up"] == "6 months"


def test_participants_include_double_zero_trials():
    review = lr.load_review(tables=["outcomes", "grade", "published_estimates"])
    row = review.outcomes[(review.outcomes["study_id"] == "bao2008") & (review.outcomes["outcome"] == "partial_response")]
    assert len(row) == 1
    review.outcomes.loc[row.index, ["tac_events", "ctl_events"]] = 0  # make it a double-zero trial
    sof = grade.summary_of_findings(review)
    part = sof[sof["outcome"] == "partial_response"].iloc[0]
    assert (part["participants"], part["k_reported"]) == (402, 2)


def test_sentence_separates_low_from_very_low():
    sof = pd.DataFrame({"outcome": ["a", "b"], "population": ["duo", "all"], "level": ["low", "very low"]})
    assert grade.sentence(sof, {"a": "A", "b": "B"}) == "Certainty of the evidence is low for a (duo); very low for b (all)."


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
    assert grade.comment(level, lo, hi, "Total renal response", "tacrolimus-based therapy") == expected


def test_summary_of_findings_has_a_comment_for_every_row():
    from livingreview import tables

    review = lr.load_review(tables=["outcomes", "grade", "published_estimates"])
    f = tables.sof_frame(grade.summary_of_findings(review))
    assert f["Comments"].str.endswith(".").all()
    assert f.loc[f["Outcome"] == "Complete renal response", "Comments"].str.startswith(
        "The evidence is very uncertain").all()
    assert f.loc[f["Outcome"] == "Leucopenia", "Comments"].iloc[0].startswith("As published; not yet re-derivable")


def test_no_certainty_in_a_sof_row_without_counts_or_judgement():
    from livingreview import tables

    review = lr.load_review(tables=["outcomes", "grade", "published_estimates"])
    sof = grade.summary_of_findings(review)
    f = tables.sof_frame(sof)
    for r, shown in zip(sof.itertuples(), f.itertuples()):
        if r.published_only or not r.certainty:
            assert shown.Certainty == "not rated"
            assert not any(s in shown.Certainty for s in grade.SYMBOLS.values())
