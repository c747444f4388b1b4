"""Sequential monitoring of a cumulative meta-analysis (trial sequential analysis, TSA).

A living review tests its pooled estimate again at every update; repeated looks at accumulating data
inflate the chance of a false positive (Wetterslev et al., J Clin Epidemiol 2008;61:64-75; Thorlund
et al., Clin Epidemiol 2010;2:57-66). This module computes, with numpy and scipy only:

Required information size (binary outcome)
------------------------------------------
    RIS = 4 (z_{1−α/2} + z_{1−β})² p̄(1 − p̄) / (p_C − p_I)²,   p_I = p_C · RR,  p̄ = (p_C + p_I)/2
(participants in both arms; Wetterslev 2008, eq. 1), multiplied by 1/(1 − D²) (diversity, Wetterslev,
Thorlund, Brok & Gluud, BMC Med Res Methodol 2009;9:86), by 1/(1 − I²), or by nothing. Every assumption
(control risk, relative risk, α, β, the adjustment) is a parameter.

Monitoring boundaries: Lan–DeMets α-spending, O'Brien–Fleming type
--------------------------------------------------------------------
Two-sided and symmetric: each side spends α(t) = 2(1 − Φ(z_{1−α/4}/√t)) of the two-sided α by
information fraction t (Lan & DeMets, Biometrika 1983;70:659-63; RTSA ``esOF``, gsDesign ``sfLDOF``).
The boundary c_k of look k solves P(|Z_j| < c_j for j < k, Z_k ≥ c_k) = α_side(t_k) − α_side(t_{k−1})
under the null, by recursive numerical integration (Armitage, McPherson & Rowe, JRSS A 1969;132:235-44)
on the grid of Jennison & Turnbull (Group Sequential Methods, 2000, ch. 19: 6r − 1 points with r = 18,
Simpson's rule on them and their midpoints; as gsDesign's ``gsProbability`` and RTSA's ``z_n_w``).
Z_k is the cumulative z statistic; Z_k√t_k has independent normal increments.

Negligible increments (as RTSA 0.2.2, ``R/RTSA.R`` and ``R/RTSA_helperfunctions.R``):
- a look whose α increment is below ``tol`` = 1e-15 gets RTSA's "infinite" boundary, |z| = 20
  (``zninf = -20``): it cannot be crossed and spends nothing;
- in monitoring (:func:`monitor`), a look is *not tested* when its information fraction is at most 1 %
  of the RIS, or when it adds at most 1 % of the RIS to the previous trial's fraction (RTSA's
  ``time_tf = 0.01``: "interim analyses will not be made with less than 1% increase in information");
  its trials enter the next tested look. As RTSA, the increment is taken from the previous *trial*
  (among those above 1 %), not from the previous tested look.
- fractions beyond 1 (more information than the RIS) are rescaled so that the last look is 1
  (RTSA ``alpha_boundary``: ``inf_frac / max(inf_frac)``): all of α is spent at the last look.

Futility (optional, non-binding; as RTSA ``boundaries(futility = "non-binding")``)
------------------------------------------------------------------------------------
β is spent with the same O'Brien–Fleming-type function, β(t) = 2(1 − Φ(z_{1−β/2}/√t)), under the
alternative with drift δ = z_{1−α/side} + z_{1−β} per unit of the fixed-design information; the
futility boundary a_k solves P(a_j < Z_j < c_j for j < k, Z_k ≤ a_k) = β(t_k) − β(t_{k−1}) with the
information inflated by the factor R (found by root search) at which a_K = c_K at the last look. For
two-sided designs, looks whose futility boundary would be negative get none (RTSA's ``rm_bs``) and the
futility region is the inner wedge −a_k < Z_k < a_k. Non-binding: the efficacy boundaries are those
computed without futility, so the type I error is controlled whether or not one stops for futility.

TSA-adjusted confidence interval
--------------------------------
exp(log RR ± c_K · SE) with c_K the monitoring boundary at the last tested look in place of 1.96 (the
TSA program's "TSA-adjusted CI"; Thorlund et al., User manual for TSA, Copenhagen Trial Unit 2011);
NaN while that boundary is the infinite one.

The Cochrane Handbook (ch. 22) treats such methods as a sensitivity analysis, not the main one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize
from scipy.stats import norm

from . import mh, randeff

#: RTSA's "infinite" boundary: a look that spends (almost) nothing cannot be crossed.
INFINITE_Z = 20.0
#: Spending increments below this give the infinite boundary (RTSA ``tol``).
SPEND_TOL = 1e-15
#: A look adding at most this fraction of the RIS is not tested (RTSA ``time_tf``).
MIN_INCREMENT = 0.01
#: Grid size of the numerical integration (Jennison & Turnbull ch. 19; gsDesign, RTSA: r = 18).
GRID_R = 18
HETEROGENEITY = ("none", "I2", "D2")
FUTILITY = ("none", "non-binding")


# ---------------------------------------------------------------------------------------------
# required information size


def required_information_size(control_risk: float, rr: float, alpha: float = 0.05, beta: float = 0.2,
                              heterogeneity: float = 0.0) -> float:
    """Participants (both arms) needed to detect ``rr`` at control risk ``control_risk``.

    ``alpha`` is two-sided; ``heterogeneity`` is the D² or I² (a fraction in [0, 1)) whose
    1/(1 − h) multiplies the fixed-effect size (Wetterslev 2008 eq. 1; Wetterslev 2009).
    NaN when the inputs cannot define a size (RR = 1, a risk outside (0, 1), h ≥ 1).
    """
    pc = float(control_risk)
    pi = pc * float(rr)
    h = float(heterogeneity)
    if not (0 < pc < 1 and 0 < pi < 1 and pi != pc and 0 <= h < 1 and 0 < alpha < 1 and 0 < beta < 1):
        return float("nan")
    pbar = (pc + pi) / 2
    z = norm.ppf(1 - alpha / 2) + norm.ppf(1 - beta)
    return 4 * z**2 * pbar * (1 - pbar) / (pc - pi) ** 2 / (1 - h)


def diversity(v: np.ndarray, tau2: float) -> float:
    """D² = 1 − V_F/V_R: the relative variance reduction when the model goes from random to fixed
    effect (Wetterslev 2009, eq. 4), V = 1/Σw with w = 1/v (fixed) and 1/(v + τ²) (random)."""
    v = np.asarray(v, dtype=float)
    if len(v) < 2 or not np.isfinite(tau2):
        return 0.0
    return float(1 - np.sum(1 / (v + tau2)) / np.sum(1 / v))


# ---------------------------------------------------------------------------------------------
# spending functions and the recursive integration


def of_spending(t, alpha_side: float) -> np.ndarray:
    """Lan–DeMets O'Brien–Fleming-type spending of one side's ``alpha_side`` by fraction ``t``:
    2(1 − Φ(z_{1−alpha_side/2}/√t)), 0 at t = 0 (RTSA ``esOF``; gsDesign ``sfLDOF``)."""
    t = np.asarray(t, dtype=float)
    with np.errstate(divide="ignore"):
        out = 2 * norm.sf(norm.isf(alpha_side / 2) / np.sqrt(t))
    return np.where(t > 0, out, 0.0)


def _grid(mean: float, lo: float, hi: float, r: int = GRID_R) -> tuple[np.ndarray, np.ndarray]:
    """Jennison & Turnbull's grid (ch. 19) around ``mean`` trimmed to [lo, hi], and Simpson weights."""
    j = np.arange(1, 6 * r)
    x = mean + np.where(j < r, -3 - 4 * np.log(r / j),
                        np.where(j <= 5 * r, -3 + 3 * (j - r) / (2 * r), 3 + 4 * np.log(r / np.maximum(6 * r - j, 1))))
    if not lo < hi:
        return np.zeros(0), np.zeros(0)
    if (x < lo).any():
        x = x[np.flatnonzero(x < lo).max():].copy()
        x[0] = lo
    if (x > hi).any():
        x = x[:np.flatnonzero(x > hi).min() + 1].copy()
        x[-1] = hi
    if len(x) < 2:
        return np.zeros(0), np.zeros(0)
    d = np.diff(x)
    z = np.empty(2 * len(x) - 1)
    z[0::2], z[1::2] = x, (x[:-1] + x[1:]) / 2
    w = np.zeros_like(z)
    w[1::2] = 4 * d / 6
    w[0:-1:2] += d / 6
    w[2::2] += d / 6
    return z, w


class _Recursion:
    """Sub-density of the continuing paths at the current look, on its grid (h = weight × density).

    ``info`` are information levels (fractions, possibly inflated), ``theta`` the drift: the mean of
    Z_k is θ√I_k. ``cross_above(c)`` and ``cross_below(a)`` are the probabilities of being still in at
    the previous look and beyond c (or below a) at this one; ``advance(lo, hi)`` moves to this look
    keeping lo < Z < hi.
    """

    def __init__(self, info, theta: float = 0.0):
        self.info = np.asarray(info, dtype=float)
        self.theta = float(theta)
        self.k = 0          # index of the look the next probabilities refer to
        self.z = None       # grid of the previous look (None before look 1)
        self.h = None

    def _moments(self):
        i = self.k
        t = self.info[i]
        if self.z is None:
            return np.zeros(1), np.ones(1), self.theta * np.sqrt(t), 1.0, np.sqrt(t)
        tp = self.info[i - 1]
        dt = t - tp
        mean = self.z * np.sqrt(tp) + self.theta * dt  # score scale: S = Z√I
        return mean, self.h, None, np.sqrt(dt), np.sqrt(t)

    def cross_above(self, c: float) -> float:
        mean, h, m1, sd, st = self._moments()
        if m1 is not None:
            return float(norm.sf(c - m1))
        return float(np.sum(h * norm.sf((c * st - mean) / sd)))

    def cross_below(self, a: float) -> float:
        mean, h, m1, sd, st = self._moments()
        if m1 is not None:
            return float(norm.cdf(a - m1))
        return float(np.sum(h * norm.cdf((a * st - mean) / sd)))

    def advance(self, lo: float, hi: float) -> None:
        mean, h, m1, sd, st = self._moments()
        z, w = _grid(self.theta * st, lo, hi)
        if m1 is not None:
            dens = norm.pdf(z - m1)
        else:
            dens = (norm.pdf((z[:, None] * st - mean[None, :]) / sd) * (st / sd)) @ h
        self.z, self.h = z, w * dens
        self.k += 1


def _solve(f, target: float, lo: float = -INFINITE_Z, hi: float = INFINITE_Z) -> float:
    """The c in [lo, hi] with f(c) = target (f monotone); brentq to 1e-10."""
    g = lambda c: f(c) - target  # noqa: E731
    flo, fhi = g(lo), g(hi)
    if flo * fhi > 0:
        return lo if abs(flo) < abs(fhi) else hi
    return float(optimize.brentq(g, lo, hi, xtol=1e-10, rtol=1e-12))


@dataclass(frozen=True)
class Boundaries:
    """Monitoring boundaries at increasing information fractions (z scale).

    ``alpha_spent`` is the cumulative (two-sided, both sides together) α spent by each look; ``upper``
    and ``lower`` the efficacy/harm boundaries; ``futility_upper``/``futility_lower`` the non-binding
    futility wedge (NaN where there is none or without futility); ``inflation`` the factor R by which
    the information is inflated so that the futility and efficacy boundaries meet (1 without futility).
    """

    fraction: np.ndarray
    alpha_spent: np.ndarray
    upper: np.ndarray
    lower: np.ndarray
    alpha: float
    side: int
    futility_upper: np.ndarray = field(default=None)
    futility_lower: np.ndarray = field(default=None)
    beta: float = float("nan")
    inflation: float = 1.0

    def frame(self):
        import pandas as pd

        out = pd.DataFrame({"look": np.arange(1, len(self.fraction) + 1), "fraction": self.fraction,
                            "alpha_spent": self.alpha_spent, "upper": self.upper, "lower": self.lower})
        if self.futility_upper is not None:
            out["futility_upper"] = self.futility_upper
            out["futility_lower"] = self.futility_lower
        return out


def _check_fractions(fractions) -> np.ndarray:
    t = np.asarray(fractions, dtype=float).ravel()
    if t.size == 0:
        raise ValueError("at least one information fraction is needed")
    if not np.isfinite(t).all() or (t <= 0).any():
        raise ValueError("information fractions must be positive numbers")
    if (np.diff(t) <= 0).any():
        raise ValueError("information fractions must increase strictly")
    return t


def _efficacy(t: np.ndarray, alpha: float, side: int) -> tuple[np.ndarray, np.ndarray]:
    """(cumulative α spent over both sides, upper boundary) at fractions t (already checked)."""
    a_side = alpha / side
    timing = t / t.max() if t.max() > 1 else t  # RTSA: beyond the RIS, the last look spends the rest
    cum = of_spending(timing, a_side)
    incr = np.diff(np.concatenate([[0.0], cum]))
    rec = _Recursion(t)
    upper = np.empty(len(t))
    for k in range(len(t)):
        if incr[k] < SPEND_TOL:
            upper[k] = INFINITE_Z
        else:
            upper[k] = _solve(rec.cross_above, incr[k], 0.0, INFINITE_Z * 2)
        rec.advance(-upper[k] if side == 2 else -INFINITE_Z, upper[k])
    return cum * side, upper


def _futility_at(t: np.ndarray, upper: np.ndarray, beta: float, delta: float, root: float,
                 skip: int = 0) -> np.ndarray:
    """Futility boundaries a_k (z scale, direction of the effect) for information t·root."""
    timing = t.copy()
    timing[:skip] = 0.0
    cum = of_spending(np.minimum(timing, 1.0), beta)
    incr = np.diff(np.concatenate([[0.0], cum]))
    rec = _Recursion(t * root, delta)
    a = np.empty(len(t))
    for k in range(len(t)):
        if incr[k] < SPEND_TOL:
            a[k] = -INFINITE_Z
        else:
            a[k] = _solve(rec.cross_below, incr[k], -INFINITE_Z, INFINITE_Z)
        rec.advance(a[k], upper[k])
    return a


def _futility(t: np.ndarray, upper: np.ndarray, alpha: float, beta: float, side: int):
    """RTSA's non-binding design: the inflation R with a_K = c_K, looks with a_k < 0 without futility."""
    delta = norm.isf(alpha / side) + norm.isf(beta)

    def meet(root, skip=0):
        return _futility_at(t, upper, beta, delta, root, skip)[-1] - upper[-1]

    def root_of(skip):
        lo, hi = 0.5, 1.1
        while meet(hi, skip) < 0 and hi < 10:
            lo, hi = hi, hi + 0.5
        return float(optimize.brentq(meet, lo, hi, args=(skip,), xtol=1e-10))

    root = root_of(0)
    a = _futility_at(t, upper, beta, delta, root)
    skip = int(np.sum(a < 0)) if side == 2 else 0
    if skip:
        skip = min(skip, len(t) - 1)
        root = root_of(skip)
        a = _futility_at(t, upper, beta, delta, root, skip)
    return a, root


def boundaries(fractions, alpha: float = 0.05, side: int = 2, beta: float | None = None,
               futility: str = "none") -> Boundaries:
    """Lan–DeMets O'Brien–Fleming-type boundaries at ``fractions`` (strictly increasing, > 0).

    ``alpha`` is the total type I error (two-sided for ``side=2``: α/2 per side); with
    ``futility="non-binding"`` and ``beta``, the futility boundaries of RTSA's non-binding design.
    """
    t = _check_fractions(fractions)
    if side not in (1, 2):
        raise ValueError("side must be 1 or 2")
    if not 0 < alpha < 1:
        raise ValueError("alpha must be between 0 and 1")
    if futility not in FUTILITY:
        raise ValueError(f"futility must be one of {', '.join(FUTILITY)}")
    spent, upper = _efficacy(t, alpha, side)
    lower = -upper if side == 2 else np.full(len(t), -INFINITE_Z)
    if futility == "none":
        return Boundaries(t, spent, upper, lower, alpha, side)
    if beta is None or not 0 < beta < 1:
        raise ValueError("futility boundaries need beta between 0 and 1")
    a, root = _futility(t, upper, alpha, beta, side)
    has = a > -INFINITE_Z
    if side == 2:
        has &= a >= 0
    fu = np.where(has, a, np.nan)
    fl = -fu if side == 2 else np.full(len(t), np.nan)
    return Boundaries(t, spent, upper, lower, alpha, side, fu, fl, beta, root)


def crossing_probabilities(b: Boundaries, theta: float = 0.0) -> np.ndarray:
    """P(first crossing of an efficacy boundary at each look) under drift θ (by integration; the
    futility boundaries are ignored: they are non-binding)."""
    rec = _Recursion(b.fraction * b.inflation, theta)
    out = np.empty(len(b.fraction))
    for k in range(len(b.fraction)):
        out[k] = rec.cross_above(b.upper[k]) + (rec.cross_below(b.lower[k]) if b.side == 2 else 0.0)
        rec.advance(b.lower[k], b.upper[k])
    return out


# ---------------------------------------------------------------------------------------------
# monitoring a cumulative meta-analysis


def tested_looks(fractions, min_increment: float = MIN_INCREMENT) -> np.ndarray:
    """Which looks are tested: fraction above ``min_increment`` and more than ``min_increment``
    beyond the previous trial's fraction (among those above it), as RTSA ``RTSA()``."""
    t = np.asarray(fractions, dtype=float)
    ok = t > min_increment
    idx = np.flatnonzero(ok)
    inc = np.diff(np.concatenate([[0.0], t[idx]]))
    keep = np.zeros(len(t), bool)
    keep[idx[inc > min_increment]] = True
    return keep


@dataclass(frozen=True)
class Monitoring:
    """One outcome's sequential analysis: per look (trials in order) and the result at the last look.

    ``looks`` is a dict of arrays: ``look, study_id, participants, fraction, z, upper, lower,
    futility_upper, futility_lower, tested, crossed``, with fraction = participants / ``ris``. ``ris`` is
    the required information size used: ``ris_heterogeneity`` (the heterogeneity-adjusted size) times
    ``inflation`` (RTSA's factor for a design with futility; 1 without); ``ris_unadjusted`` has no
    heterogeneity adjustment.
    """

    looks: dict
    ris: float
    ris_heterogeneity: float
    ris_unadjusted: float
    control_risk: float
    rr_assumed: float
    alpha: float
    beta: float
    heterogeneity: str
    heterogeneity_value: float
    model: str
    inflation: float
    rr: float
    ci_low: float
    ci_high: float
    adjusted_ci_low: float
    adjusted_ci_high: float
    final_boundary: float
    z: float
    participants: int
    crossed: str
    design: Boundaries | None = None

    @property
    def fraction(self) -> float:
        return self.participants / self.ris if self.ris > 0 else float("nan")

    def frame(self):
        import pandas as pd

        return pd.DataFrame(self.looks)


def _cumulative(a, n1, c, n2, model: str):
    """(log RR, SE, I² %, D²) of the pool of the first k trials, k = 1..K, under ``model``."""
    K = len(a)
    lower = np.tril(np.ones((K, K), bool))   # row k: trials 0..k
    rows, cols = np.nonzero(lower)
    if model in ("MH", "MH-cc"):
        res = mh.pool_arrays(a[cols], n1[cols], c[cols], n2[cols], rows, K, model)
        log_rr, se, i2 = res["log_rr"], res["se_log_rr"], res["i2"]
    else:
        log_rr, se, i2 = (np.full(K, np.nan) for _ in range(3))
    st = mh.study_arrays(a, n1, c, n2, "MH-cc")
    y, v = st["log_rr"], st["var_log_rr"]
    d2 = np.zeros(K)
    for k in range(K):
        ok = ~np.isnan(y[: k + 1])
        yk, vk = y[: k + 1][ok], v[: k + 1][ok]
        if len(yk) >= 2:
            tau2_method = model if model in randeff.TAU2_METHODS else "DL"
            r = randeff.random_effects(yk, vk, tau2_method, "z")
            d2[k] = diversity(vk, r["tau2"])
            if model in randeff.TAU2_METHODS:
                log_rr[k], se[k], i2[k] = r["mu"], r["se"], r["i2"]
        elif model in randeff.TAU2_METHODS and len(yk) == 1:
            log_rr[k], se[k] = yk[0], np.sqrt(vk[0])
    return log_rr, se, i2, d2


def monitor(study_id, a, n1, c, n2, *, rr: float | str = 1.2, control_risk: float | None = None,
            alpha: float = 0.05, beta: float = 0.2, heterogeneity: str = "none", model: str = "MH-cc",
            futility: str = "none", higher_is: str = "better", future_step: float = 0.1) -> Monitoring:
    """Trial sequential analysis of one outcome; the trials are given in the order of their looks.

    Parameters
    ----------
    study_id, a, n1, c, n2 : per trial, in look order (publication year, then study id): the TAC arm's
        events and total, the control arm's events and total.
    rr : the relative risk the RIS is powered for, or ``"ci"``: the limit of the pooled (last look)
        confidence interval nearest to no effect.
    control_risk : default the pooled control-arm risk Σc/Σn2 of all trials.
    alpha, beta : two-sided type I error and type II error.
    heterogeneity : ``"none"``, ``"I2"`` (the last look's I²) or ``"D2"`` (its diversity D²).
    model : ``"MH-cc"`` or ``"MH"`` (Mantel–Haenszel fixed effect, the review's rules) or ``"DL"`` /
        ``"REML"`` (random effects; then use ``heterogeneity="D2"``).
    futility : ``"none"`` or ``"non-binding"``.
    higher_is : ``"better"`` when RR > 1 favours tacrolimus (responses): crossing the upper boundary
        is then "efficacy" and the lower "harm"; ``"worse"`` swaps the two words.
    future_step : the design behind the boundaries is the tested looks followed by planned looks every
        ``future_step`` of the RIS up to the RIS (0 or None: the RIS only). The efficacy boundaries of
        past looks do not depend on it (α-spending); with futility, the inflation factor R does. The
        design's boundaries are ``Monitoring.design`` (for the figure).
    """
    if heterogeneity not in HETEROGENEITY:
        raise ValueError(f"heterogeneity must be one of {', '.join(HETEROGENEITY)}")
    if model not in ("MH", "MH-cc", "DL", "REML"):
        raise ValueError("model must be MH, MH-cc, DL or REML")
    a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (a, n1, c, n2))
    K = len(a)
    if K == 0:
        raise ValueError("no trial with counts")
    log_rr, se, i2, d2 = _cumulative(a, n1, c, n2, model)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = log_rr / se
    participants = np.cumsum(n1 + n2)
    pc = float(np.sum(c) / np.sum(n2)) if control_risk is None else float(control_risk)
    zq = norm.isf(alpha / 2)
    last_rr, last_lo, last_hi = np.exp(log_rr[-1]), np.exp(log_rr[-1] - zq * se[-1]), np.exp(log_rr[-1] + zq * se[-1])
    if isinstance(rr, str):
        if rr != "ci":
            raise ValueError("rr must be a number or 'ci'")
        rr_assumed = last_lo if last_rr >= 1 else last_hi
    else:
        rr_assumed = float(rr)
    hval = {"none": 0.0, "I2": (0.0 if np.isnan(i2[-1]) else i2[-1] / 100), "D2": d2[-1]}[heterogeneity]
    ris_unadjusted = required_information_size(pc, rr_assumed, alpha, beta)
    ris = required_information_size(pc, rr_assumed, alpha, beta, hval)
    nan = np.full(K, np.nan)
    looks = {"look": np.arange(1, K + 1), "study_id": list(study_id), "participants": participants.astype(int),
             "fraction": participants / ris if np.isfinite(ris) else nan.copy(), "z": z,
             "upper": nan.copy(), "lower": nan.copy(), "futility_upper": nan.copy(), "futility_lower": nan.copy(),
             "tested": np.zeros(K, bool), "crossed": [""] * K}
    base = dict(ris=ris, ris_heterogeneity=ris, ris_unadjusted=ris_unadjusted, control_risk=pc, rr_assumed=rr_assumed, alpha=alpha, beta=beta,
                heterogeneity=heterogeneity, heterogeneity_value=float(hval), model=model, rr=float(last_rr),
                ci_low=float(last_lo), ci_high=float(last_hi), z=float(z[-1]), participants=int(participants[-1]))
    if not np.isfinite(ris):
        return Monitoring(looks, inflation=1.0, adjusted_ci_low=np.nan, adjusted_ci_high=np.nan,
                          final_boundary=np.nan, crossed="no RIS (check the assumed RR and control risk)", **base)
    u = participants / ris
    tested = tested_looks(u) & np.isfinite(z)
    looks["tested"] = tested
    idx = np.flatnonzero(tested)
    inflation = 1.0
    design_b = None
    if len(idx):
        def plan(tau):
            """The tested looks, then planned looks every ``future_step`` of the RIS, then the RIS."""
            if tau[-1] >= 1:
                return tau
            step = future_step or 1.0
            later = np.arange(1, int(np.floor(1 / step + 1e-9)) + 1) * step
            later = later[(later > tau[-1] + MIN_INCREMENT) & (later < 1 - 1e-9)]
            return np.concatenate([tau, later, [1.0]])

        if futility == "non-binding":
            for _ in range(20):  # fractions of the inflated RIS: a fixed point in R
                b = boundaries(plan(u[idx] / inflation), alpha, 2, beta, "non-binding")
                if abs(b.inflation - inflation) < 1e-7:
                    break
                inflation = b.inflation
        else:
            b = boundaries(plan(u[idx]), alpha, 2)
        n = len(idx)
        looks["upper"][idx], looks["lower"][idx] = b.upper[:n], b.lower[:n]
        if b.futility_upper is not None:
            looks["futility_upper"][idx], looks["futility_lower"][idx] = b.futility_upper[:n], b.futility_lower[:n]
        design_b = b
    looks["fraction"] = u / inflation
    words = ("efficacy", "harm") if higher_is == "better" else ("harm", "efficacy")
    for k in range(K):
        if not tested[k]:
            looks["crossed"][k] = "not tested"
            continue
        if z[k] >= looks["upper"][k]:
            looks["crossed"][k] = words[0]
        elif z[k] <= looks["lower"][k]:
            looks["crossed"][k] = words[1]
        elif np.isfinite(looks["futility_upper"][k]) and abs(z[k]) < looks["futility_upper"][k]:
            looks["crossed"][k] = "futility"
        elif u[k] * 1 >= inflation:
            looks["crossed"][k] = "ris reached"
        else:
            looks["crossed"][k] = "none"
    final = looks["upper"][idx[-1]] if len(idx) else np.nan
    # no adjusted interval while the boundary is RTSA's infinite one (too early for any α to be spent)
    half = final * se[-1] if final < INFINITE_Z else np.nan
    first = next((looks["crossed"][k] for k in range(K) if looks["crossed"][k] in ("efficacy", "harm", "futility")),
                 None)
    now = looks["crossed"][idx[-1]] if len(idx) else "not tested"
    crossed = now if now in ("efficacy", "harm", "futility", "ris reached", "not tested") else (first or "none")
    return Monitoring(looks, inflation=inflation, final_boundary=float(final), design=design_b,
                      adjusted_ci_low=float(np.exp(log_rr[-1] - half)),
                      adjusted_ci_high=float(np.exp(log_rr[-1] + half)), crossed=crossed,
                      **{**base, "ris": ris * inflation})
