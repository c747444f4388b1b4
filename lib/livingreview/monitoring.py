"""Trial sequential analysis of the review's efficacy pools, and the values its page glues.

Each efficacy outcome's overall pool (every induction trial with counts, both regimens) is monitored
with :func:`livingreview.sequential.monitor`: the looks are the trials in order of publication year,
then study id, pooled as the review pools them (Mantel–Haenszel, the review's zero-cell rule
``MH-cc``). The assumptions are :data:`ASSUMPTIONS`, stated on the page with the Cochrane Handbook's
caveat (ch. 22: a sensitivity analysis, not the main one). :func:`facts_sequential` returns every
glued value of the page (07 Methods beyond 2016) and the summary-of-findings line, keys spelled out.
"""
from __future__ import annotations

import pandas as pd

from . import pools, sequential
from .escape import markdown_text
from .data import Review
from .fmt import fmt_ci, fmt_int, fmt_rr
from .wording import capital

#: The outcomes monitored (the efficacy outcomes of the review).
OUTCOMES = ("total_response", "complete_response", "partial_response")
#: The assumptions of the page's analysis (every one a parameter of :func:`monitor_review`).
ASSUMPTIONS = dict(rr=1.2, alpha=0.05, beta=0.1, heterogeneity="I2", model=pools.PRIMARY, futility="non-binding")
#: What the last look shows, in words.
RESULT_WORDS = {"efficacy": "benefit boundary crossed: conclusive under these assumptions",
                "harm": "harm boundary crossed: conclusive under these assumptions",
                "futility": "inside the futility wedge",
                "ris reached": "information size reached without crossing",
                "not tested": "too little information to test",
                "none": "no boundary crossed: not yet conclusive"}
CAVEAT = ("The Cochrane Handbook (chapter 22) treats sequential methods for meta-analyses as a sensitivity "
          "analysis, not the main one: the estimates, their certainty and the conclusions of this review are "
          "those of the summary of findings; this analysis only asks whether the information accrued so far "
          "would be enough under the stated assumptions.")


def looks(review: Review, outcome: str, analysis: str = "efficacy", edition: int | None = None) -> pd.DataFrame:
    """The trials with counts of one overall pool in look order: publication year, then study id."""
    rows = pools.with_counts(review, analysis, edition)
    rows = rows[rows["outcome"] == outcome]
    return rows.sort_values(["year", "study_id"], kind="stable").reset_index(drop=True)


def monitor_review(review: Review, outcome: str, *, analysis: str = "efficacy", edition: int | None = None,
                   **assumptions) -> sequential.Monitoring | None:
    """The sequential analysis of one outcome under :data:`ASSUMPTIONS` (overridden by keywords);
    None when no trial has counts."""
    rows = looks(review, outcome, analysis, edition)
    if rows.empty:
        return None
    kw = {**ASSUMPTIONS, **assumptions}
    counts = [rows[c].to_numpy(dtype=float) for c in ("tac_events", "tac_total", "ctl_events", "ctl_total")]
    with pools.quiet():
        m = sequential.monitor(list(rows["study_id"]), *counts, higher_is=review.higher_is(outcome), **kw)
    m.looks["label"] = list(rows["label"])  # 'Liu 2015': how the figure names a look
    return m


def monitor_outcomes(review: Review, **assumptions) -> dict:
    """Outcome → :func:`monitor_review` for every outcome of :data:`OUTCOMES` (compute once, pass on)."""
    return {oc: monitor_review(review, oc, **assumptions) for oc in OUTCOMES}


def assumptions_sentence(inflation: float, assumptions: dict | None = None) -> str:
    """The assumptions behind the required information sizes, in words (from :data:`ASSUMPTIONS`)."""
    kw = {**ASSUMPTIONS, **(assumptions or {})}
    rr = kw["rr"]
    effect = ("the limit of the pooled confidence interval nearest to no effect" if rr == "ci" else
              f"a {abs(rr - 1) * 100:.0f}% relative {'increase' if rr > 1 else 'decrease'} (RR {rr:.2f})")
    het = {"none": "no heterogeneity adjustment",
           "I2": "the size multiplied by 1/(1 − I²) with the outcome's pooled I² (Wetterslev 2008)",
           "D2": "the size multiplied by 1/(1 − D²) with the outcome's diversity D² (Wetterslev 2009)"}[kw["heterogeneity"]]
    fut = (f"; non-binding futility boundaries (O'Brien–Fleming-type β-spending), which raise the size by a "
           f"factor of {inflation:.2f} (as the R package RTSA)" if kw["futility"] == "non-binding" else "")
    return (f"the control-arm risk of each outcome's pooled control arms, {effect} with tacrolimus, two-sided "
            f"α = {kw['alpha']:g}, power {100 * (1 - kw['beta']):.0f}% (β = {kw['beta']:g}), {het}{fut}")


def tsa_sentence(m: sequential.Monitoring | None, label: str) -> str:
    """One sentence from the numbers: information accrued, the z against its boundary, the verdict."""
    if m is None:
        return f"{capital(label)}: no trial has counts yet, so no sequential analysis can be made."
    if not m.ris > 0:
        return f"{capital(label)}: no required information size can be computed under these assumptions."
    k = len(m.looks["look"])
    held = (f"For {label}, the {k} trial{'s' if k != 1 else ''} with counts so far hold{'s' if k == 1 else ''} "
            f"{fmt_int(m.participants)} of the {fmt_int(round(m.ris))} participants needed "
            f"({100 * m.fraction:.0f}%)")
    z, c = m.z, m.final_boundary
    if m.crossed == "not tested":
        return held + "; that is too little information for a test (at most 1% of the size)."
    if c >= sequential.INFINITE_Z:
        return (held + f"; so early, O'Brien–Fleming-type spending gives no boundary that the cumulative z of "
                f"{z:.1f} could cross{' (it does cross the conventional 1.96)' if abs(z) >= 1.96 else ''}: under "
                "these assumptions the evidence is far from conclusive, and no TSA-adjusted interval can be given.")
    conventional = abs(z) >= 1.96
    if m.crossed in ("efficacy", "harm"):
        verdict = (f"the cumulative z of {z:.1f} crosses the monitoring boundary of {c if z > 0 else -c:.1f}: "
                   f"the evidence of {'benefit' if m.crossed == 'efficacy' else 'harm'} with tacrolimus regimens "
                   "is conclusive under these assumptions")
    elif m.crossed == "futility":
        verdict = (f"the cumulative z of {z:.1f} lies inside the futility wedge: an effect as large as the one "
                   "assumed is unlikely under these assumptions")
    elif m.crossed == "ris reached":
        verdict = (f"the cumulative z of {z:.1f} reaches the required information size without crossing a "
                   "boundary: an effect as large as the one assumed is unlikely")
    else:
        verdict = (f"the cumulative z of {z:.1f} does not cross the monitoring boundary of {c:.1f}"
                   + (" (it does cross the conventional 1.96)" if conventional else "")
                   + ": under these assumptions the evidence is not yet conclusive")
    ci = (f" The TSA-adjusted 95% confidence interval of the risk ratio of {m.rr:.2f}, with {c:.2f} in place of "
          f"1.96, is {fmt_ci(m.adjusted_ci_low, m.adjusted_ci_high)} (conventional "
          f"{fmt_ci(m.ci_low, m.ci_high)}).")
    return held + "; " + verdict + "." + ci


def sof_line(m: sequential.Monitoring | None, label: str) -> str:
    """The short line of the summary-of-findings page for one outcome."""
    if m is None or not m.ris > 0:
        return f"{capital(label)}: no sequential analysis (no counts or no information size)."
    state = RESULT_WORDS.get(m.crossed, m.crossed)
    bound = ("no boundary yet" if m.final_boundary >= sequential.INFINITE_Z
             else f"a boundary of {m.final_boundary:.1f}")
    return (f"{capital(label)}: {fmt_int(m.participants)} of {fmt_int(round(m.ris))} participants needed "
            f"({100 * m.fraction:.0f}%); z = {m.z:.1f} against {bound}; {state}.")


def facts_sequential(review: Review, results: dict | None = None) -> dict:
    """Every glued value of the sequential analysis (07 Methods beyond 2016, and its line on 00);
    ``results`` is :func:`monitor_outcomes` (computed when not given).

    Keys, spelled out: ``tsa_sentence_total_response``, ``tsa_sentence_complete_response``,
    ``tsa_sentence_partial_response``, ``tsa_sof_total_response``, ``tsa_sof_complete_response``,
    ``tsa_sof_partial_response``, ``tsa_assumptions_md`` (Markdown), ``tsa_caveat``.
    """
    ms = results or monitor_outcomes(review)
    label = {oc: review.label(oc).lower() for oc in OUTCOMES}
    first = next((m for m in ms.values() if m is not None and m.ris > 0), None)
    assumptions = "**Assumptions.** " + markdown_text(  # Markdown built from escaped parts (issue 19)
        "The required information size assumes " + assumptions_sentence(first.inflation if first else 1.0)
        + ". The looks are the trials in order of publication (then study id), pooled with the review's "
          "Mantel–Haenszel fixed-effect model; Lan–DeMets O'Brien–Fleming-type α-spending; a look that adds at "
          "most 1% of the size is not tested (as the R package RTSA).")
    return {
        "tsa_sentence_total_response": tsa_sentence(ms["total_response"], label["total_response"]),
        "tsa_sentence_complete_response": tsa_sentence(ms["complete_response"], label["complete_response"]),
        "tsa_sentence_partial_response": tsa_sentence(ms["partial_response"], label["partial_response"]),
        "tsa_sof_total_response": sof_line(ms["total_response"], label["total_response"]),
        "tsa_sof_complete_response": sof_line(ms["complete_response"], label["complete_response"]),
        "tsa_sof_partial_response": sof_line(ms["partial_response"], label["partial_response"]),
        "tsa_assumptions_md": assumptions,
        "tsa_caveat": CAVEAT,
    }


def looks_table(review: Review, results: dict | None = None) -> pd.DataFrame:
    """Every look of every monitored outcome (``results/tables/trial_sequential_analysis.csv``)."""
    results = results or monitor_outcomes(review)
    parts = []
    for oc in OUTCOMES:
        m = results[oc]
        if m is not None:
            parts.append(m.frame().assign(outcome=oc, ris=m.ris))
    cols = ["outcome", "look", "study_id", "label", "participants", "ris", "fraction", "z", "upper", "lower",
            "futility_upper", "futility_lower", "tested", "crossed"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def assumptions_table(review: Review, results: dict | None = None) -> pd.DataFrame:
    """Per outcome: the assumptions and results of the page's analysis, one row each (for a table)."""
    results = results or monitor_outcomes(review)
    rows = []
    for oc in OUTCOMES:
        m = results[oc]
        if m is None:
            continue
        rows.append({"Outcome": review.label(oc), "Trials": len(m.looks["look"]),
                     "Participants": fmt_int(m.participants),
                     "Control-arm risk; I²": f"{100 * m.control_risk:.0f}%; {100 * m.heterogeneity_value:.0f}%",
                     "Required information size": fmt_int(round(m.ris)) if m.ris > 0 else "–",
                     "Cumulative z": f"{m.z:.2f}",
                     "Boundary": "none yet" if m.final_boundary >= sequential.INFINITE_Z else f"{m.final_boundary:.2f}",
                     "TSA-adjusted 95% CI": (fmt_ci(m.adjusted_ci_low, m.adjusted_ci_high)
                                             if m.adjusted_ci_low == m.adjusted_ci_low else "none yet"),
                     "Result": RESULT_WORDS.get(m.crossed, m.crossed).split(":")[0]})
    return pd.DataFrame(rows)
