"""GRADE summary of findings, read from the evidence table (:mod:`livingreview.evidence`).

One row per estimate shown: for an efficacy outcome the pool of both regimens, or, where the test for
subgroup differences argues against pooling (RevMan's fixed-effect χ² p < :data:`SUBGROUP_ALPHA`, the test the
review used; named in the row), one row per regimen; for harms the review's seven pooled estimates (each in its
population, severe infection with triple therapy included). Every row names its population and comparison,
participants (studies) and follow-up; the relative effect is the primary estimate (MH fixed effect, the review's
model, :data:`livingreview.evidence.PRIMARY_MODEL`), the random-effects model (REML, modified Knapp–Hartung)
its sensitivity analysis in the same row.

Participants, studies and the assumed control risk count EVERY trial with counts for the
outcome, double-zero trials included (as RevMan's totals), not only the rows kept by a pool.

Certainty only where ``data/grade.csv`` holds a judgement made for that very row (see
:mod:`livingreview.evidence`); otherwise the row is not rated and says why. Certainty starts at *high*
for randomised trials and drops one level per downgrade (Guyatt et al. 2008; GRADE handbook).

This module returns numbers; :func:`livingreview.tables.sof_frame` formats them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import evidence, sensitivity
from .evidence import DOMAIN_TEXT, LEVELS, certainty  # noqa: F401  (the GRADE ladder lives with the evidence table)
from .wording import capital, direction, grade_statement

#: A test for subgroup differences below this p splits the summary of findings by regimen.
SUBGROUP_ALPHA = 0.10
SYMBOLS = {"high": "⊕⊕⊕⊕", "moderate": "⊕⊕⊕◯", "low": "⊕⊕◯◯", "very low": "⊕◯◯◯"}

SOF_COLUMNS = ["outcome", "outcome_label", "analysis", "population", "comparison", "estimate_id", "participants", "k_reported",
               "k_trials", "trials", "trials_without_counts", "followup_min", "followup_max", "rr", "ci_low",
               "ci_high", "re_rr", "re_ci_low", "re_ci_high", "re_k", "t1_interval", "control_risk", "tac_risk",
               "tac_risk_low", "tac_risk_high", "certainty", "certainty_reason", "published_only", "published_rr",
               "published_ci_low", "published_ci_high", "split_p", "level", "model"]


def subgroup_p(ev: pd.DataFrame) -> dict[tuple[str, str], float]:
    """(analysis, outcome) → p of RevMan's fixed-effect χ² test for subgroup differences (living, MH-cc)."""
    p = ev[(ev["edition"] == evidence.LIVING) & (ev["role"] == "primary")]
    pooled = p.rename(columns={"population": "subgroup", "model": "method"})
    sg = sensitivity.subgroup_test(pooled)
    return {(a, o): float(x) for a, o, x in zip(sg["analysis"], sg["outcome"], sg["p"])}


def summary_of_findings(review) -> pd.DataFrame:
    """The rows of the summary of findings (numbers and keys; :data:`SOF_COLUMNS`)."""
    ev = evidence.build(review)
    live = ev[(ev["edition"] == evidence.LIVING)]
    prim = live[live["role"] == "primary"].set_index("estimate_id")
    split = subgroup_p(ev)
    vocab = review.vocabulary
    rows = []
    pub = review.published
    published_order = list(dict.fromkeys(pub["outcome"]))
    efficacy = sorted(vocab.loc[vocab["kind"] == "efficacy", "outcome"],
                      key=lambda o: published_order.index(o) if o in published_order else len(published_order))
    for outcome in efficacy:
        p = split.get(("efficacy", outcome))
        pops = ["triple", "duo"] if p is not None and p < SUBGROUP_ALPHA else [_one_regimen(ev, review, outcome)]
        for pop in pops:
            r = evidence.row(ev, "efficacy", outcome, pop)
            if r is not None:
                rows.append(_row(ev, r, p if len(pops) > 1 else np.nan))
    harms = pub[pub["analysis"] == "safety"].copy()
    harms["_first"] = harms["outcome"].map({o: i for i, o in enumerate(published_order)})
    harms["_pop"] = harms["subgroup"].map({"all": 0, "duo": 1, "triple": 2})
    for r in harms.sort_values(["_first", "_pop"], kind="stable").itertuples():
        e = evidence.row(ev, "safety", r.outcome, r.subgroup)
        single = r.subgroup == "all" and _one_regimen(ev, review, r.outcome, "safety") != "all"
        if e is not None and e["k_reported"] > 0 and not single:
            rows.append(_row(ev, e, np.nan))
        else:  # no counts, or the counts are those of one regimen (shown in that regimen's row)
            e16 = evidence.row(ev, "safety", r.outcome, r.subgroup, edition="2016")
            rows.append(_published_row(e16 if e16 is not None else e, r, single))
    del prim, live
    out = pd.DataFrame(rows, columns=SOF_COLUMNS)
    out["outcome_label"] = out["outcome"].map(review.outcome_labels)
    return out


def _row(ev: pd.DataFrame, r: pd.Series, split_p: float) -> dict:
    re = evidence.row(ev, r["analysis"], r["outcome"], r["population"], model=evidence.SENSITIVITY_MODEL)
    out = {c: r.get(c, np.nan) for c in SOF_COLUMNS if c in r.index}
    out.update({"published_only": False, "split_p": split_p, "level": r["certainty"] or "not rated",
                "model": evidence.PRIMARY_MODEL,
                "re_rr": np.nan, "re_ci_low": np.nan, "re_ci_high": np.nan, "re_k": 0, "t1_interval": False,
                "published_rr": np.nan, "published_ci_low": np.nan, "published_ci_high": np.nan})
    if re is not None:
        out.update({"re_rr": re["rr"], "re_ci_low": re["ci_low"], "re_ci_high": re["ci_high"], "re_k": int(re["k"]),
                    "t1_interval": bool(re["t1_interval"])})
    return out


def _one_regimen(ev: pd.DataFrame, review, outcome: str, analysis: str = "efficacy") -> str:
    """``all``, or the one regimen whose trials hold every count of the pool of both regimens (then that
    regimen's row is what the pool really is, and the summary of findings shows it under its own name)."""
    r = evidence.row(ev, analysis, outcome, "all")
    if r is None or not r["trials"]:
        return "all"
    regimen = review.studies.set_index("study_id")["regimen"]
    found = {regimen.get(t) for t in str(r["trials"]).split(";") if t}
    return found.pop() if len(found) == 1 else "all"


def _published_row(e: pd.Series | None, pub, single: bool = False) -> dict:
    """A harm the review pooled that our data cannot re-derive: its published value, not rated.

    ``single``: our counts for the pool of both regimens come from one regimen's trials only; they are shown
    in that regimen's row, and this row keeps the review's published value."""
    out = {c: np.nan for c in SOF_COLUMNS}
    if e is not None:
        out.update({c: e[c] for c in SOF_COLUMNS if c in e.index})
    out.update({"outcome": pub.outcome, "analysis": pub.analysis, "population": pub.subgroup, "published_only": True,
                "published_rr": pub.rr, "published_ci_low": pub.ci_low, "published_ci_high": pub.ci_high,
                "rr": np.nan, "ci_low": np.nan, "ci_high": np.nan, "re_rr": np.nan, "re_ci_low": np.nan,
                "re_ci_high": np.nan, "re_k": 0, "t1_interval": False, "control_risk": np.nan, "tac_risk": np.nan,
                "tac_risk_low": np.nan, "tac_risk_high": np.nan, "certainty": "",
                "certainty_reason": evidence.NO_COUNTS if not single else "counts of one regimen only",
                "level": "not rated", "model": None, "split_p": np.nan})
    return out


def comment(level: str, ci_low: float, ci_high: float, outcome_label: str, intervention: str) -> str:
    """The Comments cell in GRADE's standard wording (Santesso et al., J Clin Epidemiol 2020;119:126-135).

    The verb follows the certainty (``level``) and the direction of the 95% CI shown in the same row:
    'may increase' (low), 'probably increases' (moderate), 'increases' (high); at very low certainty
    'The evidence is very uncertain about the effect of ... on ...'. ``intervention`` names the row's
    population (e.g. 'TAC + MMF + steroids'), never a pool it does not hold.
    """
    return capital(grade_statement(level, direction(ci_low, ci_high), intervention, outcome_label.lower())) + "."


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


def sentence(sof: pd.DataFrame, labels) -> str:
    """'Certainty of the evidence is very low for X; not rated for Y.' from the rows of a summary of findings.

    ``labels`` maps outcome ids to labels; each rated row names its population.
    """
    parts = []
    for level in LEVELS + ["not rated"]:
        hit = sof[sof["level"] == level]
        if len(hit):
            parts.append(f"{level} for " + ", ".join(f"{labels[o].lower()} ({p})" for o, p in
                                                     zip(hit["outcome"], hit["population"])))
    return "Certainty of the evidence is " + "; ".join(parts) + "."
