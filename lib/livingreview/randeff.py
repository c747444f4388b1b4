"""Random-effects meta-analysis of log risk ratios, subgroup tests and leave-one-out.

Per-study inputs are those of :func:`livingreview.mh.study_table`: y_i = log RR_i and
v_i = its variance, with 0.5 added to every cell of a zero-cell study and double-zero
studies dropped (metafor ``escalc(measure="RR")`` with its default ``add=1/2, to="only0"``).

Between-study variance τ² (Veroniki et al. 2016, Res Synth Methods 7:55-79)
----------------------------------------------------------------------------
``DL``   DerSimonian & Laird (1986): τ² = max(0, (Q − (k−1)) / (Σw − Σw²/Σw)), w = 1/v,
         Q = Σw(y − ȳ_w)². statsmodels ``combine_effects(method_re="chi2")``.
``PM``   Paule & Mandel (1982): the τ² ≥ 0 at which Σ w*(y − μ*)² = k − 1 with w* = 1/(v + τ²),
         by bisection. statsmodels ``combine_effects(method_re="iterated")``.
``REML`` the τ² ≥ 0 that maximises the restricted log-likelihood (:func:`reml_loglik`)
         GLOBALLY: it can have two peaks when within-study variances differ widely, and an
         iteration started at DL may stop on the lower one. We evaluate it at 0, DL, PM and
         a log-spaced grid, refine around the best point with a bounded optimiser on log τ²
         (``scipy.optimize.minimize_scalar``) and polish with the REML fixed-point step
         τ² ← Σw*²((y − μ*)² − v)/Σw*² + 1/Σw* only where that raises the likelihood.
         Checked against metafor ``rma(method="REML")`` (tests/results/results_re.py).

Given τ²: μ = Σw*y/Σw*, SE = √(1/Σw*).

Intervals (``ci_method``)
-------------------------
``z``              Wald: μ ± z_{0.975} SE.
``hksj``           Hartung–Knapp–Sidik–Jonkman (classic): SE_HK = SE·√f with
                   f = Σw*(y − μ)²/(k − 1), μ ± t_{k−1, 0.975} SE_HK (metafor ``test="knha"``).
                   When trials agree exactly f = 0 and the interval collapses to a point
                   (flagged in ``note``); f < 1 makes it narrower than Wald.
``hksj_modified``  the same with f replaced by max(1, f): never narrower than the Wald interval
                   with t quantiles (Röver, Knapp & Friede 2015, BMC Med Res Methodol 15:99;
                   Jackson, Law, Rücker & Schwarzer 2017, Stat Med 36:3923-34; IQWiG methods 6.1).
                   metafor: ``rma(..., test="knha")`` with the SE rescaled by √max(1, f)
                   (``test="adhoc"`` in metafor ≥ 4.0).

Prediction interval (``pi_df="k-1"``, the default; metafor ``predict(..., pi.type="t")`` for
test="z" and the default for test="knha", and R meta's default ``method.predict="V"``):
          μ ± t_{k−1, 0.975} √(τ² + SE²), with SE the interval's own standard error.
``pi_df="k-2"`` uses t_{k−2} (Higgins, Thompson & Spiegelhalter 2009, JRSS A 172:137-59).
No prediction interval (NaN) for k < 3: with two studies τ² rests on one degree of freedom
and the interval is not informative; the ``note`` says so.

I² reported here is metafor's for random-effects models: τ²/(τ² + s²) with the typical
within-study variance s² = (k−1)Σw/((Σw)² − Σw²). It is NOT the Q-based I² of the fixed-effect
pages: the latter takes Q around the MH estimate, while DL's Q is taken around the
inverse-variance mean, so the two differ in general (see :func:`livingreview.facts.facts_beyond`).
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy import special

from . import mh

TAU2_METHODS = ("DL", "REML", "PM")
CI_METHODS = ("z", "hksj", "hksj_modified")
PI_DF = ("k-1", "k-2")
#: What one random-effects pool reports (declared once: results files and ``pool --random`` use it).
RE_RESULT_COLUMNS = ["tau2_method", "ci_method", "k", "rr", "ci_low", "ci_high", "tau2", "i2", "pi_low", "pi_high"]
RE_COLUMNS = ["outcome", "subgroup", *RE_RESULT_COLUMNS, "note"]
#: Why a pool has no prediction interval.
NO_PI_NOTE = "no prediction interval with fewer than 3 studies"
POINT_CI_NOTE = "classic Knapp-Hartung interval has zero width (studies agree exactly); not a result"
#: Regimen is confounded with comparator in this review: every caveat printed beside a subgroup test.
CONFOUNDING_CAVEAT = ("Regimen (duo or triple therapy) is confounded with the comparator (the trials of each "
                      "regimen compared it with different control treatments), so a difference between the "
                      "subgroups cannot be attributed to the regimen alone; the test is observational.")


class IterationLimitWarning(RuntimeWarning):
    """An iterative τ² estimator stopped at its iteration limit before converging."""


def q_statistic(y, v, tau2: float = 0.0) -> float:
    """(Generalised) Cochran's Q: Σ w_i (y_i − ȳ_w)² with w_i = 1/(v_i + τ²) and ȳ_w their weighted mean."""
    y, w = np.asarray(y, float), 1 / (np.asarray(v, float) + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return float(np.sum(w * (y - mu) ** 2))


def tau2_dl(y: np.ndarray, v: np.ndarray) -> float:
    w = 1 / v
    q = q_statistic(y, v)
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    return max(0.0, (q - (len(y) - 1)) / c) if c > 0 else 0.0


def tau2_pm(y: np.ndarray, v: np.ndarray, tol: float = 1e-12, maxiter: int = 500) -> float:
    """Paule–Mandel by bisection on the (monotone decreasing) generalised Q.

    Warns :class:`IterationLimitWarning` if ``maxiter`` halvings do not reach ``tol``.
    """
    k = len(y)
    if q_statistic(y, v, 0.0) <= k - 1:
        return 0.0
    lo, hi = 0.0, max(1.0, np.var(y) * 10)
    for _ in range(2000):
        if q_statistic(y, v, hi) <= k - 1:
            break
        hi *= 2
    for _ in range(maxiter):
        mid = (lo + hi) / 2
        if q_statistic(y, v, mid) > k - 1:
            lo = mid
        else:
            hi = mid
        if hi - lo < tol * max(1.0, hi):
            break
    else:
        warnings.warn(f"Paule-Mandel bisection reached its limit of {maxiter} iterations (tau2 ~ {hi:.6g})",
                      IterationLimitWarning, stacklevel=2)
    return (lo + hi) / 2


def reml_loglik(tau2, y, v, X=None) -> float:
    """Restricted log-likelihood of τ² (as metafor's ``logLik(rma(..., method="REML"))``).

        ℓ_R(τ²) = −½ [ (k−p) log 2π − log|XᵀX| + Σ log(v_i + τ²) + log|XᵀWX| + Σ w_i (y_i − x_iᵀβ̂)² ]

    with W = diag(1/(v + τ²)), β̂ the weighted least-squares estimate and p the columns of
    X (an intercept when ``X`` is None).
    """
    y, v = np.asarray(y, dtype=float), np.asarray(v, dtype=float)
    X = np.ones((len(y), 1)) if X is None else np.asarray(X, dtype=float)
    k, p = X.shape
    w = 1 / (v + tau2)
    xtwx = X.T @ (w[:, None] * X)
    beta = np.linalg.solve(xtwx, X.T @ (w * y))
    r = y - X @ beta
    return float(-0.5 * ((k - p) * np.log(2 * np.pi) - np.linalg.slogdet(X.T @ X)[1] + np.sum(np.log(v + tau2))
                         + np.linalg.slogdet(xtwx)[1] + np.sum(w * r**2)))


def _reml_global(y, v, X=None, starts=(), tol: float = 1e-10, maxiter: int = 200) -> float:
    from scipy.optimize import minimize_scalar

    y, v = np.asarray(y, dtype=float), np.asarray(v, dtype=float)
    scale = max(float(np.var(y)), float(np.max(v)), 1e-8)
    grid = np.concatenate([[0.0], [s for s in starts if np.isfinite(s) and s >= 0],
                           scale * np.logspace(-8, 3, 89)])
    ll = np.array([reml_loglik(t, y, v, X) for t in grid])
    best = int(np.argmax(ll))
    t_best, ll_best = float(grid[best]), float(ll[best])
    # bracket on log τ² between the grid neighbours of the best point
    pos = np.sort(grid[grid > 0])
    if t_best > 0:
        i = int(np.searchsorted(pos, t_best))
        lo = pos[max(i - 1, 0)] / 2 if i == 0 else pos[i - 1]
        hi = pos[min(i + 1, len(pos) - 1)]
    else:
        lo, hi = pos[0] * 1e-4, pos[1]
    res = minimize_scalar(lambda lt: -reml_loglik(np.exp(lt), y, v, X), bounds=(np.log(lo), np.log(hi)),
                          method="bounded", options={"xatol": 1e-12, "maxiter": maxiter})
    if not res.success:
        warnings.warn(f"REML bounded optimiser reached its limit of {maxiter} iterations",
                      IterationLimitWarning, stacklevel=3)
    if -res.fun > ll_best:
        t_best, ll_best = float(np.exp(res.x)), float(-res.fun)
    if X is None and t_best > 0:  # polish: the fixed-point step converges to the local maximum near t_best
        t = t_best
        for _ in range(maxiter):
            w = 1 / (v + t)
            mu = np.sum(w * y) / np.sum(w)
            new = max(0.0, float(np.sum(w**2 * ((y - mu) ** 2 - v)) / np.sum(w**2) + 1 / np.sum(w)))
            if abs(new - t) < tol * max(1.0, t):
                t = new
                break
            t = new
        else:
            warnings.warn(f"REML fixed-point polish reached its limit of {maxiter} iterations",
                          IterationLimitWarning, stacklevel=3)
        if reml_loglik(t, y, v) >= ll_best:
            t_best = t
    return t_best


def tau2_reml(y: np.ndarray, v: np.ndarray, tol: float = 1e-10, maxiter: int = 200) -> float:
    """REML τ²: the global maximum of :func:`reml_loglik` over τ² ≥ 0 (see the module docstring)."""
    y, v = np.asarray(y, dtype=float), np.asarray(v, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IterationLimitWarning)
        pm = tau2_pm(y, v)
    return _reml_global(y, v, starts=(tau2_dl(y, v), pm), tol=tol, maxiter=maxiter)


_TAU2 = {"DL": tau2_dl, "REML": tau2_reml, "PM": tau2_pm}


def _check_finite(y, v, missing: str, labels=None):
    if missing not in mh.MISSING:
        raise ValueError(f"missing={missing!r}; use 'raise' or 'drop'")
    bad = np.isnan(y) | np.isnan(v)
    if not bad.any():
        return y, v
    if missing == "drop":
        return y[~bad], v[~bad]
    i = int(np.flatnonzero(bad)[0])
    name = f"study {labels[i]!r}" if labels is not None else f"study at position {i}"
    col = "y (log RR)" if np.isnan(y[i]) else "v (variance)"
    raise ValueError(f"{name}: {col} is missing (NaN) in {int(bad.sum())} study(ies); pass missing='drop' to "
                     "leave them out")


def random_effects(y, v, tau2_method: str = "DL", ci_method: str = "z", level: float = 0.95,
                   pi_df: str = "k-1", missing: str = "raise", labels=None) -> dict:
    """Pool log RRs with a random-effects model.

    Parameters
    ----------
    y, v : per-study log RRs and their variances.
    tau2_method : ``"DL"``, ``"REML"`` or ``"PM"``.
    ci_method : ``"z"``, ``"hksj"`` (classic) or ``"hksj_modified"`` (see module docstring).
    level : confidence level of the CI and of the prediction interval.
    pi_df : ``"k-1"`` (default) or ``"k-2"`` degrees of freedom of the prediction interval's t.
    missing : ``"raise"`` (default): a NaN in ``y`` or ``v`` raises ``ValueError`` naming the
        study (``labels[i]`` if given); ``"drop"``: such studies are left out.

    Returns
    -------
    dict with ``k, rr, ci_low, ci_high, tau2, i2, pi_low, pi_high, mu, se, note``; the
    prediction interval is NaN for k < 3 (``note`` says why).
    """
    if tau2_method not in _TAU2:
        raise ValueError(f"unknown tau2_method {tau2_method!r}; use {', '.join(TAU2_METHODS)}")
    if ci_method not in CI_METHODS:
        raise ValueError(f"unknown ci_method {ci_method!r}; use {', '.join(CI_METHODS)}")
    if pi_df not in PI_DF:
        raise ValueError(f"unknown pi_df {pi_df!r}; use {', '.join(PI_DF)}")
    y, v = np.asarray(y, dtype=float), np.asarray(v, dtype=float)
    y, v = _check_finite(y, v, missing, None if labels is None else list(labels))
    k = len(y)
    out = {"k": k, "rr": np.nan, "ci_low": np.nan, "ci_high": np.nan, "tau2": np.nan, "i2": np.nan,
           "pi_low": np.nan, "pi_high": np.nan, "mu": np.nan, "se": np.nan, "note": ""}
    if k < 2:
        out["note"] = "fewer than 2 studies"
        return out
    tau2 = _TAU2[tau2_method](y, v)
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    se = np.sqrt(1 / np.sum(w))
    notes = []
    if ci_method == "z":
        q = special.ndtri(0.5 + level / 2)
    else:
        f = np.sum(w * (y - mu) ** 2) / (k - 1)
        se = se * np.sqrt(max(1.0, f) if ci_method == "hksj_modified" else f)
        q = special.stdtrit(k - 1, 0.5 + level / 2)
        if ci_method == "hksj" and f < 1e-12:  # studies agree exactly (up to rounding)
            notes.append(POINT_CI_NOTE)
    w0 = 1 / v
    s2 = (k - 1) * np.sum(w0) / (np.sum(w0) ** 2 - np.sum(w0**2))
    df = k - 1 if pi_df == "k-1" else k - 2
    if k >= 3:
        pi_half = special.stdtrit(df, 0.5 + level / 2) * np.sqrt(tau2 + se**2)
        pi_low, pi_high = np.exp(mu - pi_half), np.exp(mu + pi_half)
    else:
        pi_low = pi_high = np.nan
        notes.append(NO_PI_NOTE)
    out.update(rr=np.exp(mu), ci_low=np.exp(mu - q * se), ci_high=np.exp(mu + q * se), tau2=tau2,
               i2=100 * tau2 / (tau2 + s2), pi_low=pi_low, pi_high=pi_high, mu=mu, se=se, note="; ".join(notes))
    return out


def random_effects_table(data, by=("outcome", "subgroup"), missing: str = "raise",
                         tau2_methods=TAU2_METHODS, ci_methods=CI_METHODS, pi_df: str = "k-1"):
    """Every (group, τ² method, CI method) for groups with two or more studies having a log RR.

    Columns :data:`RE_COLUMNS` (the ``by`` columns first). ``missing`` as in :func:`livingreview.mh.pool`
    (double-zero studies have no log RR and are always left out).
    """
    import pandas as pd

    by = [by] if isinstance(by, str) else list(by)
    st = mh.study_table(data, "MH-cc", missing=missing).dropna(subset=["log_rr"])
    rows = []
    for key, g in st.groupby(by, sort=True):
        if len(g) < 2:
            continue
        key = key if isinstance(key, tuple) else (key,)
        for tm in tau2_methods:
            for cm in ci_methods:
                r = random_effects(g["log_rr"], g["var_log_rr"], tm, cm, pi_df=pi_df)
                rows.append({**dict(zip(by, key)), "tau2_method": tm, "ci_method": cm,
                             **{c: r[c] for c in RE_COLUMNS[4:]}})
    return pd.DataFrame(rows, columns=by + RE_COLUMNS[2:])




# ---------------------------------------------------------------------------------------------
# Vectorised over groups (as mh.pool_arrays): every pool of a stacked array at once.
# y, v are per-study log RRs and variances (no NaN), codes the pool (0..n_groups-1) of each study.
# The estimators are those of tau2_dl, tau2_pm and tau2_reml above, step for step, with one
# np.bincount per step instead of a Python loop over pools; tests/test_robustness.py checks
# every group against the scalar functions.
# ---------------------------------------------------------------------------------------------

def _gsum(x, codes, g: int) -> np.ndarray:
    """Group sums of a 1-D (studies) or 2-D (studies × points) array."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        return np.bincount(codes, weights=x, minlength=g)
    return np.stack([np.bincount(codes, weights=x[:, j], minlength=g) for j in range(x.shape[1])], axis=1)


def _q_groups(y, v, codes, g: int, tau2) -> np.ndarray:
    """Generalised Q of every group at τ² (one value per group), as :func:`q_statistic`."""
    w = 1 / (v + tau2[codes])
    mu = _gsum(w * y, codes, g) / _gsum(w, codes, g)
    return _gsum(w * (y - mu[codes]) ** 2, codes, g)


def tau2_dl_groups(y, v, codes, g: int) -> np.ndarray:
    """DerSimonian–Laird τ² of every group (:func:`tau2_dl`); NaN for groups of fewer than 2 studies."""
    codes = np.asarray(codes, dtype=np.intp)
    k = np.bincount(codes, minlength=g)
    w = 1 / v
    with np.errstate(divide="ignore", invalid="ignore"):
        q = _q_groups(y, v, codes, g, np.zeros(g))
        sw = _gsum(w, codes, g)
        c = sw - _gsum(w**2, codes, g) / sw
        t = np.where(c > 0, np.maximum(0.0, (q - (k - 1)) / c), 0.0)
    return np.where(k >= 2, t, np.nan)


def tau2_pm_groups(y, v, codes, g: int, tol: float = 1e-12, maxiter: int = 500) -> np.ndarray:
    """Paule–Mandel τ² of every group by bisection, as :func:`tau2_pm` (same start, steps and stop)."""
    codes = np.asarray(codes, dtype=np.intp)
    k = np.bincount(codes, minlength=g)
    ok = k >= 2
    out = np.where(ok, 0.0, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        active = ok & (_q_groups(y, v, codes, g, np.zeros(g)) > k - 1)
        if not active.any():
            return out
        mean = _gsum(y, codes, g) / k
        var = _gsum((y - mean[codes]) ** 2, codes, g) / k
        lo, hi = np.zeros(g), np.maximum(1.0, var * 10)
        todo, grow = active.copy(), active.copy()
        for _ in range(2000):
            grow &= _q_groups(y, v, codes, g, np.where(grow, hi, 0.0)) > k - 1
            if not grow.any():
                break
            hi = np.where(grow, hi * 2, hi)
        for _ in range(maxiter):
            mid = (lo + hi) / 2
            above = _q_groups(y, v, codes, g, np.where(active, mid, 0.0)) > k - 1
            lo = np.where(active & above, mid, lo)
            hi = np.where(active & ~above, mid, hi)
            active &= ~(hi - lo < tol * np.maximum(1.0, hi))
            if not active.any():
                break
        else:
            warnings.warn(f"Paule-Mandel bisection reached its limit of {maxiter} iterations in "
                          f"{int(active.sum())} group(s)", IterationLimitWarning, stacklevel=2)
    return np.where(todo, (lo + hi) / 2, out)


def reml_loglik_groups(tau2, y, v, codes, g: int) -> np.ndarray:
    """:func:`reml_loglik` (intercept only) of every group at τ² of shape (g,) or (g, m)."""
    t = np.asarray(tau2, dtype=float)
    two = t.ndim == 2
    tt = t[codes] if two else t[codes][:, None]
    yy, vv = y[:, None], v[:, None]
    k = np.bincount(codes, minlength=g).astype(float)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        w = 1 / (vv + tt)
        sw = _gsum(w, codes, g)
        mu = _gsum(w * yy, codes, g) / sw
        r2 = _gsum(w * (yy - mu[codes]) ** 2, codes, g)
        ll = -0.5 * ((k - 1) * np.log(2 * np.pi) - np.log(k) + _gsum(np.log(vv + tt), codes, g)
                     + np.log(sw) + r2)
    return ll if two else ll[:, 0]


def tau2_reml_groups(y, v, codes, g: int, tol: float = 1e-10, maxiter: int = 200) -> np.ndarray:
    """REML τ² of every group: the global maximum as :func:`tau2_reml` finds it.

    The same grid (0, DL, PM and a log-spaced grid), the same bracket around the best grid point,
    a golden-section search on log τ² in that bracket (where :func:`tau2_reml` uses scipy's bounded
    Brent method: both find the bracket's maximum) and the same fixed-point polish.
    """
    codes = np.asarray(codes, dtype=np.intp)
    k = np.bincount(codes, minlength=g)
    ok = k >= 2
    out = np.full(g, np.nan)
    if not ok.any():
        return out
    dl = tau2_dl_groups(y, v, codes, g)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IterationLimitWarning)
        pm = tau2_pm_groups(y, v, codes, g)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = _gsum(y, codes, g) / k
        var = _gsum((y - mean[codes]) ** 2, codes, g) / k
        vmax = np.full(g, -np.inf)
        np.maximum.at(vmax, codes, v)
        scale = np.maximum(np.maximum(var, vmax), 1e-8)
    scale = np.where(ok, scale, 1.0)
    base = np.logspace(-8, 3, 89)
    grid = np.column_stack([np.zeros(g), np.where(ok, dl, 0.0), np.where(ok, pm, 0.0), scale[:, None] * base])
    ll = reml_loglik_groups(grid, y, v, codes, g)
    best = np.argmax(np.where(np.isnan(ll), -np.inf, ll), axis=1)
    rows = np.arange(g)
    t_best, ll_best = grid[rows, best], ll[rows, best]
    pos = np.sort(np.where(grid > 0, grid, np.inf), axis=1)
    npos = (grid > 0).sum(axis=1)
    i = (pos < t_best[:, None]).sum(axis=1)
    lo_pos = np.where(i == 0, pos[:, 0] / 2, pos[rows, np.maximum(i - 1, 0)])
    hi_pos = pos[rows, np.minimum(i + 1, npos - 1)]
    lo = np.where(t_best > 0, lo_pos, pos[:, 0] * 1e-4)
    hi = np.where(t_best > 0, hi_pos, pos[:, 1])
    a, b = np.log(lo), np.log(hi)
    gr = (np.sqrt(5) - 1) / 2
    x1, x2 = b - gr * (b - a), a + gr * (b - a)
    f1, f2 = reml_loglik_groups(np.exp(x1), y, v, codes, g), reml_loglik_groups(np.exp(x2), y, v, codes, g)
    for _ in range(200):
        left = f1 >= f2  # the maximum lies in [a, x2]: drop (x2, b]; else drop [a, x1)
        b = np.where(left, x2, b)
        a = np.where(left, a, x1)
        x1, x2, f1, f2 = (np.where(left, b - gr * (b - a), x2), np.where(left, x1, a + gr * (b - a)),
                          np.where(left, np.nan, f2), np.where(left, f1, np.nan))
        e = reml_loglik_groups(np.exp(np.where(left, x1, x2)), y, v, codes, g)
        f1, f2 = np.where(left, e, f1), np.where(left, f2, e)
        if np.max(np.where(ok, b - a, 0.0)) < 1e-12:
            break
    xo = (a + b) / 2
    llo = reml_loglik_groups(np.exp(xo), y, v, codes, g)
    take = ok & (llo > ll_best)
    t_best = np.where(take, np.exp(xo), t_best)
    ll_best = np.where(take, llo, ll_best)
    # polish: the fixed-point step, only where τ² > 0, kept where it does not lower the likelihood
    polish = ok & (t_best > 0)
    t = t_best.copy()
    active = polish.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(maxiter):
            if not active.any():
                break
            w = 1 / (v + t[codes])
            sw = _gsum(w, codes, g)
            mu = _gsum(w * y, codes, g) / sw
            new = np.maximum(0.0, _gsum(w**2 * ((y - mu[codes]) ** 2 - v), codes, g) / _gsum(w**2, codes, g)
                             + 1 / sw)
            conv = np.abs(new - t) < tol * np.maximum(1.0, t)
            t = np.where(active, new, t)
            active &= ~conv
        llp = reml_loglik_groups(t, y, v, codes, g)
    t_best = np.where(polish & (llp >= ll_best), t, t_best)
    return np.where(ok, t_best, out)


TAU2_GROUPS = {"DL": tau2_dl_groups, "REML": tau2_reml_groups, "PM": tau2_pm_groups}


def random_effects_arrays(y, v, codes, g: int, tau2, ci_method: str = "z", level: float = 0.95,
                          min_k: int = 2) -> dict:
    """Pool every group at a given τ² (0 for the inverse-variance fixed effect), as :func:`random_effects`.

    Returns arrays of length ``g``: ``k, mu, se, rr, ci_low, ci_high, i2`` (metafor's τ²/(τ² + s²)),
    ``i2_q`` (max(0, (Q − df)/Q) × 100 with Q around the fixed-effect mean, the I² of an
    inverse-variance fixed-effect model) and ``weight`` per study (%, within its group).
    Groups of fewer than ``min_k`` studies are NaN (2 for random effects, as :func:`random_effects`;
    1 for the fixed effect, whose pool of one study is that study's estimate).
    """
    if ci_method not in CI_METHODS:
        raise ValueError(f"unknown ci_method {ci_method!r}; use {', '.join(CI_METHODS)}")
    codes = np.asarray(codes, dtype=np.intp)
    y, v = np.asarray(y, dtype=float), np.asarray(v, dtype=float)
    k = np.bincount(codes, minlength=g)
    tau2 = np.asarray(tau2, dtype=float) * np.ones(g)
    t0 = np.where(np.isnan(tau2), 0.0, tau2)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = 1 / (v + t0[codes])
        sw = _gsum(w, codes, g)
        mu = _gsum(w * y, codes, g) / sw
        se = np.sqrt(1 / sw)
        km1 = np.maximum(k - 1, 1)
        if ci_method == "z":
            q = special.ndtri(0.5 + level / 2) * np.ones(g)
        else:
            f = _gsum(w * (y - mu[codes]) ** 2, codes, g) / km1
            se = se * np.sqrt(np.maximum(1.0, f) if ci_method == "hksj_modified" else f)
            q = special.stdtrit(km1, 0.5 + level / 2)
        w0 = 1 / v
        sw0 = _gsum(w0, codes, g)
        s2 = (k - 1) * sw0 / (sw0**2 - _gsum(w0**2, codes, g))
        i2 = 100 * t0 / (t0 + s2)
        q_fe = _q_groups(y, v, codes, g, np.zeros(g))
        i2_q = np.where(q_fe > 0, np.maximum(0.0, (q_fe - (k - 1)) / q_fe) * 100, 0.0)
        weight = w / sw[codes] * 100
    bad = (k < min_k) | (k == 0) | np.isnan(tau2)
    i2, i2_q = np.where(k < 2, np.nan, i2), np.where(k < 2, np.nan, i2_q)
    nan = np.nan
    return {"k": k, "mu": np.where(bad, nan, mu), "se": np.where(bad, nan, se),
            "rr": np.where(bad, nan, np.exp(mu)), "ci_low": np.where(bad, nan, np.exp(mu - q * se)),
            "ci_high": np.where(bad, nan, np.exp(mu + q * se)), "i2": np.where(bad, nan, i2),
            "i2_q": np.where(bad, nan, i2_q), "weight": np.where(bad[codes], nan, weight)}
