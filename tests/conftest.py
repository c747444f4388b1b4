import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402


def frame(a, n1, c, n2, outcome="x", **extra):
    """A counts DataFrame in the orientation of outcomes.csv."""
    d = {"outcome": outcome, "tac_events": a, "tac_total": n1, "ctl_events": c, "ctl_total": n2}
    d.update(extra)
    df = pd.DataFrame(d)
    df.insert(0, "study_id", [f"s{i:03d}" for i in range(len(df))])
    return df


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class CliResult:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run_cli_inprocess(*args) -> CliResult:
    """Run `livingreview ARGS` in this process (fast); the exit code is main()'s return value."""
    import contextlib
    import io

    from livingreview.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse --help / usage errors
            code = exc.code
    return CliResult(code, out.getvalue(), err.getvalue())


def run_cli_subprocess(*args) -> CliResult:
    """Run the installed console command for real (exit status, no traceback)."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    exe = shutil.which("livingreview") or str(Path(sys.executable).with_name("livingreview"))
    r = subprocess.run([exe, *args], capture_output=True, text=True)
    return CliResult(r.returncode, r.stdout, r.stderr)


@pytest.fixture
def data_copy(tmp_path):
    """A copy of data/ in tmp_path (tests never write the real data/)."""
    import shutil

    from livingreview.data import DATA_DIR

    dst = tmp_path / "data"
    shutil.copytree(DATA_DIR, dst, ignore=shutil.ignore_patterns(".transaction"))
    return dst


def snapshot_dir(folder):
    """Every file under ``folder`` (relative path -> bytes), to prove nothing changed."""
    from pathlib import Path

    folder = Path(folder)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink()}


#: A valid trial file for ``add-trial`` tests (``{study_id}`` and ``{author}`` filled by :func:`trial_yaml`).
TRIAL_YAML = """
study:
  study_id: {study_id}
  first_author: {author}
  year: 2025
  ethnicity: non_asian
  design: rct
  phase: induction
  regimen: triple
  comparator: MMF + steroids
  n_patients: 100
  confidence: confirmed
  source_note: test trial
outcomes:
  - outcome: complete_response
    tac_events: 20
    tac_total: 50
    ctl_events: 10
    ctl_total: 50
    provenance: reported
    source: test table 2
"""


def trial_yaml(study_id: str = "new2025", author: str = "New A") -> str:
    return TRIAL_YAML.format(study_id=study_id, author=author)
