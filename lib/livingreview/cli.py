"""The ``livingreview`` command line.

Sub-commands::

    livingreview validate [DATA_DIR]
    livingreview pool FILE.csv [--by COLUMN] [--method MH|MH-cc|both | --random DL|REML|PM]
    livingreview add-trial FILE.yaml [--data-dir DIR] [--edition YEAR]
    livingreview bibtex [--output book/studies.bib]
    livingreview execute [--force] [NOTEBOOK ...]
    livingreview stale [NOTEBOOK ...]
    livingreview search import|screen|status|flow|strategies ...   (see livingreview.search)
    livingreview sequential boundaries --fractions F,... | FILE.csv --rr RR ...  (see livingreview.sequential_cli)

Bad input never produces a traceback: every problem is printed on stderr as
``FILE:LINE: column 'NAME': message`` and the exit status is 1. No command here
modifies a data file except ``add-trial``, which writes ``data/`` as one locked transaction
(:mod:`livingreview.transaction`). An unexpected error is one line too (``--debug`` shows the
traceback).
"""
from __future__ import annotations

import argparse
import os
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
  $ livingreview pool counts.csv --by regimen --random REML
  outcome,group,tau2_method,ci_method,k,rr,ci_low,ci_high,tau2,i2,pi_low,pi_high
  total_response,all,REML,z,2,...
  total_response,all,REML,hksj,2,...
  total_response,all,REML,hksj_modified,2,...

Rows with a missing count are skipped (and named on stderr); an empty --by cell
is its own group, '(missing)'. Zero-cell rules: MH adds nothing (metafor's
default); MH-cc adds 0.5 to every cell of a study with a zero cell and drops
double-zero studies (Stata metan v3, RevMan 5).

--random DL|REML|PM writes random-effects rows instead: per-study log RRs with
0.5 in every cell of a zero-cell study, double-zero studies dropped; one row per
(outcome, group, ci_method) with ci_method z (Wald), hksj (classic
Knapp-Hartung, metafor test="knha") and hksj_modified (variance factor never
below 1). Prediction intervals use t with k-1 df and are empty for k < 3. Groups
with fewer than two estimable studies give no row (named on stderr).
"""

#: The command line's key columns (its ``group`` is the results files' ``subgroup``). The full output
#: contracts are ``OUTPUT_COLUMNS`` (MH rows: these + :data:`livingreview.mh.POOLED_COLUMNS`) and
#: ``RANDOM_OUTPUT_COLUMNS`` (``outcome, group`` + :data:`livingreview.randeff.RE_RESULT_COLUMNS`),
#: built from those single declarations when first asked for (numpy and scipy load only for ``pool``).
KEY_COLUMNS = ["outcome", "group", "method"]


def _output_columns() -> list[str]:
    from .mh import POOLED_COLUMNS

    return KEY_COLUMNS + POOLED_COLUMNS


def _random_output_columns() -> list[str]:
    from .randeff import RE_RESULT_COLUMNS

    return KEY_COLUMNS[:2] + RE_RESULT_COLUMNS


def __getattr__(name: str):
    if name == "OUTPUT_COLUMNS":
        return _output_columns()
    if name == "RANDOM_OUTPUT_COLUMNS":
        return _random_output_columns()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def _no_blas_threads() -> None:
    """Ask OpenBLAS for no worker threads, unless the user chose a number (``OPENBLAS_NUM_THREADS``).

    The pool path does no linear algebra (bincounts and elementwise ufuncs), but OpenBLAS starts a
    worker per core when numpy loads it; on a small shared machine those threads only compete with
    the one doing the work (about 0.1-0.25 s of CPU per run on 2 cores). The variable is read when
    numpy is first imported, so a process that already has numpy (a test, a notebook) is untouched.
    """
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def cmd_pool(args) -> int:
    """``livingreview pool``: numpy and the csv module only (no pandas: start-up is most of the time)."""
    _no_blas_threads()
    from .poolio import PoolInputError, read_pool_csv

    forbidden = set(_output_columns()) | set(_random_output_columns()) | {"log_rr", "se_log_rr", "note"}
    try:
        data = read_pool_csv(args.file, args.by, forbidden)
    except PoolInputError as exc:
        return _fail(exc)
    if data.skipped:
        print(f"skipped {len(data.skipped)} row(s) with a missing count: {', '.join(data.skipped)}", file=sys.stderr)
    if args.random:
        return _pool_random(data, args)
    return _pool_mh(data, args)


def _pool_groups(data, by: bool):
    """(label of 'group', codes, keys) for the overall pools and, with --by, the subgroup pools."""
    from .poolio import codes_of

    out = [("all", *codes_of(data.outcome))]
    if by:
        out.append(("by", *codes_of(data.outcome, data.group)))
    return out


def _pool_mh(data, args) -> int:
    """MH rows, ordered by outcome, the overall pool first, group, method (strings in code point order).

    Every pool of a method and batch (overall, or by subgroup) is computed at once by
    :func:`mh.pool_arrays`; the rows are sorted by integer keys and written with one format call
    for their numbers (:func:`poolio.format_numeric_rows`).
    """
    import numpy as np

    from . import mh
    from .poolio import _quote, factorize, format_numeric_rows

    columns = _output_columns()
    whole = {"k", *mh.COUNT_COLUMNS}  # printed as integers

    methods = sorted(mh.METHODS if args.method in (None, "both") else (args.method,))
    c = data.counts
    oc, outcomes = factorize(data.outcome)
    batches = [(0, oc, np.arange(len(outcomes)), np.zeros(len(outcomes), np.int64))]
    groups: list[str] = []
    if args.by:
        gc, groups = factorize(data.group)
        used, codes = np.unique(oc.astype(np.int64) * len(groups) + gc, return_inverse=True)
        o_idx, g_idx = np.divmod(used, len(groups))
        batches.append((1, codes.ravel(), o_idx, g_idx))
    keys, numbers = [], []
    for mi, m in enumerate(methods):
        for sub, codes, o_idx, g_idx in batches:
            res = mh.pool_arrays(c["tac_events"], c["tac_total"], c["ctl_events"], c["ctl_total"], codes,
                                 len(o_idx), m)
            labels = [""] * len(o_idx)  # names of the degenerate pools only
            for i in np.flatnonzero(res["no_rr"] | res["no_ci"]).tolist():
                labels[i] = f"{outcomes[o_idx[i]]}/{groups[g_idx[i]]}" if sub else outcomes[o_idx[i]]
            _print_degenerate(labels, res["no_rr"], res["no_ci"])
            keys.append(np.column_stack([o_idx, np.full(len(o_idx), sub), g_idx, np.full(len(o_idx), mi)]))
            numbers.append(np.column_stack([res[name] for name in columns[3:]]))
    keys = np.concatenate(keys).astype(np.int64)
    order = np.lexsort(keys.T[::-1])
    keys = keys[order]
    numeric = format_numeric_rows(np.concatenate(numbers)[order],
                                  "".join("i" if name in whole else "f" for name in columns[3:]))
    # the output's outcome and group columns hold every value of these lists: quoted as whole columns
    outcome_cells = _quote(outcomes)
    group_cells = _quote(["all"] + groups)
    group_of = np.where(keys[:, 1] == 1, keys[:, 2] + 1, 0)
    rows = [f"{outcome_cells[o]},{group_cells[g]},{methods[m]},{num}"
            for o, g, m, num in zip(keys[:, 0].tolist(), group_of.tolist(), keys[:, 3].tolist(), numeric)]
    sys.stdout.write(",".join(_quote(columns)) + "\n" + "".join(r + "\n" for r in rows))
    return 0


def _print_degenerate(labels, no_rr, no_ci) -> None:
    from . import mh

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", mh.DegeneratePoolWarning)
        mh._warn_degenerate(labels, no_rr, no_ci)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)


def _pool_random(data, args) -> int:
    import numpy as np

    from . import mh, randeff
    from .poolio import format_column, write_columns

    columns = _random_output_columns()

    c = data.counts
    st = mh.study_arrays(c["tac_events"], c["tac_total"], c["ctl_events"], c["ctl_total"], "MH-cc")
    ok = ~np.isnan(st["log_rr"])
    y, v = st["log_rr"], st["var_log_rr"]
    out, too_few = [], []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", randeff.IterationLimitWarning)
        for kind, codes, keys in _pool_groups(data, bool(args.by)):
            order = np.argsort(codes, kind="stable")
            bounds = np.searchsorted(codes[order], np.arange(len(keys) + 1))
            for i, key in enumerate(keys):
                idx = order[bounds[i]:bounds[i + 1]]
                idx = idx[ok[idx]]
                group = "all" if kind == "all" else key[1]
                if len(idx) < 2:
                    too_few.append(f"{key[0]}/{group}")
                    continue
                for cm in randeff.CI_METHODS:
                    r = randeff.random_effects(y[idx], v[idx], args.random, cm)
                    out.append(((key[0], kind != "all", group, randeff.CI_METHODS.index(cm)),
                                [key[0], group, args.random, cm, r["k"]] +
                                [r[n] for n in columns[5:]]))
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    if too_few:
        print(f"no random-effects row for {len(too_few)} group(s) with fewer than two estimable studies "
              f"(double-zero studies have no log RR): {', '.join(too_few[:20])}"
              + (" ..." if len(too_few) > 20 else ""), file=sys.stderr)
    out.sort(key=lambda t: t[0])
    cols = []
    for j, name in enumerate(columns):
        vals = [row[j] for _, row in out]
        cols.append(format_column(vals, "f" if j >= 5 else "i"))
    write_columns(columns, cols, sys.stdout)
    return 0


def _cmd_pool_checked(args) -> int:
    if args.random and args.method:
        args.parser.error("--method (the MH zero-cell rule) does not apply with --random")
    return cmd_pool(args)


def cmd_add_trial(args) -> int:
    from .living import TrialFileError, add_trial

    from .transaction import CommittedError, TransactionError

    try:
        res = add_trial(args.file, args.data_dir, edition=args.edition)
    except TrialFileError as exc:
        return _fail(exc)
    except CommittedError as exc:  # after the commit point: the trial is in and will be completed
        return _fail(f"livingreview: {exc}")
    except TransactionError as exc:
        return _fail(f"{exc}; nothing was written")
    except FileNotFoundError as exc:
        return _fail(f"{exc.filename}: file not found; nothing was written")
    print(f"added {res['study_id']} (edition {res['edition']}): {', '.join(res['outcomes'])}")
    print("data/studies.csv, data/outcomes.csv, data/changelog.csv and data/update_register.csv were updated.")
    print("next: make notebooks   (re-executes the notebooks that read the changed files)")
    print("      make test        (then commit data/, notebooks/ and results/ together)")
    return 0


def cmd_bibtex(args) -> int:
    from pathlib import Path

    from .data import ROOT, DataError, load_review
    from .bibliography import bib_keys, bibtex

    try:
        review = load_review(args.data_dir, tables=["studies", "update_register", "labels"])
    except DataError as exc:
        return _fail(exc)
    labels = {c: review.code_labels(c) for c in ("design", "regimen")}
    text = bibtex(review.studies, skip_keys=bib_keys(ROOT / "book" / "references.bib"), register=review.register,
                  labels=labels)
    if args.output:
        return _write_output(Path(args.output), text, Path(args.data_dir))
    sys.stdout.write(text)
    return 0


def _write_output(out, text: str, data_dir) -> int:
    """Write ``text`` to ``out`` when its content differs: a regular file outside the data folder.

    The current content is compared without reading more than the new text's size (a device or a
    huge file is never read), and the file is replaced atomically (a temporary file renamed).
    """
    import os
    import stat
    import tempfile
    from pathlib import Path

    new = text.encode("utf-8")
    real, root = out.resolve(), Path(data_dir).resolve()
    if real == root or root in real.parents:
        return _fail(f"{out}: inside the data folder {data_dir}; --output never writes there "
                     "(data files change only through add-trial and search)")
    try:
        st = os.stat(out)
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        return _fail(f"{out}: is a directory; give the path of a .bib file to --output")
    if st is not None and not stat.S_ISREG(st.st_mode):
        return _fail(f"{out}: not a regular file (a device, pipe or socket); give the path of a .bib file")
    if st is not None and st.st_size == len(new):
        with open(out, "rb") as f:
            if f.read(len(new) + 1) == new:
                return 0
    folder = real.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(new)
            f.flush()
            os.fsync(f.fileno())
        if st is not None:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    print(f"wrote {out}")
    return 0


def cmd_execute(args) -> int:
    from .build.notebooks import execute_stale

    try:
        execute_stale(args.notebooks or None, force=args.force)
    except Exception as exc:  # a cell error: nbclient's message names the cell
        print(f"execution failed: {_one_line(exc)[:2000]}", file=sys.stderr)
        return 1
    return 0


def cmd_stale(args) -> int:
    from .build.notebooks import NotebookError, _rel, notebook_paths, stale_reasons

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


def _default_data_dir():
    """``data/`` of the repository, without importing :mod:`livingreview.data` (and pandas)."""
    from pathlib import Path

    return Path(__file__).resolve().parents[2] / "data"


def build_parser() -> argparse.ArgumentParser:
    DATA_DIR = _default_data_dir()

    parser = argparse.ArgumentParser(prog="livingreview", description="Living review of tacrolimus for lupus nephritis.")
    parser.add_argument("--debug", action="store_true", help="show the Python traceback of an unexpected error")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check every data file; list all problems")
    p.add_argument("data_dir", nargs="?", default=str(DATA_DIR), help="folder of the data files (default: data/)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("pool", help="Mantel-Haenszel (or random-effects) risk ratios of a counts CSV",
                       epilog=POOL_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="CSV with study_id, outcome, tac_events, tac_total, ctl_events, ctl_total")
    p.add_argument("--by", help="also pool within each value of this column")
    p.add_argument("--method", choices=["MH", "MH-cc", "both"], default=None,
                   help="zero-cell rule of the MH pools (default: both)")
    p.add_argument("--random", choices=["DL", "REML", "PM"],
                   help="write random-effects rows with this tau2 estimator instead of the MH rows")
    p.set_defaults(func=_cmd_pool_checked, parser=p)

    p = sub.add_parser("add-trial", help="validate a trial file (YAML) with the data and add it atomically")
    p.add_argument("file", help="YAML with 'study:' (studies.csv columns) and 'outcomes:' (list of outcomes.csv rows)")
    p.add_argument("--data-dir", default=str(DATA_DIR), help="folder of the data files (default: data/)")
    p.add_argument("--edition", type=int, help="edition for added_in when the file omits it (default: this year)")
    p.set_defaults(func=cmd_add_trial)

    p = sub.add_parser("bibtex", help="BibTeX entries of every study in studies.csv and every trial of update_register.csv (for book/studies.bib)")
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

    from .search_cli import register as register_search  # livingreview search import|screen|status|flow|strategies

    register_search(sub)
    from .sequential_cli import register as register_sequential  # livingreview sequential boundaries|FILE

    register_sequential(sub)
    from .grade_cli import register as register_grade  # livingreview grade show|judge|confirm, update status

    register_grade(sub)
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


def _is_stdout_error(exc: OSError) -> bool:
    import errno

    return exc.filename is None and exc.errno in (errno.ENOSPC, errno.EPIPE, errno.EBADF, errno.EIO, errno.EDQUOT)


def _stdout_to_devnull() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush does not fail again."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.close(fd)
        sys.stdout = open(os.devnull, "w")
    except OSError:
        pass


def main(argv=None) -> int:
    """Run a sub-command; every expected error becomes a one-line message and exit status 1.

    ``--debug`` re-raises it instead, with its traceback.
    """
    args = build_parser().parse_args(argv)
    if sys.stdout is None or sys.stderr is None:  # started with >&- (or 2>&-): nothing could be reported
        if sys.stderr is not None:
            print("livingreview: standard output is closed; nothing was done", file=sys.stderr)
        return 1
    try:
        code = args.func(args)
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if isinstance(exc, OSError) and _is_stdout_error(exc):
            _stdout_to_devnull()
            print(f"livingreview: cannot write to standard output ({exc.strerror or exc})", file=sys.stderr)
            return 1
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
