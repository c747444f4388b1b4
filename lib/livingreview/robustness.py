"""How robust is the answer? Every defensible analysis of every pool, computed in one vectorised pass.

The analysis space, per analysis × outcome × population (``all``, ``duo``, ``triple``)
---------------------------------------------------------------------------------------
``model`` / ``ci_method``
    ``MH-cc`` / ``mh``  the review's Mantel–Haenszel fixed effect, 0.5 added to every cell of a
                        trial with a zero cell, double-zero trials dropped (the pages' primary);
    ``MH`` / ``mh``     Mantel–Haenszel without correction (metafor's default);
    ``IV`` / ``z``      inverse-variance fixed effect on per-trial log RRs (Wald interval);
    ``DL``, ``REML``, ``PM`` × ``z``, ``hksj``, ``hksj_modified``  random effects
                        (:mod:`livingreview.randeff`: τ² estimators and intervals).
``trials_rule``
    ``2016`` (the 2016 edition, ``edition=2016``) or ``living`` (every trial), through
    :func:`livingreview.pools.with_counts`: the one ``edition`` convention, so the explorer
    pools the same trials as the pages.
``counts_rule``
    ``all``; ``without_unverified``; ``without_derived`` (no ``derived_from_percentage`` count);
    ``alternative``: one recorded alternative of an ambiguous count (``data/ambiguous_counts.csv``)
    in place of the value used, named in the ``alternative`` column (``liu2015 ctl_events=47``).
``left_out``
    empty, or each trial of the pool in turn (pools of two or more trials; the trial whose
    count an ``alternative`` changes is not left out of that alternative, which would repeat
    the leave-one-out analysis of ``all``).

A combination that leaves no trial is not a row. A random-effects row of a pool with fewer
than two trials has no estimate (empty ``rr``), as :func:`livingreview.randeff.random_effects`.

Columns of ``results/robustness.csv``: :data:`COLUMNS` (``trials`` the study ids the model
pooled, ``;``-separated; ``k`` their number; ``i2`` the Q-based I² of the fixed-effect models and
metafor's τ²/(τ² + s²) of the random-effects models; ``tau2`` empty for fixed-effect models),
then :data:`EXTRA_COLUMNS` (``participants`` in the pooled trials, ``weights`` each trial's weight
in %, in the order of ``trials``, and the ``alternative``).

Distinct analyses
-----------------
Different choices can give the same analysis (the 2016 and the living edition pool the same
trials for an outcome no new trial reports; ``without_unverified`` of a pool with no unverified
count). :func:`distinct` keeps one row per (model, interval, trials and counts pooled): the
specification curve and its summary count distinct analyses, and list every choice that gives each.
"""
from __future__ import annotations

import json
import time
import warnings

import numpy as np
import pandas as pd

from . import mh, pools, randeff
from .fmt import fmt_ci, fmt_int, fmt_rr

MODELS = ("MH-cc", "MH", "IV", "DL", "REML", "PM")
#: (model, ci_method) of every analysis, in display order.
MODEL_CI = (("MH-cc", "mh"), ("MH", "mh"), ("IV", "z"),
            *((m, c) for m in randeff.TAU2_METHODS for c in randeff.CI_METHODS))
CI_METHODS = ("mh", "z", "hksj", "hksj_modified")
TRIALS_RULES = ("2016", "living")
COUNTS_RULES = ("all", "without_unverified", "without_derived", "alternative")
POPULATIONS = pools.SUBGROUPS
COLUMNS = ["analysis", "outcome", "population", "model", "ci_method", "trials_rule", "counts_rule", "left_out",
           "trials", "k", "rr", "ci_low", "ci_high", "i2", "tau2"]
EXTRA_COLUMNS = ["participants", "weights", "alternative"]
#: The pages' primary estimate: the explorer opens on it.
PRIMARY = {"model": "MH-cc", "ci_method": "mh", "trials_rule": "living", "counts_rule": "all", "left_out": "",
           "alternative": ""}
#: How each choice reads (explorer controls, the specification curve's rows).
CHOICE_LABELS = {
    "model": {"MH-cc": "Mantel–Haenszel fixed, 0.5 added to zero cells (the review's)",
              "MH": "Mantel–Haenszel fixed, no correction", "IV": "Inverse-variance fixed",
              "DL": "Random effects, DerSimonian–Laird τ²", "REML": "Random effects, REML τ²",
              "PM": "Random effects, Paule–Mandel τ²"},
    "ci_method": {"mh": "Mantel–Haenszel (Greenland–Robins)", "z": "Wald (normal)",
                  "hksj": "Knapp–Hartung", "hksj_modified": "Knapp–Hartung, modified (never narrower than Wald)"},
    "trials_rule": {"living": "Living review (every trial)", "2016": "The 2016 edition's trials"},
    "counts_rule": {"all": "All counts", "without_unverified": "Without unverified counts",
                    "without_derived": "Without counts derived from percentages",
                    "alternative": "An ambiguous count's alternative value"},
}
_PROVENANCE_DROPPED = {"without_unverified": "unverified", "without_derived": "derived_from_percentage"}


_STACK_COLUMNS = ["study_id", "label", "provenance", *mh.COUNT_COLUMNS]


def _variants(prov, sid, outcome, ambiguous):
    """(counts_rule, alternative, kept positions, {position: (column, value)}, altered study) of one pool.

    ``prov``, ``sid``: the provenance and study id of the pool's rows (numpy arrays); ``ambiguous``:
    outcome → [(study, arm, used, alternatives)] of ``data/ambiguous_counts.csv``.
    """
    every = np.arange(len(sid))
    yield "all", "", every, {}, None
    for rule, dropped in _PROVENANCE_DROPPED.items():
        yield rule, "", every[prov != dropped], {}, None
    for study, arm, used, alternatives in ambiguous.get(outcome, ()):
        hit = np.flatnonzero(sid == study)
        if not len(hit):
            continue
        col = f"{arm}_events"
        for alt in (int(x) for x in str(alternatives).split(";")):
            if alt != int(used):
                yield "alternative", f"{study} {col}={alt}", every, {int(hit[0]): (col, alt)}, study


def specifications(review) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every data specification (pool × trials rule × counts rule × left-out trial) and its study rows.

    Returns ``(specs, rows)``: one row per specification (``analysis, outcome, population,
    trials_rule, counts_rule, alternative, left_out``), and the stacked study rows (``spec`` the
    specification's position, the four counts, ``study_id``, ``label``, ``provenance``), stacked
    in the order of the specifications. Trials come from :func:`livingreview.pools.with_counts`.
    """
    table = getattr(review, "ambiguous", None)
    amb: dict = {}
    if table is not None:
        for r in zip(table["outcome"], table["study_id"], table["arm"], table["used"], table["alternatives"]):
            amb.setdefault(r[0], []).append(r[1:])
    specs, take, spec_of, overrides = [], [], [], []
    bases, offset = [], 0
    for analysis in pools.ANALYSES:
        living = pools.with_subgroups(pools.with_counts(review, analysis), analysis)
        living = {c: living[c].to_numpy() for c in [*_STACK_COLUMNS, "outcome", "subgroup"]}
        # the 2016 edition's rows are the living rows of its trials (pools.trials, the one edition rule)
        in_2016 = np.isin(living["study_id"], pools.trials(review, analysis, pools.EDITION_2016)["study_id"])
        for rule in TRIALS_RULES:
            base = living if rule == "living" else {c: x[in_2016] for c, x in living.items()}
            bases.append(base)
            keys = list(zip(base["outcome"], base["subgroup"]))
            groups: dict = {}
            for i, key in enumerate(keys):
                groups.setdefault(key, []).append(i)
            for (outcome, pop), idx in groups.items():
                idx = np.asarray(idx)
                sid, prov = base["study_id"][idx], base["provenance"][idx]
                for counts_rule, alt, kept, change, altered in _variants(prov, sid, outcome, amb):
                    if not len(kept):
                        continue
                    loo = [""] + ([s for s in sid[kept] if s != altered] if len(kept) >= 2 else [])
                    for out in loo:
                        pos = kept[sid[kept] != out] if out else kept
                        n = len(specs)
                        specs.append({"analysis": analysis, "outcome": outcome, "population": pop,
                                      "trials_rule": rule, "counts_rule": counts_rule, "alternative": alt,
                                      "left_out": out})
                        take.append(offset + idx[pos])
                        spec_of.append(np.full(len(pos), n))
                        start = sum(len(t) for t in take[:-1]) if change else 0
                        for p, (col, val) in change.items():
                            where = np.flatnonzero(pos == p)
                            if len(where):
                                overrides.append((start + int(where[0]), col, val))
            offset += len(keys)
    allrows = {c: np.concatenate([b[c] for b in bases]) if bases else np.array([]) for c in _STACK_COLUMNS}
    take = np.concatenate(take) if take else np.array([], dtype=np.intp)
    stacked = pd.DataFrame({c: allrows[c][take] for c in _STACK_COLUMNS})
    for c in mh.COUNT_COLUMNS:
        stacked[c] = stacked[c].astype(float)
    for i, col, val in overrides:
        stacked.iat[i, stacked.columns.get_loc(col)] = float(val)
    stacked["spec"] = np.concatenate(spec_of) if spec_of else np.array([], dtype=np.intp)
    return pd.DataFrame(specs, columns=["analysis", "outcome", "population", "trials_rule", "counts_rule",
                                        "alternative", "left_out"]), stacked


def analysis_space(review, level: float = 0.95) -> pd.DataFrame:
    """Every combination (:data:`COLUMNS` + :data:`EXTRA_COLUMNS`), in one vectorised pass over all pools."""
    specs, st = specifications(review)
    g = len(specs)
    codes = st["spec"].to_numpy(dtype=np.intp)
    a, n1, c, n2 = (st[col].to_numpy(dtype=float) for col in mh.COUNT_COLUMNS)
    per = mh.study_arrays(a, n1, c, n2, "MH-cc", level)
    ids, part = st["study_id"].to_numpy(dtype=object), n1 + n2
    res = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mh.DegeneratePoolWarning)
        for m in ("MH-cc", "MH"):
            r = mh.pool_arrays(a, n1, c, n2, codes, g, m, level)
            s = mh.study_arrays(a, n1, c, n2, m, level)
            s_tot = np.bincount(codes, weights=s["mh_s"], minlength=g)
            with np.errstate(divide="ignore", invalid="ignore"):
                wt = np.where(s["included"], s["mh_s"] / s_tot[codes] * 100, np.nan)
            res[(m, "mh")] = {"k": r["k"], "rr": r["rr"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                              "i2": r["i2"], "tau2": np.full(g, np.nan), "used": s["included"], "weight": wt}
    has_y = ~np.isnan(per["log_rr"])
    y, v, yc = per["log_rr"][has_y], per["var_log_rr"][has_y], codes[has_y]
    tau2 = {"IV": np.zeros(g), **{m: randeff.TAU2_GROUPS[m](y, v, yc, g) for m in randeff.TAU2_METHODS}}
    for model, ci in MODEL_CI[2:]:
        r = randeff.random_effects_arrays(y, v, yc, g, tau2[model], ci if ci != "mh" else "z", level,
                                          min_k=1 if model == "IV" else 2)
        wt = np.full(len(codes), np.nan)
        wt[has_y] = r["weight"]
        res[(model, ci)] = {"k": np.bincount(yc, minlength=g), "rr": r["rr"], "ci_low": r["ci_low"],
                            "ci_high": r["ci_high"], "i2": r["i2_q"] if model == "IV" else r["i2"],
                            "tau2": np.full(g, np.nan) if model == "IV" else np.where(r["k"] >= 2, tau2[model], np.nan),
                            "used": has_y, "weight": wt}
    # trials, participants and weights of each (spec, model); study rows are stacked by spec
    starts = np.searchsorted(codes, np.arange(g))
    ends = np.searchsorted(codes, np.arange(g), side="right")
    out = []
    for (model, ci), r in res.items():
        used, wt = r["used"], r["weight"]
        trials, wts, npart = [], [], np.zeros(g)
        for i in range(g):
            sl = slice(starts[i], ends[i])
            u = used[sl]
            trials.append(";".join(ids[sl][u]))
            wts.append(";".join(f"{x:.1f}" for x in wt[sl][u]) if np.isfinite(r["rr"][i]) else "")
            npart[i] = part[sl][u].sum()
        out.append(pd.DataFrame({
            "analysis": specs["analysis"], "outcome": specs["outcome"], "population": specs["population"],
            "model": model, "ci_method": ci, "trials_rule": specs["trials_rule"],
            "counts_rule": specs["counts_rule"], "left_out": specs["left_out"], "trials": trials,
            "k": r["k"].astype(np.int64), "rr": r["rr"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
            "i2": r["i2"], "tau2": r["tau2"], "participants": npart.astype(np.int64), "weights": wts,
            "alternative": specs["alternative"], "_spec": np.arange(g)}))
    space = pd.concat(out, ignore_index=True)
    space = space[space["k"] > 0]
    mi = {mc: i for i, mc in enumerate(MODEL_CI)}
    space = space.assign(_m=[mi[(m, c)] for m, c in zip(space["model"], space["ci_method"])])
    space = space.sort_values(["_spec", "_m"], kind="stable").drop(columns=["_spec", "_m"])
    return space[COLUMNS + EXTRA_COLUMNS].reset_index(drop=True)


def timed_space(review) -> tuple[pd.DataFrame, float]:
    """(:func:`analysis_space`, seconds it took)."""
    t0 = time.perf_counter()
    space = analysis_space(review)
    return space, time.perf_counter() - t0


def estimable(space: pd.DataFrame) -> pd.DataFrame:
    """The rows with a risk ratio and an interval."""
    return space[space["rr"].notna() & space["ci_low"].notna() & space["ci_high"].notna()]


def distinct(space: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct estimable analysis of each pool, with every choice that gives it.

    Two rows are the same analysis when they share analysis, outcome, population, model, interval,
    the trials pooled and the counts (``alternative``). The kept row carries, for each choice column,
    the ``|``-joined set of values that give this analysis (``trials_rule`` ``2016|living``).
    """
    e = estimable(space)
    key = ["analysis", "outcome", "population", "model", "ci_method", "trials", "alternative"]
    choice = ["trials_rule", "counts_rule", "left_out"]
    e = e.assign(is_primary=is_primary(e))
    agg = {c: (lambda s: "|".join(sorted(set(s)))) for c in choice}
    first = {c: "first" for c in e.columns if c not in key + choice}
    out = e.groupby(key, sort=False, dropna=False).agg({**agg, **first, "is_primary": "any"}).reset_index()
    return out[e.columns.tolist()]


def is_primary(space: pd.DataFrame) -> pd.Series:
    """True on the rows of the pages' primary estimate (:data:`PRIMARY`)."""
    hit = pd.Series(True, index=space.index)
    for col, val in PRIMARY.items():
        hit &= space[col] == val
    return hit


#: Outcomes in the order the pages show them (the rest follow in the vocabulary's order).
PAGE_ORDER = ("total_response", "complete_response", "partial_response")


def outcomes_in_order(review, present) -> list[str]:
    """The outcomes of ``present`` in page order."""
    present = set(present)
    vocab = [o for o in review.vocabulary["outcome"] if o not in PAGE_ORDER]
    return [o for o in (*PAGE_ORDER, *vocab) if o in present]


def primary_row(space: pd.DataFrame, analysis: str, outcome: str, population: str = "all") -> pd.Series | None:
    """The pages' primary estimate of one pool (:data:`PRIMARY`), or None when no trial has counts."""
    sel = space[(space["analysis"] == analysis) & (space["outcome"] == outcome) & (space["population"] == population)]
    for col, val in PRIMARY.items():
        sel = sel[sel[col] == val]
    return None if sel.empty else sel.iloc[0]


def favours_tac(rr, higher_is: str) -> np.ndarray:
    """True where a risk ratio favours TAC (above 1 for a good outcome, below 1 for a harm)."""
    rr = np.asarray(rr, dtype=float)
    return rr > 1 if higher_is == "better" else rr < 1


def includes_no_effect(lo, hi) -> np.ndarray:
    """True where a 95% interval contains 1."""
    return (np.asarray(lo, dtype=float) <= 1) & (np.asarray(hi, dtype=float) >= 1)


def _shared_choice(rows: pd.DataFrame, ref: pd.DataFrame, review) -> str:
    """What every row of ``rows`` has in common that some rows of ``ref`` lack, in words ('' if nothing)."""
    words = []
    kh = {"hksj", "hksj_modified"}
    ci = set(rows["ci_method"])
    if ci <= kh and not set(ref["ci_method"]) <= kh:
        words.append("use a Knapp–Hartung interval")
    models, fixed = set(rows["model"]), {"MH-cc", "MH", "IV"}
    if models <= set(randeff.TAU2_METHODS) and not set(ref["model"]) <= set(randeff.TAU2_METHODS) and not words:
        words.append("use a random-effects model")
    if models <= fixed and not set(ref["model"]) <= fixed:
        words.append("use a fixed-effect model")
    elif ci <= {"mh", "z"} and not set(ref["ci_method"]) <= {"mh", "z"}:
        words.append("use a Mantel–Haenszel or Wald interval")
    left = [set(s.split("|")) - {""} for s in rows["left_out"]]
    common = set.intersection(*left) if left else set()
    if common:
        names = pools.study_label(review.studies.set_index("study_id").loc[sorted(common)].reset_index())
        words.append("leave out " + " or ".join(names))
    counts = [set(s.split("|")) for s in rows["counts_rule"]]
    for rule, text in (("without_derived", "drop the counts derived from percentages"),
                       ("without_unverified", "drop the unverified counts"), ("alternative", "use an alternative count")):
        if all(rule in s and len(s) == 1 for s in counts):
            words.append(text)
    if set(rows["trials_rule"]) == {"2016"}:
        words.append("pool only the 2016 edition's trials")
    return " and ".join(words)


def summary_sentence(space: pd.DataFrame, review, analysis: str, outcome: str, population: str = "all") -> str:
    """'Total renal response: 40 of 42 distinct analyses favour TAC; every 95% interval excludes no effect except …'."""
    d = distinct(space)
    d = d[(d["analysis"] == analysis) & (d["outcome"] == outcome) & (d["population"] == population)]
    name = review.label(outcome)
    if d.empty:
        return f"{name}: no trial has counts yet, so there is no analysis to compare."
    higher = review.higher_is(outcome)
    fav = favours_tac(d["rr"], higher)
    inc = includes_no_effect(d["ci_low"], d["ci_high"])
    m = len(d)
    noun = "analysis" if m == 1 else "analyses"
    direction = "above" if higher == "better" else "below"
    head = (f"{name}: {fmt_int(int(fav.sum()))} of {fmt_int(m)} distinct {noun} favour TAC "
            f"(risk ratio {direction} 1); ")
    lo_txt, hi_txt = fmt_ci(d["rr"].min(), d["rr"].max()).split(" to ")
    span = (f"every one gives a risk ratio of {lo_txt}" if lo_txt == hi_txt
            else f"their risk ratios range from {lo_txt} to {hi_txt}")
    n_inc, n_exc = int(inc.sum()), int((~inc).sum())
    if not inc.any():
        tail = "every 95% interval excludes no effect"
    elif inc.all():
        tail = "every 95% interval includes no effect"
    elif n_inc <= n_exc:
        shared = _shared_choice(d[inc], d, review)
        tail = (f"every 95% interval excludes no effect except {fmt_int(n_inc)}" +
                (f", all of which {shared}" if shared else " (spread across the choices)"))
    else:
        shared = _shared_choice(d[~inc], d, review)
        tail = (f"the 95% interval includes no effect in {fmt_int(n_inc)} of them and excludes it in "
                f"{fmt_int(n_exc)}" + (f", all of which {shared}" if shared else " (spread across the choices)"))
    return head + tail + "; " + span + "."


def facts_robustness(space: pd.DataFrame, review, analysis: str) -> dict:
    """The glued values of the robustness section of the efficacy and safety pages (keys spelled out)."""
    def s(outcome):
        return summary_sentence(space, review, analysis, outcome)

    n_all = fmt_int(len(space[space["analysis"] == analysis]))
    n_est = fmt_int(len(estimable(space[space["analysis"] == analysis])))
    if analysis == "efficacy":
        return {
            "robustness_efficacy_combinations": n_all,
            "robustness_efficacy_estimable": n_est,
            "robustness_total_response": s("total_response"),
            "robustness_complete_response": s("complete_response"),
            "robustness_partial_response": s("partial_response"),
        }
    if analysis == "safety":
        return {
            "robustness_safety_combinations": n_all,
            "robustness_safety_estimable": n_est,
            "robustness_infection": s("infection"),
            "robustness_severe_infection": s("severe_infection"),
            "robustness_hyperglycaemia": s("hyperglycaemia"),
            "robustness_leucopenia": s("leucopenia"),
            "robustness_creatinine_rise": s("creatinine_rise"),
            "robustness_any_adverse_event": s("any_adverse_event"),
        }
    raise ValueError(f"no robustness section for analysis {analysis!r}")


# --- the explorer's data --------------------------------------------------------------------

#: Columns of each row of the explorer's data (``rows`` of :func:`explorer_data`), in order.
JSON_COLUMNS = ["outcome", "population", "model", "ci_method", "trials_rule", "counts_rule", "left_out",
                "alternative", "trials", "k", "participants", "rr", "ci_low", "ci_high", "i2", "tau2", "weights"]


def _num(x, digits: int = 10):
    """A float for JSON: ``digits`` significant digits (far beyond what the page prints); None for NaN."""
    if x is None or not np.isfinite(x):
        return None
    return float(f"{float(x):.{digits}g}")


def explorer_data(space: pd.DataFrame, review, analysis: str) -> dict:
    """What ``book/_static/explorer.js`` shows for one page: rows, the per-trial estimates, labels."""
    sp = space[space["analysis"] == analysis]
    rows = []
    for r in sp.itertuples(index=False):
        rows.append([r.outcome, r.population, r.model, r.ci_method, r.trials_rule, r.counts_rule, r.left_out,
                     r.alternative, r.trials.split(";") if r.trials else [], int(r.k), int(r.participants),
                     _num(r.rr), _num(r.ci_low), _num(r.ci_high), _num(r.i2), _num(r.tau2),
                     [float(w) for w in r.weights.split(";")] if r.weights else []])
    # per-trial counts and estimates (the forest plot), for every counts version
    specs, st = specifications(review)
    st = st.assign(alternative=specs["alternative"].to_numpy()[st["spec"].to_numpy()],
                   analysis=specs["analysis"].to_numpy()[st["spec"].to_numpy()],
                   outcome=specs["outcome"].to_numpy()[st["spec"].to_numpy()])
    st = st[st["analysis"] == analysis].drop_duplicates(["outcome", "study_id", "alternative", *mh.COUNT_COLUMNS])
    per = mh.study_arrays(*(st[c].to_numpy(dtype=float) for c in mh.COUNT_COLUMNS), method="MH-cc")
    trials = {}
    for i, r in enumerate(st.itertuples(index=False)):
        key = f"{r.outcome}|{r.study_id}|{r.alternative}"
        trials[key] = [int(r.tac_events), int(r.tac_total), int(r.ctl_events), int(r.ctl_total), r.provenance,
                       _num(per["rr"][i]), _num(per["ci_low"][i]), _num(per["ci_high"][i])]
    # drop alternative entries identical to the used counts (other trials of an altered pool)
    for key in [k for k in trials if not k.endswith("|")]:
        base = key.rsplit("|", 1)[0] + "|"
        if trials.get(base) == trials[key]:
            del trials[key]
    outcomes = outcomes_in_order(review, sp["outcome"])
    studies = review.studies
    return {
        "format": 1, "analysis": analysis, "columns": JSON_COLUMNS, "rows": rows, "trials": trials,
        "outcomes": outcomes,
        "labels": {**{o: review.label(o) for o in outcomes},
                   **dict(zip(studies["study_id"], pools.study_label(studies)))},
        "higher_is": {o: review.higher_is(o) for o in outcomes},
        "choices": CHOICE_LABELS, "populations": {"all": "All trials", **{
            k: v for k, v in review.code_labels("regimen").items() if k in pools.REGIMENS}},
        "primary": PRIMARY,
    }


def explorer_script(data: dict) -> str:
    """The explorer's data as a script (``window.LR_ROBUSTNESS[analysis] = {...}``): it loads from file:// too.

    ``<`` is written as ``\\u003c`` so that no data text can close the ``<script>`` element.
    """
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False).replace("<", "\\u003c")
    return ("window.LR_ROBUSTNESS = window.LR_ROBUSTNESS || {};\n"
            f"window.LR_ROBUSTNESS[{json.dumps(data['analysis'])}] = {body};\n")


def parse_explorer_script(text: str) -> dict:
    """The data of :func:`explorer_script` back (tests)."""
    line = text.splitlines()[1]
    return json.loads(line.split(" = ", 1)[1].rstrip(";"))


def primary_text(row: pd.Series | None) -> str:
    """'1.37 (1.21 to 1.56)' of a primary row ("no counts yet" when there is none)."""
    return "no counts yet" if row is None else fmt_rr(row["rr"], row["ci_low"], row["ci_high"])


def explorer_html(analysis: str, outcome: str) -> str:
    """The explorer's place on a page: a container, its stylesheet and script (``book/_static``).

    Nothing from ``data/`` is in this HTML: the script reads the data file. ``analysis`` and
    ``outcome`` are codes of the package (checked here).
    """
    if analysis not in pools.ANALYSES or not outcome.replace("_", "").isalnum():
        raise ValueError(f"explorer_html: bad analysis or outcome code {analysis!r}, {outcome!r}")
    return (
        '<link rel="stylesheet" href="../_static/explorer.css">\n'
        f'<div class="lr-explorer" id="explorer-{analysis}" data-analysis="{analysis}" data-outcome="{outcome}">\n'
        '<p>Loading the explorer of every defensible analysis…</p>\n'
        '<noscript>The explorer needs JavaScript; every analysis is in results/robustness.csv '
        '(see Downloads).</noscript>\n</div>\n'
        '<script src="../_static/explorer.js"></script>\n')
