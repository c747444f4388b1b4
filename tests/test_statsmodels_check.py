"""Our hand-written MH against statsmodels, as the person we build for asked.

StratifiedTable.riskratio_pooled is the MH risk ratio without correction: it must equal
our ``MH`` rule to 1e-10 on every pool. combine_effects pools per-study log RRs by
inverse variance: a different estimator, close on large balanced data, not on sparse data.
"""
import numpy as np
import pandas as pd
from numpy.testing import assert_allclose
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.meta_analysis import combine_effects

import livingreview as lr
from livingreview import mh, pools
from tests.conftest import frame
from tests.results import results_mh as ref
from tests.tolerances import FULL


def test_references_equal_stratifiedtable():
    for d in (frame(ref.BCG_TPOS, ref.BCG_TPOS + ref.BCG_TNEG, ref.BCG_CPOS, ref.BCG_CPOS + ref.BCG_CNEG),
              frame(ref.NIEL_AI, ref.NIEL_N1I, ref.NIEL_CI, ref.NIEL_N2I)):
        ours = mh.pool(d, None, "MH").iloc[0]["rr"]
        assert_allclose(ours, StratifiedTable(mh.to_tables(d)).riskratio_pooled, rtol=1e-10)


def test_every_pool_of_the_review_equals_stratifiedtable():
    review = lr.load_review()
    parts = []
    for name in pools.ANALYSES:
        rows = pools.trial_rows(review, name)
        parts.append(rows[pools.has_counts(rows)])
    data = pd.concat(parts)
    check = mh.statsmodels_check(data, ["analysis", "outcome"])
    finite = check["ours_MH"].notna()
    assert finite.sum() >= 5
    assert_allclose(check.loc[finite, "ours_MH"], check.loc[finite, "statsmodels_MH"], rtol=1e-10)


def test_inverse_variance_close_on_large_balanced_data():
    rng = np.random.default_rng(7)
    n = np.full(20, 2000)
    a, c = rng.binomial(n, 0.30), rng.binomial(n, 0.40)
    d = frame(a, n, c, n)
    ours = mh.pool(d, None, "MH").iloc[0]["rr"]
    st = mh.study_table(d, "MH")
    iv = np.exp(combine_effects(st["log_rr"].to_numpy(), st["var_log_rr"].to_numpy()).mean_effect_fe)
    assert abs(ours - iv) / ours < 0.005


def test_inverse_variance_differs_on_sparse_data():
    """Nielweise: the IV pool with 0.5 corrections is pulled towards 1 relative to MH."""
    d = frame(ref.NIEL_AI, ref.NIEL_N1I, ref.NIEL_CI, ref.NIEL_N2I)
    ours = mh.pool(d, None, "MH").iloc[0]["rr"]
    st = mh.study_table(d, "MH").dropna(subset=["log_rr"])
    iv = np.exp(combine_effects(st["log_rr"].to_numpy(), st["var_log_rr"].to_numpy()).mean_effect_fe)
    assert iv > ours * 1.15
    assert_allclose(ours, ref.NIEL_MH["rr"], rtol=1e-8)


def test_statsmodels_check_table_has_both_estimators():
    d = frame(ref.BCG_TPOS, ref.BCG_TPOS + ref.BCG_TNEG, ref.BCG_CPOS, ref.BCG_CPOS + ref.BCG_CNEG)
    t = mh.statsmodels_check(d)
    assert {"ours_MH", "ours_MH_cc", "statsmodels_MH", "iv_fixed", "dl_random", "abs_diff_MH"} <= set(t.columns)
    assert t["abs_diff_MH"].max() < 1e-10
    assert_allclose(t["dl_random"], 0.4896241505, rtol=1e-8)  # metafor rma(method='DL'), results_meta
    assert_allclose(t["ours_MH"], t["ours_MH_cc"], **FULL)


def test_verification_rows_agree_or_are_flagged():
    """The verification page's table: our DerSimonian–Laird estimate equals statsmodels' wherever statsmodels'
    τ² is ≥ 0; a negative statsmodels τ² (its ``chi2`` method does not truncate) is flagged in the Note and the
    comparison is made after truncation at 0, never shown as DerSimonian–Laird without comment."""
    from livingreview import tables

    review = lr.load_review()
    t = tables.statsmodels_check(review)
    dl = t["DerSimonian–Laird random (combine effects, τ² truncated at 0)"]
    ours = t["Ours, DerSimonian–Laird"]
    both = ours.notna() & dl.notna()
    agree = (ours - dl).abs() < 1e-6
    flagged = t["Note"].str.len() > 0
    assert (agree | flagged)[both].all()
    assert (agree[both]).all(), t.loc[both & ~agree, ["Outcome", "Regimen", "Note"]]
    # literal: the frozen fixture review (the live data/ may change the duo pool)
    from pathlib import Path

    fixed = tables.statsmodels_check(lr.load_review(Path(__file__).parent / "fixtures" / "review"))
    duo = fixed[(fixed["Outcome"] == "Complete renal response") & (fixed["Regimen"] == "duo")].iloc[0]
    assert "not truncated at 0" in duo["Note"]  # statsmodels' τ² = −0.006 for the two duo trials
    assert round(duo["DerSimonian–Laird random (combine effects, τ² truncated at 0)"], 2) == 1.11
