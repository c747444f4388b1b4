"""`livingreview search`: import of real export layouts, deduplication, screening, PRISMA counts.

Literal record ids, counts and rounds are those of the frozen fixture review (tests/fixtures/review/,
a snapshot of data/ with its 2026 search round; tests write only copies of it). The live data/ is
checked for invariants only (PRISMA counts add up in every round; the printed 2016 flow is kept).
"""
import shutil
from pathlib import Path

import pandas as pd
import pytest

import livingreview as lr
from livingreview import search
from livingreview.data import DATA_DIR
from tests.conftest import run_cli_subprocess, trial_yaml

FIX = Path(__file__).parent / "fixtures" / "search"
REVIEW = Path(__file__).parent / "fixtures" / "review"


@pytest.fixture
def data(tmp_path):
    """A copy of the fixture review."""
    dst = tmp_path / "data"
    shutil.copytree(REVIEW, dst)
    return dst


def records(data):
    return pd.read_csv(data / "search" / "records.csv", dtype=str, keep_default_na=False)


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_medline_export_multiline_title_several_authors_missing_doi():
    recs = search.parse_export(FIX / "pubmed.nbib")
    assert [r.pmid for r in recs] == ["25383558", "11111111", "22222222"]
    assert recs[0].title == "Multitarget therapy for induction treatment of lupus nephritis: a randomized trial."
    assert recs[0].first_author == "Liu Z" and recs[0].doi == "10.7326/M14-1030" and recs[0].year == "2015"
    assert recs[1].doi == "" and recs[1].journal == "Lupus"
    assert recs[2].first_author == "Doe J"


def test_ris_export_pmid_from_accession_number_and_missing_fields():
    recs = search.parse_export(FIX / "embase.ris")
    assert len(recs) == 4
    assert recs[0].pmid == "25383558" and recs[0].first_author == "Liu, Zhihong"
    assert recs[2].journal == "Lupus" and recs[2].doi == ""
    assert recs[3].journal == "" and recs[3].year == "2024"


def test_not_an_export_is_refused(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("just some text\n", encoding="utf-8")
    with pytest.raises(ValueError, match="neither a RIS export"):
        search.parse_export(bad)


@pytest.mark.parametrize("rec, expected", [
    ({"pmid": "1", "doi": "", "title": "x", "year": "2000", "first_author": "A"}, "r1"),           # PMID
    ({"pmid": "", "doi": "10.1/ABC", "title": "other", "year": "1", "first_author": "Z"}, "r1"),    # DOI, any case
    ({"pmid": "", "doi": "", "title": "A  Title, of-it!", "year": "2000", "first_author": "Smith, John"}, "r1"),
    ({"pmid": "", "doi": "", "title": "A title of it", "year": "2001", "first_author": "Smith J"}, None),  # year
    ({"pmid": "", "doi": "", "title": "A title of it", "year": "2000", "first_author": "Jones J"}, None),  # author
    ({"pmid": "9", "doi": "", "title": "A title of it", "year": "2000", "first_author": "Smith J"}, None),  # PMIDs differ
])
def test_deduplication_rules(rec, expected):
    kept = [{"record_id": "r1", "pmid": "1", "doi": "10.1/abc", "title": "A title of it", "year": "2000",
             "first_author": "Smith J"}]
    assert search.find_duplicate(rec, kept) == expected


def test_import_deduplicates_across_databases_and_rounds_and_is_idempotent(data):
    fixed = snapshot(data)
    res = search.import_export(FIX / "pubmed.nbib", 2027, "pubmed", "2026-01-10", data)
    assert res == {"added": 3, "duplicates": 0, "skipped": 0, "search_logged": True}
    res = search.import_export(FIX / "embase.ris", 2027, "embase", "2026-01-11", data)
    assert res["added"] == 4 and res["duplicates"] == 3
    r = records(data).set_index("record_id")
    assert r.loc["2027-embase-0001", "duplicate_of"] == "2027-pubmed-0001"   # PMID
    assert r.loc["2027-embase-0002", "duplicate_of"] == "2027-pubmed-0003"   # DOI, case-insensitive
    assert r.loc["2027-embase-0003", "duplicate_of"] == "2027-pubmed-0002"   # title + year + author
    assert r.loc["2027-embase-0004", "duplicate_of"] == ""
    before = snapshot(data)
    for f, db in (("pubmed.nbib", "pubmed"), ("embase.ris", "embase")):
        res = search.import_export(FIX / f, 2027, db, "2026-01-11", data)
        assert res["added"] == 0 and not res["search_logged"]
    assert snapshot(data) == before
    # the next round: everything is a duplicate of the earlier round
    res = search.import_export(FIX / "embase.ris", 2028, "embase", "2026-02-01", data)
    assert res["added"] == 4 and res["duplicates"] == 4
    assert lr.validate(data) == []
    assert set(before) - set(fixed) == set()  # no file other than the search tables was created


def test_cli_import_bad_input_changes_nothing(data, tmp_path):
    before = snapshot(data)
    bad = tmp_path / "x.ris"
    bad.write_text("not an export\n", encoding="utf-8")
    for args in (["import", str(bad), "--round", "2027", "--database", "embase"],
                 ["import", str(FIX / "embase.ris"), "--round", "2027", "--database", "Em/Base"],
                 ["import", str(FIX / "embase.ris"), "--round", "2027", "--database", "embase",
                  "--searched-on", "11/01/2027"],
                 ["screen", "2026-targeted_scan-0001", "--stage", "full_text", "--decision", "exclude",
                  "--reviewer", "x"],
                 ["screen", "9999-nowhere-0001", "--stage", "title_abstract", "--decision", "include",
                  "--reviewer", "x"]):
        r = run_cli_subprocess("search", *args, "--data-dir", str(data))
        assert r.returncode == 1 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert snapshot(data) == before


def test_screening_through_the_cli_and_status(data):
    assert run_cli_subprocess("search", "import", str(FIX / "pubmed.nbib"), "--round", "2027", "--database",
                              "pubmed", "--searched-on", "2026-01-10", "--data-dir", str(data)).returncode == 0
    r = run_cli_subprocess("search", "status", "--round", "2027", "--data-dir", str(data))
    assert "3 left to screen on title/abstract" in r.stdout
    for rid, dec in (("2027-pubmed-0001", "exclude"), ("2027-pubmed-0002", "exclude"), ("2027-pubmed-0003", "include")):
        assert run_cli_subprocess("search", "screen", rid, "--stage", "title_abstract", "--decision", dec,
                                  "--reviewer", "TK", "--date", "2026-01-12", "--data-dir", str(data)).returncode == 0
    r = run_cli_subprocess("search", "screen", "2027-pubmed-0003", "--stage", "full_text", "--decision", "exclude",
                           "--reason", "wrong_design", "--reviewer", "TK", "--data-dir", str(data))
    assert r.returncode == 0
    r = run_cli_subprocess("search", "status", "--round", "2027", "--data-dir", str(data))
    assert "0 left to screen on title/abstract, 0 left at full text" in r.stdout
    r = run_cli_subprocess("search", "flow", "--round", "2027", "--data-dir", str(data))
    flow = dict(line.split(",")[1:] for line in r.stdout.splitlines()[1:])
    assert r.stdout.startswith("round,stage,count\n")
    assert flow["records_identified"] == "3" and flow["records_excluded"] == "2"
    assert flow["reports_excluded:wrong_design"] == "1" and flow["new_studies_included"] == "0"
    assert lr.validate(data) == []


SCREEN_HEADER = "record_id,stage,decision,reason,study_id,reviewer,date,note\n"


@pytest.mark.parametrize("row, message", [
    ("9999-x-0001,title_abstract,include,,,TK,2027-01-01,", "column 'record_id': unknown record_id '9999-x-0001' (not in search/records.csv)"),
    ("2026-targeted_scan-0001,title_abstract,maybe,,,TK,2027-01-01,", "column 'decision': 'maybe' is not one of"),
    ("2026-targeted_scan-0001,title_abstract,awaiting_data,,,TK,2027-01-01,",
     "'awaiting_data' is not a title_abstract decision"),
    ("2026-targeted_scan-0001,title_abstract,include,,,TK,2027-01-01,", "duplicate key 2026-targeted_scan-0001"),
    ("2026-targeted_scan-0004,full_text,exclude,,kamanamool2018,TK,2027-01-01,", "column 'reason': required"),
    ("2026-targeted_scan-0004,full_text,exclude,bad_reason,kamanamool2018,TK,2027-01-01,", "'bad_reason' is not one"),
])
def test_screening_validation(data, row, message):
    path = data / "search" / "screening.csv"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    if row.split(",")[:2] == ["2026-targeted_scan-0004", "full_text"]:
        lines = [ln for ln in lines if not ln.startswith("2026-targeted_scan-0004,full_text")]
    path.write_text("".join(lines) + row + "\n", encoding="utf-8")
    problems = [str(p) for p in lr.validate(data)]
    line = len(lines) + 1
    assert any(p.startswith(f"{path}:{line}:") and message in p for p in problems) or \
        any(message in p and f"screening.csv:{line}:" in p for p in problems), problems


def test_full_text_needs_title_abstract_include(data):
    path = data / "search" / "screening.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [ln for ln in lines if not ln.startswith("2026-targeted_scan-0002,title_abstract")]
    path.write_text("".join(kept), encoding="utf-8")
    problems = [str(p) for p in lr.validate(data)]
    assert any("full-text decision on '2026-targeted_scan-0002' without a title/abstract include" in p
               for p in problems)


def test_register_and_screening_must_agree(data):
    path = data / "update_register.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("awaiting_data,\"Eligible", "ineligible,\"Eligible"),
                    encoding="utf-8")
    problems = [str(p) for p in lr.validate(data)]
    assert any("'awaiting_data' but update_register.csv says 'ineligible' for 'zheng2022'" in p for p in problems)


def flow_dicts(review):
    flow = search.prisma_flow(review)
    return {rnd: g.set_index("stage")["count"].to_dict() for rnd, g in flow.groupby("round")}


def assert_adds_up(f):
    assert f["records_identified"] == sum(v for k, v in f.items() if k.startswith("records_identified:"))
    assert f["records_identified"] - f["duplicates_removed"] == f["records_screened"] + f.get(
        "records_awaiting_screening", 0)
    assert f["records_screened"] - f["records_excluded"] == f["reports_assessed"] + f.get(
        "reports_awaiting_assessment", 0)
    assert f["reports_excluded"] == sum(v for k, v in f.items() if k.startswith("reports_excluded:"))
    assert f["reports_assessed"] - f["reports_excluded"] - f["studies_awaiting_data"] == (
        f["new_studies_included"] - f["studies_other_methods"])
    assert f["new_studies_meta_analysis"] <= f["new_studies_included"]


def test_prisma_counts_add_up_in_every_round_of_the_live_data():
    flows = flow_dicts(lr.load_review())
    for rnd, f in flows.items():
        assert_adds_up(f)


def test_prisma_counts_add_up_in_every_round(data):
    search.import_export(FIX / "pubmed.nbib", 2027, "pubmed", "2026-01-10", data)
    search.import_export(FIX / "embase.ris", 2027, "embase", "2026-01-11", data)
    search.record_decision("2027-pubmed-0001", "title_abstract", "exclude", "TK", data_dir=data)
    flows = flow_dicts(lr.load_review(data))
    assert set(flows) == {2026, 2027}
    for f in flows.values():
        assert_adds_up(f)
    assert flows[2027]["records_awaiting_screening"] == 3 and flows[2027]["duplicates_removed"] == 3
    assert flows[2026] == {**flows[2026], "records_identified": 5, "reports_assessed": 5, "reports_excluded": 2,
                           "studies_awaiting_data": 2, "new_studies_included": 1}


def test_live_flow_table_keeps_the_printed_2016_flow():
    """Invariant: rounds with records are derived; the 2016 round keeps the printed counts of the snapshot."""
    live, frozen = search.flow_table(lr.load_review()), search.flow_table(lr.load_review(REVIEW))
    assert (live.loc[live["round"] > 2016, "provenance"] == "derived").all()
    cols = ["stage", "count", "provenance"]
    assert live.loc[live["round"] == 2016, cols].reset_index(drop=True).equals(
        frozen.loc[frozen["round"] == 2016, cols].reset_index(drop=True))


def test_flow_table_keeps_2016_printed_and_derives_2026():
    review = lr.load_review(REVIEW)
    flow = search.flow_table(review)
    f2016 = flow[flow["round"] == 2016].set_index("stage")
    assert f2016.loc["records_identified", "count"] == 239 and f2016.loc["records_identified", "provenance"] == "reported"
    f2026 = flow[flow["round"] == 2026]
    assert (f2026["provenance"] == "derived").all() and not f2026["stage"].str.contains(":").any()
    assert search.last_search_date(review) == "2026-11-26"


def test_strategies_are_listed():
    s = search.strategies(REVIEW)
    assert {(2016, "pubmed"), (2026, "targeted_scan")} <= set(zip(s["round"], s["database"]))
    assert '"Lupus Nephritis"[Mesh]' in s.set_index("database").loc["pubmed", "text"]
    assert "NOT a full systematic search" in s.set_index("database").loc["targeted_scan", "text"]


def test_no_working_tree_paths_in_data_sources():
    for name in ("update_register.csv", "search_flow.csv"):
        text = (DATA_DIR / name).read_text(encoding="utf-8")
        assert "shared/" not in text and "data/" not in text, name


def test_update_flow_line_is_singular_for_one_study():
    from livingreview import facts

    assert facts.count_words(1, ("new study included", "new studies included")) == "1 new study included"
    assert facts.count_words(2, ("new study included", "new studies included")) == "2 new studies included"
    text = facts.update_flow_markdown(lr.load_review())
    assert "1 new studies" not in text and "1 records identified" not in text


@pytest.mark.parametrize("typed, code", [("PubMed", "pubmed"), ("pubmed", "pubmed"), ("Web of Science", "web_of_science"),
                                         ("web-of-science", "web_of_science"), ("EMBASE", "embase"),
                                         ("CENTRAL", "cochrane_central"), (" Cochrane  CENTRAL ", "cochrane_central"),
                                         ("MEDLINE", "pubmed"), ("Targeted scan", "targeted_scan")])
def test_database_names_as_users_write_them(typed, code):
    assert search.normalise_database(typed) == code


def test_import_takes_the_database_name_as_written_and_stores_the_code(data):
    r = run_cli_subprocess("search", "import", str(FIX / "pubmed.nbib"), "--round", "2027", "--database", "PubMed",
                           "--searched-on", "2026-11-10", "--data-dir", str(data))
    assert r.returncode == 0, r.stderr
    r = run_cli_subprocess("search", "import", str(FIX / "embase.ris"), "--round", "2027", "--database",
                           "Web of Science", "--searched-on", "2026-11-10", "--data-dir", str(data))
    assert r.returncode == 0, r.stderr
    rec = records(data)
    assert set(rec.loc[rec["round"] == "2027", "database"]) == {"pubmed", "web_of_science"}
    assert "2027-web_of_science-0001" in set(rec["record_id"])
    assert lr.validate(data) == []
    # shown with the proper names
    assert search.DATABASE_LABELS["web_of_science"] == "Web of Science"


def _screen(data, rid, stage, decision, *extra):
    return run_cli_subprocess("search", "screen", rid, "--stage", stage, "--decision", decision, *extra,
                              "--reviewer", "TK", "--date", "2026-11-12", "--data-dir", str(data))


def test_full_text_include_before_add_trial_awaits_extraction_then_add_trial_links_it(data, tmp_path):
    """The order of the workflow page: screen at full text (include), then extract with add-trial."""
    assert search.import_export(FIX / "pubmed.nbib", 2027, "pubmed", "2026-11-10", data)["added"] == 3
    assert _screen(data, "2027-pubmed-0003", "title_abstract", "include").returncode == 0
    r = _screen(data, "2027-pubmed-0003", "full_text", "include", "--study-id", "doe2020")
    assert r.returncode == 0, r.stderr
    assert lr.validate(data) == []
    review = lr.load_review(data)
    reg = review.register.set_index("study_id")
    assert reg.loc["doe2020", "status"] == "awaiting_extraction" and reg.loc["doe2020", "round"] == 2027
    assert "doe2020" not in set(review.studies["study_id"])
    f = flow_dicts(review)[2027]
    assert f["new_studies_included"] == 1 and f["studies_awaiting_extraction"] == 1
    assert f["new_studies_meta_analysis"] == 0
    assert_adds_up(f)
    from livingreview.update_status import checklist

    items = checklist(data, notebooks=False)
    assert any("without extracted data" in it.what and "doe2020" in it.details for it in items)

    trial = tmp_path / "doe2020.yaml"
    trial.write_text(trial_yaml("doe2020", "Doe J").replace("year: 2025", "year: 2020\n  added_in: 2027"),
                     encoding="utf-8")
    r = run_cli_subprocess("add-trial", str(trial), "--data-dir", str(data))
    assert r.returncode == 0, r.stderr
    review = lr.load_review(data)
    reg = review.register.set_index("study_id")
    assert reg.loc["doe2020", "status"] == "included"
    assert reg.loc["doe2020", "design"] == "rct" and reg.loc["doe2020", "phase"] == "induction"
    f = flow_dicts(review)[2027]
    assert f["new_studies_included"] == 1 and "studies_awaiting_extraction" not in f
    assert f["new_studies_meta_analysis"] == 1 and f["studies_other_methods"] == 0
    assert_adds_up(f)
    assert not any("without extracted data" in it.what for it in checklist(data, notebooks=False))


def test_full_text_decisions_register_their_study(data):
    search.import_export(FIX / "pubmed.nbib", 2027, "pubmed", "2026-11-10", data)
    for rid in ("2027-pubmed-0001", "2027-pubmed-0002"):
        assert _screen(data, rid, "title_abstract", "include").returncode == 0
    assert _screen(data, "2027-pubmed-0001", "full_text", "exclude", "--reason", "wrong_design",
                   "--study-id", "liu2015").returncode == 1  # a study of the 2016 review is not in the register
    r = _screen(data, "2027-pubmed-0002", "full_text", "awaiting_data", "--study-id", "other2024")
    assert r.returncode == 0, r.stderr
    reg = lr.load_review(data).register.set_index("study_id")
    assert reg.loc["other2024", "status"] == "awaiting_data"
    # a conflicting decision on a registered study is refused, naming the status
    before = snapshot(data)
    r = _screen(data, "2027-pubmed-0002", "full_text", "exclude", "--reason", "wrong_design", "--study-id", "other2024")
    assert r.returncode == 1 and "has status 'awaiting_data'" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert snapshot(data) == before


def test_update_status_is_one_checklist_ready_when_nothing_is_left(data):
    r = run_cli_subprocess("update", "status", "--data-dir", str(data))
    assert r.returncode == 0 and "ready to commit" in r.stdout, r.stdout + r.stderr
    search.import_export(FIX / "pubmed.nbib", 2027, "PubMed", "2026-11-10", data)
    r = run_cli_subprocess("update", "status", "--data-dir", str(data))
    assert r.returncode == 1 and "3 record(s) to screen" in r.stdout and "2027-pubmed-0002" in r.stdout
    assert "livingreview search screen" in r.stdout and "not ready: 1 item(s) left" in r.stdout


def test_register_rules_of_a_trial_awaiting_extraction(data):
    path = data / "update_register.csv"
    text = path.read_text(encoding="utf-8")
    # jcn2017 is in studies.csv: it cannot be awaiting extraction
    path.write_text(text.replace(",rct,induction,included,", ",rct,induction,awaiting_extraction,", 1), encoding="utf-8")
    problems = [str(p) for p in lr.validate(data)]
    assert any("'jcn2017' is in studies.csv: its status is 'included'" in p for p in problems), problems
    # an included trial gives its design and phase
    path.write_text(text.replace(",rct,induction,included,", ",,induction,included,", 1), encoding="utf-8")
    problems = [str(p) for p in lr.validate(data)]
    assert any("update_register.csv:2: column 'design': required for an included trial" in p for p in problems), problems
