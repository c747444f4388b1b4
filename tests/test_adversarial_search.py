"""The search end validates before it writes (issue 19): hostile and careless exports and screening
decisions are refused with a one-line message naming the file and line, exit 1, no traceback, and the
data byte-identical; what is imported validates; deduplication is linear."""
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from livingreview import search
from livingreview.data import validate
from tests.conftest import run_cli_inprocess, snapshot_dir

EXE = shutil.which("livingreview") or str(Path(sys.executable).with_name("livingreview"))

RIS_OK = """TY  - JOUR
AU  - Doe, Jane
TI  - Tacrolimus in lupus nephritis: a trial
JO  - Lupus
PY  - 2021
DO  - 10.1000/adv.1
ER  - 

"""


def ris(title="Tacrolimus in lupus nephritis: a trial", year="2021", extra="", doi="10.1000/adv.1"):
    return (f"TY  - JOUR\nAU  - Doe, Jane\nTI  - {title}\nJO  - Lupus\nPY  - {year}\n"
            + (f"DO  - {doi}\n" if doi else "") + extra + "ER  - \n\n")


def medline(pmid="34567890", title="Tacrolimus in lupus nephritis", extra=""):
    return f"PMID- {pmid}\nTI  - {title}\n{extra}AU  - Doe J\nDP  - 2021 Jan\nTA  - Lupus\n\n"


def imp(data, path, *more, round="2026", db="embase", on="2026-11-30"):
    return run_cli_inprocess("search", "import", str(path), "--round", round, "--database", db,
                             "--searched-on", on, "--data-dir", str(data), *more)


def refused(res, *needles):
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    for n in needles:
        assert n in res.stderr, res.stderr


def write(tmp_path, text, name="export.ris"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8", newline="")
    return p


# --- bounded, regular inputs -----------------------------------------------------------------

def test_device_is_refused_without_reading_it(data_copy):
    before = snapshot_dir(data_copy)
    r = subprocess.run([EXE, "search", "import", "/dev/zero", "--round", "2026", "--database", "embase",
                        "--data-dir", str(data_copy)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "a device, not a regular file" in r.stderr and "Traceback" not in r.stderr
    assert snapshot_dir(data_copy) == before


def test_fifo_is_refused_without_blocking(tmp_path, data_copy):
    fifo = tmp_path / "export.ris"
    os.mkfifo(fifo)
    before = snapshot_dir(data_copy)
    r = subprocess.run([EXE, "search", "import", str(fifo), "--round", "2026", "--database", "embase",
                        "--data-dir", str(data_copy)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "a named pipe, not a regular file" in r.stderr
    assert snapshot_dir(data_copy) == before


@pytest.mark.parametrize("where", ["empty", "root", "file", "missing"])
def test_data_dir_must_be_a_data_folder_and_is_never_created(tmp_path, where):
    export = write(tmp_path, RIS_OK)
    folder = {"empty": tmp_path / "empty", "root": Path("/"), "file": export, "missing": tmp_path / "nope"}[where]
    if where == "empty":
        folder.mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    for args in (["import", str(export), "--round", "2026", "--database", "embase"],
                 ["screen", "2026-embase-0001", "--stage", "title_abstract", "--decision", "include",
                  "--reviewer", "TK"], ["strategies"], ["status"], ["flow"]):
        r = run_cli_inprocess("search", *args, "--data-dir", str(folder))
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert str(folder) in r.stderr and "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no lock, no folder
    if where == "empty":
        assert list(folder.iterdir()) == []
    assert not Path("/search").exists()


# --- records the schema (or the site) would refuse are refused at entry ------------------------

@pytest.mark.parametrize("text, needles", [
    (ris(title="A title with a NUL \x00 in it"), ["export.ris:1:", "title: control character U+0000"]),
    (ris(title="Escape \x1b[31m red"), ["export.ris:1:", "U+001B"]),
    (RIS_OK + ris(year="1850", doi="10.1000/adv.2"), ["export.ris:9:", "year: 1850 is outside"]),
    (ris(title="x" * 131_073), ["export.ris:1:", "title: 131073 characters"]),
    (ris(doi="10.1234/x},url={javascript:alert(1)}"), ["export.ris:1:", "doi:", "is not a DOI"]),
    ("TY  - JOUR\nER  - \n\n", ["export.ris:1:", "an empty record"]),
    (RIS_OK + "TY  - JOUR\nTI  - Truncated record\nPY  - 2020\n", ["export.ris:9:", "no 'ER  -' end line"]),
    (RIS_OK.replace("ER  - \n", "") + ris(doi="10.1000/adv.2"), ["export.ris:8:", "before the record of line 1"]),
    (RIS_OK + medline(), ["export.ris:9:", "MEDLINE record (PMID-) in a RIS export"]),
])
def test_bad_ris_is_refused_naming_file_and_line(tmp_path, data_copy, text, needles):
    before = snapshot_dir(data_copy)
    refused(imp(data_copy, write(tmp_path, text)), *needles, "nothing was written")
    assert snapshot_dir(data_copy) == before


@pytest.mark.parametrize("text, needles", [
    (medline(pmid="12ab34"), ["export.nbib:1:", "is not a PubMed identifier"]),
    (medline(pmid="0"), ["export.nbib:1:", "pmid: '0'"]),
    (medline() + medline(pmid="34567891", extra="odd continuation without indent\n"),
     ["export.nbib:9:", "not a MEDLINE line"]),
    ("  indented first line\n" + medline(), ["export.nbib:1:", "continuation line"]),
])
def test_bad_medline_is_refused_naming_file_and_line(tmp_path, data_copy, text, needles):
    before = snapshot_dir(data_copy)
    refused(imp(data_copy, write(tmp_path, text, "export.nbib"), db="pubmed"), *needles)
    assert snapshot_dir(data_copy) == before


@pytest.mark.parametrize("args, needle", [
    (["--round", "10000"], "--round: '10000'"),
    (["--round", "2015"], "--round: '2015'"),
    (["--searched-on", "2999-01-01"], "2999-01-01 is in the future"),
    (["--searched-on", "2026-13-01"], "is not a date"),
])
def test_bad_round_or_date_is_refused(tmp_path, data_copy, args, needle):
    before = snapshot_dir(data_copy)
    base = {"--round": "2026", "--searched-on": "2026-11-30"}
    base.update(dict(zip(args[::2], args[1::2])))
    r = run_cli_inprocess("search", "import", str(write(tmp_path, RIS_OK)), "--database", "embase",
                          "--data-dir", str(data_copy), *[x for kv in base.items() for x in kv])
    refused(r, needle)
    assert snapshot_dir(data_copy) == before


def test_the_10000th_record_of_a_round_validates(tmp_path, data_copy):
    text = "".join(ris(title=f"Record number {i}", doi=f"10.1000/n.{i}") for i in range(10_001))
    r = imp(data_copy, write(tmp_path, text))
    assert r.returncode == 0, r.stderr
    ids = (data_copy / "search" / "records.csv").read_text(encoding="utf-8")
    assert "2026-embase-10000," in ids and "2026-embase-10001," in ids
    assert validate(data_copy) == []
    assert run_cli_inprocess("search", "status", "--data-dir", str(data_copy)).returncode == 0


def test_a_good_export_validates_and_reimport_adds_nothing(tmp_path, data_copy):
    p = write(tmp_path, RIS_OK + ris(title="Another trial", doi="10.1000/adv.2"))
    assert imp(data_copy, p).returncode == 0
    assert validate(data_copy) == []
    after = snapshot_dir(data_copy)
    r = imp(data_copy, p)
    assert r.returncode == 0 and "already imported" in r.stdout
    assert snapshot_dir(data_copy) == after


def test_ris_fields_between_records_and_crlf_are_read(tmp_path):
    p = write(tmp_path, "Provider: somewhere\r\n\r\n" + RIS_OK.replace("\n", "\r\n") + ris(doi="10.1000/adv.2"))
    recs = search.parse_export(p)
    assert [r.doi for r in recs] == ["10.1000/adv.1", "10.1000/adv.2"]


# --- screening decisions -----------------------------------------------------------------------

def screen(data, record, stage, decision, *more, reviewer="TK"):
    return run_cli_inprocess("search", "screen", record, "--stage", stage, "--decision", decision,
                             "--reviewer", reviewer, "--date", "2026-11-30", "--data-dir", str(data), *more)


@pytest.mark.parametrize("more, reviewer, needle", [
    (["--note", "line one\rline two"], "TK", "--note: control character U+000D"),
    (["--note", "bell\x1b[2J"], "TK", "--note: control character U+001B"),
    ([], "T\x00K", "--reviewer: control character U+0000"),
    ([], "TK\r\n", "--reviewer: control character U+000D"),
    (["--date", "2999-01-01"], "TK", "2999-01-01 is in the future"),
])
def test_screen_refuses_control_characters_and_future_dates(data_copy, more, reviewer, needle):
    before = snapshot_dir(data_copy)
    refused(screen(data_copy, "2026-targeted_scan-0001", "title_abstract", "include", *more, reviewer=reviewer),
            needle)
    assert snapshot_dir(data_copy) == before


@pytest.mark.parametrize("args, needles", [
    (("2026-targeted_scan-0004", "title_abstract", "exclude"),
     ["already has a full-text decision (full_text exclude, study kamanamool2018 by review-team on 2026-11-26)"]),
    (("2026-targeted_scan-0002", "full_text", "include"), ["--study-id is required for a full-text include"]),
    (("2026-targeted_scan-0002", "full_text", "awaiting_data", "--study-id", "raychaudhury2023"),
     ["full_text awaiting_data, study zheng2022", "not to 'raychaudhury2023'"]),
])
def test_screen_refuses_conflicting_decisions_naming_the_existing_one(data_copy, args, needles):
    before = snapshot_dir(data_copy)
    refused(screen(data_copy, *args), *needles)
    assert snapshot_dir(data_copy) == before


def test_screen_still_records_a_good_decision(data_copy, tmp_path):
    assert imp(data_copy, write(tmp_path, RIS_OK)).returncode == 0
    r = screen(data_copy, "2026-embase-0001", "title_abstract", "exclude", "--note", "not a trial")
    assert r.returncode == 0, r.stderr
    assert validate(data_copy) == []


# --- deduplication is linear and keeps its rules -----------------------------------------------

def _reference_find_duplicate(rec, rows):
    """The quadratic rules as first written (the specification DuplicateIndex must match)."""
    s, dk, nt, ak = search._s, search.doi_key, search.normalise_title, search.author_key
    pmid, doi = s(rec.get("pmid")), dk(s(rec.get("doi")))
    if pmid:
        for r in rows:
            if s(r.get("pmid")) == pmid:
                return r["record_id"]
    if doi:
        for r in rows:
            if dk(s(r.get("doi"))) == doi and not (pmid and s(r.get("pmid")) and s(r.get("pmid")) != pmid):
                return r["record_id"]
    title = nt(s(rec.get("title")))
    if title:
        for r in rows:
            if pmid and s(r.get("pmid")) and s(r.get("pmid")) != pmid:
                continue
            if doi and dk(s(r.get("doi"))) and dk(s(r.get("doi"))) != doi:
                continue
            if (nt(s(r.get("title"))) == title and s(r.get("year")) == s(rec.get("year"))
                    and ak(s(r.get("first_author"))) == ak(s(rec.get("first_author")))):
                return r["record_id"]
    return None


def test_index_gives_the_same_answers_as_the_rules():
    rng = random.Random(7)
    pick = lambda *xs: rng.choice(xs)  # noqa: E731
    rows = []
    index = search.DuplicateIndex()
    for i in range(3000):
        rec = {"record_id": f"r{i}", "pmid": pick("", "1", "2", "3", str(i)), "doi": pick("", "10.1/A", "10.1/a", "10.2/b"),
               "title": pick("", "A title", "a TITLE!", "Other"), "year": pick("2000", "2001"),
               "first_author": pick("Smith J", "Smith, John", "Jones")}
        want = _reference_find_duplicate(rec, rows)
        assert index.find(rec) == want, rec
        if want is None:
            rows.append(rec)
            index.add(rec)


def test_deduplication_scales_linearly():
    import time

    def run(n):
        rows = [{"record_id": f"r{i}", "pmid": str(i) if i % 3 else "", "doi": f"10.1/{i}" if i % 2 else "",
                 "title": f"title {i}", "year": "2020", "first_author": "Smith J"} for i in range(n)]
        t = time.perf_counter()
        index = search.DuplicateIndex()
        for r in rows:
            if not index.find(r):
                index.add(r)
        return time.perf_counter() - t

    assert run(50_000) < 20  # quadratic rules took 47 s for 10,000 records
