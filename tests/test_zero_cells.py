"""Zero cells and degenerate pools (metafor's conventions: Viechtbauer, metafor R/rma.mh.r; calls in tests/results/)."""
import numpy as np
import pytest
from numpy.testing import assert_allclose

from livingreview import mh
from tests.conftest import frame
from tests.tolerances import FULL


def test_single_zero_study_gets_half_added_under_cc_only():
    d = frame([0, 5], [10, 20], [3, 6], [10, 20])
    plain = mh.study_table(d, "MH")
    cc = mh.study_table(d, "MH-cc")
    assert list(plain["a"]) == [0, 5] and list(cc["a"]) == [0.5, 5]
    assert list(cc["n1"]) == [11, 20] and list(cc["n2"]) == [11, 20]
    # per-study log RR (for Q and plots) is corrected under both rules
    assert_allclose(plain["log_rr"], cc["log_rr"], **FULL)
    assert_allclose(cc["log_rr"].iloc[0], np.log((0.5 / 11) / (3.5 / 11)), **FULL)


def test_double_zero_study_no_events():
    """No events in either arm: dropped under MH-cc, kept (contributing nothing) under MH."""
    d = frame([0, 4, 6], [50, 40, 60], [0, 8, 9], [50, 40, 60])
    res = mh.pool(d, None, "both").set_index("method")
    assert res.loc["MH", "k"] == 3 and res.loc["MH-cc", "k"] == 2
    # no zero cell among the others, so the estimates agree and Q has 1 df
    assert_allclose(res.loc["MH", "rr"], res.loc["MH-cc", "rr"], **FULL)
    assert list(res["q_df"]) == [1, 1]


def test_double_zero_study_all_events():
    """Every patient with the event in both arms is also double-zero (empty no-event column)."""
    d = frame([10, 4, 6], [10, 40, 60], [12, 8, 9], [12, 40, 60])
    st = mh.study_table(d, "MH-cc")
    assert list(st["double_zero"]) == [True, False, False]
    assert np.isnan(st["log_rr"].iloc[0])
    assert mh.pool(d, None, "MH-cc").iloc[0]["k"] == 2


def test_no_events_in_one_arm_overall_gives_nan_and_warning():
    d = frame([0, 0], [30, 40], [2, 3], [30, 40])
    with pytest.warns(mh.DegeneratePoolWarning, match="no MH risk ratio"):
        res = mh.pool(d, None, "MH").iloc[0]
    assert np.isnan(res["rr"]) and np.isnan(res["ci_low"]) and np.isnan(res["p"])
    # under MH-cc the 0.5 correction makes it estimable
    res_cc = mh.pool(d, None, "MH-cc").iloc[0]
    assert 0 < res_cc["rr"] < 1


def test_only_double_zero_studies():
    d = frame([0, 0], [30, 40], [0, 0], [30, 40])
    with pytest.warns(mh.DegeneratePoolWarning):
        res = mh.pool(d, None, "both")
    assert res["rr"].isna().all()
    assert list(res["k"]) == [2, 0]


def test_zero_variance_gives_no_interval():
    """One study where everybody has the event in both arms: under MH, RR = 1 but no CI."""
    d = frame([10], [10], [12], [12])
    with pytest.warns(mh.DegeneratePoolWarning, match="zero variance"):
        res = mh.pool(d, None, "MH").iloc[0]
    assert res["rr"] == pytest.approx(1.0)
    assert np.isnan(res["ci_low"]) and np.isnan(res["ci_high"])


def test_q_and_i2_empty_with_fewer_than_two_log_rrs():
    res = mh.pool(frame([3], [20], [5], [20]), None, "MH").iloc[0]
    assert np.isnan(res["q"]) and np.isnan(res["q_df"]) and np.isnan(res["i2"]) and np.isnan(res["q_p"])


def test_i2_truncated_at_zero():
    d = frame([10, 10], [100, 100], [20, 20], [100, 100])
    res = mh.pool(d, None, "MH").iloc[0]
    assert res["q"] == pytest.approx(0, abs=1e-12) and res["i2"] == 0


def test_mh_weights_sum_to_100_and_match_revman_definition():
    d = frame([3, 10, 0], [20, 50, 30], [5, 12, 2], [20, 50, 30])
    w = mh.study_weights(d, None, "MH-cc")
    assert_allclose(w["weight"].sum(), 100, **FULL)
    cc = w["c"] * w["n1"] / (w["n1"] + w["n2"])  # c_i n1_i / N_i on the corrected cells
    assert_allclose(w["weight"], cc / cc.sum() * 100, **FULL)


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="zero-cell rule"):
        mh.pool(frame([1], [2], [1], [2]), None, "Peto")


def test_distribution_functions_equal_scipy():
    """The engine's own normal and chi-square tails (no scipy import at start-up) against scipy."""
    from scipy import stats

    rng = np.random.default_rng(0)
    q, df = rng.uniform(0, 80, 3000), rng.integers(1, 60, 3000)
    assert_allclose(mh.chi2_sf(q, df), stats.chi2.sf(q, df), rtol=1e-12, atol=1e-15)
    x = rng.normal(0, 6, 3000)
    assert_allclose(mh.norm_sf(x), stats.norm.sf(x), rtol=1e-12, atol=1e-300)
    for p in (0.9, 0.95, 0.975, 0.995):
        assert_allclose(mh.norm_quantile(p), stats.norm.ppf(p), rtol=1e-14)
    assert np.isnan(mh.chi2_sf([np.nan], [1])).all() and mh.chi2_sf([0.0], [3])[0] == 1.0
