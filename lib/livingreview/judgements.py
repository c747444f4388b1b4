"""Writing GRADE judgements (``data/grade.csv``): judge one domain, or confirm a judgement for today's pool.

Each row of ``grade.csv`` judges one GRADE domain of one pool (an outcome, overall or for one
regimen: ``population``) and records the pool it was made for (``edition`` and ``k``, the trials with
counts) with ``reviewer`` and ``judged_on``. When an update changes the pool, the judgement is out of
date (:func:`livingreview.grade.judgements_out_of_date`); the reviewer looks at today's pool, then
either judges again the domains that change (:func:`judge`) or carries the judgement to today's pool
unchanged (:func:`confirm`). Both are one locked transaction (:mod:`livingreview.transaction`) that
validates the new file with the rest of the data before it is written; nothing is edited by hand.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from .data import DATA_DIR, load_review, validate
from .grade import DOMAIN_TEXT, certainty, judgement_status, todays_pool
from .pools import pooled_estimates

GRADE = "grade.csv"
POPULATIONS = ("all", "duo", "triple")
DOMAINS = tuple(DOMAIN_TEXT)
#: Columns ``grade.csv`` gets when a judgement is written (older files may lack the last three).
COLUMNS = ["outcome", "edition", "k", "domain", "downgrade", "reason", "population", "reviewer", "judged_on"]


class JudgementError(ValueError):
    """Bad input for ``livingreview grade``: a one-line message; nothing was written."""


def _text(value, what: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise JudgementError(f"{what} is required")
    bad = next((c for c in text if ord(c) < 0x20 or ord(c) == 0x7f), None)
    if bad is not None:
        raise JudgementError(f"{what}: control character U+{ord(bad):04X} is not allowed (one line of text)")
    return text


def _date(value: str | None) -> str:
    if not value:
        return dt.date.today().isoformat()
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise JudgementError(f"--date: '{value}' is not a date (YYYY-MM-DD)") from None


def _read(content: bytes) -> tuple[list[str], list[dict]]:
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""))
    cols = list(reader.fieldnames or [])
    rows = [{c: (r.get(c) or "") for c in cols} for r in reader]
    for c in COLUMNS:  # an older grade.csv: add the new columns (the overall pool)
        if c not in cols:
            cols.append(c)
            for r in rows:
                r[c] = "all" if c == "population" else ""
    return cols, rows


def _bytes(cols: list[str], rows: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([r.get(c, "") for c in cols])
    return buf.getvalue().encode("utf-8")


def _check_choice(value, allowed, what: str) -> str:
    if value not in allowed:
        raise JudgementError(f"{what}: '{value}' is not one of: {', '.join(allowed)}")
    return value


def _write(tx, data_dir: Path, cols: list[str], rows: list[dict]) -> None:
    content = _bytes(cols, rows)
    problems = validate(data_dir, overrides={GRADE: content})
    if problems:
        raise JudgementError(str(problems[0]))
    tx.write(GRADE, content)


def _today(data_dir: Path, outcome: str, population: str) -> tuple[int, int]:
    review = load_review(data_dir)
    if outcome not in set(review.vocabulary["outcome"]):
        raise JudgementError(f"outcome '{outcome}' is not in outcome_vocabulary.csv "
                             f"(one of: {', '.join(review.vocabulary['outcome'])})")
    edition, k = todays_pool(review, pooled_estimates(review), outcome, population)
    return edition, k


def judge(outcome: str, domain: str, downgrade: int, reason: str, reviewer: str, population: str = "all",
          date: str | None = None, data_dir: Path | str = DATA_DIR) -> dict:
    """Record (or replace) the judgement of one domain of one pool, for today's pool (edition, k).

    The other domains of the pool keep the edition and k they were judged for, so the pool stays
    out of date until each is judged again or confirmed. Raises :class:`JudgementError`.
    """
    from .transaction import data_transaction

    data_dir = Path(data_dir)
    _check_choice(population, POPULATIONS, "--population")
    _check_choice(domain, DOMAINS, "--domain")
    if downgrade not in (0, 1, 2):
        raise JudgementError(f"--downgrade: '{downgrade}' is not one of: 0, 1, 2 (levels)")
    reason, reviewer, date = _text(reason, "--reason"), _text(reviewer, "--reviewer"), _date(date)
    with data_transaction(data_dir) as tx:
        cols, rows = _read(tx.read_bytes(GRADE))
        edition, k = _today(data_dir, outcome, population)
        new = {"outcome": outcome, "edition": str(edition), "k": str(k), "domain": domain,
               "downgrade": str(downgrade), "reason": reason, "population": population, "reviewer": reviewer,
               "judged_on": date}
        hit = [i for i, r in enumerate(rows)
               if (r["outcome"], r["population"] or "all", r["domain"]) == (outcome, population, domain)]
        if hit:
            rows[hit[0]] = new
        else:
            rows.append(new)
        _write(tx, data_dir, cols, rows)
    return {**new, "replaced": bool(hit)}


def confirm(outcome: str, reviewer: str, population: str = "all", date: str | None = None,
            data_dir: Path | str = DATA_DIR) -> dict:
    """Carry the judgement of a pool to today's pool unchanged (after the reviewer looked at it):
    every domain's ``edition`` and ``k`` become today's, with ``reviewer`` and ``judged_on``.

    Returns ``{"outcome", "population", "edition", "k", "changed"}`` (``changed`` False when the
    judgement was already current: nothing is written). Raises :class:`JudgementError`.
    """
    from .transaction import data_transaction

    data_dir = Path(data_dir)
    _check_choice(population, POPULATIONS, "--population")
    reviewer, date = _text(reviewer, "--reviewer"), _date(date)
    with data_transaction(data_dir) as tx:
        cols, rows = _read(tx.read_bytes(GRADE))
        mine = [r for r in rows if (r["outcome"], r["population"] or "all") == (outcome, population)]
        if not mine:
            raise JudgementError(f"{GRADE}: no judgement of '{outcome}' (population {population}) to confirm; "
                                 "judge each domain with `livingreview grade judge`")
        done = {r["domain"] for r in mine}
        missing = [d for d in DOMAINS if d not in done]
        if missing:
            raise JudgementError(f"{GRADE}: '{outcome}' (population {population}) has no judgement for "
                                 f"{', '.join(missing)}; judge it with `livingreview grade judge` first")
        edition, k = _today(data_dir, outcome, population)
        changed = any((r["edition"], r["k"]) != (str(edition), str(k)) for r in mine)
        if changed:
            for r in mine:
                r.update(edition=str(edition), k=str(k), reviewer=reviewer, judged_on=date)
            _write(tx, data_dir, cols, rows)
    return {"outcome": outcome, "population": population, "edition": edition, "k": k, "changed": changed}


def show(data_dir: Path | str = DATA_DIR) -> str:
    """Each judged pool: the pool it was judged for, today's pool, whether it is current, and its domains."""
    review = load_review(Path(data_dir))
    status = judgement_status(review, pooled_estimates(review))
    g = review.grade.copy()
    if "population" not in g.columns:
        g["population"] = "all"
    g["population"] = g["population"].fillna("all")
    lines = []
    for r in status.itertuples():
        state = "current" if r.current else (f"OUT OF DATE: today's pool is edition {r.edition_now} with "
                                             f"k = {r.k_now}; look at it, then `livingreview grade confirm "
                                             f"{r.outcome}{'' if r.population == 'all' else ' --population ' + r.population}"
                                             " --reviewer WHO` or judge again")
        who = f"; {r.reviewer}" if r.reviewer else ""
        when = f", {r.judged_on}" if r.judged_on else ""
        lines.append(f"{r.outcome} ({r.population}): judged for edition {r.edition}, k = {r.k}{who}{when}: "
                     f"{certainty(r.downgrade)} (downgraded {r.downgrade}); {state}")
        dom = g[(g["outcome"] == r.outcome) & (g["population"] == r.population) & (g["edition"] == r.edition)
                & (g["k"] == r.k)]
        for d in dom.itertuples():
            lines.append(f"  {d.domain:<17} {'−' + str(int(d.downgrade)) if d.downgrade else ' 0'}  {d.reason}")
    return "\n".join(lines) if lines else "no GRADE judgements in grade.csv"


__all__ = ["judge", "confirm", "show", "JudgementError", "POPULATIONS", "DOMAINS"]
