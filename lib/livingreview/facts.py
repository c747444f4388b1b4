"""Every value a page glues, one ``facts_<page>()`` per page, each key spelled out where it is made.

A notebook calls its ``facts_<page>(review)`` and glues every item; it does no arithmetic of its
own. To find where a number on a page comes from, grep its glue key here.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from . import grade, pools, sensitivity
from .data import data_version
from .fmt import fmt_p, fmt_rr
from .pools import PRIMARY, pool_row
from .wording import REGIMEN_LONG, REGIMEN_SHORT, capital, direction, grade_statement, rr_phrase

EFFICACY = ("total_response", "complete_response", "partial_response")
#: A test for subgroup differences below this p flags the pool of both regimens.
SUBGROUP_ALPHA = 0.10


def _n_trials(review, analysis: str, outcome: str, subgroup: str, edition=None) -> tuple[int, int]:
    """(trials with counts, trials in the pool) for one outcome and subgroup."""
    rows = pools.trial_rows(review, analysis, edition)
    rows = rows[rows["outcome"] == outcome]
    if subgroup != "all":
        rows = rows[rows["regimen"] == subgroup]
    return int(pools.has_counts(rows).sum()), int(len(rows))


def _published(review, analysis: str, outcome: str, subgroup: str) -> str:
    p = review.published
    p = p[(p["analysis"] == analysis) & (p["outcome"] == outcome) & (p["subgroup"] == subgroup)]
    return "not reported" if p.empty else fmt_rr(*p.iloc[0][["rr", "ci_low", "ci_high"]])


def subgroup_flags(pooled: pd.DataFrame) -> dict[str, float]:
    """Outcome → p of the (fixed-effect) test for subgroup differences, where it exists."""
    sg = sensitivity.subgroup_test(pooled)
    return dict(zip(sg["outcome"], sg["p"]))


def headline_table(review, pooled: pd.DataFrame, sof: pd.DataFrame) -> pd.DataFrame:
    """One row per efficacy outcome × (duo, triple, both pooled): ours beside the review's, with certainty."""
    flags = subgroup_flags(pooled)
    certainty = dict(zip(sof["outcome"], sof["Certainty"]))
    rows = []
    for oc in EFFICACY:
        for sub in ("triple", "duo", "all"):
            r = pool_row(pooled, "efficacy", oc, sub)
            k, n = _n_trials(review, "efficacy", oc, sub)
            ours = "no counts yet" if r is None else fmt_rr(r["rr"], r["ci_low"], r["ci_high"])
            regimen = REGIMEN_LONG[sub]
            if sub == "all" and flags.get(oc, 1.0) < SUBGROUP_ALPHA:
                regimen += " ⚠"
            rows.append({"Outcome": review.label(oc), "Regimen": regimen, "Our RR (95% CI)": ours,
                         "Trials with counts": f"{k} of {n}",
                         "Published 2016 RR (95% CI)": _published(review, "efficacy", oc, sub),
                         "Certainty": certainty.get(oc, "not rated")})
    return pd.DataFrame(rows)


def markdown_table(df: pd.DataFrame) -> str:
    """A MyST pipe table (for pasting with ``glue:md``)."""
    head = "| " + " | ".join(df.columns) + " |\n|" + "---|" * len(df.columns) + "\n"
    body = "\n".join("| " + " | ".join(str(v).replace("|", "/") for v in row) + " |"
                     for row in df.itertuples(index=False))
    return head + body + "\n"


def _statement(review, pooled, sof_levels, regimen: str) -> str:
    """The answer for one regimen: total response if it has counts, else complete response."""
    for oc in ("total_response", "complete_response"):
        r = pool_row(pooled, "efficacy", oc, regimen)
        if r is not None and pd.notna(r["rr"]):
            break
    else:
        k, n = _n_trials(review, "efficacy", "total_response", regimen)
        return (f"For {REGIMEN_LONG[regimen]}, none of the {n} trials has renal-response counts in our data "
                f"yet; the 2016 review reported {rr_phrase_pub(review, 'total_response', regimen)}.")
    k, n = _n_trials(review, "efficacy", oc, regimen)
    level = sof_levels.get(oc, "not rated")
    text = grade_statement(level, direction(r["ci_low"], r["ci_high"]), REGIMEN_SHORT[regimen],
                           review.label(oc).lower())
    patients = int(r["tac_total"] + r["ctl_total"])
    trials = f"{k} trial{'s' if k != 1 else ''}" + (f" of {n}" if k < n else "")
    sentence = (f"{capital(text)} compared with the control treatment ({rr_phrase(r['rr'], r['ci_low'], r['ci_high'])}; "
                f"{trials}, {patients} patients; {level} certainty).")
    pub = rr_phrase_pub(review, oc, regimen)
    if pub:
        sentence += f" The 2016 review reported {pub}."
    return sentence


def rr_phrase_pub(review, outcome: str, subgroup: str, analysis: str = "efficacy") -> str:
    p = review.published
    p = p[(p["analysis"] == analysis) & (p["outcome"] == outcome) & (p["subgroup"] == subgroup)]
    return "" if p.empty else rr_phrase(*p.iloc[0][["rr", "ci_low", "ci_high"]])


def harms_sentence(review) -> str:
    """What can be said about harms: re-derivable pools, and the review's estimates as published."""
    from .reproduction import reproduction_table

    rep = reproduction_table(review)
    safety = rep[rep["analysis"] == "safety"]
    done = int((safety["status"] != "not_reproducible").sum())
    sig = review.published[(review.published["analysis"] == "safety") & (review.published["significant"] == "yes")]
    parts = [f"{review.label(r['outcome']).lower()} ({rr_phrase(r['rr'], r['ci_low'], r['ci_high'])})"
             for _, r in sig.iterrows()]
    text = (f"**Harms.** {done} of the review's {len(safety)} pooled adverse-event estimates can be re-derived "
            "from our data; the trials' adverse-event tables are needed for the rest.")
    if parts:
        text += (" The review reported these differences with TAC regimens: " + "; ".join(parts)
                 + " (as published; not yet re-derivable from our data).")
    return text


def facts_summary(review, today: dt.date | None = None) -> dict:
    """Every value of the landing page and the summary-of-findings page.

    Keys: ``answer_md``, ``headline_md``, ``harms_md``, ``flag_md``, ``sof_table`` (a DataFrame),
    ``latest_edition``, ``what_changed``, ``cite_md``.
    """
    pooled = pools.pooled_estimates(review)
    sof = grade.summary_of_findings(review, pooled)
    levels = dict(zip(sof["outcome"], sof["level"]))
    head = headline_table(review, pooled, sof)
    flags = subgroup_flags(pooled)
    flagged = [f"{review.label(o).lower()} (p {'= ' if fmt_p(p)[0] != '<' else ''}{fmt_p(p)})"
               for o, p in flags.items() if p < SUBGROUP_ALPHA]
    flag_md = ("⚠ For " + ", ".join(flagged) + ", the test for subgroup differences suggests that the two "
               "regimens differ, so their pooled value mixes two different effects; read the rows by regimen. "
               "Regimen is also confounded with the control treatment.") if flagged else ""
    answer = " ".join([
        _statement(review, pooled, levels, "triple"),
        _statement(review, pooled, levels, "duo"),
        "Every randomised trial so far enrolled Asian patients only.",
    ])
    editions = sorted(int(e) for e in review.studies["added_in"].unique())
    return {
        "answer_md": answer,
        "headline_md": markdown_table(head),
        "flag_md": flag_md,
        "harms_md": harms_sentence(review),
        "sof_table": sof,
        "latest_edition": str(editions[-1]),
        "cite_md": (f"*Tacrolimus for lupus nephritis: a living review*, edition {editions[-1]}, data version "
                    f"{data_version(review.data_dir)}. Built on Kraaij et al., Lupus Sci Med 2016;3:e000169."),
    }


# ---------------------------------------------------------------------------------------------
# one function per page


def facts_search(review) -> dict:
    """01 Search and selection: counts of the 2016 search (printed by the review)."""
    f = review.search_flow.set_index(["round", "stage"])["count"]
    return {
        "n_records": f"{int(f[(2016, 'records_identified')])}",
        "n_included": f"{int(f[(2016, 'studies_included')])}",
        "n_meta": f"{int(f[(2016, 'studies_meta_analysis')])}",
        "n_flow_missing": str(int(review.search_flow.loc[review.search_flow["round"] == 2016, "count"].isna().sum())),
    }


def facts_studies(review) -> dict:
    """02 Included studies (the 2016 review's studies: its Tables 1–4 are reproduced)."""
    from . import literature

    studies = literature.review_studies(review, pools.EDITION_2016)
    check = literature.check_published(review, pools.EDITION_2016)
    marg = literature.computed_marginals(review, pools.EDITION_2016).set_index(["table", "row", "column"])["computed"]
    pub = review.published_tables.set_index(["table", "row", "column"])["value"]
    status = check["status"].value_counts()
    return {
        "n_studies": str(len(studies)),
        "n_candidates": str(int((studies["confidence"] == "candidate").sum())),
        "n_confirmed": str(int((studies["confidence"] == "confirmed").sum())),
        "n_asian_pct": f"{(studies['ethnicity'] == 'asian').mean() * 100:.0f}%",
        "quality_median": f"{marg[('text', 'quality_score', 'median')]:g}",
        "quality_range": f"{marg[('text', 'quality_score', 'min')]:g} to {marg[('text', 'quality_score', 'max')]:g}",
        "quality_median_printed": f"{pub[('text', 'quality_score', 'median')]:g}",
        "quality_range_printed": f"{pub[('text', 'quality_score', 'min')]:g} to {pub[('text', 'quality_score', 'max')]:g}",
        "n_checked": str(len(check)),
        "n_agree": str(int(status.get("agrees", 0))),
        "n_known": str(int(status.get("known discrepancy", 0))),
        "n_mismatch": str(int(status.get("MISMATCH", 0))),
        "n_pooled_patients_2016": str(int(marg[("table4", "n_patients", "all")])),
        "n_pooled_trials_2016": str(len(literature.meta_analysis_trials(review, pools.EDITION_2016))),
    }


def plain_language(review, pooled: pd.DataFrame, analysis: str, outcome: str, subgroup: str = "all",
                   method: str = PRIMARY, edition: int | None = None) -> str:
    """One sentence a clinician can read, generated from the numbers (so it stays true as data change)."""
    label = review.label(outcome).lower()
    k, n = _n_trials(review, analysis, outcome, subgroup, edition)
    r = pool_row(pooled, analysis, outcome, subgroup, method)
    if r is None or pd.isna(r["rr"]):
        return (f"No pooled estimate of {label} can be given yet: none of the {n} trials has usable counts "
                "in our data.")
    effect = direction(r["ci_low"], r["ci_high"])
    phrase = rr_phrase(r["rr"], r["ci_low"], r["ci_high"])
    if effect == "unclear":
        verdict = (f"the data do not show a clear difference in {label} between tacrolimus regimens and "
                   f"control treatment ({phrase})")
    else:
        more = effect == "increase"
        good = more == (review.higher_is(outcome) == "better")
        verdict = (f"{'more' if more else 'fewer'} patients had {label} with a tacrolimus regimen than with the "
                   f"control treatment ({phrase}), {'in favour of' if good else 'against'} tacrolimus")
    if n == 1:
        sentence = f"In the single trial, {verdict}."
    else:
        base = f"{k} of {n} trials" if k < n else f"all {n} trials"
        sentence = f"Pooling {base}, {verdict}."
    if k < n:
        sentence += " The missing trials could change this estimate."
    return capital(sentence)


def _rr_text(pooled, analysis: str, outcome: str, subgroup: str = "all") -> str:
    r = pool_row(pooled, analysis, outcome, subgroup)
    return "not estimable (no trial with counts)" if r is None else fmt_rr(r["rr"], r["ci_low"], r["ci_high"])


def _k_text(pooled, analysis: str, outcome: str, subgroup: str = "all") -> str:
    r = pool_row(pooled, analysis, outcome, subgroup)
    return "0" if r is None else str(int(r["k"]))


def _i2_text(pooled, analysis: str, outcome: str, subgroup: str = "all") -> str:
    r = pool_row(pooled, analysis, outcome, subgroup)
    return "not applicable" if r is None or pd.isna(r["i2"]) else f"{r['i2']:.0f}%"


def facts_efficacy(review) -> dict:
    """03 Efficacy."""
    from . import coverage

    pooled = pools.pooled_estimates(review)
    return {
        "plain_total_response": plain_language(review, pooled, "efficacy", "total_response"),
        "plain_complete_response": plain_language(review, pooled, "efficacy", "complete_response"),
        "plain_partial_response": plain_language(review, pooled, "efficacy", "partial_response"),
        "coverage_efficacy": coverage.sentence(review, "efficacy"),
    }


def facts_safety(review) -> dict:
    """04 Safety."""
    from . import coverage

    pooled = pools.pooled_estimates(review)
    return {
        "plain_infection": plain_language(review, pooled, "safety", "infection"),
        "plain_severe_infection": plain_language(review, pooled, "safety", "severe_infection"),
        "plain_hyperglycaemia": plain_language(review, pooled, "safety", "hyperglycaemia"),
        "plain_leucopenia": plain_language(review, pooled, "safety", "leucopenia"),
        "plain_creatinine_rise": plain_language(review, pooled, "safety", "creatinine_rise"),
        "plain_any_adverse_event": plain_language(review, pooled, "safety", "any_adverse_event"),
        "coverage_safety": coverage.sentence(review, "safety"),
    }


def facts_maintenance(review) -> dict:
    """05 Maintenance."""
    pooled = pools.pooled_estimates(review)
    return {
        "maintenance_trial": ", ".join(pools.trials(review, "maintenance")["label"]),
        "plain_maintenance_complete_response": plain_language(review, pooled, "maintenance", "complete_response"),
        "plain_maintenance_partial_response": plain_language(review, pooled, "maintenance", "partial_response"),
        "plain_maintenance_total_response": plain_language(review, pooled, "maintenance", "total_response"),
        "plain_maintenance_flare": plain_language(review, pooled, "maintenance", "flare"),
    }


def facts_reproduction(review) -> dict:
    """06 Reproduction of the 2016 review."""
    from .reproduction import gaps, reproduction_table

    rep = reproduction_table(review)
    counts = rep["status"].value_counts()
    return {
        "n_published": str(len(rep)),
        "n_published_efficacy": str(int((rep["analysis"] == "efficacy").sum())),
        "n_published_safety": str(int((rep["analysis"] == "safety").sum())),
        "n_reproduced": str(int(counts.get("reproduced", 0))),
        "n_differs": str(int(counts.get("differs", 0))),
        "n_not_reproducible": str(int(counts.get("not_reproducible", 0))),
        "n_gaps": str(len(gaps(review))),
    }


def heaviest_trial(review, outcome: str, analysis: str = "efficacy") -> str:
    """'Liu 2015 (42%), then Mok 2016 (40%)': the two heaviest trials of an overall pool, from the data."""
    w = pools.weights(review, analysis, outcome)
    if w.empty:
        return "no trial (counts missing)"
    parts = [f"{r.label} ({r.weight:.0f}%)" for r in w.head(2).itertuples()]
    return parts[0] + (f", then {parts[1]}" if len(parts) > 1 else "")


def facts_discussion(review) -> dict:
    """08 Discussion."""
    from . import coverage

    pooled = pools.pooled_estimates(review)
    tr = pools.trials(review, "efficacy")
    return {
        "plain_total": plain_language(review, pooled, "efficacy", "total_response"),
        "plain_complete": plain_language(review, pooled, "efficacy", "complete_response"),
        "plain_partial": plain_language(review, pooled, "efficacy", "partial_response"),
        "complete_triple": _rr_text(pooled, "efficacy", "complete_response", "triple"),
        "complete_triple_k": _k_text(pooled, "efficacy", "complete_response", "triple"),
        "complete_duo": _rr_text(pooled, "efficacy", "complete_response", "duo"),
        "complete_duo_k": _k_text(pooled, "efficacy", "complete_response", "duo"),
        "complete_all_i2": _i2_text(pooled, "efficacy", "complete_response", "all"),
        "heaviest_complete": heaviest_trial(review, "complete_response"),
        "heaviest_total": heaviest_trial(review, "total_response"),
        "coverage_safety_2016": coverage.sentence(review, "safety", edition=pools.EDITION_2016),
        "n_trials": str(len(tr)),
        "n_asian_trials": str(int((tr["ethnicity"] == "asian").sum())),
        "n_new_trials": str(int((review.studies["added_in"] > pools.EDITION_2016).sum())),
    }


def facts_update(review) -> dict:
    """09 Living update: the register, and what changed between the first and the latest edition."""
    from . import living

    eds = living.editions(review)
    status = review.register["status"].value_counts()
    first = pool_row(pools.pooled_estimates(review, edition=eds[0]), "efficacy", "complete_response")
    now = pool_row(pools.pooled_estimates(review), "efficacy", "complete_response")
    text = lambda r: "not estimable" if r is None else fmt_rr(r["rr"], r["ci_low"], r["ci_high"])  # noqa: E731
    return {
        "n_identified": str(len(review.register)),
        "n_new_included": str(int(status.get("included", 0))),
        "n_awaiting": str(int(status.get("awaiting_data", 0))),
        "n_ineligible": str(int(status.get("ineligible", 0))),
        "first_edition": str(eds[0]),
        "latest_edition": str(eds[-1]),
        "cr_first": text(first),
        "cr_now": text(now),
    }
