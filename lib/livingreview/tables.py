"""One styling function for every table a reader sees: :func:`style`.

What it guarantees (tested in ``tests/test_tables.py``):

* **human labels, never a machine name**: column names are mapped through the ``column``
  entries of ``data/labels.csv``; outcome ids through ``data/outcome_vocabulary.csv``
  (``label``); coded values (regimen, status, design, ethnicity, provenance, …) through the
  other entries of ``data/labels.csv``. A column name that still looks like a machine name
  (``snake_case``) raises ``ValueError`` naming it, so it cannot reach a page unnoticed;
* **numbers as the book writes them** (:mod:`livingreview.fmt`): counts as integers, risk
  ratios and their limits to 2 decimals, p as ``<0.001`` or 3 decimals, other numbers to
  ``precision`` decimals; an undefined value (NaN, None) as "–", never ``nan``;
* **long text as numbered footnotes** under the table (columns named in ``footnote_columns``,
  and every text column with a cell longer than ``long_text`` characters); equal texts share
  a number;
* **layout**: padded cells, numbers right-aligned and unbroken, text wrapping at word
  boundaries with a minimum width (no one-letter-per-line columns); the table sits in a
  ``<div>`` with ``overflow-x: auto``, so a table wider than a phone scrolls inside its own
  box and never widens the page;
* **a stable element id** derived from ``key`` (``lr-table-<key>``), so the HTML is the same at
  every execution (nbval compares it).

The book's stylesheet (``book/_static/livingreview.css``) styles the classes used here;
a small scoped ``<style>`` block keeps the table readable in plain Jupyter too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import outputs
from .escape import html_text
from .fmt import UNDEFINED, fmt_int, fmt_num, fmt_p, is_missing

#: A name that reads as code: lower-case words joined by underscores (``study_id``, ``awaiting_data``).
MACHINE_NAME = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
#: A machine name anywhere in a heading (``Study_id``, ``statsmodels riskratio_pooled``).
MACHINE_TOKEN = re.compile(r"(?<![\w/.])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?![\w/.])")
#: Columns whose text always goes to footnotes.
FOOTNOTE_COLUMNS = ("Reason", "Why", "Source", "Note", "Notes", "Comment on the difference", "reason", "source",
                    "source_note", "where_to_look")
#: Text longer than this (characters) in a cell moves its column to footnotes.
LONG_TEXT = 120

_P_COLUMN = re.compile(r"^(p|p \(.*\)|p-value|q_p|p_.*|.*_p)$", re.IGNORECASE)
_RR_COLUMN = re.compile(r"^(rr|ci_low|ci_high|pi_low|pi_high|rr_.*|.*\brr\b.*|risk ratio.*)$", re.IGNORECASE)
_COUNT_COLUMN = re.compile(r"(^k$|^n$|trials|studies|patients|events|total|count|^n_|number)", re.IGNORECASE)
#: Identifier-like whole numbers (years, search rounds, editions): printed plain, never ``2,016``.
_ID_COLUMN = re.compile(r"^(added_in|year|round|edition)$|\b(year|round|edition)\b", re.IGNORECASE)
#: Column names (or headings) whose values are codes of the ``data/labels.csv`` field of the same name.
_CODED_FIELDS = frozenset({
    "subgroup", "regimen", "status", "design", "ethnicity", "phase", "provenance", "analysis", "method", "change",
    "domain", "kind", "arm", "confidence", "certainty", "group", "stage", "characteristic", "unit", "higher_is",
    "tau2_method", "ci_method", "significant", "table"})


@dataclass
class Labels:
    """Code → label vocabularies: ``fields[field][code]`` and ``outcomes[outcome]``."""

    fields: dict[str, dict[str, str]] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_review(cls, review=None) -> "Labels":
        """Read the vocabularies from a :class:`~livingreview.data.Review` (loaded when not given)."""
        if review is None or review.labels is None or review.vocabulary is None:
            from .data import DATA_DIR, load_review

            review = load_review(review.data_dir if review is not None else DATA_DIR,
                                 tables=("labels", "outcome_vocabulary"))
        fields: dict[str, dict[str, str]] = {}
        for f, c, lab in review.labels[["field", "code", "label"]].itertuples(index=False):
            fields.setdefault(f, {})[c] = lab
        outcomes = dict(zip(review.vocabulary["outcome"], review.vocabulary["label"]))
        return cls(fields, outcomes)

    def column(self, name) -> str:
        """Heading for a column name (unchanged when it is already human)."""
        return self.fields.get("column", {}).get(str(name), str(name))

    def any_code(self) -> dict[str, str]:
        """Every unambiguous machine code (with an underscore) → label, outcomes included."""
        out = {}
        for f, codes in self.fields.items():
            if f == "column":
                continue
            for c, lab in codes.items():
                if MACHINE_NAME.match(c):
                    out.setdefault(c, lab)
        out.update(self.outcomes)
        return out


#: A text cell longer than this (characters) gets a wider column (``lr-long``: a sentence, not a word).
LONG_CELL = 60


@dataclass
class DisplayTable:
    """A styled table: ``frame`` holds the displayed strings, ``footnotes`` the moved texts.

    Jupyter and myst-nb show it through :meth:`_repr_html_`; ``glue`` stores the same HTML.
    """

    frame: pd.DataFrame
    caption: str
    key: str
    footnotes: list[str]
    numeric: list[bool]
    notes: list[str] = field(default_factory=list)
    #: Per cell (row position, column position): the counts' provenance shown on hover, focus and tap
    #: (keys ``study``, ``tac``, ``ctl``, ``provenance``, ``source``; see ``book/_static/provenance.js``).
    cell_info: dict = field(default_factory=dict)

    @property
    def element_id(self) -> str:
        return "lr-table-" + re.sub(r"[^A-Za-z0-9_-]+", "-", self.key).strip("-")

    def to_html(self) -> str:
        e = html_text  # every text of the table, data or not, on the one HTML path
        tid = self.element_id
        label = self.caption or self.key
        wide = len(self.frame.columns) > 3
        out = [f'<div class="lr-table-wrap{" lr-table-wide" if wide else ""}" id="{tid}-wrap" role="region" '
               f'tabindex="0" aria-label="{e(label)} (scrolls sideways)" style="overflow-x:auto;max-width:100%;">',
               f"<style>#{tid}{{border-collapse:collapse;margin:0.5em 0;font-size:0.9em}}"
               f"#{tid} th,#{tid} td{{padding:0.3em 0.7em;border-bottom:1px solid #ddd;vertical-align:top;"
               f"text-align:left}}#{tid} td.lr-num,#{tid} th.lr-num{{text-align:right}}#{tid} td.lr-num{{white-space:nowrap}}"
               f"#{tid} td.lr-text{{min-width:6em;overflow-wrap:normal;word-break:normal}}"
               f"#{tid} td.lr-long{{min-width:11em}}"
               f"#{tid} caption{{caption-side:top;text-align:left;font-weight:bold;padding:0.3em 0}}</style>",
               f'<table class="lr-table" id="{tid}">']
        if self.caption:
            out.append(f"<caption>{e(self.caption)}</caption>")
        out.append("<thead><tr>")
        for col, num in zip(self.frame.columns, self.numeric):
            cls = ' class="lr-num"' if num else ""
            out.append(f'<th scope="col"{cls}>{e(str(col))}</th>')
        out.append("</tr></thead><tbody>")
        for i, row in enumerate(self.frame.itertuples(index=False)):
            out.append("<tr>")
            for j, (val, num) in enumerate(zip(row, self.numeric)):
                cls = "lr-num" if num else ("lr-text lr-long" if isinstance(val, str) and len(val) > LONG_CELL
                                            else "lr-text")
                tag, scope = "td", ""
                info = self.cell_info.get((i, j))
                if info:
                    data = "".join(f' data-{k}="{e(str(v))}"' for k, v in info.items())
                    out.append(f'<{tag}{scope} class="{cls} lr-prov" tabindex="0"{data}>{_cell_html(val)}</{tag}>')
                else:
                    out.append(f'<{tag}{scope} class="{cls}">{_cell_html(val)}</{tag}>')
            out.append("</tr>")
        out.append("</tbody></table>")
        if self.footnotes or self.notes:
            out.append('<div class="lr-table-notes">')
            if self.footnotes:
                out.append('<ol class="lr-footnotes">')
                for i, text in enumerate(self.footnotes, 1):
                    out.append(f'<li id="{tid}-fn{i}">{e(text)}</li>')
                out.append("</ol>")
            for n in self.notes:
                out.append(f'<p class="lr-table-note">{e(n)}</p>')
            out.append("</div>")
        out.append("</div>")
        return "".join(out)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        text = self.frame.to_string(index=False)
        fn = "\n".join(f"[{i}] {t}" for i, t in enumerate(self.footnotes, 1))
        return "\n".join(x for x in (self.caption, text, fn, *self.notes) if x)


_FN_MARK = re.compile(r"^\[(\d+)\]$")


def _cell_html(val: str) -> str:
    """Escape a cell; a footnote marker ``[n]`` becomes a superscript link."""
    m = _FN_MARK.match(val)
    if m:
        return f'<sup class="lr-fn-ref">[{m.group(1)}]</sup>'
    return html_text(val)


def _is_whole(values: pd.Series) -> bool:
    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    return bool(len(v)) and bool(np.all(np.isfinite(v) & (v == np.round(v))))


def _numbers_in_object(s: pd.Series) -> pd.Series:
    """An object column holding only numbers (and missing values) as a float column; else unchanged.

    Concatenating frames can leave numbers in an ``object`` column; they are formatted as numbers.
    """
    if s.dtype != object:
        return s
    present = [v for v in s if not is_missing_obj(v)]
    if present and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
                       for v in present):
        return pd.to_numeric(s.where(s.map(lambda v: not is_missing_obj(v))), errors="coerce").astype(float)
    return s


def _format_column(name: str, heading: str, s: pd.Series, precision: int) -> tuple[list[str], bool]:
    """Displayed strings of one column and whether it is numeric."""
    s = _numbers_in_object(s)
    if pd.api.types.is_bool_dtype(s):
        return [UNDEFINED if is_missing_obj(v) else ("yes" if v else "no") for v in s], False
    if pd.api.types.is_numeric_dtype(s):
        if _is_whole(s) and (_ID_COLUMN.search(name) or _ID_COLUMN.search(heading)):
            return [UNDEFINED if is_missing(v) else str(int(round(float(v)))) for v in s], True
        if _P_COLUMN.match(name) or _P_COLUMN.match(heading):
            return [fmt_p(v) for v in s], True
        if _RR_COLUMN.match(name) or _RR_COLUMN.match(heading):
            return [fmt_num(v, 2) for v in s], True
        if _is_whole(s) and (_COUNT_COLUMN.search(name) or _COUNT_COLUMN.search(heading)
                             or pd.api.types.is_integer_dtype(s)):
            return [fmt_int(v) for v in s], True
        if "I²" in heading or name.lower().startswith("i2"):
            return [fmt_num(v, 0) for v in s], True
        return [fmt_num(v, precision) for v in s], True
    return [UNDEFINED if is_missing_obj(v) else str(v) for v in s], False


def is_missing_obj(v) -> bool:
    """Undefined for display: None, NaN, pd.NA, or the text 'nan'/'None'/''."""
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, str):
        return v.strip().lower() in ("", "nan", "none", "<na>")
    if isinstance(v, (float, np.floating)):
        return is_missing(v)
    return False


def style(df: pd.DataFrame, caption: str, key: str, *, review=None, labels: Labels | None = None,
          precision: int = 2, footnote_columns=FOOTNOTE_COLUMNS, long_text: int = LONG_TEXT,
          notes=(), strict: bool = True) -> DisplayTable:
    """Style a table for readers (see the module docstring for the rules).

    Parameters
    ----------
    df : the table; its index is not shown (reset it first if it carries data).
    caption : the caption shown above the table.
    key : a stable name; the element id is ``lr-table-<key>``.
    review : the :class:`~livingreview.data.Review` whose vocabularies label codes (read from
        ``data/`` when omitted); or ``labels`` directly.
    precision : decimals of numbers that are not counts, risk ratios, p-values or I².
    footnote_columns : columns whose text always moves to numbered footnotes.
    long_text : text columns with a cell longer than this move to footnotes as well.
    notes : sentences printed under the table (after the footnotes).
    strict : raise ``ValueError`` when a heading or a cell still reads as a machine name.

    Returns
    -------
    DisplayTable, shown as HTML by Jupyter and myst-nb.
    """
    labels = labels or Labels.from_review(review)
    codes = labels.any_code()
    cell_info = dict(df.attrs.get("lr_cell_info", {}))
    df = df.reset_index(drop=True)
    headings, columns, numeric = [], {}, []
    footnotes: list[str] = []
    fn_index: dict[str, int] = {}
    for name in df.columns:
        sname = str(name)
        heading = labels.column(sname)
        s = df[name]
        field_name = next((f for f in (sname.lower(), heading.lower()) if f in _CODED_FIELDS), None)
        if sname.lower() == "outcome" or heading == "Outcome":
            s = s.map(lambda v: labels.outcomes.get(v, v) if isinstance(v, str) else v)
        elif field_name and field_name in labels.fields:
            vocab = labels.fields[field_name]
            s = s.map(lambda v, vocab=vocab: vocab.get(v, v) if isinstance(v, str) else v)
        values, num = _format_column(sname, heading, s, precision)
        if not num:
            values = [codes.get(v, v) for v in values]
            to_footnote = sname in footnote_columns or heading in footnote_columns or any(
                len(v) > long_text for v in values)
            if to_footnote:
                marked = []
                for v in values:
                    if v == UNDEFINED:
                        marked.append(v)
                        continue
                    if v not in fn_index:
                        footnotes.append(v)
                        fn_index[v] = len(footnotes)
                    marked.append(f"[{fn_index[v]}]")
                values = marked
        if strict:
            if MACHINE_TOKEN.search(heading):
                raise ValueError(f"table {key!r}: column {sname!r} has no human label (add it to data/labels.csv "
                                 "with field 'column', or rename it)")
            bad = sorted({v for v in values if MACHINE_NAME.match(v)})
            if bad:
                raise ValueError(f"table {key!r}: column {sname!r} shows machine names {bad} (add them to "
                                 "data/labels.csv)")
        headings.append(heading)
        columns[len(headings) - 1] = values
        numeric.append(num)
    frame = pd.DataFrame({i: columns[i] for i in range(len(headings))})
    frame.columns = headings
    return DisplayTable(frame, caption, key, footnotes, numeric, list(notes), cell_info)


# ---------------------------------------------------------------------------------------------
# showing and exporting (the two calls every page makes)

def _table_dir():
    from .data import ROOT

    return ROOT / "results" / "tables"


def show(df: pd.DataFrame, caption: str, key: str, *, review=None, digits: int = 2, **kwargs) -> DisplayTable:
    """Shorthand for :func:`style` with ``precision=digits``."""
    return style(df, caption, key, review=review, precision=digits, **kwargs)


def export(df: pd.DataFrame, name: str, folder=None):
    """Write ``results/tables/<name>.csv`` (UTF-8, no index, LF line ends) and return its path."""
    from pathlib import Path

    folder = Path(folder) if folder else _table_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    df.to_csv(path, index=False, lineterminator="\n")
    outputs.record(path)
    return path


# ---------------------------------------------------------------------------------------------
# the display tables of the pages (DataFrames with human headings; :func:`show` styles them)

def trial_counts(review, analysis: str, edition: int | None = None) -> pd.DataFrame:
    """Counts per trial and outcome as a wide table: 'a/n vs c/m' with ‡ derived and † unverified."""
    from . import pools

    rows = pools.trial_rows(review, analysis, edition)
    mark = {"reported": "", "derived_from_percentage": " ‡", "unverified": " †"}

    def cell(r):
        if pd.isna(r["tac_events"]) or pd.isna(r["ctl_events"]):
            return "missing"
        return (f"{int(r['tac_events'])}/{int(r['tac_total'])} vs {int(r['ctl_events'])}/{int(r['ctl_total'])}"
                f"{mark.get(r['provenance'], '')}")

    rows["cell"] = rows.apply(cell, axis=1)
    labels = review.outcome_labels
    rows["Outcome"] = rows["outcome"].map(labels)
    wide = rows.pivot_table(index=["label", "regimen", "comparator"], columns="Outcome", values="cell",
                            aggfunc="first")
    order = [labels[o] for o in labels.index if labels[o] in wide.columns]
    wide = wide[order].reset_index().rename(columns={"label": "Trial", "regimen": "Regimen", "comparator": "Control"})
    wide.columns.name = None
    wide.attrs["lr_cell_info"] = _count_provenance(rows, wide, order)
    return wide


#: The provenance word of each count, as readers see it on hover (data/outcomes.csv column ``provenance``).
PROVENANCE_WORDS = {"reported": "reported", "derived_from_percentage": "derived from a reported percentage",
                    "unverified": "unverified (recalled from the abstract)", "missing": "missing"}


def _count_provenance(rows: pd.DataFrame, wide: pd.DataFrame, order: list[str]) -> dict:
    """{(row, column position): provenance of the cell} for :func:`trial_counts` (shown on hover and focus)."""
    def count(e, n):
        return f"{'–' if pd.isna(e) else int(e)}/{'–' if pd.isna(n) else int(n)}"

    pos = {(t, rg, c): i for i, (t, rg, c) in enumerate(zip(wide["Trial"], wide["Regimen"], wide["Control"]))}
    col = {name: 3 + j for j, name in enumerate(order)}
    out = {}
    for _, r in rows.iterrows():
        i = pos.get((r["label"], r["regimen"], r["comparator"]))
        j = col.get(r["Outcome"])
        if i is None or j is None:
            continue
        prov = r["provenance"] if isinstance(r["provenance"], str) else "missing"
        if pd.isna(r["tac_events"]) or pd.isna(r["ctl_events"]):
            prov = "missing"
        out[(i, j)] = {"study": r["label"], "outcome": r["Outcome"], "tac": count(r["tac_events"], r["tac_total"]),
                       "ctl": count(r["ctl_events"], r["ctl_total"]),
                       "provenance": PROVENANCE_WORDS.get(prov, prov),
                       "source": r["source"] if isinstance(r["source"], str) else ""}
    return out


def pooled_results(review, pooled: pd.DataFrame, analysis: str, method: str = "MH-cc") -> pd.DataFrame:
    """The pooled results of one analysis (one zero-cell rule), one row per outcome and regimen."""
    from .fmt import fmt_rr

    t = pooled[(pooled["analysis"] == analysis) & (pooled["method"] == method)]
    return pd.DataFrame({
        "Outcome": t["outcome"].map(review.outcome_labels).to_numpy(),
        "Regimen": t["subgroup"].to_numpy(),
        "Trials": t["k"].to_numpy(),
        "TAC events/total": [f"{int(a)}/{int(n)}" for a, n in zip(t["tac_events"], t["tac_total"])],
        "Control events/total": [f"{int(a)}/{int(n)}" for a, n in zip(t["ctl_events"], t["ctl_total"])],
        "RR (95% CI)": [fmt_rr(*v) for v in zip(t["rr"], t["ci_low"], t["ci_high"])],
        "p": t["p"].to_numpy(),
        "I² (%)": t["i2"].to_numpy(),
    })


def statsmodels_check(review, analyses=("efficacy", "safety")) -> pd.DataFrame:
    """Our MH estimates against statsmodels for every pool of the given analyses (trials with counts)."""
    from . import mh, pools

    parts = []
    for a in analyses:
        rows = pools.with_subgroups(pools.with_counts(review, a), a)
        if rows.empty:
            continue
        with pools.quiet():
            chk = mh.statsmodels_check(rows, ["outcome", "subgroup"])
        parts.append(chk.assign(analysis=a))
    chk = pd.concat(parts, ignore_index=True)
    from . import evidence

    ev = evidence.build(review).set_index("estimate_id")
    ours_dl = [ev["rr"].get(evidence.estimate_id(a, o, s, evidence.LIVING, "DL-z"), np.nan)
               for a, o, s in zip(chk["analysis"], chk["outcome"], chk["subgroup"])]
    negative = chk["sm_tau2"] < 0
    # a negative τ² is truncated at 0 before the comparison: DerSimonian–Laird is then the inverse-variance mean
    sm_dl = np.where(negative, chk["iv_fixed"], chk["dl_random"])
    note = [f"statsmodels returned τ² = {fmt_num(t, 4)} (not truncated at 0) and a random-effects RR of "
            f"{fmt_num(d, 4)}, which is not DerSimonian–Laird; shown after truncation at 0"
            if neg else "" for t, d, neg in zip(chk["sm_tau2"], chk["dl_random"], negative)]
    diff = np.abs(np.asarray(ours_dl, float) - sm_dl)
    for i in np.flatnonzero(diff > 1e-6):
        note[i] = (note[i] + "; " if note[i] else "") + "our DerSimonian–Laird estimate differs"
    return pd.DataFrame({
        "Analysis": chk["analysis"], "Outcome": chk["outcome"].map(review.outcome_labels),
        "Regimen": chk["subgroup"], "Trials": chk["k"],
        "Ours, MH": chk["ours_MH"], "Ours, MH-cc": chk["ours_MH_cc"],
        "statsmodels riskratio pooled": chk["statsmodels_MH"], "Difference (ours MH − statsmodels)": chk["abs_diff_MH"],
        "Inverse-variance fixed (combine effects)": chk["iv_fixed"],
        "DerSimonian–Laird random (combine effects, τ² truncated at 0)": sm_dl,
        "Ours, DerSimonian–Laird": ours_dl,
        "Note": note,
    })


def rules_side_by_side(review, pooled: pd.DataFrame, analysis: str) -> pd.DataFrame:
    """RR (95% CI) of each pool under MH-cc and MH in two columns."""
    from .fmt import fmt_rr

    t = pooled[pooled["analysis"] == analysis]
    a = t[t["method"] == "MH-cc"].set_index(["outcome", "subgroup"])
    b = t[t["method"] == "MH"].set_index(["outcome", "subgroup"]).reindex(a.index)
    out = pd.DataFrame({
        "Outcome": [review.label(o) for o, _ in a.index], "Regimen": [s for _, s in a.index],
        "RR (95% CI), 0.5 added to zero cells": [fmt_rr(*v) for v in zip(a["rr"], a["ci_low"], a["ci_high"])],
        "RR (95% CI), nothing added": [fmt_rr(*v) for v in zip(b["rr"], b["ci_low"], b["ci_high"])],
    })
    out["Rules differ"] = np.where(out.iloc[:, 2] != out.iloc[:, 3], "yes", "no")
    return out


def rules_that_differ(review, pooled: pd.DataFrame) -> pd.DataFrame:
    """Pools of every analysis where MH and MH-cc differ (to two decimals), with the reason."""
    from .pools import ANALYSES

    parts = [rules_side_by_side(review, pooled, a).assign(Analysis=a) for a in ANALYSES]
    t = pd.concat(parts, ignore_index=True)
    t = t[t["Rules differ"] == "yes"].drop(columns="Rules differ")
    t["Why"] = np.where(
        t["RR (95% CI), nothing added"] == "not estimable",
        "No events in one arm of the whole pool: without a correction the MH ratio does not exist.",
        "A trial has a zero cell; adding 0.5 to each of its cells pulls the RR towards 1.")
    cols = ["Analysis", "Outcome", "Regimen", "RR (95% CI), 0.5 added to zero cells", "RR (95% CI), nothing added", "Why"]
    return t[cols].reset_index(drop=True)


def sensitivity_unverified(review) -> pd.DataFrame:
    """Primary (MH-cc) pools beside the same pools without unverified counts."""
    from . import pools
    from .fmt import fmt_rr

    prim = pools.pooled_estimates(review, methods=(pools.PRIMARY,))
    sens = pools.pooled_estimates(review, exclude_unverified=True, methods=(pools.PRIMARY,))
    key = ["analysis", "outcome", "subgroup"]
    m = prim.merge(sens, on=key, how="left", suffixes=("", "_s"))
    out = pd.DataFrame({
        "Analysis": m["analysis"], "Outcome": m["outcome"].map(review.outcome_labels), "Regimen": m["subgroup"],
        "Trials": m["k"], "RR (95% CI), all counts": [fmt_rr(*v) for v in zip(m["rr"], m["ci_low"], m["ci_high"])],
        "Trials without unverified counts": m["k_s"].fillna(0).astype(int),
        "RR (95% CI), without unverified counts": [fmt_rr(*v) if pd.notna(v[0]) else "no trial left"
                                                   for v in zip(m["rr_s"], m["ci_low_s"], m["ci_high_s"])],
    })
    out["Changed"] = np.where(out.iloc[:, 4] != out.iloc[:, 6], "yes", "no")
    return out


def ambiguous(review) -> pd.DataFrame:
    """Counts with more than one value that fits the source (``data/ambiguous_counts.csv``)."""
    from .pools import study_label

    a = review.ambiguous
    trial = a["study_id"] if review.studies is None else a["study_id"].map(
        dict(zip(review.studies["study_id"], study_label(review.studies))))
    return pd.DataFrame({"Trial": trial, "Outcome": a["outcome"].map(review.outcome_labels),
                         "Arm": a["arm"], "Used": a["used"],
                         "Values that fit": a["alternatives"].str.replace(";", " or "), "Reason": a["reason"]})


def reproduction(rep: pd.DataFrame, review) -> DisplayTable:
    """The published estimates beside ours, with the status and the reason as footnotes."""
    from .fmt import fmt_rr

    status = {"reproduced": "reproduced", "differs": "differs", "not_reproducible": "not reproducible"}
    t = pd.DataFrame({
        "Analysis": rep["analysis"], "Outcome": rep["outcome"].map(review.outcome_labels), "Regimen": rep["subgroup"],
        "Published RR (95% CI)": [fmt_rr(*v) for v in zip(rep["rr"], rep["ci_low"], rep["ci_high"])],
        "Trials with counts": [f"{k} of {n}" for k, n in zip(rep["our_k"], rep["k_needed"])],
        "Our RR (95% CI)": [fmt_rr(*v) if pd.notna(v[0]) else "no trial with counts"
                            for v in zip(rep["our_rr"], rep["our_ci_low"], rep["our_ci_high"])],
        "Status": rep["status"].map(status), "Reason": rep["reason"].fillna(""),
    })
    return show(t, "Published (Kraaij 2016) and recomputed pooled risk ratios (0.5 added to zero cells, as the "
                "review's software did)", "reproduction", review=review)


def gaps(g: pd.DataFrame, review) -> DisplayTable:
    """The counts that would close every gap of the reproduction table."""
    t = pd.DataFrame({"Trial": g["trial"], "Outcome": g["outcome"].map(review.outcome_labels),
                      "Estimates it blocks": g["blocks"].map(lambda s: _blocks(s, review)),
                      "TAC arm": g["tac_arm"], "Control arm": g["control_arm"], "Where to look": g["where_to_look"]})
    return show(t, "Counts needed to reproduce every published estimate", "gaps", review=review,
                footnote_columns=FOOTNOTE_COLUMNS + ("Where to look",))


def _blocks(text: str, review) -> str:
    """'complete_response (all), …' → 'Complete renal response (overall), …'."""
    out = []
    for part in str(text).split(", "):
        oc, _, sub = part.partition(" (")
        sub = sub.rstrip(")")
        sub = {"all": "overall", "duo": "duo", "triple": "triple"}.get(sub, sub)
        out.append(f"{review.outcome_labels.get(oc, oc)} ({sub})")
    return ", ".join(out)


def register(review) -> DisplayTable:
    """The register of trials identified in update searches, reasons as footnotes.

    A trial is named by its study label ("JCN 2017", "Ray Chaudhury 2023"): the one of
    ``studies.csv`` when it is included (the same label as on every other page), otherwise
    from the register's ``first_author`` and ``year``.
    """
    from .pools import author_label, study_label

    r = review.register
    included = {} if review.studies is None else dict(zip(review.studies["study_id"], study_label(review.studies)))

    def trial(sid, author, year):
        if sid in included:
            return included[sid]
        if pd.isna(author) or not str(author).strip() or str(author).split()[0].islower():  # "not shown …"
            return f"Trial of {year} (author not shown)"
        return author_label(author, year)

    t = pd.DataFrame({"Trial": [trial(s, a, y) for s, a, y in zip(r["study_id"], r["first_author"], r["year"])],
                      "Search round": r["round"], "Design": r["design"], "Phase": r["phase"],
                      "Status": r["status"], "Reason": r["reason"]})
    return show(t, "Trials identified in update searches", "register", review=review)


def changelog(review) -> DisplayTable:
    """The changelog (``data/changelog.csv``), newest first."""
    c = review.changelog.sort_values(["date", "edition"], ascending=False)
    desc = c["description"].astype(str)
    for code, label in review.outcome_labels.items():  # outcome ids in free text read as labels
        desc = desc.str.replace(rf"\b{code}\b", label.lower(), regex=True)
    t = pd.DataFrame({"Date": c["date"], "Edition": c["edition"], "Change": c["change"], "Description": desc})
    return show(t, "Changes to the data", "changelog", review=review, long_text=400)


#: Words for the statistics and units of the review's printed text (``data/published_tables.csv``).
_CHECK_WORDS = {"median": "Median", "min": "Lowest", "max": "Highest", "patients": "Patients"}
#: Which labelled field the row and column codes of each printed table belong to.
_CHECK_FIELDS = {"table1": (None, None), "table2": ("phase", "regimen"), "table2_controlled": ("phase", "regimen"),
                 "table4": (None, "subgroup"), "text": (None, None)}
_CELL_REF = re.compile(r"\b(table\w*|text)/(\w+)/(\w+)\b")


def _check_label(labels: Labels, value, field_name: str | None) -> str:
    """Label of a row or column code of the printed-vs-computed check (data/labels.csv).

    Tried in turn: the code in ``field_name``; a column name; a word of :data:`_CHECK_WORDS`; a
    code of any field; a regimen followed by a design (``duo_rct`` → "TAC + steroids (duo),
    randomised controlled trial"). Anything else is returned unchanged (and :func:`style` rejects
    it if it reads as a machine name).
    """
    v = str(value)
    f = labels.fields
    if field_name and v in f.get(field_name, {}):
        return f[field_name][v]
    if v in f.get("column", {}):
        return f["column"][v]
    if v in _CHECK_WORDS:
        return _CHECK_WORDS[v]
    hits = {codes[v] for name, codes in f.items() if name != "column" and v in codes}
    if len(hits) == 1:
        return hits.pop()
    for reg, reg_label in f.get("regimen", {}).items():
        design = v[len(reg) + 1:] if v.startswith(reg + "_") else None
        if design and design in f.get("design", {}):
            d = f["design"][design]
            return f"{reg_label}, {d[:1].lower() + d[1:]}"
    return v


def _count_text(v) -> str:
    """A printed or computed figure: whole numbers as counts ('6'), others with one decimal ('4.5')."""
    if is_missing(v):
        return UNDEFINED
    return fmt_int(v) if float(v) == round(float(v)) else fmt_num(v, 1)


def printed_vs_computed(check: pd.DataFrame, labels: Labels | None = None) -> DisplayTable:
    """Figures printed by the review beside the same figures computed from our study file.

    Every cell is a label from ``data/labels.csv`` (tables, fields, codes), counts are whole
    numbers, and a note's reference to another cell (``table2/maintenance/triple``) reads as
    words ("Table 2, maintenance, TAC + MMF + steroids (triple)").
    """
    labels = labels or Labels.from_review(None)
    tables_ = labels.fields.get("table", {})

    def row_label(table, row):
        rf, _ = _CHECK_FIELDS.get(table, (None, None))
        return _check_label(labels, row, rf)

    def column_label(table, row, column):
        rf, cf = _CHECK_FIELDS.get(table, (None, None))
        if table == "table1":  # the row names the field whose codes are the columns
            cf = row
        return _check_label(labels, column, cf)

    def lower_first(text):
        return text[:1].lower() + text[1:] if text[1:2].islower() else text

    def note(text):
        if is_missing_obj(text):
            return ""
        return _CELL_REF.sub(lambda m: (f"{tables_.get(m[1], m[1])}, {lower_first(row_label(m[1], m[2]))}, "
                                        f"{column_label(m[1], m[2], m[3])}"), str(text))

    t = pd.DataFrame({"Where": [tables_.get(v, v) for v in check["table"]],
                      "Row": [row_label(tb, r) for tb, r in zip(check["table"], check["row"])],
                      "Column": [column_label(tb, r, c) for tb, r, c in zip(check["table"], check["row"], check["column"])],
                      "Printed": [_count_text(v) for v in check["value"]],
                      "Computed": [_count_text(v) for v in check["computed"]],
                      "Status": check["status"], "Note": [note(v) for v in check["known_discrepancy"]]})
    out = show(t, "Figures printed by the review against the same figures computed from the study file",
               "printed-vs-computed", labels=labels)
    out.numeric[3] = out.numeric[4] = True  # figures right-aligned like every number
    return out


def fixed_vs_random(review, pooled: pd.DataFrame, re: pd.DataFrame, tau2_method: str = "REML",
                    ci_method: str = "hksj_modified") -> pd.DataFrame:
    """Fixed effect (MH-cc) beside one random-effects model, for pools of 2+ trials.

    Default: REML with the modified Knapp–Hartung interval (never a point). Prediction intervals
    are "–" for fewer than 3 trials (their note says why).
    """
    from .fmt import fmt_ci, fmt_rr

    f = pooled[(pooled["method"] == "MH-cc") & (pooled["k"] >= 2)]
    r = re[(re["tau2_method"] == tau2_method) & (re["ci_method"] == ci_method)]
    m = f.merge(r, on=["analysis", "outcome", "subgroup"], suffixes=("", "_re"))
    ci_name = {"hksj_modified": "modified Knapp–Hartung", "hksj": "Knapp–Hartung", "z": "Wald"}[ci_method]
    return pd.DataFrame({
        "Outcome": m["outcome"].map(review.outcome_labels), "Regimen": m["subgroup"], "Trials": m["k"],
        "Fixed effect, RR (95% CI)": [fmt_rr(*v) for v in zip(m["rr"], m["ci_low"], m["ci_high"])],
        f"Random effects ({tau2_method}, {ci_name}), RR (95% CI)": [
            fmt_rr(*v) for v in zip(m["rr_re"], m["ci_low_re"], m["ci_high_re"])],
        "Prediction interval": [fmt_ci(lo, hi) if pd.notna(lo) else "– (fewer than 3 trials)"
                                for lo, hi in zip(m["pi_low"], m["pi_high"])],
        "τ²": m["tau2"].round(3), "I² (%)": m["i2_re"].round(0),
    })


TEST_TEXT = {"fixed_chi2": "Fixed effect (RevMan χ²)", "meta_regression_reml": "Random effects: meta-regression (REML), Wald χ²",
             "meta_regression_reml_knha": "Random effects: meta-regression (REML), Knapp–Hartung F",
             "subgroup_q_random": "Random effects: Q between subgroups (REML)"}


def subgroup_differences(sg: pd.DataFrame, review) -> DisplayTable:
    """Tests for subgroup differences (duo vs triple), fixed and random effects, with the I² between
    regimens (:func:`livingreview.sensitivity.i2_between`; "–" for the meta-regression test)."""
    from .randeff import CONFOUNDING_CAVEAT

    t = pd.DataFrame({"Analysis": sg["analysis"], "Outcome": sg["outcome"].map(review.outcome_labels),
                      "Test": sg["test"].map(TEST_TEXT), "Subgroups (trials)": sg["subgroups"],
                      "Statistic (χ², or F)": sg["q"].round(2), "df": sg["df"], "p": sg["p"],
                      "i2_between": sg["i2_between"] if "i2_between" in sg else np.nan})
    if sg["analysis"].nunique() == 1:  # one analysis: named in the caption, not in every row
        t = t.drop(columns="Analysis")
    return show(t, "Tests for subgroup differences, duo vs triple therapy", "subgroups", review=review,
                notes=[CONFOUNDING_CAVEAT])


def _months(lo, hi) -> str:
    from .fmt import fmt_int

    if is_missing(lo):
        return "not reported"
    return f"{fmt_int(lo)} months" if lo == hi else f"{fmt_int(lo)} to {fmt_int(hi)} months"


def _per_1000(risk) -> str:
    from .fmt import fmt_int

    return UNDEFINED if is_missing(risk) else fmt_int(round(1000 * float(risk)))


def sof_frame(sof: pd.DataFrame) -> pd.DataFrame:
    """The summary-of-findings table as readers see it and download it (rows of :func:`grade.summary_of_findings`).

    Relative effect: the primary estimate (MH fixed effect); the random-effects model (REML, modified
    Knapp–Hartung) as its labelled sensitivity analysis in the same row, with a plain sentence where the two
    disagree and the words that a two-trial interval (t with 1 df) is uninformative.
    """
    from .fmt import fmt_rr
    from .grade import SYMBOLS, comment
    from .wording import T1_WARNING, disagreement, plural

    rows = []
    for r in sof.itertuples():
        pop = r.comparison.split(" vs ")[0] if isinstance(r.comparison, str) else "TAC-based therapy"
        if r.published_only:
            rel = f"RR {fmt_rr(r.published_rr, r.published_ci_low, r.published_ci_high)} as published (2016)"
            single = r.certainty_reason == "counts of one regimen only"
            rows.append({"Outcome": r.outcome_label, "Population and comparison": r.comparison,
                         "№ participants (studies)": ("our counts come from one regimen's trials (its row below)"
                                                     if single else "no trial with counts in our data"),
                         "Follow-up": _months(r.followup_min, r.followup_max),
                         "Relative effect (95% CI), MH fixed effect": rel,
                         "Random effects, sensitivity (95% CI)": UNDEFINED, "Risk with control": UNDEFINED,
                         "Risk with TAC (95% CI)": UNDEFINED, "Certainty": "not rated",
                         "Comments": "As published; not yet re-derivable from our data, so not rated.",
                         "Reasons": ("Not rated: our counts for this pool come from one regimen's trials only; they "
                                     "are shown, and rated, in that regimen's row. The published estimate is shown as "
                                     "printed." if single else
                                     "Not rated: no counts. The trials' adverse-event counts are not in our data (see "
                                     "the reproduction page); the published estimate is shown as printed.")})
            continue
        k, n = int(r.k_reported), int(r.k_trials)
        studies = plural(k, "RCT") + (f" of {n}" if k < n else "")
        if is_missing(r.re_rr):
            re = "– (one trial)" if r.re_k < 2 else UNDEFINED
        else:
            re = fmt_rr(r.re_rr, r.re_ci_low, r.re_ci_high) + (f" ({T1_WARNING})" if r.t1_interval else "")
        level = r.certainty if isinstance(r.certainty, str) and r.certainty else ""
        notes = [disagreement((r.rr, r.ci_low, r.ci_high), (r.re_rr, r.re_ci_low, r.re_ci_high), bool(r.t1_interval))]
        if not is_missing(r.split_p):
            from .fmt import fmt_p

            notes.append(f"Shown by regimen: RevMan's fixed-effect χ² test for subgroup differences p = "
                         f"{fmt_p(r.split_p)}.")
        rows.append({
            "Outcome": r.outcome_label, "Population and comparison": r.comparison,
            "№ participants (studies)": f"{plural(int(r.participants), 'participant')} ({studies})",
            "Follow-up": _months(r.followup_min, r.followup_max),
            "Relative effect (95% CI), MH fixed effect": "RR " + fmt_rr(r.rr, r.ci_low, r.ci_high),
            "Random effects, sensitivity (95% CI)": re,
            "Risk with control": f"{_per_1000(r.control_risk)} per 1,000",
            "Risk with TAC (95% CI)": f"{_per_1000(r.tac_risk)} per 1,000 ({_per_1000(r.tac_risk_low)} to "
                                      f"{_per_1000(r.tac_risk_high)})",
            "Certainty": f"{SYMBOLS[level]} {level}" if level else "not rated",
            "Comments": " ".join(x for x in [comment(level or "not rated", r.ci_low, r.ci_high, r.outcome_label, pop),
                                             *notes] if x),
            "Reasons": (r.certainty_reason.rstrip(".") + "." if level else f"Not rated: {r.certainty_reason}.")
            + ("" if k == n else f" Counts missing for {n - k} of {plural(n, 'trial')}."),
        })
    return pd.DataFrame(rows)


def summary_of_findings(sof: pd.DataFrame, review) -> DisplayTable:
    """The Cochrane summary-of-findings table (footnotes numbered under it)."""
    return show(sof_frame(sof), "Tacrolimus regimens compared with control treatment for induction of lupus nephritis",
                "sof", review=review, footnote_columns=FOOTNOTE_COLUMNS + ("Reasons",))


def strategies(st: pd.DataFrame) -> DisplayTable:
    """The saved search strategies (one per database and round), shown as stored."""
    from .search import DATABASE_LABELS

    t = pd.DataFrame({"Round": st["round"], "Database": st["database"].map(lambda d: DATABASE_LABELS.get(d, d)),
                      "Strategy": st["text"]})
    return show(t, "Saved search strategies", "strategies", long_text=10_000, strict=False)
