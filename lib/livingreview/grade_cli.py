"""``livingreview grade show|judge|confirm`` and ``livingreview update status``: parsers and handlers.

Building the parsers imports nothing heavy (the ``pool`` command must start fast); each handler
imports :mod:`livingreview.judgements` or :mod:`livingreview.update_status` when it runs.
"""
from __future__ import annotations

import sys
from pathlib import Path

DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
POPULATIONS = ("all", "duo", "triple")


def _default_data_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "data"


def _fail(message) -> int:
    print(str(message), file=sys.stderr)
    return 1


def _expected():
    from .data import DataError
    from .judgements import JudgementError
    from .transaction import TransactionError

    return JudgementError, DataError, TransactionError


def cmd_grade_show(args) -> int:
    from .judgements import show

    try:
        print(show(args.data_dir))
    except _expected() as exc:
        return _fail(exc)
    return 0


def cmd_grade_judge(args) -> int:
    from .judgements import judge

    try:
        res = judge(args.outcome, args.domain, args.downgrade, args.reason, args.reviewer, args.population,
                    args.date, args.data_dir)
    except _expected() as exc:
        return _fail(f"{exc}; nothing was written")
    what = "replaced" if res["replaced"] else "recorded"
    print(f"{args.outcome} ({args.population}) {args.domain}: −{args.downgrade} {what} in data/grade.csv "
          f"for edition {res['edition']}, k = {res['k']}")
    print("next: livingreview update status")
    return 0


def cmd_grade_confirm(args) -> int:
    from .judgements import confirm

    try:
        res = confirm(args.outcome, args.reviewer, args.population, args.date, args.data_dir)
    except _expected() as exc:
        return _fail(f"{exc}; nothing was written")
    if res["changed"]:
        print(f"{args.outcome} ({args.population}): judgement carried to edition {res['edition']}, k = {res['k']} "
              f"in data/grade.csv")
        print("next: make notebooks, then livingreview update status")
    else:
        print(f"{args.outcome} ({args.population}): already judged for today's pool (edition {res['edition']}, "
              f"k = {res['k']}); nothing was written")
    return 0


def cmd_update_status(args) -> int:
    from .data import ROOT
    from .update_status import checklist, report

    # the notebooks record the inputs of this checkout's data/: another folder has no notebooks to check
    notebooks = Path(args.data_dir).resolve() == (ROOT / "data").resolve()
    try:
        items = checklist(args.data_dir, notebooks=notebooks)
    except _expected() as exc:
        return _fail(exc)
    if not notebooks:
        print(f"(notebooks not checked: {args.data_dir} is not the data/ folder of this checkout)")
    print(report(items))
    return 0 if not items else 1


def register(subparsers) -> None:
    """Add ``livingreview grade …`` and ``livingreview update …`` (called by ``livingreview.cli.build_parser``)."""

    def data_dir(q):
        q.add_argument("--data-dir", default=str(_default_data_dir()), help="folder of the data files (default: data/)")

    p = subparsers.add_parser("grade", help="GRADE judgements: show them, judge a domain, confirm for today's pool")
    sub = p.add_subparsers(dest="grade_command", required=True)

    q = sub.add_parser("show", help="each judgement, the pool it was made for, and whether it is current")
    data_dir(q)
    q.set_defaults(func=cmd_grade_show)

    q = sub.add_parser("judge", help="judge one GRADE domain of one pool, for today's pool (edition and k)")
    q.add_argument("outcome", help="outcome id of outcome_vocabulary.csv (e.g. complete_response)")
    q.add_argument("--population", default="all", choices=POPULATIONS, help="the pool judged (default: all)")
    q.add_argument("--domain", required=True, choices=DOMAINS)
    q.add_argument("--downgrade", required=True, type=int, choices=(0, 1, 2), help="levels downgraded")
    q.add_argument("--reason", required=True, help="why (also when not downgraded)")
    q.add_argument("--reviewer", required=True)
    q.add_argument("--date", help="YYYY-MM-DD (default: today)")
    data_dir(q)
    q.set_defaults(func=cmd_grade_judge)

    q = sub.add_parser("confirm", help="after looking at today's pool, carry a judgement to it unchanged")
    q.add_argument("outcome")
    q.add_argument("--population", default="all", choices=POPULATIONS)
    q.add_argument("--reviewer", required=True)
    q.add_argument("--date", help="YYYY-MM-DD (default: today)")
    data_dir(q)
    q.set_defaults(func=cmd_grade_confirm)

    p = subparsers.add_parser("update", help="what a living update still needs before it is committed")
    sub = p.add_subparsers(dest="update_command", required=True)
    q = sub.add_parser("status", help="one checklist: records to screen, studies to extract, stale notebooks, "
                                      "stale GRADE judgements; exit 0 when ready to commit, 1 otherwise")
    data_dir(q)
    q.set_defaults(func=cmd_update_status)
