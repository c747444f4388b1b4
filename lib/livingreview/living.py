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
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import mh
from .fmt import fmt_rr
from . import pools
from .pools import PRIMARY, has_counts, pooled_estimates, trial_rows
from .data import DATA_DIR, Problem, validate
from .safeio import MAX_INTEGER, UnsafeFileError, read_data_bytes
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


#: Largest trial file read (bytes): a trial is a page of YAML, not a data set.
MAX_YAML_BYTES = 256 * 1024
#: Deepest nesting of mappings and lists in a trial file (the format needs 4).
MAX_YAML_DEPTH = 12


def _columns_of(content: bytes) -> list[str]:
    """Header of a CSV file's bytes (a BOM dropped, cells stripped)."""
    text = content.decode("utf-8-sig", errors="replace")
    return [c.strip() for c in next(csv.reader(io.StringIO(text, newline="")), [])]


def _columns(path: Path) -> list[str]:

    return _columns_of(read_data_bytes(path, path.parent))


def _load_yaml(path: Path):
    """Parse a trial file safely and keep positions: returns (data, lines) with lines[keypath] -> line.

    ``ruamel.yaml`` in safe mode (no Python objects, :class:`~ruamel.yaml.constructor.DuplicateKeyError`
    for a key given twice). The event stream is checked first, without building anything, so that
    anchors and aliases (refused: a trial file has no use for them, and they are the way to make a
    tiny file expand without bound) and nesting deeper than :data:`MAX_YAML_DEPTH` are refused before
    any structure is built.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    from .data import TextError, decode_text

    where = str(path)

    def fail(line, key, message):
        raise TrialFileError([Problem(where, line, key, message)])

    try:
        raw = read_data_bytes(path, max_bytes=MAX_YAML_BYTES)
    except UnsafeFileError as exc:
        fail(None, None, f"refused: {exc.reason}")
    except FileNotFoundError:
        fail(None, None, "file not found")
    except OSError as exc:
        fail(None, None, f"cannot be read ({exc.strerror or exc})")
    try:
        text = decode_text(raw, where)
    except TextError as exc:
        fail(exc.line, None, f"column {exc.column}: {exc.reason}")

    yaml = YAML(typ="safe", pure=True)
    try:
        depth = 0
        for ev in yaml.parse(text):
            line = ev.start_mark.line + 1 if ev.start_mark is not None else None
            if isinstance(ev, AliasEvent):
                fail(line, None, f"alias *{ev.anchor}: anchors and aliases are not allowed in a trial file")
            if isinstance(ev, NodeEvent) and ev.anchor is not None:
                fail(line, None, f"anchor &{ev.anchor}: anchors and aliases are not allowed in a trial file")
            if isinstance(ev, CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    fail(line, None, f"nested more than {MAX_YAML_DEPTH} levels deep")
            elif isinstance(ev, CollectionEndEvent):
                depth -= 1
        data = yaml.load(text)
        node = yaml.compose(text)
    except DuplicateKeyError as exc:
        mark = exc.problem_mark or exc.context_mark
        key = re.search(r'duplicate key "(.*?)"', exc.problem or "")
        first = exc.context_mark.line + 1 if exc.context_mark else None
        fail(mark.line + 1 if mark else None, key.group(1) if key else None,
             f"key given twice in the same mapping (the mapping starts at line {first}); keep one")
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        fail(mark.line + 1 if mark else None, None, f"not valid YAML: {exc.problem or exc.context or 'syntax error'}")
    except YAMLError as exc:
        fail(None, None, f"not valid YAML: {exc}")
    except RecursionError:
        fail(None, None, "nested too deeply")

    lines: dict[tuple, int] = {}

    def walk(n, keypath, level):
        lines[keypath] = n.start_mark.line + 1
        if isinstance(n, MappingNode):
            for k, v in n.value:
                kv = k.value if isinstance(k.value, str) else repr(k.value)
                lines[keypath + (kv,)] = k.start_mark.line + 1
                walk(v, keypath + (kv,), level + 1)
        elif isinstance(n, SequenceNode):
            for i, v in enumerate(n.value):
                walk(v, keypath + (i,), level + 1)

    if node is not None:
        walk(node, (), 0)
    return data, lines


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


def _scalar_problems(mapping: dict, keypath: tuple, where: str, lines: dict, skip=()) -> list[Problem]:
    """A cell must be one value: a list or mapping where a column value is expected is refused."""
    out = []
    for key, value in mapping.items():
        if key in skip:
            continue
        if isinstance(value, (list, dict)):
            kind = "a list" if isinstance(value, list) else "a mapping"
            out.append(Problem(where, lines.get(keypath + (key,)), str(key),
                               f"must be a single value, not {kind} (write `{key}: value`)"))
    return out


def _whole(value):
    """The int value of a whole-number YAML scalar, else None (bools, fractions, text are not)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _check_arm(a: dict, name: str, where: str, line: int | None, problems: list[Problem]) -> bool:
    """Validate one arm like a row of outcomes.csv; ``name`` says which arm in the messages."""

    ok = True
    for key in ("events", "total"):
        v = a[key]
        if v is None and key == "events":
            continue
        n = _whole(v)
        if n is None:
            problems.append(Problem(where, line, key, f"{name}: {key} {v!r} is not a whole number"))
            ok = False
        elif not 0 <= n < MAX_INTEGER:
            problems.append(Problem(where, line, key, f"{name}: {key} {n} must be between 0 and {MAX_INTEGER - 1:,}"))
            ok = False
    if not ok:
        return False
    ev, tot = _whole(a["events"]), _whole(a["total"])
    if tot == 0:
        problems.append(Problem(where, line, "total", f"{name}: total must be above 0 (an arm with no patients)"))
        return False
    if ev is not None and ev > tot:
        problems.append(Problem(where, line, "events", f"{name}: events ({ev}) exceed the arm total ({tot})"))
        return False
    return True


def _pool_arms(item: dict, arm: str, where: str, problems: list[Problem], line: int, lines: dict | None = None,
               keypath: tuple = ()) -> None:
    """Replace ``<arm>_arms`` by summed ``<arm>_events``/``<arm>_total`` and note it in ``source``.

    Every arm is checked like a row first (whole numbers, 0 <= events <= total, total > 0, below
    :data:`livingreview.data.MAX_INTEGER`); the message names the arm (its label, or its position).
    """
    lines = lines or {}
    key = f"{arm}_arms"
    arms = item.pop(key, None)
    if arms is None:
        return
    line = lines.get(keypath + (key,), line)
    if not isinstance(arms, list) or len(arms) < 2 or not all(isinstance(a, dict) for a in arms):
        problems.append(Problem(where, line, key, "must be a list of at least two arms {label, events, total}"))
        return
    if f"{arm}_events" in item or f"{arm}_total" in item:
        problems.append(Problem(where, line, key, f"give either {key} or {arm}_events/{arm}_total, not both"))
        return
    bad = [a for a in arms if set(a) - ARM_KEYS or not {"events", "total"} <= set(a)]
    if bad:
        problems.append(Problem(where, line, key, "each arm needs events and total (and may have a label)"))
        return
    good = True
    for j, a in enumerate(arms):
        label = a.get("label")
        name = f"{key}[{j}]" + (f" ({label})" if isinstance(label, (str, int)) and not isinstance(label, bool) else "")
        aline = lines.get(keypath + (key, j), line)
        if isinstance(label, (list, dict)):
            problems.append(Problem(where, aline, "label", f"{name}: label must be a single value"))
            good = False
        good &= _check_arm(a, name, where, aline, problems)
    if not good:
        return
    events = [_whole(a["events"]) for a in arms]
    totals = [_whole(a["total"]) for a in arms]
    if any(e is None for e in events):
        if not all(e is None for e in events):
            problems.append(Problem(where, line, key, "events must be given for every arm or for none"))
            return
        item[f"{arm}_events"] = None
    else:
        item[f"{arm}_events"] = sum(events)
    item[f"{arm}_total"] = sum(totals)
    parts = ", ".join(f"{a.get('label', f'arm {i + 1}')} {e if e is not None else '–'}/{t}"
                      for i, (a, e, t) in enumerate(zip(arms, events, totals)))
    note = f"{'Control' if arm == 'ctl' else 'TAC'} arms pooled as in the review's rule for multi-arm trials ({parts})."
    item["source"] = f"{_cell(item.get('source'))} {note}".strip()


def trial_rows_from_yaml(path: Path | str, data_dir: Path | str = DATA_DIR, edition: int | None = None,
                        columns: tuple[list[str], list[str]] | None = None):
    """Turn a trial file into new ``studies.csv`` and ``outcomes.csv`` rows (not yet validated against the data).

    ``columns``: the headers of studies.csv and outcomes.csv when already read (under the lock).
    Returns (study_row, outcome_rows, yaml_lines) where rows are dicts of strings.
    """
    path = Path(path)
    data_dir = Path(data_dir)
    where = str(path)
    data, lines = _load_yaml(path)
    problems: list[Problem] = []
    if columns is None:
        columns = (_columns(data_dir / "studies.csv"), _columns(data_dir / "outcomes.csv"))
    study_cols, outcome_cols = columns
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
            problems.append(Problem(where, lines.get(("study", key)), str(key), "not a column of studies.csv"))
    problems += _scalar_problems(study, ("study",), where, lines)
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
        problems += _scalar_problems(item, ("outcomes", i), where, lines, skip=("tac_arms", "ctl_arms"))
        for key in item:
            if key == "study_id":
                problems.append(Problem(where, lines.get(("outcomes", i, key)), key,
                                        "leave study_id out of outcomes (it comes from 'study')"))
            elif key not in allowed:
                problems.append(Problem(where, lines.get(("outcomes", i, key)), str(key), "not a column of outcomes.csv"))
        name = item.get("outcome")
        if isinstance(name, (list, dict)):
            name = None
        if name in seen:
            problems.append(Problem(where, line, "outcome",
                                    f"'{name}' is listed twice for this trial (first at line {seen[name]}): a shared arm "
                                    "would be counted twice; pool the other arms with ctl_arms/tac_arms instead"))
        elif name is not None:
            seen[name] = line
        for arm in ("tac", "ctl"):
            _pool_arms(item, arm, where, problems, line, lines, ("outcomes", i))
        row = {c: _cell(item.get(c)) for c in outcome_cols}
        row["study_id"] = study_row["study_id"]
        out_rows.append(row)
    if problems:
        raise TrialFileError(problems)
    return study_row, out_rows, lines


def _line_ending(content: bytes) -> bytes:
    """The line ending of a CSV file: that of its header line (``\n`` for an empty file)."""
    text = content[:1 << 16]
    i = text.find(b"\n")
    r = text.find(b"\r")
    if r >= 0 and (i < 0 or r < i):
        return b"\r\n" if text[r:r + 2] == b"\r\n" else b"\r"
    return b"\n"


def _append_rows(original: bytes, rows: list[dict]) -> bytes:
    """``original`` (a CSV file's bytes) with ``rows`` appended in its column order and line-ending style."""
    cols = _columns_of(original)
    eol = _line_ending(original)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=eol.decode())
    for r in rows:
        w.writerow([r.get(c, "") for c in cols])
    sep = b"" if not original or original.endswith((b"\n", b"\r")) else eol
    return original + sep + buf.getvalue().encode("utf-8")


def _append_csv(path: Path, rows: list[dict]) -> bytes:
    """The bytes of ``path`` with ``rows`` appended (columns in the file's order, its line endings)."""
    return _append_rows(read_data_bytes(path, path.parent), rows)


def _n_records(content: bytes) -> int:
    """Physical lines of a CSV file as the csv module counts them (\n, \r\n, \r)."""
    text = content.decode("utf-8-sig", errors="replace")
    return sum(1 for _ in io.StringIO(text, newline=""))


def add_trial(path: Path | str, data_dir: Path | str = DATA_DIR, edition: int | None = None,
              today: dt.date | None = None) -> dict:
    """Validate a trial file against the data and, only if all is valid, write it in.

    One transaction (:mod:`livingreview.transaction`): the data folder is locked for the whole
    read–validate–write, and ``studies.csv``, ``outcomes.csv`` and ``changelog.csv`` are replaced
    together or not at all. Returns a summary dict (study_id, outcomes added, edition).
    Raises :class:`TrialFileError`.
    """
    from .transaction import data_transaction

    path, data_dir = Path(path), Path(data_dir)
    with data_transaction(data_dir) as tx:
        current = {}
        for name in ("studies.csv", "outcomes.csv", "changelog.csv"):
            try:
                current[name] = tx.read_bytes(name)
            except FileNotFoundError:
                raise TrialFileError([Problem(f"{data_dir / name}", None, None, "file not found")]) from None
            except OSError as exc:
                raise TrialFileError([Problem(f"{data_dir / name}", None, None, str(exc))]) from None
        columns = (_columns_of(current["studies.csv"]), _columns_of(current["outcomes.csv"]))
        study_row, out_rows, lines = trial_rows_from_yaml(path, data_dir, edition, columns=columns)
        n_study = _n_records(current["studies.csv"])
        n_out = _n_records(current["outcomes.csv"])
        new_files = {
            "studies.csv": _append_rows(current["studies.csv"], [study_row]),
            "outcomes.csv": _append_rows(current["outcomes.csv"], out_rows),
        }
        today = today or dt.date.today()
        change = {"date": today.isoformat(), "edition": study_row["added_in"], "change": "added",
                  "study_id": study_row["study_id"],
                  "description": _added_description(study_row, out_rows, path.name)}
        new_files["changelog.csv"] = _append_rows(current["changelog.csv"], [change])
        # issue 14: the update register (and a full-text decision awaiting data) follow the addition
        new_files.update(register_for_added_trial(data_dir, study_row, today))
        problems = validate(data_dir, overrides=new_files)
        if problems:
            raise TrialFileError([_to_yaml_problem(p, path, lines, n_study, n_out) for p in problems])
        for name, content in new_files.items():
            tx.write(name, content)
    return {"study_id": study_row["study_id"], "outcomes": [r["outcome"] for r in out_rows],
            "edition": study_row["added_in"]}


def _added_description(study_row: dict, out_rows: list[dict], file_name: str) -> str:
    """'Added X 2017 (counts for complete_response; no counts for total_response, partial_response) from F.'"""
    def has(r):
        return all(str(r.get(c, "")).strip() not in ("", "nan", "None")
                   for c in ("tac_events", "tac_total", "ctl_events", "ctl_total"))
    with_counts = [r["outcome"] for r in out_rows if has(r)]
    without = [r["outcome"] for r in out_rows if not has(r)]
    parts = ([f"counts for {', '.join(with_counts)}"] if with_counts else []) + \
        ([f"no counts for {', '.join(without)}"] if without else [])
    return (f"Added {study_row['first_author']} {study_row['year']} ({'; '.join(parts) or 'no outcome'}) "
            f"from {file_name}.")


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
    with pools.quiet():
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
