"""One evidence table per data load: every estimate the book shows, computed once, numbers only.

:func:`build` returns one tidy row per estimate, keyed by

``analysis``     efficacy, safety, maintenance (:data:`livingreview.pools.ANALYSES`);
``outcome``      the outcome id (``data/outcome_vocabulary.csv``);
``population``   ``all`` (both regimens pooled), ``duo`` or ``triple`` (maintenance: ``all`` only);
``comparison``   the regimen and the control treatments of the trials in the population, in words built
                 from ``data/labels.csv`` (field ``population``) and ``studies.csv`` ``comparator``;
``edition``      ``2016`` (the review's trials: ``added_in <= 2016``) or ``living`` (today's trials);
``model``        ``MH-cc`` (the review's Mantel–Haenszel fixed effect, 0.5 added to every cell of a trial
                 with a zero cell), ``MH`` (nothing added), and random effects ``REML-hksj_modified``,
                 ``REML-z``, ``DL-z`` (τ² method and CI method as in ``results/random_effects.csv``);
``omitted``      the trial left out (leave-one-out rows, living edition, ``MH-cc``), else empty;
``sensitivity``  ``without_unverified`` (pools without counts not verified against the source),
                 ``ambiguous_alternative`` (the other integer that fits a printed percentage,
                 ``data/ambiguous_counts.csv``), else empty.

and carrying ``k`` (trials in the pool), ``k_reported`` (trials with all four counts in our data, double-zero
trials included), ``k_trials`` (trials of the population, with or without counts), ``trials`` (the study ids
with counts, ``;``-separated), ``trials_without_counts``, participants and events per arm, RR, CI, z, p, Q, I², τ²,
the prediction interval, the published value (edition-2016 ``MH-cc`` rows only), the assumed control risk and
the corresponding risks with TAC, and the GRADE certainty **only where** ``data/grade.csv`` holds a judgement made
for that very row (outcome, population, today's edition, the primary model, the number of trials); otherwise
``certainty`` is empty and ``certainty_reason`` says why (``no counts``, ``subgroup not judged``, …).

Primary estimate: :data:`PRIMARY_MODEL` (``MH-cc``), the review's model, for every pool; the random-effects model
:data:`SENSITIVITY_MODEL` is its labelled sensitivity analysis (``role`` column). Why: the pages compare with the
review, which pooled by MH fixed effect; with two to five trials τ² is estimated very imprecisely, and with two
trials a Knapp–Hartung interval rests on t with one degree of freedom and is uninformative
(``t1_interval`` is true on such rows).

Nothing here formats a number; pages read this table through :mod:`livingreview.facts`.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import special

from . import mh, pools, randeff
from .data import Review
from .mh import COUNT_COLUMNS

PRIMARY_MODEL = pools.PRIMARY
SENSITIVITY_MODEL = "REML-hksj_modified"
FIXED_MODELS = ("MH-cc", "MH")
RANDOM_MODELS = (("REML", "hksj_modified"), ("REML", "z"), ("DL", "z"))
EDITIONS = ("2016", "living")
POPULATIONS = pools.SUBGROUPS
LIVING = "living"

#: GRADE certainty: RCT evidence starts high and drops one level per downgrade (Guyatt et al. 2008).
LEVELS = ["high", "moderate", "low", "very low"]

#: Why a row has no certainty.
NO_COUNTS = "no counts"
NOT_JUDGED_SUBGROUP = "subgroup not judged"
NOT_JUDGED = "not judged"
NOT_JUDGED_EDITION = "2016 edition not judged (the judgements are made for today's pool)"
NOT_PRIMARY = "not the primary estimate (sensitivity analysis)"
OUT_OF_DATE = "judgement out of date"

COLUMNS = ["estimate_id", "analysis", "outcome", "population", "comparison", "edition", "model", "omitted",
           "sensitivity", "role", "trials", "trials_without_counts", "k", "k_reported", "k_trials", "participants",
           "tac_events", "tac_total", "ctl_events", "ctl_total", "rr", "ci_low", "ci_high", "z", "p", "q", "q_df",
           "q_p", "i2", "tau2", "pi_low", "pi_high", "log_rr", "se_log_rr", "t1_interval", "followup_min", "followup_max",
           "control_risk", "tac_risk", "tac_risk_low", "tac_risk_high",
           "published_rr", "published_ci_low", "published_ci_high", "certainty", "certainty_reason"]


def certainty(downgrades: int) -> str:
    """The GRADE level after ``downgrades`` levels down from high (floor: very low)."""
    return LEVELS[min(int(downgrades), 3)]


def estimate_id(analysis: str, outcome: str, population: str, edition: str, model: str, omitted: str = "",
                sensitivity: str = "") -> str:
    """``efficacy.complete_response.triple.2016.MH-cc`` (``.loo-<study>``, ``.<sensitivity>`` appended)."""
    parts = [analysis, outcome, population, str(edition), model]
    if omitted:
        parts.append(f"loo-{omitted}")
    if sensitivity:
        parts.append(sensitivity)
    return ".".join(parts)


def _fingerprint(review: Review) -> int:
    parts = []
    for t in (review.studies, review.outcomes, review.grade, review.published, review.ambiguous, review.labels):
        parts.append(0 if t is None else int(pd.util.hash_pandas_object(t, index=False).sum()))
    return hash(tuple(parts))


#: Tables the evidence table needs besides studies and outcomes (attribute of Review, table name).
NEEDS = (("grade", "grade"), ("published", "published_estimates"), ("ambiguous", "ambiguous_counts"),
         ("labels", "labels"))


def _complete(review: Review) -> None:
    """Load (validated) the tables the table needs that the caller did not load: the certainty of a row must
    not depend on which tables a page happened to load."""
    from .data import load_review

    missing = [name for attr, name in NEEDS if getattr(review, attr) is None]
    if missing:
        extra = load_review(review.data_dir, tables=missing)
        for attr, name in NEEDS:
            if getattr(review, attr) is None:
                setattr(review, attr, getattr(extra, attr))


def build(review: Review) -> pd.DataFrame:
    """The evidence table of ``review`` (computed once per data load: cached on the Review object)."""
    _complete(review)
    key = _fingerprint(review)
    cached = getattr(review, "_evidence_cache", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    table = _build(review)
    review._evidence_cache = (key, table)
    return table


def _population_label(review: Review, population: str) -> str:
    labels = review.labels
    if labels is None:
        from .data import load_review

        review.labels = labels = load_review(review.data_dir, tables=["labels"]).labels
    hit = labels[(labels["field"] == "population") & (labels["code"] == population)]
    return hit["label"].iloc[0] if len(hit) else population


def comparison(review: Review, population: str, comparators, regimens=()) -> str:
    """'TAC + MMF + steroids vs IV cyclophosphamide + steroids': the population's regimen (the one regimen of its
    trials where they share one) against their control treatments (``comparator``, each alternative once, a
    trailing remark in brackets left out)."""
    seen = []
    for c in comparators:
        if isinstance(c, str) and c:
            for part in re.sub(r"\s*\([^)]*\)\s*$", "", c).split(" or "):
                if part.strip() and part.strip() not in seen:
                    seen.append(part.strip())
    shared = sorted(set(regimens))
    who = population if population != "all" or len(shared) != 1 else shared[0]
    suffix = " + steroids"
    if len(seen) > 1 and all(x.endswith(suffix) for x in seen):  # 'IV cyclophosphamide or MMF, each + steroids'
        control = " or ".join(x[: -len(suffix)] for x in seen) + ", each" + suffix
    else:
        control = " or ".join(seen) if seen else "control"
    return f"{_population_label(review, who)} vs {control}"


def _fixed(rows: pd.DataFrame, model: str) -> dict:
    with pools.quiet():
        r = mh.pool(rows, None, model).iloc[0]
    return {c: r[c] for c in ["k", "rr", "ci_low", "ci_high", "z", "p", "q", "q_df", "q_p", "i2", "log_rr", "se_log_rr"]}


def _random(rows: pd.DataFrame, tau2_method: str, ci_method: str) -> dict | None:
    st = mh.study_table(rows, "MH-cc").dropna(subset=["log_rr"])
    if len(st) < 2:
        return None
    r = randeff.random_effects(st["log_rr"], st["var_log_rr"], tau2_method, ci_method)
    k = len(st)
    z = r["mu"] / r["se"]
    p = 2 * (special.stdtr(k - 1, -abs(z)) if ci_method != "z" else special.ndtr(-abs(z)))
    q = randeff.q_statistic(st["log_rr"], st["var_log_rr"])
    return {"k": k, "rr": r["rr"], "ci_low": r["ci_low"], "ci_high": r["ci_high"], "z": z, "p": float(p),
            "q": q, "q_df": k - 1, "q_p": float(special.chdtrc(k - 1, q)), "i2": r["i2"], "tau2": r["tau2"],
            "pi_low": r["pi_low"], "pi_high": r["pi_high"], "log_rr": r["mu"], "se_log_rr": r["se"], "t1_interval": ci_method != "z" and k == 2}


def _judgements(review: Review) -> dict:
    """(outcome, population) → judgement rows of ``data/grade.csv`` (population ``all`` where not given)."""
    g = review.grade
    if g is None or g.empty:
        return {}
    g = g.copy()
    if "population" not in g.columns:
        g["population"] = "all"
    g["population"] = g["population"].fillna("all").replace("", "all")
    return {key: grp for key, grp in g.groupby(["outcome", "population"], sort=False)}


DOMAIN_TEXT = {"risk_of_bias": "risk of bias", "inconsistency": "inconsistency", "indirectness": "indirectness",
               "imprecision": "imprecision", "publication_bias": "publication bias"}


def _certainty(row: dict, judged: dict, latest: int) -> tuple[str, str]:
    if row["k_reported"] == 0:
        return "", NO_COUNTS
    if row["omitted"] or row["sensitivity"] or row["model"] != PRIMARY_MODEL:
        return "", NOT_PRIMARY
    g = judged.get((row["outcome"], row["population"])) if row["judged_analysis"] else None
    if row["edition"] != LIVING:
        return "", NOT_JUDGED_EDITION
    if g is None:
        return "", NOT_JUDGED_SUBGROUP if row["population"] != "all" else NOT_JUDGED
    stale = [(int(e), int(k)) for e, k in set(zip(g["edition"], g["k"])) if int(k) != row["k_reported"]
             or int(e) != latest]
    if stale:
        e, k = stale[0]
        return "", f"{OUT_OF_DATE} (made for edition {e} with {k} trials)"
    down = g[g["downgrade"] > 0]
    reasons = "; ".join(f"{DOMAIN_TEXT[d]} (-{int(n)}): {str(r).rstrip('.')}"
                        for d, n, r in zip(down["domain"], down["downgrade"], down["reason"]))
    return certainty(g["downgrade"].sum()), reasons or "not downgraded"


def _published(review: Review) -> dict:
    p = review.published
    if p is None:
        return {}
    return {(r.analysis, r.outcome, r.subgroup): (r.rr, r.ci_low, r.ci_high) for r in p.itertuples()}


def _alternative_rows(review: Review, rows: pd.DataFrame) -> pd.DataFrame | None:
    """The rows with the other value of every ambiguous count (None when nothing is ambiguous here)."""
    a = review.ambiguous
    if a is None or a.empty:
        return None
    out, changed = rows.copy(), False
    for r in a.itertuples():
        alts = [int(x) for x in str(r.alternatives).split(";") if x.strip() and int(x) != int(r.used)]
        hit = (out["study_id"] == r.study_id) & (out["outcome"] == r.outcome)
        if alts and hit.any():
            out.loc[hit, f"{r.arm}_events"] = alts[0]
            changed = True
    return out if changed else None


def _rows_of(review: Review, analysis: str, edition: str) -> pd.DataFrame:
    ed = pools.EDITION_2016 if edition == "2016" else None
    return pools.trial_rows(review, analysis, ed)


def _build(review: Review) -> pd.DataFrame:
    latest = int(review.studies["added_in"].max())
    judged = _judgements(review)
    published = _published(review)
    out = []
    for edition in EDITIONS:
        for analysis in pools.ANALYSES:
            rows_all = _rows_of(review, analysis, edition)
            if rows_all.empty:
                continue
            populations = ["all"] if analysis == "maintenance" else list(POPULATIONS)
            for outcome, oc_rows in rows_all.groupby("outcome", sort=False):
                for population in populations:
                    sub = oc_rows if population == "all" else oc_rows[oc_rows["regimen"] == population]
                    if sub.empty:
                        continue
                    out += _estimates(review, analysis, outcome, population, edition, sub, judged, latest,
                                      published)
    table = pd.DataFrame(out, columns=COLUMNS)
    for c in ("k", "k_reported", "k_trials", "participants", "tac_events", "tac_total", "ctl_events", "ctl_total"):
        table[c] = table[c].astype("Int64")
    table["t1_interval"] = table["t1_interval"].astype(bool)
    return table


def _estimates(review, analysis, outcome, population, edition, sub, judged, latest, published) -> list[dict]:
    ok = pools.has_counts(sub)
    avail = sub[ok]
    base = {
        "analysis": analysis, "outcome": outcome, "population": population, "edition": edition,
        "comparison": comparison(review, population, sub["comparator"], sub["regimen"]),
        "trials": ";".join(avail["study_id"]), "trials_without_counts": ";".join(sub.loc[~ok, "study_id"]),
        "k_reported": int(ok.sum()), "k_trials": len(sub),
        "followup_min": np.nan, "followup_max": np.nan,
    }
    fu = review.studies.set_index("study_id")["followup_months"].reindex(sub["study_id"]).astype(float)
    if fu.notna().any():
        base["followup_min"], base["followup_max"] = float(fu.min()), float(fu.max())
    pub = published.get((analysis, outcome, population)) if edition == "2016" else None
    rows = []

    def add(model, res, avail_rows, omitted="", sensitivity=""):
        r = {c: np.nan for c in COLUMNS}
        r.update(base)
        r.update({"model": model, "omitted": omitted, "sensitivity": sensitivity, "t1_interval": False,
                  "role": "primary" if model == PRIMARY_MODEL and not omitted and not sensitivity
                  else "sensitivity" if model == SENSITIVITY_MODEL and not omitted and not sensitivity else ""})
        if omitted or sensitivity:
            r["trials"] = ";".join(avail_rows["study_id"])
            r["k_reported"] = len(avail_rows)
        r["k"] = 0
        if len(avail_rows):
            r["participants"] = int(avail_rows["tac_total"].sum() + avail_rows["ctl_total"].sum())
            for c in COUNT_COLUMNS:
                r[c] = int(avail_rows[c].sum())
        if res is not None:
            r.update(res)
            acr = r["ctl_events"] / r["ctl_total"] if r["ctl_total"] else np.nan
            r["control_risk"] = acr
            r["tac_risk"], r["tac_risk_low"], r["tac_risk_high"] = (
                min(acr * r[c], 1.0) if pd.notna(r[c]) else np.nan for c in ("rr", "ci_low", "ci_high"))
        if pub is not None and model == PRIMARY_MODEL and not omitted and not sensitivity:
            r["published_rr"], r["published_ci_low"], r["published_ci_high"] = pub
        r["estimate_id"] = estimate_id(analysis, outcome, population, edition, model, omitted, sensitivity)
        r["judged_analysis"] = review.kind.get(outcome) == analysis
        r["certainty"], r["certainty_reason"] = _certainty(r, judged, latest)
        del r["judged_analysis"]
        rows.append(r)

    for model in FIXED_MODELS:
        add(model, _fixed(avail, model) if len(avail) else None, avail)
    for tm, cm in RANDOM_MODELS:
        res = _random(avail, tm, cm) if len(avail) >= 2 else None
        if res is not None:
            add(f"{tm}-{cm}", res, avail)
    if edition == LIVING and len(avail):
        clean = avail[avail["provenance"] != "unverified"]
        if len(clean) < len(avail):
            add(PRIMARY_MODEL, _fixed(clean, PRIMARY_MODEL) if len(clean) else None, clean,
                sensitivity="without_unverified")
        alt = _alternative_rows(review, avail)
        if alt is not None:
            add(PRIMARY_MODEL, _fixed(alt, PRIMARY_MODEL), alt, sensitivity="ambiguous_alternative")
        if len(avail) >= 2 and analysis != "maintenance":
            for sid in avail["study_id"]:
                rest = avail[avail["study_id"] != sid]
                add(PRIMARY_MODEL, _fixed(rest, PRIMARY_MODEL), rest, omitted=sid)
    return rows


def row(table: pd.DataFrame, analysis: str, outcome: str, population: str = "all", edition: str = LIVING,
        model: str = PRIMARY_MODEL, omitted: str = "", sensitivity: str = "") -> pd.Series | None:
    """One row of the evidence table by its key, or ``None``."""
    eid = estimate_id(analysis, outcome, population, edition, model, omitted, sensitivity)
    hit = table[table["estimate_id"] == eid]
    return None if hit.empty else hit.iloc[0]


def primary(table: pd.DataFrame) -> pd.DataFrame:
    """The primary estimate of every (analysis, outcome, population, edition)."""
    return table[table["role"] == "primary"].reset_index(drop=True)


def what_changed(table: pd.DataFrame) -> pd.DataFrame:
    """Per primary estimate: the 2016 edition beside the living one, the trials the update added, certainty.

    Numbers only: ``rr_2016, ci_low_2016, ci_high_2016, k_2016, rr_living, …, trials_added`` (study ids,
    ``;``-separated), ``certainty`` (living row, empty where not rated) and both estimate ids.
    """
    p = primary(table)
    cols = ["analysis", "outcome", "population"]
    keep = ["estimate_id", "k_reported", "participants", "rr", "ci_low", "ci_high", "trials", "certainty",
            "certainty_reason", "comparison"]
    old = p[p["edition"] == "2016"][cols + keep]
    new = p[p["edition"] == LIVING][cols + keep]
    m = old.merge(new, on=cols, how="outer", suffixes=("_2016", "_living"))
    m["trials_added"] = [";".join(t for t in str(n if isinstance(n, str) else "").split(";")
                                  if t and t not in str(o if isinstance(o, str) else "").split(";"))
                         for o, n in zip(m["trials_2016"], m["trials_living"])]
    return m.reset_index(drop=True)
