"""Reading and validating the review's data files.

This is the only module that reads files from ``data/``. Every table is described
by a Frictionless-style Table Schema (``data/<name>.schema.json``: fields with a
``type`` and ``constraints``, a ``primaryKey`` and ``foreignKeys``); loading a
table always validates it against its schema, and :func:`load_review` adds the
checks that span tables (known studies, known outcomes, events <= total,
provenance rules).

Every problem is collected, not just the first, and reported as
``FILE:LINE: column 'NAME': message`` so that a reviewer can go straight to the
cell. Nothing here ever writes to a data file.
"""
from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

# Count columns of outcomes.csv (the 2x2 table of one study and outcome) are declared once, in mh.
from .mh import COUNT_COLUMNS
from .safeio import MAX_INTEGER, UnsafeFileError, _display_path, problems_message, read_data_bytes, read_records
from .screening_vocab import DECISIONS, STATUS_OF_DECISION

#: Repository root (the package is installed in editable mode from ``lib/``).
ROOT = Path(__file__).resolve().parents[2]
#: Default folder of the data files.
DATA_DIR = ROOT / "data"

#: The tables of a review, in the order they are checked.
TABLES = (
    "outcome_vocabulary",
    "studies",
    "outcomes",
    "published_estimates",
    "ambiguous_counts",
    "search_flow",
    "patient_characteristics",
    "published_tables",
    "changelog",
    "update_register",
    "grade",
    "labels",
    "search_records",
    "searches",
    "search_screening",
)
#: Files of tables kept in a sub-folder (relative to the data folder, without ``.csv``).
TABLE_FILES = {"search_records": "search/records", "searches": "search/searches",
               "search_screening": "search/screening"}
#: Table name of each resource a schema's ``foreignKeys`` may reference (its file without ``.csv``).
RESOURCE_TABLES = {TABLE_FILES.get(n, n): n for n in TABLES}

#: Every data file read in this process (for the staleness record of notebooks).
FILES_READ: set[Path] = set()


@dataclass(frozen=True)
class Problem:
    """One problem found in a data file, located by file, line and column."""

    path: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        col = f" column '{self.column}':" if self.column else ""
        return f"{where}:{col} {self.message}"


class DataError(Exception):
    """Raised when data files fail validation; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(problems_message(self.problems))


@dataclass
class Table:
    """A validated table: typed values plus the file line of every row."""

    name: str
    path: Path
    frame: pd.DataFrame
    lines: list[int] = field(default_factory=list)


class TextError(ValueError):
    """Bytes that are not UTF-8 text, or hold a NUL; knows the line and column."""

    def __init__(self, shown: str, line: int, column: int, reason: str):
        super().__init__(f"{shown}:{line}: column {column}: {reason}")
        self.shown, self.line, self.column, self.reason = shown, line, column, reason


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """(line, column), both from 1, of a byte offset; records end at \\n, \\r\\n or \\r (csv rules)."""
    head = data[:offset]
    line = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
    start = max(head.rfind(b"\n"), head.rfind(b"\r")) + 1
    column = len(head[start:].decode("utf-8", errors="replace")) + 1
    return line, column


def decode_text(data: bytes, shown: str) -> str:
    """UTF-8 text of a file (a leading BOM dropped); raises ValueError naming line and column of a bad byte or NUL."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _position(data, exc.start)
        raise TextError(shown, line, col, f"not UTF-8 text (byte 0x{data[exc.start]:02x}: {exc.reason}); "
                        "save the file as UTF-8") from None
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _position(data, nul)
        raise TextError(shown, line, col, "NUL character (a binary file?)")
    return text


class SchemaError(ValueError):
    """A ``*.schema.json`` that is missing, not JSON, or not a Table Schema."""

    def __init__(self, problem: "Problem"):
        super().__init__(str(problem))
        self.problem = problem


def load_schema(name: str, data_dir: Path | str = DATA_DIR) -> dict:
    """Read and check ``<data_dir>/<name>.schema.json``; raise :class:`SchemaError` naming the file."""
    path = Path(data_dir) / f"{name}.schema.json"
    shown = _display_path(path)
    FILES_READ.add(path.resolve())
    try:
        data = read_data_bytes(path, data_dir, max_bytes=1 << 20)
    except FileNotFoundError:
        raise SchemaError(Problem(shown, None, None, "schema file not found")) from None
    except UnsafeFileError as exc:
        raise SchemaError(Problem(shown, None, None, f"refused: {exc.reason}")) from None
    except OSError as exc:
        raise SchemaError(Problem(shown, None, None, f"cannot be read ({exc.strerror or exc})")) from None
    try:
        schema = json.loads(decode_text(data, shown))
    except json.JSONDecodeError as exc:
        raise SchemaError(Problem(shown, exc.lineno, None, f"column {exc.colno}: not valid JSON ({exc.msg})")) from None
    except TextError as exc:
        raise SchemaError(Problem(shown, exc.line, None, f"column {exc.column}: {exc.reason}")) from None
    except RecursionError:
        raise SchemaError(Problem(shown, None, None, "not a Table Schema (nested too deeply)")) from None
    fields = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(fields, list) or not fields or not all(
            isinstance(f, dict) and isinstance(f.get("name"), str)
            and f.get("type") in ("string", "integer", "number", "date")
            and isinstance(f.get("constraints", {}), dict) for f in fields):
        raise SchemaError(Problem(shown, None, None, "not a Table Schema (an object with 'fields': a list of objects "
                                  "with 'name' and 'type' string, integer, number or date)"))
    key = schema.get("primaryKey")
    names = {f["name"] for f in fields}
    if key is not None and (not isinstance(key, list) or not set(key) <= names):
        raise SchemaError(Problem(shown, None, None, "'primaryKey' must list fields of the schema"))
    try:
        foreign_keys(schema, names)
    except ValueError as exc:
        raise SchemaError(Problem(shown, None, None, f"'foreignKeys': {exc}")) from None
    return schema


def _field_list(value) -> list[str]:
    """A Table Schema ``fields`` value (one name or a list of names) as a list."""
    return [value] if isinstance(value, str) else value


def foreign_keys(schema: dict, names: set[str] | None = None) -> list[tuple[list[str], str, list[str]]]:
    """The ``foreignKeys`` of a Table Schema as ``(fields, table, reference fields)``.

    ``table`` is the name in :data:`TABLES` of the referenced resource (``"search/records"`` is
    ``"search_records"``). Raises ``ValueError`` for a malformed declaration, an unknown resource
    or fields the schema does not have (``names``), so a broken schema is refused when it is read.
    """
    out = []
    for fk in schema.get("foreignKeys") or []:
        ref = fk.get("reference") if isinstance(fk, dict) else None
        fields = _field_list(fk.get("fields")) if isinstance(fk, dict) else None
        ref_fields = _field_list(ref.get("fields")) if isinstance(ref, dict) else None
        if not (isinstance(fields, list) and isinstance(ref_fields, list) and fields
                and len(fields) == len(ref_fields)
                and all(isinstance(x, str) for x in fields + ref_fields)):
            raise ValueError("each entry needs 'fields' and 'reference': {'resource', 'fields'} of equal length")
        resource = ref.get("resource")
        table = RESOURCE_TABLES.get(resource)
        if table is None:
            raise ValueError(f"unknown resource {resource!r}")
        if names is not None and not set(fields) <= names:
            raise ValueError(f"fields {fields} are not all fields of the schema")
        out.append((fields, table, ref_fields))
    return out


def read_table(
    path: Path | str,
    schema: dict,
    *,
    problems: list[Problem],
    name: str | None = None,
    required_columns: tuple[str, ...] | None = None,
    allow_extra_columns: bool = False,
    check_constraints: bool = True,
    data_dir: Path | str | None = None,
    content: bytes | None = None,
) -> Table | None:
    """Read one CSV file and check it against a Table Schema.

    Problems are appended to ``problems``; the rows that have them are still
    returned where their values could be typed (a cell that cannot be typed is
    left empty), so that checks across tables can go on and report everything.

    Parameters
    ----------
    path : path of the CSV file (UTF-8, comma-separated, header row first).
    schema : Table Schema mapping (``fields`` with ``name``, ``type``, ``constraints``).
    problems : list that collects every problem found.
    required_columns : columns that must be present (default: every schema field).
    allow_extra_columns : accept columns the schema does not name (kept as text).
    check_constraints : apply ``required``/``enum``/``pattern``/range/``unique``.
    data_dir : the folder the file must stay inside (symbolic links leaving it are refused).
    content : the file's bytes when already at hand (a staged, not yet written file).

    Returns
    -------
    Table or None when the file cannot be read at all (missing, empty, no header).
    """
    path = Path(path)
    shown = _display_path(path)
    fields = {f["name"]: f for f in schema["fields"]}
    if content is None:
        try:
            content = read_data_bytes(path, data_dir)
        except FileNotFoundError:
            problems.append(Problem(shown, None, None, "file not found"))
            return None
        except UnsafeFileError as exc:
            problems.append(Problem(shown, None, None, f"refused: {exc.reason}"))
            return None
        except OSError as exc:
            problems.append(Problem(shown, None, None, f"cannot be read ({exc.strerror or exc})"))
            return None
    FILES_READ.add(path.resolve())
    try:
        text = decode_text(content, shown)
    except TextError as exc:
        problems.append(Problem(shown, exc.line, None, f"column {exc.column}: {exc.reason}"))
        return None
    del content
    if not text.strip():
        problems.append(Problem(shown, None, None, "file is empty (a header row is needed)"))
        return None
    # records end only at \n, \r\n or \r, as the csv module reads a file opened with newline=""
    reader = csv.reader(io.StringIO(text, newline=""))
    del text
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        problems.append(Problem(shown, 1, None, f"unreadable header: {exc}"))
        return None
    required = required_columns if required_columns is not None else tuple(fields)
    missing = [c for c in required if c not in header]
    for c in missing:
        problems.append(Problem(shown, 1, c, "required column is missing from the header"))
    dupes = sorted({h for h in header if header.count(h) > 1})
    for c in dupes:
        problems.append(Problem(shown, 1, c, "column appears more than once in the header"))
    if not allow_extra_columns:
        for c in header:
            if c not in fields:
                problems.append(Problem(shown, 1, c, "unknown column (not in the schema)"))
    if missing or dupes:
        return None

    rows, lines, ragged, malformed = read_records(reader, len(header))
    problems.extend(Problem(shown, line, None, message) for line, message in ragged)
    if malformed:
        problems.append(Problem(shown, malformed[0], None, malformed[1]))
        return None

    found: list[tuple[int, int, int, Problem]] = []  # (row, column, check) order, as a reader reads
    frame = _typed_columns(rows, header, fields, lines, shown, check_constraints, found)
    problems.extend(p for *_, p in sorted(found, key=lambda t: t[:3]))

    key = schema.get("primaryKey") if check_constraints else None
    if key:
        first: dict[tuple, int] = {}
        for k, line in zip(frame[key].itertuples(index=False, name=None), lines):
            if any(pd.isna(v) for v in k):
                continue
            if k in first:
                problems.append(
                    Problem(shown, line, ", ".join(key),
                            f"duplicate key {'/'.join(map(str, k))} (first on line {first[k]})")
                )
            else:
                first[k] = line
    return Table(name or path.stem, path, frame, lines)


_NON_FINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}


def _typed_columns(rows, header, fields, lines, shown, check_constraints, found) -> pd.DataFrame:
    """Type and check every cell, one column at a time (vectorised; loops only over bad cells)."""
    raw = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header, dtype=object)
    lines_arr = np.asarray(lines, dtype=int)
    out = {}
    for ci, col in enumerate(header):
        text = raw[col].astype(str).str.strip() if len(raw) else pd.Series([], dtype=object)
        text = text.reset_index(drop=True)
        empty = (text == "").to_numpy(dtype=bool)
        spec = fields.get(col)

        def report(mask, check, message):
            for i in np.flatnonzero(mask):
                found.append((int(i), ci, check, Problem(shown, int(lines_arr[i]), col, message(i))))

        if spec is None:
            out[col] = text.where(~empty, None)
            continue
        cons = spec.get("constraints", {}) if check_constraints else {}
        if cons.get("required"):
            report(empty, 0, lambda i: "value is required but empty")
        ftype = spec["type"]
        values = text.to_numpy(dtype=object)
        if ftype == "integer":
            ok = text.str.fullmatch(r"[+-]?[0-9]+").fillna(False).to_numpy(dtype=bool)
            bad = ~empty & ~ok
            report(bad, 1, lambda i: f"'{values[i]}' is not a whole number (expected integer)")
            big = ok & (text.str.lstrip("+-").str.lstrip("0").str.len() > len(str(MAX_INTEGER)) - 1).to_numpy(dtype=bool)
            report(big, 1, lambda i: f"'{values[i]}' is too large (whole numbers must be below {MAX_INTEGER:,})")
            ok = ok & ~big
            typed = pd.array([int(v) if good else None for v, good in zip(values, ok)], dtype="Int64")
            valid = ok
        elif ftype == "number":
            num = pd.to_numeric(text.where(~empty), errors="coerce").to_numpy(dtype=float)
            lowered = text.str.lower().to_numpy(dtype=object)
            non_finite = np.array([v in _NON_FINITE for v in lowered], dtype=bool)
            bad_num = ~empty & np.isnan(num) & ~non_finite
            bad_fin = ~empty & (non_finite | np.isinf(num))
            report(bad_num, 1, lambda i: f"'{values[i]}' is not a number (expected number)")
            report(bad_fin, 1, lambda i: f"'{values[i]}' is not a finite number (expected number)")
            valid = ~empty & ~bad_num & ~bad_fin
            typed = pd.Series(np.where(valid, num, np.nan), dtype=float)
        elif ftype == "date":
            shaped = text.str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").fillna(False).to_numpy(dtype=bool)
            ok = np.array([bool(s) and _is_date(v) for v, s in zip(values, shaped)], dtype=bool)
            report(~empty & ~ok, 1, lambda i: f"'{values[i]}' is not a date (expected YYYY-MM-DD, a real day)")
            valid = ok
            typed = text.where(pd.Series(ok), None)
        else:
            valid = ~empty
            typed = text.where(~empty, None)
        typed_s = pd.Series(typed).reset_index(drop=True)
        if "enum" in cons:
            allowed = ", ".join(map(str, cons["enum"]))
            report(valid & ~typed_s.isin(cons["enum"]).to_numpy(dtype=bool), 2,
                   lambda i: f"'{values[i]}' is not one of: {allowed}")
        if "pattern" in cons:
            match = text.str.fullmatch(cons["pattern"]).fillna(False).to_numpy(dtype=bool)
            report(valid & ~match, 3, lambda i: f"'{values[i]}' does not match the pattern {cons['pattern']}")
        if "minimum" in cons or "maximum" in cons:
            nums = pd.to_numeric(typed_s, errors="coerce").to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                if "minimum" in cons:
                    report(valid & (nums < cons["minimum"]), 4,
                           lambda i: f"{values[i]} is below the minimum {cons['minimum']}")
                if "maximum" in cons:
                    report(valid & (nums > cons["maximum"]), 5,
                           lambda i: f"{values[i]} is above the maximum {cons['maximum']}")
        if cons.get("unique"):
            keyed = typed_s.where(pd.Series(valid))
            dup = (keyed.duplicated(keep="first") & keyed.notna()).to_numpy(dtype=bool)
            if dup.any():
                first_line = {}
                for i, v in enumerate(keyed):
                    if pd.notna(v) and v not in first_line:
                        first_line[v] = int(lines_arr[i])
                report(dup, 6, lambda i: f"'{values[i]}' is not unique (also on line {first_line[keyed.iloc[i]]})")
        out[col] = typed_s.where(pd.Series(valid), None) if ftype in ("string", "date") else typed_s
    return pd.DataFrame(out, columns=header)


def _is_date(value: str) -> bool:
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def check_counts(table: Table, problems: list[Problem], *, provenance: bool = True) -> None:
    """Check the 2x2 counts of an outcomes-like table (vectorised over rows).

    Rules: events <= total in each arm; with a ``provenance`` column, events are
    empty exactly when provenance is ``missing`` and every count is present otherwise.
    """
    shown = _display_path(table.path)
    f = table.frame
    lines = np.asarray(table.lines)
    found: list[tuple[int, int, Problem]] = []  # (row, order, problem) to sort by line

    def add(mask, col, message):
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            found.append((i, len(found), Problem(shown, int(lines[i]), col, message(i))))

    for arm in ("tac", "ctl"):
        ev = f[f"{arm}_events"].to_numpy(dtype=float, na_value=np.nan)
        tot = f[f"{arm}_total"].to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            over = ev > tot
        add(over, f"{arm}_events", lambda i, ev=ev, tot=tot: f"events ({int(ev[i])}) exceed the arm total ({int(tot[i])})")
    if provenance and "provenance" in f.columns:
        prov = f["provenance"]
        is_missing = (prov == "missing").to_numpy(dtype=bool, na_value=False)
        known = prov.notna().to_numpy()
        for col in ("tac_events", "ctl_events"):
            add(is_missing & f[col].notna().to_numpy(), col, lambda i: "must be empty when provenance is 'missing'")
        for col in COUNT_COLUMNS:
            add(known & ~is_missing & f[col].isna().to_numpy(), col,
                lambda i: f"is empty but provenance is '{prov.iloc[i]}' (use 'missing')")
    problems.extend(p for _, _, p in sorted(found, key=lambda t: (t[0], t[1])))


def check_foreign_key(
    table: Table, columns: list[str], known: set, what: str, problems: list[Problem]
) -> None:
    """Every value (tuple) of ``columns`` must be in ``known``; ``what`` names the other file."""
    shown = _display_path(table.path)
    f = table.frame
    for i, vals in enumerate(f[columns].itertuples(index=False, name=None)):
        if any(pd.isna(v) for v in vals):
            continue
        key = vals if len(vals) > 1 else vals[0]
        if key not in known:
            shown_val = "/".join(map(str, vals))
            problems.append(Problem(shown, table.lines[i], ", ".join(columns),
                                    f"unknown {'/'.join(columns)} '{shown_val}' (not in {what})"))


#: Tables a table needs for its checks across files that are *not* foreign keys (these are read from
#: the schemas' ``foreignKeys``): conditional references and rules spanning several tables.
RULE_NEEDS = {
    "update_register": ("studies",),          # an 'included' trial is in studies.csv
    "ambiguous_counts": ("outcomes",),        # 'used' equals the count in outcomes.csv
    "search_screening": ("searches", "studies", "update_register"),
    "search_records": ("searches",),          # each record's search run exists
}


#: Attribute of :class:`Review` for each table.
ATTRIBUTES = {
    "studies": "studies", "outcomes": "outcomes", "outcome_vocabulary": "vocabulary",
    "published_estimates": "published", "ambiguous_counts": "ambiguous", "search_flow": "search_flow",
    "patient_characteristics": "patients", "published_tables": "published_tables", "changelog": "changelog",
    "update_register": "register", "grade": "grade",
    "search_records": "search_records", "searches": "searches", "search_screening": "search_screening", "labels": "labels",
}


@dataclass
class Review:
    """Validated tables of a review, as pandas DataFrames (``None`` for a table not loaded)."""

    data_dir: Path
    studies: pd.DataFrame | None = None
    outcomes: pd.DataFrame | None = None
    vocabulary: pd.DataFrame | None = None
    published: pd.DataFrame | None = None
    ambiguous: pd.DataFrame | None = None
    search_flow: pd.DataFrame | None = None
    patients: pd.DataFrame | None = None
    published_tables: pd.DataFrame | None = None
    changelog: pd.DataFrame | None = None
    register: pd.DataFrame | None = None
    grade: pd.DataFrame | None = None
    labels: pd.DataFrame | None = None
    search_records: pd.DataFrame | None = None
    searches: pd.DataFrame | None = None
    search_screening: pd.DataFrame | None = None

    # -- the outcome vocabulary, asked for by name (one place instead of set_index everywhere)
    def _vocab(self, column: str) -> pd.Series:
        return self.vocabulary.set_index("outcome")[column]

    def label(self, outcome: str) -> str:
        """Human label of an outcome ('Complete renal response')."""
        return self._vocab("label")[outcome]

    def higher_is(self, outcome: str) -> str:
        """'better' for responses, 'worse' for harms."""
        return self._vocab("higher_is")[outcome]

    def code_labels(self, column: str, table: str = "studies") -> dict[str, str]:
        """Code → human label for a coded column: the codes (in order) are the ``enum`` of the column
        in ``<table>.schema.json``, the labels the ``field == column`` rows of ``labels.csv``.

        >>> review.code_labels("regimen")  # doctest: +SKIP
        {'duo': 'TAC + steroids (duo)', 'triple': 'TAC + MMF + steroids (triple)', 'mizoribine': ...}
        """
        schema = load_schema(TABLE_FILES.get(table, table), self.data_dir)
        field = next(f for f in schema["fields"] if f["name"] == column)
        if self.labels is None:  # loaded on first use (validated like any table)
            self.labels = load_review(self.data_dir, tables=["labels"]).labels
        labels = self.labels[self.labels["field"] == column].set_index("code")["label"]
        return {code: labels[code] for code in field["constraints"]["enum"]}

    @property
    def outcome_labels(self) -> pd.Series:
        """Outcome id → label, in vocabulary order."""
        return self._vocab("label")

    @property
    def kind(self) -> pd.Series:
        """Outcome id → analysis kind (efficacy, safety, maintenance)."""
        return self._vocab("kind")


def _needs(name: str, data_dir: Path) -> set[str]:
    """Tables ``name``'s checks need: its schema's foreign keys plus :data:`RULE_NEEDS`."""
    try:
        fks = foreign_keys(load_schema(TABLE_FILES.get(name, name), data_dir))
    except (SchemaError, ValueError):
        fks = []  # reported when the table itself is read
    return {table for _, table, _ in fks} | set(RULE_NEEDS.get(name, ()))


def _closure(names, data_dir: Path) -> list[str]:
    """The requested tables plus those their cross-file checks need, in :data:`TABLES` order."""
    want = set(names)
    todo = list(want)
    while todo:
        extra = _needs(todo.pop(), data_dir) - want
        want |= extra
        todo.extend(extra)
    return [n for n in TABLES if n in want]


def check_schema_foreign_keys(tables: dict[str, "Table | None"], schemas: dict[str, dict],
                              problems: list[Problem]) -> None:
    """Check every loaded table against the ``foreignKeys`` its schema declares.

    A row whose key has an empty field is not checked (an empty reference is allowed, as in
    Table Schema); a key not found among the referenced table's rows is reported with the file,
    line and columns of the row.
    """
    for name, table in tables.items():
        if table is None or name not in schemas:
            continue
        for fields, ref_name, ref_fields in foreign_keys(schemas[name]):
            ref = tables.get(ref_name)
            if ref is None:
                continue
            rows = ref.frame[ref_fields].itertuples(index=False, name=None)
            known = {r if len(r) > 1 else r[0] for r in rows}
            check_foreign_key(table, fields, known, f"{TABLE_FILES.get(ref_name, ref_name)}.csv", problems)


#: Tables that must have at least one data row (a review without studies or outcomes is not valid).
NEED_ROWS = ("outcome_vocabulary", "studies", "outcomes")


def _read_all(data_dir: Path, names=TABLES, overrides: dict[str, bytes] | None = None
              ) -> tuple[dict[str, Table | None], list[Problem]]:
    from .transaction import recover

    problems: list[Problem] = []
    tables: dict[str, Table | None] = {n: None for n in TABLES}
    overrides = overrides or {}
    if not data_dir.is_dir():
        return tables, [Problem(_display_path(data_dir), None, None, "not a folder of data files")]
    recover(data_dir)  # finish or roll back an interrupted add-trial before reading anything
    schemas: dict[str, dict] = {}
    for name in _closure(names, data_dir):
        file = TABLE_FILES.get(name, name)
        try:
            schemas[name] = schema = load_schema(file, data_dir)
        except SchemaError as exc:
            problems.append(exc.problem)
            continue
        path = data_dir / f"{file}.csv"
        tables[name] = t = read_table(path, schema, problems=problems, name=name, data_dir=data_dir,
                                      content=overrides.get(f"{file}.csv"))
        if t is not None and not t.lines and name in NEED_ROWS:
            problems.append(Problem(_display_path(path), None, None, "no data rows (only a header); the review "
                                    f"needs at least one row in {file}.csv"))
    check_schema_foreign_keys(tables, schemas, problems)
    studies, outcomes = tables["studies"], tables["outcomes"]
    if outcomes:
        check_counts(outcomes, problems)
    reg = tables["update_register"]
    if reg and studies:  # a conditional reference: only trials the register calls 'included'
        study_ids = set(studies.frame["study_id"].dropna())
        included = reg.frame["status"] == "included"
        sub = Table(reg.name, reg.path, reg.frame[included], [ln for ln, ok in zip(reg.lines, included) if ok])
        check_foreign_key(sub, ["study_id"], study_ids, "studies.csv (status 'included')", problems)
        shown = _display_path(reg.path)
        for i, r in enumerate(reg.frame.itertuples(index=False)):
            if r.status == "included":  # add-trial fills them from the study; screening may leave them empty
                for col in ("design", "phase"):
                    if col in reg.frame.columns and pd.isna(getattr(r, col)):
                        problems.append(Problem(shown, reg.lines[i], col, "required for an included trial"))
            elif r.status == "awaiting_extraction" and r.study_id in study_ids:
                problems.append(Problem(shown, reg.lines[i], "status", f"'{r.study_id}' is in studies.csv: its "
                                        "status is 'included' (add-trial sets it)"))
    amb = tables["ambiguous_counts"]
    if amb and outcomes:
        _check_ambiguous(amb, outcomes, problems)
    check_search_tables(tables["search_records"], tables["search_screening"], tables["searches"], studies, reg,
                        problems)
    return tables, problems


# ---------------------------------------------------------------------------------------------
# checks across the search tables (search/records.csv, search/screening.csv)

def check_search_tables(records, screening, searches, studies, register, problems: list[Problem]) -> None:
    """Checks that span the search tables (arguments are :class:`Table` or None).

    records: ``duplicate_of`` names a kept record of the same or an earlier round; the ``record_id``
    prefix matches round and database (unknown ids are the schemas' foreign keys). screening: a record
    that is not a duplicate; decision allowed at
    the stage; a full-text decision needs a title/abstract include; reason required for a full-text
    exclusion and only with an exclusion; ``study_id`` of a full-text include is in studies.csv and
    the update register agrees with the decision. register: every trial not included of a round
    with records was assessed at full text.
    """
    if records is None:
        return
    rf = records.frame
    shown = _display_path(records.path)
    ids = dict(zip(rf["record_id"], rf["round"]))
    dup_of = dict(zip(rf["record_id"], rf["duplicate_of"]))
    runs = set(zip(searches.frame["round"], searches.frame["database"], searches.frame["searched_on"])) \
        if searches is not None else None
    for i, r in enumerate(rf.itertuples(index=False)):
        line = records.lines[i]
        if runs is not None and pd.notna(r.searched_on) and (r.round, r.database, r.searched_on) not in runs:
            problems.append(Problem(shown, line, "searched_on",
                                    f"no search run {r.round}/{r.database}/{r.searched_on} in search/searches.csv"))
        if pd.notna(r.record_id) and pd.notna(r.round) and pd.notna(r.database):
            if not str(r.record_id).startswith(f"{int(r.round)}-{r.database}-"):
                problems.append(Problem(shown, line, "record_id",
                                        f"'{r.record_id}' does not start with '{int(r.round)}-{r.database}-'"))
        d = r.duplicate_of
        if pd.isna(d):
            continue
        if d not in ids:
            continue  # reported by the schema's foreign key
        if pd.notna(dup_of.get(d)):
            problems.append(Problem(shown, line, "duplicate_of", f"'{d}' is itself a duplicate (of '{dup_of[d]}')"))
        elif d == r.record_id or (pd.notna(r.round) and ids[d] > r.round):
            problems.append(Problem(shown, line, "duplicate_of", f"'{d}' must be an earlier record"))
    if screening is None:
        return
    sf = screening.frame
    shown = _display_path(screening.path)
    ta_include = set(sf.loc[(sf["stage"] == "title_abstract") & (sf["decision"] == "include"), "record_id"])
    study_ids = set(studies.frame["study_id"]) if studies is not None else None
    reg = register.frame.set_index("study_id") if register is not None else None
    for i, r in enumerate(sf.itertuples(index=False)):
        line = screening.lines[i]
        if pd.notna(r.record_id):
            if r.record_id in ids and pd.notna(dup_of.get(r.record_id)):  # unknown ids: the schema's foreign key
                problems.append(Problem(shown, line, "record_id",
                                        f"'{r.record_id}' duplicates '{dup_of[r.record_id]}': screen that record"))
        if pd.notna(r.stage) and pd.notna(r.decision) and r.stage in DECISIONS and r.decision not in DECISIONS[r.stage]:
            problems.append(Problem(shown, line, "decision",
                                    f"'{r.decision}' is not a {r.stage} decision ({', '.join(DECISIONS[r.stage])})"))
        if r.stage == "full_text":
            if pd.notna(r.record_id) and r.record_id not in ta_include:
                problems.append(Problem(shown, line, "stage",
                                        f"full-text decision on '{r.record_id}' without a title/abstract include"))
            if r.decision == "exclude" and pd.isna(r.reason):
                problems.append(Problem(shown, line, "reason", "required for a full-text exclusion"))
        if pd.notna(r.reason) and r.decision != "exclude":
            problems.append(Problem(shown, line, "reason", "given only with the decision 'exclude'"))
        if pd.notna(r.study_id) and r.stage != "full_text":
            problems.append(Problem(shown, line, "study_id", "names a study only at the full_text stage"))
        if r.stage == "full_text" and pd.notna(r.study_id) and pd.notna(r.decision):
            waiting = reg is not None and r.study_id in reg.index and reg.loc[r.study_id, "status"] == "awaiting_extraction"
            if r.decision == "include" and study_ids is not None and r.study_id not in study_ids and not waiting:
                problems.append(Problem(shown, line, "study_id", f"included study '{r.study_id}' is not in studies.csv "
                                        "(nor registered as 'awaiting_extraction')"))
            if reg is not None:
                want = "awaiting_extraction" if waiting and r.decision == "include" else STATUS_OF_DECISION.get(r.decision)
                if r.study_id not in reg.index:
                    problems.append(Problem(shown, line, "study_id",
                                            f"'{r.study_id}' is not in update_register.csv (status '{want}' expected)"))
                elif reg.loc[r.study_id, "status"] != want:
                    problems.append(Problem(shown, line, "decision",
                                            f"'{r.decision}' but update_register.csv says '{reg.loc[r.study_id, 'status']}'"
                                            f" for '{r.study_id}'"))
        if r.stage == "full_text" and r.decision == "include" and pd.isna(r.study_id):
            problems.append(Problem(shown, line, "study_id", "a full-text include must name its study"))
    if register is not None:
        rounds = set(rf["round"].dropna())
        assessed = set(sf.loc[sf["stage"] == "full_text", "study_id"].dropna())
        shown = _display_path(register.path)
        for i, r in enumerate(register.frame.itertuples(index=False)):
            if r.round in rounds and r.status != "included" and r.study_id not in assessed:
                problems.append(Problem(shown, register.lines[i], "study_id",
                                        f"'{r.study_id}' ({r.status}) has no full-text decision in search/screening.csv"))


def _check_ambiguous(amb: Table, outcomes: Table, problems: list[Problem]) -> None:
    """The ``used`` value must be the first alternative and equal the count in outcomes.csv."""
    shown = _display_path(amb.path)
    counts = outcomes.frame.drop_duplicates(["study_id", "outcome"]).set_index(["study_id", "outcome"])
    for i, line in enumerate(amb.lines):
        row = amb.frame.iloc[i]
        if pd.isna(row["alternatives"]) or pd.isna(row["used"]):
            continue
        alts = [int(x) for x in str(row["alternatives"]).split(";") if x.isdigit()]
        if alts and alts[0] != row["used"]:
            problems.append(Problem(shown, line, "alternatives", "the value in 'used' must come first"))
        key = (row["study_id"], row["outcome"])
        if key in counts.index and row["arm"] in ("tac", "ctl"):
            actual = counts.loc[key, f"{row['arm']}_events"]
            if pd.notna(actual) and actual != row["used"]:
                problems.append(
                    Problem(shown, line, "used", f"{row['used']} differs from {row['arm']}_events = {actual} in outcomes.csv")
                )


def validate(data_dir: Path | str = DATA_DIR, overrides: dict[str, bytes] | None = None) -> list[Problem]:
    """Check every data file of a review; return the problems (empty when all is valid).

    ``overrides`` maps file names (``"studies.csv"``) to bytes to check in place of the file on
    disk (the staged content of a transaction), so nothing needs to be written to be validated.
    """
    return _read_all(Path(data_dir), overrides=overrides)[1]


def load_review(data_dir: Path | str = DATA_DIR, tables=None) -> Review:
    """Load and validate tables of the review; raise :class:`DataError` listing all problems.

    Parameters
    ----------
    data_dir : folder of the data files.
    tables : names of the tables needed (default: all of :data:`TABLES`). The tables their
        cross-file checks need are loaded and checked with them; the others stay ``None``, so a
        notebook records (and goes stale with) only the files it really depends on.
    """
    data_dir = Path(data_dir)
    names = TABLES if tables is None else tuple(tables)
    unknown = set(names) - set(TABLES)
    if unknown:
        raise ValueError(f"unknown table(s): {', '.join(sorted(unknown))}")
    loaded, problems = _read_all(data_dir, names)
    if problems:
        raise DataError(problems)
    return Review(data_dir=data_dir, **{ATTRIBUTES[k]: v.frame for k, v in loaded.items() if v is not None})


def file_digest(path: Path | str) -> str:
    """SHA-256 of a file's bytes (used for data versions and staleness)."""
    return hashlib.sha256(read_data_bytes(path)).hexdigest()


def data_version(data_dir: Path | str = DATA_DIR) -> str:
    """A short content hash of every CSV and schema in ``data_dir``: changes whenever any data changes."""
    h = hashlib.sha256()
    data_dir = Path(data_dir)
    files = [p for pat in ("*.csv", "*.schema.json") for p in sorted(data_dir.glob(pat))]
    files += [p for pat in ("*.csv", "*.schema.json") for p in sorted((data_dir / "search").glob(pat))]
    for p in files:
        h.update(p.relative_to(data_dir).as_posix().encode())
        h.update(read_data_bytes(p, data_dir))
    return h.hexdigest()[:12]
