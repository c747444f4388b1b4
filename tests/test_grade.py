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


def test_summary_of_findings_rows_by_regimen():
    """Fixture review: complete response is shown by regimen (RevMan's test p < 0.10), each row names its
    population and comparison; the primary estimate is the MH fixed effect of the evidence table; all seven
    harms of the review are there, triple-therapy severe infection included."""
    from livingreview import evidence

    review = lr.load_review(FIXTURE, tables=["outcomes", "grade", "published_estimates"])
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
    """Literal values (fixture review, as data/outcomes.csv on 2026-12-01): complete response with triple therapy, Bao 2008, Liu 2015 and
    JCN 2017: 434 participants, control risk 50/217 = 230 per 1,000, MH-cc RR 2.06 (1.55 to 2.73)."""
    from livingreview import tables

    review = lr.load_review(FIXTURE, tables=["outcomes", "grade", "published_estimates"])
    f = tables.sof_frame(grade.summary_of_findings(review))
    row = f[(f["Outcome"] == "Complete renal response")
            & f["Population and comparison"].str.startswith("TAC + MMF + steroids vs")].iloc[0]
    assert row["№ participants (studies)"] == "434 participants (3 RCTs)"
    assert row["Risk with control"] == "230 per 1,000"
    assert row["Relative effect (95% CI), MH fixed effect"] == "RR 2.06 (1.55 to 2.73)"
    assert row["Follow-up"] == "6 months"


def test_participants_include_double_zero_trials():
    review = lr.load_review(FIXTURE, tables=["outcomes", "grade", "published_estimates"])
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
    assert grade.comment(level, lo, hi, "Total renal response", "tacrolimus-based therapy") == expected


def test_summary_of_findings_has_a_comment_for_every_row():
    from livingreview import tables

    review = lr.load_review(FIXTURE, tables=["outcomes", "grade", "published_estimates"])
    f = tables.sof_frame(grade.summary_of_findings(review))
    assert f["Comments"].str.endswith(".").all()
    assert f.loc[f["Outcome"] == "Complete renal response", "Comments"].str.startswith(
        "The evidence is very uncertain").all()
    assert f.loc[f["Outcome"] == "Leucopenia", "Comments"].iloc[0].startswith("As published; not yet re-derivable")


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
    assert [s.split(":")[0] for s in _stale(data_copy)] == ["total_response", "total_response (triple)"]
    r = _lr(data_copy, "grade", "show")
    assert r.returncode == 0 and "total_response (all): judged for edition 2026, k = 2" in r.stdout
    assert "OUT OF DATE" in r.stdout and "livingreview grade confirm total_response" in r.stdout
    r = _lr(data_copy, "grade", "confirm", "total_response", "--reviewer", "TK", "--date", "2026-11-20")
    assert r.returncode == 0, r.stderr
    assert [s.split(":")[0] for s in _stale(data_copy)] == ["total_response (triple)"]  # one pool at a time
    assert lr.validate(data_copy) == []
    g = lr.load_review(data_copy).grade
    t = g[(g["outcome"] == "total_response") & (g["population"] == "all")]
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
    assert [s.split(":")[0] for s in _stale(data_copy)] == ["total_response (triple)"]
    from livingreview import evidence

    row = evidence.row(evidence.build(lr.load_review(data_copy)), "efficacy", "total_response", "all")
    assert row["certainty"] == "very low" and int(row["k_reported"]) == 1


def test_judging_a_regimen_pool_does_not_change_the_overall_row(data_copy):
    """A judgement rates only the evidence row it was made for (issue 20): the triple row changes, the
    pool of both regimens keeps its certainty."""
    from livingreview import evidence

    def rows(data):
        ev = evidence.build(lr.load_review(data))
        return (evidence.row(ev, "efficacy", "complete_response", "all"),
                evidence.row(ev, "efficacy", "complete_response", "triple"))

    all_before, _ = rows(data_copy)
    for d in grade.DOMAIN_TEXT:
        r = _lr(data_copy, "grade", "judge", "complete_response", "--population", "triple", "--domain", d,
                "--downgrade", "0", "--reason", "Test.", "--reviewer", "TK")
        assert r.returncode == 0, r.stderr
    review = lr.load_review(data_copy)
    assert _stale(data_copy) == [] and lr.validate(data_copy) == []
    all_after, triple_after = rows(data_copy)
    assert (all_after["certainty"], all_after["certainty_reason"]) == (all_before["certainty"],
                                                                       all_before["certainty_reason"])
    assert triple_after["certainty"] == "high"
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

def test_no_certainty_in_a_sof_row_without_counts_or_judgement():
    from livingreview import tables

    review = lr.load_review(FIXTURE, tables=["outcomes", "grade", "published_estimates"])
    sof = grade.summary_of_findings(review)
    f = tables.sof_frame(sof)
    for r, shown in zip(sof.itertuples(), f.itertuples()):
        if r.published_only or not r.certainty:
            assert shown.Certainty == "not rated"
            assert not any(s in shown.Certainty for s in grade.SYMBOLS.values())
