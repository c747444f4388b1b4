"""The reproduction table: statuses, ambiguity, gaps, and that filling a count is all it takes."""
import shutil

import pandas as pd
import pytest

import livingreview as lr
from livingreview import reproduction
from livingreview.data import DATA_DIR

TABLES = ["outcomes", "published_estimates", "ambiguous_counts"]


@pytest.fixture(scope="module")
def rep():
    return reproduction.reproduction_table(lr.load_review(tables=TABLES)).set_index(["analysis", "outcome", "subgroup"])


def test_sixteen_rows_with_published_values(rep):
    pub = pd.read_csv(DATA_DIR / "published_estimates.csv").set_index(["analysis", "outcome", "subgroup"])
    assert len(rep) == 16
    assert (rep.loc[pub.index, "rr"] == pub["rr"]).all()


def test_triple_total_response_is_reproduced(rep):
    """Bao 2008 and Liu 2015 both have total-response counts: 1.37 (1.21 to 1.56) as printed."""
    row = rep.loc[("efficacy", "total_response", "triple")]
    assert row["status"] == "reproduced"
    assert round(row["our_rr"], 2) == 1.37 and round(row["our_ci_low"], 2) == 1.21


def test_liu_ambiguity_is_reported(rep):
    """### 1.94 (1.45 to 2.61) printed; Liu control 46 gives 1.98 (1.48 to 2.65), 47 gives 1.94 (1.45 to 2.59)."""
    row = rep.loc[("efficacy", "complete_response", "triple")]
    assert row["status"] == "differs"
    assert "46 gives 1.98 (1.48 to 2.65)" in row["reason"] and "47 gives 1.94 (1.45 to 2.59)" in row["reason"]


def test_missing_counts_make_an_estimate_not_reproducible(rep):
    row = rep.loc[("safety", "leucopenia", "all")]
    assert row["status"] == "not_reproducible" and row["our_k"] == 0
    assert "Li 2012" in row["reason"]


def test_reproduction_ignores_later_editions():
    """The 2026 trial (JCN 2017) never enters the reproduction of the 2016 review."""
    rep = reproduction.reproduction_table(lr.load_review(tables=TABLES))
    row = rep[(rep["outcome"] == "complete_response") & (rep["subgroup"] == "all")].iloc[0]
    assert row["k_needed"] == 5


def test_filling_a_count_updates_the_table(tmp_path):
    """A reviewer supplies Mok 2016's total response: the duo row gains a trial, with no other edit."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    p = data / "outcomes.csv"
    text = p.read_text(encoding="utf-8")
    old = [line for line in text.splitlines() if line.startswith("mok2016,total_response,")][0]
    p.write_text(text.replace(old, "mok2016,total_response,60,74,55,76,reported,test"), encoding="utf-8")
    rep = reproduction.reproduction_table(lr.load_review(data, tables=TABLES)).set_index(
        ["analysis", "outcome", "subgroup"])
    assert rep.loc[("efficacy", "total_response", "duo"), "our_k"] == 1
    gaps = reproduction.gaps(lr.load_review(data, tables=TABLES))
    assert not ((gaps["trial"] == "Mok 2016") & (gaps["outcome"] == "total_response")).any()


def test_gaps_name_trial_outcome_and_arm_sizes():
    gaps = reproduction.gaps(lr.load_review(tables=TABLES))
    row = gaps[(gaps["trial"] == "Li 2012") & (gaps["outcome"] == "complete_response")].iloc[0]
    assert row["tac_arm"] == "events of 20" and row["control_arm"] == "events of 40"
    assert "complete_response (all)" in row["blocks"] and "Nephrol Dial Transplant" in row["where_to_look"]
