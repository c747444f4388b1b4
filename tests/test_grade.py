"""GRADE summary of findings: certainty arithmetic and the computed risks; judging by command.

Literal values are those of the frozen fixture review (tests/fixtures/review/); on the live data/ only
the guard that every judgement was made for today's pool.
"""
import shutil
from pathlib import Path

import pandas as pd
import pytest

import livingreview as lr
from livingreview import grade, pools
from tests.conftest import run_cli_subprocess, snapshot_dir

FIXTURE = Path(__file__).parent / "fixtures" / "review"


@pytest.fixture
def data_copy(tmp_path):
    """A copy of the fixture review (tests never write data/ or the fixture)."""
    dst = tmp_path / "data"
    shutil.copytree(FIXTURE, dst)
    return dst


def test_levels():
    assert [grade.certainty(n) for n in range(5)] == ["high", "moderate", "low", "very low", "very low"]


@pytest.mark.parametrize("data_dir", [None, FIXTURE], ids=["live", "fixture"])
def test_every_judged_outcome_has_all_five_domains(data_dir):
    review = lr.load_review(*([data_dir] if data_dir else []), tables=["grade"])
    keys = ["outcome", "population"] if "population" in review.grade.columns else ["outcome"]
    counts = review.grade.groupby(keys)["domain"].nunique()
    assert (counts == 5).all(), counts


def test_summary_of_findings_risks():
    """Literal values. Complete response, 5 induction trials with counts (data/outcomes.csv): control risk 331 per
    1,000; fixed-effect I² 74% so the risks use REML + modified Knapp-Hartung, RR 1.61 (0.81 to 3.23):
    metafor 3.8-1 ``rma(yi, vi, method="REML", test="knha")`` gives the same point estimate and, with the
    variance factor ≥ 1, the interval (issue 11: "about 267 to 1,000" per 1,000). Partial response
    (2 trials, I² 0): fixed-effect MH-cc RR 1.00 (0.78 to 1.28), control 378 per 1,000."""
    review = lr.load_review(FIXTURE, tables=["outcomes", "grade"])
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
    review = lr.load_review(FIXTURE, tables=["outcomes", "grade"])
    sid = review.outcomes.loc[review.outcomes["outcome"] == "partial_response", "study_id"].iloc[0]
    row = review.outcomes[(review.outcomes["study_id"] == sid) & (review.outcomes["outcome"] == "partial_response")]
    assert len(row) == 1
    before = grade.summary_of_findings(review, pools.pooled_estimates(review)).set_index("Outcome")
    assert before.loc["Partial renal response", "№ participants (studies)"] == "402 (2 RCTs)"
    review.outcomes.loc[row.index, ["tac_events", "ctl_events"]] = 0  # make it a double-zero trial
    sof = grade.summary_of_findings(review, pools.pooled_estimates(review)).set_index("Outcome")
    assert sof.loc["Partial renal response", "№ participants (studies)"] == "402 (2 RCTs)"


def test_sentence_separates_low_from_very_low():
    sof = pd.DataFrame({"Outcome": ["A", "B"], "Certainty": ["⊕⊕◯◯ low", "⊕◯◯◯ very low"]})
    assert grade.sentence(sof) == "Certainty of the evidence is low for a; very low for b."


def test_every_judgement_was_made_for_todays_pool():
    """The deliberate guard on the live data: a GRADE judgement records the edition and k it was made
    for; an update that changes the pool must be re-judged, by command (never a hand edit)."""
    review = lr.load_review()
    pooled = pools.pooled_estimates(review)
    stale = grade.judgements_out_of_date(review, pooled)
    st = grade.judgement_status(review, pooled)
    todo = [f"`livingreview grade confirm {r.outcome}{'' if r.population == 'all' else ' --population ' + r.population}"
            " --reviewer WHO`" for r in st[~st["current"]].drop_duplicates(["outcome", "population"]).itertuples()]
    assert not stale, ("GRADE judgements out of date: " + "; ".join(stale) + ". Look at today's pool "
                       "(`livingreview grade show`), then run " + " and ".join(todo) + " (or `livingreview grade "
                       "judge OUTCOME --domain D --downgrade N --reason \"…\" --reviewer WHO` for a domain whose "
                       "judgement changes), then `make notebooks`.")


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
    review = lr.load_review(FIXTURE, tables=["outcomes", "grade", "published_estimates"])
    sof = grade.summary_of_findings(review, pools.pooled_estimates(review)).set_index("Outcome")
    assert sof["Comments"].str.endswith(".").all()
    assert sof.loc["Complete renal response", "Comments"].startswith("The evidence is very uncertain")
    assert sof.loc["Leucopenia", "Comments"].startswith("As published; not yet re-derivable")


# -- judging by command: livingreview grade show | judge | confirm -----------------------------------

def _lr(data, *args):
    return run_cli_subprocess(*args, "--data-dir", str(data))


def _stale(data):
    review = lr.load_review(data)
    return grade.judgements_out_of_date(review, pools.pooled_estimates(review))


def _drop_bao_total(data):
    out = (data / "outcomes.csv").read_text(encoding="utf-8")
    out = out.replace("bao2008,total_response,18,20,9,20,reported", "bao2008,total_response,,20,,20,missing")
    (data / "outcomes.csv").write_text(out, encoding="utf-8")


def test_confirm_carries_a_judgement_to_todays_pool(data_copy):
    _drop_bao_total(data_copy)
    assert [s.split(":")[0] for s in _stale(data_copy)] == ["total_response"]
    r = _lr(data_copy, "grade", "show")
    assert r.returncode == 0 and "total_response (all): judged for edition 2026, k = 2" in r.stdout
    assert "OUT OF DATE" in r.stdout and "livingreview grade confirm total_response" in r.stdout
    r = _lr(data_copy, "grade", "confirm", "total_response", "--reviewer", "TK", "--date", "2026-11-20")
    assert r.returncode == 0, r.stderr
    assert _stale(data_copy) == [] and lr.validate(data_copy) == []
    g = lr.load_review(data_copy).grade
    t = g[g["outcome"] == "total_response"]
    assert set(t["k"]) == {1} and set(t["reviewer"]) == {"TK"} and set(t["judged_on"].astype(str)) == {"2026-11-20"}
    other = g[g["outcome"] == "complete_response"]
    assert set(other["reviewer"]) == {"review-team"}  # other judgements untouched
    before = snapshot_dir(data_copy)
    r = _lr(data_copy, "grade", "confirm", "total_response", "--reviewer", "TK")
    assert r.returncode == 0 and "nothing was written" in r.stdout and snapshot_dir(data_copy) == before


def test_judge_one_domain_then_the_pool_is_current_only_when_all_are(data_copy):
    _drop_bao_total(data_copy)
    r = _lr(data_copy, "grade", "judge", "total_response", "--domain", "imprecision", "--downgrade", "2",
            "--reason", "One trial with counts.", "--reviewer", "TK")
    assert r.returncode == 0, r.stderr
    g = lr.load_review(data_copy).grade.set_index(["outcome", "population", "domain"])
    assert g.loc[("total_response", "all", "imprecision"), "downgrade"] == 2
    assert g.loc[("total_response", "all", "imprecision"), "k"] == 1
    assert _stale(data_copy)  # the other four domains were judged for k = 2
    assert _lr(data_copy, "grade", "confirm", "total_response", "--reviewer", "TK").returncode == 0
    assert _stale(data_copy) == []
    review = lr.load_review(data_copy)
    sof = grade.summary_of_findings(review, pools.pooled_estimates(review)).set_index("outcome")
    assert sof.loc["total_response", "level"] == "very low"


def test_judging_a_regimen_pool_does_not_change_the_overall_row(data_copy):
    review = lr.load_review(data_copy)
    before = grade.summary_of_findings(review, pools.pooled_estimates(review))
    for d in grade.DOMAIN_TEXT:
        r = _lr(data_copy, "grade", "judge", "complete_response", "--population", "triple", "--domain", d,
                "--downgrade", "0", "--reason", "Test.", "--reviewer", "TK")
        assert r.returncode == 0, r.stderr
    review = lr.load_review(data_copy)
    assert _stale(data_copy) == [] and lr.validate(data_copy) == []
    pd.testing.assert_frame_equal(grade.summary_of_findings(review, pools.pooled_estimates(review)), before)
    st = grade.judgement_status(review, pools.pooled_estimates(review)).set_index(["outcome", "population"])
    assert st.loc[("complete_response", "triple"), "k"] == pools.pool_row(
        pools.pooled_estimates(review), "efficacy", "complete_response", "triple")["k"]


@pytest.mark.parametrize("args, message", [
    (["judge", "no_such_outcome", "--domain", "imprecision", "--downgrade", "1", "--reason", "x", "--reviewer", "TK"],
     "is not in outcome_vocabulary.csv"),
    (["judge", "total_response", "--domain", "imprecision", "--downgrade", "1", "--reason", "  ", "--reviewer", "TK"],
     "--reason is required"),
    (["judge", "total_response", "--domain", "imprecision", "--downgrade", "1", "--reason", "a\rb", "--reviewer", "TK"],
     "control character"),
    (["judge", "total_response", "--domain", "imprecision", "--downgrade", "1", "--reason", "x", "--reviewer", "TK",
      "--date", "20/1/2027"], "is not a date"),
    (["confirm", "infection", "--reviewer", "TK"], "no judgement of 'infection'"),
    (["confirm", "total_response", "--reviewer", ""], "--reviewer is required"),
])
def test_bad_judgements_are_refused_and_change_nothing(data_copy, args, message):
    before = snapshot_dir(data_copy)
    r = _lr(data_copy, "grade", *args)
    assert r.returncode == 1 and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert snapshot_dir(data_copy) == before


def test_argparse_refuses_out_of_range_downgrade(data_copy):
    r = _lr(data_copy, "grade", "judge", "total_response", "--domain", "imprecision", "--downgrade", "3",
            "--reason", "x", "--reviewer", "TK")
    assert r.returncode == 2 and "Traceback" not in r.stderr
