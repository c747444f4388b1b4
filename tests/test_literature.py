"""The review's Tables 1-4 computed from studies.csv against the figures it printed."""
import shutil

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import livingreview as lr
from livingreview import literature
from livingreview.data import DATA_DIR


@pytest.fixture(scope="module")
def review():
    return lr.load_review()


def test_no_unexplained_mismatch(review):
    bad = literature.unexplained_mismatches(review)
    assert not bad, "printed and computed figures disagree:\n" + "\n".join(bad)


def test_table1_marginals_exactly(review):
    """6/9/2/6 designs, 20/3 ethnicity, 15/6/2 regimens, 13/5/3/2 intentions (Kraaij 2016 Table 1)."""
    t1 = literature.table1(review).set_index("key")["Studies"]
    assert t1[["case_series", "cohort", "case_control", "rct"]].tolist() == [6, 9, 2, 6]
    assert t1[["asian", "non_asian"]].tolist() == [20, 3]
    assert t1[["duo", "triple", "mizoribine"]].tolist() == [15, 6, 2]
    assert t1[["induction", "maintenance", "induction_maintenance", "switch"]].tolist() == [13, 5, 3, 2]
    pct = literature.table1(review).set_index("key")["%"]
    assert pct[["case_series", "cohort", "case_control", "rct"]].tolist() == [26, 39, 9, 26]


def test_table4_patients(review):
    """693 = 291 + 402 patients in the pooled induction trials."""
    t4 = literature.table4(review).set_index("Characteristic")
    assert t4.loc["Patients (N)", ["All", "Duo therapy", "Triple therapy"]].tolist() == ["693", "291", "402"]


def test_table2_known_discrepancy_is_the_only_one(review):
    """The review's Table 2 puts one study under maintenance that Table 1 counts as induction and
    maintenance. ### 2 maintenance/triple and 0 induction_maintenance/triple in Table 2; 1 and 1 here."""
    chk = literature.check_published(review)
    t2 = chk[chk["table"] == "table2"]
    known = t2[t2["status"] == "known discrepancy"]
    assert set(zip(known["row"], known["column"])) == {("maintenance", "triple"), ("induction_maintenance", "triple")}
    assert (t2["status"] != "MISMATCH").all()


def test_quality_scores_disagree_with_text_as_documented(review):
    """### 'median score 4, range 3-5' in the text; Table 3 gives 5, 4, 4, 5, 5, 4 (median 4.5, range 4-5)."""
    comp = literature.computed_marginals(review).set_index(["table", "row", "column"])["computed"]
    assert comp[("text", "quality_score", "median")] == 4.5
    assert comp[("text", "quality_score", "min")] == 4


def test_a_wrong_study_row_is_named(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / "studies.csv"
    studies = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert (studies.loc[studies.study_id == "tse2007", "design"] == "case_series").all()
    studies.loc[studies.study_id == "tse2007", "design"] = "cohort"
    studies.to_csv(path, index=False, lineterminator="\n")
    bad = literature.unexplained_mismatches(lr.load_review(data))
    assert "table1 row 'design', column 'case_series': printed 6, computed 5" in bad
    assert "table1 row 'design', column 'cohort': printed 9, computed 10" in bad


def test_tables_have_all_studies(review):
    assert len(literature.study_list(review, edition=2016)) == 23
    assert len(literature.study_list(review)) == len(review.studies)
    assert len(literature.table3(review)) == 8
    assert set(literature.table2(review).columns) >= {"Treatment intention"}


def test_prisma_diagram_shows_not_reported(review):
    fig = literature.prisma_diagram(review)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("n = 239" in t for t in texts)
    assert any("n = 23" in t for t in texts)
    assert any("not reported" in t for t in texts)
    plt.close(fig)


def test_prisma_diagram_adds_a_column_for_an_update(review):
    extra = pd.DataFrame([{"round": 2031, "stage": "records_identified", "count": 50, "provenance": "reported",
                           "source": "test"},
                          {"round": 2031, "stage": "new_studies_included", "count": 2, "provenance": "reported",
                           "source": "test"}])
    review.search_flow = pd.concat([review.search_flow, extra], ignore_index=True)
    fig = literature.prisma_diagram(review)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "Update 2031" in texts and any("New studies included\nn = 2" == t for t in texts)
    plt.close(fig)


def test_studies_bib_is_current():
    """book/studies.bib is generated from studies.csv: `make notebooks` (livingreview bibtex) refreshes it."""
    from livingreview.data import ROOT

    review = lr.load_review(tables=["studies", "update_register", "labels"])
    expected = literature.bibtex(review.studies, skip_keys=literature.bib_keys(ROOT / "book" / "references.bib"),
                                 register=review.register,
                                 labels={c: review.code_labels(c) for c in ("design", "regimen")})
    assert (ROOT / "book" / "studies.bib").read_text(encoding="utf-8") == expected, "run `make notebooks`"
    keys = literature.bib_keys(ROOT / "book" / "studies.bib") | literature.bib_keys(ROOT / "book" / "references.bib")
    assert set(review.studies["study_id"]) <= keys
    assert set(review.register["study_id"]) <= keys, "every trial of the update register is in the bibliography"


def test_bibtex_uses_verified_fields_and_says_when_title_is_missing():
    studies = pd.DataFrame([
        {"study_id": "abc2020", "first_author": "Abc D", "year": 2020, "title": "A verified title",
         "journal": "Lupus 2020;29(3):100-110", "doi": "10.1000/xyz", "pmid": 123, "trial_registration": None,
         "design": "rct", "regimen": "duo", "confidence": "confirmed"},
        {"study_id": "def2019", "first_author": "Def E", "year": 2019, "title": None,
         "journal": "not verified", "doi": None, "pmid": None, "trial_registration": None,
         "design": "cohort", "regimen": "triple", "confidence": "candidate"}])
    register = pd.DataFrame([{"study_id": "ghi2022", "round": 2026, "first_author": "Ghi F", "year": 2022,
                              "title": "Found later", "journal": None, "doi": None, "registration": "NCT0001",
                              "status": "awaiting_data"}])
    text = literature.bibtex(studies, register=register)
    assert "@article{abc2020" in text and "title = {{A verified title}}" in text
    assert "journal = {Lupus}" in text and "volume = {29}" in text and "number = {3}" in text
    assert "pages = {100--110}" in text and "doi = {10.1000/xyz}" in text and "PMID 123" in text
    assert "@misc{def2019" in text and "title = {{Title not verified}}" in text
    assert "@misc{ghi2022" in text and "awaiting data" in text and "NCT0001" in text


def test_check_published_with_the_tables_page_02_loads():
    # notebook 02 loads only these tables; the code labels (labels.csv) are read when first needed
    r = lr.load_review(tables=["studies", "patient_characteristics", "published_tables"])
    assert r.labels is None
    assert not (literature.check_published(r)["status"] == "MISMATCH").any()
