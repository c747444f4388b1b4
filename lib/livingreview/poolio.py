"""Fast, pandas-free input and output of ``livingreview pool``.

The pool command must start and finish in well under a second on thousands of
analyses, so it reads its CSV with the :mod:`csv` module into numpy arrays and
writes its result with :mod:`csv` too; pandas (about 1 s to import here) is never
imported on this path.

The checks and messages are those of :mod:`livingreview.data` for
``outcomes.csv`` (the ``outcomes`` Table Schema: required ``study_id`` and ``outcome``, whole
non-negative counts, totals ≥ 1, events ≤ total, no ragged line, unique
(study_id, outcome)), plus checks of the file itself (a regular file, at most
:data:`MAX_BYTES`) and of the ``--by`` column. Every problem is reported as
``FILE:LINE: column 'NAME': message``.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np

from .safeio import MAX_INTEGER, UnsafeFileError, _display_path, problems_message, read_data_bytes, read_records

from .mh import COUNT_COLUMNS  # noqa: E402

#: The columns every file given to ``livingreview pool`` must have.
POOL_COLUMNS = ("study_id", "outcome") + COUNT_COLUMNS
#: Where a record ends when nothing is quoted (the csv module's rule, not str.splitlines').
_RECORD_END = re.compile(r"\r\n|\r|\n")
#: Largest input accepted by ``livingreview pool`` (bytes).
MAX_BYTES = 200 * 1024 * 1024
#: Label of the group of rows whose ``--by`` cell is empty.
MISSING_GROUP = "(missing)"
#: Minimum of each count column (the outcomes schema).
_MINIMUM = {"tac_events": 0, "tac_total": 1, "ctl_events": 0, "ctl_total": 1}
_PROVENANCE = ("reported", "derived_from_percentage", "unverified", "missing")
_INT = re.compile(r"[+-]?[0-9]+")
#: Digits of the largest accepted count (counts are below ``MAX_INTEGER``, as in :mod:`livingreview.data`).
_MAX_DIGITS = len(str(MAX_INTEGER)) - 1


class PoolInputError(Exception):
    """Every problem of a pool input file, one ``FILE:LINE: column 'X': message`` per line."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(problems_message(self.problems))


def _problem(shown: str, line: int | None, column: str | None, message: str) -> str:
    where = shown if line is None else f"{shown}:{line}"
    col = f" column '{column}':" if column else ""
    return f"{where}:{col} {message}"


@dataclass
class PoolInput:
    """Rows of a pool input with every count present (rows with a missing count are listed apart)."""

    study_id: list[str]
    outcome: list[str]
    counts: dict[str, np.ndarray]   # float arrays of whole numbers
    group: list[str] | None         # the --by column ('(missing)' for an empty cell)
    skipped: list[str]              # 'study/outcome' of rows with a missing count


def check_by(by: str | None, forbidden_outputs) -> str | None:
    """Why ``--by COLUMN`` cannot be used, or None."""
    if by is None:
        return None
    if not by.strip():
        return "--by needs a column name"
    if by == "outcome":
        return "--by outcome: every pool is already one outcome; choose another column"
    if by in COUNT_COLUMNS:
        return f"--by {by}: an input count cannot define subgroups; choose another column"
    if by in forbidden_outputs:
        return f"--by {by}: '{by}' is a column of the output; rename it in the input to group by it"
    return None


def read_pool_csv(path: Path | str, by: str | None = None, forbidden_outputs=()) -> PoolInput:
    """Read and check a pool input file; raise :class:`PoolInputError` listing every problem."""
    path = Path(path)
    shown = _display_path(path)
    fail = lambda line, col, msg: PoolInputError([_problem(shown, line, col, msg)])  # noqa: E731
    why = check_by(by, forbidden_outputs)
    if why:
        raise fail(None, by or None, why)
    try:  # a regular file of bounded size, opened without blocking (as every data file)
        data = read_data_bytes(path, None, max_bytes=MAX_BYTES)
    except FileNotFoundError:
        raise fail(None, None, "file not found") from None
    except UnsafeFileError as exc:
        raise fail(None, None, f"refused: {exc.reason} (`pool` reads a regular file of at most "
                               f"{MAX_BYTES // 2**20} MB; save a pipe or device to a file first)") from None
    except OSError as exc:
        raise fail(None, None, f"cannot read ({exc.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(None, None, f"not UTF-8 text ({exc.reason})") from None
    if not text.strip():
        raise fail(None, None, "file is empty (a header row is needed)")

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise fail(1, None, f"unreadable header: {exc}") from None
    problems: list[str] = []
    required = POOL_COLUMNS + ((by,) if by else ())
    missing = [c for c in required if c not in header]
    problems += [_problem(shown, 1, c, "required column is missing from the header") for c in missing]
    dupes = sorted({h for h in header if header.count(h) > 1})
    problems += [_problem(shown, 1, c, "column appears more than once in the header") for c in dupes]
    if missing or dupes:
        raise PoolInputError(problems)

    width = len(header)
    rows: list[list[str]] = []
    lines: list[int] = []
    transposed = None
    # the usual case: no quoting, no NUL, every record on its own line with the header's width; then the
    # fields are exactly the csv module's and one split gives them all (records end at \n, \r\n, \r)
    physical = _RECORD_END.split(text.rstrip("\r\n"))[1:] if '"' not in text and "\x00" not in text else []
    if physical and all(k == width - 1 for k in map(str.count, physical, repeat(","))):
        flat = ",".join(physical).split(",")
        transposed = [flat[j::width] for j in range(width)]
        lines = list(range(2, len(physical) + 2))
    else:
        rows, lines, ragged, malformed = read_records(reader, width)
        problems += [_problem(shown, line, None, message) for line, message in ragged]
        if malformed:
            problems.append(_problem(shown, malformed[0], None, malformed[1]))
            raise PoolInputError(problems)

    idx = {c: header.index(c) for c in header}
    checked = [c for c in header if c in POOL_COLUMNS or c in ("provenance", "source")]
    found: list[tuple[int, int, int, str]] = []
    n = len(lines)
    if transposed is None:
        transposed = list(zip(*rows)) if rows else [()] * width
    cols: dict[str, list] = {}
    for c in header:
        if c in checked or c == by:
            cols[c] = list(map(str.strip, transposed[idx[c]]))
    values: dict[str, list] = {}
    arrays: dict[str, np.ndarray] = {}
    for c in checked:
        ci, cells = idx[c], cols[c]
        if c in COUNT_COLUMNS:
            lo = _MINIMUM[c]
            joined = "".join(cells)
            if (n and all(cells) and joined.isascii() and joined.isdigit()  # fast path: plain, short whole numbers
                    and max(map(len, cells)) <= _MAX_DIGITS):
                arr = np.array(list(map(int, cells)), dtype=float)
                for i in np.flatnonzero(arr < lo):
                    found.append((int(i), ci, 4, _problem(shown, lines[i], c, f"{cells[i]} is below the minimum {lo}")))
                arrays[c] = arr
                continue
            out = [None] * n
            for i, v in enumerate(cells):
                if not v:
                    continue
                if not _INT.fullmatch(v):
                    found.append((i, ci, 1, _problem(shown, lines[i], c, f"'{v}' is not a whole number (expected integer)")))
                    continue
                if len(v.lstrip("+-").lstrip("0")) > _MAX_DIGITS:
                    found.append((i, ci, 1, _problem(shown, lines[i], c, f"'{v}' is too large (whole numbers must be "
                                                                         f"below {MAX_INTEGER:,})")))
                    continue
                x = int(v)
                out[i] = x
                if x < lo:
                    found.append((i, ci, 4, _problem(shown, lines[i], c, f"{v} is below the minimum {lo}")))
            values[c] = out
        elif c != "provenance" and all(cells):  # fast path: every cell present
            values[c] = cells
        else:
            for i, v in enumerate(cells):
                if not v:
                    found.append((i, ci, 0, _problem(shown, lines[i], c, "value is required but empty")))
                elif c == "provenance" and v not in _PROVENANCE:
                    found.append((i, ci, 2, _problem(shown, lines[i], c, f"'{v}' is not one of: {', '.join(_PROVENANCE)}")))
            values[c] = [v or None for v in cells]
    # counts as float arrays with NaN for an empty (or untyped) cell
    for c in COUNT_COLUMNS:
        if c not in arrays:
            arrays[c] = np.array([np.nan if x is None else x for x in values[c]], dtype=float)
    arrays = {c: a.astype(float) for c, a in arrays.items()}
    problems += [p for *_, p in sorted(found, key=lambda t: t[:3])]

    first: dict[tuple, int] = {}
    sid, oid = values["study_id"], values["outcome"]
    # fast path: no key twice (distinct joined strings imply distinct pairs)
    unique = len(set(sid)) == n or (None not in sid and None not in oid
                                    and len(set(map("\x00".join, zip(sid, oid)))) == n)
    for s, o, line in ([] if unique else zip(sid, oid, lines)):
        if s is None or o is None:
            continue
        if (s, o) in first:
            problems.append(_problem(shown, line, "study_id, outcome", f"duplicate key {s}/{o} (first on line {first[(s, o)]})"))
        else:
            first[(s, o)] = line
    over = {arm: np.flatnonzero(arrays[f"{arm}_events"] > arrays[f"{arm}_total"]) for arm in ("tac", "ctl")}
    for i, arm in sorted([(int(i), arm) for arm in over for i in over[arm]], key=lambda t: (t[0], t[1] != "tac")):
        ev, tot = int(arrays[f"{arm}_events"][i]), int(arrays[f"{arm}_total"][i])
        problems.append(_problem(shown, lines[i], f"{arm}_events", f"events ({ev}) exceed the arm total ({tot})"))
    if problems:
        raise PoolInputError(problems)

    complete = ~np.isnan(np.column_stack([arrays[c] for c in COUNT_COLUMNS])).any(axis=1) if n else np.zeros(0, bool)
    study, outcome = values["study_id"], values["outcome"]
    if complete.all():
        keep = None
        skipped = []
    else:
        keep = np.flatnonzero(complete)
        skipped = [f"{study[i]}/{outcome[i]}" for i in np.flatnonzero(~complete)]
        study, outcome = [study[i] for i in keep], [outcome[i] for i in keep]
    counts = {c: arrays[c] if keep is None else arrays[c][keep] for c in COUNT_COLUMNS}
    group = None
    if by:
        group = cols[by] if all(cols[by]) else [g or MISSING_GROUP for g in cols[by]]
        if keep is not None:
            group = [group[i] for i in keep]
    return PoolInput(study, outcome, counts, group, skipped)


def factorize(key: list[str]) -> tuple[np.ndarray, list[str]]:
    """Codes 0..U−1 of a list of strings and the sorted (code point order) distinct values."""
    uniq = sorted(set(key))
    where = {u: i for i, u in enumerate(uniq)}
    return np.fromiter(map(where.__getitem__, key), dtype=np.intp, count=len(key)), uniq


def codes_of(*keys: list[str]) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Group codes 0..G−1 of rows by one or more string keys, groups in sorted (code point) order."""
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    uniques = []
    for key in keys:
        inv, u = factorize(key)
        uniques.append(u)
        combined = combined * max(len(u), 1) + inv
    used, codes = np.unique(combined, return_inverse=True)
    out = []
    for c in used.tolist():
        parts = []
        for u in reversed(uniques):
            c, r = divmod(c, max(len(u), 1))
            parts.append(u[r])
        out.append(tuple(reversed(parts)))
    return codes.ravel().astype(np.intp), out


def format_column(values, kind: str) -> list[str]:
    """Cells of one output column: floats with 10 significant digits, NaN empty; else ``str``."""
    if kind == "f":
        vals = tuple(np.asarray(values, dtype=float).tolist())
        if not vals:
            return []
        # one C-level format call for the column; '%.10g' == format(v, '.10g'); NaN -> empty cell
        return [("" if c == "nan" else c) for c in (("%.10g\x00" * len(vals)) % vals).split("\x00")[:-1]]
    return ["" if v is None else str(v) for v in (values.tolist() if hasattr(values, "tolist") else values)]


def format_numeric_rows(matrix: np.ndarray, kinds: str) -> list[str]:
    """Comma-joined cells of each row of a float matrix: ``kinds[j]`` is ``"i"`` (whole numbers, as
    :func:`format_column` writes integers) or ``"f"`` (10 significant digits, NaN an empty cell).

    One C-level format call for the whole matrix: ``'%d' % x == str(int(x))`` for a whole float below
    2**53 and ``'%.10g' % x == format(x, '.10g')``; in text made only of numbers, ``nan`` is a whole
    cell (no number's text contains it), so it is removed in one pass.
    """
    matrix = np.asarray(matrix, dtype=float)
    n = len(matrix)
    if not n:
        return []
    if matrix.shape[1] != len(kinds) or any(k not in "if" for k in kinds):
        raise ValueError("one kind, 'i' or 'f', per column")
    row = ",".join("%d" if k == "i" else "%.10g" for k in kinds) + "\n"
    text = (row * n) % tuple(matrix.ravel().tolist())
    return text.replace("nan", "").split("\n")[:-1]


def _quote(cells: list[str]) -> list[str]:
    """CSV cells, quoted where needed: a comma, a quote or a line break (``\n`` or ``\r``) inside."""
    joined = "\x00".join(cells)
    if "," not in joined and '"' not in joined and "\n" not in joined and "\r" not in joined:
        return cells
    buf = io.StringIO()
    # the csv module quotes a line break only when it is part of the line terminator
    w = csv.writer(buf, lineterminator="\r\n")
    out = []
    for c in cells:
        buf.seek(0)
        buf.truncate()
        w.writerow([c])
        out.append(buf.getvalue()[:-2])
    return out


def write_columns(header: list[str], columns: list[list[str]], stream) -> None:
    """Write already formatted columns as CSV (quoting only where needed), header first."""
    stream.write(",".join(_quote([str(c) for c in header])) + "\n")
    columns = [_quote(c) for c in columns]
    if columns and columns[0]:
        stream.write("\n".join(",".join(row) for row in zip(*columns)) + "\n")
