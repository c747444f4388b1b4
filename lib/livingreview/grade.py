"""GRADE summary of findings, computed from the judgements in ``data/grade.csv`` and the pools.

For each outcome: № participants (studies), the relative effect (MH-cc RR with 95% CI), the
assumed control risk (events/total of the control arms pooled, per 1,000), the corresponding
risk with TAC (control risk × RR, and × the CI bounds), the certainty and the footnotes.

Certainty starts at *high* for randomised trials and drops one level per downgrade
(Guyatt et al. 2008; GRADE handbook): high, moderate, low, very low.
"""
from __future__ import annotations

import pandas as pd

from .analysis import PRIMARY, fmt_rr

LEVELS = ["high", "moderate", "low", "very low"]
SYMBOLS = {"high": "⊕⊕⊕⊕", "moderate": "⊕⊕⊕◯", "low": "⊕⊕◯◯", "very low": "⊕◯◯◯"}
DOMAIN_TEXT = {"risk_of_bias": "risk of bias", "inconsistency": "inconsistency", "indirectness": "indirectness",
               "imprecision": "imprecision", "publication_bias": "publication bias"}


def certainty(downgrades: int) -> str:
    return LEVELS[min(int(downgrades), 3)]


def summary_of_findings(review, pooled: pd.DataFrame, analysis_of=None) -> pd.DataFrame:
    """One row per outcome judged in ``review.grade`` (overall pool, rule MH-cc)."""
    labels = review.vocabulary.set_index("outcome")
    kinds = labels["kind"]
    rows = []
    for outcome, g in review.grade.groupby("outcome", sort=False):
        analysis = kinds[outcome]
        p = pooled[(pooled["analysis"] == analysis) & (pooled["outcome"] == outcome)
                   & (pooled["subgroup"] == "all") & (pooled["method"] == PRIMARY)]
        row = {"Outcome": labels.loc[outcome, "label"]}
        down = g[g["downgrade"] > 0]
        notes = [f"{DOMAIN_TEXT[d]} (−{int(n)}): {r}" for d, n, r in zip(down["domain"], down["downgrade"],
                                                                         down["reason"])]
        if p.empty or pd.isna(p["rr"].iloc[0]):
            row.update({"№ participants (studies)": "no trial with counts", "Relative effect (95% CI)": "–",
                        "Risk with control": "–", "Risk with TAC (95% CI)": "–", "Certainty": "not rated",
                        "Footnotes": "No pooled estimate yet."})
            rows.append(row)
            continue
        r = p.iloc[0]
        acr = r["ctl_events"] / r["ctl_total"]
        level = certainty(g["downgrade"].sum())
        row.update({
            "№ participants (studies)": f"{int(r['tac_total'] + r['ctl_total'])} ({int(r['k'])} RCT{'s' if int(r['k']) != 1 else ''})",
            "Relative effect (95% CI)": "RR " + fmt_rr(r["rr"], r["ci_low"], r["ci_high"]),
            "Risk with control": f"{acr * 1000:.0f} per 1,000",
            "Risk with TAC (95% CI)": (f"{min(acr * r['rr'], 1) * 1000:.0f} per 1,000 "
                                       f"({min(acr * r['ci_low'], 1) * 1000:.0f} to "
                                       f"{min(acr * r['ci_high'], 1) * 1000:.0f})"),
            "Certainty": f"{SYMBOLS[level]} {level}",
            "Footnotes": "; ".join(notes) if notes else "not downgraded",
        })
        rows.append(row)
    return pd.DataFrame(rows)


def sentence(sof: pd.DataFrame) -> str:
    """'Certainty is moderate for X, low for Y, …' from a summary-of-findings table."""
    parts = []
    for level in LEVELS + ["not rated"]:
        hit = [o.lower() for o, c in zip(sof["Outcome"], sof["Certainty"])
               if c == level or c == f"{SYMBOLS.get(level, '')} {level}"]
        if hit:
            parts.append(f"{level} for {', '.join(hit)}")
    return "Certainty of the evidence is " + "; ".join(parts) + "."
