"""Every value a page glues, one ``facts_<page>()`` per page, each key spelled out where it is made.

A notebook calls its ``facts_<page>(review)`` and glues every item; it does no arithmetic of its
own, and neither does this module: every estimate is read from the evidence table
(:func:`livingreview.evidence.build`, computed once per data load), numbers are formatted only by
:mod:`livingreview.fmt` (and :mod:`livingreview.tables`), words come from :mod:`livingreview.wording`,
labels from ``data/labels.csv``.

A glue key about one estimate ends in that estimate's id: ``rr__efficacy.complete_response.triple.living.MH-cc``
is the row with that ``estimate_id`` in ``results/evidence.csv`` (:func:`estimate_facts` makes
``rr__``, ``k__``, ``trials__``, ``participants__``, ``i2__``, ``certainty__`` and ``added__`` keys). To find where a
number on a page comes from, grep its glue key here and its id in ``results/evidence.csv``.
"""
from __future__ import annotations

import pandas as pd

from . import evidence, grade, pools, sensitivity
from .data import data_version
from .escape import html_text, markdown_code, markdown_code_block, markdown_text
from .evidence import LIVING, estimate_id
from .fmt import fmt_ci, fmt_int, fmt_num, fmt_p, fmt_pct, fmt_rr
from .wording import capital, direction, disagreement, grade_statement, plural, rr_phrase

EFFICACY = ("total_response", "complete_response", "partial_response")
#: A test for subgroup differences below this p flags the pool of both regimens (and splits the SoF).
SUBGROUP_ALPHA = grade.SUBGROUP_ALPHA


# ---------------------------------------------------------------------------------------------
# reading the evidence table

def _row(review, analysis: str, outcome: str, population: str = "all", edition: str = LIVING,
         model: str = evidence.PRIMARY_MODEL) -> pd.Series | None:
    return evidence.row(evidence.build(review), analysis, outcome, population, edition, model)


def _by_id(review, eid: str) -> pd.Series | None:
    ev = evidence.build(review)
    hit = ev[ev["estimate_id"] == eid]
    return None if hit.empty else hit.iloc[0]


def _study_labels(review) -> dict[str, str]:
    return dict(zip(review.studies["study_id"], pools.study_label(review.studies)))


def _names(review, ids) -> str:
    """'Bao 2008, Chen 2011 and Li 2012' from study ids (';'-separated or a list), in the order given."""
    ids = [i for i in (ids.split(";") if isinstance(ids, str) else list(ids)) if i]
    lab = _study_labels(review)
    names = [lab.get(i, i) for i in ids]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""


def _population(review, population: str) -> str:
    return evidence._population_label(review, population)


def rr_text(r) -> str:
    """'1.37 (1.21 to 1.56)', or why there is no estimate."""
    if r is None or int(r["k_reported"]) == 0:
        return "not estimable (no trial with counts)"
    return fmt_rr(r["rr"], r["ci_low"], r["ci_high"])


def trials_text(r) -> str:
    """'2 of 3 trials' (trials with counts of the trials in the population); 'all 3 trials'; 'the single trial'."""
    k, n = int(r["k_reported"]), int(r["k_trials"])
    if n == 1:
        return "the single trial" if k == 1 else "the single trial (no counts)"
    return f"all {n} trials" if k == n else f"{k} of {plural(n, 'trial')}"


def certainty_text(r) -> str:
    """'very low', or 'not rated (subgroup not judged)'."""
    return r["certainty"] if isinstance(r["certainty"], str) and r["certainty"] else \
        f"not rated ({r['certainty_reason']})"


def estimate_facts(review, eid: str) -> dict:
    """Every glued quantity about one estimate, each key ending in the estimate id."""
    r = _by_id(review, eid)
    if r is None:
        raise KeyError(f"no estimate {eid!r} in the evidence table")
    out = {
        f"rr__{eid}": rr_text(r),
        f"k__{eid}": str(int(r["k_reported"])),
        f"trials__{eid}": trials_text(r),
        f"participants__{eid}": fmt_int(r["participants"]) if int(r["k_reported"]) else "0",
        f"i2__{eid}": "not applicable" if pd.isna(r["i2"]) else fmt_pct(r["i2"]),
        f"certainty__{eid}": certainty_text(r),
    }
    if r["edition"] == LIVING:
        old = _row(review, r["analysis"], r["outcome"], r["population"], "2016", r["model"])
        added = [t for t in str(r["trials"]).split(";") if t and (old is None or t not in str(old["trials"]).split(";"))]
        out[f"added__{eid}"] = (f"+ {_names(review, added)}: {rr_text(r)}" if added
                                else "no trial with counts added since 2016")
    return out


def _sensitivity_sentence(review, r) -> str:
    """The random-effects sensitivity analysis of a row, in words, and where the two models disagree."""
    re = _row(review, r["analysis"], r["outcome"], r["population"], r["edition"], evidence.SENSITIVITY_MODEL)
    if re is None:
        return ""
    text = f"Sensitivity analysis, random effects (REML, modified Knapp–Hartung): {rr_text(re)}"
    text += ("; from two trials this interval rests on t with 1 degree of freedom and is uninformative."
             if re["t1_interval"] else ".")
    dis = disagreement((r["rr"], r["ci_low"], r["ci_high"]), (re["rr"], re["ci_low"], re["ci_high"]), False)
    return text + (" " + dis if dis else "")


def plain_language(review, analysis: str, outcome: str, population: str = "all", edition: str = LIVING) -> str:
    """One sentence a clinician can read, generated from the evidence row (so it stays true as data change).

    The primary estimate (MH fixed effect), then the random-effects sensitivity analysis in the same
    paragraph, with a plain sentence where they disagree.
    """
    label = review.label(outcome).lower()
    r = _row(review, analysis, outcome, population, edition)
    if r is None or int(r["k_reported"]) == 0 or pd.isna(r["rr"]):
        n = 0 if r is None else int(r["k_trials"])
        return (f"No pooled estimate of {label} can be given yet: none of the {plural(n, 'trial')} has usable "
                "counts in our data.")
    effect = direction(r["ci_low"], r["ci_high"])
    phrase = rr_phrase(r["rr"], r["ci_low"], r["ci_high"])
    one = _one_regimen_of(review, r) if population == "all" else None
    who = ("tacrolimus regimens" if one is None else _population(review, one)) if population == "all" \
        else _population(review, population)
    if effect == "unclear":
        verdict = (f"the data do not show a clear difference in {label} between {who} and "
                   f"control treatment ({phrase}, MH fixed effect)")
    else:
        more = effect == "increase"
        good = more == (review.higher_is(outcome) == "better")
        verdict = (f"{'more' if more else 'fewer'} patients had {label} with {who} than with the "
                   f"control treatment ({phrase}, MH fixed effect), {'in favour of' if good else 'against'} tacrolimus")
    k, n = int(r["k_reported"]), int(r["k_trials"])
    if k == 1:
        sentence = (f"In the single trial with counts ({_names(review, r['trials'])}"
                    + (f", of {plural(n, 'trial')}" if n > 1 else "") + f"), {verdict}.")
    else:
        only = "" if one is None else f"; only {_population(review, one)} trials have counts"
        sentence = f"Pooling {trials_text(r)} with counts ({fmt_int(r['participants'])} participants{only}), {verdict}."
    if k < n:
        sentence += " The trials without counts could change this estimate."
    extra = _sensitivity_sentence(review, r)
    return capital(sentence + (" " + extra if extra else ""))


def _one_regimen_of(review, r) -> str | None:
    """The one regimen whose trials hold every count of a row, or None (several, or no counts)."""
    regimen = review.studies.set_index("study_id")["regimen"]
    found = {regimen.get(t) for t in str(r["trials"]).split(";") if t}
    return found.pop() if len(found) == 1 else None


def coverage_text(review, analysis: str, edition: str = LIVING, outcomes=None, outcomes_label: str = "") -> str:
    """Coverage of one analysis from the evidence rows (primary, both regimens pooled), naming the edition.

    'Living review (today's trials): 2 of 36 trial-by-outcome counts are in our data, from 2 of 6 trials;
    Bao 2008, Chen 2011, JCN 2017 and Li 2012 have none.'
    """
    ev = evidence.primary(evidence.build(review))
    p = ev[(ev["analysis"] == analysis) & (ev["edition"] == edition) & (ev["population"] == "all")]
    if outcomes is not None:
        p = p[p["outcome"].isin(list(outcomes))]
    which = "the 2016 review's trials" if edition == "2016" else "today's trials"
    if p.empty:
        return f"In {which}, no trial of this analysis is in the data yet."
    cells = int(p["k_trials"].sum())
    have = int(p["k_reported"].sum())
    with_counts = sorted({t for ts in p["trials"] for t in str(ts).split(";") if t})
    all_trials = sorted({t for col in ("trials", "trials_without_counts") for ts in p[col]
                         for t in str(ts).split(";") if t})
    without = [t for t in all_trials if t not in with_counts]
    labels = _study_labels(review)
    without = sorted(without, key=lambda t: labels.get(t, t))
    text = (f"In {which}, {have} of {cells} trial-by-outcome counts "
            f"({plural(len(p), outcomes_label or 'outcome', outcomes_label or None)}) {'is' if have == 1 else 'are'} in our data, from {len(with_counts)} of {plural(len(all_trials), 'trial')}")
    if without:
        text += f"; {_names(review, without)} {'has' if len(without) == 1 else 'have'} none"
    return text + "."


# ---------------------------------------------------------------------------------------------
# subgroup tests (named in every sentence that says the regimens differ)

def _subgroup_tests(review) -> pd.DataFrame:
    ev = evidence.build(review)
    p = ev[(ev["edition"] == LIVING) & (ev["role"] == "primary")]
    fixed = sensitivity.subgroup_test(p.rename(columns={"population": "subgroup", "model": "method"}))
    parts = [fixed.assign(test="fixed_chi2")[["analysis", "outcome", "test", "p"]]]
    for a in ("efficacy", "safety"):
        rows = pools.with_counts(review, a)
        if len(rows):
            rnd = sensitivity.subgroup_test_random(rows)
            parts.append(rnd.assign(analysis=a)[["analysis", "outcome", "test", "p"]])
    return pd.concat(parts, ignore_index=True)


TEST_NAMES = {"fixed_chi2": "RevMan's fixed-effect χ² test",
              "meta_regression_reml": "the REML meta-regression Wald test",
              "meta_regression_reml_knha": "the Knapp–Hartung meta-regression F test",
              "subgroup_q_random": "the random-effects Q test between subgroups"}


def _p_phrase(p: float) -> str:
    t = fmt_p(p)
    return t if t.startswith("<") else f"= {t}"


def subgroup_sentence(review, analysis: str, outcome: str) -> str:
    """'For complete response, RevMan's fixed-effect χ² test gives p = 0.001, …; …' naming each test."""
    sg = _subgroup_tests(review)
    t = sg[(sg["analysis"] == analysis) & (sg["outcome"] == outcome)].set_index("test")["p"]
    if "fixed_chi2" not in t:
        return ""
    parts = [f"{TEST_NAMES[k]} p {_p_phrase(t[k])}" for k in TEST_NAMES if k in t]
    fixed, knha = t.get("fixed_chi2"), t.get("meta_regression_reml_knha")
    text = f"For {review.label(outcome).lower()}, " + ", ".join(parts) + "."
    if fixed is not None and fixed < SUBGROUP_ALPHA:
        if knha is not None and knha >= SUBGROUP_ALPHA:
            text += (" The regimens differ by RevMan's fixed-effect test only; the Knapp–Hartung test, which allows "
                     "for the disagreement between trials, does not confirm the difference.")
        else:
            text += " By these tests the regimens differ."
    return text


def subgroup_flags(review) -> dict[str, float]:
    """Efficacy outcome → p of RevMan's fixed-effect χ² test for subgroup differences, where it exists."""
    sg = _subgroup_tests(review)
    f = sg[(sg["analysis"] == "efficacy") & (sg["test"] == "fixed_chi2")]
    return dict(zip(f["outcome"], f["p"]))


# ---------------------------------------------------------------------------------------------
# 00 summary of findings and the landing page

def headline_table(review) -> pd.DataFrame:
    """Living review (today's trials) only: one row per efficacy outcome × (triple, duo, both pooled).

    The primary estimate (MH fixed effect), trials with counts, the random-effects sensitivity analysis and the
    certainty of that very row (not rated, with the reason, where no judgement exists for it). No published value:
    the review's estimates stand beside ours from the same trials in :func:`what_changed_frame`.
    """
    flags = subgroup_flags(review)
    rows, missing = [], []
    for oc in EFFICACY:
        for sub in ("triple", "duo", "all"):
            r = _row(review, "efficacy", oc, sub)
            if r is None:
                continue
            if int(r["k_reported"]) == 0:
                missing.append(f"{_population(review, sub)}: {review.label(oc).lower()}")
                continue
            if sub == "all" and _one_regimen_of(review, r) is not None:
                continue  # the same trials as that regimen's row: one estimate, shown once
            re = _row(review, "efficacy", oc, sub, model=evidence.SENSITIVITY_MODEL)
            comp = r["comparison"] + (" ⚠" if sub == "all" and flags.get(oc, 1.0) < SUBGROUP_ALPHA else "")
            re_text = "–" if re is None else rr_text(re) + (" (two trials: uninformative)" if re["t1_interval"] else "")
            rows.append({"Outcome": review.label(oc), "Population and comparison": comp,
                         "RR (95% CI), MH fixed effect": rr_text(r),
                         "Trials with counts": f"{int(r['k_reported'])} of {int(r['k_trials'])}",
                         "Random effects, sensitivity": re_text,
                         "Certainty": certainty_text(r)})
    out = pd.DataFrame(rows)
    out.attrs["no_counts"] = missing
    return out


def what_changed_frame(review, analysis: str = "efficacy", outcomes=EFFICACY) -> pd.DataFrame:
    """Like with like: per estimate, our 2016-edition pool beside the published one; then, apart, the living
    pool with the trials the update added and its certainty (:func:`livingreview.evidence.what_changed`)."""
    m = evidence.what_changed(evidence.build(review))
    m = m[(m["analysis"] == analysis) & (m["outcome"].isin(list(outcomes)))]
    pub = {(a, o, s): (rr, lo, hi) for a, o, s, rr, lo, hi in zip(
        review.published["analysis"], review.published["outcome"], review.published["subgroup"],
        review.published["rr"], review.published["ci_low"], review.published["ci_high"])}
    rows = []
    order = {o: i for i, o in enumerate(outcomes)}
    pop_order = {"triple": 0, "duo": 1, "all": 2}
    m = m.sort_values(["outcome", "population"], key=lambda s: s.map(order) if s.name == "outcome" else s.map(pop_order))
    for r in m.itertuples():
        k16, kl = int(r.k_reported_2016 or 0), int(r.k_reported_living or 0)
        p = pub.get((r.analysis, r.outcome, r.population))
        added = [t for t in str(r.trials_added).split(";") if t]
        rows.append({
            "Outcome": review.label(r.outcome), "Population and comparison": r.comparison_living,
            "2016 edition, ours (trials)": (rr_text({"k_reported": k16, "rr": r.rr_2016, "ci_low": r.ci_low_2016,
                                                      "ci_high": r.ci_high_2016}) + f" ({k16})"),
            "Published 2016": fmt_rr(*p) if p else "not reported",
            "Living, ours (trials)": (rr_text({"k_reported": kl, "rr": r.rr_living, "ci_low": r.ci_low_living,
                                                "ci_high": r.ci_high_living}) + f" ({kl})"),
            "Trials added with counts": _names(review, added) if added else "none",
            "Certainty (living)": r.certainty_living if isinstance(r.certainty_living, str) and r.certainty_living
            else f"not rated ({r.certainty_reason_living})",
        })
    return pd.DataFrame(rows)


def _statement(review, regimen: str) -> str:
    """The answer for one regimen: total response if it has counts, else complete response."""
    for oc in ("total_response", "complete_response"):
        r = _row(review, "efficacy", oc, regimen)
        if r is not None and int(r["k_reported"]) and pd.notna(r["rr"]):
            break
    else:
        r = _row(review, "efficacy", "total_response", regimen)
        n = 0 if r is None else int(r["k_trials"])
        pub = review.published[(review.published["outcome"] == "total_response")
                               & (review.published["subgroup"] == regimen)]
        said = "" if pub.empty else "; the 2016 review reported " + rr_phrase(*pub.iloc[0][["rr", "ci_low", "ci_high"]])
        return (f"For {_population(review, regimen)}, none of the {plural(n, 'trial')} has renal-response counts in "
                f"our data yet{said}.")
    level = r["certainty"] if isinstance(r["certainty"], str) and r["certainty"] else None
    who = r["comparison"]
    label = review.label(oc).lower()
    facts = (f"{rr_phrase(r['rr'], r['ci_low'], r['ci_high'])}, MH fixed effect; {fmt_int(r['participants'])} "
             f"participants in {trials_text(r)}")
    if level:
        text = capital(grade_statement(level, direction(r["ci_low"], r["ci_high"]), who, label)) + \
            f" ({facts}; {level} certainty)."
    else:
        text = (f"{who}: {label} {facts}; certainty not rated for this regimen ({r['certainty_reason']}).")
    extra = _sensitivity_sentence(review, r)
    return text + (" " + extra if extra else "")


def harms_sentence(review) -> str:
    """What can be said about harms: re-derivable pools (edition 2016, every trial with counts), and the
    review's estimates as published."""
    ev = evidence.primary(evidence.build(review))
    pub = ev[(ev["analysis"] == "safety") & (ev["edition"] == "2016") & ev["published_rr"].notna()]
    done = int((pub["k_reported"] == pub["k_trials"]).sum())
    sig = review.published[(review.published["analysis"] == "safety") & (review.published["significant"] == "yes")]
    parts = [f"{review.label(r['outcome']).lower()} ({rr_phrase(r['rr'], r['ci_low'], r['ci_high'])})"
             for _, r in sig.iterrows()]
    text = (f"{done} of the review's {len(pub)} pooled adverse-event estimates can be re-derived "
            "from our data; the trials' adverse-event tables are needed for the rest.")
    if parts:
        text += (" The review reported these differences with TAC regimens: " + "; ".join(parts)
                 + " (as published; not yet re-derivable from our data).")
    return text


def what_changed(review) -> str:
    """One sentence on what the latest update changed: trials added with the outcomes they have counts for."""
    eds = sorted(int(e) for e in review.studies["added_in"].unique())
    latest = eds[-1]
    if latest == pools.EDITION_2016:
        return "This is the 2016 edition: nothing has been added since."
    new = review.studies[review.studies["added_in"] == latest]
    out = review.outcomes
    parts = []
    for sid, label in zip(new["study_id"], pools.study_label(new)):
        rows = out[(out["study_id"] == sid)]
        have = rows[pools.has_counts(rows)]["outcome"]
        parts.append(f"{label} (counts for {', '.join(review.label(o).lower() for o in have) or 'no outcome'})")
    reg = review.register[review.register["round"] == latest] if review.register is not None else None
    awaiting = 0 if reg is None else int((reg["status"] == "awaiting_data").sum())
    excluded = 0 if reg is None else int((reg["status"] == "ineligible").sum())
    return (f"The {latest} update added {', '.join(parts) if parts else 'no trial'} to the pools; "
            f"{plural(awaiting, 'eligible trial')} {'awaits' if awaiting == 1 else 'await'} data "
            f"and {excluded} {'was' if excluded == 1 else 'were'} found ineligible.")


def _html_paragraphs(*paras: str) -> str:
    return "".join(f"<p>{html_text(p)}</p>" for p in paras if p)


def facts_summary(review) -> dict:
    """Every value of the landing page and the summary-of-findings page.

    Plain text for the summary page (``answer_md``, ``flag_md``, ``harms_md``, ``certainty_md``,
    ``trials_and_pools_md``: despite their names, glued as text with ``{glue:text}`` so no character of
    the data is markup; the bold lead-ins "In short." and "Harms." are in the page), HTML for the landing
    page (``answer_html``, ``headline_html``, ``harms_html``, ``status_html``, built with
    :func:`~livingreview.escape.html_text`: myst-nb pastes only HTML or text across pages), ``sof_table`` (the rows of :func:`livingreview.grade.summary_of_findings`), ``what_changed_table``
    (a DataFrame) and the plain texts they are made of.
    """
    from . import coverage, tables

    sof = grade.summary_of_findings(review)
    head = headline_table(review)
    flags = subgroup_flags(review)
    flagged = [o for o, p in flags.items() if p < SUBGROUP_ALPHA]
    flag = ""
    if flagged:
        flag = ("⚠ " + " ".join(subgroup_sentence(review, "efficacy", o) for o in flagged)
                + " Where RevMan's test argues against pooling, the summary of findings shows each regimen "
                "separately. Regimen is also confounded with the control treatment.")
    answer = [_statement(review, "triple"), _statement(review, "duo"),
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
    model_note = ("Living review (today's trials). The primary estimate is the Mantel–Haenszel fixed effect, the "
                  "review's model; the random-effects model (REML, modified Knapp–Hartung) is its sensitivity "
                  "analysis. Certainty is shown only for a row that was judged. The review's published estimates "
                  "stand beside ours from the same 2016 trials on the summary-of-findings and reproduction pages.")
    none = head.attrs.get("no_counts", [])
    if none:
        model_note += " No trial with counts yet for " + "; ".join(none) + "."
    table = tables.show(head, "Renal response at 6 months: the living review's pooled risk ratios by regimen",
                        "headline", review=review, notes=[model_note] + ([flag] if flag else []))
    labels = review.outcome_labels
    return {
        "answer_md": " ".join(answer),
        "flag_md": flag,
        "harms_md": harms,
        "certainty_md": grade.sentence(sof, labels),
        "answer_html": '<div class="lr-answer">' + _html_paragraphs(*answer) + "</div>",
        "headline_html": table.to_html(),
        "harms_html": '<div class="lr-harms">' + _html_paragraphs("Harms. " + harms) + "</div>",
        "status_html": status,
        "trials_and_pools_md": coverage.review_and_living_paragraph(review),
        "sof_table": sof,
        "what_changed_table": what_changed_frame(review),
        "latest_edition": str(editions[-1]),
        "last_search_date": last["last_search_date"],
        "what_changed": changed,
        "cite": cite,
    }


# ---------------------------------------------------------------------------------------------
# one function per page

def _estimates(review, *ids: str) -> dict:
    out = {}
    for eid in ids:
        out.update(estimate_facts(review, eid))
    return out


def facts_efficacy(review) -> dict:
    """03 Efficacy."""
    return {
        "plain_total_response": plain_language(review, "efficacy", "total_response"),
        "plain_complete_response": plain_language(review, "efficacy", "complete_response"),
        "plain_partial_response": plain_language(review, "efficacy", "partial_response"),
        "coverage_efficacy": coverage_text(review, "efficacy"),
        "subgroup_efficacy": " ".join(subgroup_sentence(review, "efficacy", o) for o in EFFICACY),
    }


def facts_safety(review) -> dict:
    """04 Safety."""
    return {
        "plain_infection": plain_language(review, "safety", "infection"),
        "plain_severe_infection": plain_language(review, "safety", "severe_infection"),
        "plain_hyperglycaemia": plain_language(review, "safety", "hyperglycaemia"),
        "plain_leucopenia": plain_language(review, "safety", "leucopenia"),
        "plain_creatinine_rise": plain_language(review, "safety", "creatinine_rise"),
        "plain_any_adverse_event": plain_language(review, "safety", "any_adverse_event"),
        "coverage_safety": coverage_text(review, "safety"),
    }


def facts_maintenance(review) -> dict:
    """05 Maintenance."""
    return {
        "maintenance_trial": ", ".join(pools.trials(review, "maintenance")["label"]),
        "plain_maintenance_complete_response": plain_language(review, "maintenance", "complete_response"),
        "plain_maintenance_partial_response": plain_language(review, "maintenance", "partial_response"),
        "plain_maintenance_total_response": plain_language(review, "maintenance", "total_response"),
        "plain_maintenance_flare": plain_language(review, "maintenance", "flare"),
    }


def facts_discussion(review) -> dict:
    """08 Discussion."""
    tr = pools.trials(review, "efficacy")
    sof = grade.summary_of_findings(review)
    ev = evidence.primary(evidence.build(review))
    live = ev[(ev["analysis"] == "efficacy") & (ev["edition"] == LIVING) & (ev["population"] == "all")]
    with_counts = {t for ts in live["trials"] for t in str(ts).split(";") if t}
    review_safety = sorted(set(review.published.loc[review.published["analysis"] == "safety", "outcome"]))
    return {
        "plain_total": plain_language(review, "efficacy", "total_response"),
        "plain_complete": plain_language(review, "efficacy", "complete_response"),
        "plain_partial": plain_language(review, "efficacy", "partial_response"),
        **_estimates(review, "efficacy.complete_response.triple.living.MH-cc",
                     "efficacy.complete_response.duo.living.MH-cc",
                     "efficacy.complete_response.all.living.MH-cc"),
        "subgroup_complete": subgroup_sentence(review, "efficacy", "complete_response"),
        "heaviest_complete": heaviest_trial(review, "complete_response"),
        "heaviest_total": heaviest_trial(review, "total_response"),
        "coverage__safety.2016": coverage_text(review, "safety", "2016", outcomes=review_safety,
                                               outcomes_label="safety outcomes the review pooled"),
        "certainty_sentence": grade.sentence(sof, review.outcome_labels),
        "n_trials": str(len(tr)),
        "n_trials_with_counts": str(len(with_counts)),
        "n_asian_trials": str(int((tr["ethnicity"] == "asian").sum())),
        "n_new_trials": str(int((review.studies["added_in"] > pools.EDITION_2016).sum())),
    }


def facts_update(review) -> dict:
    """09 Living update: the register, and what changed between the 2016 and the living edition."""
    from . import living

    eds = living.editions(review)
    status = review.register["status"].value_counts()
    return {
        "n_identified": str(len(review.register)),
        "n_new_included": str(int(status.get("included", 0))),
        "n_awaiting": str(int(status.get("awaiting_data", 0))),
        "n_ineligible": str(int(status.get("ineligible", 0))),
        "first_edition": str(eds[0]),
        "latest_edition": str(eds[-1]),
        **_estimates(review, "efficacy.complete_response.all.2016.MH-cc",
                     "efficacy.complete_response.all.living.MH-cc"),
        "what_changed": what_changed(review),
        "update_flow_md": update_flow_markdown(review),
    }


def facts_beyond(review) -> dict:
    """07 Methods beyond 2016: sentences comparing estimators, read from the evidence rows."""
    from .randeff import CONFOUNDING_CAVEAT

    f = _row(review, "efficacy", "complete_response")
    r = _row(review, "efficacy", "complete_response", model="REML-hksj_modified")
    dl = _row(review, "efficacy", "complete_response", model="DL-z")
    out = {"re_sentence": "Too few trials with counts for a random-effects model of complete response.",
           "i2_sentence": "", "subgroup_caveat": CONFOUNDING_CAVEAT}
    if f is None or r is None:
        return out
    crosses = r["ci_low"] <= 1 <= r["ci_high"]
    if pd.notna(r["pi_low"]):
        pi_crosses = r["pi_low"] <= 1 <= r["pi_high"]
        pi = (f"the prediction interval for a new trial (t with k − 1 degrees of freedom) is "
              f"{fmt_ci(r['pi_low'], r['pi_high'])}, which "
              f"{'includes' if pi_crosses else 'excludes'} no effect")
    else:
        pi = "with fewer than 3 trials no prediction interval is given"
    out["re_sentence"] = (
        f"For complete response, the fixed-effect RR is {rr_text(f)}; the random-effects model (REML, modified "
        f"Knapp–Hartung) gives {rr_text(r)}, an interval "
        f"{fmt_num(r['ci_high'] / r['ci_low'] / (f['ci_high'] / f['ci_low']), 1)} times as wide on the ratio scale, which {'includes' if crosses else 'excludes'} no effect; {pi}.")
    if dl is not None and pd.notna(f["i2"]) and pd.notna(dl["i2"]):
        a, b = round(float(f["i2"]), 1), round(float(dl["i2"]), 1)
        relation = "equals" if a == b else "is lower than" if b < a else "is higher than"
        out["i2_sentence"] = (f"The DerSimonian–Laird I² ({fmt_pct(b, 1)}) {relation} the fixed-effect I² "
                              f"({fmt_pct(a, 1)})"
                              + ("." if a == b else ": the fixed-effect Q is taken around the Mantel–Haenszel "
                                 "estimate, DerSimonian–Laird's around the inverse-variance mean, and the "
                                 "random-effects I² is τ²/(τ² + s²)."))
    sent = subgroup_sentence(review, "efficacy", "complete_response")
    if sent:
        out["subgroup_caveat"] = sent + " " + CONFOUNDING_CAVEAT
    return out


def facts_verification(review) -> dict:
    """10 Verification: the largest difference between our MH estimate and statsmodels', and the flagged rows."""
    from . import tables

    check = tables.statsmodels_check(review)
    flagged = int(check["Note"].astype(str).str.len().gt(0).sum()) if "Note" in check else 0
    return {"max_abs_diff": f"{check['Difference (ours MH − statsmodels)'].max():.1e}",
            "n_statsmodels_flagged": str(flagged)}


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
    parts = [f"{r.label} ({fmt_pct(r.weight)})" for r in w.head(2).itertuples()]
    return parts[0] + (f", then {parts[1]}" if len(parts) > 1 else "")



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
    """'1 new study included', '2 new studies included' (:func:`livingreview.wording.plural`)."""
    return plural(n, *words)


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


