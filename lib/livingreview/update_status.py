"""What a living update still needs before it can be committed: one checklist (``livingreview update status``).

The items, in the order of the update (book: *Keeping the review up to date*):

1. the data validate (``livingreview validate``);
2. no record is left to screen (``livingreview search status``);
3. every study included at full text has its data extracted (``livingreview add-trial``);
4. no notebook is stale (``make notebooks``);
5. every GRADE judgement was made for today's pool and judges all five domains
   (``livingreview grade confirm`` or ``grade judge``).

When nothing is left the update is ready to commit. Each item names the command that clears it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .data import DATA_DIR, ROOT, DataError, load_review, validate


@dataclass
class Item:
    """One thing the update still needs: what, the command that clears it, and the details."""

    what: str
    todo: str
    details: list[str] = field(default_factory=list)


def _domains_missing(review) -> list[str]:
    from .grade import DOMAIN_TEXT

    g = review.grade.copy()
    if "population" not in g.columns:
        g["population"] = "all"
    g["population"] = g["population"].fillna("all")
    out = []
    for (outcome, population), j in g.groupby(["outcome", "population"], sort=False):
        missing = [d for d in DOMAIN_TEXT if d not in set(j["domain"])]
        if missing:
            out.append(f"{outcome} ({population}): no judgement for {', '.join(missing)}")
    return out


def checklist(data_dir: Path | str = DATA_DIR, root: Path | str = ROOT, notebooks: bool = True) -> list[Item]:
    """Everything the update still needs (an empty list: ready to commit)."""
    data_dir = Path(data_dir)
    problems = validate(data_dir)
    if problems:
        return [Item(f"{len(problems)} problem(s) in the data", "fix them (`livingreview validate` lists them "
                     "with file, line and column); nothing else can be checked before", [str(p) for p in problems])]
    try:
        review = load_review(data_dir)
    except DataError as exc:  # validated a moment ago; another writer may have changed the files
        return [Item("the data changed while being checked", "run `livingreview update status` again", [str(exc)])]
    items: list[Item] = []

    from .search import screening_status

    todo = screening_status(review)
    if len(todo):
        details = [f"round {r.round} {r.stage}: {r.record_id}" for r in todo.itertuples()]
        items.append(Item(f"{len(todo)} record(s) to screen", "`livingreview search screen RECORD_ID --stage "
                          "title_abstract|full_text --decision … --reviewer WHO` (see `livingreview search status`)",
                          details))

    reg = review.register
    included = set(review.studies["study_id"])
    scr = review.search_screening
    ft = scr[(scr["stage"] == "full_text") & (scr["decision"] == "include")]
    waiting = sorted((set(reg.loc[reg["status"] == "awaiting_extraction", "study_id"])
                      | set(ft["study_id"].dropna())) - included)
    if waiting:
        items.append(Item(f"{len(waiting)} included stud(y/ies) without extracted data",
                          "write a trial file for each (example in data/README.md) and run "
                          "`livingreview add-trial FILE.yaml`", waiting))

    if notebooks:
        from .build.notebooks import NotebookError, notebook_paths, stale_reasons

        stale = []
        for p in notebook_paths():
            try:
                reasons = stale_reasons(p, root)
            except NotebookError as exc:
                reasons = [str(exc)]
            if reasons:
                stale.append(f"notebooks/{p.name}: {'; '.join(reasons)}")
        if stale:
            items.append(Item(f"{len(stale)} stale notebook(s)", "run `make notebooks`", stale))

    from .grade import judgement_status
    from .pools import pooled_estimates

    status = judgement_status(review, pooled_estimates(review))
    old = status[~status["current"]]
    if len(old):
        details = [f"{r.outcome} ({r.population}): judged for edition {r.edition} with k = {r.k}; today's pool is "
                   f"edition {r.edition_now} with k = {r.k_now}: look at it, then `livingreview grade confirm "
                   f"{r.outcome}{'' if r.population == 'all' else ' --population ' + r.population} --reviewer WHO`"
                   f" (or `livingreview grade judge {r.outcome} --domain D --downgrade N --reason … --reviewer WHO`)"
                   for r in old.drop_duplicates(["outcome", "population"]).itertuples()]
        items.append(Item(f"{len(details)} GRADE judgement(s) out of date", "re-judge them (`livingreview grade "
                          "show` shows each judgement and today's pool)", details))
    missing = _domains_missing(review)
    if missing:
        items.append(Item(f"{len(missing)} GRADE judgement(s) without all five domains",
                          "`livingreview grade judge OUTCOME --domain D --downgrade N --reason … --reviewer WHO`",
                          missing))
    return items


def report(items: list[Item]) -> str:
    """The checklist as text; the last line says whether the update is ready to commit."""
    if not items:
        return ("nothing left to do: data valid, every record screened, every included study extracted, "
                "notebooks fresh, GRADE judgements current.\nready to commit (data/, notebooks/, results/ and "
                "book/studies.bib together; `make test` runs every check)")
    lines = []
    for i, it in enumerate(items, 1):
        lines.append(f"{i}. {it.what}: {it.todo}")
        lines += [f"     {d}" for d in it.details[:20]]
        if len(it.details) > 20:
            lines.append(f"     … and {len(it.details) - 20} more")
    lines.append(f"not ready: {len(items)} item(s) left")
    return "\n".join(lines)
