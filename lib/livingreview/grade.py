"""GRADE summary of findings, computed from the judgements in ``data/grade.csv`` and the pools.

For each outcome: № participants (studies), the relative effect with 95% CI, the assumed
control risk (events/total of the control arms pooled, per 1,000), the corresponding risk with
TAC (control risk × RR, and × the CI bounds, capped at 1,000), the certainty and the footnotes.

Participants, studies and the assumed control risk count EVERY trial with counts for the
outcome, double-zero trials included (as RevMan's totals), not only the rows kept by a pool.

Which model: the fixed-effect MH-cc RR, unless the pool is heterogeneous (I² ≥ 50 %, or
τ²_REML > 0 with k ≥ 3); then the relative effect, the per-1,000 risks and the basis of the
imprecision judgement come from the random-effects model (REML τ², modified Knapp–Hartung
interval: :mod:`livingreview.randeff`), and the footnote says so.

Certainty starts at *high* for randomised trials and drops one level per downgrade
(Guyatt et al. 2008; GRADE handbook): high, moderate, low, very low.
"""
from __future__ import annotations

import pandas as pd

from . import mh, randeff
from .fmt import fmt_rr
from .wording import capital, direction, grade_statement
from .pools import PRIMARY, has_counts, trial_rows

#: Heterogeneity above which absolute effects come from the random-effects model.
I2_THRESHOLD = 50.0

LEVELS = ["high", "moderate", "low", "very low"]
SYMBOLS = {"high": "⊕⊕⊕⊕", "moderate": "⊕⊕⊕◯", "low": "⊕⊕◯◯", "very low": "⊕◯◯◯"}
DOMAIN_TEXT = {"risk_of_bias": "risk of bias", "inconsistency": "inconsistency", "indirectness": "indirectness",
               "imprecision": "imprecision", "publication_bias": "publication bias"}


def certainty(downgrades: int) -> str:
    return LEVELS[min(int(downgrades), 3)]


def summary_of_findings(review, pooled: pd.DataFrame, analysis_of=None) -> pd.DataFrame:
    """One row per outcome judged in ``review.grade`` (overall pool, rule MH-cc).

    Besides the displayed columns, key columns for callers: ``outcome``, ``level`` (certainty) and
    ``model`` (``fixed``, or ``random`` where heterogeneity moved the absolute effects to REML with
    the modified Knapp–Hartung interval; None without an estimate).
    """
    labels = review.vocabulary.set_index("outcome")
    kinds = labels["kind"]
    rows = []
    for outcome, g in overall_judgements(review.grade).groupby("outcome", sort=False):
        analysis = kinds[outcome]
        p = pooled[(pooled["analysis"] == analysis) & (pooled["outcome"] == outcome)
                   & (pooled["subgroup"] == "all") & (pooled["method"] == PRIMARY)]
        row = {"Outcome": labels.loc[outcome, "label"], "outcome": outcome}
        down = g[g["downgrade"] > 0]
        notes = [f"{DOMAIN_TEXT[d]} (−{int(n)}): {str(r).rstrip('.')}"
                 for d, n, r in zip(down["domain"], down["downgrade"], down["reason"])]
        if p.empty or pd.isna(p["rr"].iloc[0]):
            row.update({"№ participants (studies)": "no trial with counts", "Relative effect (95% CI)": "–",
                        "Risk with control": "–", "Risk with TAC (95% CI)": "–", "Certainty": "not rated",
                        "Comments": "No trial with counts yet: the effect cannot be estimated.",
                        "Footnotes": "No pooled estimate yet.", "level": "not rated", "model": None})
            rows.append(row)
            continue
        r = p.iloc[0]
        trials = trial_rows(review, analysis)
        trials = trials[(trials["outcome"] == outcome) & has_counts(trials)]
        k_all = len(trials)
        n_all = int(trials["tac_total"].sum() + trials["ctl_total"].sum())
        acr = trials["ctl_events"].sum() / trials["ctl_total"].sum()
        model = fixed_or_random(trials, r["i2"])
        rr, lo, hi = (model["rr"], model["ci_low"], model["ci_high"]) if model else (r["rr"], r["ci_low"],
                                                                                   r["ci_high"])
        if model:
            notes.append(f"absolute effects and imprecision from the random-effects model (REML τ² = "
                         f"{model['tau2']:.3f}, modified Knapp–Hartung 95% CI) because I² = {r['i2']:.0f}%; "
                         f"fixed-effect MH RR {fmt_rr(r['rr'], r['ci_low'], r['ci_high'])}")
        level = certainty(g["downgrade"].sum())
        row.update({
            "№ participants (studies)": f"{n_all} ({k_all} RCT{'s' if k_all != 1 else ''})",
            "Relative effect (95% CI)": "RR " + fmt_rr(rr, lo, hi) + (" (random effects)" if model else ""),
            "Risk with control": f"{acr * 1000:.0f} per 1,000",
            "Risk with TAC (95% CI)": (f"{min(acr * rr, 1) * 1000:.0f} per 1,000 "
                                       f"({min(acr * lo, 1) * 1000:.0f} to "
                                       f"{min(acr * hi, 1) * 1000:.0f})"),
            "Certainty": f"{SYMBOLS[level]} {level}",
            "Comments": comment(level, lo, hi, labels.loc[outcome, "label"]),
            "Footnotes": "; ".join(notes) + "." if notes else "not downgraded",
            "level": level,
            "model": "random" if model else "fixed",
        })
        rows.append(row)
    rows += _published_only(review, pooled, set(review.grade["outcome"]))
    return pd.DataFrame(rows)


#: How the summary-of-findings comments name the intervention (the overall pool of both regimens).
INTERVENTION = "tacrolimus-based therapy"


def comment(level: str, ci_low: float, ci_high: float, outcome_label: str) -> str:
    """The Comments cell in GRADE's standard wording (Santesso et al., J Clin Epidemiol 2020;119:126-135).

    The verb follows the certainty (``level``) and the direction of the 95% CI shown in the same row:
    'may increase' (low), 'probably increases' (moderate), 'increases' (high); at very low certainty
    'The evidence is very uncertain about the effect of ... on ...'.
    """
    return capital(grade_statement(level, direction(ci_low, ci_high), INTERVENTION, outcome_label.lower())) + "."


def _published_only(review, pooled: pd.DataFrame, judged: set) -> list[dict]:
    """Outcomes the 2016 review pooled (overall) that we cannot re-derive and have not judged."""
    out = []
    pub = review.published[review.published["subgroup"] == "all"] if review.published is not None else []
    for _, p in (pub.iterrows() if len(pub) else []):
        if p["outcome"] in judged:
            continue
        ours = pooled[(pooled["analysis"] == p["analysis"]) & (pooled["outcome"] == p["outcome"])
                      & (pooled["subgroup"] == "all") & (pooled["method"] == PRIMARY)]
        if not ours.empty and pd.notna(ours["rr"].iloc[0]):
            continue
        out.append({"Outcome": review.label(p["outcome"]), "outcome": p["outcome"],
                    "№ participants (studies)": "no trial with counts in our data",
                    "Relative effect (95% CI)": f"RR {fmt_rr(p['rr'], p['ci_low'], p['ci_high'])} as published (2016)",
                    "Risk with control": "–", "Risk with TAC (95% CI)": "–", "Certainty": "not rated",
                    "Comments": "As published; not yet re-derivable from our data, so not rated.",
                    "Footnotes": "Not re-derivable: the trials' adverse-event counts are not in our data (see the "
                                 "reproduction page); the published estimate is shown as printed.",
                    "level": "not rated", "model": None})
    return out


def overall_judgements(judgements: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``data/grade.csv`` that judge an outcome's overall pool (population ``all``)."""
    if "population" not in judgements.columns:
        return judgements
    return judgements[judgements["population"].fillna("all") == "all"]


def todays_pool(review, pooled: pd.DataFrame, outcome: str, population: str = "all") -> tuple[int | None, int]:
    """(edition, k) of today's pool of an outcome: the latest edition and its trials with counts."""
    from .pools import pool_row

    latest = int(review.studies["added_in"].max()) if review.studies is not None else None
    r = pool_row(pooled, review.kind[outcome], outcome, population)
    return latest, 0 if r is None else int(r["k"])


def judgement_status(review, pooled: pd.DataFrame) -> pd.DataFrame:
    """One row per judged pool (outcome, population): the edition and k it was judged for, today's
    edition and k, ``current`` (True when they agree), reviewer and date, and the total downgrade."""
    g = review.grade.copy()
    if "population" not in g.columns:
        g["population"] = "all"
    g["population"] = g["population"].fillna("all")
    rows = []
    for (outcome, population), j in g.groupby(["outcome", "population"], sort=False):
        ed_now, k_now = todays_pool(review, pooled, outcome, population)
        for (ed, k), jj in j.groupby(["edition", "k"], sort=False):
            who = sorted(set(jj["reviewer"].dropna())) if "reviewer" in jj else []
            when = sorted(set(jj["judged_on"].dropna().astype(str))) if "judged_on" in jj else []
            rows.append({"outcome": outcome, "population": population, "edition": int(ed), "k": int(k),
                         "edition_now": ed_now, "k_now": k_now,
                         "current": int(k) == k_now and (ed_now is None or int(ed) == ed_now),
                         "domains": len(jj), "downgrade": int(jj["downgrade"].sum()),
                         "reviewer": ", ".join(who), "judged_on": ", ".join(when)})
    return pd.DataFrame(rows, columns=["outcome", "population", "edition", "k", "edition_now", "k_now", "current",
                                       "domains", "downgrade", "reviewer", "judged_on"])


def judgements_out_of_date(review, pooled: pd.DataFrame) -> list[str]:
    """Outcomes whose GRADE judgement was made for another pool than today's (edition or k changed).

    Each row of ``data/grade.csv`` records the edition and the number of trials with counts (k) of
    the pool it judged (overall, or one regimen: ``population``); when an update changes either, the
    judgement must be made again (``livingreview grade judge``) or, after looking at today's pool,
    carried to it (``livingreview grade confirm``).
    """
    st = judgement_status(review, pooled)
    return [f"{r.outcome}{'' if r.population == 'all' else f' ({r.population})'}: judged for edition {r.edition} "
            f"with k = {r.k}; the pool now has k = {r.k_now} (edition {r.edition_now})"
            for r in st.itertuples() if not r.current]


def sentence(sof: pd.DataFrame) -> str:
    """'Certainty is moderate for X, low for Y, …' from a summary-of-findings table."""
    parts = []
    for level in LEVELS + ["not rated"]:
        hit = [o.lower() for o, c in zip(sof["Outcome"], sof["Certainty"])
               if c == level or c == f"{SYMBOLS.get(level, '')} {level}"]
        if hit:
            parts.append(f"{level} for {', '.join(hit)}")
    return "Certainty of the evidence is " + "; ".join(parts) + "."


def fixed_or_random(trials: pd.DataFrame, i2: float) -> dict | None:
    """The REML + modified Knapp–Hartung result when the pool is heterogeneous, else None.

    Heterogeneous: fixed-effect I² ≥ :data:`I2_THRESHOLD`, or τ²_REML > 0 with k ≥ 3 trials having a
    log RR (0.5 added to every cell of a zero-cell trial, double-zero trials dropped).
    """
    st = mh.study_table(trials, "MH-cc").dropna(subset=["log_rr"])
    if len(st) < 2:
        return None
    res = randeff.random_effects(st["log_rr"], st["var_log_rr"], "REML", "hksj_modified")
    if (pd.notna(i2) and i2 >= I2_THRESHOLD) or (len(st) >= 3 and res["tau2"] > 0):
        return res
    return None
