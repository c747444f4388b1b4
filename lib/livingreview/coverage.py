"""The evidence-coverage grid, computed once: which trial gives which count, and how it was obtained.

Every statement on coverage in the book ("N of M counts available", "k of K trials have
counts") is taken from :func:`coverage_summary` (or :func:`coverage_sentence`, which formats
it), all of which read the one table :func:`coverage_cells`; so pages cannot disagree.

A *cell* is one (trial, outcome) pair of an analysis:

=====  ==========================  =====================================================
mark   provenance                  meaning
=====  ==========================  =====================================================
✓      ``reported``                the four counts are printed by the trial report
‡      ``derived_from_percentage`` counts recomputed from a printed percentage and arm size
†      ``unverified``              counts recalled from an abstract, not verified against it
✗      ``missing``                 no counts yet (or no row in ``outcomes.csv`` at all)
=====  ==========================  =====================================================

Which trials and outcomes make up an analysis is :func:`livingreview.pools.trials`: induction RCTs for ``efficacy`` and
``safety`` (outcomes of that kind that any of them reports), maintenance RCTs for
``maintenance`` (every outcome they report). The edition convention: ``edition=None`` is the
living review (every study); ``edition=2016`` the studies with ``added_in <= 2016``.
"""
from __future__ import annotations

import pandas as pd

from . import pools
from .data import Review
from .pools import ANALYSES, EDITION_2016
from .wording import plural
#: Mark shown in the grid for each provenance.
SYMBOLS = {"reported": "✓", "derived_from_percentage": "‡", "unverified": "†", "missing": "✗"}
#: One line explaining the marks, for captions and figure notes.
LEGEND = ("✓ reported by the trial; ‡ derived from a reported percentage; † not verified against the "
          "source; ✗ missing")


def coverage_cells(review: Review, edition: int | None = None, analyses=ANALYSES) -> pd.DataFrame:
    """One row per (analysis, trial, outcome) with its provenance and mark.

    Columns: ``analysis, study_id, trial, year, regimen, added_in, n_patients, outcome, outcome_label,
    provenance, has_counts, mark``. A (trial, outcome) pair of an analysis without a row in
    ``outcomes.csv`` is included as ``missing``, so gaps stay visible.
    """
    labels = review.vocabulary.set_index("outcome")["label"]
    order = {o: i for i, o in enumerate(review.vocabulary["outcome"])}
    parts = []
    for analysis in analyses:
        if analysis not in ANALYSES:
            raise ValueError(f"unknown analysis {analysis!r}; use one of {', '.join(ANALYSES)}")
        # pools.trial_rows already lists every (trial, outcome) pair, absent rows as 'missing'
        parts.append(pools.trial_rows(review, analysis, edition).rename(columns={"label": "trial"}))
    cols = ["analysis", "study_id", "trial", "year", "regimen", "added_in", "n_patients", "outcome", "outcome_label",
            "provenance", "has_counts", "mark"]
    if not parts:
        return pd.DataFrame(columns=cols)
    cells = pd.concat(parts, ignore_index=True)
    cells["has_counts"] = pools.has_counts(cells)
    # a row that lacks counts is missing whatever its provenance says (validation forbids this anyway)
    cells.loc[~cells["has_counts"], "provenance"] = "missing"
    cells["mark"] = cells["provenance"].map(SYMBOLS)
    cells["outcome_label"] = cells["outcome"].map(labels)
    a_order = {a: i for i, a in enumerate(ANALYSES)}
    cells = cells.sort_values(["analysis", "regimen", "year", "study_id", "outcome"],
                              key=lambda s: s.map(a_order) if s.name == "analysis"
                              else s.map(order) if s.name == "outcome" else s)
    return cells[cols].reset_index(drop=True)


def coverage_grid(review: Review, analysis: str | None = None, edition: int | None = None) -> pd.DataFrame:
    """The grid for display: one row per trial (and analysis), one column per outcome label, marks in cells.

    Columns: ``Analysis`` (when ``analysis`` is None), ``Trial``, ``Regimen`` (code; labelled by
    :func:`livingreview.tables.style`), then one column per outcome in vocabulary order. A
    trial that does not belong to an outcome's analysis shows an empty cell.
    """
    cells = coverage_cells(review, edition, ANALYSES if analysis is None else (analysis,))
    index = ["analysis", "trial", "regimen"]
    wide = cells.pivot_table(index=index, columns="outcome_label", values="mark", aggfunc="first", sort=False)
    labels = [lab for lab in review.vocabulary["label"] if lab in wide.columns]
    wide = wide[labels].fillna("").reset_index()
    wide.columns.name = None
    wide = wide.rename(columns={"analysis": "Analysis", "trial": "Trial", "regimen": "Regimen"})
    if analysis is not None:
        wide = wide.drop(columns="Analysis")
    return wide


def _summary(cells: pd.DataFrame) -> dict:
    trials = cells.drop_duplicates("study_id")
    with_counts = cells.groupby("study_id")["has_counts"].any()
    prov = cells["provenance"].value_counts()
    return {
        "cells": int(len(cells)),
        "counts_available": int(cells["has_counts"].sum()),
        "counts_missing": int((~cells["has_counts"]).sum()),
        "counts_reported": int(prov.get("reported", 0)),
        "counts_derived_from_percentage": int(prov.get("derived_from_percentage", 0)),
        "counts_unverified": int(prov.get("unverified", 0)),
        "trials": int(len(trials)),
        "trials_with_any_counts": int(with_counts.sum()),
        "trials_without_counts": int((~with_counts).sum()),
        "trials_without_counts_names": ", ".join(trials.set_index("study_id").loc[with_counts[~with_counts].index,
                                                                                  "trial"].sort_values()),
        "patients": int(pd.to_numeric(trials["n_patients"], errors="coerce").fillna(0).sum()),
        "outcomes": int(cells["outcome"].nunique()),
    }


def coverage_summary(review: Review, analysis: str | None = None, edition: int | None = None,
                     outcomes=None, regimen: str | None = None) -> dict:
    """The figures any page quotes about coverage, with spelled-out keys.

    Parameters
    ----------
    analysis : one of ``efficacy``, ``safety``, ``maintenance``; None for all three.
    edition : None for the living review, 2016 for the published edition.
    outcomes : restrict to these outcome ids (e.g. those the review pooled).
    regimen : restrict to the trials of one regimen (``duo``, ``triple``); None or ``all`` for every trial.

    Returns
    -------
    dict with ``cells`` (trial × outcome pairs), ``counts_available``, ``counts_missing``,
    ``counts_reported``, ``counts_derived_from_percentage``, ``counts_unverified``, ``trials``,
    ``trials_with_any_counts``, ``trials_without_counts``, ``trials_without_counts_names``,
    ``patients`` (of the trials), ``outcomes``; the same for every analysis when ``analysis``
    is None is in :func:`coverage_table`.
    """
    cells = coverage_cells(review, edition, ANALYSES if analysis is None else (analysis,))
    if outcomes is not None:
        cells = cells[cells["outcome"].isin(list(outcomes))]
    if regimen not in (None, "all"):
        cells = cells[cells["regimen"] == regimen]
    return _summary(cells)  # a trial in two analyses (efficacy and safety) counts once


def coverage_table(review: Review) -> pd.DataFrame:
    """Coverage per analysis and edition in one frame (rows: analysis × edition ``2016``/``all``).

    The columns are the keys of :func:`coverage_summary`; ``analysis`` is ``all`` for the three
    analyses together.
    """
    rows = []
    for analysis in (*ANALYSES, None):
        for edition in (EDITION_2016, None):
            s = coverage_summary(review, analysis, edition)
            rows.append({"analysis": analysis or "all", "edition": "2016" if edition else "all", **s})
    return pd.DataFrame(rows)


def coverage_sentence(review: Review, analysis: str | None = None, edition: int | None = None,
                      outcomes=None, full_stop: bool = True) -> str:
    """'9 of 18 trial-by-outcome counts are available (5 reported, 3 derived from percentages, 1 not
    verified), from 4 of 5 trials; Li 2012 has no counts yet.' Built from :func:`coverage_summary`.

    ``full_stop=False`` leaves the final period off, for a page that goes on with the same
    sentence ("… no counts yet (see the safety page).").
    """
    s = coverage_summary(review, analysis, edition, outcomes)
    if s["cells"] == 0:
        return "No trial of this analysis is in the data yet" + ("." if full_stop else "")
    how = []
    for key, words in (("counts_reported", "reported"), ("counts_derived_from_percentage", "derived from percentages"),
                       ("counts_unverified", "not verified against the source")):
        if s[key]:
            how.append(f"{s[key]} {words}")
    are = "is" if s["counts_available"] == 1 else "are"  # "1 of 25 … counts is available"
    text = f"{s['counts_available']} of {s['cells']} trial-by-outcome counts {are} available"
    if how and s["counts_available"]:
        text += f" ({', '.join(how)})"
    text += (", from the one trial" if s["trials"] == 1 and s["trials_with_any_counts"] == 1
             else f", from {s['trials_with_any_counts']} of {s['trials']} trials")
    if s["trials_without_counts"]:
        verb = "has" if s["trials_without_counts"] == 1 else "have"
        text += f"; {s['trials_without_counts_names']} {verb} no counts yet"
    return text + ("." if full_stop else "")


def _names(t: pd.DataFrame) -> str:
    names = list(t.sort_values(["year", "trial"])["trial"])
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _published_patients(review: Review, group: str = "all"):
    pc = review.patients
    if pc is None:
        return None
    r = pc[(pc["characteristic"] == "n_patients") & (pc["group"] == group)]
    return None if r.empty or pd.isna(r["value"].iloc[0]) else int(r["value"].iloc[0])


def review_and_living_pools(review: Review) -> dict:
    """Facts linking the published review's trials and patients to the living pools (spelled-out keys)."""
    cells = coverage_cells(review, None, ("efficacy",))
    trials = cells.drop_duplicates("study_id")
    with_counts = cells.groupby("study_id")["has_counts"].any()
    old = trials[trials["added_in"] <= EDITION_2016]
    new = trials[trials["added_in"] > EDITION_2016]
    lacking = trials[trials["study_id"].map(~with_counts)]
    out = {
        "trials_2016": len(old), "patients_2016": int(old["n_patients"].sum()),
        "published_patients_2016": _published_patients(review),
        "trials_living": len(trials), "patients_living": int(trials["n_patients"].sum()),
        "trials_added": len(new), "patients_added": int(new["n_patients"].sum()),
        "trials_added_names": _names(new) if len(new) else "",
        "trials_without_counts": len(lacking),
        "trials_without_counts_names": _names(lacking) if len(lacking) else "",
    }
    for g in ("duo", "triple"):
        sub = old[old["regimen"] == g]
        out[f"trials_2016_{g}"] = len(sub)
        out[f"patients_2016_{g}"] = int(sub["n_patients"].sum())
    maint = coverage_cells(review, None, ("maintenance",)).drop_duplicates("study_id")
    out["maintenance_trials"] = len(maint)
    out["maintenance_patients"] = int(maint["n_patients"].sum())
    out["maintenance_trials_names"] = _names(maint) if len(maint) else ""
    reg = review.register
    if reg is not None:
        waiting = reg[reg["status"] == "awaiting_data"]
        out["trials_awaiting_data"] = len(waiting)
        out["trials_awaiting_data_names"] = (
            _names(waiting.assign(trial=pools.study_label(waiting)))
            if len(waiting) else "")
    return out


def _n(k: int, one: str, many: str) -> str:
    return plural(k, one, many, spell=True)


def review_and_living_paragraph(review: Review) -> str:
    """A paragraph explaining how the review's induction trials and patients relate to the living pools.

    Computed from the data (so it stays true after an update): which trials the 2016 review
    pooled and how many patients they enrolled (checked against the review's Table 4 when
    ``patient_characteristics.csv`` is loaded), the trials added since, those that still lack
    counts, the separate maintenance trial and the trials awaiting data.
    """
    f = review_and_living_pools(review)
    text = (f"The 2016 review pooled {_n(f['trials_2016'], 'randomised induction trial', 'randomised induction trials')} "
            f"with {f['patients_2016']:,} patients: {_n(f['trials_2016_duo'], 'trial', 'trials')} of TAC + steroids "
            f"(duo, {f['patients_2016_duo']:,} patients) and {_n(f['trials_2016_triple'], 'trial', 'trials')} of "
            f"TAC + MMF + steroids (triple, {f['patients_2016_triple']:,} patients)")
    pub = f["published_patients_2016"]
    if pub is not None:
        text += (", as in the review's Table 4" if pub == f["patients_2016"]
                 else f" (the review's Table 4 prints {pub:,})")
    text += ". "
    if f["trials_added"]:
        text += (f"Since then, {_n(f['trials_added'], 'trial has', 'trials have')} been added "
                 f"({f['trials_added_names']}, {f['patients_added']:,} patients), so the living efficacy and safety "
                 f"pools draw on {_n(f['trials_living'], 'trial', 'trials')} with {f['patients_living']:,} patients. ")
    else:
        text += "No trial has been added since, so the living pools draw on the same trials. "
    if f["trials_without_counts"]:
        verb = "has" if f["trials_without_counts"] == 1 else "have"
        text += (f"Not every trial enters every pool: {f['trials_without_counts_names']} {verb} no usable counts in our "
                 "data yet, and the other trials report different outcomes, so each pool states how many trials "
                 "it rests on. ")
    else:
        text += "Every trial has counts for at least one efficacy outcome; each pool states how many trials it rests on. "
    if f["maintenance_trials"]:
        text += (f"The maintenance {'trial' if f['maintenance_trials'] == 1 else 'trials'} "
                 f"({f['maintenance_trials_names']}, {f['maintenance_patients']:,} patients) "
                 f"{'is' if f['maintenance_trials'] == 1 else 'are'} analysed separately. ")
    if f.get("trials_awaiting_data"):
        text += (f"{_n(f['trials_awaiting_data'], 'further trial', 'further trials').capitalize()} "
                 f"({f['trials_awaiting_data_names']}) "
                 f"{'awaits' if f['trials_awaiting_data'] == 1 else 'await'} data; the update register gives each "
                 "one's status and what is missing.")
    return text.strip()
