"""``livingreview sequential …``: monitoring boundaries and trial sequential analysis on the command line.

    livingreview sequential boundaries --fractions 0.2,0.4,0.6,0.8,1 [--alpha 0.05] [--beta 0.2 --futility non-binding]
    livingreview sequential FILE.csv --rr RR [--control-risk P] [--alpha] [--beta] [--heterogeneity none|I2|D2]
                                     [--random DL|REML] [--futility non-binding] [--higher-is better|worse]

One parser takes both forms: its positional argument is the word ``boundaries`` or a file (a file
named ``boundaries`` is given as ``./boundaries``). The statistics are :mod:`livingreview.sequential`;
the file is read by ``pool``'s reader (:func:`livingreview.poolio.read_pool_csv`), so bad input gives
the same one-line ``FILE:LINE: column 'NAME': message`` and exit status 1.
"""
from __future__ import annotations

import sys

EXAMPLE = """\
examples:
  $ livingreview sequential boundaries --fractions 0.5,1
  look,fraction,alpha_spent,upper,lower
  1,0.5,0.001525323...,2.962588...,-2.962588...
  2,1,0.05,1.968596...,-1.968596...
  $ livingreview sequential counts.csv --rr 1.2 --heterogeneity I2
  outcome,look,study_id,participants,ris,fraction,z,upper,lower,crossed
  ...
  (blank line)
  outcome,participants,ris,fraction,z,boundary,rr,ci_low,ci_high,tsa_ci_low,tsa_ci_high,crossed
  ...

The second table is the last look of each outcome: the conventional 95% CI and the TSA-adjusted CI
(the monitoring boundary in place of 1.96). Looks are the trials in the order of the 'year' column
(then study_id), or of the file when it has none; a look adding at most 1% of the required
information size (RIS) is not tested (RTSA). crossed: efficacy, harm, futility, ris reached, none,
not tested. RR > 1 means more events with tacrolimus; --higher-is worse when the event is harmful.
The RIS uses the pooled control-arm risk unless --control-risk is given; --rr ci takes the limit of
the pooled CI nearest to no effect. This is a sensitivity analysis (Cochrane Handbook ch. 22).
"""


def register(subparsers) -> None:
    """Add ``livingreview sequential`` (called by ``livingreview.cli.build_parser``)."""
    import argparse

    p = subparsers.add_parser("sequential", help="trial sequential analysis: boundaries, required information "
                                                 "size, cumulative z of a counts CSV",
                              epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", metavar="boundaries|FILE.csv",
                   help="'boundaries' to print the boundaries at --fractions, or a pool-style counts CSV")
    p.add_argument("--fractions", help="boundaries: increasing information fractions, e.g. 0.2,0.4,0.6,0.8,1")
    p.add_argument("--alpha", type=float, default=0.05, help="two-sided type I error (default 0.05)")
    p.add_argument("--beta", type=float, default=None, help="type II error (default 0.2)")
    p.add_argument("--futility", choices=["none", "non-binding"], default="none",
                   help="add non-binding beta-spending futility boundaries (needs --beta, default 0.2)")
    p.add_argument("--rr", help="FILE: the relative risk the RIS is powered for, or 'ci' (pooled CI limit)")
    p.add_argument("--control-risk", type=float, help="FILE: control-arm risk (default: the pooled one)")
    p.add_argument("--heterogeneity", choices=["none", "I2", "D2"], default="none",
                   help="FILE: adjust the RIS by 1/(1-I2) or 1/(1-D2) of the last look (default none)")
    p.add_argument("--random", choices=["DL", "REML"],
                   help="FILE: random-effects cumulative z instead of Mantel-Haenszel (MH-cc)")
    p.add_argument("--higher-is", choices=["better", "worse"], default="better",
                   help="FILE: whether more events with tacrolimus is good (responses) or bad")
    p.set_defaults(func=cmd_sequential, parser=p)


def _fail(message: str) -> int:
    print(" ".join(str(message).split()), file=sys.stderr)
    return 1


def cmd_sequential(args) -> int:
    if args.target == "boundaries":
        for opt in ("rr", "control_risk", "random"):
            if getattr(args, opt) is not None:
                args.parser.error(f"--{opt.replace('_', '-')} applies to a FILE, not to 'boundaries'")
        if args.fractions is None:
            args.parser.error("boundaries needs --fractions, e.g. --fractions 0.2,0.4,0.6,0.8,1")
        return _boundaries(args)
    if args.fractions is not None:
        args.parser.error("--fractions applies to 'boundaries', not to a FILE")
    if args.rr is None:
        args.parser.error("a FILE needs --rr (a relative risk, or 'ci')")
    return _file(args)


def _check_levels(args) -> str | None:
    if not 0 < args.alpha < 1:
        return f"--alpha {args.alpha:g}: must be between 0 and 1"
    if args.beta is not None and not 0 < args.beta < 1:
        return f"--beta {args.beta:g}: must be between 0 and 1"
    return None


def _boundaries(args) -> int:
    from . import sequential
    from .poolio import format_column, write_columns

    why = _check_levels(args)
    if why:
        return _fail(why)
    try:
        fractions = [float(x) for x in args.fractions.split(",")]
    except ValueError:
        return _fail(f"--fractions {args.fractions!r}: give numbers separated by commas, e.g. 0.2,0.4,0.6,0.8,1")
    try:
        b = sequential.boundaries(fractions, args.alpha, 2, args.beta if args.beta is not None else 0.2,
                                  args.futility)
    except ValueError as exc:
        return _fail(f"--fractions {args.fractions}: {exc}")
    header = ["look", "fraction", "alpha_spent", "upper", "lower"]
    cols = [format_column(list(range(1, len(b.fraction) + 1)), "i")] + [
        format_column(x, "f") for x in (b.fraction, b.alpha_spent, b.upper, b.lower)]
    if args.futility == "non-binding":
        header += ["futility_upper", "futility_lower"]
        cols += [format_column(b.futility_upper, "f"), format_column(b.futility_lower, "f")]
        print(f"information inflated by {b.inflation:.6g} so that the futility and efficacy boundaries meet "
              "at the last look (RTSA)", file=sys.stderr)
    write_columns(header, cols, sys.stdout)
    return 0


def _years(path, data, has_year: bool):
    """Integer publication year of each kept row (None without a 'year' column); problems as pool's."""
    from .poolio import PoolInputError, _problem
    from .safeio import _display_path

    if not has_year:
        return None
    years = []
    for value in data.group:
        try:
            years.append(int(value))
        except ValueError:
            years.append(None)
    bad = sorted({g for g, y in zip(data.group, years) if y is None})
    if bad:
        import csv
        import io

        shown = _display_path(path)
        text = open(path, encoding="utf-8-sig", newline="").read()
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [h.strip() for h in next(reader)]
        j = header.index("year")
        problems = []
        for row in reader:
            cell = row[j].strip() if j < len(row) else ""
            if (cell or "(missing)") in bad:
                msg = "value is required but empty" if not cell else f"'{cell}' is not a year (expected integer)"
                problems.append(_problem(shown, reader.line_num, "year", msg))
        raise PoolInputError(problems[:1] or [_problem(shown, None, "year", "not a year")])
    return years


def _has_year(path) -> bool:
    import csv

    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return "year" in [h.strip() for h in next(csv.reader(fh), [])]
    except (OSError, UnicodeError, csv.Error):
        return False  # the reader reports the problem


def _file(args) -> int:
    import warnings

    import numpy as np

    from . import mh, sequential
    from .poolio import PoolInputError, format_column, read_pool_csv, write_columns

    why = _check_levels(args)
    if why:
        return _fail(why)
    if args.rr != "ci":
        try:
            rr = float(args.rr)
        except ValueError:
            return _fail(f"--rr {args.rr!r}: give a relative risk (e.g. 1.2) or 'ci'")
        if not (rr > 0 and rr != 1 and np.isfinite(rr)):
            return _fail(f"--rr {args.rr}: must be a positive number other than 1")
    else:
        rr = "ci"
    if args.control_risk is not None and not 0 < args.control_risk < 1:
        return _fail(f"--control-risk {args.control_risk:g}: must be between 0 and 1")
    path = args.target
    has_year = _has_year(path)
    try:
        data = read_pool_csv(path, "year" if has_year else None)
        years = _years(path, data, has_year)
    except PoolInputError as exc:
        return _fail(exc)
    if data.skipped:
        print(f"skipped {len(data.skipped)} row(s) with a missing count: {', '.join(data.skipped)}", file=sys.stderr)
    futility = args.futility
    beta = 0.2 if args.beta is None else args.beta
    model = args.random or "MH-cc"
    out_rows, last_rows = [], []
    c = data.counts
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for oc in sorted(set(data.outcome)):
            idx = [i for i, o in enumerate(data.outcome) if o == oc]
            if years is not None:
                idx.sort(key=lambda i: (years[i], data.study_id[i]))
            try:
                m = sequential.monitor([data.study_id[i] for i in idx], *(c[k][idx] for k in mh.COUNT_COLUMNS),
                                       rr=rr, control_risk=args.control_risk, alpha=args.alpha, beta=beta,
                                       heterogeneity=args.heterogeneity, model=model, futility=futility,
                                       higher_is=args.higher_is)
            except ValueError as exc:
                print(f"{oc}: {exc}", file=sys.stderr)
                continue
            L = m.looks
            for k in range(len(L["look"])):
                row = [oc, L["look"][k], L["study_id"][k], L["participants"][k], m.ris, L["fraction"][k], L["z"][k],
                       L["upper"][k], L["lower"][k], L["crossed"][k]]
                if futility == "non-binding":
                    row += [L["futility_upper"][k], L["futility_lower"][k]]
                out_rows.append(row)
            last_rows.append([oc, m.participants, m.ris, m.fraction, m.z, m.final_boundary, m.rr, m.ci_low,
                              m.ci_high, m.adjusted_ci_low, m.adjusted_ci_high, m.crossed])
    for w in caught:
        if not issubclass(w.category, DeprecationWarning):
            print(f"warning: {w.message}", file=sys.stderr)
    header = ["outcome", "look", "study_id", "participants", "ris", "fraction", "z", "upper", "lower", "crossed"]
    kinds = "sisifffffs" + "ff" * (futility == "non-binding")
    if futility == "non-binding":
        header += ["futility_upper", "futility_lower"]
    cols = [format_column([r[j] for r in out_rows], "f" if k == "f" else "i") for j, k in enumerate(kinds)]
    write_columns(header, cols, sys.stdout)
    sys.stdout.write("\n")
    last_header = ["outcome", "participants", "ris", "fraction", "z", "boundary", "rr", "ci_low", "ci_high",
                   "tsa_ci_low", "tsa_ci_high", "crossed"]
    cols = [format_column([r[j] for r in last_rows], "f" if k == "f" else "i") for j, k in enumerate("sifffffffffs")]
    write_columns(last_header, cols, sys.stdout)
    return 0
