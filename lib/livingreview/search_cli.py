"""``livingreview search …``: the sub-commands' parsers and handlers (the command-line layer).

The work is done by :mod:`livingreview.search` (the library), imported only when a search command
runs, so that building the command line imports neither pandas nor the parsers of search exports
(the ``pool`` command must start fast).
"""
from __future__ import annotations

from pathlib import Path

from .screening_vocab import EXCLUSION_REASONS, STAGES


def _default_data_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "data"


def _lazy(name: str):
    def run(args):
        return globals()[name](args)
    return run


def _fail(message) -> int:
    import sys

    print(str(message), file=sys.stderr)
    return 1


def _report(lines: list[str], committed: str | None = None) -> int:
    """Print ``lines`` on stdout and flush; a closed or full stdout is a one-line error (exit 1)
    that says what was already written to the data (``committed``)."""
    import sys

    try:
        for line in lines:
            sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except (OSError, ValueError) as exc:
        _silence_stdout()
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        done = f"; {committed}" if committed else ""
        return _fail(f"livingreview: cannot write to standard output ({why}){done}")
    return 0


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush does not fail again."""
    import os
    import sys

    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.close(fd)
    except OSError:
        pass
    try:
        sys.stdout = open(os.devnull, "w")
    except OSError:
        pass


def _search_errors():
    from .data import DataError
    from .search import ImportError_
    from .transaction import TransactionError

    return ImportError_, DataError, TransactionError


def cmd_import(args) -> int:
    from .search import RECORDS, import_export
    from .transaction import CommittedError

    try:
        res = import_export(args.file, args.round, args.database, args.searched_on, args.data_dir)
    except CommittedError as exc:
        return _fail(exc)
    except _search_errors() as exc:
        return _fail(f"{exc}; nothing was written")
    if not res["added"] and not res["search_logged"]:
        return _report([f"{args.file}: already imported; nothing was added"])
    return _report([f"{args.file}: {res['added']} record(s) added to {RECORDS} ({res['duplicates']} duplicate(s) "
                    f"linked), {res['skipped']} already present",
                    f"next: livingreview search status --round {args.round}"],
                   committed=f"the import of {args.file} was committed ({res['added']} record(s) added to {RECORDS})")


def cmd_screen(args) -> int:
    from .search import SCREENING, record_decision
    from .transaction import CommittedError

    try:
        res = record_decision(args.record_id, args.stage, args.decision, args.reviewer, args.date, args.reason,
                              args.study_id, args.note, args.data_dir)
    except CommittedError as exc:
        return _fail(exc)
    except _search_errors() as exc:
        return _fail(f"{exc}; nothing was written")
    what = "replaced" if res["replaced"] else "recorded"
    return _report([f"{args.record_id}: {args.stage} {args.decision} {what} in {SCREENING}"],
                   committed=f"the decision on {args.record_id} was recorded in {SCREENING}")


def _load_checked(args):
    from .search import _load, check_data_folder

    check_data_folder(args.data_dir)
    return _load(args.data_dir)


def cmd_status(args) -> int:
    from .search import prisma_flow, screening_status

    try:
        review = _load_checked(args)
    except _search_errors() as exc:
        return _fail(exc)
    todo = screening_status(review, args.round)
    flow = prisma_flow(review, args.round)
    rounds = sorted(flow["round"].unique())
    if not rounds:
        return _report(["no search records" + (f" for round {args.round}" if args.round else "")])
    out = []
    for rnd in rounds:
        f = flow[flow["round"] == rnd].set_index("stage")["count"]
        t = todo[todo["round"] == rnd]
        n_ta, n_ft = (t["stage"] == "title_abstract").sum(), (t["stage"] == "full_text").sum()
        out.append(f"round {rnd}: {f['records_identified']} records, {f['duplicates_removed']} duplicates; "
                   f"{n_ta} left to screen on title/abstract, {n_ft} left at full text; "
                   f"{f['studies_awaiting_data']} awaiting data")
        for r in t.itertuples():
            title = r.title if isinstance(r.title, str) else "(no title)"
            out.append(f"  {r.stage:<15} {r.record_id}  {title[:70]}")
    return _report(out)


def cmd_flow(args) -> int:
    from .search import prisma_flow

    try:
        review = _load_checked(args)
    except _search_errors() as exc:
        return _fail(exc)
    text = prisma_flow(review, args.round).to_csv(index=False, lineterminator="\n")
    return _report(text.splitlines())


def cmd_strategies(args) -> int:
    from .search import strategies

    try:
        table = strategies(args.data_dir)
    except _search_errors() as exc:
        return _fail(exc)
    if table.empty:
        print(f"{args.data_dir}: no saved search strategies (search/strategies/ROUND-DATABASE.txt)",
              file=__import__("sys").stderr)
    return _report([f"{r.round} {r.database}: {r.file}" for r in table.itertuples()])


def register(subparsers) -> None:
    """Add ``livingreview search …`` to the command line (called by ``livingreview.cli.build_parser``)."""
    import argparse

    p = subparsers.add_parser("search", help="import search exports, screen records, PRISMA counts")
    sub = p.add_subparsers(dest="search_command", required=True)

    def data_dir(q):
        q.add_argument("--data-dir", default=str(_default_data_dir()), help="folder of the data files (default: data/)")

    q = sub.add_parser("import", help="import a PubMed/MEDLINE (.nbib/.txt) or RIS export; deduplicated; "
                                      "re-importing adds nothing")
    q.add_argument("file")
    q.add_argument("--round", type=int, required=True, help="edition year of the search round")
    q.add_argument("--database", required=True, help="pubmed, embase, web_of_science, cochrane_central, …")
    q.add_argument("--searched-on", help="date the search was run, YYYY-MM-DD (default: today)")
    data_dir(q)
    q.set_defaults(func=_lazy("cmd_import"))

    q = sub.add_parser("screen", help="record a screening decision (one per record and stage)",
                       epilog="reasons for a full-text exclusion:\n" + "\n".join(
                           f"  {k:<24}{v}" for k, v in EXCLUSION_REASONS.items()),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    q.add_argument("record_id")
    q.add_argument("--stage", required=True, choices=STAGES)
    q.add_argument("--decision", required=True, choices=("include", "exclude", "awaiting_data"))
    q.add_argument("--reason", help="required to exclude at full text (see below)")
    q.add_argument("--study-id", help="the study a full-text report belongs to (update_register.csv)")
    q.add_argument("--reviewer", required=True)
    q.add_argument("--date", help="YYYY-MM-DD (default: today)")
    q.add_argument("--note", help="free-text detail")
    data_dir(q)
    q.set_defaults(func=_lazy("cmd_screen"))

    q = sub.add_parser("status", help="what is left to screen, per round")
    q.add_argument("--round", type=int)
    data_dir(q)
    q.set_defaults(func=_lazy("cmd_status"))

    q = sub.add_parser("flow", help="PRISMA 2020 counts derived from the records, as CSV (round,stage,count)")
    q.add_argument("--round", type=int)
    data_dir(q)
    q.set_defaults(func=_lazy("cmd_flow"))

    q = sub.add_parser("strategies", help="list the saved search strategies")
    data_dir(q)
    q.set_defaults(func=_lazy("cmd_strategies"))
