"""Committed notebooks must be records of the current inputs, and so must results/.

A notebook is stale when its code cells, a data file it read, or lib/livingreview changed
after its last execution by `livingreview execute` (see livingreview.notebooks). A data edit
without re-execution therefore fails here, with the command that fixes it.
"""

import nbformat
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import livingreview as lr
from livingreview import results
from livingreview.build import notebooks
from livingreview.data import ROOT

NOTEBOOKS = notebooks.notebook_paths()


def test_there_are_notebooks_in_run_order():
    names = [p.name for p in NOTEBOOKS]
    assert len(names) >= 7
    assert names == sorted(names)
    assert all(n[:2].isdigit() and n[2] == "-" for n in names)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_not_stale(path):
    reasons = notebooks.stale_reasons(path)
    assert not reasons, (
        f"notebooks/{path.name} is stale: {'; '.join(reasons)}. Run `make notebooks` (it re-executes exactly "
        "the stale notebooks), check `livingreview update status`, and commit the notebooks with data/ and results/."
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_committed_executed_in_order(path):
    nb = nbformat.read(path, as_version=4)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert all(c is not None for c in counts), f"{path.name} has unexecuted cells"
    assert counts == list(range(1, len(counts) + 1)), f"{path.name} was not executed top to bottom in one run"
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name} has error outputs"


def test_every_notebook_records_the_data_it_read():
    for path in NOTEBOOKS:
        rec = nbformat.read(path, as_version=4).metadata["livingreview"]
        assert any(k.startswith("data/") for k in rec["inputs"]), path.name


def test_staleness_detects_a_data_change(tmp_path):
    """Changing one count (in a copy of the checkout) makes exactly the notebooks that read outcomes.csv stale."""
    import shutil

    root = tmp_path / "checkout"
    shutil.copytree(ROOT / "data", root / "data", ignore=shutil.ignore_patterns(".transaction"))
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    shutil.copytree(ROOT / "results", root / "results")
    copies = sorted((root / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    readers = {p.name for p in copies
               if "data/outcomes.csv" in nbformat.read(p, as_version=4).metadata["livingreview"]["inputs"]}
    assert all(not notebooks.stale_reasons(p, root) for p in copies)  # an exact copy: nothing stale
    target = root / "data" / "outcomes.csv"
    original = target.read_bytes()
    changed = original.replace(b"bao2008,partial_response,8,20,8,20", b"bao2008,partial_response,8,20,9,20")
    assert changed != original
    target.write_bytes(changed)
    stale = {p.name for p in copies if notebooks.stale_reasons(p, root)}
    assert readers and stale == readers
    # notebooks that do not read outcomes.csv are left alone
    assert "01-search-and-selection.ipynb" not in stale and "02-included-studies.ipynb" not in stale
    assert "data/outcomes.csv changed" in " ".join(notebooks.stale_reasons_for_inputs(
        {"data/outcomes.csv": "0" * 64}, root))


def test_results_are_what_the_notebooks_wrote():
    """Every file in results/ was written by one notebook's recorded execution, and is unchanged since
    (each notebook's own files and image outputs are checked by test_notebook_is_not_stale)."""
    problems = notebooks.results_problems()
    assert not problems, "\n".join(problems)


def test_results_files_match_the_data(tmp_path):
    """results/*.csv are what the data give now (the reproduction notebook rewrites them)."""
    review = lr.load_review()
    fresh = results.write_results(review, tmp_path)
    for name, path in fresh.items():
        committed = ROOT / "results" / name
        assert committed.exists(), f"results/{name} is missing: run `make notebooks`"
        a = pd.read_csv(committed)
        b = pd.read_csv(path)
        try:
            assert_frame_equal(a, b, check_exact=False, rtol=1e-9)
        except AssertionError as exc:
            raise AssertionError(f"results/{name} is stale: run `make notebooks` and commit results/ ({exc})") from None


def test_results_columns_contract():
    pe = pd.read_csv(ROOT / "results" / "pooled_estimates.csv")
    assert list(pe.columns) == ["analysis", "outcome", "subgroup", "method", "k", "tac_events", "tac_total",
                                "ctl_events", "ctl_total", "rr", "ci_low", "ci_high", "z", "p", "q", "q_df",
                                "q_p", "i2"]
    assert set(pe["method"]) == {"MH", "MH-cc"}
    assert not pe.duplicated(["analysis", "outcome", "subgroup", "method"]).any()
    rep = pd.read_csv(ROOT / "results" / "reproduction.csv")
    assert list(rep.columns[:6]) == ["analysis", "outcome", "subgroup", "rr", "ci_low", "ci_high"]
    assert {"our_rr", "our_ci_low", "our_ci_high", "status", "reason"} <= set(rep.columns)
    assert len(rep) == len(pd.read_csv(ROOT / "data" / "published_estimates.csv"))  # one row per published estimate
    assert set(rep["status"]) <= {"reproduced", "differs", "not_reproducible"}
