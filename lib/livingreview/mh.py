"""Mantel–Haenszel fixed-effect risk ratio, vectorised over many analyses.

Orientation of the 2×2 table (written down once, used everywhere)
-----------------------------------------------------------------
For study *i* of a pool::

                   event    no event   total
    TAC arm         a_i       b_i       n1_i = a_i + b_i      (tac_events, tac_total)
    control arm     c_i       d_i       n2_i = c_i + d_i      (ctl_events, ctl_total)

    N_i = n1_i + n2_i,   RR_i = (a_i / n1_i) / (c_i / n2_i)

RR > 1 means the event is more frequent with tacrolimus: good for responses,
bad for adverse events. Swapping the arms inverts RR and its interval.

Field names and their metafor equivalents (``rma.mh(..., measure="RR")``)
--------------------------------------------------------------------------
``rr`` = exp(b), ``ci_low``/``ci_high`` = exp(ci.lb)/exp(ci.ub), ``z``/``p`` = zval/pval,
``q`` = QE, ``q_df`` = k.yi − 1, ``q_p`` = QEp, ``i2`` = I2, ``k`` = k (tables used).

Zero-cell rules (the two names are a contract of the CLI and the results files)
------------------------------------------------------------------------------
``MH``
    Nothing is added in the MH step (metafor's default; the Greenland–Robins
    estimator needs no correction). A double-zero study stays in ``k`` but adds
    nothing to either sum.
``MH-cc``
    0.5 is added to every cell of a study that has any zero cell, and double-zero
    studies are dropped (Stata ``metan`` v3, which the 2016 review used through
    Stata 10, and RevMan 5). metafor: ``add=c(1/2,1/2), to=c("only0","only0"),
    drop00=c(TRUE,TRUE)``.

A *double-zero* study has an empty column of its 2×2 table: no events in either
arm, or every patient with the event in both arms (a_i + c_i = 0 or b_i + d_i = 0).

Estimator (Greenland & Robins 1985; Rothman, Greenland & Lash 2008, eq. 15-19)
-----------------------------------------------------------------------------
    R = Σ a_i n2_i / N_i,     S = Σ c_i n1_i / N_i,     RR_MH = R / S
    Var(log RR_MH) = Σ (n1_i n2_i (a_i + c_i) − a_i c_i N_i) / N_i²  ÷  (R · S)

Heterogeneity (as metafor's ``rma.mh`` and Stata ``metan``)
-----------------------------------------------------------
Per-study y_i = log RR_i and v_i = 1/a − 1/n1 + 1/c − 1/n2, computed with 0.5 in
every cell of a zero-cell study (whatever the MH rule); double-zero studies have
no y_i and leave Q and its degrees of freedom.

    Q = Σ w_i (y_i − log RR_MH)²,  w_i = 1 / v_i,   df = k_y − 1,
    I² = max(0, (Q − df) / Q) × 100 %

With fewer than two y_i, Q, its p-value and I² are not statistics and are NaN.

Degenerate pools return NaN with a :class:`DegeneratePoolWarning`, never an
exception: no events in one arm across all studies (R = 0 or S = 0: no RR), or a
zero variance (no CI).

References
----------
Mantel N, Haenszel W. J Natl Cancer Inst 1959;22:719-48.
Greenland S, Robins JM. Biometrics 1985;41:55-68.
Viechtbauer W. metafor, ``R/rma.mh.r``.
"""
from __future__ import annotations

import math
import statistics
import warnings
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

METHODS = ("MH", "MH-cc")

#: Columns of a pooled result, in order (the CLI's output adds outcome, group, method in front).
POOLED_COLUMNS = [
    "k", "tac_events", "tac_total", "ctl_events", "ctl_total",
    "rr", "ci_low", "ci_high", "z", "p", "q", "q_df", "q_p", "i2",
]
_COUNTS = ["tac_events", "tac_total", "ctl_events", "ctl_total"]


_ERFC = np.frompyfunc(math.erfc, 1, 1)


def norm_quantile(p: float) -> float:
    """Standard normal quantile (scalar), from the standard library."""
    return statistics.NormalDist().inv_cdf(p)


def norm_sf(x) -> np.ndarray:
    """Standard normal upper tail, Φ(−x) = erfc(x/√2)/2, elementwise (NaN stays NaN)."""
    x = np.asarray(x, dtype=float)
    out = np.full(x.shape, np.nan)
    ok = ~np.isnan(x)
    out[ok] = 0.5 * _ERFC(x[ok] / math.sqrt(2)).astype(float)
    return out


def chi2_sf(q, df) -> np.ndarray:
    """Upper tail of χ² with whole-number degrees of freedom, elementwise, in closed form.

    With x = q/2 and m = ⌊df/2⌋ (Abramowitz & Stegun 26.4.4–26.4.5):
    even df: e^(−x) Σ_{i<m} x^i / i!;  odd df: erfc(√x) + e^(−x) Σ_{i=1..m} x^(i−1/2) / Γ(i + 1/2).
    (scipy.stats is not imported: it costs seconds at start-up for three functions.)
    """
    q = np.asarray(q, dtype=float)
    df = np.asarray(df, dtype=float)
    q, df = np.broadcast_arrays(q, df)
    out = np.full(q.shape, np.nan)
    ok = ~np.isnan(q) & ~np.isnan(df) & (df >= 1) & (df == np.round(df))
    x = np.maximum(q[ok], 0) / 2
    d = df[ok].astype(int)
    odd = d % 2 == 1
    res = np.where(odd, _ERFC(np.sqrt(x)).astype(float) if x.size else x, 0.0)
    m = d // 2
    ex = np.exp(-x)
    for i in range(int(m.max()) if m.size else 0):
        even_term = np.exp(i * np.log(np.where(x > 0, x, 1.0)) - math.lgamma(i + 1)) if i else np.ones_like(x)
        even_term = np.where((x == 0) & (i > 0), 0.0, even_term)
        odd_term = np.exp((i + 0.5) * np.log(np.where(x > 0, x, 1.0)) - math.lgamma(i + 1.5))
        odd_term = np.where(x == 0, 0.0, odd_term)
        res = res + ex * np.where(i < m, np.where(odd, odd_term, even_term), 0.0)
    out[ok] = np.minimum(res, 1.0)
    return out


class DegeneratePoolWarning(RuntimeWarning):
    """A pool has no risk ratio or no confidence interval (reported as NaN)."""


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown zero-cell rule {method!r}; use one of {', '.join(METHODS)}")


def study_table(frame: pd.DataFrame, method: str = "MH-cc", level: float = 0.95) -> pd.DataFrame:
    """Per-study quantities under a zero-cell rule (one row per input row).

    Parameters
    ----------
    frame : DataFrame with integer-valued ``tac_events, tac_total, ctl_events, ctl_total``
        and no missing values.
    method : ``"MH"`` or ``"MH-cc"`` (see module docstring).
    level : confidence level of the per-study intervals.

    Returns
    -------
    DataFrame with, besides the input columns: ``zero_cell``, ``double_zero``,
    ``included`` (used in the MH sums), the cells actually used in the MH step
    (``a, n1, c, n2``), the MH terms ``mh_r, mh_s, mh_p``, per-study ``log_rr``,
    ``var_log_rr`` (NaN for double-zero studies), ``rr, ci_low, ci_high``.
    """
    _check_method(method)
    a = frame["tac_events"].to_numpy(dtype=float)
    n1 = frame["tac_total"].to_numpy(dtype=float)
    c = frame["ctl_events"].to_numpy(dtype=float)
    n2 = frame["ctl_total"].to_numpy(dtype=float)
    b, d = n1 - a, n2 - c
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    double = (a + c == 0) | (b + d == 0)

    # Per-study log RR for Q, forest plots and inverse-variance methods:
    # 0.5 in every cell of a zero-cell study; none for a double-zero study.
    add = np.where(zero, 0.5, 0.0)
    ya, yc = a + add, c + add
    yn1, yn2 = n1 + 2 * add, n2 + 2 * add
    with np.errstate(divide="ignore", invalid="ignore"):
        log_rr = np.where(double, np.nan, np.log(ya / yn1) - np.log(yc / yn2))
        var = np.where(double, np.nan, 1 / ya - 1 / yn1 + 1 / yc - 1 / yn2)

    if method == "MH-cc":
        included = ~double
        ma, mc, mn1, mn2 = ya, yc, yn1, yn2
    else:
        included = np.ones_like(zero)
        ma, mc, mn1, mn2 = a, c, n1, n2
    big_n = mn1 + mn2
    inc = included.astype(float)
    mh_r = inc * ma * mn2 / big_n
    mh_s = inc * mc * mn1 / big_n
    mh_p = inc * (mn1 * mn2 * (ma + mc) - ma * mc * big_n) / big_n**2

    zq = norm_quantile(0.5 + level / 2)
    se = np.sqrt(var)
    out = frame.copy()
    out["zero_cell"] = zero
    out["double_zero"] = double
    out["included"] = included.astype(bool)
    out["a"], out["n1"], out["c"], out["n2"] = ma, mn1, mc, mn2
    out["mh_r"], out["mh_s"], out["mh_p"] = mh_r, mh_s, mh_p
    out["log_rr"], out["var_log_rr"] = log_rr, var
    out["rr"] = np.exp(log_rr)
    out["ci_low"] = np.exp(log_rr - zq * se)
    out["ci_high"] = np.exp(log_rr + zq * se)
    return out


def _group_codes(frame: pd.DataFrame, by: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    if not by:
        return np.zeros(len(frame), dtype=np.intp), pd.DataFrame(index=[0])
    grouped = frame.groupby(list(by), sort=True, dropna=False)
    codes = grouped.ngroup().to_numpy()
    keys = grouped.size().reset_index()[list(by)]
    return codes, keys


def pool(
    frame: pd.DataFrame,
    by: Sequence[str] | str | None = ("outcome",),
    method: str = "MH-cc",
    level: float = 0.95,
) -> pd.DataFrame:
    """Pool risk ratios by Mantel–Haenszel for every group of ``frame`` at once.

    All groups are computed together with ``np.bincount`` over group codes: there
    is no Python loop over analyses.

    Parameters
    ----------
    frame : DataFrame with the four count columns (no missing values) and the ``by`` columns.
    by : column name(s) defining one pool each; ``None`` or ``()`` pools everything.
    method : ``"MH"``, ``"MH-cc"`` or ``"both"`` (rows of both, ``method`` column added).
    level : confidence level (0.95 by default; Rothman's example uses 0.90).

    Returns
    -------
    DataFrame with the ``by`` columns, ``method`` and :data:`POOLED_COLUMNS`, plus
    ``log_rr`` and ``se_log_rr``.
    """
    if isinstance(by, str):
        by = (by,)
    by = tuple(by or ())
    if method == "both":
        return pd.concat([pool(frame, by, m, level) for m in METHODS], ignore_index=True)
    st = study_table(frame, method, level)
    codes, keys = _group_codes(st, by)
    g = len(keys)

    def total(x) -> np.ndarray:
        return np.bincount(codes, weights=np.asarray(x, dtype=float), minlength=g)

    inc = st["included"].to_numpy()
    k = total(inc)
    counts = {col: total(st[col].to_numpy(dtype=float) * inc) for col in _COUNTS}
    r, s, pp = total(st["mh_r"]), total(st["mh_s"]), total(st["mh_p"])
    with np.errstate(divide="ignore", invalid="ignore"):
        degenerate = (r <= 0) | (s <= 0)
        log_rr = np.where(degenerate, np.nan, np.log(r / s))
        var = np.where(degenerate, np.nan, pp / (r * s))
        se = np.sqrt(np.where(var > 0, var, np.nan))

        y = st["log_rr"].to_numpy()
        has_y = ~np.isnan(y)
        w = np.where(has_y, 1 / st["var_log_rr"].to_numpy(), 0.0)
        y0 = np.where(has_y, y, 0.0)
        k_y = total(has_y)
        sw, swy, swy2 = total(w), total(w * y0), total(w * y0**2)
        q = swy2 - 2 * log_rr * swy + log_rr**2 * sw
        q = np.where(q < 0, 0.0, q)  # rounding guard: Q is a sum of squares
        q_df = k_y - 1
        enough = k_y >= 2
        q = np.where(enough, q, np.nan)
        q_df = np.where(enough, q_df, np.nan)
        q_p = np.where(enough, chi2_sf(q, np.maximum(q_df, 1)), np.nan)
        i2 = np.where(enough, np.where(q > 0, np.maximum(0.0, (q - q_df) / q) * 100, 0.0), np.nan)

    zq = norm_quantile(0.5 + level / 2)
    z = log_rr / se
    out = keys.reset_index(drop=True).copy()
    out["method"] = method
    out["k"] = k.astype(int)
    for col in _COUNTS:
        out[col] = counts[col].astype(int)
    out["rr"] = np.exp(log_rr)
    out["ci_low"] = np.exp(log_rr - zq * se)
    out["ci_high"] = np.exp(log_rr + zq * se)
    out["z"] = z
    out["p"] = 2 * norm_sf(np.abs(z))
    out["q"], out["q_df"], out["q_p"], out["i2"] = q, q_df, q_p, i2
    out["log_rr"], out["se_log_rr"] = log_rr, se
    _warn_degenerate(out, by, degenerate, np.isnan(se) & ~degenerate)
    return out


def _warn_degenerate(out: pd.DataFrame, by: Sequence[str], no_rr: np.ndarray, no_ci: np.ndarray) -> None:
    def names(mask: np.ndarray) -> str:
        rows = out.loc[mask, list(by)] if by else out.loc[mask]
        labels = ["/".join(map(str, r)) for r in rows.itertuples(index=False)] if by else ["all"] * int(mask.sum())
        return ", ".join(labels[:10]) + (" …" if len(labels) > 10 else "")

    if no_rr.any():
        warnings.warn(
            f"no MH risk ratio (no events in one arm across the pool) for: {names(no_rr)}",
            DegeneratePoolWarning, stacklevel=3,
        )
    if no_ci.any():
        warnings.warn(f"zero variance, no confidence interval for: {names(no_ci)}", DegeneratePoolWarning, stacklevel=3)


def study_weights(frame: pd.DataFrame, by: Sequence[str] | str | None = ("outcome",), method: str = "MH-cc",
                  level: float = 0.95) -> pd.DataFrame:
    """Per-study RR, CI and Mantel–Haenszel weight (%) within each pool, for forest plots.

    The MH weight of study *i* in a risk-ratio pool is c_i n1_i / N_i (the term of S),
    as RevMan and ``metan`` print it; studies not included (double-zero under ``MH-cc``)
    get weight NaN.
    """
    if isinstance(by, str):
        by = (by,)
    by = tuple(by or ())
    st = study_table(frame, method, level)
    codes, _ = _group_codes(st, by)
    s_tot = np.bincount(codes, weights=st["mh_s"].to_numpy(), minlength=codes.max() + 1 if len(codes) else 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        wt = st["mh_s"].to_numpy() / s_tot[codes] * 100
    st["weight"] = np.where(st["included"], wt, np.nan)
    st["method"] = method
    return st


def to_tables(frame: pd.DataFrame) -> np.ndarray:
    """Stack studies as 2×2×K tables ``[[a, b], [c, d]]`` (rows TAC, control) for statsmodels."""
    a = frame["tac_events"].to_numpy(dtype=float)
    c = frame["ctl_events"].to_numpy(dtype=float)
    b = frame["tac_total"].to_numpy(dtype=float) - a
    d = frame["ctl_total"].to_numpy(dtype=float) - c
    return np.array([[a, b], [c, d]])


def statsmodels_check(frame: pd.DataFrame, by: Iterable[str] = ("outcome",)) -> pd.DataFrame:
    """Compare our MH estimate with statsmodels, pool by pool.

    For each pool: our ``MH`` and ``MH-cc`` RR; ``StratifiedTable(tables).riskratio_pooled``
    (the MH risk ratio without correction, which must equal ours under ``MH``);
    and ``combine_effects`` on per-study log RRs (inverse-variance fixed effect and
    DerSimonian–Laird random effects), a different estimator shown for comparison.
    """
    from statsmodels.stats.contingency_tables import StratifiedTable
    from statsmodels.stats.meta_analysis import combine_effects

    by = list(by)
    rows = []
    ours = {m: pool(frame, by, m).set_index(by) for m in METHODS} if by else None
    groups = frame.groupby(by, sort=True) if by else [((), frame)]
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(by, key))
        idx = key if len(key) > 1 else key[0]
        row["k"] = len(sub)
        row["ours_MH"] = ours["MH"].loc[idx, "rr"]
        row["ours_MH_cc"] = ours["MH-cc"].loc[idx, "rr"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                row["statsmodels_MH"] = StratifiedTable(to_tables(sub)).riskratio_pooled
            except Exception:  # statsmodels refuses some degenerate tables
                row["statsmodels_MH"] = np.nan
            st = study_table(sub, "MH-cc").dropna(subset=["log_rr"])
            if len(st) >= 1:
                res = combine_effects(st["log_rr"].to_numpy(), st["var_log_rr"].to_numpy(), method_re="chi2")
                row["iv_fixed"] = float(np.exp(res.mean_effect_fe))
                row["dl_random"] = float(np.exp(res.mean_effect_re))
            else:
                row["iv_fixed"] = row["dl_random"] = np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    out["abs_diff_MH"] = (out["ours_MH"] - out["statsmodels_MH"]).abs()
    return out
