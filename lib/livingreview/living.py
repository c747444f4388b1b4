"""The living part of the review: adding a trial safely, editions, the changelog, cumulative pools.

Adding a trial (``livingreview add-trial FILE.yaml``)
----------------------------------------------------
The YAML file holds a mapping ``study:`` whose keys are ``studies.csv`` columns and a list
``outcomes:`` whose items are keyed by ``outcomes.csv`` columns without ``study_id``::

    study:
      study_id: jcn2017
      first_author: Unknown
      ...
    outcomes:
      - outcome: complete_response
        tac_events: 10
        tac_total: 16
        ctl_events: 3
        ctl_total: 16
        provenance: derived_from_percentage
        source: "Abstract: ..."

The new rows are validated *together with* the existing data (in a scratch copy); only when
everything is valid are ``studies.csv``, ``outcomes.csv`` and ``changelog.csv`` rewritten, each
atomically (temporary file, then rename). Any problem is reported with the YAML file, line and
key, the exit status is 1, and the data files stay byte-for-byte unchanged.

Multi-arm trials follow the review's rule (Li 2012): several control arms are pooled into one
(``ctl_arms: [{label, events, total}, ...]``, summed), and so are several TAC arms
(``tac_arms``). A trial may appear once per outcome: listing the same outcome twice would count a
shared arm twice and is refused.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import mh
from .fmt import fmt_rr
from .pools import PRIMARY, has_counts, pooled_estimates, trial_rows
from .data import DATA_DIR, Problem, load_review, validate
from .search import register_for_added_trial

ARM_KEYS = {"label", "events", "total"}


@dataclass
class TrialFileError(Exception):
    problems: list[Problem]

    def __str__(self) -> str:
        n = len(self.problems)
        return "\n".join([f"{n} problem{'s' if n != 1 else ''}; nothing was written:"]
                         + [f"  {p}" for p in self.problems])


def current_edition(today: dt.date | None = None) -> int:
    """The edition a new study enters: the current year (editions are named by year)."""
    return (today or dt.date.today()).year


def _columns(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


def _load_yaml(path: Path):
    """Parse the YAML file and keep line numbers: returns (data, line_of) where line_of(keypath) -> line."""
    import yaml

    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise TrialFileError([Problem(str(path), line, None, f"not valid YAML: {exc.problem or exc}")]) from None
    lines: dict[tuple, int] = {}

    def walk(n, keypath):
        lines[keypath] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                lines[keypath + (k.value,)] = k.start_mark.line + 1
                walk(v, keypath + (k.value,))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                walk(v, keypath + (i,))

    if node is not None:
        walk(node, ())
    return data, lines


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _pool_arms(item: dict, arm: str, where: str, problems: list[Problem], line: int) -> None:
    """Replace ``<arm>_arms`` by summed ``<arm>_events``/``<arm>_total`` and note it in ``source``."""
    arms = item.pop(f"{arm}_arms", None)
    if arms is None:
        return
    if not isinstance(arms, list) or len(arms) < 2 or not all(isinstance(a, dict) for a in arms):
        problems.append(Problem(where, line, f"{arm}_arms", "must be a list of at least two arms {label, events, total}"))
        return
    if f"{arm}_events" in item or f"{arm}_total" in item:
        problems.append(Problem(where, line, f"{arm}_arms",
                                f"give either {arm}_arms or {arm}_events/{arm}_total, not both"))
        return
    bad = [a for a in arms if set(a) - ARM_KEYS or not {"events", "total"} <= set(a)]
    if bad:
        problems.append(Problem(where, line, f"{arm}_arms", "each arm needs events and total (and may have a label)"))
        return
    events = [a["events"] for a in arms]
    totals = [a["total"] for a in arms]
    if any(e is None for e in events):
        if not all(e is None for e in events):
            problems.append(Problem(where, line, f"{arm}_arms", "events must be given for every arm or for none"))
            return
        item[f"{arm}_events"] = None
    else:
        item[f"{arm}_events"] = sum(int(e) for e in events)
    item[f"{arm}_total"] = sum(int(t) for t in totals)
    parts = ", ".join(f"{a.get('label', f'arm {i + 1}')} {a['events'] if a['events'] is not None else '–'}/{a['total']}"
                      for i, a in enumerate(arms))
    note = f"{'Control' if arm == 'ctl' else 'TAC'} arms pooled as in the review's rule for multi-arm trials ({parts})."
    item["source"] = f"{item.get('source', '')} {note}".strip()


def trial_rows_from_yaml(path: Path | str, data_dir: Path | str = DATA_DIR, edition: int | None = None):
    """Turn a trial file into new ``studies.csv`` and ``outcomes.csv`` rows (not yet validated against the data).

    Returns (study_row, outcome_rows, yaml_lines) where rows are dicts of strings.
    """
    path = Path(path)
    data_dir = Path(data_dir)
    where = str(path)
    data, lines = _load_yaml(path)
    problems: list[Problem] = []
    study_cols = _columns(data_dir / "studies.csv")
    outcome_cols = _columns(data_dir / "outcomes.csv")
    if not isinstance(data, dict) or "study" not in data or "outcomes" not in data:
        raise TrialFileError([Problem(where, 1, None, "the file needs a mapping 'study:' and a list 'outcomes:'")])
    for key in data:
        if key not in ("study", "outcomes"):
            problems.append(Problem(where, lines.get((key,)), key, "unknown top-level key (use 'study' and 'outcomes')"))
    study = data["study"]
    if not isinstance(study, dict):
        raise TrialFileError([Problem(where, lines.get(("study",)), "study", "must be a mapping of studies.csv columns")])
    for key in study:
        if key not in study_cols:
            problems.append(Problem(where, lines.get(("study", key)), key, "not a column of studies.csv"))
    study = dict(study)
    if study.get("added_in") in (None, ""):
        study["added_in"] = edition or current_edition()
    study_row = {c: _cell(study.get(c)) for c in study_cols}
    outcomes = data["outcomes"]
    if not isinstance(outcomes, list) or not outcomes:
        raise TrialFileError(problems + [Problem(where, lines.get(("outcomes",)), "outcomes",
                                                 "must be a non-empty list of outcome rows")])
    out_rows = []
    seen: dict[str, int] = {}
    allowed = set(outcome_cols) - {"study_id"} | {"tac_arms", "ctl_arms"}
    for i, item in enumerate(outcomes):
        line = lines.get(("outcomes", i))
        if not isinstance(item, dict):
            problems.append(Problem(where, line, None, f"outcomes[{i}] must be a mapping"))
            continue
        item = dict(item)
        for key in item:
            if key == "study_id":
                problems.append(Problem(where, lines.get(("outcomes", i, key)), key,
                                        "leave study_id out of outcomes (it comes from 'study')"))
            elif key not in allowed:
                problems.append(Problem(where, lines.get(("outcomes", i, key)), key, "not a column of outcomes.csv"))
        name = item.get("outcome")
        if name in seen:
            problems.append(Problem(where, line, "outcome",
                                    f"'{name}' is listed twice for this trial (first at line {seen[name]}): a shared arm "
                                    "would be counted twice; pool the other arms with ctl_arms/tac_arms instead"))
        elif name is not None:
            seen[name] = line
        for arm in ("tac", "ctl"):
            _pool_arms(item, arm, where, problems, line)
        row = {c: _cell(item.get(c)) for c in outcome_cols}
        row["study_id"] = study_row["study_id"]
        out_rows.append(row)
    if problems:
        raise TrialFileError(problems)
    return study_row, out_rows, lines


def _append_csv(path: Path, rows: list[dict]) -> bytes:
    """The bytes of ``path`` with ``rows`` appended (columns in the file's order)."""
    original = path.read_bytes()
    cols = _columns(path)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for r in rows:
        w.writerow([r.get(c, "") for c in cols])
    sep = b"" if original.endswith(b"\n") or not original else b"\n"
    return original + sep + buf.getvalue().encode("utf-8")


def _atomic_write(path: Path, content: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def add_trial(path: Path | str, data_dir: Path | str = DATA_DIR, edition: int | None = None,
              today: dt.date | None = None) -> dict:
    """Validate a trial file against the data and, only if all is valid, write it in.

    Returns a summary dict (study_id, outcomes added, edition). Raises :class:`TrialFileError`.
    """
    path, data_dir = Path(path), Path(data_dir)
    study_row, out_rows, lines = trial_rows_from_yaml(path, data_dir, edition)
    n_study = len((data_dir / "studies.csv").read_text(encoding="utf-8").splitlines())
    n_out = len((data_dir / "outcomes.csv").read_text(encoding="utf-8").splitlines())
    new_files = {
        "studies.csv": _append_csv(data_dir / "studies.csv", [study_row]),
        "outcomes.csv": _append_csv(data_dir / "outcomes.csv", out_rows),
    }
    today = today or dt.date.today()
    change = {"date": today.isoformat(), "edition": study_row["added_in"], "change": "added",
              "study_id": study_row["study_id"],
              "description": f"Added {study_row['first_author']} {study_row['year']} "
                             f"({', '.join(r['outcome'] for r in out_rows)}) from {path.name}."}
    new_files["changelog.csv"] = _append_csv(data_dir / "changelog.csv", [change])
    # issue 14: the update register (and a full-text decision awaiting data) follow the addition
    new_files.update(register_for_added_trial(data_dir, study_row, today))
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "data"
        shutil.copytree(data_dir, scratch)
        for name, content in new_files.items():
            (scratch / name).write_bytes(content)
        problems = validate(scratch)
    if problems:
        raise TrialFileError([_to_yaml_problem(p, path, lines, n_study, n_out) for p in problems])
    for name, content in new_files.items():
        _atomic_write(data_dir / name, content)
    return {"study_id": study_row["study_id"], "outcomes": [r["outcome"] for r in out_rows],
            "edition": study_row["added_in"]}


def _to_yaml_problem(p: Problem, path: Path, lines: dict, n_study: int, n_out: int) -> Problem:
    """Point a problem found in the scratch data back at the YAML file when it is about a new row."""
    name = Path(p.path).name
    if p.line is not None and name == "studies.csv" and p.line > n_study:
        col = p.column.split(",")[0].strip() if p.column else None
        return Problem(str(path), lines.get(("study", col), lines.get(("study",))), p.column, p.message)
    if p.line is not None and name == "outcomes.csv" and p.line > n_out:
        i = p.line - n_out - 1
        col = p.column.split(",")[0].strip() if p.column else None
        if col == "study_id":
            return Problem(str(path), lines.get(("study", "study_id")), p.column, p.message)
        line = lines.get(("outcomes", i, col), lines.get(("outcomes", i)))
        return Problem(str(path), line, p.column, f"outcomes[{i}]: {p.message}")
    return Problem(f"data/{name}" if p.line is not None else p.path, p.line, p.column, p.message)


# ---------------------------------------------------------------------------------------------
# editions and cumulative evidence

def editions(review) -> list[int]:
    """The editions present in the data, oldest first."""
    return sorted(int(e) for e in review.studies["added_in"].unique())


def edition_comparison(review, outcomes=("total_response", "complete_response", "partial_response"),
                       analysis: str = "efficacy") -> pd.DataFrame:
    """Headline pools (MH-cc, overall and by regimen) at each edition, side by side, with the change."""


    eds = editions(review)
    frames = []
    for e in eds:
        p = pooled_estimates(review, edition=e, methods=(PRIMARY,))
        p = p[(p["analysis"] == analysis) & (p["outcome"].isin(outcomes))].assign(edition=e)
        frames.append(p)
    allp = pd.concat(frames, ignore_index=True)
    labels = review.vocabulary.set_index("outcome")["label"]
    rows = []
    for (oc, sub), g in allp.groupby(["outcome", "subgroup"], sort=False):
        row = {"Outcome": labels[oc], "Subgroup": sub}
        g = g.set_index("edition")
        prev = None
        for e in eds:
            if e in g.index:
                r = g.loc[e]
                row[f"{e}: trials"] = int(r["k"])
                row[f"{e}: RR (95% CI)"] = fmt_rr(r["rr"], r["ci_low"], r["ci_high"])
                cur = r["rr"]
            else:
                row[f"{e}: trials"] = 0
                row[f"{e}: RR (95% CI)"] = "no trial with counts"
                cur = np.nan
            if prev is not None:
                row[f"change {eds[eds.index(e) - 1]}→{e}"] = (
                    "–" if pd.isna(cur) or pd.isna(prev) else f"{cur - prev:+.2f}")
            prev = cur
        rows.append(row)
    return pd.DataFrame(rows)


def cumulative(review, outcome: str, analysis: str = "efficacy", method: str = PRIMARY) -> pd.DataFrame:
    """Cumulative meta-analysis by publication year: the pool of every trial published up to each year."""
    rows = trial_rows(review, analysis)
    rows = rows[(rows["outcome"] == outcome) & has_counts(rows)].sort_values(["year", "study_id"])
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mh.DegeneratePoolWarning)
        for year in sorted(rows["year"].unique()):
            sub = rows[rows["year"] <= year]
            r = mh.pool(sub, None, method).iloc[0]
            added = ", ".join(rows.loc[rows["year"] == year, "label"])
            out.append({"year": int(year), "added": added, "k": int(r["k"]),
                        "patients": int(r["tac_total"] + r["ctl_total"]), "rr": r["rr"], "ci_low": r["ci_low"],
                        "ci_high": r["ci_high"], "i2": r["i2"]})
    return pd.DataFrame(out)


def changelog_table(review) -> pd.DataFrame:
    """The changelog (data/changelog.csv) for display, newest first."""
    c = review.changelog.copy()
    return c.sort_values(["date", "edition"], ascending=False).rename(columns=str.capitalize).reset_index(drop=True)
