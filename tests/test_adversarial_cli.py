"""The command line never shows a traceback (issue 12), and the site shows the committed notebooks."""
import json

import pytest

from livingreview.data import ROOT
from tests.conftest import run_cli_inprocess, run_cli_subprocess


def notebook_cases(tmp_path):
    good = json.loads((ROOT / "notebooks" / "03-efficacy.ipynb").read_text(encoding="utf-8"))
    text = json.dumps(good)
    return {
        "truncated": text[: len(text) // 2],
        "empty": "",
        "not_a_notebook": json.dumps({"hello": "world"}),
        "list": "[1, 2]",
        "binary": "\x00\x01\x02",
    }


@pytest.mark.parametrize("case", ["truncated", "empty", "not_a_notebook", "list", "binary", "missing", "directory"])
def test_stale_on_broken_notebook(tmp_path, case):
    path = tmp_path / "01-broken.ipynb"
    if case == "directory":
        path.mkdir()
    elif case != "missing":
        path.write_text(notebook_cases(tmp_path)[case], encoding="utf-8")
    r = run_cli_inprocess("stale", str(path))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "01-broken.ipynb" in r.stderr and len(r.stderr.strip().splitlines()) <= 2, r.stderr


def test_bibtex_output_directory(tmp_path):
    r = run_cli_inprocess("bibtex", "--output", str(tmp_path))
    assert r.returncode == 1 and "is a directory" in r.stderr and "Traceback" not in r.stderr


def test_top_level_handler_one_line_and_debug(tmp_path, monkeypatch):
    import livingreview.cli as cli

    def boom(args):
        raise OSError(5, "Input/output error", str(tmp_path / "x.csv"))

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    for action in parser._subparsers._group_actions[0].choices.values():
        action.set_defaults(func=boom)
    r = run_cli_inprocess("validate")
    assert r.returncode == 1 and r.stderr.strip() == f"livingreview: {tmp_path / 'x.csv'}: Input/output error"
    with pytest.raises(OSError):
        cli.main(["--debug", "validate"])


def test_validate_missing_folder_subprocess(tmp_path):
    r = run_cli_subprocess("validate", str(tmp_path / "nope"))
    assert r.returncode == 1 and "Traceback" not in r.stderr and "nope" in r.stderr


def test_book_renders_committed_notebooks_without_executing():
    """Edit–build–restore–build can only show committed numbers when the build never executes:
    execution is off and there is no jupyter-cache to serve outputs of data no longer there."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["execute"]["execute_notebooks"] == "off"
    assert "cache" not in config["execute"]
    status = (ROOT / "book" / "status.md").read_text(encoding="utf-8")
    assert "nb-exec-table" not in status and "{{ notebook_times }}" in status


def test_status_table_reads_recorded_execution_times(tmp_path):
    from livingreview.build.sphinxext import build_facts, notebook_table

    nb = {"cells": [], "metadata": {"livingreview": {"duration_s": 12.3, "inputs": {"data/a.csv": "x"}}},
          "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "01-a.ipynb").write_text(json.dumps(nb))
    (tmp_path / "02-b.ipynb").write_text("{truncated")
    table = notebook_table(tmp_path)
    assert "| 01-a.ipynb | 12.3 | 1 data file |" in table
    assert "| 02-b.ipynb | unreadable notebook |" in table
    committed = json.loads((ROOT / "notebooks" / "03-efficacy.ipynb").read_text())["metadata"]["livingreview"]
    assert f"| 03-efficacy.ipynb | {committed['duration_s']:.1f} |" in build_facts()["notebook_times"]
