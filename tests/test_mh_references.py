"""The MH engine against published reference values (one class per reference case).

Style of statsmodels' TestStratified*: a check mixin holds the assertions; each case
class names its source and provides data and expected values.
"""
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from livingreview import mh
from tests.conftest import frame
from tests.results import results_mh as ref
from tests.tolerances import EXACT, PRINTED_4, PRINTED_10


class CheckMH:
    method = "MH"
    level = 0.95
    tol = PRINTED_10

    @pytest.fixture(scope="class")
    @classmethod
    def res(cls):
        return mh.pool(cls.data(), None, cls.method, level=cls.level).iloc[0]

    def test_rr(self, res):
        assert_allclose(res["rr"], self.expected["rr"], **self.tol)

    def test_ci(self, res):
        assert_allclose([res["ci_low"], res["ci_high"]], [self.expected["ci_low"], self.expected["ci_high"]], **self.tol)

    def test_q(self, res):
        assert_allclose(res["q"], self.expected["q"], **self.tol)

    def test_i2(self, res):
        assert_allclose(res["i2"], self.expected["i2"], **self.tol)

    def test_k(self, res):
        assert_allclose(res["k"], self.expected["k"], **EXACT)


class TestBCG(CheckMH):
    """metafor 3.8-1: rma.mh(ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg, measure='RR')."""

    expected = ref.BCG_MH

    @staticmethod
    def data():
        return frame(ref.BCG_TPOS, ref.BCG_TPOS + ref.BCG_TNEG, ref.BCG_CPOS, ref.BCG_CPOS + ref.BCG_CNEG)


class TestBCGCorrected(TestBCG):
    """dat.bcg has no zero cell, so both rules must give the same pool."""

    method = "MH-cc"


class TestNielweiseMH(CheckMH):
    """metafor 3.8-1: rma.mh(ai, n1i, ci, n2i, data=dat.nielweise2007, measure='RR') (no correction)."""

    expected = ref.NIEL_MH

    @staticmethod
    def data():
        return frame(ref.NIEL_AI, ref.NIEL_N1I, ref.NIEL_CI, ref.NIEL_N2I)


class TestNielweiseMHcc(TestNielweiseMH):
    """Same with add=c(1/2,1/2), to=c('only0','only0'), drop00=c(TRUE,TRUE): Stata metan v3 / RevMan 5."""

    method = "MH-cc"
    expected = ref.NIEL_MH_CC


class TestRothman(CheckMH):
    """Rothman, Greenland & Lash 2008, Table 15-1, 90% CI: rma.mh(..., measure='RR', level=90)."""

    expected = ref.ROTHMAN_MH90
    level = 0.90

    @staticmethod
    def data():
        return frame(ref.ROTHMAN_AI, ref.ROTHMAN_AI + ref.ROTHMAN_BI, ref.ROTHMAN_CI, ref.ROTHMAN_CI + ref.ROTHMAN_DI)

    def test_ci_as_metafor_tests_it(self, res):
        # metafor's test file checks this interval to 4 decimals
        assert_allclose([res["ci_low"], res["ci_high"]],
                        [ref.ROTHMAN_MH90_4DP["ci_low"], ref.ROTHMAN_MH90_4DP["ci_high"]], **PRINTED_4)


def test_many_pools_at_once_equal_pools_one_by_one():
    """The vectorised group-by gives what pooling each reference separately gives."""
    bcg = frame(ref.BCG_TPOS, ref.BCG_TPOS + ref.BCG_TNEG, ref.BCG_CPOS, ref.BCG_CPOS + ref.BCG_CNEG, outcome="bcg")
    niel = frame(ref.NIEL_AI, ref.NIEL_N1I, ref.NIEL_CI, ref.NIEL_N2I, outcome="niel")
    both = mh.pool(pd.concat([niel, bcg]), "outcome", "both").set_index(["outcome", "method"])
    for name, exp_mh, exp_cc in (("bcg", ref.BCG_MH, ref.BCG_MH), ("niel", ref.NIEL_MH, ref.NIEL_MH_CC)):
        for method, exp in (("MH", exp_mh), ("MH-cc", exp_cc)):
            assert_allclose(both.loc[(name, method), "rr"], exp["rr"], **PRINTED_10)
            assert_allclose(both.loc[(name, method), "i2"], exp["i2"], **PRINTED_10)


def test_q_df_and_p_follow_the_studies_with_a_log_rr():
    """Nielweise: 18 studies, one double-zero, so Q has 16 degrees of freedom under both rules."""
    d = frame(ref.NIEL_AI, ref.NIEL_N1I, ref.NIEL_CI, ref.NIEL_N2I)
    res = mh.pool(d, None, "both")
    assert list(res["q_df"]) == [16, 16]
    from scipy import stats
    assert_allclose(res["q_p"], stats.chi2.sf(res["q"], 16), rtol=1e-12)
    assert np.all(res["p"] < 1e-6)
