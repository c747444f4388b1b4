"""The site always shows the committed notebooks (issue 12, "edit–build–restore–build").

In a clone of the repository: change one count, do what `make book` does (re-execute the stale
notebook, build the site), restore ``data/ notebooks/ results/`` with git, build again. The second
site must show the committed numbers, not those of the data that is no longer there. The clone runs
its own package (``PYTHONPATH=<clone>/lib``), so nothing of the working tree is touched. To keep it
quick the book is the efficacy page alone (a one-page table of contents); the build commands are
those of the Makefile.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from livingreview.data import ROOT

PAGE = "notebooks/03-efficacy"
BIN = Path(sys.executable).parent


def _run(args, clone: Path, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(clone / "lib"), "PATH": f"{BIN}:{os.environ['PATH']}"}
    r = subprocess.run(args, cwd=clone, env=env, capture_output=True, text=True, timeout=600, **kw)
    assert r.returncode == 0, f"{' '.join(map(str, args))} failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    return r


def _build(clone: Path) -> str:
    """The Makefile's build-book (fresh staging folder, no execution), for the one-page book."""
    stage = clone / "_build" / "stage"
    _run([BIN / "jupyter-book", "build", ".", "--path-output", stage, "--toc", "_toc_one.yml",
          "--builder", "html"], clone)
    html = (stage / "_build" / "html" / f"{PAGE}.html").read_text(encoding="utf-8")
    subprocess.run(["rm", "-rf", str(stage)], check=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _complete_response(clone: Path) -> str:
    """The overall complete-response pool as the page prints it, computed by the clone's package."""
    code = ("import livingreview as lr; from livingreview import pools; from livingreview.fmt import fmt_rr; "
            "r = pools.pool_row(pools.pooled_estimates(lr.load_review()), 'efficacy', 'complete_response', 'all'); "
            "print(fmt_rr(r['rr'], r['ci_low'], r['ci_high']))")
    return _run([sys.executable, "-c", code], clone).stdout.strip()


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the git repository")
def test_edit_build_restore_build_shows_the_committed_numbers(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--local", str(ROOT), str(clone)], check=True)
    (clone / "_toc_one.yml").write_text(f"format: jb-book\nroot: {PAGE}\n", encoding="utf-8")
    committed = _complete_response(clone)

    # 1. edit one count and do what `make book` does: re-execute what is stale, build
    outcomes = clone / "data" / "outcomes.csv"
    text = outcomes.read_text(encoding="utf-8")
    row = re.search(r"^liu2015,complete_response,(\d+),", text, re.M)
    edited_text = text.replace(row.group(0), f"liu2015,complete_response,{int(row.group(1)) + 15},", 1)
    outcomes.write_text(edited_text, encoding="utf-8")
    edited = _complete_response(clone)
    assert edited != committed
    _run([BIN / "livingreview", "execute", f"{PAGE}.ipynb"], clone)
    first = _build(clone)
    assert edited in first and committed not in first

    # 2. restore data, notebooks and results with git, and build again
    _run(["git", "checkout", "--", "data", "notebooks", "results"], clone)
    assert _complete_response(clone) == committed
    second = _build(clone)
    assert committed in second, "the rebuilt site must show the committed numbers"
    assert edited not in second, "the rebuilt site still shows numbers of data that is no longer there"
