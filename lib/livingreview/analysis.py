"""The analyses of the book: which trials enter which pool, and the results tables.

Everything a notebook shows is computed here from a validated
:class:`~livingreview.data.Review`; notebooks only call and display.

Pools (as in Kraaij 2016)
-------------------------
``efficacy``
    Induction RCTs (``design == "rct"``, ``phase == "induction"``), outcomes of kind
    ``efficacy``; overall (``subgroup == "all"``) and by regimen (``duo``, ``triple``).
``safety``
    The same trials, outcomes of kind ``safety``.
``maintenance``
    Maintenance RCTs, every outcome they report; overall only.

``MH-cc`` (the review's Stata rule) is the primary analysis, ``MH`` the sensitivity
analysis. The 2016 analysis is the same computation restricted to the studies with
``added_in == 2016``.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from . import mh
from .data import COUNT_COLUMNS, Review

ANALYSES = ("efficacy", "safety", "maintenance")
SUBGROUPS = ("all", "duo", "triple")
PRIMARY = "MH-cc"
#: The review's edition: the reproduction table is always built from these studies.
EDITION_2016 = 2016

RESULT_COLUMNS = ["analysis", "outcome", "subgroup", "method"] + mh.POOLED_COLUMNS


def study_label(studies: pd.DataFrame) -> pd.Series:
    """'Liu 2015' style labels (surname of the first author and year)."""
    surname = studies["first_author"].str.split().str[0]
    return surname + " " + studies["year"].astype(str)


def trial_rows(review: Review, analysis: str, edition: int | None = None) -> pd.DataFrame:
    """Every (trial, outcome) row of one analysis, with study attributes; counts may be missing.

    Trials of the right design and phase that have no row at all for an outcome of
    the analysis are added with ``provenance == "missing"``, so gaps stay visible.
    """
    if analysis not in ANALYSES:
        raise ValueError(f"unknown analysis {analysis!r}; use one of {', '.join(ANALYSES)}")
    st = review.studies.copy()
    st["label"] = study_label(st)
    if edition is not None:
        st = st[st["added_in"] <= edition]
    phase = "maintenance" if analysis == "maintenance" else "induction"
    trials = st[(st["design"] == "rct") & (st["phase"] == phase)]
    kinds = review.vocabulary.set_index("outcome")["kind"]
    out = review.outcomes.merge(trials[["study_id"]], on="study_id")
    out = out[out["outcome"].map(kinds) == analysis] if analysis != "maintenance" else out
    # make absent (trial, outcome) pairs explicit as missing
    grid = trials[["study_id"]].merge(pd.DataFrame({"outcome": out["outcome"].unique()}), how="cross")
    out = grid.merge(out, on=["study_id", "outcome"], how="left")
    out["provenance"] = out["provenance"].fillna("missing")
    out["source"] = out["source"].fillna("No row in outcomes.csv for this outcome.")
    cols = ["study_id", "label", "first_author", "year", "regimen", "comparator", "added_in", "n_patients"]
    out = out.merge(trials[cols], on="study_id")
    out.insert(0, "analysis", analysis)
    return out.sort_values(["outcome", "regimen", "year", "study_id"]).reset_index(drop=True)


def has_counts(rows: pd.DataFrame) -> pd.Series:
    """True where all four counts are present."""
    return rows[list(COUNT_COLUMNS)].notna().all(axis=1)


def _with_subgroups(rows: pd.DataFrame, analysis: str) -> pd.DataFrame:
    """Stack each row once as ``all`` and, for induction, once under its regimen."""
    parts = [rows.assign(subgroup="all")]
    if analysis != "maintenance":
        parts.append(rows.assign(subgroup=rows["regimen"]))
    return pd.concat(parts, ignore_index=True)


def pooled_estimates(review: Review, edition: int | None = None, exclude_unverified: bool = False,
                     methods=("MH-cc", "MH")) -> pd.DataFrame:
    """Every pool of every analysis with both zero-cell rules, in one vectorised call.

    One row per (analysis, outcome, subgroup, method) for which at least one trial
    has counts: ``all`` always, a regimen when one of its trials has counts.
    """
    stacked = []
    for analysis in ANALYSES:
        rows = trial_rows(review, analysis, edition)
        rows = rows[has_counts(rows)]
        if exclude_unverified:
            rows = rows[rows["provenance"] != "unverified"]
        stacked.append(_with_subgroups(rows, analysis))
    data = pd.concat(stacked, ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mh.DegeneratePoolWarning)
        res = pd.concat([mh.pool(data, ["analysis", "outcome", "subgroup"], m) for m in methods], ignore_index=True)
    order = {a: i for i, a in enumerate(ANALYSES)}
    sub_order = {s: i for i, s in enumerate(SUBGROUPS)}
    meth_order = {m: i for i, m in enumerate(methods)}
    res = res.sort_values(
        ["analysis", "outcome", "subgroup", "method"],
        key=lambda s: s.map(order) if s.name == "analysis" else s.map(sub_order) if s.name == "subgroup"
        else s.map(meth_order) if s.name == "method" else s,
    )
    return res[RESULT_COLUMNS + ["log_rr", "se_log_rr"]].reset_index(drop=True)


def forest_data(review: Review, analysis: str, outcome: str, method: str = PRIMARY,
                edition: int | None = None, by_regimen: bool = True) -> dict:
    """What a forest plot of one outcome needs: study rows (with weights) and pooled rows.

    Returns a dict with ``studies`` (one row per trial, counts possibly missing, with
    ``rr, ci_low, ci_high, weight`` within its subgroup and within the whole pool),
    ``pooled`` (rows of :func:`livingreview.mh.pool` for each subgroup and ``all``)
    and ``subgroups`` (the regimens shown, in order).
    """
    rows = trial_rows(review, analysis, edition)
    rows = rows[rows["outcome"] == outcome].reset_index(drop=True)
    ok = has_counts(rows)
    avail = rows[ok]
    groups = [g for g in ("duo", "triple") if by_regimen and (rows["regimen"] == g).any()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mh.DegeneratePoolWarning)
        if len(avail):
            w_sub = mh.study_weights(avail, ["regimen"], method)
            w_all = mh.study_weights(avail, None, method)
            pooled_all = mh.pool(avail, None, method).assign(subgroup="all")
            pooled_sub = mh.pool(avail, ["regimen"], method).rename(columns={"regimen": "subgroup"})
            pooled = pd.concat([pooled_sub, pooled_all], ignore_index=True)
        else:
            w_sub = w_all = None
            pooled = pd.DataFrame(columns=["subgroup"] + mh.POOLED_COLUMNS)
    studies = rows.copy()
    for col in ("rr", "ci_low", "ci_high", "weight", "weight_all"):
        studies[col] = np.nan
    if w_sub is not None:
        idx = avail.index
        studies.loc[idx, ["rr", "ci_low", "ci_high"]] = w_sub[["rr", "ci_low", "ci_high"]].to_numpy()
        studies.loc[idx, "weight"] = w_sub["weight"].to_numpy()
        studies.loc[idx, "weight_all"] = w_all["weight"].to_numpy()
    studies["has_counts"] = ok
    return {"studies": studies, "pooled": pooled, "subgroups": groups, "method": method,
            "analysis": analysis, "outcome": outcome}


def outcome_label(review: Review, outcome: str) -> str:
    """Human label of an outcome from the vocabulary."""
    return review.vocabulary.set_index("outcome").loc[outcome, "label"]


def weight_share(review: Review, study_id: str, analysis: str, outcome: str, method: str = PRIMARY,
                 edition: int | None = None) -> float:
    """MH weight (%) of one trial in the overall pool of an outcome (NaN if it has no counts)."""
    fd = forest_data(review, analysis, outcome, method, edition)
    s = fd["studies"].set_index("study_id")
    return float(s.loc[study_id, "weight_all"]) if study_id in s.index else float("nan")


def results_table(pooled: pd.DataFrame, review: Review, analysis: str, method: str = PRIMARY) -> pd.DataFrame:
    """A readable table of the pooled results of one analysis (one rule)."""
    t = pooled[(pooled["analysis"] == analysis) & (pooled["method"] == method)].copy()
    labels = review.vocabulary.set_index("outcome")["label"]
    t["Outcome"] = t["outcome"].map(labels)
    t["Subgroup"] = t["subgroup"]
    t["Trials"] = t["k"]
    t["TAC events/total"] = t["tac_events"].astype(str) + "/" + t["tac_total"].astype(str)
    t["Control events/total"] = t["ctl_events"].astype(str) + "/" + t["ctl_total"].astype(str)
    t["RR (95% CI)"] = [fmt_rr(r, lo, hi) for r, lo, hi in zip(t["rr"], t["ci_low"], t["ci_high"])]
    t["p"] = t["p"].map(fmt_p)
    t["I² (%)"] = t["i2"].map(lambda v: "–" if pd.isna(v) else f"{v:.0f}")
    cols = ["Outcome", "Subgroup", "Trials", "TAC events/total", "Control events/total", "RR (95% CI)", "p", "I² (%)"]
    return t[cols].reset_index(drop=True)


def fmt_rr(rr: float, lo: float, hi: float, digits: int = 2) -> str:
    """'1.23 (1.12 to 1.34)'; 'not estimable' for NaN."""
    if pd.isna(rr):
        return "not estimable"
    if pd.isna(lo) or pd.isna(hi):
        return f"{rr:.{digits}f} (no CI)"
    return f"{rr:.{digits}f} ({lo:.{digits}f} to {hi:.{digits}f})"


def fmt_p(p: float) -> str:
    """p-value for text: '<0.001' below one in a thousand, three decimals otherwise."""
    if pd.isna(p):
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"
