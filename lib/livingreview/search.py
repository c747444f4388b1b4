"""The search end of the living loop: import database exports, deduplicate, screen, count the flow.

Files (all under ``data/search/``; see ``data/README.md``)
---------------------------------------------------------
``records.csv``
    one row per record of a database export: ``record_id`` (``ROUND-DATABASE-NNNN``, assigned once
    and never reused), ``round``, ``database``, ``searched_on``, ``pmid``, ``doi``, ``title``,
    ``first_author``, ``year``, ``journal`` and ``duplicate_of`` (the ``record_id`` of the first
    record of the same publication, empty for a record kept).
``searches.csv``
    one row per database search run (one imported export file): ``round``, ``database``,
    ``searched_on``, ``strategy`` (file under ``search/strategies/``), ``export_file``,
    ``export_sha256``, ``records``.
``screening.csv``
    one decision per record and stage: ``record_id``, ``stage`` (``title_abstract``, ``full_text``),
    ``decision`` (``include``/``exclude``; at full text also ``awaiting_data``), ``reason`` (from
    :data:`EXCLUSION_REASONS`, required for a full-text exclusion), ``study_id`` (the trial a
    full-text report belongs to), ``reviewer``, ``date``, ``note``.
``strategies/ROUND-DATABASE.txt``
    the saved search strategy of each database and round, as run.

Deduplication (:func:`find_duplicate`)
--------------------------------------
A record is a duplicate of an earlier one (within the export, the round, or any earlier round)
when, in this order: the PMIDs are equal; else the DOIs are equal ignoring case; else the
normalised titles (Unicode NFKD, lower case, punctuation removed, spacing collapsed), the years and
the first authors' surnames are all equal -- unless both records carry different PMIDs or different
DOIs. The first record found is kept; the duplicate's ``duplicate_of`` names it.
Kept records are indexed by PMID, DOI and title key (:class:`DuplicateIndex`), so an import
deduplicates in time linear in the number of records (100,000 records: ``benchmarks/bench_import.py``).

Checks before writing (:func:`read_export`, :func:`import_export`, :func:`record_decision`)
-----------------------------------------------------------------------------------------
An export is read only when it is a regular file of bounded size; every record runs from its first
line to its end (``ER  -`` in RIS: a truncated last record is refused), a file holds one format,
an empty record is refused, and every field must fit ``records.schema.json`` and the site (no
control characters, a PMID of digits, a DOI without spaces or braces, a year 1900 to next year, at
most :data:`MAX_FIELD_CHARS` characters): a problem is refused naming the export's file and line.
Dates (``--searched-on``, ``--date``) are not in the future. The new ``records.csv``,
``searches.csv`` or ``screening.csv`` is then validated with the rest of the data
(:func:`livingreview.data.validate`) inside the same locked transaction, and written only if it
validates. A decision that contradicts a recorded one (a title/abstract exclude under a full-text
decision, a full-text decision moved to another study) is refused naming the recorded one.

Re-importing an export adds nothing: the k-th record of the file with a given fingerprint (the
normalised PMID, DOI, title, year, author and journal) is the k-th record with that fingerprint
already stored for the same round and database.

PRISMA 2020 counts (:func:`prisma_flow`)
----------------------------------------
For every round with records, with ``R`` the records of the round, ``D`` those with a
``duplicate_of``, ``TA``/``FT`` the title/abstract and full-text decisions of the kept records::

    records_identified          = |R|        (and records_identified:DATABASE per database)
    duplicates_removed          = |D|
    records_screened            = |TA|
    records_awaiting_screening  = |R| - |D| - |TA|            (only when > 0)
    records_excluded            = |TA exclude|
    reports_assessed            = |FT|
    reports_awaiting_assessment = |TA include| - |FT|          (only when > 0)
    reports_excluded            = |FT exclude|  (and reports_excluded:REASON per reason)
    studies_awaiting_data       = |FT awaiting_data|
    studies_other_methods       = studies.csv rows added in the round that no full-text include names
    new_studies_included        = |FT include| + studies_other_methods
    studies_awaiting_extraction = full-text includes not yet in studies.csv (before add-trial; only when > 0)
    new_studies_meta_analysis   = included studies of the round with at least one count in outcomes.csv

so that identified - duplicates = screened (+ awaiting), screened - excluded = assessed (+ awaiting),
assessed - excluded = included via the search + awaiting data. Rounds without records (the 2016 review)
keep the printed counts of ``search_flow.csv`` with their provenance (:func:`flow_table`).
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .data import DATA_DIR, DataError, load_review
from .screening_vocab import DECISIONS, EXCLUSION_REASONS, STAGES, STATUS_OF_DECISION  # noqa: F401

SEARCH_DIR = "search"
RECORDS = f"{SEARCH_DIR}/records.csv"
SEARCHES = f"{SEARCH_DIR}/searches.csv"
SCREENING = f"{SEARCH_DIR}/screening.csv"
STRATEGIES = f"{SEARCH_DIR}/strategies"

RECORD_COLUMNS = ["record_id", "round", "database", "searched_on", "pmid", "doi", "title", "first_author",
                  "year", "journal", "duplicate_of"]
SEARCH_COLUMNS = ["round", "database", "searched_on", "strategy", "export_file", "export_sha256", "records"]
SCREENING_COLUMNS = ["record_id", "stage", "decision", "reason", "study_id", "reviewer", "date", "note"]

#: How databases are named on the pages (other names are shown as stored).
DATABASE_LABELS = {"pubmed": "PubMed", "embase": "Embase", "web_of_science": "Web of Science",
                   "cochrane": "Cochrane", "cochrane_central": "CENTRAL",
                   "targeted_scan": "targeted scan of abstracts, not a full search"}

#: Other spellings users type for a database (normalised as by :func:`normalise_database`).
DATABASE_ALIASES = {"medline": "pubmed", "central": "cochrane_central", "cochrane_library": "cochrane",
                    "wos": "web_of_science", "webofscience": "web_of_science"}


def normalise_database(name: str) -> str:
    """The stored code of a database name as a user writes it: case-insensitive, spaces and hyphens
    as underscores ("PubMed" -> ``pubmed``, "Web of Science" -> ``web_of_science``, "CENTRAL" ->
    ``cochrane_central``); the proper names of :data:`DATABASE_LABELS` are accepted too. Anything
    else is returned normalised and left to the caller's check of the code's pattern.
    """
    code = re.sub(r"[\s\-]+", "_", str(name or "").strip()).lower()
    by_label = {re.sub(r"[\s\-]+", "_", label).lower(): c for c, label in DATABASE_LABELS.items()}
    return DATABASE_ALIASES.get(code) or by_label.get(code, code)


FORMATS = {".nbib": "medline", ".txt": "medline", ".medline": "medline", ".ris": "ris"}


class ImportError_(ValueError):
    """Bad input for ``livingreview search``: a one-line message naming the file."""


# ---------------------------------------------------------------------------------------------
# parsing exports

@dataclass
class Citation:
    """One bibliographic record as parsed from an export (strings, empty when absent)."""

    pmid: str = ""
    doi: str = ""
    title: str = ""
    first_author: str = ""
    year: str = ""
    journal: str = ""

    def fingerprint(self) -> str:
        parts = [self.pmid, doi_key(self.doi), normalise_title(self.title), self.year,
                 author_key(self.first_author), normalise_title(self.journal)]
        return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()


def _first(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value or "").split())


_DOI = re.compile(r"10\.\d{4,9}/\S+")


def _doi_from(text: str) -> str:
    m = _DOI.search(text or "")
    return m.group(0).rstrip(".;,") if m else ""


def _year(text: str) -> str:
    m = re.search(r"(1[89]|20)\d\d", text or "")
    return m.group(0) if m else ""


#: Largest export read (bytes); a broad search exported with abstracts is well inside it.
MAX_EXPORT_BYTES = 1 << 30
#: Longest text field of a record (characters); the longest real titles are a few hundred.
MAX_FIELD_CHARS = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_MEDLINE_TAG = re.compile(r"([A-Z0-9]{2,4}) {0,2}-(?: (.*)|)$")
_RIS_TAG = re.compile(r"([A-Z][A-Z0-9])  -(?: (.*)|)$")


def _lines(text: str) -> list[str]:
    """Physical lines (ends at \\n, \\r\\n or \\r)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _medline_records(text: str, shown: str) -> list[tuple[int, dict[str, list[str]]]]:
    """(first line, {tag: [values]}) of each record of a MEDLINE export; an odd line is refused."""
    out: list[tuple[int, dict[str, list[str]]]] = []
    rec: dict[str, list[str]] | None = None
    last = None
    for no, line in enumerate(_lines(text), 1):
        if not line.strip():
            rec, last = None, None
            continue
        if line[:1] in (" ", "\t"):
            if rec is None or last is None:
                raise ImportError_(f"{shown}:{no}: a continuation line (indented) outside a record; "
                                   "a MEDLINE record starts with a 'PMID- ' line")
            rec[last][-1] += " " + line.strip()
            continue
        m = _MEDLINE_TAG.match(line)
        if not m:
            raise ImportError_(f"{shown}:{no}: not a MEDLINE line ({line[:40]!r}): expected 'TAG - value' "
                               "or a continuation line indented by six spaces")
        tag, value = m.group(1), (m.group(2) or "").strip()
        if rec is None or tag == "PMID":
            rec = {}
            out.append((no, rec))
        rec.setdefault(tag, []).append(value)
        last = tag
    return out


def _ris_chunks(text: str, shown: str) -> list[tuple[int, str]]:
    """(first line, text) of each record of a RIS export: ``TY  -`` to ``ER  -``, nothing lost."""
    out: list[tuple[int, str]] = []
    start, body = None, []
    for no, line in enumerate(_lines(text), 1):
        m = _RIS_TAG.match(line)
        tag = m.group(1) if m else None
        if tag == "TY":
            if start is not None:
                raise ImportError_(f"{shown}:{no}: a new record (TY) begins before the record of line {start} "
                                   "ended (no 'ER  -' line); the export is damaged")
            start, body = no, [line]
        elif start is None:
            if line.strip() and tag is not None:
                raise ImportError_(f"{shown}:{no}: a RIS field ({tag}) outside a record (before its 'TY  -' line)")
        elif tag == "ER":
            body.append(line)
            out.append((start, "\n".join(body) + "\n"))
            start, body = None, []
        else:
            body.append(line)
    if start is not None:
        raise ImportError_(f"{shown}:{start}: the last record has no 'ER  -' end line (the export is truncated?); "
                           "export the file again")
    return out


def _medline_citation(rec: dict[str, list[str]]) -> "Citation":
    ids = rec.get("LID", []) + rec.get("AID", [])
    doi = next((_doi_from(x) for x in ids if x.endswith("[doi]")), "")
    return Citation(
        pmid=_first(rec.get("PMID")), doi=doi, title=_first(rec.get("TI")),
        first_author=_first(rec.get("AU") or rec.get("CN")), year=_year(_first(rec.get("DP"))),
        journal=_first(rec.get("TA") or rec.get("JT")),
    )


def parse_medline(text: str, shown: str = "export") -> list[Citation]:
    """Records of a PubMed/MEDLINE export (``.nbib`` or the "PubMed" format ``.txt``).

    Lines are ``TAG - value`` (the tag padded to four characters) or continuation lines indented by
    six spaces; a record starts at ``PMID-`` (or after a blank line). Any other line is refused
    with its line number (:class:`ImportError_`).
    """
    return [_medline_citation(rec) for _, rec in _medline_records(text, shown)]


def _ris_citation(rec: dict) -> "Citation":
    urls = " ".join(rec.get("urls", []) or [])
    pmid = ""
    for field in ("accession_number", "pubmed_id", "notes", "note"):
        val = " ".join(rec.get(field)) if isinstance(rec.get(field), list) else str(rec.get(field) or "")
        m = re.search(r"(?:PMID|PubMed ID|MEDLINE)\D{0,5}(\d{5,9})", val, re.I) or (
            re.fullmatch(r"\s*(\d{5,9})\s*", val) if field == "accession_number" else None)
        if m:
            pmid = m.group(1)
            break
    if not pmid:
        m = re.search(r"pubmed(?:\.ncbi\.nlm\.nih\.gov/|/)(\d{5,9})", urls)
        pmid = m.group(1) if m else ""
    return Citation(
        pmid=pmid, doi=_doi_from(_first(rec.get("doi"))) or _doi_from(urls),
        title=_first(rec.get("title") or rec.get("primary_title")),
        first_author=_first(rec.get("authors") or rec.get("first_authors")),
        year=_year(_first(rec.get("year") or rec.get("publication_year") or rec.get("date"))),
        journal=_first(rec.get("journal_name") or rec.get("alternate_title3") or rec.get("secondary_title")
                       or rec.get("alternate_title1") or rec.get("alternate_title2")),
    )


def _ris_records(text: str, shown: str) -> list[tuple[int, "Citation"]]:
    import rispy

    out = []
    for line, chunk in _ris_chunks(text, shown):
        try:
            recs = rispy.loads(chunk, skip_unknown_tags=True)
        except Exception as exc:  # rispy raises bare IOError/ValueError on malformed input
            raise ImportError_(f"{shown}:{line}: malformed RIS record ({' '.join(str(exc).split())[:120]})") from None
        if len(recs) != 1:
            raise ImportError_(f"{shown}:{line}: malformed RIS record (read as {len(recs)} records)")
        out.append((line, _ris_citation(recs[0])))
    return out


def parse_ris(text: str, shown: str = "export") -> list[Citation]:
    """Records of a RIS export (Embase, Web of Science, CENTRAL, reference managers), via ``rispy``.

    Every record runs from ``TY  -`` to ``ER  -``: a record left open (a truncated export) or a
    field outside a record is refused with its line number (:class:`ImportError_`).
    """
    return [c for _, c in _ris_records(text, shown)]


def _check_citation(c: "Citation", shown: str, line: int, this_year: int) -> None:
    """Refuse a record whose fields the schema of ``records.csv`` (or the site) cannot take."""
    where = f"{shown}:{line}"
    if not (c.pmid or c.doi or c.title):
        raise ImportError_(f"{where}: an empty record (no title, PMID or DOI); remove it from the export")
    for name in ("title", "first_author", "journal", "doi", "pmid"):
        value = getattr(c, name)
        bad = _CONTROL.search(value)
        if bad:
            raise ImportError_(f"{where}: {name}: control character U+{ord(bad.group(0)):04X} "
                               f"at character {bad.start() + 1}")
        if len(value) > MAX_FIELD_CHARS:
            raise ImportError_(f"{where}: {name}: {len(value)} characters, more than {MAX_FIELD_CHARS}")
    if c.pmid and not re.fullmatch(r"[1-9][0-9]{0,8}", c.pmid):
        raise ImportError_(f"{where}: pmid: '{c.pmid}' is not a PubMed identifier (1 to 9 digits, not 0)")
    if c.doi and not re.fullmatch(r"10\.[0-9]{4,9}/[^\s{}\\\"<>]+", c.doi):
        raise ImportError_(f"{where}: doi: '{c.doi[:80]}' is not a DOI (10.NNNN/suffix without spaces, "
                           "braces, quotes or angle brackets)")
    if c.year and not 1900 <= int(c.year) <= this_year + 1:
        raise ImportError_(f"{where}: year: {c.year} is outside 1900-{this_year + 1}")


def read_export(path: Path | str) -> tuple[list[tuple[int, Citation]], bytes]:
    """(line, record) of every record of an export, checked, and the file's bytes.

    The file must be a regular file of at most :data:`MAX_EXPORT_BYTES` (no device, pipe or
    folder), UTF-8, and hold RIS (``TY  -``) or MEDLINE (``PMID-``) records, not both.
    Raises :class:`ImportError_` naming the file and line.
    """
    from .safeio import UnsafeFileError, read_data_bytes

    path = Path(path)
    shown = str(path)
    try:
        raw = read_data_bytes(path, max_bytes=MAX_EXPORT_BYTES)
    except FileNotFoundError:
        raise ImportError_(f"{shown}: file not found") from None
    except UnsafeFileError as exc:
        raise ImportError_(f"{shown}: refused: {exc.reason}") from None
    except OSError as exc:
        raise ImportError_(f"{shown}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        head = raw[:exc.start]
        line = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
        raise ImportError_(f"{shown}:{line}: not UTF-8 text ({exc.reason})") from None
    ris = re.search(r"^TY  -", text, re.M)
    med = re.search(r"^PMID- ", text, re.M)
    line_of = lambda m: text.count("\n", 0, m.start()) + 1  # noqa: E731
    if ris and med:
        raise ImportError_(f"{shown}:{line_of(med)}: a MEDLINE record (PMID-) in a RIS export (TY  - at line "
                           f"{line_of(ris)}); export each format to its own file")
    if ris:
        records = _ris_records(text, shown)
    elif med:
        records = [(line, _medline_citation(rec)) for line, rec in _medline_records(text, shown)]
    else:
        raise ImportError_(f"{shown}:1: neither a RIS export (TY  - lines) nor a MEDLINE export (PMID- lines)")
    if not records:
        raise ImportError_(f"{shown}: no records found")
    this_year = dt.date.today().year
    for line, c in records:
        _check_citation(c, shown, line, this_year)
    return records, raw


def parse_export(path: Path | str) -> list[Citation]:
    """Parse an export by its format: RIS (``TY  -`` lines) or MEDLINE (``PMID-`` lines); see :func:`read_export`."""
    return [c for _, c in read_export(path)[0]]


# ---------------------------------------------------------------------------------------------
# deduplication

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_title(text: str) -> str:
    """Lower case, accents and punctuation removed, spacing collapsed (for title matching)."""
    text = str(text or "")
    if not text.isascii():  # NFKD leaves ASCII as it is
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_NOT_ALNUM.sub(" ", text.lower()).split())


def doi_key(doi: str) -> str:
    d = str(doi or "").strip().lower()
    return re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", d)


def author_key(name: str) -> str:
    """The first author's surname, normalised: 'Liu Z', 'Liu, Zhihong' and 'LIU' all give 'liu'."""
    name = str(name or "").strip()
    surname = name.split(",")[0] if "," in name else re.sub(r"\s+[A-Z]{1,3}$", "", name)
    return normalise_title(surname).replace(" ", "")


class DuplicateIndex:
    """Kept records indexed by PMID, DOI and (normalised title, year, first author), so that
    :meth:`find` answers :func:`find_duplicate` in constant time per record (linear deduplication).

    The rules and their order are those of :func:`find_duplicate`: "first" is the order of :meth:`add`.
    """

    def __init__(self, rows=()):
        self._pmid: dict[str, str] = {}
        self._doi: dict[str, list[tuple[str, str]]] = {}
        self._title: dict[tuple[str, str, str], list[tuple[str, str, str]]] = {}
        for r in rows:
            self.add(r)

    @staticmethod
    def _keys(r: dict) -> tuple[str, str, tuple[str, str, str] | None]:
        pmid, doi = _s(r.get("pmid")), doi_key(_s(r.get("doi")))
        title = normalise_title(_s(r.get("title")))
        key = (title, _s(r.get("year")), author_key(_s(r.get("first_author")))) if title else None
        return pmid, doi, key

    def add(self, r: dict, keys=None) -> None:
        pmid, doi, key = keys or self._keys(r)
        rid = r["record_id"]
        if pmid:
            self._pmid.setdefault(pmid, rid)
        if doi:
            self._doi.setdefault(doi, []).append((pmid, rid))
        if key:
            self._title.setdefault(key, []).append((pmid, doi, rid))

    def find(self, rec: dict, keys=None) -> str | None:
        pmid, doi, key = keys or self._keys(rec)
        if pmid and pmid in self._pmid:
            return self._pmid[pmid]
        if doi:
            for other_pmid, rid in self._doi.get(doi, ()):
                if not (pmid and other_pmid and other_pmid != pmid):
                    return rid
        if key:
            for other_pmid, other_doi, rid in self._title.get(key, ()):
                if pmid and other_pmid and other_pmid != pmid:
                    continue
                if doi and other_doi and other_doi != doi:
                    continue
                return rid
        return None

    def find_or_add(self, rec: dict) -> str | None:
        """The record ``rec`` duplicates, or None after adding ``rec`` as a kept record."""
        keys = self._keys(rec)
        found = self.find(rec, keys)
        if found is None:
            self.add(rec, keys)
        return found


def find_duplicate(rec: dict, kept: pd.DataFrame | list[dict]) -> str | None:
    """The ``record_id`` of the first kept record ``rec`` duplicates (see the module notes), or None.

    ``rec`` and the rows of ``kept`` are mappings with ``pmid, doi, title, year, first_author``.
    (To test many records against the same kept ones, build one :class:`DuplicateIndex`.)
    """
    rows = kept.to_dict("records") if isinstance(kept, pd.DataFrame) else kept
    return DuplicateIndex(rows).find(rec)


def _s(v) -> str:
    if type(v) is str:
        return v.strip()
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


# ---------------------------------------------------------------------------------------------
# reading and writing the search tables

def _read_csv_bytes(content: bytes, columns: list[str]) -> list[dict]:
    text = content.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))  # records end at \n, \r\n or \r (csv rules)
    return [{c: (row.get(c) or "") for c in columns} for row in reader]


def _csv_bytes(rows: list[dict], columns: list[str]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([_s(r.get(c)) for c in columns])
    return buf.getvalue().encode("utf-8")


def _rows(tx, rel: str, columns: list[str]) -> list[dict]:
    try:
        return _read_csv_bytes(tx.read_bytes(rel), columns)
    except FileNotFoundError:
        return []


def _check_date(value: str, what: str, future_ok: bool = False) -> str:
    """An ISO date (YYYY-MM-DD), not after today (a search or a decision has happened)."""
    try:
        d = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ImportError_(f"{what}: '{value}' is not a date (YYYY-MM-DD)") from None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value or ""):
        raise ImportError_(f"{what}: '{value}' is not a date (YYYY-MM-DD)")
    if not future_ok and d > dt.date.today():
        raise ImportError_(f"{what}: {value} is in the future (today is {dt.date.today().isoformat()})")
    return d.isoformat()


_DB = re.compile(r"^[a-z][a-z0-9_]*$")


def check_data_folder(data_dir: Path | str) -> Path:
    """``data_dir`` if it is a data folder of this review (its search schemas present), else :class:`ImportError_`."""
    from .transaction import NotADataFolderError, check_data_folder as check

    try:
        data_dir = check(data_dir)
    except NotADataFolderError as exc:
        raise ImportError_(str(exc)) from None
    for rel in (f"{SEARCH_DIR}/records.schema.json", f"{SEARCH_DIR}/searches.schema.json",
                f"{SEARCH_DIR}/screening.schema.json"):
        if not (data_dir / rel).is_file():
            raise ImportError_(f"{data_dir}: not a data folder of this review ({rel} is missing)")
    return data_dir


def _validate_staged(data_dir: Path, staged: dict[str, bytes]) -> None:
    """Refuse staged search files that ``validate`` would reject (schemas and cross-file rules)."""
    from .data import validate

    problems = validate(data_dir, overrides=staged)
    if problems:
        shown = [str(p) for p in problems[:10]]
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise ImportError_("the result would not validate: " + "; ".join(shown) + more)


def import_export(path: Path | str, round: int, database: str, searched_on: str | None = None,
                  data_dir: Path | str = DATA_DIR) -> dict:
    """Import a database export into ``search/records.csv`` (deduplicated) and log the search run.

    Returns ``{"added", "duplicates", "skipped", "search_logged"}``. Re-importing adds nothing.
    Every record is checked (:func:`read_export`), and the new ``records.csv`` and
    ``searches.csv`` are validated with the rest of the data inside the same locked transaction
    before anything is written. Raises :class:`ImportError_` (a ``ValueError``) with a one-line
    message on bad input.
    """
    from .transaction import data_transaction

    path = Path(path)
    database = normalise_database(database)
    if not _DB.match(database or ""):
        raise ImportError_(f"--database: '{database}' must be lower case letters, digits and '_' (e.g. pubmed)")
    if not isinstance(round, int) or not 2016 <= round <= 9999:
        raise ImportError_(f"--round: '{round}' must be an edition year (2016 to 9999)")
    searched_on = _check_date(searched_on, "--searched-on") if searched_on else dt.date.today().isoformat()
    data_dir = check_data_folder(data_dir)
    if _TEXT_CONTROL.search(path.name):
        raise ImportError_(f"{path!r}: a control character in the file name; rename the export")
    numbered, raw = read_export(path)
    citations = [c for _, c in numbered]
    sha = hashlib.sha256(raw).hexdigest()
    del raw
    with data_transaction(data_dir) as tx:
        records = _rows(tx, RECORDS, RECORD_COLUMNS)
        searches = _rows(tx, SEARCHES, SEARCH_COLUMNS)
        prefix = f"{round}-{database}-"
        seq = 0
        existing: dict[str, list[str]] = {}
        for r in records:
            if r["record_id"].startswith(prefix):
                tail = r["record_id"][len(prefix):]
                if tail.isdigit():
                    seq = max(seq, int(tail))
            if r["round"] == str(round) and r["database"] == database:
                existing.setdefault(_citation_of(r).fingerprint(), []).append(r["record_id"])
        seen: dict[str, int] = {}
        added = dups = skipped = 0
        index = DuplicateIndex(r for r in records if not r["duplicate_of"])
        for c in citations:
            fp = c.fingerprint()
            k = seen.get(fp, 0)
            seen[fp] = k + 1
            if k < len(existing.get(fp, [])):
                skipped += 1
                continue
            seq += 1
            row = {"record_id": f"{prefix}{seq:04d}", "round": str(round), "database": database,
                   "searched_on": searched_on, "pmid": c.pmid, "doi": c.doi, "title": c.title,
                   "first_author": c.first_author, "year": c.year, "journal": c.journal, "duplicate_of": ""}
            dup = index.find_or_add(row)
            if dup:
                row["duplicate_of"] = dup
                dups += 1
            records.append(row)
            added += 1
        logged = not any((s["export_sha256"], s["round"], s["database"]) == (sha, str(round), database) for s in searches)
        if logged:
            strategy = f"{STRATEGIES}/{round}-{database}.txt"
            searches.append({"round": str(round), "database": database, "searched_on": searched_on,
                             "strategy": strategy if (data_dir / strategy).is_file() else "",
                             "export_file": path.name, "export_sha256": sha, "records": str(len(citations))})
        staged = {}
        if added:
            staged[RECORDS] = _csv_bytes(records, RECORD_COLUMNS)
        if logged:
            staged[SEARCHES] = _csv_bytes(searches, SEARCH_COLUMNS)
        if staged:
            _validate_staged(data_dir, staged)
        for rel, content in staged.items():
            tx.write(rel, content)
    return {"added": added, "duplicates": dups, "skipped": skipped, "search_logged": logged}


def _citation_of(r: dict) -> Citation:
    return Citation(**{k: _s(r.get(k)) for k in ("pmid", "doi", "title", "first_author", "year", "journal")})


_TEXT_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def check_decision_input(reviewer: str | None, note: str | None, study_id: str | None = None) -> None:
    """Refuse text a screening decision cannot store: control characters (CR, LF, NUL, ESC, ...)
    in ``--reviewer`` or ``--note``, over-long text (:class:`ImportError_`)."""
    for what, value in (("--reviewer", reviewer), ("--note", note), ("--study-id", study_id)):
        if not value:
            continue
        bad = _TEXT_CONTROL.search(value)
        if bad:
            raise ImportError_(f"{what}: control character U+{ord(bad.group(0)):04X} at character {bad.start() + 1}; "
                               "give plain text on one line")
        if len(value) > MAX_FIELD_CHARS:
            raise ImportError_(f"{what}: {len(value)} characters, more than {MAX_FIELD_CHARS}")


def check_decision_conflicts(rows: list[dict], record_id: str, stage: str, decision: str,
                             study_id: str | None) -> None:
    """Refuse a decision that contradicts one already recorded, naming it (:class:`ImportError_`).

    ``rows``: the rows of ``screening.csv``. Refused: a full-text include without a study; a
    title/abstract decision other than include under an existing full-text decision; moving a
    full-text decision to another study.
    """
    def named(r: dict) -> str:
        study = f", study {r['study_id']}" if r["study_id"] else ""
        return f"{r['stage']} {r['decision']}{study} by {r['reviewer']} on {r['date']}"

    if stage == "full_text" and decision == "include" and not study_id:
        raise ImportError_("--study-id is required for a full-text include (the trial the report belongs to)")
    existing_ft = next((r for r in rows if r["record_id"] == record_id and r["stage"] == "full_text"), None)
    if existing_ft is None:
        return
    if stage == "title_abstract" and decision != "include":
        raise ImportError_(f"{SCREENING}: record '{record_id}' already has a full-text decision ({named(existing_ft)}); "
                           f"a title/abstract {decision} would leave it without a title/abstract include")
    if stage == "full_text" and existing_ft["study_id"] and (study_id or "") != existing_ft["study_id"]:
        raise ImportError_(f"{SCREENING}: record '{record_id}' already has a full-text decision ({named(existing_ft)}); "
                           f"a report belongs to one study, not to '{study_id or '(none)'}'")


def record_decision(record_id: str, stage: str, decision: str, reviewer: str, date: str | None = None,
                    reason: str | None = None, study_id: str | None = None, note: str | None = None,
                    data_dir: Path | str = DATA_DIR) -> dict:
    """Record (or replace) the decision on one record at one stage, checked, locked and atomic.

    Raises :class:`ImportError_` with a one-line message when the decision is not allowed.
    """
    from .transaction import data_transaction

    check_decision_input(reviewer, note, study_id)
    data_dir = check_data_folder(data_dir)
    date = _check_date(date, "--date") if date else dt.date.today().isoformat()
    if stage not in STAGES:
        raise ImportError_(f"--stage: '{stage}' is not one of: {', '.join(STAGES)}")
    if decision not in DECISIONS[stage]:
        raise ImportError_(f"--decision: '{decision}' is not one of: {', '.join(DECISIONS[stage])} (stage {stage})")
    if reason and reason not in EXCLUSION_REASONS:
        raise ImportError_(f"--reason: '{reason}' is not one of: {', '.join(EXCLUSION_REASONS)}")
    if stage == "full_text" and decision == "exclude" and not reason:
        raise ImportError_("--reason is required to exclude a full-text report "
                           f"(one of: {', '.join(EXCLUSION_REASONS)})")
    if reason and decision != "exclude":
        raise ImportError_("--reason is given only with --decision exclude")
    if not reviewer or not reviewer.strip():
        raise ImportError_("--reviewer is required")
    with data_transaction(data_dir) as tx:
        records = {r["record_id"]: r for r in _rows(tx, RECORDS, RECORD_COLUMNS)}
        if record_id not in records:
            raise ImportError_(f"{RECORDS}: unknown record '{record_id}'")
        if records[record_id]["duplicate_of"]:
            raise ImportError_(f"record '{record_id}' duplicates '{records[record_id]['duplicate_of']}': "
                               "screen that record instead")
        rows = _rows(tx, SCREENING, SCREENING_COLUMNS)
        check_decision_conflicts(rows, record_id, stage, decision, study_id)
        if stage == "full_text" and not any(r["record_id"] == record_id and r["stage"] == "title_abstract"
                                            and r["decision"] == "include" for r in rows):
            raise ImportError_(f"record '{record_id}' has no title/abstract include: screen it first")
        register = None
        if study_id and stage == "full_text":
            register = register_for_decision(tx, records[record_id], study_id, decision, reason, reviewer, date,
                                             note)
        elif study_id:
            raise ImportError_("--study-id names a study only at the full_text stage")
        new = {"record_id": record_id, "stage": stage, "decision": decision, "reason": reason or "",
               "study_id": study_id or "", "reviewer": reviewer.strip(), "date": date, "note": note or ""}
        replaced = False
        for i, r in enumerate(rows):
            if r["record_id"] == record_id and r["stage"] == stage:
                rows[i] = new
                replaced = True
        if not replaced:
            rows.append(new)
        staged = {SCREENING: _csv_bytes(rows, SCREENING_COLUMNS)}
        if register is not None:  # a study registered by this decision: validated with the screening
            staged[REGISTER] = register
        _validate_staged(data_dir, staged)
        for rel, content in staged.items():
            tx.write(rel, content)
    return {"replaced": replaced, "registered": register is not None, **new}


REGISTER = "update_register.csv"
#: Register status that a full-text decision gives a study it registers (an include before
#: ``add-trial`` is "included, awaiting extraction"; ``add-trial`` then sets ``included``).
STATUS_WHEN_REGISTERED = {"include": "awaiting_extraction", "awaiting_data": "awaiting_data", "exclude": "ineligible"}


def register_for_decision(tx, record: dict, study_id: str, decision: str, reason: str | None, reviewer: str,
                          date: str, note: str | None) -> bytes | None:
    """The new ``update_register.csv`` bytes when a full-text decision registers its study, else None.

    A study already registered must have the status the decision implies (a full-text include is
    also allowed for a study "included, awaiting extraction"). A study not yet registered gets a row
    from its search record (round, first author, year, title, journal, DOI; design and phase are
    filled by ``add-trial`` from the study it adds) with :data:`STATUS_WHEN_REGISTERED`.
    Raises :class:`ImportError_` when the decision conflicts with the register.
    """
    content = tx.read_bytes(REGISTER)
    cols = next(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    reg = _read_csv_bytes(content, cols)
    status = {r["study_id"]: r["status"] for r in reg}
    want = STATUS_OF_DECISION[decision]
    if study_id in status:
        if status[study_id] == want or (decision == "include" and status[study_id] == "awaiting_extraction"):
            return None
        hint = ("; when its data are available, add it with `livingreview add-trial` (that sets 'included' and "
                "its full-text decision to include)" if decision == "include" else "")
        raise ImportError_(f"{REGISTER}: '{study_id}' has status '{status[study_id]}'; a full-text '{decision}' "
                           f"needs status '{want}' or a study not yet registered{hint}")
    year = _s(record.get("year"))
    if not (year.isdigit() and int(year) >= 2016):
        raise ImportError_(f"record '{record['record_id']}' has no publication year of 2016 or later "
                           f"('{year}'); {REGISTER} registers trials published after the 2016 review")
    why = {"include": f"Included at full text on {date} ({reviewer}); awaiting extraction with add-trial.",
           "awaiting_data": f"Eligible at full text on {date} ({reviewer}); awaiting data.",
           "exclude": f"Not eligible at full text on {date} ({reviewer}): {EXCLUSION_REASONS.get(reason, reason)}."}
    row = {"study_id": study_id, "round": record["round"],
           "first_author": _s(record.get("first_author")) or "not in the search record", "year": year,
           "title": _s(record.get("title")), "journal": _s(record.get("journal")), "doi": _s(record.get("doi")),
           "status": STATUS_WHEN_REGISTERED[decision],
           "reason": " ".join(x for x in (why[decision], _s(note)) if x),
           "source": f"Search record {record['record_id']} ({DATABASE_LABELS.get(record['database'], record['database'])}, "
                     f"searched on {record['searched_on']})"}
    return _csv_bytes(reg + [row], cols)


# ---------------------------------------------------------------------------------------------
# status and PRISMA counts

def _load(data_dir) -> object:
    return load_review(data_dir, tables=["search_records", "search_screening", "studies", "outcomes",
                                         "update_register", "search_flow", "searches"])


def screening_status(review, round: int | None = None) -> pd.DataFrame:
    """What is left to screen: per round, kept records without a title/abstract decision and
    title/abstract includes without a full-text decision (columns round, stage, record_id, title)."""
    rec, scr = review.search_records, review.search_screening
    kept = rec[rec["duplicate_of"].isna()]
    if round is not None:
        kept = kept[kept["round"] == round]
    ta = scr[scr["stage"] == "title_abstract"]
    ft = set(scr.loc[scr["stage"] == "full_text", "record_id"])
    inc = set(ta.loc[ta["decision"] == "include", "record_id"])
    todo_ta = kept[~kept["record_id"].isin(set(ta["record_id"]))].assign(stage="title_abstract")
    todo_ft = kept[kept["record_id"].isin(inc - ft)].assign(stage="full_text")
    out = pd.concat([todo_ta, todo_ft], ignore_index=True)
    return out[["round", "stage", "record_id", "title"]].reset_index(drop=True)


def prisma_flow(review, round: int | None = None) -> pd.DataFrame:
    """PRISMA 2020 counts of every round with records (or one), derived from the records.

    Returns columns ``round, stage, count`` (stages and formulas in the module notes; per-database
    and per-reason rows are named ``stage:DATABASE`` and ``reports_excluded:REASON``).
    """
    rec, scr = review.search_records, review.search_screening
    rounds = sorted(int(r) for r in rec["round"].dropna().unique())
    if round is not None:
        rounds = [r for r in rounds if r == round]
    rows = []
    studies, outcomes = review.studies, review.outcomes
    for rnd in rounds:
        R = rec[rec["round"] == rnd]
        D = R[R["duplicate_of"].notna()]
        kept = set(R.loc[R["duplicate_of"].isna(), "record_id"])
        s = scr[scr["record_id"].isin(kept)]
        ta, ft = s[s["stage"] == "title_abstract"], s[s["stage"] == "full_text"]
        add = lambda stage, n: rows.append({"round": rnd, "stage": stage, "count": int(n)})  # noqa: E731
        add("records_identified", len(R))
        for db, n in R.groupby("database", sort=True).size().items():
            add(f"records_identified:{db}", n)
        add("duplicates_removed", len(D))
        add("records_screened", len(ta))
        if len(kept) - len(ta):
            add("records_awaiting_screening", len(kept) - len(ta))
        add("records_excluded", (ta["decision"] == "exclude").sum())
        add("reports_assessed", len(ft))
        waiting = (ta["decision"] == "include").sum() - len(ft)
        if waiting:
            add("reports_awaiting_assessment", waiting)
        ex = ft[ft["decision"] == "exclude"]
        add("reports_excluded", len(ex))
        for reason, n in ex.groupby("reason", sort=True).size().items():
            add(f"reports_excluded:{reason}", n)
        add("studies_awaiting_data", (ft["decision"] == "awaiting_data").sum())
        via_search = set(ft.loc[ft["decision"] == "include", "study_id"].dropna())
        added = set(studies.loc[studies["added_in"] == rnd, "study_id"]) if studies is not None else set()
        other = added - set(scr["study_id"].dropna())
        add("studies_other_methods", len(other))
        included = via_search | other
        add("new_studies_included", len(included))
        if studies is not None and via_search - set(studies["study_id"]):  # included, awaiting extraction
            add("studies_awaiting_extraction", len(via_search - set(studies["study_id"])))
        if outcomes is not None:
            usable = set(outcomes.loc[outcomes["tac_events"].notna() & outcomes["ctl_events"].notna(), "study_id"])
            add("new_studies_meta_analysis", len(included & usable))
    return pd.DataFrame(rows, columns=["round", "stage", "count"])


def flow_table(review) -> pd.DataFrame:
    """The search flow of every round: printed counts of ``search_flow.csv`` for rounds without
    records (2016), counts derived by :func:`prisma_flow` for rounds with records.

    Columns ``round, stage, count, provenance, source`` (as ``search_flow.csv``); derived rows have
    provenance ``derived``. Per-database and per-reason rows are left out (see :func:`prisma_flow`).
    """
    printed = review.search_flow
    derived = prisma_flow(review) if getattr(review, "search_records", None) is not None else pd.DataFrame(
        columns=["round", "stage", "count"])
    derived = derived[~derived["stage"].str.contains(":")].copy()
    derived["provenance"] = "derived"
    derived["source"] = [f"Derived from the {r} search records and screening decisions (search/records.csv, "
                         "search/screening.csv) and, for included studies, studies.csv." for r in derived["round"]]
    printed = printed[~printed["round"].isin(set(derived["round"]))]
    out = pd.concat([printed, derived], ignore_index=True)
    out["count"] = out["count"].astype("Int64")
    return out.sort_values("round", kind="stable").reset_index(drop=True)


def last_search_date(review) -> str | None:
    """The date (YYYY-MM-DD) of the most recent search run in ``search/searches.csv``."""
    s = getattr(review, "searches", None)
    if s is None or s.empty:
        return None
    return str(max(s["searched_on"].dropna()))


def strategies(data_dir: Path | str = DATA_DIR) -> pd.DataFrame:
    """The saved search strategies (``search/strategies/ROUND-DATABASE.txt``), oldest round first.

    Columns ``round, database, file, text``. The folder and every file are recorded as read
    (:data:`livingreview.data.FILES_READ`), so a notebook showing them goes stale when one changes
    or a strategy is added. Raises :class:`ImportError_` when ``data_dir`` is not a data folder.
    """
    from .data import FILES_READ, TextError, decode_text
    from .safeio import UnsafeFileError, read_data_bytes

    data_dir = check_data_folder(data_dir)
    folder = data_dir / STRATEGIES
    FILES_READ.add(folder.resolve())
    rows = []
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise ImportError_(f"{folder}: not a folder of search strategies")
    for p in sorted(folder.glob("*.txt")):
        m = re.fullmatch(r"(\d{4})-([a-z0-9_]+)", p.stem)
        if m:
            FILES_READ.add(p.resolve())
            try:
                text = decode_text(read_data_bytes(p, data_dir, max_bytes=1 << 20), str(p))
            except UnsafeFileError as exc:
                raise ImportError_(str(exc)) from None
            except TextError as exc:
                raise ImportError_(str(exc)) from None
            rows.append({"round": int(m.group(1)), "database": m.group(2), "file": f"{STRATEGIES}/{p.name}",
                         "text": text})
    return pd.DataFrame(rows, columns=["round", "database", "file", "text"])


# ---------------------------------------------------------------------------------------------
# keeping the register in step with add-trial

def register_for_added_trial(data_dir: Path | str, study_row: dict, today: dt.date) -> dict[str, bytes]:
    """Files to stage with ``add-trial``: the study's ``update_register.csv`` row (status included).

    A new trial gets a row (round = its edition); a registered trial (e.g. awaiting data) is set to
    included, and its full-text decision in ``search/screening.csv``, if any, becomes ``include``.
    Studies of the 2016 review (``added_in`` 2016) are not registered. Returns ``{relative path: bytes}``.
    """
    data_dir = Path(data_dir)
    if str(study_row.get("added_in", "")) in ("", "2016"):
        return {}
    cols = list(csv.reader(io.StringIO((data_dir / "update_register.csv").read_text(encoding="utf-8"))))[0]
    reg = _read_csv_bytes((data_dir / "update_register.csv").read_bytes(), cols)
    sid = study_row["study_id"]
    cite = "; ".join(x for x in (study_row.get("journal"), study_row.get("doi") and f"doi:{study_row['doi']}",
                                 study_row.get("pmid") and f"PMID {study_row['pmid']}",
                                 study_row.get("trial_registration")) if x) or "see studies.csv"
    reason = f"Included with add-trial on {today.isoformat()} (edition {study_row['added_in']})."
    out: dict[str, bytes] = {}
    hit = [r for r in reg if r["study_id"] == sid]
    if hit:
        hit[0]["status"] = "included"
        hit[0]["reason"] = f"{hit[0]['reason']} {reason}".strip()
        for c in ("first_author", "design", "phase"):  # a study registered by its full-text decision
            if c in hit[0] and (not hit[0][c] or hit[0][c] == "not in the search record") and study_row.get(c):
                hit[0][c] = study_row[c]
    else:
        reg.append({"study_id": sid, "round": study_row["added_in"], "first_author": study_row.get("first_author"),
                    "year": study_row.get("year"), "design": study_row.get("design"),
                    "phase": study_row.get("phase"), "status": "included", "reason": reason, "source": cite})
    out["update_register.csv"] = _csv_bytes(reg, cols)
    scr_path = data_dir / SCREENING
    if scr_path.exists():
        rows = _read_csv_bytes(scr_path.read_bytes(), SCREENING_COLUMNS)
        changed = False
        for r in rows:
            if r["stage"] == "full_text" and r["study_id"] == sid and r["decision"] != "include":
                r["note"] = f"{r['note']} Was {r['decision']}; included with add-trial on {today.isoformat()}.".strip()
                r.update(decision="include", reason="", date=today.isoformat())
                changed = True
        if changed:
            out[SCREENING] = _csv_bytes(rows, SCREENING_COLUMNS)
    return out


__all__ = ["import_export", "record_decision", "prisma_flow", "flow_table", "screening_status", "strategies",
           "last_search_date", "find_duplicate", "DuplicateIndex", "parse_ris", "parse_medline", "parse_export",
           "read_export", "check_data_folder", "DataError"]
