"""Random-effects engine against metafor (dat.bcg) and statsmodels; subgroup test; leave-one-out."""
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from statsmodels.stats.meta_analysis import combine_effects

from livingreview import mh, randeff, sensitivity
from tests.conftest import frame
from tests.results import results_mh as ref
from tests.results.results_re import BCG_RE
from tests.tolerances import FULL, ITERATIVE_PM, ITERATIVE_REML, PRINTED_10

TOL = {"DL": PRINTED_10, "REML": ITERATIVE_REML, "PM": ITERATIVE_PM}


@pytest.fixture(scope="module")
def bcg():
    d = frame(ref.BCG_TPOS, ref.BCG_TPOS + ref.BCG_TNEG, ref.BCG_CPOS, ref.BCG_CPOS + ref.BCG_CNEG)
    st = mh.study_table(d, "MH-cc")
    return st["log_rr"].to_numpy(), st["var_log_rr"].to_numpy()


@pytest.mark.parametrize("tau2_method, ci_method", sorted(BCG_RE))
def test_bcg_against_metafor(bcg, tau2_method, ci_method):
    """DL to 10 printed decimals. ### REML tau2 0.3132433260 and PM 0.3180937119 in metafor, whose
    iterations stop at 1e-5; ours solve the estimating equations to 1e-10 (see the next tests)."""
    got = randeff.random_effects(*bcg, tau2_method, ci_method)
    exp = BCG_RE[(tau2_method, ci_method)]
    for key in ("rr", "ci_low", "ci_high", "tau2", "i2", "pi_low", "pi_high"):
        assert_allclose(got[key], exp[key], err_msg=key, **TOL[tau2_method])


def test_dl_and_pm_equal_statsmodels(bcg):
    y, v = bcg
    for ours, sm in (("DL", "chi2"), ("PM", "iterated")):
        res = combine_effects(y, v, method_re=sm)
        got = randeff.random_effects(y, v, ours, "z")
        assert_allclose(got["tau2"], res.tau2, rtol=1e-8)
        assert_allclose(np.log(got["rr"]), res.mean_effect_re, rtol=1e-8)


def test_reml_maximises_the_restricted_likelihood(bcg):
    y, v = bcg

    def nll(t):
        w = 1 / (v + t)
        mu = np.sum(w * y) / np.sum(w)
        return 0.5 * (np.sum(np.log(v + t)) + np.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))

    t = randeff.tau2_reml(y, v)
    assert nll(t) <= min(nll(t * (1 + 1e-4)), nll(t * (1 - 1e-4)))


def test_pm_solves_its_equation(bcg):
    y, v = bcg
    t = randeff.tau2_pm(y, v)
    assert_allclose(randeff.q_statistic(y, v, t), len(y) - 1, rtol=1e-9)


def test_homogeneous_data_give_zero_tau2_and_fixed_effect():
    d = frame([10, 20, 30], [100, 200, 300], [20, 40, 60], [100, 200, 300])
    st = mh.study_table(d, "MH")
    for m in randeff.TAU2_METHODS:
        r = randeff.random_effects(st["log_rr"], st["var_log_rr"], m, "z")
        assert r["tau2"] == 0 and r["i2"] == 0
        assert_allclose(r["rr"], 0.5, **FULL)


def test_one_study_gives_nan():
    r = randeff.random_effects([0.1], [0.04], "DL", "z")
    assert np.isnan(r["rr"]) and r["k"] == 1


def test_table_has_every_combination_for_pools_of_two_or_more():
    d = pd.concat([frame([3, 5, 8], [20, 20, 30], [6, 9, 9], [20, 20, 30], outcome="a", subgroup="all"),
                   frame([3], [20], [6], [20], outcome="b", subgroup="all")])
    t = randeff.random_effects_table(d)
    assert list(t.columns) == randeff.RE_COLUMNS
    assert len(t) == 9 and set(t["outcome"]) == {"a"}


def test_subgroup_test_matches_hand_computation():
    pooled = pd.DataFrame({"analysis": "e", "outcome": "x", "method": "MH-cc", "subgroup": ["duo", "triple"],
                           "log_rr": [0.1, 0.7], "se_log_rr": [0.1, 0.2]})
    t = sensitivity.subgroup_test(pooled).iloc[0]
    # by hand: w = 1/se² = 100 and 25, mean = (10 + 17.5)/125 = 0.22,
    # Q = 100·0.12² + 25·0.48² = 1.44 + 5.76 = 7.2 on 1 df; p = P(χ²₁ > 7.2) (scipy.stats.chi2.sf)
    assert_allclose(t["q_between"], 7.2, **FULL)
    assert t["df"] == 1
    assert_allclose(t["p"], 0.0072903580915356595, **FULL)


def test_leave_one_out():
    d = frame([3, 5, 8], [20, 20, 30], [6, 9, 9], [20, 20, 30])
    d["label"] = ["A", "B", "C"]
    loo = sensitivity.leave_one_out(d).set_index("omitted")
    assert list(loo["k"]) == [2, 2, 2]
    assert_allclose(loo.loc["A", "rr"], mh.pool(d.iloc[1:], None, "MH-cc").iloc[0]["rr"], **FULL)
