"""Benchmark: import a broad search's export (100,000 records) with ``livingreview search import``.

Generates a RIS export and a MEDLINE export of random records (about 10 % of them duplicates of
earlier ones by PMID, DOI, or title + year + first author), copies ``data/`` to a temporary folder
and times the whole ``livingreview search import`` process (start-up, parsing, checking every
record, deduplication, validation of the result with the rest of the data, the locked write), then
times deduplication alone (:class:`livingreview.search.DuplicateIndex`) at 2,000 to 100,000
records. Prints figures; asserts nothing. Goal on the 2-core machine: under a minute for 100,000.

    python benchmarks/bench_import.py [--records 100000] [--seed 1] [--format ris|medline|both]
"""
import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = ("tacrolimus lupus nephritis randomised trial induction maintenance mycophenolate cyclophosphamide "
         "renal response proteinuria safety efficacy multitarget therapy cohort calcineurin inhibitor "
         "systematic review outcome remission flare class biopsy").split()


def make_records(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    recs: list[dict] = []
    for i in range(n):
        if recs and rng.random() < 0.1:  # a duplicate of an earlier record, found by one of the three keys
            src = dict(rng.choice(recs))
            how = rng.randrange(3)
            if how == 1:
                src["pmid"] = ""
            elif how == 2:
                src["pmid"], src["doi"] = "", ""
                src["title"] = src["title"].upper() + "."
            recs.append(src)
            continue
        recs.append({
            "pmid": str(10_000_000 + i) if rng.random() < 0.8 else "",
            "doi": f"10.{1000 + rng.randrange(9000)}/bench.{i}" if rng.random() < 0.7 else "",
            "title": " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16))).capitalize() + f" {i}",
            "author": f"{rng.choice(['Liu', 'Chen', 'Smith', 'Zhang', 'Mok', 'Rovin'])} {rng.choice('ABCDEFGH')}",
            "year": str(rng.randint(1990, 2025)),
            "journal": rng.choice(["Lupus", "Kidney Int", "Ann Intern Med", "Nephrol Dial Transplant"]),
        })
    return recs


def ris(recs) -> str:
    out = []
    for r in recs:
        out += ["TY  - JOUR", f"AU  - {r['author']}", f"TI  - {r['title']}", f"JO  - {r['journal']}",
                f"PY  - {r['year']}"]
        if r["doi"]:
            out.append(f"DO  - {r['doi']}")
        if r["pmid"]:
            out.append(f"AN  - {r['pmid']}")
        out += ["AB  - An abstract of the record, one line of text for the size of a real export.", "ER  - ", ""]
    return "\n".join(out)


def medline(recs) -> str:
    out = []
    for i, r in enumerate(recs):
        out.append(f"PMID- {r['pmid'] or 30_000_000 + i}")
        title = r["title"]
        out += [f"TI  - {title[:60]}"] + ([f"      {title[60:]}"] if len(title) > 60 else [])
        out += [f"AU  - {r['author']}", f"DP  - {r['year']} Jan", f"TA  - {r['journal']}"]
        if r["doi"]:
            out.append(f"LID - {r['doi']} [doi]")
        out += ["AB  - An abstract of the record, one line of text for the size of a real export.", ""]
    return "\n".join(out)


def run_import(data: Path, export: Path, database: str) -> tuple[float, float, str]:
    exe = shutil.which("livingreview") or str(Path(sys.executable).with_name("livingreview"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run([exe, "search", "import", str(export), "--round", "2026", "--database", database,
                        "--searched-on", "2026-11-30", "--data-dir", str(data)], capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, (r.stdout + r.stderr).strip().splitlines()[0] if (r.stdout + r.stderr).strip() else f"exit {r.returncode}"


def time_dedup(n: int, seed: int) -> float:
    from livingreview.search import DuplicateIndex

    rows = [{"record_id": f"r{i}", "pmid": r["pmid"], "doi": r["doi"], "title": r["title"], "year": r["year"],
             "first_author": r["author"]} for i, r in enumerate(make_records(n, seed))]
    t = time.process_time()
    index = DuplicateIndex()
    for row in rows:
        index.find_or_add(row)
    return time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", choices=("ris", "medline", "both"), default="both")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "lib"))
    recs = make_records(args.records, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for fmt in (("ris", "medline") if args.format == "both" else (args.format,)):
            data = tmp / f"data-{fmt}"
            shutil.copytree(ROOT / "data", data)
            export = tmp / f"export.{'ris' if fmt == 'ris' else 'nbib'}"
            export.write_text(ris(recs) if fmt == "ris" else medline(recs), encoding="utf-8")
            mb = export.stat().st_size / 1e6
            wall, cpu, msg = run_import(data, export, f"bench_{fmt}")
            print(f"search import, {args.records:,} records ({fmt.upper()}, {mb:.1f} MB): {wall:.1f} s wall, "
                  f"{cpu:.1f} s CPU -- {msg}")
            wall, cpu, msg = run_import(data, export, f"bench_{fmt}")
            print(f"  again (re-import adds nothing): {wall:.1f} s wall, {cpu:.1f} s CPU -- {msg}")
    for n in (2_000, 5_000, 10_000, 100_000):
        if n <= max(args.records, 10_000):
            print(f"deduplication alone, {n:,} records: {time_dedup(n, args.seed):.2f} s CPU")


if __name__ == "__main__":
    main()
