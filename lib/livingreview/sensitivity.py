"""Sensitivity and subgroup analyses: does one trial, one regimen or one rule carry the result?

``subgroup_test``          RevMan's fixed-effect χ² test for subgroup differences;
``subgroup_test_random``   two random-effects versions (REML meta-regression and Q between
                           subgroup random-effects estimates), less anticonservative;
``subgroup_tests``         both, as one tidy table for the pages;
``leave_one_out``          each pool again without each trial in turn.

Regimen is confounded with the comparator (:data:`livingreview.randeff.CONFOUNDING_CAVEAT`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from . import mh, pools
from .randeff import _reml_global, q_statistic, random_effects


def q_between(theta, se) -> float:
    """Q of subgroup estimates around their inverse-variance mean: Σ w_g (θ_g − θ̄)², w_g = 1/SE_g²."""
    return q_statistic(theta, np.asarray(se, float) ** 2)


def i2_between(q: float, df: int) -> float:
    """I² of a Q statistic between subgroups: max(0, (Q − df)/Q) × 100; 0 when Q = 0."""
    return max(0.0, (q - df) / q) * 100 if q > 0 else 0.0


def subgroup_test(pooled, method: str = "MH-cc", groups=("duo", "triple")):
    """Test for subgroup differences (fixed effect): Q_between = Σ (θ_g − θ̄)²/SE_g², df = G − 1.

    θ_g and SE_g are the subgroup MH log RRs and their Greenland–Robins SEs; θ̄ their
    inverse-variance mean (as RevMan's χ² test for subgroup differences). Anticonservative when
    trials within a subgroup are heterogeneous: see :func:`subgroup_test_random`, and
    :data:`CONFOUNDING_CAVEAT`.
    """
    p = pooled[(pooled["method"] == method) & (pooled["subgroup"].isin(groups))]
    p = p.dropna(subset=["log_rr", "se_log_rr"])
    rows = []
    for (analysis, outcome), g in p.groupby(["analysis", "outcome"], sort=False):
        if len(g) < 2:
            continue
        q = q_between(g["log_rr"], g["se_log_rr"])
        df = len(g) - 1
        rows.append({"analysis": analysis, "outcome": outcome, "subgroups": ", ".join(g["subgroup"]),
                     "q_between": q, "df": df, "p": float(special.chdtrc(df, q)),
                     "i2_between": i2_between(q, df)})
    return pd.DataFrame(rows, columns=["analysis", "outcome", "subgroups", "q_between", "df", "p", "i2_between"])


def leave_one_out(rows, method: str = "MH-cc"):
    """Pool each outcome again without each trial in turn (one vectorised MH call)."""
    parts = []
    for oc, g in rows.groupby("outcome", sort=False):
        if len(g) < 2:
            continue
        for sid, label in zip(g["study_id"], g["label"]):
            parts.append(g[g["study_id"] != sid].assign(omitted=label))
    if not parts:
        return pd.DataFrame(columns=["outcome", "omitted", "k", "rr", "ci_low", "ci_high", "i2"])
    stacked = pd.concat(parts, ignore_index=True)
    with pools.quiet():
        res = mh.pool(stacked, ["outcome", "omitted"], method)
    return res[["outcome", "omitted", "k", "rr", "ci_low", "ci_high", "i2"]]


SUBGROUP_RE_COLUMNS = ["outcome", "test", "subgroups", "k", "tau2", "q", "df", "p", "note"]


def subgroup_test_random(rows, by: str = "regimen", groups=("duo", "triple"), missing: str = "raise"):
    """Random-effects tests for subgroup differences, one row per (outcome, test).

    ``rows`` are per-trial count rows (``outcome``, the ``by`` column and the four counts);
    per-study log RRs as everywhere (0.5 in every cell of a zero-cell study, double-zero
    studies dropped). Two tests, each with df = G − 1:

    ``meta_regression_reml``  the omnibus moderator test QM of a mixed-effects meta-regression
        with one common τ² estimated by REML (metafor ``rma(yi, vi, mods = ~ regimen,
        method = "REML")``, ``QM``/``QMp``; Wald χ², no Knapp–Hartung adjustment).
    ``meta_regression_reml_knha``  the same model with the Knapp–Hartung adjustment: F = QM / df / s²
        with s² the weighted residual mean square, on (G − 1, k − G) df (metafor ``test = "knha"``,
        ``QM``/``QMp``). With few trials this is the test the book's sentences rest on.
    ``subgroup_q_random``     Q between subgroup random-effects estimates, each subgroup with its
        own REML τ² (R meta ``metabin(..., subgroup = regimen, method.tau = "REML")``
        ``Q.b.random``; metafor: ``rma`` per subgroup, then ``rma(est, sei = se, method = "FE")``
        ``QE``). A subgroup of one trial has τ² = 0.

    Both are less anticonservative than RevMan's fixed-effect χ² (:func:`subgroup_test`) when trials
    within subgroups disagree; neither removes confounding (:data:`CONFOUNDING_CAVEAT`).
    """
    st = mh.study_table(rows, "MH-cc", missing=missing).dropna(subset=["log_rr"])
    st = st[st[by].isin(groups)]
    out = []
    for outcome, g in st.groupby("outcome", sort=True):
        present = [x for x in groups if (g[by] == x).any()]
        if len(present) < 2 or len(g) < 3:
            continue
        y, v = g["log_rr"].to_numpy(), g["var_log_rr"].to_numpy()
        X = np.column_stack([np.ones(len(g))] + [(g[by] == x).to_numpy(float) for x in present[1:]])
        tau2 = _reml_global(y, v, X=X)
        w = 1 / (v + tau2)
        cov = np.linalg.inv(X.T @ (w[:, None] * X))
        beta = cov @ (X.T @ (w * y))
        b, c = beta[1:], cov[1:, 1:]
        qm = float(b @ np.linalg.solve(c, b))
        df = len(present) - 1
        label = ", ".join(f"{x} ({int((g[by] == x).sum())})" for x in present)
        out.append({"outcome": outcome, "test": "meta_regression_reml", "subgroups": label, "k": len(g),
                    "tau2": tau2, "q": qm, "df": df, "p": float(special.chdtrc(df, qm)),
                    "note": "common tau2 (REML)"})
        # Knapp-Hartung: the same model, the covariance scaled by the residual mean square s²,
        # F = QM / df / s² on (df, k - p) degrees of freedom (metafor rma(..., test = "knha")).
        df2 = len(g) - X.shape[1]
        if df2 >= 1:
            s2 = float(np.sum(w * (y - X @ beta) ** 2) / df2)
            f = qm / df / s2 if s2 > 0 else np.inf
            out.append({"outcome": outcome, "test": "meta_regression_reml_knha", "subgroups": label, "k": len(g),
                        "tau2": tau2, "q": f, "df": df, "p": float(special.fdtrc(df, df2, f)),
                        "note": f"F test on {df} and {df2} df (Knapp-Hartung)"})
        est, se = [], []
        for x in present:
            gx = g[g[by] == x]
            r = random_effects(gx["log_rr"], gx["var_log_rr"], "REML", "z") if len(gx) >= 2 else \
                {"mu": float(gx["log_rr"].iloc[0]), "se": float(np.sqrt(gx["var_log_rr"].iloc[0]))}
            est.append(r["mu"])
            se.append(r["se"])
        q = q_between(est, se)
        out.append({"outcome": outcome, "test": "subgroup_q_random", "subgroups": label, "k": len(g),
                    "tau2": np.nan, "q": q, "df": df, "p": float(special.chdtrc(df, q)),
                    "note": "tau2 by REML within each subgroup"})
    return pd.DataFrame(out, columns=SUBGROUP_RE_COLUMNS)


def subgroup_tests(pooled: pd.DataFrame, review) -> pd.DataFrame:
    """Every test for subgroup differences (duo vs triple) of every efficacy and safety outcome.

    Columns: ``analysis, outcome, test, subgroups, q, df, p, i2_between`` with ``test`` one of
    ``fixed_chi2`` (RevMan), ``meta_regression_reml`` (Wald χ²), ``meta_regression_reml_knha`` (the same
    meta-regression with the Knapp–Hartung F test: ``q`` is F, ``df`` its first df) and ``subgroup_q_random``.

    ``i2_between`` is the I² of a Q statistic between subgroups, max(0, (Q − df)/Q) × 100
    (Higgins & Thompson 2002; RevMan 5's I² for subgroup differences), for the two Q-based
    tests; it is undefined (NaN) for the meta-regression test, whose QM is not a Q between
    subgroup estimates.
    """
    fixed = subgroup_test(pooled)
    parts = [pd.DataFrame({"analysis": fixed["analysis"], "outcome": fixed["outcome"], "test": "fixed_chi2",
                           "subgroups": fixed["subgroups"], "q": fixed["q_between"], "df": fixed["df"],
                           "p": fixed["p"], "i2_between": fixed["i2_between"]})]
    for a in ("efficacy", "safety"):
        rows = pools.with_counts(review, a)
        if rows.empty:
            continue
        rnd = subgroup_test_random(rows)
        parts.append(pd.DataFrame({"analysis": a, "outcome": rnd["outcome"], "test": rnd["test"],
                                   "subgroups": rnd["subgroups"], "q": rnd["q"], "df": rnd["df"], "p": rnd["p"],
                                   "i2_between": [i2_between(q, d) if t == "subgroup_q_random" else np.nan
                                                  for q, d, t in zip(rnd["q"], rnd["df"], rnd["test"])]}))
    out = pd.concat(parts, ignore_index=True).infer_objects()
    order = {"fixed_chi2": 0, "meta_regression_reml": 1, "meta_regression_reml_knha": 2, "subgroup_q_random": 3}
    return out.sort_values(["analysis", "outcome", "test"], key=lambda s: s.map(order) if s.name == "test" else s
                           ).reset_index(drop=True)
