"""Hostile and careless data files (issue 12): `validate` answers every one with a message naming
file and line, exit 1, no traceback, never hangs, never prints a line of a file outside data/."""
import os

import pytest

from livingreview.data import validate
from tests.conftest import run_cli_inprocess, snapshot_dir


def set_cell(data, name, line, col, value):
    """Replace cell ``col`` of physical line ``line`` (1-based) of ``data/name``."""
    p = data / name
    lines = p.read_bytes().split(b"\n")
    cells = lines[line - 1].split(b",")
    cells[col] = value
    lines[line - 1] = b",".join(cells)
    p.write_bytes(b"\n".join(lines))


def mutate_big_int(d):
    set_cell(d, "outcomes.csv", 2, 2, b"123456789012345678901")
    return "outcomes.csv", 2, "too large"


def mutate_latin1(d):
    set_cell(d, "studies.csv", 3, 2, b"Caf\xe9")
    return "studies.csv", 3, "not UTF-8"


def mutate_nul(d):
    set_cell(d, "studies.csv", 3, 2, b"A\x00B")
    return "studies.csv", 3, "NUL"


def mutate_bad_date(d):
    set_cell(d, "changelog.csv", 2, 0, b"2026-99-99")
    return "changelog.csv", 2, "not a date"


def mutate_header_only(d):
    for name in ("studies.csv", "outcomes.csv"):
        p = d / name
        p.write_bytes(p.read_bytes().split(b"\n")[0] + b"\n")
    return "studies.csv", None, "no data rows"


def mutate_schema_deleted(d):
    (d / "outcomes.schema.json").unlink()
    return "outcomes.schema.json", None, "schema file not found"


def mutate_schema_truncated(d):
    p = d / "outcomes.schema.json"
    p.write_bytes(p.read_bytes()[:100])
    return "outcomes.schema.json", None, "not valid JSON"


def mutate_schema_not_object(d):
    (d / "outcomes.schema.json").write_text("[1, 2, 3]\n")
    return "outcomes.schema.json", None, "not a Table Schema"


def mutate_directory(d):
    (d / "grade.csv").unlink()
    (d / "grade.csv").mkdir()
    return "grade.csv", None, "a directory, not a regular file"


def mutate_fifo(d):
    (d / "grade.csv").unlink()
    os.mkfifo(d / "grade.csv")
    return "grade.csv", None, "a named pipe, not a regular file"


def mutate_symlink_out(d):
    (d / "grade.csv").unlink()
    (d / "grade.csv").symlink_to("/etc/passwd")
    return "grade.csv", None, "leads outside the data folder"


def mutate_u2028_in_cell(d):
    """U+2028 is a legal character in a cell, not a line end: later line numbers stay right."""
    p = d / "studies.csv"
    lines = p.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b",", "\u2028\x0c\u0085,".encode(), 1)  # in the first cell
    p.write_bytes(b"\n".join(lines))
    set_cell(d, "studies.csv", 5, 2, b"19x")  # year of line 5
    return "studies.csv", 5, "not a whole number"


MUTATIONS = {f.__name__[len("mutate_"):]: f for f in [
    mutate_big_int, mutate_latin1, mutate_nul, mutate_bad_date, mutate_header_only, mutate_schema_deleted,
    mutate_schema_truncated, mutate_schema_not_object, mutate_directory, mutate_fifo, mutate_symlink_out,
    mutate_u2028_in_cell]}


@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_bad_data_file(data_copy, case):
    name, line, fragment = MUTATIONS[case](data_copy)
    before = snapshot_dir(data_copy)
    r = run_cli_inprocess("validate", str(data_copy))
    assert r.returncode == 1, r.stdout
    assert "Traceback" not in r.stderr
    hits = [ln for ln in r.stderr.splitlines() if fragment in ln]
    assert hits, r.stderr
    assert any(f"{name}:{line}:" in h if line else name in h for h in hits), r.stderr
    assert "root:" not in r.stderr  # never a line of a file outside data/
    assert snapshot_dir(data_copy) == before


def test_size_cap(data_copy, monkeypatch):
    import livingreview.safeio as safeio

    monkeypatch.setattr(safeio, "MAX_DATA_BYTES", 1000)
    problems = [str(p) for p in validate(data_copy)]
    assert any("outcomes.csv" in p and "more than the limit of 1000 bytes" in p for p in problems), problems


@pytest.mark.parametrize("eol", [b"\r\n", b"\r"])
def test_line_end_styles_validate(data_copy, eol):
    for p in data_copy.glob("*.csv"):
        p.write_bytes(p.read_bytes().replace(b"\n", eol))
    assert validate(data_copy) == []


def test_committed_data_files_are_lf_and_pinned_by_gitattributes():
    from livingreview.data import DATA_DIR, ROOT

    for p in DATA_DIR.glob("*.csv"):
        assert b"\r" not in p.read_bytes(), p
    assert "data/*.csv text eol=lf" in (ROOT / ".gitattributes").read_text()


def test_schema_json_error_names_line(data_copy):
    (data_copy / "studies.schema.json").write_text('{\n "fields": [\n')
    problems = [str(p) for p in validate(data_copy)]
    assert any("studies.schema.json:3:" in p and "not valid JSON" in p for p in problems), problems
