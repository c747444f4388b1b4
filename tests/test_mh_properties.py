"""Property tests (hypothesis): invariances any MH risk ratio must have."""
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from livingreview import mh
from tests.conftest import frame


@st.composite
def studies(draw, min_k=1, max_k=8):
    k = draw(st.integers(min_k, max_k))
    rows = []
    for _ in range(k):
        n1 = draw(st.integers(1, 200))
        n2 = draw(st.integers(1, 200))
        rows.append((draw(st.integers(0, n1)), n1, draw(st.integers(0, n2)), n2))
    a, n1, c, n2 = map(list, zip(*rows))
    return frame(a, n1, c, n2)


def _pool(d, method):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mh.DegeneratePoolWarning)
        return mh.pool(d, None, method).iloc[0]


@settings(max_examples=150, deadline=None)
@given(studies(), st.randoms(use_true_random=False), st.sampled_from(mh.METHODS))
def test_permuting_studies_changes_nothing(d, rnd, method):
    idx = list(range(len(d)))
    rnd.shuffle(idx)
    a, b = _pool(d, method), _pool(d.iloc[idx], method)
    for col in ("rr", "ci_low", "ci_high", "q", "i2"):
        assert_allclose(a[col], b[col], rtol=1e-9, equal_nan=True)
    assert a["k"] == b["k"]


@settings(max_examples=150, deadline=None)
@given(studies(), st.sampled_from(mh.METHODS))
def test_swapping_arms_inverts_rr_and_ci(d, method):
    swapped = d.rename(columns={"tac_events": "ctl_events", "ctl_events": "tac_events",
                                "tac_total": "ctl_total", "ctl_total": "tac_total"})
    a, b = _pool(d, method), _pool(swapped, method)
    assert_allclose(a["rr"], 1 / b["rr"], rtol=1e-9, equal_nan=True)
    assert_allclose(a["ci_low"], 1 / b["ci_high"], rtol=1e-9, equal_nan=True)
    assert_allclose(a["ci_high"], 1 / b["ci_low"], rtol=1e-9, equal_nan=True)
    assert_allclose(a["q"], b["q"], rtol=1e-9, atol=1e-9, equal_nan=True)


@settings(max_examples=150, deadline=None)
@given(studies(min_k=1, max_k=1), st.sampled_from(mh.METHODS))
def test_one_study_pool_equals_the_study(d, method):
    res = _pool(d, method)
    one = mh.study_table(d, method).iloc[0]
    if one["double_zero"] or (method == "MH" and one["zero_cell"]):
        return  # no per-study RR to compare (or MH uses the uncorrected cells)
    assert_allclose(res["rr"], one["rr"], rtol=1e-9)
    assert_allclose([res["ci_low"], res["ci_high"]], [one["ci_low"], one["ci_high"]], rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(studies(max_k=5), min_size=1, max_size=5), st.sampled_from(mh.METHODS))
def test_grouped_pool_equals_separate_pools(groups, method):
    stacked = pd.concat([g.assign(outcome=f"o{i}") for i, g in enumerate(groups)], ignore_index=True)
    together = _pool_by(stacked, method)
    for i, g in enumerate(groups):
        alone = _pool(g, method)
        row = together.loc[f"o{i}"]
        for col in ("rr", "ci_low", "ci_high", "q", "i2"):
            assert_allclose(row[col], alone[col], rtol=1e-9, atol=1e-12, equal_nan=True)


def _pool_by(d, method):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mh.DegeneratePoolWarning)
        return mh.pool(d, "outcome", method).set_index("outcome")


def test_rr_is_finite_and_positive_for_ordinary_data():
    rng = np.random.default_rng(1)
    n = rng.integers(20, 200, size=(50, 2))
    a, c = rng.binomial(n[:, 0], 0.3), rng.binomial(n[:, 1], 0.4)
    res = _pool(frame(a, n[:, 0], c, n[:, 1]), "MH")
    assert 0 < res["rr"] < np.inf
