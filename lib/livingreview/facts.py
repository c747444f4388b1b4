"""Every value a page glues, one ``facts_<page>()`` per page, each key spelled out where it is made.

A notebook calls its ``facts_<page>(review)`` and glues every item; it does no arithmetic of its
own. To find where a number on a page comes from, grep its glue key here.
"""
from __future__ import annotations

import pandas as pd

from . import grade, pools, sensitivity
from .data import data_version
from .escape import html_text, markdown_code, markdown_code_block, markdown_text
from .fmt import fmt_p, fmt_rr
from .pools import PRIMARY, pool_row
from .wording import REGIMEN_LONG, REGIMEN_SHORT, capital, direction, grade_statement, rr_phrase

EFFICACY = ("total_response", "complete_response", "partial_response")
#: A test for subgroup differences below this p flags the pool of both regimens.
SUBGROUP_ALPHA = 0.10


def _n_trials(review, analysis: str, outcome: str, subgroup: str, edition=None) -> tuple[int, int]:
    """(trials with counts, trials in the pool) for one outcome and subgroup, from the coverage grid."""
    from . import coverage

    s = coverage.coverage_summary(review, analysis, edition, outcomes=[outcome], regimen=subgroup)
    return s["trials_with_any_counts"], s["trials"]


def _published_rr(review, analysis: str, outcome: str, subgroup: str) -> tuple[float, float, float] | None:
    """(RR, CI low, CI high) the 2016 review printed for a pool, or None."""
    p = review.published
    p = p[(p["analysis"] == analysis) & (p["outcome"] == outcome) & (p["subgroup"] == subgroup)]
    return None if p.empty else tuple(p.iloc[0][["rr", "ci_low", "ci_high"]])


def _published(review, analysis: str, outcome: str, subgroup: str) -> str:
    rr = _published_rr(review, analysis, outcome, subgroup)
    return "not reported" if rr is None else fmt_rr(*rr)


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
    rr = _published_rr(review, analysis, outcome, subgroup)
    return "" if rr is None else rr_phrase(*rr)


def harms_sentence(review) -> str:
    """What can be said about harms: re-derivable pools, and the review's estimates as published (plain text)."""
    from .reproduction import reproduction_table

    rep = reproduction_table(review)
    safety = rep[rep["analysis"] == "safety"]
    done = int((safety["status"] != "not_reproducible").sum())
    sig = review.published[(review.published["analysis"] == "safety") & (review.published["significant"] == "yes")]
    parts = [f"{review.label(r['outcome']).lower()} ({rr_phrase(r['rr'], r['ci_low'], r['ci_high'])})"
             for _, r in sig.iterrows()]
    text = (f"{done} of the review's {len(safety)} pooled adverse-event estimates can be re-derived "
            "from our data; the trials' adverse-event tables are needed for the rest.")
    if parts:
        text += (" The review reported these differences with TAC regimens: " + "; ".join(parts)
                 + " (as published; not yet re-derivable from our data).")
    return text


def what_changed(review) -> str:
    """One sentence on what the latest update changed (changelog and register of the latest edition)."""
    eds = sorted(int(e) for e in review.studies["added_in"].unique())
    latest = eds[-1]
    if latest == pools.EDITION_2016:
        return "This is the 2016 edition: nothing has been added since."
    added = list(pools.study_label(review.studies[review.studies["added_in"] == latest]))
    reg = review.register[review.register["round"] == latest] if review.register is not None else None
    awaiting = 0 if reg is None else int((reg["status"] == "awaiting_data").sum())
    excluded = 0 if reg is None else int((reg["status"] == "ineligible").sum())
    text = (f"The {latest} update added {', '.join(added) if added else 'no trial'} to the pools"
            f"; {awaiting} eligible trial{'s' if awaiting != 1 else ''} await{'s' if awaiting == 1 else ''} data "
            f"and {excluded} {'was' if excluded == 1 else 'were'} found ineligible.")
    return text


def _html_paragraphs(*paras: str) -> str:
    return "".join(f"<p>{html_text(p)}</p>" for p in paras if p)


def facts_summary(review) -> dict:
    """Every value of the landing page and the summary-of-findings page.

    Plain text for the summary page (``answer_md``, ``flag_md``, ``harms_md``, ``trials_and_pools_md``:
    despite their names, glued as text with ``{glue:text}`` so no character of the data is markup; the
    bold lead-ins "In short." and "Harms." are in the page), HTML for the landing page (``answer_html``,
    ``headline_html``, ``harms_html``, ``status_html``, built with :func:`~livingreview.escape.html_text`:
    myst-nb pastes only HTML or text across pages), ``sof_table`` (a DataFrame) and the plain texts
    they are made of.
    """
    from . import coverage, tables

    pooled = pools.pooled_estimates(review)
    sof = grade.summary_of_findings(review, pooled)
    levels = dict(zip(sof["outcome"], sof["level"]))
    head = headline_table(review, pooled, sof)
    flags = subgroup_flags(pooled)
    flagged = [f"{review.label(o).lower()} (test for subgroup differences p {_p_phrase(p)})" for o, p in flags.items()
               if p < SUBGROUP_ALPHA]
    flag = ("⚠ Duo and triple therapy differ for " + ", ".join(flagged) + ", so "
            "the pool of both regimens mixes two different effects: read the rows by regimen. Regimen is also "
            "confounded with the control treatment.") if flagged else ""
    answer = [_statement(review, pooled, levels, "triple"), _statement(review, pooled, levels, "duo"),
              "Every randomised trial so far enrolled Asian patients only; effects in other populations, beyond "
              "six months, and on kidney survival are unknown."]
    harms = harms_sentence(review)
    editions = sorted(int(e) for e in review.studies["added_in"].unique())
    last = facts_last_search(review)
    changed = what_changed(review)
    cite = (f"Tacrolimus for lupus nephritis: a living review, edition {editions[-1]}, data version "
            f"{data_version(review.data_dir)}. Based on Kraaij et al., Lupus Sci Med 2016;3:e000169.")
    status = (f'<div class="lr-status"><p><strong>Last search:</strong> {html_text(last["last_search_date"])} '
              f'({html_text(last["last_search_kind"])}). <strong>Edition:</strong> {html_text(editions[-1])}. '
              f'<strong>What changed:</strong> {html_text(changed)}</p>'
              f'<p><strong>How to cite:</strong> <em>{html_text(cite)}</em></p></div>')
    random = [o.lower() for o, model in zip(sof["Outcome"], sof["model"]) if model == "random"]
    model_note = ("Our RR is the Mantel–Haenszel fixed-effect estimate, as in the review."
                  + (f" Where the trials disagree ({', '.join(random)}), the summary of findings bases the "
                     "absolute effects and the certainty on a random-effects model, whose interval is wider."
                     if random else ""))
    table = tables.show(head, "Renal response at 6 months: our pooled risk ratio beside the review's published one",
                        "headline", review=review,
                        notes=[model_note] + ([flag] if flag else []))
    return {
        "answer_md": " ".join(answer),
        "flag_md": flag,
        "harms_md": harms,
        "answer_html": '<div class="lr-answer">' + _html_paragraphs(*answer) + "</div>",
        "headline_html": table.to_html(),
        "harms_html": '<div class="lr-harms">' + _html_paragraphs("Harms. " + harms) + "</div>",
        "status_html": status,
        "trials_and_pools_md": coverage.review_and_living_paragraph(review),
        "sof_table": sof,
        "latest_edition": str(editions[-1]),
        "last_search_date": last["last_search_date"],
        "what_changed": changed,
        "cite": cite,
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
        **facts_last_search(review),
        "strategies_md": strategies_markdown(review),
    }


def facts_last_search(review) -> dict:
    """When the last search ran, and what kind of search it was (``data/search/searches.csv``)."""
    from .search import DATABASE_LABELS, last_search_date

    s = review.searches
    date = last_search_date(review)
    if date is None:
        return {"last_search_date": "not recorded", "last_search_kind": "no search recorded",
                "search_due_md": ""}
    latest = s[s["searched_on"] == date]
    kinds = ", ".join(DATABASE_LABELS.get(d, d) for d in latest["database"])
    targeted = (latest["database"] == "targeted_scan").all()
    due = ("**A full search is due.** " + markdown_text(
        "The latest round (" + date + ") was a targeted scan of abstracts for trials published since 2015, not a "
        "full multi-database search; until the saved strategies above are run again in every database, trials "
        "may be missing.")) if targeted else ""
    return {"last_search_date": date, "last_search_kind": kinds, "search_due_md": due}


def strategies_markdown(review) -> str:
    """Every saved search strategy as a bold line and a fenced code block, for the ``{glue:md}`` directive.

    Built from escaped parts: the round and database through :func:`~livingreview.escape.markdown_text`,
    the file name as a code span and the strategy as a code block (line breaks kept) whose fences no
    line of the file can close (:mod:`livingreview.escape`).
    """
    from .search import DATABASE_LABELS, strategies

    parts = []
    for r in strategies(review.data_dir).itertuples():
        label = DATABASE_LABELS.get(r.database, r.database)
        parts.append(f"**{markdown_text(f'{r.round}, {label}')}** ({markdown_code(f'data/{r.file}')})\n\n"
                     + markdown_code_block(r.text.rstrip(), "text"))
    return "\n\n".join(parts)


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


def _k_text(review, analysis: str, outcome: str, subgroup: str = "all") -> str:
    """Trials with counts (from the coverage grid, like every coverage figure)."""
    return str(_n_trials(review, analysis, outcome, subgroup)[0])


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
        "coverage_efficacy": coverage.coverage_sentence(review, "efficacy"),
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
        "coverage_safety": coverage.coverage_sentence(review, "safety"),
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
        "complete_triple_k": _k_text(review, "efficacy", "complete_response", "triple"),
        "complete_duo": _rr_text(pooled, "efficacy", "complete_response", "duo"),
        "complete_duo_k": _k_text(review, "efficacy", "complete_response", "duo"),
        "complete_all_i2": _i2_text(pooled, "efficacy", "complete_response", "all"),
        "heaviest_complete": heaviest_trial(review, "complete_response"),
        "heaviest_total": heaviest_trial(review, "total_response"),
        "coverage_safety_2016": coverage.coverage_sentence(
            review, "safety", pools.EDITION_2016,
            outcomes=sorted(set(review.published.loc[review.published["analysis"] == "safety", "outcome"])),
            full_stop=False),  # the page goes on: "… no counts yet (see the safety page)."
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
        "update_flow_md": update_flow_markdown(review),
    }


#: Stage → words after its count: (singular, plural).
STAGE_WORDS = [("records_identified", ("record identified", "records identified")),
               ("duplicates_removed", ("duplicate removed", "duplicates removed")),
               ("records_screened", ("screened on title and abstract",) * 2),
               ("records_excluded", ("excluded there",) * 2),
               ("reports_assessed", ("full-text report assessed", "full-text reports assessed")),
               ("reports_excluded", ("excluded at full text",) * 2),
               ("new_studies_included", ("new study included", "new studies included")),
               ("studies_awaiting_data", ("awaiting data",) * 2)]


def count_words(n: int, words: tuple[str, str]) -> str:
    """'1 new study included', '2 new studies included' (singular for exactly one)."""
    return f"{n} {words[0] if n == 1 else words[1]}"


def update_flow_markdown(review) -> str:
    """One Markdown list item per search round with records: its date, kind and PRISMA counts.

    Built from escaped parts (:func:`~livingreview.escape.markdown_text`); for the ``{glue:md}`` directive.
    """
    from .search import DATABASE_LABELS, prisma_flow

    if review.search_records is None or review.search_records.empty:
        return "No search round after 2016 has records yet."
    flow = prisma_flow(review)
    lines = []
    for rnd, g in flow.groupby("round"):
        c = dict(zip(g["stage"], g["count"]))
        s = review.searches[review.searches["round"] == rnd]
        kinds = ", ".join(DATABASE_LABELS.get(d, d) for d in s["database"])
        dates = ", ".join(sorted(set(s["searched_on"].astype(str))))
        counts = "; ".join(count_words(int(c[k]), w) for k, w in STAGE_WORDS if k in c)
        lines.append(f"- **{markdown_text(f'{rnd} round')}** {markdown_text(f'({kinds}; searched on {dates}): {counts}.')}")
    return "\n".join(lines)


def facts_beyond(review) -> dict:
    """07 Methods beyond 2016: sentences comparing estimators, computed from the values."""
    from .randeff import CONFOUNDING_CAVEAT

    pooled = pools.pooled_estimates(review)
    re = pools.random_effects_results(review)
    f = pool_row(pooled, "efficacy", "complete_response")
    sel = (re["analysis"] == "efficacy") & (re["outcome"] == "complete_response") & (re["subgroup"] == "all")
    r = re[sel & (re["tau2_method"] == "REML") & (re["ci_method"] == "hksj_modified")]
    dl = re[sel & (re["tau2_method"] == "DL") & (re["ci_method"] == "z")]
    out = {"re_sentence": "Too few trials with counts for a random-effects model of complete response.",
           "i2_sentence": "", "subgroup_caveat": CONFOUNDING_CAVEAT}
    if f is None or r.empty:
        return out
    r = r.iloc[0]
    crosses = r["ci_low"] <= 1 <= r["ci_high"]
    if pd.notna(r["pi_low"]):
        pi_crosses = r["pi_low"] <= 1 <= r["pi_high"]
        pi = (f"the prediction interval for a new trial (t with k − 1 degrees of freedom) is {r['pi_low']:.2f} to "
              f"{r['pi_high']:.2f}, which {'includes' if pi_crosses else 'excludes'} no effect")
    else:
        pi = "with fewer than 3 trials no prediction interval is given"
    out["re_sentence"] = (
        f"For complete response, the fixed-effect RR is {fmt_rr(f['rr'], f['ci_low'], f['ci_high'])}; the "
        f"random-effects model (REML, modified Knapp–Hartung) gives {fmt_rr(r['rr'], r['ci_low'], r['ci_high'])}, "
        f"an interval {r['ci_high'] / r['ci_low'] / (f['ci_high'] / f['ci_low']):.1f} times as wide on the ratio "
        f"scale, which {'includes' if crosses else 'excludes'} no effect; {pi}.")
    if not dl.empty and pd.notna(f["i2"]) and pd.notna(dl.iloc[0]["i2"]):
        a, b = round(float(f["i2"]), 1), round(float(dl.iloc[0]["i2"]), 1)
        relation = "equals" if a == b else "is lower than" if b < a else "is higher than"
        out["i2_sentence"] = (f"The DerSimonian–Laird I² ({b:.1f}%) {relation} the fixed-effect I² ({a:.1f}%)"
                              + ("." if a == b else ": the fixed-effect Q is taken around the Mantel–Haenszel "
                                 "estimate, DerSimonian–Laird's around the inverse-variance mean, and the "
                                 "random-effects I² is τ²/(τ² + s²)."))
    sg = sensitivity.subgroup_tests(pooled, review)
    cr = sg[(sg["analysis"] == "efficacy") & (sg["outcome"] == "complete_response")].set_index("test")["p"]
    if "fixed_chi2" in cr:
        parts = [f"RevMan's fixed-effect test gives p {_p_phrase(cr['fixed_chi2'])}"]
        if "meta_regression_reml" in cr:
            parts.append(f"a REML meta-regression p {_p_phrase(cr['meta_regression_reml'])}")
        if "subgroup_q_random" in cr:
            parts.append(f"a random-effects subgroup test p {_p_phrase(cr['subgroup_q_random'])}")
        out["subgroup_caveat"] = ("For complete response, " + ", ".join(parts) + ". " + CONFOUNDING_CAVEAT)
    return out


def _p_phrase(p: float) -> str:
    t = fmt_p(p)
    return t if t.startswith("<") else f"= {t}"


def facts_verification(review) -> dict:
    """10 Verification: the largest difference between our MH estimate and statsmodels'."""
    from . import tables

    check = tables.statsmodels_check(review)
    return {"max_abs_diff": f"{check['Difference (ours MH − statsmodels)'].max():.1e}"}


def facts_landing(review) -> dict:
    """The landing page's values (:func:`facts_summary` without the summary-of-findings table)."""
    return {k: v for k, v in facts_summary(review).items() if k != "sof_table"}
