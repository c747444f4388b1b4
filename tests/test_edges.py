"""Issue 11: statistics that hold at the edges (REML's global maximum, tails, NaN, PI, Knapp-Hartung, CLI)."""
import io
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from numpy.testing import assert_allclose
from scipy import stats

from livingreview import mh, randeff, sensitivity
from livingreview.cli import RANDOM_OUTPUT_COLUMNS
from tests.conftest import frame
from tests.conftest import run_cli_inprocess as run
from tests.results import results_edges as ref

R = ref.REML_TWO_PEAKS


def _yv(d):
    st = mh.study_arrays(d["tac_events"], d["tac_total"], d["ctl_events"], d["ctl_total"], "MH-cc")
    return st["log_rr"], st["var_log_rr"]


def test_reml_finds_the_global_maximum_as_metafor():
    y, v = _yv(R)
    r = randeff.random_effects(y, v, "REML", "z")
    assert_allclose(r["tau2"], R["tau2"], rtol=1e-6)
    for key in ("rr", "ci_low", "ci_high"):
        assert_allclose(r[key], R[key], rtol=1e-6, err_msg=key)
    assert_allclose(randeff.reml_loglik(r["tau2"], y, v), R["loglik"], atol=1e-9)
    assert_allclose(randeff.reml_loglik(0.0, y, v), R["loglik_at_0"], atol=1e-9)
    k = randeff.random_effects(y, v, "REML", "hksj")
    assert_allclose(np.log([k["ci_low"], k["ci_high"]]), R["knha_log_ci"], rtol=1e-6)


@settings(max_examples=60, deadline=None)
@given(hst.lists(hst.tuples(hst.floats(-3, 3), hst.floats(1e-3, 5)), min_size=2, max_size=8))
def test_reml_likelihood_not_below_zero_dl_pm(studies):
    y = np.array([s[0] for s in studies])
    v = np.array([s[1] for s in studies])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", randeff.IterationLimitWarning)
        t = randeff.tau2_reml(y, v)
        cands = [0.0, randeff.tau2_dl(y, v), randeff.tau2_pm(y, v)]
    best = randeff.reml_loglik(t, y, v)
    for c in cands:
        assert best >= randeff.reml_loglik(c, y, v) - 1e-9


def test_pm_iteration_limit_warns():
    y, v = np.array([0.0, 2.0, -1.0]), np.array([0.01, 0.02, 0.03])
    with pytest.warns(randeff.IterationLimitWarning):
        randeff.tau2_pm(y, v, tol=0, maxiter=5)


@pytest.mark.parametrize("q, df", [(1600, 1500), (1500, 1000), (3.84, 1), (0.0, 3), (1e-8, 2), (400, 7)])
def test_chi2_tail_against_scipy_stats(q, df):
    assert_allclose(mh.chi2_sf(q, df), stats.chi2.sf(q, df), rtol=1e-12, atol=0)


def test_chi2_tail_extremes():
    assert_allclose(mh.chi2_sf(1600, 1500), 0.036, atol=0.001)
    assert 1e-23 < mh.chi2_sf(1500, 1000) < 1e-21


@pytest.mark.parametrize("x", [0.0, 1.96, 8.0, 30.0, -5.0])
def test_normal_tail_against_scipy_stats(x):
    assert_allclose(mh.norm_sf(x), stats.norm.sf(x), rtol=1e-12, atol=0)


def test_q_undefined_gives_nan_i2_and_q_p():
    d = frame(**{k: v for k, v in zip(["a", "n1", "c", "n2"], ref.Q_UNDEFINED_MH.values())})
    with pytest.warns(mh.DegeneratePoolWarning):
        r = mh.pool(d, None, "MH").iloc[0]
    assert np.isnan(r["q"]) and np.isnan(r["q_p"]) and np.isnan(r["i2"])


@pytest.mark.parametrize("fn", [lambda d, **kw: mh.pool(d, None, "MH", **kw),
                                lambda d, **kw: mh.study_table(d, **kw),
                                lambda d, **kw: randeff.random_effects_table(d.assign(subgroup="all"), **kw)])
def test_missing_counts_are_refused_or_dropped_on_request(fn):
    d = frame([3, np.nan, 4, 5], [10, 10, 12, 12], [5, 6, 6, 7], [10, 10, 12, 12])
    with pytest.raises(ValueError, match=r"study 's001'.*'tac_events'"):
        fn(d)
    out = fn(d, missing="drop")
    assert (out.select_dtypes("int").to_numpy() >= 0).all()


def test_pool_drop_gives_no_overflow():
    d = frame([3, np.nan, 4], [10, 10, 12], [5, 6, 6], [10, 10, 12])
    r = mh.pool(d, None, "MH", missing="drop").iloc[0]
    assert r["k"] == 2 and r["tac_events"] == 7


def test_random_effects_refuses_nan():
    with pytest.raises(ValueError, match="missing"):
        randeff.random_effects([0.1, np.nan, 0.2], [0.1, 0.1, 0.1])
    r = randeff.random_effects([0.1, np.nan, 0.2, 0.3], [0.1, 0.1, 0.1, 0.1], missing="drop")
    assert r["k"] == 3


def test_prediction_interval_t_k_minus_1_and_none_below_3():
    y, v = np.array([0.1, 0.5, -0.2, 0.3]), np.array([0.02, 0.03, 0.05, 0.04])
    r = randeff.random_effects(y, v, "DL", "z")
    half = stats.t.ppf(0.975, 3) * np.sqrt(r["tau2"] + r["se"] ** 2)
    assert_allclose([r["pi_low"], r["pi_high"]], np.exp([r["mu"] - half, r["mu"] + half]), rtol=1e-12)
    r2 = randeff.random_effects(y, v, "DL", "z", pi_df="k-2")
    assert r2["pi_high"] > r["pi_high"]
    two = randeff.random_effects(y[:2], v[:2], "DL", "z")
    assert np.isnan(two["pi_low"]) and randeff.NO_PI_NOTE in two["note"]


def test_modified_knapp_hartung_never_a_point():
    y, v = np.array([0.2, 0.2, 0.2]), np.array([0.02, 0.03, 0.05])
    classic = randeff.random_effects(y, v, "REML", "hksj")
    mod = randeff.random_effects(y, v, "REML", "hksj_modified")
    assert_allclose(classic["ci_low"], classic["ci_high"], rtol=1e-12)
    assert randeff.POINT_CI_NOTE in classic["note"]
    assert mod["ci_low"] < mod["rr"] < mod["ci_high"]
    wald = randeff.random_effects(y, v, "REML", "z")
    assert mod["ci_high"] / mod["ci_low"] > wald["ci_high"] / wald["ci_low"]


def test_subgroup_tests_random_effects():
    d = frame([10, 20, 5, 30, 40], [50, 60, 40, 80, 90], [5, 6, 10, 25, 20], [50, 60, 40, 80, 90],
              regimen=["duo", "duo", "triple", "triple", "triple"])
    t = sensitivity.subgroup_test_random(d)
    assert list(t["test"]) == ["meta_regression_reml", "meta_regression_reml_knha", "subgroup_q_random"]
    assert ((t["p"] > 0) & (t["p"] < 1)).all() and (t["df"] == 1).all()


# ---- command line -------------------------------------------------------------------------------------

def _write(tmp_path, text, name="x.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


HEAD = "study_id,outcome,tac_events,tac_total,ctl_events,ctl_total,arm\n"


@pytest.mark.parametrize("name", ["bench150", "edges"])
def test_mh_output_is_byte_identical_to_the_stored_output(name):
    """Stored from the pandas implementation (commit before issue 11) except I² now empty where Q is."""
    from pathlib import Path
    base = Path(__file__).parent / "results" / "pool_cli"
    by = "subgroup" if name == "bench150" else "arm"
    r = run("pool", str(base / f"{name}.csv"), "--by", by)
    assert r.returncode == 0
    assert r.stdout == (base / f"{name}.expected.csv").read_text()
    assert r.stderr == (base / f"{name}.expected.stderr").read_text()


def test_random_from_the_command_line(tmp_path):
    body = "".join(f"s{i},o,{a},{n1},{c},{n2},g\n" for i, (a, n1, c, n2) in
                   enumerate(zip(R["tac_events"], R["tac_total"], R["ctl_events"], R["ctl_total"])))
    p = _write(tmp_path, HEAD + body + "t,o,0,10,0,10,h\n")
    r = run("pool", str(p), "--by", "arm", "--random", "REML")
    assert r.returncode == 0, r.stderr
    out = pd.read_csv(io.StringIO(r.stdout))
    assert list(out.columns) == RANDOM_OUTPUT_COLUMNS
    assert list(out["ci_method"]) == ["z", "hksj", "hksj_modified"] * 2
    assert set(out["group"]) == {"all", "g"}
    assert_allclose(out["tau2"], R["tau2"], rtol=1e-6)
    assert "o/h" in r.stderr and "fewer than two" in r.stderr


@pytest.mark.parametrize("by, fragment", [
    ("outcome", "--by outcome"), ("tac_events", "input count"), ("rr", "column of the output"),
    ("group", "column of the output")])
def test_by_refuses_counts_outputs_and_outcome(tmp_path, by, fragment):
    p = _write(tmp_path, HEAD + "a,o,1,10,2,10,x\n")
    r = run("pool", str(p), "--by", by)
    assert r.returncode == 1 and fragment in r.stderr and f"column '{by}'" in r.stderr


def test_empty_by_value_is_its_own_group(tmp_path):
    p = _write(tmp_path, HEAD + "a,o,1,10,2,10,\nb,o,3,10,2,10,x\n")
    r = run("pool", str(p), "--by", "arm", "--method", "MH")
    out = pd.read_csv(io.StringIO(r.stdout), keep_default_na=False)
    assert list(out["group"]) == ["all", "(missing)", "x"]


def test_directory_and_size_cap(tmp_path, monkeypatch):
    r = run("pool", str(tmp_path))
    assert r.returncode == 1 and "directory" in r.stderr
    from livingreview import poolio
    monkeypatch.setattr(poolio, "MAX_BYTES", 10)
    p = _write(tmp_path, HEAD + "a,o,1,10,2,10,x\n")
    r = run("pool", str(p))
    assert r.returncode == 1 and "at most" in r.stderr


def test_pool_path_does_not_import_pandas(tmp_path):
    import subprocess
    import sys
    p = _write(tmp_path, HEAD + "a,o,1,10,2,10,x\n")
    code = ("import sys; from livingreview.cli import main; main(['pool', sys.argv[1]]); "
            "sys.exit(3 if 'pandas' in sys.modules else 0)")
    r = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
