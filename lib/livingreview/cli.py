"""The ``livingreview`` command line.

Sub-commands::

    livingreview validate [DATA_DIR]
    livingreview pool FILE.csv [--by COLUMN] [--method MH|MH-cc|both]
    livingreview add-trial FILE.yaml [--data-dir DIR] [--edition YEAR]
    livingreview bibtex [--output book/studies.bib]
    livingreview execute [--force] [NOTEBOOK ...]
    livingreview stale [NOTEBOOK ...]

Bad input never produces a traceback: every problem is printed on stderr as
``FILE:LINE: column 'NAME': message`` and the exit status is 1. No command here
modifies a data file except ``add-trial``, which writes ``data/`` as one locked transaction
(:mod:`livingreview.transaction`). An unexpected error is one line too (``--debug`` shows the
traceback).
"""
from __future__ import annotations

import argparse
import sys
import warnings

POOL_EXAMPLE = """\
example:
  $ cat counts.csv
  study_id,outcome,tac_events,tac_total,ctl_events,ctl_total,regimen
  bao2008,total_response,18,20,9,20,triple
  liu2015,total_response,151,181,114,181,triple
  $ livingreview pool counts.csv --by regimen --method MH-cc
  outcome,group,method,k,tac_events,tac_total,ctl_events,ctl_total,rr,ci_low,ci_high,z,p,q,q_df,q_p,i2
  total_response,all,MH-cc,2,169,201,123,201,1.3739...

Rows with a missing count are skipped (and named on stderr). Zero-cell rules:
MH adds nothing (metafor's default); MH-cc adds 0.5 to every cell of a study with
a zero cell and drops double-zero studies (Stata metan v3, RevMan 5).
"""

OUTPUT_COLUMNS = ["outcome", "group", "method", "k", "tac_events", "tac_total", "ctl_events", "ctl_total",
                  "rr", "ci_low", "ci_high", "z", "p", "q", "q_df", "q_p", "i2"]


def _fail(exc) -> int:
    print(str(exc), file=sys.stderr)
    return 1


def cmd_validate(args) -> int:
    from .data import validate

    problems = validate(args.data_dir)
    if problems:
        n = len(problems)
        print(f"{n} problem{'s' if n != 1 else ''} in {args.data_dir}:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    print(f"{args.data_dir}: all data files are valid")
    return 0


def cmd_pool(args) -> int:
    import pandas as pd

    from . import mh
    from .data import COUNT_COLUMNS, DataError, read_pool_input

    try:
        frame = read_pool_input(args.file, args.by)
    except DataError as exc:
        return _fail(exc)
    complete = frame[list(COUNT_COLUMNS)].notna().all(axis=1)
    if not complete.all():
        skipped = frame.loc[~complete, ["study_id", "outcome"]]
        names = ", ".join(f"{s}/{o}" for s, o in skipped.itertuples(index=False))
        print(f"skipped {len(skipped)} row(s) with a missing count: {names}", file=sys.stderr)
    frame = frame[complete]
    methods = mh.METHODS if args.method == "both" else (args.method,)
    parts = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", mh.DegeneratePoolWarning)
        for m in methods:
            res = mh.pool(frame, ["outcome"], m).assign(group="all")
            parts.append(res)
            if args.by:
                sub = mh.pool(frame, ["outcome", args.by], m).rename(columns={args.by: "group"})
                sub["group"] = sub["group"].astype(str)
                parts.append(sub)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=OUTPUT_COLUMNS)
    if len(out):
        out["_all"] = out["group"] != "all"
        out = out.sort_values(["outcome", "_all", "group", "method"], kind="stable")
    write_csv(out[OUTPUT_COLUMNS], sys.stdout)
    return 0


def write_csv(frame, stream) -> None:
    """Write a result frame as CSV: floats with 10 significant digits, NaN as an empty cell.

    Formats column by column (pandas' ``to_csv`` is about 20 times slower on large outputs).
    """
    import csv
    import io

    def text(col):
        values = frame[col].tolist()
        if frame[col].dtype.kind == "f":
            return ["" if v != v else format(v, ".10g") for v in values]
        return ["" if v is None else str(v) for v in values]

    def quote(cells):
        if not any(("," in c) or ('"' in c) or ("\n" in c) for c in cells):
            return cells
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="")
        out = []
        for c in cells:
            buf.seek(0)
            buf.truncate()
            w.writerow([c])
            out.append(buf.getvalue())
        return out

    columns = [quote(text(c)) for c in frame.columns]
    stream.write(",".join(quote([str(c) for c in frame.columns])) + "\n")
    if len(frame):
        stream.write("\n".join(",".join(row) for row in zip(*columns)) + "\n")


def cmd_add_trial(args) -> int:
    from .living import TrialFileError, add_trial

    from .transaction import TransactionError

    try:
        res = add_trial(args.file, args.data_dir, edition=args.edition)
    except TrialFileError as exc:
        return _fail(exc)
    except TransactionError as exc:
        return _fail(f"{exc}; nothing was written")
    except FileNotFoundError as exc:
        return _fail(f"{exc.filename}: file not found; nothing was written")
    print(f"added {res['study_id']} (edition {res['edition']}): {', '.join(res['outcomes'])}")
    print("data/studies.csv, data/outcomes.csv and data/changelog.csv were updated.")
    print("next: make notebooks   (re-executes the notebooks that read the changed files)")
    print("      make test        (then commit data/, notebooks/ and results/ together)")
    return 0


def cmd_bibtex(args) -> int:
    from pathlib import Path

    from .data import ROOT, DataError, load_review
    from .literature import bib_keys, bibtex

    try:
        studies = load_review(args.data_dir, tables=["studies"]).studies
    except DataError as exc:
        return _fail(exc)
    text = bibtex(studies, skip_keys=bib_keys(ROOT / "book" / "references.bib"))
    if args.output:
        out = Path(args.output)
        if out.is_dir():
            return _fail(f"{out}: is a directory; give the path of a .bib file to --output")
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            out.write_text(text, encoding="utf-8")
            print(f"wrote {out}")
    else:
        sys.stdout.write(text)
    return 0


def cmd_execute(args) -> int:
    from .notebooks import execute_stale

    try:
        execute_stale(args.notebooks or None, force=args.force)
    except Exception as exc:  # a cell error: nbclient's message names the cell
        print(f"execution failed: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_stale(args) -> int:
    from .notebooks import NotebookError, _rel, notebook_paths, stale_reasons

    stale = 0
    for p in notebook_paths(args.notebooks or None):
        try:
            reasons = stale_reasons(p)
        except NotebookError as exc:
            stale += 1
            print(f"{exc}", file=sys.stderr)
            continue
        if reasons:
            stale += 1
            print(f"{_rel(p)}: stale ({'; '.join(reasons)})")
    if stale:
        print(f"{stale} stale notebook(s): run `make notebooks`", file=sys.stderr)
        return 1
    print("all notebooks are up to date")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .data import DATA_DIR

    parser = argparse.ArgumentParser(prog="livingreview", description="Living review of tacrolimus for lupus nephritis.")
    parser.add_argument("--debug", action="store_true", help="show the Python traceback of an unexpected error")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check every data file; list all problems")
    p.add_argument("data_dir", nargs="?", default=str(DATA_DIR), help="folder of the data files (default: data/)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("pool", help="Mantel-Haenszel risk ratios of a counts CSV",
                       epilog=POOL_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="CSV with study_id, outcome, tac_events, tac_total, ctl_events, ctl_total")
    p.add_argument("--by", help="also pool within each value of this column")
    p.add_argument("--method", choices=["MH", "MH-cc", "both"], default="both", help="zero-cell rule (default: both)")
    p.set_defaults(func=cmd_pool)

    p = sub.add_parser("add-trial", help="validate a trial file (YAML) with the data and add it atomically")
    p.add_argument("file", help="YAML with 'study:' (studies.csv columns) and 'outcomes:' (list of outcomes.csv rows)")
    p.add_argument("--data-dir", default=str(DATA_DIR), help="folder of the data files (default: data/)")
    p.add_argument("--edition", type=int, help="edition for added_in when the file omits it (default: this year)")
    p.set_defaults(func=cmd_add_trial)

    p = sub.add_parser("bibtex", help="BibTeX entries of every study in studies.csv (for book/studies.bib)")
    p.add_argument("--data-dir", default=str(DATA_DIR))
    p.add_argument("--output", help="write here (only when the content changed) instead of stdout")
    p.set_defaults(func=cmd_bibtex)

    p = sub.add_parser("execute", help="re-execute stale notebooks in place (all with --force)")
    p.add_argument("notebooks", nargs="*")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_execute)

    p = sub.add_parser("stale", help="list stale notebooks; exit 1 if any")
    p.add_argument("notebooks", nargs="*")
    p.set_defaults(func=cmd_stale)
    return parser


def _one_line(exc: BaseException) -> str:
    """A one-line message for an error that reached the top: the file it concerns, what went wrong."""
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())


def _expected_errors() -> tuple[type[BaseException], ...]:
    """Errors of bad input or a bad environment: OSError, ValueError (incl. JSON and nbformat's
    NotJSONError), YAML errors of both parsers, nbformat validation, recursion and memory limits."""
    errors: list[type[BaseException]] = [OSError, ValueError, RecursionError, MemoryError, UnicodeError]
    for mod, name in (("ruamel.yaml.error", "YAMLError"), ("yaml", "YAMLError"),
                      ("nbformat", "ValidationError"), ("jsonschema", "ValidationError")):
        m = sys.modules.get(mod)
        if m is not None and hasattr(m, name):
            errors.append(getattr(m, name))
    return tuple(errors)


def main(argv=None) -> int:
    """Run a sub-command; every expected error becomes a one-line message and exit status 1.

    ``--debug`` re-raises it instead, with its traceback.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug or not isinstance(exc, _expected_errors()):
            if args.debug:
                raise
            print(f"livingreview: internal error ({type(exc).__name__}: {_one_line(exc)}); "
                  "run again with --debug for the traceback", file=sys.stderr)
            return 1
        print(f"livingreview: {_one_line(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
