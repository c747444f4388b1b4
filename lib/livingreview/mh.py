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

Undefined stays undefined: where Q is undefined (fewer than two y_i, or no MH
estimate) Q, its p-value and I² are NaN (empty in CSV), never 0. A missing count
is refused with a ``ValueError`` naming the study and column (``missing="raise"``,
the default) or left out on request (``missing="drop"``); it is never cast to an integer.

Tails: ``scipy.special.chdtrc`` (χ²) and ``ndtr``/``ndtri`` (normal).

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

import warnings
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np
from scipy import special

if TYPE_CHECKING:  # pandas is imported inside the functions that need it: the CLI's pool path stays pandas-free
    import pandas as pd

METHODS = ("MH", "MH-cc")
#: Values of the ``missing`` argument of the public functions.
MISSING = ("raise", "drop")

#: Columns of a pooled result, in order (the CLI's output adds outcome, group, method in front).
#: The four counts of one study's 2x2 table (the input columns of every pool; declared once here).
COUNT_COLUMNS = ("tac_events", "tac_total", "ctl_events", "ctl_total")
POOLED_COLUMNS = ["k", *COUNT_COLUMNS, "rr", "ci_low", "ci_high", "z", "p", "q", "q_df", "q_p", "i2"]
_COUNTS = list(COUNT_COLUMNS)


def norm_quantile(p) -> float:
    """Standard normal quantile Φ⁻¹(p) (``scipy.special.ndtri``)."""
    return special.ndtri(p)


def norm_sf(x) -> np.ndarray:
    """Standard normal upper tail Φ(−x) (``scipy.special.ndtr``), elementwise; NaN stays NaN."""
    return special.ndtr(-np.asarray(x, dtype=float))


def chi2_sf(q, df) -> np.ndarray:
    """Upper tail P(χ²_df > q) (``scipy.special.chdtrc``: regularised upper incomplete gamma,
    Q(df/2, q/2), accurate far into the tail), elementwise; NaN in, NaN out."""
    return special.chdtrc(np.asarray(df, dtype=float), np.asarray(q, dtype=float))


class DegeneratePoolWarning(RuntimeWarning):
    """A pool has no risk ratio or no confidence interval (reported as NaN)."""


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown zero-cell rule {method!r}; use one of {', '.join(METHODS)}")


def check_missing(frame: "pd.DataFrame", missing: str = "raise", columns=_COUNTS) -> "pd.DataFrame":
    """Refuse (``missing="raise"``, the default) or drop (``missing="drop"``) rows with a missing count.

    Raises
    ------
    ValueError naming the first study (``study_id``, else the row label) and the column
    of every missing count, e.g. ``study 'liu2015': column 'tac_events' is missing (NaN)``.
    Counts must be present, whole and non-negative; a NaN is never cast to an integer.
    """
    if missing not in MISSING:
        raise ValueError(f"missing={missing!r}; use 'raise' or 'drop'")
    absent = frame[list(columns)].isna()
    if not absent.to_numpy().any():
        return frame
    if missing == "drop":
        return frame[~absent.any(axis=1)]
    rows = np.flatnonzero(absent.any(axis=1).to_numpy())
    names = frame["study_id"].to_numpy() if "study_id" in frame.columns else frame.index.to_numpy()
    parts = []
    for i in rows[:5]:
        cols = [c for c in columns if absent.iloc[i][c]]
        where = f"study {names[i]!r}" + (f" ({frame['outcome'].iloc[i]})" if "outcome" in frame.columns else "")
        parts.append(f"{where}: column {', '.join(repr(c) for c in cols)} is missing (NaN)")
    more = f" and {len(rows) - 5} more row(s)" if len(rows) > 5 else ""
    raise ValueError("; ".join(parts) + more + "; pass missing='drop' to leave such rows out")


def study_arrays(a, n1, c, n2, method: str = "MH-cc", level: float = 0.95) -> dict[str, np.ndarray]:
    """Per-study quantities of :func:`study_table` from four count arrays (numpy only)."""
    _check_method(method)
    a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (a, n1, c, n2))
    if np.isnan(a).any() or np.isnan(n1).any() or np.isnan(c).any() or np.isnan(n2).any():
        raise ValueError("missing (NaN) count: drop or refuse such rows first (see check_missing)")
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
    zq = norm_quantile(0.5 + level / 2)
    se = np.sqrt(var)
    return {
        "zero_cell": zero, "double_zero": double, "included": included.astype(bool),
        "a": ma, "n1": mn1, "c": mc, "n2": mn2,
        "mh_r": inc * ma * mn2 / big_n, "mh_s": inc * mc * mn1 / big_n,
        "mh_p": inc * (mn1 * mn2 * (ma + mc) - ma * mc * big_n) / big_n**2,
        "log_rr": log_rr, "var_log_rr": var,
        "rr": np.exp(log_rr), "ci_low": np.exp(log_rr - zq * se), "ci_high": np.exp(log_rr + zq * se),
    }


def study_table(frame: "pd.DataFrame", method: str = "MH-cc", level: float = 0.95,
                missing: str = "raise") -> "pd.DataFrame":
    """Per-study quantities under a zero-cell rule (one row per input row).

    Parameters
    ----------
    frame : DataFrame with integer-valued ``tac_events, tac_total, ctl_events, ctl_total``.
    method : ``"MH"`` or ``"MH-cc"`` (see module docstring).
    level : confidence level of the per-study intervals.
    missing : ``"raise"`` (default): a missing count raises ``ValueError`` naming the study
        and column; ``"drop"``: rows with a missing count are left out.

    Returns
    -------
    DataFrame with, besides the input columns: ``zero_cell``, ``double_zero``,
    ``included`` (used in the MH sums), the cells actually used in the MH step
    (``a, n1, c, n2``), the MH terms ``mh_r, mh_s, mh_p``, per-study ``log_rr``,
    ``var_log_rr`` (NaN for double-zero studies), ``rr, ci_low, ci_high``.
    """
    _check_method(method)
    frame = check_missing(frame, missing)
    arr = study_arrays(*(frame[col].to_numpy(dtype=float) for col in _COUNTS), method=method, level=level)
    out = frame.copy()
    for key, val in arr.items():
        out[key] = val
    return out


def pool_arrays(a, n1, c, n2, codes, n_groups: int, method: str = "MH-cc",
                level: float = 0.95) -> dict[str, np.ndarray]:
    """Pool every group at once from count arrays and group codes (0..n_groups−1); numpy only.

    Returns a dict of arrays of length ``n_groups``: :data:`POOLED_COLUMNS` (counts as
    int64), ``log_rr``, ``se_log_rr``, and the boolean masks ``no_rr`` and ``no_ci`` of
    degenerate pools (for :class:`DegeneratePoolWarning`).
    """
    st = study_arrays(a, n1, c, n2, method, level)
    codes = np.asarray(codes, dtype=np.intp)
    g = int(n_groups)

    def total(x) -> np.ndarray:
        return np.bincount(codes, weights=np.asarray(x, dtype=float), minlength=g)

    inc = st["included"]
    incf = inc.astype(float)
    k = total(incf)
    raw = {"tac_events": a, "tac_total": n1, "ctl_events": c, "ctl_total": n2}
    counts = {col: total(np.asarray(raw[col], dtype=float) * incf) for col in _COUNTS}
    r, s, pp = total(st["mh_r"]), total(st["mh_s"]), total(st["mh_p"])
    with np.errstate(divide="ignore", invalid="ignore"):
        degenerate = (r <= 0) | (s <= 0)
        log_rr = np.where(degenerate, np.nan, np.log(r / s))
        var = np.where(degenerate, np.nan, pp / (r * s))
        se = np.sqrt(np.where(var > 0, var, np.nan))

        y = st["log_rr"]
        has_y = ~np.isnan(y)
        w = np.where(has_y, 1 / st["var_log_rr"], 0.0)
        y0 = np.where(has_y, y, 0.0)
        k_y = total(has_y)
        sw, swy, swy2 = total(w), total(w * y0), total(w * y0**2)
        q = swy2 - 2 * log_rr * swy + log_rr**2 * sw
        q = np.where(q < 0, 0.0, q)  # rounding guard: Q is a sum of squares
        enough = k_y >= 2
        q = np.where(enough, q, np.nan)  # NaN also where the MH estimate is undefined
        q_df = np.where(enough, k_y - 1, np.nan)
        q_p = np.where(enough, chi2_sf(q, np.maximum(q_df, 1)), np.nan)
        # Q undefined => I² undefined (NaN), never 0
        i2 = np.where(np.isnan(q), np.nan, np.where(q > 0, np.maximum(0.0, (q - q_df) / q) * 100, 0.0))
        zq = norm_quantile(0.5 + level / 2)
        z = log_rr / se
        out = {"k": k.astype(np.int64)}
        for col in _COUNTS:
            out[col] = np.rint(counts[col]).astype(np.int64)
        out.update(rr=np.exp(log_rr), ci_low=np.exp(log_rr - zq * se), ci_high=np.exp(log_rr + zq * se),
                   z=z, p=2 * norm_sf(np.abs(z)), q=q, q_df=q_df, q_p=q_p, i2=i2, log_rr=log_rr, se_log_rr=se,
                   no_rr=degenerate, no_ci=np.isnan(se) & ~degenerate)
    return out


def _group_codes(frame: "pd.DataFrame", by: Sequence[str]) -> tuple[np.ndarray, "pd.DataFrame"]:
    import pandas as pd

    if not by:
        return np.zeros(len(frame), dtype=np.intp), pd.DataFrame(index=[0])
    grouped = frame.groupby(list(by), sort=True, dropna=False)
    codes = grouped.ngroup().to_numpy()
    keys = grouped.size().reset_index()[list(by)]
    return codes, keys


def pool(
    frame: "pd.DataFrame",
    by: Sequence[str] | str | None = ("outcome",),
    method: str = "MH-cc",
    level: float = 0.95,
    missing: str = "raise",
) -> "pd.DataFrame":
    """Pool risk ratios by Mantel–Haenszel for every group of ``frame`` at once.

    All groups are computed together with ``np.bincount`` over group codes: there
    is no Python loop over analyses (:func:`pool_arrays` does the arithmetic).

    Parameters
    ----------
    frame : DataFrame with the four count columns and the ``by`` columns.
    by : column name(s) defining one pool each; ``None`` or ``()`` pools everything.
    method : ``"MH"``, ``"MH-cc"`` or ``"both"`` (rows of both, ``method`` column added).
    level : confidence level (0.95 by default; Rothman's example uses 0.90).
    missing : ``"raise"`` (default) refuses a missing count with a ``ValueError`` naming
        the study and column; ``"drop"`` leaves such rows out.

    Returns
    -------
    DataFrame with the ``by`` columns, ``method`` and :data:`POOLED_COLUMNS`, plus
    ``log_rr`` and ``se_log_rr``. ``q``, ``q_p`` and ``i2`` are NaN where Q is undefined
    (fewer than two studies with a log RR, or no MH estimate).
    """
    import pandas as pd

    if isinstance(by, str):
        by = (by,)
    by = tuple(by or ())
    if method == "both":
        return pd.concat([pool(frame, by, m, level, missing) for m in METHODS], ignore_index=True)
    _check_method(method)
    frame = check_missing(frame, missing)
    codes, keys = _group_codes(frame, by)
    res = pool_arrays(*(frame[col].to_numpy(dtype=float) for col in _COUNTS), codes, len(keys), method, level)
    out = keys.reset_index(drop=True).copy()
    out["method"] = method
    for col in POOLED_COLUMNS + ["log_rr", "se_log_rr"]:
        out[col] = res[col]
    labels = _labels(out, by)
    _warn_degenerate(labels, res["no_rr"], res["no_ci"])
    return out


def _labels(out: "pd.DataFrame", by: Sequence[str]) -> list[str]:
    if not by:
        return ["all"] * len(out)
    return ["/".join(map(str, r)) for r in out[list(by)].itertuples(index=False)]


def _warn_degenerate(labels: Sequence[str], no_rr: np.ndarray, no_ci: np.ndarray, stacklevel: int = 3) -> None:
    """Emit :class:`DegeneratePoolWarning` naming up to ten pools of each kind."""
    def names(mask: np.ndarray) -> str:
        hit = [labels[i] for i in np.flatnonzero(mask)]
        return ", ".join(hit[:10]) + (" …" if len(hit) > 10 else "")

    if no_rr.any():
        warnings.warn(
            f"no MH risk ratio (no events in one arm across the pool) for: {names(no_rr)}",
            DegeneratePoolWarning, stacklevel=stacklevel,
        )
    if no_ci.any():
        warnings.warn(f"zero variance, no confidence interval for: {names(no_ci)}", DegeneratePoolWarning,
                      stacklevel=stacklevel)


def study_weights(frame: "pd.DataFrame", by: Sequence[str] | str | None = ("outcome",), method: str = "MH-cc",
                  level: float = 0.95, missing: str = "raise") -> "pd.DataFrame":
    """Per-study RR, CI and Mantel–Haenszel weight (%) within each pool, for forest plots.

    The MH weight of study *i* in a risk-ratio pool is c_i n1_i / N_i (the term of S),
    as RevMan and ``metan`` print it; studies not included (double-zero under ``MH-cc``)
    get weight NaN. ``missing`` as in :func:`pool`.
    """
    if isinstance(by, str):
        by = (by,)
    by = tuple(by or ())
    st = study_table(frame, method, level, missing)
    codes, _ = _group_codes(st, by)
    s_tot = np.bincount(codes, weights=st["mh_s"].to_numpy(), minlength=codes.max() + 1 if len(codes) else 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        wt = st["mh_s"].to_numpy() / s_tot[codes] * 100
    st["weight"] = np.where(st["included"], wt, np.nan)
    st["method"] = method
    return st


def to_tables(frame: "pd.DataFrame") -> np.ndarray:
    """Stack studies as 2×2×K tables ``[[a, b], [c, d]]`` (rows TAC, control) for statsmodels."""
    a = frame["tac_events"].to_numpy(dtype=float)
    c = frame["ctl_events"].to_numpy(dtype=float)
    b = frame["tac_total"].to_numpy(dtype=float) - a
    d = frame["ctl_total"].to_numpy(dtype=float) - c
    return np.array([[a, b], [c, d]])


def statsmodels_check(frame: "pd.DataFrame", by: Iterable[str] = ("outcome",)) -> "pd.DataFrame":
    """Compare our MH estimate with statsmodels, pool by pool.

    For each pool: our ``MH`` and ``MH-cc`` RR; ``StratifiedTable(tables).riskratio_pooled``
    (the MH risk ratio without correction, which must equal ours under ``MH``);
    and ``combine_effects`` on per-study log RRs (inverse-variance fixed effect and
    DerSimonian–Laird random effects), a different estimator shown for comparison, with the τ² statsmodels
    used (``sm_tau2``; its ``chi2`` method returns a negative τ² untruncated when Q < k − 1).
    """
    import pandas as pd
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
                # statsmodels' method_re="chi2" does not truncate τ² at 0: a negative τ² is not DerSimonian–Laird
                row["sm_tau2"] = float(res.tau2)
            else:
                row["iv_fixed"] = row["dl_random"] = row["sm_tau2"] = np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    out["abs_diff_MH"] = (out["ours_MH"] - out["statsmodels_MH"]).abs()
    return out
