"""add-trial is one locked transaction (issue 12): concurrent writers, SIGKILL at any moment,
interrupted journals, line-ending styles and BOMs."""
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from livingreview import transaction as txm
from livingreview.data import validate
from livingreview.living import add_trial
from tests.conftest import run_cli_inprocess, snapshot_dir
from tests.test_adversarial_yaml import GOOD


def trial(tmp_path, study_id):
    p = tmp_path / f"{study_id}.yaml"
    p.write_text(textwrap.dedent(GOOD).lstrip("\n").replace("adv2025", study_id), encoding="utf-8")
    return p


def state(data, study_id):
    """(in studies, in outcomes, in changelog) for one study."""
    return tuple(f",{study_id}," in "," + (data / n).read_text(encoding="utf-8").replace("\n", ",\n,") + ","
                 for n in ("studies.csv", "outcomes.csv", "changelog.csv"))


def test_two_concurrent_add_trials_both_land(tmp_path, data_copy):
    exe = os.path.join(os.path.dirname(sys.executable), "livingreview")
    env = dict(os.environ, LIVINGREVIEW_TX_PAUSE="0.2")  # spread the renames out
    procs = [subprocess.Popen([exe, "add-trial", str(trial(tmp_path, s)), "--data-dir", str(data_copy)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for s in ("conca2025", "concb2025")]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    for out, err, code in results:
        assert "Traceback" not in err
        assert code == 0 or "another livingreview command" in err, err
    for s, (_, _, code) in zip(("conca2025", "concb2025"), results):
        assert state(data_copy, s) == ((True,) * 3 if code == 0 else (False,) * 3)
    assert validate(data_copy) == []


def test_second_writer_is_refused_cleanly_after_timeout(tmp_path, data_copy):
    before = snapshot_dir(data_copy)
    with txm.data_transaction(data_copy):
        lock = txm._lock(data_copy, timeout=0.2)
        with pytest.raises(txm.DataLockedError, match="another livingreview command"):
            txm._acquire(lock, data_copy)
    assert snapshot_dir(data_copy) == before


def _add(path, data):
    add_trial(path, data)


N_KILL_ROUNDS = 36


def test_sigkill_during_add_trial_leaves_each_trial_wholly_in_or_out(tmp_path, data_copy):
    """At least 20 SIGKILLs at random moments (steps spread out by a test pause), then recovery."""
    ctx = multiprocessing.get_context("fork")
    rng = random.Random(12)
    os.environ["LIVINGREVIEW_TX_PAUSE"] = "0.03"
    kills, landed, recovered = 0, 0, []
    try:
        p = ctx.Process(target=_add, args=(trial(tmp_path, "calib2025"), data_copy))
        start = time.perf_counter()
        p.start()
        p.join()
        full = time.perf_counter() - start  # one whole add-trial: kill times spread over it
        for i in range(N_KILL_ROUNDS):
            sid = f"kill{chr(97 + i // 26)}{chr(97 + i % 26)}2025"  # valid ids: killaa2025, killab2025, …
            p = ctx.Process(target=_add, args=(trial(tmp_path, sid), data_copy))
            p.start()
            time.sleep(rng.uniform(0.3 * full, 0.95 * full))
            if p.is_alive():
                os.kill(p.pid, signal.SIGKILL)
                kills += 1
            p.join()
            recovered.append(txm.recover(data_copy))
            s = state(data_copy, sid)
            assert s in ((True,) * 3, (False,) * 3), (sid, s)
            landed += s[0]
            assert not (data_copy / txm.STAGE_NAME).exists()
        assert kills >= 20
        print(f"{kills} SIGKILLs, {landed} of {N_KILL_ROUNDS} trials landed, recovery: "
              f"{ {r: recovered.count(r) for r in set(recovered)} }")
        assert validate(data_copy) == []
    finally:
        del os.environ["LIVINGREVIEW_TX_PAUSE"]


def test_interrupted_before_journal_rolls_back(data_copy):
    before = snapshot_dir(data_copy)
    stage = data_copy / txm.STAGE_NAME / "files"
    stage.mkdir(parents=True)
    (stage / "studies.csv").write_bytes(b"half")
    r = run_cli_inprocess("validate", str(data_copy))
    assert r.returncode == 0, r.stderr
    assert snapshot_dir(data_copy) == before


def test_interrupted_after_journal_rolls_forward(data_copy):
    new = (data_copy / "changelog.csv").read_bytes() + b"2026-01-02,2026,corrected,,journal test\n"
    stage = data_copy / txm.STAGE_NAME
    (stage / "files").mkdir(parents=True)
    (stage / "files" / "changelog.csv").write_bytes(new)
    (stage / "journal.json").write_text(json.dumps({"version": 1, "files": {"changelog.csv": txm._digest(new)}}))
    assert validate(data_copy) == []
    assert (data_copy / "changelog.csv").read_bytes() == new and not stage.exists()


def test_corrupt_journal_is_refused_naming_it(data_copy):
    stage = data_copy / txm.STAGE_NAME
    stage.mkdir()
    (stage / "journal.json").write_text("{not json")
    before = snapshot_dir(data_copy)
    r = run_cli_inprocess("validate", str(data_copy))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "journal.json" in r.stderr and "interrupted transaction" in r.stderr
    assert snapshot_dir(data_copy) == before


@pytest.mark.parametrize("eol", [b"\r\n", b"\r"])
def test_append_keeps_line_ending_style(tmp_path, data_copy, eol):
    for n in ("studies.csv", "outcomes.csv", "changelog.csv"):
        p = data_copy / n
        p.write_bytes(p.read_bytes().replace(b"\n", eol))
    add_trial(trial(tmp_path, "eola2025"), data_copy)
    for n in ("studies.csv", "outcomes.csv", "changelog.csv"):
        b = (data_copy / n).read_bytes()
        assert b.endswith(eol)
        if eol == b"\r":
            assert b"\n" not in b
        else:
            assert b.count(b"\n") == b.count(b"\r\n")
    assert validate(data_copy) == []


def test_studies_with_bom_works_in_add_trial(tmp_path, data_copy):
    p = data_copy / "studies.csv"
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    assert validate(data_copy) == []
    r = run_cli_inprocess("add-trial", str(trial(tmp_path, "boma2025")), "--data-dir", str(data_copy))
    assert r.returncode == 0, r.stderr
    assert p.read_bytes().startswith(b"\xef\xbb\xbfstudy_id,") and state(data_copy, "boma2025") == (True,) * 3
