"""`livingreview add-trial`: valid files are written atomically; any error leaves data untouched."""
import textwrap

import pandas as pd
import pytest

import livingreview as lr
from livingreview.living import TrialFileError, add_trial, current_edition
from tests.conftest import run_cli_inprocess, run_cli_subprocess, snapshot_dir, trial_yaml

GOOD = trial_yaml("new2025", "New A")


@pytest.fixture
def data(data_copy):
    return data_copy


def write(tmp_path, text, name="trial.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return p


def test_good_trial_is_added_with_current_edition(tmp_path, data):
    res = add_trial(write(tmp_path, GOOD), data)
    assert res["edition"] == str(current_edition())
    review = lr.load_review(data)
    row = review.studies.set_index("study_id").loc["new2025"]
    assert row["added_in"] == current_edition() and row["regimen"] == "triple"
    assert ("new2025", "complete_response") in set(zip(review.outcomes["study_id"], review.outcomes["outcome"]))
    assert review.changelog.iloc[-1]["study_id"] == "new2025"
    assert not list(data.glob(".*.tmp"))  # no temporary file left behind


def test_explicit_edition(tmp_path, data):
    add_trial(write(tmp_path, GOOD), data, edition=2031)
    assert lr.load_review(data).studies.set_index("study_id").loc["new2025", "added_in"] == 2031


def test_existing_rows_are_kept_byte_for_byte(tmp_path, data):
    before = (data / "outcomes.csv").read_bytes()
    add_trial(write(tmp_path, GOOD), data)
    assert (data / "outcomes.csv").read_bytes().startswith(before)


BAD = {
    "events_exceed_total": (GOOD.replace("tac_events: 20", "tac_events: 60"), "exceed the arm total", 15),
    "unknown_outcome": (GOOD.replace("outcome: complete_response", "outcome: remission"), "unknown outcome", 14),
    "bad_design": (GOOD.replace("design: rct", "design: trial"), "is not one of", 6),
    "unknown_column": (GOOD.replace("  n_patients: 100", "  patients: 100"), "not a column of studies.csv", 10),
    "duplicate_study": (GOOD.replace("study_id: new2025", "study_id: liu2015"), "not unique", 2),
    "outcome_twice": (GOOD + """  - outcome: complete_response
    tac_events: 20
    tac_total: 50
    ctl_events: 12
    ctl_total: 50
    provenance: reported
    source: second comparison
""", "counted twice", 21),
    "yaml_syntax": (GOOD.replace("  year: 2025", "  year: [2025"), "not valid YAML", None),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_trial_changes_nothing(tmp_path, data, case):
    text, fragment, line = BAD[case]
    path = write(tmp_path, text)
    before = snapshot_dir(data)
    with pytest.raises(TrialFileError) as err:
        add_trial(path, data)
    msgs = [str(p) for p in err.value.problems]
    hits = [p for p in err.value.problems if fragment in p.message]
    assert hits, msgs
    assert hits[0].path == str(path)
    if line is not None:
        assert hits[0].line == line, msgs
    assert snapshot_dir(data) == before
    r = run_cli_inprocess("add-trial", str(path), "--data-dir", str(data))
    assert r.returncode == 1 and "nothing was written" in r.stderr and fragment in r.stderr
    assert snapshot_dir(data) == before


def test_console_command_exit_status(tmp_path, data):
    path = write(tmp_path, GOOD.replace("tac_events: 20", "tac_events: 60"))
    before = snapshot_dir(data)
    r = run_cli_subprocess("add-trial", str(path), "--data-dir", str(data))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"{path}:15: column 'tac_events'" in r.stderr
    assert snapshot_dir(data) == before
    r = run_cli_subprocess("add-trial", str(write(tmp_path, GOOD, "ok.yaml")), "--data-dir", str(data))
    assert r.returncode == 0 and "make notebooks" in r.stdout


def test_multi_arm_controls_are_pooled(tmp_path, data):
    text = GOOD.replace("""    ctl_events: 10
    ctl_total: 50
""", """    ctl_arms:
      - {label: MMF, events: 6, total: 25}
      - {label: IV cyclophosphamide, events: 5, total: 25}
""")
    add_trial(write(tmp_path, text), data)
    o = lr.load_review(data).outcomes.set_index(["study_id", "outcome"]).loc[("new2025", "complete_response")]
    assert (o["ctl_events"], o["ctl_total"], o["tac_total"]) == (11, 50, 50)
    assert "Control arms pooled" in o["source"] and "MMF 6/25" in o["source"]


def test_missing_counts_can_be_registered(tmp_path, data):
    text = GOOD.replace("""    tac_events: 20
    tac_total: 50
    ctl_events: 10
    ctl_total: 50
    provenance: reported""", """    tac_total: 50
    ctl_total: 50
    provenance: missing""")
    add_trial(write(tmp_path, text), data)
    o = lr.load_review(data).outcomes.set_index(["study_id", "outcome"]).loc[("new2025", "complete_response")]
    assert pd.isna(o["tac_events"]) and o["provenance"] == "missing"


def assert_update_consistent(review):
    """The register, the screening decisions, the search flow and studies.csv tell the same story."""
    from livingreview.search import flow_table

    reg = review.register
    included = set(reg.loc[reg["status"] == "included", "study_id"])
    added = set(review.studies.loc[review.studies["added_in"] > 2016, "study_id"])
    assert included == added
    flow = flow_table(review)
    for rnd in sorted(reg["round"].unique()):
        f = flow[flow["round"] == rnd].set_index("stage")["count"]
        r = reg[reg["round"] == rnd]
        assert f["new_studies_included"] == (r["status"] == "included").sum()
        assert f["studies_awaiting_data"] == (r["status"] == "awaiting_data").sum()
        assert f["reports_excluded"] == (r["status"] == "ineligible").sum()
        assert f["reports_assessed"] == len(r) - f["studies_other_methods"]


def test_first_update_is_consistent():
    """The 2026 update: the register, the search flow and studies.csv tell the same story."""
    assert_update_consistent(lr.load_review())


def test_readme_update_path_stays_consistent(tmp_path, data):
    """README, 'Adding or correcting data': `livingreview add-trial FILE.yaml` on a copy of the data, then the
    data validate and the consistency checks of `make test` pass (a new trial and a trial awaiting data)."""
    assert run_cli_subprocess("add-trial", str(write(tmp_path, GOOD)), "--data-dir", str(data),
                               "--edition", "2026").returncode == 0
    zheng = GOOD.replace("new2025", "zheng2022").replace("New A", "Zheng Z").replace("2025", "2022")
    assert run_cli_subprocess("add-trial", str(write(tmp_path, zheng, "zheng.yaml")), "--data-dir", str(data),
                               "--edition", "2026").returncode == 0
    assert lr.validate(data) == []
    review = lr.load_review(data)
    assert_update_consistent(review)
    reg = review.register.set_index("study_id")
    assert reg.loc["new2025", "status"] == "included" and reg.loc["zheng2022", "status"] == "included"
    scr = review.search_screening
    assert scr.loc[(scr["study_id"] == "zheng2022") & (scr["stage"] == "full_text"), "decision"].tolist() == ["include"]
