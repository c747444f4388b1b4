"""Sequential monitoring (livingreview.sequential, ``livingreview sequential``): reference values
(tests/results/results_sequential.py names the source of each), properties, the command line."""
import io

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from livingreview import sequential
from tests.conftest import run_cli_inprocess as run
from tests.results import results_sequential as ref
from tests.tolerances import FULL, PRINTED_3, WHOLE


# ------------------------------------------------------------------ reference values

@pytest.mark.parametrize("K", sorted(ref.LDOF_TWO_SIDED_005))
def test_ldof_boundaries_equally_spaced(K):
    """gsDesign sfLDOF, two-sided alpha 0.05, K equally spaced looks (3 decimals)."""
    b = sequential.boundaries(np.arange(1, K + 1) / K, alpha=0.05)
    assert_allclose(b.upper, ref.LDOF_TWO_SIDED_005[K], **PRINTED_3)
    assert_allclose(b.lower, -b.upper, **FULL)


def test_one_look_is_the_fixed_design():
    """One look at t = 1: qnorm(0.975) = 1.960 (to full precision)."""
    b = sequential.boundaries([1.0])
    assert_allclose(b.upper, [1.959963984540054], **FULL)


def test_rtsa_futility_vignette_efficacy():
    """RTSA vignette 'Futility': one-sided alpha 0.025, looks 0.5, 0.75, 1, no futility."""
    b = sequential.boundaries(ref.RTSA_FUTILITY_TIMING, alpha=0.025, side=1)
    assert_allclose(b.upper, ref.RTSA_FUTILITY_UPPER, **PRINTED_3)


def test_rtsa_futility_vignette_non_binding():
    """RTSA vignette 'Futility': the same with non-binding futility (beta 0.1, esOF): FutLower and the
    inflated timing; the efficacy boundaries are unchanged (non-binding)."""
    b = sequential.boundaries(ref.RTSA_FUTILITY_TIMING, alpha=0.025, side=1, beta=0.1, futility="non-binding")
    assert_allclose(b.upper, ref.RTSA_FUTILITY_UPPER, **PRINTED_3)
    assert_allclose(b.futility_upper, ref.RTSA_FUTILITY_NONBINDING_LOWER, **PRINTED_3)
    assert_allclose(np.array(ref.RTSA_FUTILITY_TIMING) * b.inflation, ref.RTSA_FUTILITY_NONBINDING_SMA_TIMING,
                    **PRINTED_3)


def test_thorlund_2010_information_size():
    """Thorlund 2010: 15,936 participants; 19,920 with a 20% heterogeneity correction."""
    r = ref.THORLUND_2010
    ris = sequential.required_information_size(r["control_risk"], r["rr"], r["alpha"], r["beta"])
    assert_allclose(ris, r["ris"], **WHOLE)
    ris_h = sequential.required_information_size(r["control_risk"], r["rr"], r["alpha"], r["beta"], 0.2)
    assert_allclose(ris_h, r["ris_h20"], **WHOLE)


# ------------------------------------------------------------------ properties

FRACTIONS = [[0.2, 0.4, 0.6, 0.8, 1.0], [0.1, 0.35, 0.5, 1.0], [0.05, 0.3, 0.7, 0.9, 1.0], [0.33, 0.66, 1.0]]


@pytest.mark.parametrize("t", FRACTIONS)
def test_boundaries_decrease_and_spend_alpha(t):
    b = sequential.boundaries(t)
    assert (np.diff(b.upper) < 0).all()
    assert_allclose(b.alpha_spent[-1], 0.05, **FULL)
    assert (np.diff(b.alpha_spent) > 0).all()
    # the integrated crossing probabilities are the spent increments
    assert_allclose(sequential.crossing_probabilities(b), np.diff(np.concatenate([[0], b.alpha_spent])),
                    rtol=1e-6, atol=1e-12)


def test_crossing_under_the_null_by_simulation():
    """10^5 seeded Brownian paths: the share crossing either boundary is alpha to Monte Carlo error."""
    t = np.array([0.2, 0.4, 0.6, 0.8, 1.0])
    b = sequential.boundaries(t)
    rng = np.random.default_rng(20260101)
    n = 100_000
    score = np.cumsum(rng.standard_normal((n, len(t))) * np.sqrt(np.diff(np.concatenate([[0], t]))), axis=1)
    z = score / np.sqrt(t)
    crossed = (np.abs(z) >= b.upper).any(axis=1).mean()
    se = np.sqrt(0.05 * 0.95 / n)
    assert abs(crossed - 0.05) < 4 * se


def test_negligible_alpha_increment_gets_the_infinite_boundary():
    """RTSA: a look spending less than 1e-15 gets |z| = 20."""
    b = sequential.boundaries([0.001, 0.5, 1.0])
    assert b.upper[0] == sequential.INFINITE_Z
    assert_allclose(b.alpha_spent[-1], 0.05, **FULL)


def test_tested_looks_as_rtsa():
    """RTSA time_tf = 0.01: at most 1% of the RIS, or at most 1% more than the previous trial: not tested."""
    keep = sequential.tested_looks([0.005, 0.2, 0.205, 0.5, 1.2])
    assert keep.tolist() == [False, True, False, True, True]


def test_beyond_the_ris_all_alpha_is_spent_at_the_last_look():
    b = sequential.boundaries([0.5, 1.5])
    assert_allclose(b.alpha_spent[-1], 0.05, **FULL)
    assert_allclose(b.upper, sequential.boundaries([1 / 3, 1.0]).upper, **FULL)


def test_monitor_mh_matches_the_pool_and_adjusts_the_ci():
    from livingreview import mh

    a, n1, c, n2 = (np.array(x, float) for x in ([18, 151, 34], [20, 181, 34], [9, 114, 34], [20, 181, 36]))
    m = sequential.monitor(["s1", "s2", "s3"], a, n1, c, n2, rr=1.2, heterogeneity="I2")
    full = mh.pool_arrays(a, n1, c, n2, np.zeros(3, int), 1, "MH-cc")
    assert_allclose(m.z, full["z"][0], **FULL)
    assert_allclose(m.control_risk, c.sum() / n2.sum(), **FULL)
    assert m.looks["participants"].tolist() == [40, 402, 472]
    assert m.looks["tested"].tolist() == sequential.tested_looks(m.looks["participants"] / m.ris).tolist()
    assert m.adjusted_ci_low < m.ci_low and m.adjusted_ci_high > m.ci_high
    assert m.final_boundary == m.looks["upper"][-1] > 1.96


def test_monitor_crosses_when_the_ris_is_small():
    a, n1, c, n2 = (np.array(x, float) for x in ([60, 70, 80], [100, 100, 100], [30, 35, 40], [100, 100, 100]))
    m = sequential.monitor(["a", "b", "c"], a, n1, c, n2, rr=2.0, control_risk=0.3)
    assert m.crossed == "efficacy"
    m = sequential.monitor(["a", "b", "c"], c, n2, a, n1, rr=0.5, control_risk=0.6, higher_is="better")
    assert m.crossed == "harm"


# ------------------------------------------------------------------ command line

def _csv(text):
    return pd.read_csv(io.StringIO(text))


@pytest.mark.parametrize("K", [2, 3, 4, 5])
def test_cli_boundaries_reference_values(K):
    fr = ",".join(f"{k / K:g}" for k in range(1, K + 1))
    r = run("sequential", "boundaries", "--fractions", fr)
    assert r.returncode == 0, r.stderr
    out = _csv(r.stdout)
    assert list(out.columns) == ["look", "fraction", "alpha_spent", "upper", "lower"]
    assert_allclose(out["upper"], ref.LDOF_TWO_SIDED_005[K], **PRINTED_3)
    assert_allclose(out["alpha_spent"].iloc[-1], 0.05, rtol=1e-9)


def test_cli_boundaries_futility():
    r = run("sequential", "boundaries", "--fractions", "0.5,0.75,1", "--beta", "0.1", "--futility", "non-binding")
    assert r.returncode == 0, r.stderr
    out = _csv(r.stdout)
    assert list(out.columns)[-2:] == ["futility_upper", "futility_lower"]
    assert_allclose(out["upper"], ref.RTSA_FUTILITY_UPPER, **PRINTED_3)
    assert_allclose(out["futility_upper"], ref.RTSA_FUTILITY_NONBINDING_LOWER, **PRINTED_3)


@pytest.fixture
def counts_csv(tmp_path):
    p = tmp_path / "counts.csv"
    p.write_text("study_id,outcome,tac_events,tac_total,ctl_events,ctl_total,year\n"
                 "liu2015,total_response,151,181,114,181,2015\n"
                 "bao2008,total_response,18,20,9,20,2008\n"
                 "chen2012,total_response,34,34,34,36,2012\n"
                 "bao2008,complete_response,10,20,1,20,2008\n")
    return p


def test_cli_file_orders_by_year_and_reports_the_last_look(counts_csv):
    r = run("sequential", str(counts_csv), "--rr", "1.2", "--heterogeneity", "I2")
    assert r.returncode == 0, r.stderr
    looks_text, last_text = r.stdout.split("\n\n")
    looks = _csv(looks_text)
    assert list(looks.columns) == ["outcome", "look", "study_id", "participants", "ris", "fraction", "z", "upper",
                                   "lower", "crossed"]
    tr = looks[looks["outcome"] == "total_response"]
    assert tr["study_id"].tolist() == ["bao2008", "chen2012", "liu2015"]
    assert tr["participants"].tolist() == [40, 110, 472]
    last = _csv(last_text).set_index("outcome")
    assert {"tsa_ci_low", "tsa_ci_high", "boundary"} <= set(last.columns)
    assert last.loc["total_response", "tsa_ci_low"] < last.loc["total_response", "ci_low"]


def test_cli_file_random_effects(counts_csv):
    r = run("sequential", str(counts_csv), "--rr", "ci", "--random", "REML", "--heterogeneity", "D2")
    assert r.returncode == 0, r.stderr


def test_cli_file_order_without_year(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("study_id,outcome,tac_events,tac_total,ctl_events,ctl_total\nz,o,5,10,3,10\na,o,6,10,2,10\n")
    r = run("sequential", str(p), "--rr", "1.5")
    assert r.returncode == 0, r.stderr
    assert _csv(r.stdout.split("\n\n")[0])["study_id"].tolist() == ["z", "a"]


@pytest.mark.parametrize("body, where", [
    ("study_id,outcome,tac_events,tac_total,ctl_events,ctl_total,year\ns,o,5,10,3,x,2015\n", ":2: column 'ctl_total'"),
    ("study_id,outcome,tac_events,tac_total,ctl_events,ctl_total,year\ns,o,5,10,3,10,soon\n", ":2: column 'year'"),
    ("study_id,outcome,tac_events,tac_total,ctl_events\ns,o,5,10,3\n", ":1: column 'ctl_total'"),
])
def test_cli_file_bad_input_is_one_line(tmp_path, body, where):
    p = tmp_path / "bad.csv"
    p.write_text(body)
    r = run("sequential", str(p), "--rr", "1.2")
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and where in lines[0] and "bad.csv" in lines[0], r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("args", [["boundaries", "--fractions", "0.5,0.4"], ["boundaries", "--fractions", "a,b"],
                                  ["boundaries", "--fractions", "0.5,1", "--alpha", "2"]])
def test_cli_bad_fractions(args):
    r = run("sequential", *args)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_cli_subcommand_and_file_options_do_not_mix(counts_csv):
    assert run("sequential", "boundaries", "--fractions", "1", "--rr", "1.2").returncode == 2
    assert run("sequential", str(counts_csv), "--fractions", "0.5,1", "--rr", "1.2").returncode == 2
    assert run("sequential", str(counts_csv)).returncode == 2
    r = run("sequential", str(counts_csv) + ".missing", "--rr", "1.2")
    assert r.returncode == 1 and "file not found" in r.stderr


# ------------------------------------------------------------------ the review's page (live data: invariants only)

@pytest.fixture(scope="module")
def review_results():
    import livingreview as lr
    from livingreview import monitoring

    review = lr.load_review(tables=["outcomes"])
    return review, monitoring.monitor_outcomes(review)


def test_facts_sequential_keys_and_invariants(review_results):
    from livingreview import monitoring

    review, results = review_results
    facts = monitoring.facts_sequential(review, results)
    assert set(facts) == {f"tsa_{kind}_{oc}" for kind in ("sentence", "sof") for oc in monitoring.OUTCOMES} | {
        "tsa_assumptions_md", "tsa_caveat"}
    assert all(isinstance(v, str) and v for v in facts.values())
    for oc, m in results.items():
        if m is None:
            continue
        order = monitoring.looks(review, oc)
        assert list(m.looks["study_id"]) == list(order["study_id"])
        assert list(m.looks["label"]) == list(order["label"])
        assert (order["year"].diff().dropna() >= 0).all()
        assert m.participants == int((order["tac_total"] + order["ctl_total"]).sum())
        assert f"{m.participants:,}" in facts[f"tsa_sentence_{oc}"]


def test_tsa_plot_smoke(review_results):
    import matplotlib.pyplot as plt

    from livingreview import sequential_plot

    review, results = review_results
    for oc, m in results.items():
        if m is not None:
            fig = sequential_plot.tsa_plot(m, "A $label$ with dollars", review.higher_is(oc))
            assert fig.axes[0].get_title(loc="left") == "A $label$ with dollars"
            plt.close(fig)


def test_cli_file_with_futility_columns(counts_csv):
    r = run("sequential", str(counts_csv), "--rr", "1.2", "--futility", "non-binding", "--beta", "0.1")
    assert r.returncode == 0, r.stderr
    looks = _csv(r.stdout.split("\n\n")[0])
    assert list(looks.columns)[-2:] == ["futility_upper", "futility_lower"]
    tested = looks[looks["crossed"] != "not tested"]
    assert (tested["upper"] > 0).all() and (tested["lower"] == -tested["upper"]).all()


def test_crossing_probabilities_match_r_mvtnorm():
    """R mvtnorm (Genz-Bretz, abseps 1e-9) on the K = 5 boundaries: cumulative crossing probabilities."""
    t = np.arange(1, 6) / 5
    b = sequential.Boundaries(t, np.zeros(5), np.array(ref.MVTNORM_K5_BOUNDS), -np.array(ref.MVTNORM_K5_BOUNDS),
                              0.05, 2)
    # Genz-Bretz is quasi-Monte Carlo: with maxpts 1e6 its values differ from the spending by up to 3e-7
    assert_allclose(np.cumsum(sequential.crossing_probabilities(b)), ref.MVTNORM_K5_CUMULATIVE, rtol=0, atol=1e-6)
