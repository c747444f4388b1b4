"""Hostile and careless trial files (issue 12): a one-line message naming file, line and key,
exit 1, no traceback, and data byte-identical afterwards."""
import textwrap

import pytest

from tests.conftest import run_cli_inprocess, snapshot_dir, trial_yaml

GOOD = trial_yaml("adv2025", "Adv A")
COUNTS = """    tac_events: 20
    tac_total: 50
    ctl_events: 10
    ctl_total: 50
"""


def arms(ctl):
    """GOOD with its control arm given as ``ctl_arms`` (a list of ``(events, total)``)."""
    body = "    tac_events: 20\n    tac_total: 50\n    ctl_arms:\n" + "".join(
        f"      - label: arm{i}\n        events: {e}\n        total: {t}\n" for i, (e, t) in enumerate(ctl))
    return GOOD.replace(COUNTS, body)


# case: (yaml text or bytes, fragment of the message, line of the message or None)
CASES = {
    "duplicate_count_key": (GOOD.replace("tac_events: 20\n", "tac_events: 20\n    tac_events: 5\n"),
                            "given twice", 16),
    "duplicate_study_block": (GOOD.replace("outcomes:", "study:\n  study_id: other\noutcomes:"), "given twice", 13),
    "alias_bomb": ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                   "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n", "anchors and aliases are not allowed", 1),
    "self_alias": ("x: &a [*a]\n", "anchors and aliases are not allowed", 1),
    "deep_nesting": ("[" * 50_000 + "]" * 50_000 + "\n", "nested more than", 1),
    "latin1_byte": (GOOD.lstrip("\n").replace("Adv A", "Adv \xe9").encode("latin-1"), "not UTF-8", 3),
    "nul_byte": (GOOD.replace("Adv A", "Adv \x00"), "NUL", 3),
    "outcome_is_a_list": (GOOD.replace("- outcome: complete_response", "- outcome: [complete_response]"),
                          "single value", 14),
    "count_null": (GOOD.replace("tac_events: 20", "tac_events: null"), "is empty but provenance", 15),
    "count_word": (GOOD.replace("tac_events: 20", "tac_events: six"), "not a whole number", 15),
    "count_20_digits": (GOOD.replace("tac_events: 20", "tac_events: 123456789012345678901"), "too large", None),
    "python_object": (GOOD.replace("Adv A", "!!python/object/apply:os.system ['true']"), "not valid YAML", 3),
    "not_a_mapping": ("- just\n- a list\n", "needs a mapping", 1),
    "syntax_error": ("study: [unclosed\n", "not valid YAML", None),
    "arm_fraction": (arms([(6.7, 20), (5.6, 30)]), "ctl_arms[0] (arm0): events 6.7 is not a whole number", 18),
    "arm_negative": (arms([(-5, 20), (15, 30)]), "ctl_arms[0] (arm0): events -5 must be between", 18),
    "arm_over_total": (arms([(5, 25), (30, 25)]), "ctl_arms[1] (arm1): events (30) exceed the arm total (25)", 21),
    "arm_zero_total": (arms([(0, 0), (5, 25)]), "ctl_arms[0] (arm0): total must be above 0", 18),
    "arm_word": (arms([("six", 20), (5, 25)]), "ctl_arms[0] (arm0): events 'six' is not a whole number", 18),
    "arm_huge": (arms([(1, 10**20), (5, 25)]), "must be between", 18),
    "arm_null_total": (arms([(1, "null"), (5, 25)]), "total None is not a whole number", 18),
}


def write(path, content):
    if isinstance(content, str):
        content = textwrap.dedent(content).lstrip("\n").encode("utf-8")
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_trial_file(tmp_path, data_copy, case):
    text, fragment, line = CASES[case]
    trial = write(tmp_path / "trial.yaml", text)
    before = snapshot_dir(data_copy)
    r = run_cli_inprocess("add-trial", str(trial), "--data-dir", str(data_copy))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert fragment in r.stderr, r.stderr
    hit = next(ln for ln in r.stderr.splitlines() if fragment in ln)
    where = f"{trial}:{line}:" if line is not None else f"{trial}"
    assert where in hit, r.stderr
    assert snapshot_dir(data_copy) == before


def test_yaml_path_is_a_directory(tmp_path, data_copy):
    before = snapshot_dir(data_copy)
    r = run_cli_inprocess("add-trial", str(tmp_path), "--data-dir", str(data_copy))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "a directory, not a regular file" in r.stderr and str(tmp_path) in r.stderr
    assert snapshot_dir(data_copy) == before


def test_oversized_yaml_is_refused(tmp_path, data_copy):
    trial = write(tmp_path / "big.yaml", GOOD + "# " + "x" * 300_000 + "\n")
    r = run_cli_inprocess("add-trial", str(trial), "--data-dir", str(data_copy))
    assert r.returncode == 1 and "more than the limit" in r.stderr


def test_good_multi_arm_entry_is_summed(tmp_path, data_copy):
    trial = write(tmp_path / "trial.yaml", arms([(6, 20), (5, 30)]))
    r = run_cli_inprocess("add-trial", str(trial), "--data-dir", str(data_copy))
    assert r.returncode == 0, r.stderr
    last = (data_copy / "outcomes.csv").read_text(encoding="utf-8").splitlines()[-1]
    assert last.startswith("adv2025,complete_response,20,50,11,50,")
