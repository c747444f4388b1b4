"""Validation of the data files: every kind of bad input gets a clear, located message.

Each case copies data/ to a temporary folder, breaks one thing, and checks that
`livingreview validate` (the function and the command) reports file, line and column,
exits 1 without a traceback, and leaves every file byte-for-byte unchanged.
"""
import shutil
from pathlib import Path

import pytest

import livingreview as lr
from livingreview.data import DATA_DIR


@pytest.fixture
def data_copy(tmp_path):
    dst = tmp_path / "data"
    shutil.copytree(DATA_DIR, dst)
    return dst


def snapshot(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def replace_line(path: Path, lineno: int, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[lineno - 1] = new + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def line_of(path: Path, startswith: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith(startswith):
            return i
    raise AssertionError(startswith)


from tests.conftest import run_cli_inprocess as run_cli
from tests.conftest import run_cli_subprocess


def test_real_data_is_valid():
    assert lr.validate() == []
    r = run_cli_subprocess("validate", str(DATA_DIR))
    assert r.returncode == 0, r.stderr


def test_console_command_exits_1_without_traceback(data_copy):
    path = data_copy / "outcomes.csv"
    replace_line(path, line_of(path, "bao2008,partial_response"), "bao2008,partial_response,21,20,8,20,reported,x")
    r = run_cli_subprocess("validate", str(data_copy))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and "exceed the arm total" in r.stderr


CASES = {
    # name: (file, line starting with, replacement, expected fragment, column)
    "events_exceed_total": ("outcomes.csv", "bao2008,partial_response",
                            "bao2008,partial_response,21,20,8,20,reported,x", "exceed the arm total", "tac_events"),
    "negative_count": ("outcomes.csv", "bao2008,partial_response",
                       "bao2008,partial_response,-1,20,8,20,reported,x", "below the minimum 0", "tac_events"),
    "not_a_number": ("outcomes.csv", "bao2008,partial_response",
                     "bao2008,partial_response,eight,20,8,20,reported,x", "not a whole number", "tac_events"),
    "fractional_count": ("outcomes.csv", "bao2008,partial_response",
                         "bao2008,partial_response,8.5,20,8,20,reported,x", "not a whole number", "tac_events"),
    "unknown_study": ("outcomes.csv", "bao2008,partial_response",
                      "bao2009,partial_response,8,20,8,20,reported,x", "unknown study_id 'bao2009'", "study_id"),
    "unknown_outcome": ("outcomes.csv", "bao2008,partial_response",
                        "bao2008,remission,8,20,8,20,reported,x", "unknown outcome 'remission'", "outcome"),
    "bad_provenance": ("outcomes.csv", "bao2008,partial_response",
                       "bao2008,partial_response,8,20,8,20,guessed,x", "is not one of", "provenance"),
    "events_with_missing_provenance": ("outcomes.csv", "bao2008,infection",
                                       "bao2008,infection,3,20,2,20,missing,x", "must be empty", "tac_events"),
    "empty_events_not_missing": ("outcomes.csv", "bao2008,infection",
                                 "bao2008,infection,,20,,20,reported,x", "use 'missing'", "tac_events"),
    "ragged_line": ("outcomes.csv", "bao2008,partial_response",
                    "bao2008,partial_response,8,20,8", "ragged line", None),
    "duplicate_key": ("outcomes.csv", "bao2008,partial_response",
                      "bao2008,complete_response,10,20,1,20,reported,x", "duplicate key", "study_id, outcome"),
    "required_empty": ("outcomes.csv", "bao2008,partial_response",
                       ",partial_response,8,20,8,20,reported,x", "required but empty", "study_id"),
    "bad_design": ("studies.csv", "tse2007",
                   None, "is not one of", "design"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_located_and_nothing_changes(data_copy, case):
    fname, start, new, fragment, column = CASES[case]
    path = data_copy / fname
    lineno = line_of(path, start)
    if new is None:  # studies.csv: change one field of the row
        row = path.read_text(encoding="utf-8").splitlines()[lineno - 1]
        new = row.replace(",case_series,", ",case series,")
    replace_line(path, lineno, new)
    before = snapshot(data_copy)
    problems = lr.validate(data_copy)
    assert problems, case
    hit = [p for p in problems if fragment in p.message]
    assert hit, [str(p) for p in problems]
    assert hit[0].path.endswith(fname) and hit[0].line == lineno
    if column:
        assert hit[0].column == column
    r = run_cli("validate", str(data_copy))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert f"{fname}:{lineno}:" in r.stderr and fragment in r.stderr
    assert snapshot(data_copy) == before  # validation never writes


def test_every_problem_is_reported_not_just_the_first(data_copy):
    path = data_copy / "outcomes.csv"
    a = line_of(path, "bao2008,partial_response")
    b = line_of(path, "mok2016,complete_response")
    replace_line(path, a, "bao2008,partial_response,21,20,8,20,reported,x")
    replace_line(path, b, "mok2016,complete_response,46,74,x,76,reported,x")
    lines = {p.line for p in lr.validate(data_copy)}
    assert {a, b} <= lines


def test_missing_column(data_copy):
    path = data_copy / "outcomes.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    text[0] = text[0].replace("provenance", "provenance_x")
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    msgs = [str(p) for p in lr.validate(data_copy)]
    assert any("outcomes.csv:1: column 'provenance': required column is missing" in m for m in msgs), msgs
    assert any("provenance_x" in m and "unknown column" in m for m in msgs)


def test_empty_file(data_copy):
    (data_copy / "studies.csv").write_text("", encoding="utf-8")
    msgs = [str(p) for p in lr.validate(data_copy)]
    assert any("studies.csv" in m and "empty" in m for m in msgs), msgs


def test_missing_file(data_copy):
    (data_copy / "outcomes.csv").unlink()
    msgs = [str(p) for p in lr.validate(data_copy)]
    assert any("outcomes.csv" in m and "not found" in m for m in msgs)


def test_ambiguous_count_must_match_outcomes(data_copy):
    path = data_copy / "ambiguous_counts.csv"
    lineno = line_of(path, "liu2015,complete_response")
    row = path.read_text(encoding="utf-8").splitlines()[lineno - 1]
    replace_line(path, lineno, row.replace(",46,46;47,", ",47,47;46,"))
    msgs = [str(p) for p in lr.validate(data_copy)]
    assert any("ambiguous_counts.csv" in m and "differs from ctl_events = 46" in m for m in msgs), msgs


def test_load_review_raises_with_all_problems(data_copy):
    path = data_copy / "outcomes.csv"
    replace_line(path, line_of(path, "bao2008,partial_response"), "bao2008,partial_response,21,20,8,20,reported,x")
    with pytest.raises(lr.DataError, match="exceed the arm total"):
        lr.load_review(data_copy)


# -- foreign keys come from the schemas (one declaration, read by the validator) --------------------

def _edit_schema(data_dir: Path, name: str, edit) -> None:
    import json

    path = data_dir / f"{name}.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    edit(schema)
    path.write_text(json.dumps(schema, indent=1), encoding="utf-8")


def test_foreign_key_is_read_from_the_schema(data_copy):
    """An unknown study_id is an error because outcomes.schema.json declares the reference ..."""
    out = data_copy / "outcomes.csv"
    line = line_of(out, "bao2008,partial_response")
    replace_line(out, line, "bao2009,partial_response,8,20,8,20,reported,x")
    assert any("unknown study_id 'bao2009' (not in studies.csv)" in p.message
               for p in lr.validate(data_copy))
    # ... and only because of it: without the declaration the same row passes the reference check.
    _edit_schema(data_copy, "outcomes", lambda s: s.update(
        foreignKeys=[fk for fk in s["foreignKeys"] if fk["reference"]["resource"] != "studies"]))
    assert not any("unknown study_id" in p.message for p in lr.validate(data_copy))


def test_a_foreign_key_added_to_a_schema_is_checked(data_copy):
    """A reference declared in a schema that had none is enforced without touching the code."""
    _edit_schema(data_copy, "patient_characteristics", lambda s: s.update(foreignKeys=[
        {"fields": "group", "reference": {"resource": "studies", "fields": "study_id"}}]))
    problems = lr.validate(data_copy)
    assert problems and all("(not in studies.csv)" in p.message and p.path.endswith("patient_characteristics.csv")
                            and p.line and p.column == "group" for p in problems)


@pytest.mark.parametrize("foreign_keys, message", [
    ([{"fields": "study_id", "reference": {"resource": "trials", "fields": "study_id"}}], "unknown resource 'trials'"),
    ([{"fields": "nope", "reference": {"resource": "studies", "fields": "study_id"}}], "not all fields of the schema"),
    ([{"fields": ["study_id", "outcome"], "reference": {"resource": "studies", "fields": "study_id"}}],
     "of equal length"),
    (["study_id"], "of equal length"),
])
def test_malformed_foreign_keys_name_the_schema(data_copy, foreign_keys, message):
    _edit_schema(data_copy, "outcomes", lambda s: s.update(foreignKeys=foreign_keys))
    before = snapshot(data_copy)
    result = run_cli("validate", str(data_copy))
    code, err = result.returncode, result.stderr
    assert code == 1 and "Traceback" not in err
    assert "outcomes.schema.json" in err and "'foreignKeys'" in err and message in err
    assert snapshot(data_copy) == before
