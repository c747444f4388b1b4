"""The bibliography of the studies: BibTeX entries for ``book/studies.bib`` (``livingreview bibtex``).

Every field comes from ``studies.csv`` or ``update_register.csv`` and is written through
:func:`livingreview.escape.bibtex_field`, so no value can end its field, open another or start an
entry; a DOI is written only when it has the DOI syntax (:data:`livingreview.escape.DOI_PATTERN`,
which the data schemas enforce at entry).
"""
from __future__ import annotations

import re

import pandas as pd

from .escape import bibtex_field, is_doi

#: Coded columns of studies.csv used to describe a study without a verified title.
DESIGN, REGIMEN = "design", "regimen"

_CITATION = re.compile(r"^(?P<journal>.+?) (?P<year>\d{4});(?P<volume>\d+)?(?:\((?P<number>[^)]+)\))?(?::(?P<pages>[\w-]+))?$")
_KEY = re.compile(r"^[A-Za-z0-9_:-]+$")

REGISTER_STATUS = {"included": "included in the living review",
                   "awaiting_extraction": "included, awaiting extraction",
                   "awaiting_data": "eligible, awaiting data",
                   "ineligible": "not eligible"}


def _bib_escape(text) -> str:
    return bibtex_field(text)


def _bib_author(name: str) -> str:
    """'Surname AB' -> 'Surname, A. B.'; anything else is kept whole as a corporate name."""
    parts = str(name).rsplit(" ", 1)
    if len(parts) == 2 and parts[1].isalpha() and parts[1].isupper() and len(parts[1]) <= 3:
        surname = _bib_escape(parts[0])
        if re.search(r"\band\b|,", parts[0], flags=re.IGNORECASE):  # one name, not a list of names
            surname = "{" + surname + "}"
        return f"{surname}, {' '.join(c + '.' for c in parts[1])}"
    return "{" + _bib_escape(name) + "}"


def _journal_parts(citation) -> dict:
    """Split 'Journal YYYY;vol(issue):pages' (as stored in ``journal``) into BibTeX fields.

    Returns ``{}`` when the text is missing or not a verified citation ("not verified …").
    """
    if citation is None or pd.isna(citation) or str(citation).startswith("not verified"):
        return {}
    m = _CITATION.match(str(citation).strip())
    if not m:
        return {"journal": _bib_escape(citation)}
    out = {"journal": _bib_escape(m["journal"])}
    if m["volume"]:
        out["volume"] = m["volume"]
    if m["number"]:
        out["number"] = _bib_escape(m["number"])
    if m["pages"]:
        out["pages"] = _bib_escape(m["pages"]).replace("-", "--")
    return out


def _authors(first_author) -> str:
    """First author plus 'and others'; a corporate or placeholder name stays alone."""
    a = _bib_author(first_author)
    return a if a.startswith("{") else a + " and others"


def _text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _entry(key: str, author: str, year, title: str, parts: dict, doi: str, notes: list[str]) -> str:
    if not _KEY.match(str(key)):
        raise ValueError(f"study_id {key!r} cannot be a BibTeX key (letters, digits, '_', ':' and '-' only)")
    fields = {"author": author, "title": "{" + _bib_escape(title) + "}" if title else "{Title not verified}",
              "year": _bib_escape(year)}
    fields.update(parts)
    if doi:
        if not is_doi(doi):
            raise ValueError(f"study {key}: column 'doi': {doi!r} is not a DOI (run `livingreview validate`)")
        fields["doi"] = doi
    note = "; ".join(n for n in notes if n)
    if note:
        fields["note"] = _bib_escape(note)
    kind = "article" if "journal" in parts else "misc"
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items() if v)
    return f"@{kind}{{{key},\n{body}\n}}\n"


def bibtex(studies: pd.DataFrame, skip_keys=(), register: pd.DataFrame | None = None, *,
           labels: dict[str, dict[str, str]] | None = None) -> str:
    """BibTeX entries for every study in ``studies.csv`` and every trial of ``update_register.csv``.

    Keyed by ``study_id``. Written to ``book/studies.bib`` by ``livingreview bibtex`` (and ``make
    notebooks``). An entry is ``@article`` when the journal is known (``journal`` of the form
    ``"Journal YYYY;volume(issue):pages"`` is split into those fields) and ``@misc`` otherwise. The
    title is the verified one (column ``title``); an entry without a verified title says
    "Title not verified" rather than inventing one. ``doi`` (rendered as a link by
    sphinxcontrib-bibtex) and PMID are given where verified. Trials of the update register that
    are not in ``studies.csv`` (awaiting data, ineligible) get an entry too, with their status in
    the note, so readers see every trial found since 2016. Keys already in ``book/references.bib``
    (``skip_keys``) are skipped. ``labels`` (column → code → label, from
    :meth:`~livingreview.data.Review.code_labels`) describes a study without a verified title
    ("Uncontrolled cohort of tacrolimus (TAC + steroids (duo)) in lupus nephritis").
    """
    out = ["% Generated from data/studies.csv and data/update_register.csv by `livingreview bibtex`:",
           "% do not edit by hand.", ""]
    for r in studies.sort_values("study_id").itertuples():
        if r.study_id in skip_keys:
            continue
        title = _text(getattr(r, "title", None))
        notes = [f"PMID {int(r.pmid)}" if pd.notna(r.pmid) else "",
                 f"Trial registration {r.trial_registration}" if pd.notna(r.trial_registration) else "",
                 "" if title or not labels else (f"{labels[DESIGN][r.design].split(' (')[0]} of tacrolimus "
                                   f"({labels[REGIMEN][r.regimen]}) in lupus nephritis"),
                 "candidate: identity not certain" if r.confidence == "candidate" else ""]
        out.append(_entry(r.study_id, _authors(r.first_author), r.year, title,
                          _journal_parts(r.journal), _text(r.doi), notes))
    if register is not None:
        seen = set(studies["study_id"]) | set(skip_keys)
        for r in register.sort_values("study_id").itertuples():
            if r.study_id in seen:
                continue
            author = _authors(r.first_author)
            notes = [f"Trial registration {r.registration}" if pd.notna(r.registration) else "",
                     f"Found in the {r.round} search: {REGISTER_STATUS.get(r.status, r.status)}"]
            out.append(_entry(r.study_id, author, r.year, _text(r.title), _journal_parts(r.journal),
                              _text(r.doi), notes))
    return "\n".join(out)


def bib_keys(path) -> set[str]:
    """Entry keys of a BibTeX file."""
    from pathlib import Path

    return set(re.findall(r"@\w+\{([^,\s]+),", Path(path).read_text(encoding="utf-8")))
