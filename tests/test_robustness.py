"""Every defensible analysis (livingreview.robustness): the vectorised engine, the files, the fixed pages.

Live-data tests check invariants and agreement with the functions behind the fixed pages
(pools.pooled_estimates, sensitivity.leave_one_out, tables.sensitivity_unverified,
pools.random_effects_results); literal values come from metafor on dat.bcg (tests/results/results_re.py).
"""
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import livingreview as lr
from livingreview import mh, plots, pools, randeff, results, robustness, sensitivity, tables
from livingreview.fmt import fmt_rr
from tests.conftest import frame
from tests.results import results_mh as ref
from tests.results.results_re import BCG_RE
from tests.tolerances import FULL, ITERATIVE_PM, ITERATIVE_REML, PRINTED_10

matplotlib.use("Agg")
TOL = {"DL": PRINTED_10, "REML": ITERATIVE_REML, "PM": ITERATIVE_PM}
#: Our vectorised τ² against our scalar τ² (same algorithm; REML's bracket search differs: golden section
#: here, scipy's bounded Brent there, both stopping near 1e-8 relative before the polish).
SAME_ALGORITHM = {"DL": dict(rtol=1e-10, atol=1e-14), "PM": dict(rtol=1e-9, atol=1e-14),
                  "REML": dict(rtol=1e-6, atol=1e-10)}
POOL = ["analysis", "outcome", "population"]


@pytest.fixture(scope="module")
def review():
    return lr.load_review()


@pytest.fixture(scope="module")
def space(review):
    return robustness.analysis_space(review)


def _sel(space, **kw):
    s = space
    for k, v in {"trials_rule": "living", "counts_rule": "all", "left_out": "", "alternative": "", **kw}.items():
        s = s[s[k] == v]
    return s


# --- the engine on a frozen fixture -----------------------------------------------------------

@pytest.fixture(scope="module")
def bcg_groups():
    """dat.bcg twice (groups 0 and 2), its first 5 trials (group 1) and one trial (group 3)."""
    d = frame(ref.BCG_TPOS, ref.BCG_TPOS + ref.BCG_TNEG, ref.BCG_CPOS, ref.BCG_CPOS + ref.BCG_CNEG)
    st = mh.study_table(d, "MH-cc")
    y, v = st["log_rr"].to_numpy(), st["var_log_rr"].to_numpy()
    ys = np.concatenate([y, y[:5], y, y[:1]])
    vs = np.concatenate([v, v[:5], v, v[:1]])
    codes = np.concatenate([np.zeros(len(y)), np.ones(5), np.full(len(y), 2), [3]]).astype(int)
    return y, v, ys, vs, codes


@pytest.mark.parametrize("tau2_method, ci_method", sorted(BCG_RE))
def test_vectorised_random_effects_equal_metafor(bcg_groups, tau2_method, ci_method):
    """metafor 3.8-1 on dat.bcg: rma(yi, vi, method=M, test=T) (tests/results/results_re.py)."""
    _, _, ys, vs, codes = bcg_groups
    t = randeff.TAU2_GROUPS[tau2_method](ys, vs, codes, 4)
    r = randeff.random_effects_arrays(ys, vs, codes, 4, t, ci_method)
    exp = BCG_RE[(tau2_method, ci_method)]
    for g in (0, 2):
        assert_allclose(t[g], exp["tau2"], **TOL[tau2_method])
        for col in ("rr", "ci_low", "ci_high", "i2"):
            assert_allclose(r[col][g], exp[col], **TOL[tau2_method])
    assert np.isnan(t[3]) and np.isnan(r["rr"][3])  # one trial: no random-effects pool


@pytest.mark.parametrize("method", randeff.TAU2_METHODS)
def test_vectorised_tau2_equals_scalar_on_every_group(bcg_groups, method):
    y, v, ys, vs, codes = bcg_groups
    t = randeff.TAU2_GROUPS[method](ys, vs, codes, 4)
    scalar = {"DL": randeff.tau2_dl, "PM": randeff.tau2_pm, "REML": randeff.tau2_reml}[method]
    assert_allclose(t[:3], [scalar(y, v), scalar(y[:5], v[:5]), scalar(y, v)], **SAME_ALGORITHM[method])


@pytest.mark.parametrize("ci_method", randeff.CI_METHODS)
def test_vectorised_intervals_equal_random_effects(bcg_groups, ci_method):
    y, v, ys, vs, codes = bcg_groups
    for method in randeff.TAU2_METHODS:
        t = randeff.TAU2_GROUPS[method](ys, vs, codes, 4)
        r = randeff.random_effects_arrays(ys, vs, codes, 4, t, ci_method)
        one = randeff.random_effects(y[:5], v[:5], method, ci_method)
        for col in ("rr", "ci_low", "ci_high", "i2"):
            assert_allclose(r[col][1], one[col], **SAME_ALGORITHM[method])


# --- the space on live data: invariants ------------------------------------------------------

def test_columns_and_vocabularies(space):
    assert list(space.columns) == robustness.COLUMNS + robustness.EXTRA_COLUMNS
    assert set(space["model"]) <= set(robustness.MODELS)
    assert set(space["ci_method"]) <= set(robustness.CI_METHODS)
    assert set(space["trials_rule"]) == set(robustness.TRIALS_RULES)
    assert set(space["counts_rule"]) <= set(robustness.COUNTS_RULES)
    assert set(space["population"]) <= set(robustness.POPULATIONS)
    assert set(zip(space["model"], space["ci_method"])) <= set(robustness.MODEL_CI)
    assert (space["k"] >= 1).all()
    assert (space["k"] == space["trials"].str.split(";").map(len)).all()
    key = ["analysis", "outcome", "population", "model", "ci_method", "trials_rule", "counts_rule", "left_out",
           "alternative"]
    assert not space.duplicated(key).any()
    assert (space["alternative"] != "").eq(space["counts_rule"] == "alternative").all()


def test_intervals_contain_estimates(space):
    e = robustness.estimable(space)
    assert (e["ci_low"] <= e["rr"] * (1 + 1e-12)).all() and (e["rr"] <= e["ci_high"] * (1 + 1e-12)).all()
    re = space[space["model"].isin(randeff.TAU2_METHODS)]
    assert re.loc[re["k"] < 2, "rr"].isna().all()  # random effects need two trials
    assert re.loc[re["k"] >= 2, "tau2"].ge(0).all()
    assert space.loc[space["model"].isin(["MH-cc", "MH", "IV"]), "tau2"].isna().all()


def test_left_out_trial_is_not_pooled_and_counts_rules_drop_what_they_name(space, review):
    loo = space[space["left_out"] != ""]
    assert all(lo not in t.split(";") for lo, t in zip(loo["left_out"], loo["trials"]))
    prov = review.outcomes.set_index(["study_id", "outcome"])["provenance"]
    for rule, dropped in (("without_unverified", "unverified"), ("without_derived", "derived_from_percentage")):
        s = space[space["counts_rule"] == rule]
        for oc, trials in zip(s["outcome"], s["trials"]):
            assert all(prov[(sid, oc)] != dropped for sid in trials.split(";"))


def test_trials_rules_follow_the_one_edition_convention(space, review):
    for analysis in pools.ANALYSES:
        ids = set(pools.trials(review, analysis, pools.EDITION_2016)["study_id"])
        s = space[(space["analysis"] == analysis) & (space["trials_rule"] == "2016")]
        assert all(set(t.split(";")) <= ids for t in s["trials"])


def test_alternatives_are_the_recorded_ones(space, review):
    alt = space[space["counts_rule"] == "alternative"]
    recorded = {f"{a.study_id} {a.arm}_events={x}" for a in review.ambiguous.itertuples()
                for x in str(a.alternatives).split(";") if int(x) != int(a.used)}
    assert set(alt["alternative"]) <= recorded
    # an alternative changes the estimate of a pool its trial is in (liu2015 total response TAC 151 -> 152)
    a = _sel(space, analysis="efficacy", outcome="total_response", population="all", model="MH-cc",
             counts_rule="alternative", alternative="liu2015 tac_events=152")
    b = _sel(space, analysis="efficacy", outcome="total_response", population="all", model="MH-cc")
    if len(a) and len(b):
        assert a["rr"].iloc[0] > b["rr"].iloc[0]


# --- the same numbers as the fixed pages ---------------------------------------------------

@pytest.mark.parametrize("method", ["MH-cc", "MH"])
def test_primary_and_mh_rows_equal_pooled_estimates(space, review, method):
    pe = pools.pooled_estimates(review)
    pe = pe[pe["method"] == method].rename(columns={"subgroup": "population"})
    ours = _sel(space, model=method)
    m = pe.merge(ours, on=POOL, suffixes=("_page", ""))
    assert len(m) == len(pe) == len(ours)
    for col in ("k", "rr", "ci_low", "ci_high", "i2"):
        assert_allclose(m[col].astype(float), m[col + "_page"].astype(float), **FULL)


def test_primary_row_is_the_pages_primary(space, review):
    pe = pools.pooled_estimates(review)
    for r in pe[pe["method"] == pools.PRIMARY].itertuples():
        row = robustness.primary_row(space, r.analysis, r.outcome, r.subgroup)
        assert fmt_rr(row["rr"], row["ci_low"], row["ci_high"]) == fmt_rr(r.rr, r.ci_low, r.ci_high)


def test_leave_one_out_equals_sensitivity(space, review):
    for analysis in ("efficacy", "safety"):
        rows = pools.with_counts(review, analysis)
        loo = sensitivity.leave_one_out(rows)
        label_to_id = dict(zip(rows["label"], rows["study_id"]))
        ours = space[(space["analysis"] == analysis) & (space["population"] == "all") & (space["model"] == "MH-cc")
                     & (space["trials_rule"] == "living") & (space["counts_rule"] == "all")
                     & (space["left_out"] != "")]
        loo = loo.assign(left_out=loo["omitted"].map(label_to_id))
        m = loo.merge(ours, on=["outcome", "left_out"], suffixes=("_page", ""))
        assert len(m) == len(loo) == len(ours)
        for col in ("k", "rr", "ci_low", "ci_high", "i2"):
            assert_allclose(m[col].astype(float), m[col + "_page"].astype(float), **FULL)


def test_without_unverified_equals_the_sensitivity_table(space, review):
    pu = pools.pooled_estimates(review, exclude_unverified=True, methods=(pools.PRIMARY,))
    pu = pu.rename(columns={"subgroup": "population"})
    ours = _sel(space, model="MH-cc", counts_rule="without_unverified")
    m = pu.merge(ours, on=POOL, suffixes=("_page", ""))
    assert len(m) == len(pu) == len(ours)
    for col in ("k", "rr", "ci_low", "ci_high"):
        assert_allclose(m[col].astype(float), m[col + "_page"].astype(float), **FULL)
    shown = tables.sensitivity_unverified(review)
    text = {(a, o, s): t for a, o, s, t in zip(m["analysis"], m["outcome"], m["population"],
                                               [fmt_rr(*v) for v in zip(m["rr"], m["ci_low"], m["ci_high"])])}
    code = {label: oc for oc, label in review.outcome_labels.items()}
    checked = 0
    for r in shown.itertuples(index=False):
        key = (r[0], code.get(r[1], r[1]), r[2])
        if key in text:
            assert r[6] == text[key]
            checked += 1
    assert checked == len(text)


def test_random_effects_equal_the_pages_table(space, review):
    re_ = pools.random_effects_results(review).rename(columns={"subgroup": "population", "tau2_method": "model"})
    ours = _sel(space).merge(re_, on=[*POOL, "model", "ci_method"], suffixes=("", "_page"))
    assert len(ours) == len(re_)
    for col in ("k", "rr", "ci_low", "ci_high", "tau2", "i2"):
        tol = dict(rtol=1e-6, atol=1e-10)  # REML: golden section against Brent before the polish
        assert_allclose(ours[col].astype(float), ours[col + "_page"].astype(float), **tol)


# --- files: the explorer's data and results/robustness.csv equal a fresh computation -------

@pytest.mark.parametrize("analysis", results.EXPLORER_ANALYSES)
def test_explorer_data_equals_a_fresh_computation(space, review, analysis):
    path = results.STATIC_DIR / f"robustness-{analysis}.js"
    committed = robustness.parse_explorer_script(path.read_text(encoding="utf-8"))
    fresh = robustness.parse_explorer_script(robustness.explorer_script(robustness.explorer_data(space, review, analysis)))
    assert committed == fresh, f"{path.name} is stale: re-execute notebooks 03 and 04"


def test_results_csv_equals_a_fresh_computation(space):
    committed = pd.read_csv(results.RESULTS_DIR / "robustness.csv", keep_default_na=False,
                            na_values={"rr": [""], "ci_low": [""], "ci_high": [""], "i2": [""], "tau2": [""]},
                            dtype={"left_out": str, "alternative": str, "weights": str, "trials": str})
    assert list(committed.columns) == list(space.columns)
    assert len(committed) == len(space)
    for col in ("analysis", "outcome", "population", "model", "ci_method", "trials_rule", "counts_rule",
                "left_out", "trials", "alternative", "weights"):
        assert committed[col].tolist() == space[col].tolist(), col
    for col in ("k", "participants"):
        assert committed[col].tolist() == space[col].tolist()
    for col in ("rr", "ci_low", "ci_high", "i2", "tau2"):
        assert_allclose(committed[col].astype(float), space[col].astype(float), rtol=0, atol=5e-7, equal_nan=True)


def test_explorer_numbers_print_as_the_csv_numbers(space, review):
    """The page prints two decimals: a value kept to 10 significant digits prints as the full value."""
    data = robustness.explorer_data(space, review, "efficacy")
    c = {k: i for i, k in enumerate(data["columns"])}
    full = space[space["analysis"] == "efficacy"].reset_index(drop=True)
    for row, (_, r) in zip(data["rows"], full.iterrows()):
        assert fmt_rr(row[c["rr"]], row[c["ci_low"]], row[c["ci_high"]]) == fmt_rr(r["rr"], r["ci_low"], r["ci_high"])


def test_explorer_script_cannot_close_its_script_element(review, space):
    text = robustness.explorer_script(robustness.explorer_data(space, review, "efficacy"))
    assert "<" not in text


def test_explorer_html_refuses_codes_that_are_not_codes():
    html = robustness.explorer_html("efficacy", "total_response")
    assert 'data-analysis="efficacy"' in html and "explorer.js" in html
    with pytest.raises(ValueError):
        robustness.explorer_html("efficacy", 'x" onload="alert(1)')


# --- the specification curve and its sentence ----------------------------------------------

def test_distinct_analyses_and_the_summary_sentence(space, review):
    d = robustness.distinct(space)
    assert len(d) <= len(robustness.estimable(space))
    assert d["is_primary"].sum() == len(pools.pooled_estimates(review).query("method == 'MH-cc' and rr == rr"))
    facts = robustness.facts_robustness(space, review, "efficacy")
    for oc in ("total_response", "complete_response", "partial_response"):
        g = d[(d["analysis"] == "efficacy") & (d["outcome"] == oc) & (d["population"] == "all")]
        text = facts[f"robustness_{oc}"]
        if g.empty:
            assert "no trial has counts" in text
            continue
        fav = int(robustness.favours_tac(g["rr"], review.higher_is(oc)).sum())
        assert re.search(rf": {fav:,} of {len(g):,} distinct analys", text), text
        inc = int(robustness.includes_no_effect(g["ci_low"], g["ci_high"]).sum())
        if 0 < inc <= len(g) - inc:
            assert f"except {inc:,}" in text
        elif len(g) - inc < inc < len(g):
            assert f"includes no effect in {inc:,} of them and excludes it in {len(g) - inc:,}" in text


def test_facts_keys_are_spelled_out(space, review):
    assert set(robustness.facts_robustness(space, review, "safety")) == {
        "robustness_safety_combinations", "robustness_safety_estimable", "robustness_infection",
        "robustness_severe_infection", "robustness_hyperglycaemia", "robustness_leucopenia",
        "robustness_creatinine_rise", "robustness_any_adverse_event"}


def test_specification_curve_figure(space, review):
    import matplotlib.pyplot as plt

    for analysis in ("efficacy", "safety"):
        fig = plots.specification_curve(space, review, analysis)
        assert fig.axes
        plt.close(fig)
    fig = plots.specification_curve(space.iloc[0:0], review, "efficacy")
    plt.close(fig)


def test_whole_space_is_fast(review):
    robustness.analysis_space(review)
    _, seconds = robustness.timed_space(review)
    assert seconds < 10  # goal < 1 s on an idle machine (benchmarks/bench_robustness.py); generous under load


@pytest.mark.parametrize("page", ["03-efficacy", "04-safety"])
def test_make_notebooks_prints_the_count_and_time(page, space):
    """The robustness cell is tagged 'report': `livingreview execute` echoes its line (combinations, seconds)."""
    from livingreview.build.notebooks import NOTEBOOK_DIR, report_lines

    lines = report_lines(NOTEBOOK_DIR / f"{page}.ipynb")
    assert any(re.fullmatch(rf"robustness: {len(space):,} combinations computed in [0-9.]+ s", ln) for ln in lines), lines
