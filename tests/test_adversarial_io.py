"""Bounded reads, writes only where they belong, transactions that never follow a symbolic link,
honest messages after the commit point, workers that die with their parent, staleness of every
file a notebook reads, and one-line messages for closed or full outputs (issue 19)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from livingreview import transaction as txm
from livingreview.data import validate
from tests.conftest import run_cli_inprocess, snapshot_dir

EXE = shutil.which("livingreview") or str(Path(sys.executable).with_name("livingreview"))


def sh(command, timeout=120, **kw):
    return subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=timeout, **kw)


def one_line(stderr):
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr


# --- bibtex --output ---------------------------------------------------------------------------

@pytest.mark.parametrize("target, needle", [("/dev/full", "not a regular file"), ("fifo", "not a regular file"),
                                            ("data/studies.csv", "inside the data folder"),
                                            ("data/new.bib", "inside the data folder")])
def test_bibtex_output_is_a_regular_file_outside_data(tmp_path, data_copy, target, needle):
    if target == "fifo":
        target = str(tmp_path / "out.bib")
        os.mkfifo(target)
    elif target.startswith("data/"):
        target = str(data_copy / target[5:])
    before = snapshot_dir(data_copy)
    r = subprocess.run([EXE, "bibtex", "--data-dir", str(data_copy), "--output", target],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and needle in r.stderr, r.stderr
    one_line(r.stderr)
    assert snapshot_dir(data_copy) == before


def test_bibtex_output_written_once_then_unchanged(tmp_path, data_copy):
    out = tmp_path / "studies.bib"
    r = run_cli_inprocess("bibtex", "--data-dir", str(data_copy), "--output", str(out))
    assert r.returncode == 0 and "wrote" in r.stdout
    mtime = out.stat().st_mtime_ns
    r = run_cli_inprocess("bibtex", "--data-dir", str(data_copy), "--output", str(out))
    assert r.returncode == 0 and "wrote" not in r.stdout and out.stat().st_mtime_ns == mtime


# --- transactions never follow symbolic links --------------------------------------------------

def test_recovery_refuses_a_symlinked_staging_files_folder(tmp_path, data_copy):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "studies.csv").write_bytes(b"not data\n")
    stage = data_copy / ".transaction"
    stage.mkdir()
    (stage / "files").symlink_to(outside)
    (stage / "journal.json").write_text(json.dumps(
        {"version": 1, "files": {"studies.csv": __import__("hashlib").sha256(b"not data\n").hexdigest()}}))
    before = snapshot_dir(data_copy)
    with pytest.raises(txm.TransactionError, match="symbolic link"):
        txm.recover(data_copy)
    assert (outside / "studies.csv").read_bytes() == b"not data\n"
    assert snapshot_dir(data_copy) == before


def test_recovery_refuses_a_staged_symlink(tmp_path, data_copy):
    secret = tmp_path / "secret.csv"
    secret.write_bytes(b"secret\n")
    stage = data_copy / ".transaction" / "files"
    stage.mkdir(parents=True)
    (stage / "studies.csv").symlink_to(secret)
    (data_copy / ".transaction" / "journal.json").write_text(json.dumps(
        {"version": 1, "files": {"studies.csv": __import__("hashlib").sha256(b"secret\n").hexdigest()}}))
    before = (data_copy / "studies.csv").read_bytes()
    r = run_cli_inprocess("validate", str(data_copy))
    assert r.returncode == 1 and "symbolic link" in r.stderr
    one_line(r.stderr)
    assert (data_copy / "studies.csv").read_bytes() == before and not (data_copy / "studies.csv").is_symlink()
    assert secret.exists()


def test_a_write_never_replaces_a_symlink_in_data(tmp_path, data_copy):
    real = tmp_path / "update_register.csv"
    shutil.move(data_copy / "update_register.csv", real)
    (data_copy / "update_register.csv").symlink_to(real)
    before = real.read_bytes()
    with pytest.raises(txm.TransactionError, match="symbolic link"):
        with txm.data_transaction(data_copy) as tx:
            tx.write("update_register.csv", b"x\n")
            tx.write("studies.csv", b"y\n")
    assert (data_copy / "update_register.csv").is_symlink() and real.read_bytes() == before
    assert not (data_copy / ".transaction").exists()
    assert (data_copy / "studies.csv").read_bytes() != b"y\n"


def test_add_trial_refuses_a_symlinked_register(tmp_path, data_copy):
    from tests.conftest import trial_yaml

    real = tmp_path / "update_register.csv"
    shutil.move(data_copy / "update_register.csv", real)
    (data_copy / "update_register.csv").symlink_to(real)
    yaml = tmp_path / "t.yaml"
    yaml.write_text(trial_yaml("new2026", "New A"), encoding="utf-8")
    before, reg = snapshot_dir(data_copy), real.read_bytes()
    r = run_cli_inprocess("add-trial", str(yaml), "--data-dir", str(data_copy))
    assert r.returncode == 1, r.stdout
    assert "symbolic link" in r.stderr or "outside the data folder" in r.stderr, r.stderr
    assert snapshot_dir(data_copy) == before and real.read_bytes() == reg


def test_a_deep_journal_is_one_line_naming_it(data_copy):
    stage = data_copy / ".transaction"
    stage.mkdir()
    (stage / "journal.json").write_text("[" * 100_000 + "]" * 100_000)
    before = snapshot_dir(data_copy)
    r = run_cli_inprocess("validate", str(data_copy))
    assert r.returncode == 1 and "journal.json" in r.stderr and "nested too deeply" in r.stderr, r.stderr
    assert "maximum recursion" not in r.stderr
    one_line(r.stderr)
    assert snapshot_dir(data_copy) == before


def test_a_failure_after_the_commit_point_says_it_was_committed(tmp_path, data_copy, monkeypatch):
    """(outcomes.csv immutable in the issue) a rename fails after the journal: the message says the
    transaction was committed and will be completed, and the next command completes it."""
    from tests.conftest import trial_yaml

    yaml = tmp_path / "t.yaml"
    yaml.write_text(trial_yaml("late2025", "Late A"), encoding="utf-8")
    real_replace = os.replace

    def failing(src, dst, *a, **kw):
        if str(dst).endswith("outcomes.csv") and ".transaction" in str(src):
            raise PermissionError(1, "Operation not permitted", str(dst))
        return real_replace(src, dst, *a, **kw)

    monkeypatch.setattr(txm.os, "replace", failing)
    r = run_cli_inprocess("add-trial", str(yaml), "--data-dir", str(data_copy))
    assert r.returncode == 1
    assert "Operation not permitted" in r.stderr and "was committed" in r.stderr and "will be completed" in r.stderr
    assert "nothing was written" not in r.stderr
    one_line(r.stderr)
    monkeypatch.setattr(txm.os, "replace", real_replace)
    assert txm.recover(data_copy) == "completed"
    assert "late2025" in (data_copy / "outcomes.csv").read_text(encoding="utf-8")
    assert validate(data_copy) == []


# --- workers of execute die with their parent --------------------------------------------------

def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl(PR_SET_PDEATHSIG) is Linux's")
def test_a_worker_dies_with_its_parent(tmp_path):
    code = ("import os, sys, time\n"
            "sys.path.insert(0, %r)\n"
            "from livingreview.build.notebooks import die_with_parent\n"
            "parent = os.getpid()\n"
            "pid = os.fork()\n"
            "if pid == 0:\n"
            "    die_with_parent(parent)\n"
            "    time.sleep(120)\n"
            "    os._exit(0)\n"
            "print(pid, flush=True)\n"
            "time.sleep(120)\n") % str(Path(__file__).resolve().parents[1] / "lib")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    child = int(p.stdout.readline())
    time.sleep(0.5)
    assert _alive(child)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    deadline = time.time() + 20
    while _alive(child) and time.time() < deadline:
        time.sleep(0.1)
    assert not _alive(child)


def test_execute_pool_workers_are_set_to_die_with_parent():
    import inspect

    from livingreview.build import notebooks

    assert "initializer=die_with_parent" in inspect.getsource(notebooks.execute_stale)


# --- every file a notebook reads makes it stale ------------------------------------------------

def test_strategies_are_recorded_as_read_and_an_edit_or_a_new_one_is_stale(tmp_path, data_copy):
    from livingreview import search
    from livingreview.build.notebooks import input_digest, stale_reasons_for_inputs
    from livingreview.data import FILES_READ

    FILES_READ.clear()
    search.strategies(data_copy)
    folder = data_copy / "search" / "strategies"
    assert folder.resolve() in FILES_READ
    assert (folder / "2026-targeted_scan.txt").resolve() in FILES_READ
    root = data_copy.parent
    inputs = {"data/search/strategies": input_digest(folder),
              "data/search/strategies/2026-targeted_scan.txt": input_digest(folder / "2026-targeted_scan.txt")}
    assert stale_reasons_for_inputs(inputs, root) == []
    with open(folder / "2026-targeted_scan.txt", "a", encoding="utf-8") as f:
        f.write("\nedited\n")
    assert len(stale_reasons_for_inputs(inputs, root)) == 2
    inputs = {"data/search/strategies": input_digest(folder)}
    (folder / "2027-pubmed.txt").write_text("new strategy\n", encoding="utf-8")
    assert stale_reasons_for_inputs(inputs, root) == ["data/search/strategies (a file in it) changed"]


# --- closed and full outputs -------------------------------------------------------------------

@pytest.mark.parametrize("command", ["pool {csv} >&-", "search flow --data-dir {data} >&-",
                                     "search strategies --data-dir {data} >&-",
                                     "search status --data-dir {data} >&-"])
def test_closed_stdout_is_one_line_and_exit_1(tmp_path, data_copy, command):
    csv = tmp_path / "x.csv"
    csv.write_text("study_id,outcome,tac_events,tac_total,ctl_events,ctl_total\na,o,1,10,2,10\nb,o,3,10,4,10\n")
    r = sh(f"'{EXE}' " + command.format(csv=csv, data=data_copy))
    assert r.returncode == 1 and "standard output is closed" in r.stderr, r.stderr
    one_line(r.stderr)


def test_full_stdout_on_import_says_it_committed(tmp_path, data_copy):
    export = tmp_path / "e.ris"
    export.write_text("TY  - JOUR\nTI  - A trial of tacrolimus\nPY  - 2021\nER  - \n", encoding="utf-8")
    r = sh(f"'{EXE}' search import '{export}' --round 2026 --database embase --searched-on 2026-11-30 "
           f"--data-dir '{data_copy}' > /dev/full")
    assert r.returncode == 1 and "No space left on device" in r.stderr and "was committed" in r.stderr, r.stderr
    one_line(r.stderr)
    assert validate(data_copy) == []


@pytest.mark.parametrize("command", ["search flow --data-dir {data}", "search strategies --data-dir {data}",
                                     "bibtex --data-dir {data}"])
def test_full_stdout_is_one_line_and_exit_1(data_copy, command):
    r = sh(f"'{EXE}' " + command.format(data=data_copy) + " > /dev/full")
    assert r.returncode == 1 and "No space left on device" in r.stderr, r.stderr
    one_line(r.stderr)
