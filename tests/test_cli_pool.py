"""`livingreview pool`: output contract, subgroups, skipped rows, bad input."""
import io

import pandas as pd
import pytest
from numpy.testing import assert_allclose

from livingreview.cli import OUTPUT_COLUMNS
from tests.results import results_mh as ref
from tests.tolerances import PRINTED_10


from tests.conftest import run_cli_inprocess as run
from tests.conftest import run_cli_subprocess


@pytest.fixture
def niel_csv(tmp_path):
    rows = ["study_id,outcome,tac_events,tac_total,ctl_events,ctl_total,half"]
    for i, (a, n1, c, n2) in enumerate(zip(ref.NIEL_AI, ref.NIEL_N1I, ref.NIEL_CI, ref.NIEL_N2I)):
        rows.append(f"s{i},catheter,{a},{n1},{c},{n2},{'first' if i < 9 else 'second'}")
    p = tmp_path / "niel.csv"
    p.write_text("\n".join(rows) + "\n")
    return p


def test_pool_both_methods_match_metafor(niel_csv):
    r = run_cli_subprocess("pool", str(niel_csv))
    assert r.returncode == 0, r.stderr
    out = pd.read_csv(io.StringIO(r.stdout))
    assert list(out.columns) == OUTPUT_COLUMNS
    out = out.set_index("method")
    assert_allclose(out.loc["MH", "rr"], ref.NIEL_MH["rr"], **PRINTED_10)
    assert_allclose(out.loc["MH-cc", "rr"], ref.NIEL_MH_CC["rr"], **PRINTED_10)
    assert_allclose(out.loc["MH-cc", "ci_high"], ref.NIEL_MH_CC["ci_high"], **PRINTED_10)
    assert set(out["group"]) == {"all"}


def test_pool_by_column(niel_csv):
    r = run("pool", str(niel_csv), "--by", "half", "--method", "MH-cc")
    out = pd.read_csv(io.StringIO(r.stdout))
    assert list(out["group"]) == ["all", "first", "second"]
    assert list(out["method"].unique()) == ["MH-cc"]
    assert out.loc[out["group"] == "all", "k"].item() == 17


def test_missing_counts_are_skipped_and_said(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("study_id,outcome,tac_events,tac_total,ctl_events,ctl_total\n"
                 "a,o,3,10,5,10\nb,o,,10,,10\nc,o,4,12,6,12\n")
    r = run("pool", str(p), "--method", "MH")
    assert r.returncode == 0
    assert "skipped 1 row(s)" in r.stderr and "b/o" in r.stderr
    assert pd.read_csv(io.StringIO(r.stdout))["k"].item() == 2


@pytest.mark.parametrize("body, fragment", [
    ("a,o,11,10,5,10\n", "x.csv:2: column 'tac_events': events (11) exceed the arm total (10)"),
    ("a,o,3,10,5\n", "x.csv:2: ragged line"),
    ("a,o,3,ten,5,10\n", "x.csv:2: column 'tac_total': 'ten' is not a whole number"),
])
def test_bad_input(tmp_path, body, fragment):
    p = tmp_path / "x.csv"
    p.write_text("study_id,outcome,tac_events,tac_total,ctl_events,ctl_total\n" + body)
    before = p.read_bytes()
    r = run("pool", str(p))
    assert r.returncode == 1 and r.stdout == ""
    assert fragment in r.stderr and "Traceback" not in r.stderr
    assert p.read_bytes() == before


def test_missing_by_column(niel_csv):
    r = run("pool", str(niel_csv), "--by", "regimen")
    assert r.returncode == 1 and "column 'regimen': required column is missing" in r.stderr


def test_help_shows_an_example():
    r = run("pool", "--help")
    assert r.returncode == 0 and "example:" in r.stdout and "MH-cc" in r.stdout


def test_degenerate_pool_warns_on_stderr(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("study_id,outcome,tac_events,tac_total,ctl_events,ctl_total\na,o,0,10,3,10\n")
    r = run("pool", str(p), "--method", "MH")
    assert r.returncode == 0 and "warning: no MH risk ratio" in r.stderr


# ---- the fast paths give what the general ones give -----------------------------------------------------

HEADER = "study_id,outcome,tac_events,tac_total,ctl_events,ctl_total,arm\n"
BODY = ["a,o1,3,10,5,10,x", "b,o1,0,12,2,11,y", "c,o2, 4 ,20,6,20,x", "d,o2,0,9,0,9,", "e,o3,1,5,,5,y"]


def test_plain_lines_and_the_csv_module_read_the_same(tmp_path):
    """Plain lines are split in one call; a blank line or a quoted cell sends the file through csv."""
    from livingreview.poolio import read_pool_csv

    variants = {"plain": HEADER + "\n".join(BODY) + "\n",
                "blank line": HEADER + "\n".join(BODY[:2] + [""] + BODY[2:]) + "\n",
                "quoted": HEADER + "\n".join(BODY[:-1] + ['"e",o3,1,5,,5,y']) + "\n",
                "crlf": (HEADER + "\n".join(BODY) + "\n").replace("\n", "\r\n")}
    got = {}
    for name, text in variants.items():
        p = tmp_path / f"{name}.csv"
        p.write_text(text, newline="")
        d = read_pool_csv(p, "arm")
        got[name] = (d.study_id, d.outcome, d.group, d.skipped, {c: v.tolist() for c, v in d.counts.items()},
                     run("pool", str(p), "--by", "arm").stdout)
    for name in variants:
        assert got[name] == got["plain"], name
    assert got["plain"][2] == ["x", "y", "x", "(missing)"] and got["plain"][3] == ["e/o3"]


def test_format_numeric_rows_matches_format_column():
    import numpy as np

    from livingreview.poolio import format_column, format_numeric_rows

    rng = np.random.default_rng(11)
    n = 500
    floats = rng.normal(size=(n, 3)) * 10.0 ** rng.integers(-300, 300, size=(n, 3))
    floats[rng.random((n, 3)) < 0.2] = np.nan
    floats[:6, 0] = [np.inf, -np.inf, -0.0, 0.0, 1 / 3, 123456789012.0]
    ints = rng.integers(0, 10**9, size=(n, 2))
    matrix = np.column_stack([ints[:, 0], floats[:, :2], ints[:, 1], floats[:, 2]]).astype(float)
    kinds = "iffif"
    expected = [",".join(r) for r in zip(*(format_column(ints[:, 0], "i"), format_column(floats[:, 0], "f"),
                                          format_column(floats[:, 1], "f"), format_column(ints[:, 1], "i"),
                                          format_column(floats[:, 2], "f")))]
    assert format_numeric_rows(matrix, kinds) == expected
    assert format_numeric_rows(np.zeros((0, 5)), kinds) == []


def test_count_too_large_is_one_line(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("study_id,outcome,tac_events,tac_total,ctl_events,ctl_total\n"
                 "a,o,1,99999999999999999999,2,10\nb,o,1,0000000010,2,10\n")
    r = run("pool", str(p))
    assert r.returncode == 1 and r.stdout == "" and "Traceback" not in r.stderr
    assert len(r.stderr.splitlines()) == 2  # one problem: leading zeros are not size
    assert r.stderr.splitlines()[1].endswith("x.csv:2: column 'tac_total': '99999999999999999999' is too large "
                                             "(whole numbers must be below 1,000,000,000)")


@pytest.mark.parametrize("preset, expected", [(None, "1"), ("3", "3")])
def test_pool_asks_openblas_for_no_worker_threads_unless_told(tmp_path, preset, expected):
    """Set before numpy loads OpenBLAS, never over the user's value (the pool path does no BLAS)."""
    import os
    import subprocess
    import sys

    p = tmp_path / "x.csv"
    p.write_text("study_id,outcome,tac_events,tac_total,ctl_events,ctl_total\na,o,1,10,2,10\n")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if preset:
        env["OPENBLAS_NUM_THREADS"] = preset
    code = ("import os, sys; from livingreview.cli import main; code = main(['pool', sys.argv[1]]); "
            "print(os.environ.get('OPENBLAS_NUM_THREADS'), file=sys.stderr); sys.exit(code)")
    r = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines()[-1] == expected


def test_pool_in_a_process_with_numpy_leaves_the_environment_alone(tmp_path, monkeypatch):
    import os

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    p = tmp_path / "x.csv"
    p.write_text("study_id,outcome,tac_events,tac_total,ctl_events,ctl_total\na,o,1,10,2,10\n")
    assert run("pool", str(p)).returncode == 0
    assert "OPENBLAS_NUM_THREADS" not in os.environ


@pytest.mark.parametrize("random", [False, True], ids=["mh", "random"])
def test_line_breaks_inside_names_are_quoted(tmp_path, random):
    """An outcome or group holding a line break (legal inside a quoted CSV cell) is written quoted,
    so the output is still one row per pool when read back."""
    p = tmp_path / "odd.csv"
    p.write_text('study_id,outcome,tac_events,tac_total,ctl_events,ctl_total,arm\n'
                 's1,"complete\nresponse",5,20,3,20,"a\rb"\ns2,"complete\nresponse",6,20,4,20,"a\rb"\n',
                 encoding="utf-8", newline="")
    args = ["pool", str(p), "--by", "arm"] + (["--random", "DL"] if random else [])
    r = run(*args)
    assert r.returncode == 0, r.stderr
    out = pd.read_csv(io.StringIO(r.stdout), keep_default_na=False)
    assert set(out["outcome"]) == {"complete\nresponse"}
    assert set(out["group"]) == {"all", "a\rb"}


def test_unquoted_cell_with_a_unicode_line_separator_is_one_record(tmp_path):
    """Records end only at \\n, \\r\\n or \\r (the csv module's rule): U+2028 or a form feed inside an
    unquoted cell is text, not a line break (``str.splitlines`` would split there)."""
    p = tmp_path / "sep.csv"
    p.write_text("study_id,outcome,tac_events,tac_total,ctl_events,ctl_total\r\n"
                 "s1,complete\u2028response,5,20,3,20\r\ns2,complete\u2028response,6,20,4,20\r\n"
                 "s3,flare\x0cfree,1,10,2,10\r\n", encoding="utf-8", newline="")
    r = run("pool", str(p), "--method", "MH")
    assert r.returncode == 0, r.stderr
    out = pd.read_csv(io.StringIO(r.stdout), keep_default_na=False)
    assert list(out["outcome"]) == ["complete\u2028response", "flare\x0cfree"]
    assert list(out["k"]) == [2, 1]
