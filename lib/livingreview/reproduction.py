"""Comparing our pools with the 16 estimates printed by Kraaij 2016.

For each published estimate (``data/published_estimates.csv``) we pool the same
trials of the 2016 edition with the review's rule (``MH-cc``) and set ``status``:

``reproduced``
    every contributing trial has counts and our RR and both bounds are within
    ±0.01 of the printed two-decimal values;
``differs``
    every contributing trial has counts but the numbers disagree;
``not_reproducible``
    counts of at least one contributing trial are missing. ``our_*`` then holds the
    pool of the trials that have counts (``our_k`` of ``k_needed``), for information.

``reason`` names the trials and outcomes whose counts are missing, and what each
alternative value of an ambiguous count (``data/ambiguous_counts.csv``) gives.
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from . import mh
from .fmt import fmt_rr
from . import pools
from .pools import EDITION_2016, PRIMARY, has_counts, trial_rows
from .data import Review

TOLERANCE = 0.01  # half-way beyond the printed two decimals: one unit of the last digit

REPRODUCTION_COLUMNS = [
    "analysis", "outcome", "subgroup", "rr", "ci_low", "ci_high",
    "k_needed", "our_k", "our_rr", "our_ci_low", "our_ci_high", "status", "reason",
]


def contributing_rows(review: Review, analysis: str, outcome: str, subgroup: str) -> pd.DataFrame:
    """The 2016 trials (with or without counts) that a published estimate pooled."""
    rows = trial_rows(review, analysis, EDITION_2016)
    rows = rows[rows["outcome"] == outcome]
    if subgroup != "all":
        rows = rows[rows["regimen"] == subgroup]
    return rows.reset_index(drop=True)


def _pool_one(rows: pd.DataFrame) -> pd.Series:
    with pools.quiet():
        return mh.pool(rows, None, PRIMARY).iloc[0]


def _agrees(ours: pd.Series, pub: pd.Series) -> bool:
    vals = [(ours["rr"], pub["rr"]), (ours["ci_low"], pub["ci_low"]), (ours["ci_high"], pub["ci_high"])]
    return all(pd.notna(o) and abs(round(o, 2) - p) <= TOLERANCE + 1e-9 for o, p in vals)


def _alternatives(review: Review, rows: pd.DataFrame, pub: pd.Series) -> list[str]:
    """Pool again with each alternative of every ambiguous count among ``rows``."""
    notes = []
    amb = review.ambiguous
    for _, a in amb.iterrows():
        hit = rows[(rows["study_id"] == a["study_id"]) & (rows["outcome"] == a["outcome"])]
        if hit.empty or not has_counts(hit).all():
            continue
        label = hit["label"].iloc[0]
        arm = "control" if a["arm"] == "ctl" else "TAC"
        parts = []
        for alt in [int(x) for x in str(a["alternatives"]).split(";")]:
            alt_rows = rows.copy()
            alt_rows.loc[hit.index, f"{a['arm']}_events"] = alt
            if has_counts(alt_rows).all():
                r = _pool_one(alt_rows)
                match = " = published" if _agrees(r, pub) else ""
                parts.append(f"{alt} gives {fmt_rr(r['rr'], r['ci_low'], r['ci_high'])}{match}")
        alts = str(a["alternatives"]).replace(";", " or ")
        notes.append(f"{label} {arm} {review.label(a['outcome']).lower()} is ambiguous ({alts} fit the source; {a['used']} is used): "
                     + "; ".join(parts))
    return notes


def reproduction_table(review: Review) -> pd.DataFrame:
    """One row per published estimate: published values, ours, status and reason."""
    out = []
    for _, pub in review.published.iterrows():
        rows = contributing_rows(review, pub["analysis"], pub["outcome"], pub["subgroup"])
        ok = has_counts(rows)
        rec = {k: pub[k] for k in ("analysis", "outcome", "subgroup", "rr", "ci_low", "ci_high")}
        rec["k_needed"] = len(rows)
        rec["our_k"] = int(ok.sum())
        if ok.any():
            r = _pool_one(rows[ok])
            rec["our_rr"], rec["our_ci_low"], rec["our_ci_high"] = r["rr"], r["ci_low"], r["ci_high"]
        else:
            rec["our_rr"] = rec["our_ci_low"] = rec["our_ci_high"] = np.nan
        reasons = []
        missing = rows[~ok]
        if len(missing):
            rec["status"] = "not_reproducible"
            names = ", ".join(missing["label"])
            reasons.append(f"counts missing for {names} ({review.label(pub['outcome']).lower()})")
            if ok.any():
                reasons.append(f"our pool holds {int(ok.sum())} of {len(rows)} trials")
        else:
            ours = pd.Series({"rr": rec["our_rr"], "ci_low": rec["our_ci_low"], "ci_high": rec["our_ci_high"]})
            rec["status"] = "reproduced" if _agrees(ours, pub) else "differs"
        unverified = rows[ok & (rows["provenance"] == "unverified")]
        if len(unverified):
            reasons.append("uses unverified counts of " + ", ".join(unverified["label"]))
        reasons += _alternatives(review, rows[ok] if len(missing) == 0 else rows.iloc[0:0], pub)
        rec["reason"] = "; ".join(reasons)
        out.append(rec)
    return pd.DataFrame(out, columns=REPRODUCTION_COLUMNS)


def gaps(review: Review) -> pd.DataFrame:
    """The exact counts that would close every gap of the reproduction table.

    One row per (trial, outcome) whose counts are missing, with the published
    estimates it blocks, the arms and their sizes, and where to look.
    """
    rows = []
    for _, pub in review.published.iterrows():
        cr = contributing_rows(review, pub["analysis"], pub["outcome"], pub["subgroup"])
        for _, r in cr[~has_counts(cr)].iterrows():
            rows.append({
                "study_id": r["study_id"], "trial": r["label"], "outcome": r["outcome"],
                "estimate": f"{pub['outcome']} ({pub['subgroup']})",
                "tac_arm": f"events of {int(r['tac_total'])}" if pd.notna(r["tac_total"]) else "events and total",
                "control_arm": f"events of {int(r['ctl_total'])}" if pd.notna(r["ctl_total"]) else "events and total",
                "where_to_look": _where(review, r),
            })
    if not rows:
        return pd.DataFrame(columns=["trial", "outcome", "blocks", "tac_arm", "control_arm", "where_to_look"])
    g = pd.DataFrame(rows)
    agg = (g.groupby(["study_id", "trial", "outcome", "tac_arm", "control_arm", "where_to_look"], sort=False)["estimate"]
           .apply(lambda s: ", ".join(s)).reset_index().rename(columns={"estimate": "blocks"}))
    return agg[["trial", "outcome", "blocks", "tac_arm", "control_arm", "where_to_look"]]


def _where(review: Review, row: pd.Series) -> str:
    """Where a missing count should be read: the trial's full text, plus what the extraction noted."""
    study = review.studies.set_index("study_id").loc[row["study_id"]]
    ref = study["journal"] if pd.notna(study["journal"]) else row["label"]
    note = str(row["source"]).strip()
    note = "" if note.startswith("Not found.") and len(note) <= len("Not found.") else f" Note: {note}"
    return f"Results tables of the full text ({ref}).{note}"
