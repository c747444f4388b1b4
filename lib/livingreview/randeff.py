"""Random-effects meta-analysis of log risk ratios, subgroup tests and leave-one-out.

Per-study inputs are those of :func:`livingreview.mh.study_table`: y_i = log RR_i and
v_i = its variance, with 0.5 added to every cell of a zero-cell study and double-zero
studies dropped (metafor ``escalc(measure="RR")`` with its default ``add=1/2, to="only0"``).

Between-study variance τ² (Veroniki et al. 2016, Res Synth Methods 7:55-79)
----------------------------------------------------------------------------
``DL``   DerSimonian & Laird (1986): τ² = max(0, (Q − (k−1)) / (Σw − Σw²/Σw)), w = 1/v,
         Q = Σw(y − ȳ_w)². statsmodels ``combine_effects(method_re="chi2")``.
``PM``   Paule & Mandel (1982): the τ² ≥ 0 at which Σ w*(y − μ*)² = k − 1 with w* = 1/(v + τ²).
         statsmodels ``combine_effects(method_re="iterated")``.
``REML`` restricted maximum likelihood, by the fixed-point iteration
         τ² ← Σw*²((y − μ*)² − v)/Σw*² + 1/Σw*, truncated at 0 (our own code; checked
         against metafor ``rma(method="REML")``).

Given τ²: μ = Σw*y/Σw*, SE = √(1/Σw*).

Intervals
---------
``z``     Wald: μ ± z_{0.975} SE.
``hksj``  Hartung–Knapp–Sidik–Jonkman: SE_HK = √(Σw*(y − μ)² / ((k−1) Σw*)),
          μ ± t_{k−1, 0.975} SE_HK (metafor ``test="knha"``, no truncation).
Prediction interval (Higgins, Thompson & Spiegelhalter 2009; metafor ``predict``):
          μ ± q √(τ² + SE²), with q the normal quantile under ``z`` and t_{k−1} under ``hksj``
          (SE the interval's own standard error).

I² reported here is metafor's for random-effects models: τ²/(τ² + s²) with the typical
within-study variance s² = (k−1)Σw/((Σw)² − Σw²). Under DL it equals the Q-based I².
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import special

from . import mh

TAU2_METHODS = ("DL", "REML", "PM")
CI_METHODS = ("z", "hksj")
RE_COLUMNS = ["outcome", "subgroup", "tau2_method", "ci_method", "k", "rr", "ci_low", "ci_high", "tau2", "i2",
              "pi_low", "pi_high"]


def tau2_dl(y: np.ndarray, v: np.ndarray) -> float:
    w = 1 / v
    mu = np.sum(w * y) / np.sum(w)
    q = np.sum(w * (y - mu) ** 2)
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    return max(0.0, (q - (len(y) - 1)) / c) if c > 0 else 0.0


def _q_gen(tau2: float, y: np.ndarray, v: np.ndarray) -> float:
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return float(np.sum(w * (y - mu) ** 2))


def tau2_pm(y: np.ndarray, v: np.ndarray, tol: float = 1e-12, maxiter: int = 500) -> float:
    """Paule–Mandel by bisection on the (monotone decreasing) generalised Q."""
    k = len(y)
    if _q_gen(0.0, y, v) <= k - 1:
        return 0.0
    lo, hi = 0.0, max(1.0, np.var(y) * 10)
    while _q_gen(hi, y, v) > k - 1:
        hi *= 2
    for _ in range(maxiter):
        mid = (lo + hi) / 2
        if _q_gen(mid, y, v) > k - 1:
            lo = mid
        else:
            hi = mid
        if hi - lo < tol * max(1.0, hi):
            break
    return (lo + hi) / 2


def tau2_reml(y: np.ndarray, v: np.ndarray, tol: float = 1e-12, maxiter: int = 1000) -> float:
    """REML by fixed-point iteration from the DL estimate; truncated at 0."""
    tau2 = tau2_dl(y, v)
    for _ in range(maxiter):
        w = 1 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        new = np.sum(w**2 * ((y - mu) ** 2 - v)) / np.sum(w**2) + 1 / np.sum(w)
        new = max(0.0, new)
        if abs(new - tau2) < tol * max(1.0, tau2):
            tau2 = new
            break
        tau2 = new
    return tau2


_TAU2 = {"DL": tau2_dl, "REML": tau2_reml, "PM": tau2_pm}


def random_effects(y, v, tau2_method: str = "DL", ci_method: str = "z", level: float = 0.95) -> dict:
    """Pool log RRs with a random-effects model. Returns rr, CI, τ², I² and the prediction interval."""
    y, v = np.asarray(y, dtype=float), np.asarray(v, dtype=float)
    k = len(y)
    out = {"k": k, "rr": np.nan, "ci_low": np.nan, "ci_high": np.nan, "tau2": np.nan, "i2": np.nan,
           "pi_low": np.nan, "pi_high": np.nan, "mu": np.nan, "se": np.nan}
    if k < 2:
        return out
    tau2 = _TAU2[tau2_method](y, v)
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    se = np.sqrt(1 / np.sum(w))
    if ci_method == "hksj":
        se = np.sqrt(np.sum(w * (y - mu) ** 2) / ((k - 1) * np.sum(w)))
        q = special.stdtrit(k - 1, 0.5 + level / 2)
    elif ci_method == "z":
        q = special.ndtri(0.5 + level / 2)
    else:
        raise ValueError(f"unknown ci_method {ci_method!r}; use z or hksj")
    w0 = 1 / v
    s2 = (k - 1) * np.sum(w0) / (np.sum(w0) ** 2 - np.sum(w0**2))
    pi_half = q * np.sqrt(tau2 + se**2)
    out.update(rr=np.exp(mu), ci_low=np.exp(mu - q * se), ci_high=np.exp(mu + q * se), tau2=tau2,
               i2=100 * tau2 / (tau2 + s2), pi_low=np.exp(mu - pi_half), pi_high=np.exp(mu + pi_half), mu=mu, se=se)
    return out


def random_effects_table(data: pd.DataFrame, by=("outcome", "subgroup")) -> pd.DataFrame:
    """Every (group, τ² method, CI method) for groups with two or more studies having a log RR."""
    st = mh.study_table(data, "MH-cc").dropna(subset=["log_rr"])
    rows = []
    for key, g in st.groupby(list(by), sort=True):
        if len(g) < 2:
            continue
        key = key if isinstance(key, tuple) else (key,)
        for tm in TAU2_METHODS:
            for cm in CI_METHODS:
                r = random_effects(g["log_rr"], g["var_log_rr"], tm, cm)
                rows.append({**dict(zip(by, key)), "tau2_method": tm, "ci_method": cm,
                             **{c: r[c] for c in RE_COLUMNS[4:]}})
    return pd.DataFrame(rows, columns=list(by) + RE_COLUMNS[2:])


def subgroup_test(pooled: pd.DataFrame, method: str = "MH-cc", groups=("duo", "triple")) -> pd.DataFrame:
    """Test for subgroup differences (fixed effect): Q_between = Σ (θ_g − θ̄)²/SE_g², df = G − 1.

    θ_g and SE_g are the subgroup MH log RRs and their Greenland–Robins SEs; θ̄ their
    inverse-variance mean (as RevMan's χ² test for subgroup differences).
    """
    p = pooled[(pooled["method"] == method) & (pooled["subgroup"].isin(groups))]
    p = p.dropna(subset=["log_rr", "se_log_rr"])
    rows = []
    for (analysis, outcome), g in p.groupby(["analysis", "outcome"], sort=False):
        if len(g) < 2:
            continue
        w = 1 / g["se_log_rr"].to_numpy() ** 2
        th = g["log_rr"].to_numpy()
        mean = np.sum(w * th) / np.sum(w)
        q = float(np.sum(w * (th - mean) ** 2))
        df = len(g) - 1
        rows.append({"analysis": analysis, "outcome": outcome, "subgroups": ", ".join(g["subgroup"]),
                     "q_between": q, "df": df, "p": float(special.chdtrc(df, q)),
                     "i2_between": max(0.0, (q - df) / q) * 100 if q > 0 else 0.0})
    return pd.DataFrame(rows, columns=["analysis", "outcome", "subgroups", "q_between", "df", "p", "i2_between"])


def leave_one_out(rows: pd.DataFrame, method: str = "MH-cc") -> pd.DataFrame:
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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mh.DegeneratePoolWarning)
        res = mh.pool(stacked, ["outcome", "omitted"], method)
    return res[["outcome", "omitted", "k", "rr", "ci_low", "ci_high", "i2"]]
