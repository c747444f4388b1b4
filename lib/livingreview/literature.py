"""The evidence base: search flow (PRISMA 2020), the review's Tables 1–4 and the study list.

Every table is computed from ``studies.csv`` (and, for Table 4, from the printed
aggregates in ``patient_characteristics.csv``); :func:`check_published` compares
the computed marginals with the figures the review printed
(``published_tables.csv``) and names every row that disagrees.
"""
from __future__ import annotations


import numpy as np
import pandas as pd

# The bibliography has its own module; these names stay importable from here.
from .bibliography import REGISTER_STATUS, bib_keys, bibtex  # noqa: F401
from .pools import EDITION_2016, study_label
from .data import Review
from .prisma import STAGE_TEXT, prisma_diagram, prisma_html  # noqa: F401  (the flow diagram lives in prisma)
from .search import flow_table

#: Coded columns of studies.csv whose labels (data/labels.csv) head the review's tables.
DESIGN, ETHNICITY, REGIMEN, PHASE = "design", "ethnicity", "regimen", "phase"
CHARACTERISTICS = {"n_patients": "Patients (N)", "mean_age": "Age, years (mean)", "female": "Female (%)",
                   "disease_duration": "Disease duration, years (mean)", "asian": "Asian ethnicity (%)",
                   "ln_class_i_ii": "LN class I/II (%)", "ln_class_iii_iv": "LN class III/IV ± V (%)",
                   "ln_class_v": "LN class V (%)"}



def review_studies(review: Review, edition: int | None = EDITION_2016) -> pd.DataFrame:
    """Studies of an edition (default: the 23 of the 2016 review)."""
    st = review.studies
    return st if edition is None else st[st["added_in"] <= edition]


def _count_table(series: pd.Series, labels: dict, heading: str) -> pd.DataFrame:
    n = len(series)
    counts = series.value_counts().reindex(list(labels), fill_value=0)
    return pd.DataFrame({
        "Characteristic": heading, "Category": [labels[k] for k in counts.index], "key": counts.index,
        "Studies": counts.to_numpy(), "%": np.round(counts.to_numpy() / n * 100).astype(int),
    })


def table1(review: Review, edition: int | None = EDITION_2016) -> pd.DataFrame:
    """Table 1: characteristics of the included studies (counts and % of studies)."""
    st = review_studies(review, edition)
    parts = [
        _count_table(st[DESIGN], review.code_labels(DESIGN), "Design"),
        _count_table(st[ETHNICITY], review.code_labels(ETHNICITY), "Subjects"),
        _count_table(st[REGIMEN], review.code_labels(REGIMEN), "Regimen"),
        _count_table(st[PHASE], review.code_labels(PHASE), "Tacrolimus used as"),
    ]
    return pd.concat(parts, ignore_index=True)


def table2(review: Review, edition: int | None = EDITION_2016) -> pd.DataFrame:
    """Table 2: studies by treatment intention × regimen, with the controlled designs among them."""
    st = review_studies(review, edition)
    phases = review.code_labels(PHASE)
    out = pd.DataFrame(index=list(phases.values()))
    for reg, reg_label in review.code_labels(REGIMEN).items():
        cells = []
        for ph in phases:
            sub = st[(st["phase"] == ph) & (st["regimen"] == reg)]
            text = str(len(sub))
            extra = [f"{(sub['design'] == d).sum()} {abbr}" for d, abbr in (("rct", "RCT"), ("case_control", "CCS"))
                     if (sub["design"] == d).any()]
            if extra:
                text += " (" + ", ".join(extra) + ")"
            cells.append(text)
        out[reg_label] = cells
    out.index.name = "Treatment intention"
    return out.reset_index()


def table3(review: Review, edition: int | None = EDITION_2016) -> pd.DataFrame:
    """Table 3: the controlled studies (RCTs and case-control studies)."""
    st = review_studies(review, edition)
    st = st[st["design"].isin(["rct", "case_control"])].copy()
    phases = review.code_labels(PHASE)
    st["Group"] = st["phase"].map(phases) + " with " + st["regimen"] + " therapy"
    st["Study"] = study_label(st)
    st["Design"] = st["design"].map({"rct": "RCT", "case_control": "CCS"})
    st["Quality (Delphi 0–9)"] = st["quality_score"].map(lambda v: "NA" if pd.isna(v) else str(int(v)))
    st["Patients"] = st["n_patients"].astype("Int64")
    st["End point (months)"] = st["followup_months"].map(lambda v: "" if pd.isna(v) else f"{v:g}")
    st["Control"] = st["comparator"]
    st["TAC regimen"] = st["tac_dosing"]
    order = {p: i for i, p in enumerate(phases)}
    st = st.sort_values(["phase", "regimen", "year"], key=lambda s: s.map(order) if s.name == "phase" else s)
    cols = ["Group", "Study", "Design", "Quality (Delphi 0–9)", "Patients", "End point (months)", "Control",
            "TAC regimen"]
    return st[cols].reset_index(drop=True)


def meta_analysis_trials(review: Review, edition: int | None = EDITION_2016) -> pd.DataFrame:
    """The induction RCTs that the efficacy and safety analyses pool."""
    st = review_studies(review, edition)
    return st[(st["design"] == "rct") & (st["phase"] == "induction")]


def table4(review: Review, edition: int | None = EDITION_2016) -> pd.DataFrame:
    """Table 4: patients of the meta-analysed RCTs, overall and by regimen.

    N is computed from ``studies.csv``; the other rows are the review's printed
    aggregates (individual trial baselines are not in our data), marked as such.
    """
    trials = meta_analysis_trials(review, edition)
    computed = {"all": int(trials["n_patients"].sum())}
    for reg in ("duo", "triple"):
        computed[reg] = int(trials.loc[trials["regimen"] == reg, "n_patients"].sum())
    pc = review.patients
    rows = []
    for key, label in CHARACTERISTICS.items():
        row = {"Characteristic": label}
        for g in ("all", "duo", "triple"):
            hit = pc[(pc["characteristic"] == key) & (pc["group"] == g)]
            val = hit["value"].iloc[0] if len(hit) else np.nan
            if key == "n_patients":
                row[g] = str(computed[g])
            else:
                row[g] = "not available" if pd.isna(val) else f"{val:g}"
        row["Source"] = "computed from studies.csv" if key == "n_patients" else "printed in the review (Table 4)"
        rows.append(row)
    out = pd.DataFrame(rows).rename(columns={"all": "All", "duo": "Duo therapy", "triple": "Triple therapy"})
    return out


def study_list(review: Review, edition: int | None = None) -> pd.DataFrame:
    """Every included study with design, phase, regimen, N, confidence and citation."""
    st = review_studies(review, edition).copy()
    st["Study"] = study_label(st)
    st["Citation"] = [_citation(r) for _, r in st.iterrows()]
    st["Confidence"] = st["confidence"].map({"confirmed": "confirmed", "candidate": "candidate (uncertain)"})
    st["N"] = st["n_patients"].map(lambda v: "not verified" if pd.isna(v) else str(int(v)))
    cols = {"design": "Design", "phase": "Intention", "regimen": "Regimen", "ethnicity": "Ethnicity"}
    out = st.rename(columns=cols)
    out["Design"] = out["Design"].map({"rct": "RCT", "case_control": "CCS", "cohort": "cohort",
                                       "case_series": "case series"})
    out["Intention"] = out["Intention"].map(review.code_labels(PHASE))
    out = out.sort_values(["confidence", "year", "Study"])
    return out[["Study", "Design", "Intention", "Regimen", "Ethnicity", "N", "Confidence", "Citation"]].reset_index(
        drop=True)


def _citation(r: pd.Series) -> str:
    parts = [f"{r['first_author']} et al."]
    if pd.notna(r["journal"]):
        parts.append(str(r["journal"]))
    if pd.notna(r["doi"]):
        parts.append(f"doi:{r['doi']}")
    if pd.notna(r["pmid"]):
        parts.append(f"PMID {int(r['pmid'])}")
    return " ".join(parts)


def computed_marginals(review: Review, edition: int | None = EDITION_2016) -> pd.DataFrame:
    """What the printed figures in ``published_tables.csv`` should equal, computed from studies.csv."""
    st = review_studies(review, edition)
    rows = []
    for col in ("design", "ethnicity", "regimen", "phase"):
        for key, n in st[col].value_counts().items():
            rows.append(("table1", col, key, n))
    for ph in review.code_labels(PHASE):
        for reg in review.code_labels(REGIMEN):
            sub = st[(st["phase"] == ph) & (st["regimen"] == reg)]
            rows.append(("table2", ph, reg, len(sub)))
            for d in ("rct", "case_control"):
                rows.append(("table2_controlled", ph, f"{reg}_{d}", int((sub["design"] == d).sum())))
    trials = meta_analysis_trials(review, edition)
    rows.append(("table4", "n_patients", "all", int(trials["n_patients"].sum())))
    for reg in ("duo", "triple"):
        rows.append(("table4", "n_patients", reg, int(trials.loc[trials["regimen"] == reg, "n_patients"].sum())))
    q = st.loc[st["design"] == "rct", "quality_score"].dropna().astype(float)
    rows += [("text", "quality_score", "median", q.median()), ("text", "quality_score", "min", q.min()),
             ("text", "quality_score", "max", q.max())]
    nonasian = st.loc[st["ethnicity"] == "non_asian", "n_patients"]
    rows.append(("text", "non_asian", "patients", np.nan if nonasian.isna().any() else nonasian.sum()))
    return pd.DataFrame(rows, columns=["table", "row", "column", "computed"])


def check_published(review: Review, edition: int | None = EDITION_2016) -> pd.DataFrame:
    """Printed vs computed figures, one row each, with ``agrees`` and the known discrepancy (if any)."""
    pub = review.published_tables
    comp = computed_marginals(review, edition)
    out = pub.merge(comp, on=["table", "row", "column"], how="left")
    out["computed"] = out["computed"].astype(float).fillna(
        out["table"].map({"table1": 0, "table2": 0, "table2_controlled": 0, "table4": 0}))
    out["agrees"] = np.isclose(out["value"], out["computed"])
    out["status"] = np.where(out["agrees"], "agrees",
                             np.where(out["known_discrepancy"].notna(), "known discrepancy", "MISMATCH"))
    return out[["table", "row", "column", "value", "computed", "status", "known_discrepancy", "source"]]


def unexplained_mismatches(review: Review, edition: int | None = EDITION_2016) -> list[str]:
    """Messages naming every printed figure our data contradicts without a documented reason."""
    chk = check_published(review, edition)
    bad = chk[chk["status"] == "MISMATCH"]
    return [f"{r.table} row '{r.row}', column '{r.column}': printed {r.value:g}, computed {r.computed:g}"
            for r in bad.itertuples()]


def flow_counts(review: Review) -> pd.DataFrame:
    """The search flow as a table: one row per round and stage, 'not reported' where empty.

    Rounds with search records (``search/records.csv``) are derived from the records and screening
    decisions; the others (the 2016 review) keep the printed counts of ``search_flow.csv``
    (:func:`livingreview.search.flow_table`).
    """
    f = flow_table(review)
    f["Stage"] = f["stage"].map(STAGE_TEXT)
    f["Count"] = f["count"].map(lambda v: "not reported" if pd.isna(v) else str(int(v)))
    return f[["round", "Stage", "Count", "provenance", "source"]].rename(
        columns={"round": "Round", "provenance": "Provenance", "source": "Source"})
