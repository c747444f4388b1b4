"""``livingreview search …``: the sub-commands' parsers (their handlers live in :mod:`livingreview.search`).

Kept apart from :mod:`livingreview.search` so that building the command line imports neither pandas
nor the parsers of search exports (the ``pool`` command must start fast).
"""
from __future__ import annotations

from pathlib import Path

from .screening_vocab import EXCLUSION_REASONS, STAGES


def _default_data_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "data"


def _lazy(name: str):
    def run(args):
        from . import search

        return getattr(search, name)(args)
    return run


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
