"""Which trials enter which pool, and the pooled tables.

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
analysis.

Editions (the one convention of the package)
--------------------------------------------
Every function that selects studies takes ``edition``:

``edition=None``  the living review: every study in ``data/studies.csv`` (all editions);
``edition=2016``  the studies of the 2016 review only (``added_in <= 2016``), which is
                  :data:`EDITION_2016`; the reproduction of the published estimates and the
                  review's printed tables always pass it explicitly.

Warnings
--------
Degenerate pools (no events in one arm, zero variance) give NaN with a
:class:`~livingreview.mh.DegeneratePoolWarning`. The book's pages show such pools as
"not estimable"; :func:`quiet` is the one place that silences the warning for them.
"""
from __future__ import annotations

import contextlib
import re
import warnings

import numpy as np
import pandas as pd

from . import mh, randeff
from .data import Review
from .mh import COUNT_COLUMNS

ANALYSES = ("efficacy", "safety", "maintenance")
SUBGROUPS = ("all", "duo", "triple")
REGIMENS = ("duo", "triple")
PRIMARY = "MH-cc"
#: The review's edition: the reproduction table is always built from these studies.
EDITION_2016 = 2016

#: Columns of a pooled table (``results/pooled_estimates.csv`` adds nothing and drops the two last).
POOLED_TABLE_COLUMNS = ["analysis", "outcome", "subgroup", "method"] + mh.POOLED_COLUMNS + ["log_rr", "se_log_rr"]


@contextlib.contextmanager
def quiet():
    """Silence :class:`~livingreview.mh.DegeneratePoolWarning` (pages show such pools as not estimable)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mh.DegeneratePoolWarning)
        yield


def _surname(author: str) -> str:
    """'Ray Chaudhury A' -> 'Ray Chaudhury'; 'Liu Z' -> 'Liu'; no trailing initials -> first word.

    The initials are the last token (``A``, ``JC``, ``A-M``, ``J.``); every word before them is the surname.
    """
    words = str(author).split()
    if len(words) > 1 and re.fullmatch(r"(?:[A-Z]\.?-?){1,4}", words[-1]):
        return " ".join(words[:-1])
    return words[0] if words else ""


def author_label(first_author, year) -> str:
    """'Ray Chaudhury A', 2023 -> 'Ray Chaudhury 2023' (the one label of a study on every page)."""
    return f"{_surname(first_author)} {year}"


def study_label(studies: pd.DataFrame) -> pd.Series:
    """'Liu 2015' style labels: the first author's surname (every word but trailing initials) and year."""
    return pd.Series([author_label(a, y) for a, y in zip(studies["first_author"], studies["year"])],
                     index=studies.index, dtype=object)


def trials(review: Review, analysis: str, edition: int | None = None) -> pd.DataFrame:
    """The trials (one row per study) of one analysis, with a ``label`` column."""
    if analysis not in ANALYSES:
        raise ValueError(f"unknown analysis {analysis!r}; use one of {', '.join(ANALYSES)}")
    st = review.studies.copy()
    st["label"] = study_label(st)
    if edition is not None:
        st = st[st["added_in"] <= edition]
    phase = "maintenance" if analysis == "maintenance" else "induction"
    return st[(st["design"] == "rct") & (st["phase"] == phase)].reset_index(drop=True)


def trial_rows(review: Review, analysis: str, edition: int | None = None) -> pd.DataFrame:
    """Every (trial, outcome) row of one analysis, with study attributes; counts may be missing.

    Trials of the right design and phase that have no row at all for an outcome of
    the analysis are added with ``provenance == "missing"``, so gaps stay visible.
    """
    tr = trials(review, analysis, edition)
    out = review.outcomes.merge(tr[["study_id"]], on="study_id")
    if analysis != "maintenance":
        out = out[out["outcome"].map(review.kind) == analysis]
    # make absent (trial, outcome) pairs explicit as missing
    grid = tr[["study_id"]].merge(pd.DataFrame({"outcome": out["outcome"].unique()}), how="cross")
    out = grid.merge(out, on=["study_id", "outcome"], how="left")
    out["provenance"] = out["provenance"].fillna("missing")
    out["source"] = out["source"].fillna("No row in outcomes.csv for this outcome.")
    cols = ["study_id", "label", "first_author", "year", "regimen", "comparator", "added_in", "n_patients"]
    out = out.merge(tr[cols], on="study_id")
    out.insert(0, "analysis", analysis)
    return out.sort_values(["outcome", "regimen", "year", "study_id"]).reset_index(drop=True)


def has_counts(rows: pd.DataFrame) -> pd.Series:
    """True where all four counts are present."""
    return rows[list(COUNT_COLUMNS)].notna().all(axis=1)


def with_counts(review: Review, analysis: str, edition: int | None = None) -> pd.DataFrame:
    """The rows of :func:`trial_rows` that have all four counts (what a pool can use)."""
    rows = trial_rows(review, analysis, edition)
    return rows[has_counts(rows)].reset_index(drop=True)


def with_subgroups(rows: pd.DataFrame, analysis: str) -> pd.DataFrame:
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
        rows = with_counts(review, analysis, edition)
        if exclude_unverified:
            rows = rows[rows["provenance"] != "unverified"]
        stacked.append(with_subgroups(rows, analysis))
    data = pd.concat(stacked, ignore_index=True)
    with quiet():
        res = pd.concat([mh.pool(data, ["analysis", "outcome", "subgroup"], m) for m in methods],
                        ignore_index=True)
    order = {a: i for i, a in enumerate(ANALYSES)}
    sub_order = {s: i for i, s in enumerate(SUBGROUPS)}
    meth_order = {m: i for i, m in enumerate(methods)}
    res = res.sort_values(
        ["analysis", "outcome", "subgroup", "method"],
        key=lambda s: s.map(order) if s.name == "analysis" else s.map(sub_order) if s.name == "subgroup"
        else s.map(meth_order) if s.name == "method" else s,
    )
    return res[POOLED_TABLE_COLUMNS].reset_index(drop=True)


def pool_row(pooled: pd.DataFrame, analysis: str, outcome: str, subgroup: str = "all",
             method: str = PRIMARY) -> pd.Series | None:
    """One row of a pooled table, or ``None`` when no trial has counts for that pool."""
    t = pooled[(pooled["analysis"] == analysis) & (pooled["outcome"] == outcome)
               & (pooled["subgroup"] == subgroup) & (pooled["method"] == method)]
    return None if t.empty else t.iloc[0]


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
    groups = [g for g in REGIMENS if by_regimen and (rows["regimen"] == g).any()]
    with quiet():
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
    labels = review.code_labels("regimen")
    return {"studies": studies, "pooled": pooled, "subgroups": groups, "method": method,
            "analysis": analysis, "outcome": outcome, "subgroup_labels": {g: labels[g] for g in groups}}


def weights(review: Review, analysis: str, outcome: str, method: str = PRIMARY,
            edition: int | None = None) -> pd.DataFrame:
    """MH weight (%) of every trial with counts in the overall pool of an outcome, heaviest first."""
    s = forest_data(review, analysis, outcome, method, edition)["studies"]
    s = s[s["has_counts"]][["study_id", "label", "weight_all"]].rename(columns={"weight_all": "weight"})
    return s.sort_values("weight", ascending=False).reset_index(drop=True)


def random_effects_results(review: Review, analyses=("efficacy", "safety")) -> pd.DataFrame:
    """Every pool of 2+ trials × τ² method × CI method (``results/random_effects.csv``)."""
    parts = []
    for a in analyses:
        rows = with_subgroups(with_counts(review, a), a)
        t = randeff.random_effects_table(rows, ("outcome", "subgroup"))
        parts.append(t.assign(analysis=a))
    out = pd.concat(parts, ignore_index=True)
    return out[["analysis"] + randeff.RE_COLUMNS]
