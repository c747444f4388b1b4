"""The analyses of the book: which trials enter which pool, and the results tables.

Everything a notebook shows is computed here from a validated
:class:`~livingreview.data.Review`; notebooks only call and display.

Pools (as in Kraaij 2016)
-------------------------
``efficacy``
    Induction RCTs (``design == "rct"``, ``phase == "induction"``), outcomes of kind
    ``efficacy``; overall (``subgroup == "all"``) and by regimen (``duo``, ``triple``).
``safety``
    The same trials, outcomes of kind ``safety``.
``maintenance``
    Maintenance RCTs, every outcome they report; overall only.

``MH-cc`` (the review's Stata rule) is the primary analysis, ``MH`` the sensitivity
analysis. The 2016 analysis is the same computation restricted to the studies with
``added_in == 2016``.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from . import mh
from .data import COUNT_COLUMNS, Review
from .fmt import fmt_p, fmt_rr  # noqa: F401  (re-exported: older callers import them from here)

ANALYSES = ("efficacy", "safety", "maintenance")
SUBGROUPS = ("all", "duo", "triple")
PRIMARY = "MH-cc"
#: The review's edition: the reproduction table is always built from these studies.
EDITION_2016 = 2016

RESULT_COLUMNS = ["analysis", "outcome", "subgroup", "method"] + mh.POOLED_COLUMNS


def study_label(studies: pd.DataFrame) -> pd.Series:
    """'Liu 2015' style labels (surname of the first author and year)."""
    surname = studies["first_author"].str.split().str[0]
    return surname + " " + studies["year"].astype(str)


def trial_rows(review: Review, analysis: str, edition: int | None = None) -> pd.DataFrame:
    """Every (trial, outcome) row of one analysis, with study attributes; counts may be missing.

    Trials of the right design and phase that have no row at all for an outcome of
    the analysis are added with ``provenance == "missing"``, so gaps stay visible.
    """
    if analysis not in ANALYSES:
        raise ValueError(f"unknown analysis {analysis!r}; use one of {', '.join(ANALYSES)}")
    st = review.studies.copy()
    st["label"] = study_label(st)
    if edition is not None:
        st = st[st["added_in"] <= edition]
    phase = "maintenance" if analysis == "maintenance" else "induction"
    trials = st[(st["design"] == "rct") & (st["phase"] == phase)]
    kinds = review.vocabulary.set_index("outcome")["kind"]
    out = review.outcomes.merge(trials[["study_id"]], on="study_id")
    out = out[out["outcome"].map(kinds) == analysis] if analysis != "maintenance" else out
    # make absent (trial, outcome) pairs explicit as missing
    grid = trials[["study_id"]].merge(pd.DataFrame({"outcome": out["outcome"].unique()}), how="cross")
    out = grid.merge(out, on=["study_id", "outcome"], how="left")
    out["provenance"] = out["provenance"].fillna("missing")
    out["source"] = out["source"].fillna("No row in outcomes.csv for this outcome.")
    cols = ["study_id", "label", "first_author", "year", "regimen", "comparator", "added_in", "n_patients"]
    out = out.merge(trials[cols], on="study_id")
    out.insert(0, "analysis", analysis)
    return out.sort_values(["outcome", "regimen", "year", "study_id"]).reset_index(drop=True)


def has_counts(rows: pd.DataFrame) -> pd.Series:
    """True where all four counts are present."""
    return rows[list(COUNT_COLUMNS)].notna().all(axis=1)


def _with_subgroups(rows: pd.DataFrame, analysis: str) -> pd.DataFrame:
    """Stack each row once as ``all`` and, for induction, once under its regimen."""
    parts = [rows.assign(subgroup="all")]
    if analysis != "maintenance":
        parts.append(rows.assign(subgroup=rows["regimen"]))
    return pd.concat(parts, ignore_index=True)


def pooled_estimates(review: Review, edition: int | None = None, exclude_unverified: bool = False,
                     methods=("MH-cc", "MH")) -> pd.DataFrame:
    """Every pool of every analysis with both zero-cell rules, in one vectorised call.

    One row per (analysis, outcome, subgroup, method) for which at least one trial
    has counts: ``all`` always, a regimen when one of its trials has counts.
    """
    stacked = []
    for analysis in ANALYSES:
        rows = trial_rows(review, analysis, edition)
        rows = rows[has_counts(rows)]
        if exclude_unverified:
            rows = rows[rows["provenance"] != "unverified"]
        stacked.append(_with_subgroups(rows, analysis))
    data = pd.concat(stacked, ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mh.DegeneratePoolWarning)
        res = pd.concat([mh.pool(data, ["analysis", "outcome", "subgroup"], m) for m in methods], ignore_index=True)
    order = {a: i for i, a in enumerate(ANALYSES)}
    sub_order = {s: i for i, s in enumerate(SUBGROUPS)}
    meth_order = {m: i for i, m in enumerate(methods)}
    res = res.sort_values(
        ["analysis", "outcome", "subgroup", "method"],
        key=lambda s: s.map(order) if s.name == "analysis" else s.map(sub_order) if s.name == "subgroup"
        else s.map(meth_order) if s.name == "method" else s,
    )
    return res[RESULT_COLUMNS + ["log_rr", "se_log_rr"]].reset_index(drop=True)


def forest_data(review: Review, analysis: str, outcome: str, method: str = PRIMARY,
                edition: int | None = None, by_regimen: bool = True) -> dict:
    """What a forest plot of one outcome needs: study rows (with weights) and pooled rows.

    Returns a dict with ``studies`` (one row per trial, counts possibly missing, with
    ``rr, ci_low, ci_high, weight`` within its subgroup and within the whole pool),
    ``pooled`` (rows of :func:`livingreview.mh.pool` for each subgroup and ``all``)
    and ``subgroups`` (the regimens shown, in order).
    """
    rows = trial_rows(review, analysis, edition)
    rows = rows[rows["outcome"] == outcome].reset_index(drop=True)
    ok = has_counts(rows)
    avail = rows[ok]
    groups = [g for g in ("duo", "triple") if by_regimen and (rows["regimen"] == g).any()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mh.DegeneratePoolWarning)
        if len(avail):
            w_sub = mh.study_weights(avail, ["regimen"], method)
            w_all = mh.study_weights(avail, None, method)
            pooled_all = mh.pool(avail, None, method).assign(subgroup="all")
            pooled_sub = mh.pool(avail, ["regimen"], method).rename(columns={"regimen": "subgroup"})
            pooled = pd.concat([pooled_sub, pooled_all], ignore_index=True)
        else:
            w_sub = w_all = None
            pooled = pd.DataFrame(columns=["subgroup"] + mh.POOLED_COLUMNS)
    studies = rows.copy()
    for col in ("rr", "ci_low", "ci_high", "weight", "weight_all"):
        studies[col] = np.nan
    if w_sub is not None:
        idx = avail.index
        studies.loc[idx, ["rr", "ci_low", "ci_high"]] = w_sub[["rr", "ci_low", "ci_high"]].to_numpy()
        studies.loc[idx, "weight"] = w_sub["weight"].to_numpy()
        studies.loc[idx, "weight_all"] = w_all["weight"].to_numpy()
    studies["has_counts"] = ok
    return {"studies": studies, "pooled": pooled, "subgroups": groups, "method": method,
            "analysis": analysis, "outcome": outcome}


def outcome_label(review: Review, outcome: str) -> str:
    """Human label of an outcome from the vocabulary."""
    return review.vocabulary.set_index("outcome").loc[outcome, "label"]


def weight_share(review: Review, study_id: str, analysis: str, outcome: str, method: str = PRIMARY,
                 edition: int | None = None) -> float:
    """MH weight (%) of one trial in the overall pool of an outcome (NaN if it has no counts)."""
    fd = forest_data(review, analysis, outcome, method, edition)
    s = fd["studies"].set_index("study_id")
    return float(s.loc[study_id, "weight_all"]) if study_id in s.index else float("nan")


def results_table(pooled: pd.DataFrame, review: Review, analysis: str, method: str = PRIMARY) -> pd.DataFrame:
    """A readable table of the pooled results of one analysis (one rule)."""
    t = pooled[(pooled["analysis"] == analysis) & (pooled["method"] == method)].copy()
    labels = review.vocabulary.set_index("outcome")["label"]
    t["Outcome"] = t["outcome"].map(labels)
    t["Subgroup"] = t["subgroup"]
    t["Trials"] = t["k"]
    t["TAC events/total"] = t["tac_events"].astype(str) + "/" + t["tac_total"].astype(str)
    t["Control events/total"] = t["ctl_events"].astype(str) + "/" + t["ctl_total"].astype(str)
    t["RR (95% CI)"] = [fmt_rr(r, lo, hi) for r, lo, hi in zip(t["rr"], t["ci_low"], t["ci_high"])]
    t["p"] = t["p"].map(fmt_p)
    t["I² (%)"] = t["i2"].map(lambda v: "–" if pd.isna(v) else f"{v:.0f}")
    cols = ["Outcome", "Subgroup", "Trials", "TAC events/total", "Control events/total", "RR (95% CI)", "p", "I² (%)"]
    return t[cols].reset_index(drop=True)


def trial_table(review: Review, analysis: str, edition: int | None = None) -> pd.DataFrame:
    """Counts per trial and outcome as a wide, readable table (events/total, provenance)."""
    rows = trial_rows(review, analysis, edition)
    labels = review.vocabulary.set_index("outcome")["label"]

    def cell(r):
        if not pd.notna(r["tac_events"]):
            return "missing"
        mark = {"reported": "", "derived_from_percentage": " ‡", "unverified": " †"}[r["provenance"]]
        return f"{int(r['tac_events'])}/{int(r['tac_total'])} vs {int(r['ctl_events'])}/{int(r['ctl_total'])}{mark}"

    rows["cell"] = rows.apply(cell, axis=1)
    rows["Outcome"] = rows["outcome"].map(labels)
    wide = rows.pivot_table(index=["label", "regimen", "comparator"], columns="Outcome", values="cell", aggfunc="first")
    order = [labels[o] for o in labels.index if labels[o] in wide.columns]
    wide = wide[order].reset_index().rename(columns={"label": "Trial", "regimen": "Regimen", "comparator": "Control"})
    wide.columns.name = None
    return wide


def glue_values(pooled: pd.DataFrame, analysis: str, method: str = PRIMARY) -> dict[str, str]:
    """Formatted results of one analysis, keyed ``<outcome>_<subgroup>`` (RR with CI) and ``..._k``."""
    out = {}
    t = pooled[(pooled["analysis"] == analysis) & (pooled["method"] == method)]
    for _, r in t.iterrows():
        key = f"{r['outcome']}_{r['subgroup']}"
        out[key] = fmt_rr(r["rr"], r["ci_low"], r["ci_high"]).replace(" (", " (95% CI ", 1)
        out[f"{key}_k"] = str(int(r["k"]))
        out[f"{key}_i2"] = "not applicable" if pd.isna(r["i2"]) else f"{r['i2']:.0f}%"
        out[f"{key}_p"] = fmt_p(r["p"])
    return out


def plain_language(review: Review, pooled: pd.DataFrame, analysis: str, outcome: str, subgroup: str = "all",
                   method: str = PRIMARY, edition: int | None = None) -> str:
    """One sentence a clinician can read, generated from the numbers (so it stays true as data change)."""
    label = outcome_label(review, outcome).lower()
    rows = trial_rows(review, analysis, edition)
    rows = rows[rows["outcome"] == outcome]
    if subgroup != "all":
        rows = rows[rows["regimen"] == subgroup]
    k_all = len(rows)
    t = pooled[(pooled["analysis"] == analysis) & (pooled["outcome"] == outcome)
               & (pooled["subgroup"] == subgroup) & (pooled["method"] == method)]
    if t.empty or pd.isna(t["rr"].iloc[0]):
        return (f"No pooled estimate of {label} can be given yet: none of the {k_all} trials has usable counts "
                "in our data.")
    r = t.iloc[0]
    higher_is = review.vocabulary.set_index("outcome").loc[outcome, "higher_is"]
    ci = fmt_rr(r["rr"], r["ci_low"], r["ci_high"]).replace(" (", ", 95% CI ", 1).rstrip(")")
    if r["ci_low"] > 1 or r["ci_high"] < 1:
        more = r["ci_low"] > 1
        direction = "more" if more else "fewer"
        good = (more and higher_is == "better") or (not more and higher_is == "worse")
        verdict = (f"{direction} patients had {label} with a tacrolimus regimen than with the control treatment "
                   f"(RR {ci}), {'in favour of' if good else 'against'} tacrolimus")
    else:
        verdict = (f"the trials do not show a clear difference in {label} between tacrolimus regimens and "
                   f"control treatment (RR {ci})")
    if k_all == 1:
        sentence = f"In the single trial, {verdict.replace('the trials do not', 'the data do not')}."
    else:
        base = f"{int(r['k'])} of {k_all} trials" if int(r["k"]) < k_all else f"all {k_all} trials"
        sentence = f"Pooling {base}, {verdict}."
    if int(r["k"]) < k_all:
        sentence += " The missing trials could change this estimate."
    return sentence[0].upper() + sentence[1:]


def write_results(review: Review, folder=None) -> dict[str, "Path"]:
    """Write the results files of the review (all computed here from ``review``).

    ``pooled_estimates.csv``       every pool with current data (the living analysis);
    ``pooled_estimates_2016.csv``  the same restricted to the 2016 edition;
    ``sensitivity_unverified.csv`` the living pools without ``unverified`` counts;
    ``reproduction.csv``           the 16 published estimates against ours;
    ``random_effects.csv``         every pool of 2+ trials by tau2 method (DL, REML, PM) and CI (z, hksj, hksj_modified).
    """
    from pathlib import Path

    from .data import ROOT
    from .reproduction import reproduction_table

    folder = Path(folder) if folder else ROOT / "results"
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "pooled_estimates.csv": public_columns(pooled_estimates(review)),
        "pooled_estimates_2016.csv": public_columns(pooled_estimates(review, edition=EDITION_2016)),
        "sensitivity_unverified.csv": public_columns(pooled_estimates(review, exclude_unverified=True)),
        "reproduction.csv": reproduction_table(review),
        "random_effects.csv": random_effects_results(review),
    }
    paths = {}
    for name, t in tables.items():
        p = folder / name
        t.to_csv(p, index=False, float_format="%.6f", lineterminator="\n")
        paths[name] = p
    return paths


def public_columns(pooled: pd.DataFrame) -> pd.DataFrame:
    """The columns of ``results/pooled_estimates.csv``: the CLI's, with ``group`` named ``subgroup``."""
    return pooled[RESULT_COLUMNS]


def higher_is(review: Review, outcome: str) -> str:
    """'better' for responses, 'worse' for harms (from the outcome vocabulary)."""
    return review.vocabulary.set_index("outcome").loc[outcome, "higher_is"]


def statsmodels_table(review: Review, analysis: str) -> pd.DataFrame:
    """Our MH estimates against statsmodels for every pool of one analysis (trials with counts)."""
    rows = trial_rows(review, analysis)
    rows = _with_subgroups(rows[has_counts(rows)], analysis)
    if rows.empty:
        return pd.DataFrame(columns=["Outcome", "Subgroup", "Trials", "ours MH", "ours MH-cc",
                                     "statsmodels riskratio_pooled", "|ours MH − statsmodels|",
                                     "IV fixed (combine_effects)", "DL random (combine_effects)"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mh.DegeneratePoolWarning)
        chk = mh.statsmodels_check(rows, ["outcome", "subgroup"])
    labels = review.vocabulary.set_index("outcome")["label"]
    out = pd.DataFrame({
        "Outcome": chk["outcome"].map(labels), "Subgroup": chk["subgroup"], "Trials": chk["k"],
        "ours MH": chk["ours_MH"], "ours MH-cc": chk["ours_MH_cc"],
        "statsmodels riskratio_pooled": chk["statsmodels_MH"], "|ours MH − statsmodels|": chk["abs_diff_MH"],
        "IV fixed (combine_effects)": chk["iv_fixed"], "DL random (combine_effects)": chk["dl_random"],
    })
    sub_order = {s: i for i, s in enumerate(SUBGROUPS)}
    return out.sort_values(["Outcome", "Subgroup"], key=lambda s: s.map(sub_order) if s.name == "Subgroup" else s
                           ).reset_index(drop=True)


def rules_side_by_side(pooled: pd.DataFrame, review: Review, analysis: str) -> pd.DataFrame:
    """RR (95% CI) of each pool under MH-cc and MH in two columns."""
    t = pooled[pooled["analysis"] == analysis]
    labels = review.vocabulary.set_index("outcome")["label"]
    wide = {}
    for m in ("MH-cc", "MH"):
        tm = t[t["method"] == m].set_index(["outcome", "subgroup"])
        wide[f"RR (95% CI), {m}"] = [fmt_rr(r, lo, hi) for r, lo, hi in zip(tm["rr"], tm["ci_low"], tm["ci_high"])]
        idx = tm.index
    out = pd.DataFrame(wide, index=idx).reset_index()
    out.insert(0, "Outcome", out.pop("outcome").map(labels))
    out = out.rename(columns={"subgroup": "Subgroup"})
    out["Rules differ"] = out["RR (95% CI), MH-cc"] != out["RR (95% CI), MH"]
    out["Rules differ"] = out["Rules differ"].map({True: "yes", False: "no"})
    return out


def sensitivity_unverified_table(review: Review) -> pd.DataFrame:
    """Primary (MH-cc) pools beside the same pools without unverified counts."""
    prim = pooled_estimates(review, methods=(PRIMARY,))
    sens = pooled_estimates(review, exclude_unverified=True, methods=(PRIMARY,))
    key = ["analysis", "outcome", "subgroup"]
    m = prim.merge(sens, on=key, how="left", suffixes=("", "_s"))
    labels = review.vocabulary.set_index("outcome")["label"]
    out = pd.DataFrame({
        "Analysis": m["analysis"], "Outcome": m["outcome"].map(labels), "Subgroup": m["subgroup"],
        "Trials": m["k"], "RR (95% CI), all counts": [fmt_rr(*v) for v in zip(m["rr"], m["ci_low"], m["ci_high"])],
        "Trials without unverified": m["k_s"].map(lambda v: 0 if pd.isna(v) else int(v)),
        "RR (95% CI), without unverified": [fmt_rr(*v) if pd.notna(v[0]) else "no trial left"
                                            for v in zip(m["rr_s"], m["ci_low_s"], m["ci_high_s"])],
    })
    out["Changed"] = (out["RR (95% CI), all counts"] != out["RR (95% CI), without unverified"]).map(
        {True: "yes", False: "no"})
    return out


def missing_note(review: Review, analysis: str, edition: int | None = None) -> str:
    """A sentence on how complete the counts of one analysis are."""
    rows = trial_rows(review, analysis, edition)
    ok = has_counts(rows)
    if ok.all():
        return "Every trial has counts for every outcome on this page."
    miss = rows[~ok]
    n_trials = miss["study_id"].nunique()
    return (f"{len(miss)} of {len(rows)} trial-by-outcome counts are missing, in {n_trials} of "
            f"{rows['study_id'].nunique()} trials; these pools are therefore incomplete.")


def discussion_facts(review: Review, pooled: pd.DataFrame) -> dict[str, str]:
    """Every number the discussion chapter cites, formatted for glue."""
    g = glue_values(pooled, "efficacy")
    facts = {}
    for short, oc in (("total", "total_response"), ("complete", "complete_response"), ("partial", "partial_response")):
        for sub in SUBGROUPS:
            key = f"{oc}_{sub}"
            facts[f"{short}_{sub}"] = g.get(key, "not estimable (no trial with counts)")
            facts[f"{short}_{sub}_k"] = g.get(f"{key}_k", "0")
            facts[f"{short}_{sub}_i2"] = g.get(f"{key}_i2", "not applicable")
        facts[f"plain_{short}"] = plain_language(review, pooled, "efficacy", oc)
    for short, oc in (("complete", "complete_response"), ("total", "total_response")):
        w = weight_share(review, "liu2015", "efficacy", oc)
        facts[f"liu_weight_{short}"] = "no weight (counts missing)" if pd.isna(w) else f"{w:.0f}%"
    rows = trial_rows(review, "safety", EDITION_2016)
    pooled_by_review = set(review.published.loc[review.published["analysis"] == "safety", "outcome"])
    rows = rows[rows["outcome"].isin(pooled_by_review)]
    facts["n_safety_cells"] = str(len(rows))
    facts["n_safety_missing"] = str(int((~has_counts(rows)).sum()))
    trials = trial_rows(review, "efficacy").drop_duplicates("study_id")
    facts["n_trials"] = str(len(trials))
    return facts


def random_effects_results(review: Review, analyses=("efficacy", "safety")) -> pd.DataFrame:
    """``results/random_effects.csv``: every pool of 2+ trials × τ² method × CI method."""
    from .randeff import RE_COLUMNS, random_effects_table

    parts = []
    for a in analyses:
        rows = trial_rows(review, a)
        rows = _with_subgroups(rows[has_counts(rows)], a)
        t = random_effects_table(rows, ("outcome", "subgroup"))
        parts.append(t.assign(analysis=a))
    out = pd.concat(parts, ignore_index=True)
    return out[["analysis"] + RE_COLUMNS]


def fixed_vs_random(pooled: pd.DataFrame, re: pd.DataFrame, review: Review, tau2_method: str = "REML",
                    ci_method: str = "hksj_modified") -> pd.DataFrame:
    """Fixed effect (MH-cc) and one random-effects model side by side, for pools of 2+ trials.

    Default: REML with the modified Knapp–Hartung interval (never narrower than Wald with t
    quantiles, never a point). Prediction intervals are "–" for fewer than 3 trials."""
    f = pooled[(pooled["method"] == PRIMARY) & (pooled["k"] >= 2)]
    r = re[(re["tau2_method"] == tau2_method) & (re["ci_method"] == ci_method)]
    m = f.merge(r, on=["analysis", "outcome", "subgroup"], suffixes=("", "_re"))
    labels = review.vocabulary.set_index("outcome")["label"]
    return pd.DataFrame({
        "Outcome": m["outcome"].map(labels), "Subgroup": m["subgroup"], "Trials": m["k"],
        "Fixed (MH-cc)": [fmt_rr(*v) for v in zip(m["rr"], m["ci_low"], m["ci_high"])],
        f"Random ({tau2_method}, {ci_method.upper()})": [fmt_rr(*v) for v in zip(m["rr_re"], m["ci_low_re"],
                                                                                 m["ci_high_re"])],
        "Prediction interval": [fmt_rr(np.nan, lo, hi).replace("not estimable", f"{lo:.2f} to {hi:.2f}")
                                if pd.notna(lo) else "–" for lo, hi in zip(m["pi_low"], m["pi_high"])],
        "τ²": m["tau2"].round(3), "I² (%)": m["i2_re"].round(0),
    })


def random_effects_glue(pooled: pd.DataFrame, re: pd.DataFrame) -> dict[str, str]:
    """Sentences on how the random-effects model changes the main efficacy result, from the values.

    ``re_sentence``  fixed effect (MH-cc) against REML with the modified Knapp–Hartung interval;
    ``i2_sentence``  the fixed-effect (Q around the MH estimate) I² against the DL random-effects I²
                     (τ²/(τ² + s²)), saying whether they are equal to one decimal.
    """
    f = pooled[(pooled["analysis"] == "efficacy") & (pooled["outcome"] == "complete_response")
               & (pooled["subgroup"] == "all") & (pooled["method"] == PRIMARY)]
    sel = (re["analysis"] == "efficacy") & (re["outcome"] == "complete_response") & (re["subgroup"] == "all")
    r = re[sel & (re["tau2_method"] == "REML") & (re["ci_method"] == "hksj_modified")]
    dl = re[sel & (re["tau2_method"] == "DL") & (re["ci_method"] == "z")]
    if f.empty or r.empty:
        return {"re_sentence": "Too few trials with counts for a random-effects model of complete response.",
                "i2_sentence": ""}
    f, r = f.iloc[0], r.iloc[0]
    crosses = r["ci_low"] <= 1 <= r["ci_high"]
    if pd.notna(r["pi_low"]):
        pi_crosses = r["pi_low"] <= 1 <= r["pi_high"]
        pi = (f"the prediction interval for a new trial (t with k − 1 degrees of freedom) is {r['pi_low']:.2f} to "
              f"{r['pi_high']:.2f}, which {'includes' if pi_crosses else 'excludes'} no effect")
    else:
        pi = "with fewer than 3 trials no prediction interval is given"
    text = (f"For complete response, the fixed-effect RR is {fmt_rr(f['rr'], f['ci_low'], f['ci_high'])}; the "
            f"random-effects model (REML, modified Knapp–Hartung) gives {fmt_rr(r['rr'], r['ci_low'], r['ci_high'])}, "
            f"an interval {r['ci_high'] / r['ci_low'] / (f['ci_high'] / f['ci_low']):.1f} times as wide on the ratio "
            f"scale, which {'includes' if crosses else 'excludes'} no effect; {pi}.")
    out = {"re_sentence": text, "i2_sentence": ""}
    if not dl.empty and pd.notna(f["i2"]) and pd.notna(dl.iloc[0]["i2"]):
        a, b = round(float(f["i2"]), 1), round(float(dl.iloc[0]["i2"]), 1)
        relation = ("equals" if a == b else "is lower than" if b < a else "is higher than")
        out["i2_sentence"] = (f"The DerSimonian–Laird I² ({b:.1f}%) {relation} the fixed-effect I² ({a:.1f}%): "
                              + ("" if a == b else "the fixed-effect Q is taken around the Mantel–Haenszel "
                                 "estimate, DerSimonian–Laird's around the inverse-variance mean, and the "
                                 "random-effects I² is τ²/(τ² + s²). "))
        out["i2_sentence"] = out["i2_sentence"].strip()
    return out


def rules_that_differ(pooled: pd.DataFrame, review: Review) -> pd.DataFrame:
    """Pools of every analysis where MH and MH-cc differ (to two decimals), with the reason."""
    parts = [rules_side_by_side(pooled, review, a).assign(Analysis=a) for a in ANALYSES]
    t = pd.concat(parts, ignore_index=True)
    t = t[t["Rules differ"] == "yes"].drop(columns="Rules differ")
    t["Why"] = np.where(
        t["RR (95% CI), MH"] == "not estimable",
        "no events in one arm of the whole pool: without a correction the MH ratio does not exist",
        "a trial has a zero cell; MH-cc adds 0.5 to each of its cells, pulling the RR towards 1")
    return t[["Analysis", "Outcome", "Subgroup", "RR (95% CI), MH-cc", "RR (95% CI), MH", "Why"]].reset_index(drop=True)
