"""Reading a data file safely: a regular file inside its data folder, of bounded size (a leaf module).

Shared by :mod:`livingreview.data` (validation) and :mod:`livingreview.transaction` (which must not
import ``data``: data reads recover transactions first).
"""
from __future__ import annotations

import csv
import os
import stat
from pathlib import Path


def _display_path(path: Path) -> str:
    try:
        return str(Path(path).absolute().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


#: Largest data file read (bytes); a 250 MB outcomes.csv is well inside it.
MAX_DATA_BYTES = int(os.environ.get("LIVINGREVIEW_MAX_DATA_BYTES", str(1 << 30)))
#: Counts and every other integer must be below this (per arm: 10^9 patients is no trial).
MAX_INTEGER = 10**9


class UnsafeFileError(OSError):
    """A data file that is not a regular file inside its data folder, or is too large."""

    def __init__(self, shown: str, reason: str):
        super().__init__(f"{shown}: refused: {reason}")
        self.shown, self.reason = shown, reason



def read_data_bytes(path: Path | str, data_dir: Path | str | None = None, max_bytes: int | None = None) -> bytes:
    """The bytes of a data file, refusing anything but a regular file of bounded size.

    Directories, named pipes, sockets and devices are refused without blocking (the file is opened
    with ``O_NONBLOCK`` and checked with ``fstat``); with ``data_dir``, a path that resolves
    (through a symbolic link) outside ``data_dir`` is refused before it is opened.
    """
    path = Path(path)
    shown = _display_path(path)
    limit = MAX_DATA_BYTES if max_bytes is None else max_bytes
    if data_dir is not None:
        root = Path(data_dir).resolve()
        real = path.resolve()
        if real != root and root not in real.parents:
            raise UnsafeFileError(shown, "it leads outside the data folder (a symbolic link)")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a named pipe" if stat.S_ISFIFO(st.st_mode)
                    else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                    else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
            raise UnsafeFileError(shown, f"{kind}, not a regular file")
        if st.st_size > limit:
            raise UnsafeFileError(shown, f"{st.st_size} bytes, more than the limit of {limit} bytes")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 24)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise UnsafeFileError(shown, f"more than the limit of {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def problems_message(problems) -> str:
    """'N problems in the data:' followed by one indented line per problem (data and pool errors)."""
    problems = list(problems)
    n = len(problems)
    return "\n".join([f"{n} problem{'s' if n != 1 else ''} in the data:"] + [f"  {p}" for p in problems])


def read_records(reader, width: int):
    """The data records of a CSV ``reader`` positioned after its header, as the data files' rules read them.

    A blank line is skipped; a record with another number of fields than the header (``width``) is
    ragged and left out; reading stops at the first record the csv module cannot parse. Line numbers
    are physical lines (records end only at ``\n``, ``\r\n`` or ``\r``; a quoted cell may span lines).

    Returns
    -------
    (rows, lines, ragged, malformed): the kept records and their line numbers; ``(line, message)`` for
    each ragged record; ``(line, message)`` of an unparseable record, or None.
    """
    rows: list[list[str]] = []
    lines: list[int] = []
    ragged: list[tuple[int, str]] = []
    prev = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return rows, lines, ragged, None
        except csv.Error as exc:
            return rows, lines, ragged, (prev + 1, f"malformed CSV: {exc}")
        line, prev = prev + 1, reader.line_num
        if not row or all(not cell.strip() for cell in row) and len(row) <= 1:
            continue  # blank line
        if len(row) != width:
            ragged.append((line, f"ragged line: {len(row)} fields where the header has {width}"))
            continue
        rows.append(row)
        lines.append(line)
