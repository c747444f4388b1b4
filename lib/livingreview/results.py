"""Writing the results files of the review (``results/*.csv``): the top of the package.

``pooled_estimates.csv``       every pool with current data (the living analysis);
``pooled_estimates_2016.csv``  the same restricted to the 2016 edition;
``sensitivity_unverified.csv`` the living pools without ``unverified`` counts;
``reproduction.csv``           the 16 published estimates against ours;
``random_effects.csv``         every pool of 2+ trials by τ² method (DL, REML, PM) and CI (z, hksj, hksj_modified);
``evidence.csv``               the evidence table every page reads (:func:`livingreview.evidence.build`).

The column contract of ``pooled_estimates*.csv`` is :data:`POOLED_ESTIMATES_COLUMNS` (its
``subgroup`` is the command line's ``group``; that one is ``livingreview.cli.OUTPUT_COLUMNS``).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import evidence, mh, pools
from .data import ROOT
from .reproduction import reproduction_table

RESULTS_DIR = ROOT / "results"
#: Columns of ``results/pooled_estimates.csv`` (and ``_2016``, ``sensitivity_unverified``).
POOLED_ESTIMATES_COLUMNS = ["analysis", "outcome", "subgroup", "method"] + mh.POOLED_COLUMNS


def files(review) -> dict[str, pd.DataFrame]:
    """The results tables, by file name."""
    return {
        "pooled_estimates.csv": pools.pooled_estimates(review)[POOLED_ESTIMATES_COLUMNS],
        "pooled_estimates_2016.csv": pools.pooled_estimates(review, edition=pools.EDITION_2016)[POOLED_ESTIMATES_COLUMNS],
        "sensitivity_unverified.csv": pools.pooled_estimates(review, exclude_unverified=True)[POOLED_ESTIMATES_COLUMNS],
        "reproduction.csv": reproduction_table(review),
        "random_effects.csv": pools.random_effects_results(review),
        "evidence.csv": evidence.build(review),
    }


def write_results(review, folder=None) -> dict[str, Path]:
    """Write every results file (floats to 6 decimals, LF line ends); return the paths by name."""
    folder = Path(folder) if folder else RESULTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, t in files(review).items():
        p = folder / name
        t.to_csv(p, index=False, float_format="%.6f", lineterminator="\n")
        paths[name] = p
    return paths


def listing(folder=None) -> pd.DataFrame:
    """The results files and tables written so far, with their size, for the verification page."""
    folder = Path(folder) if folder else RESULTS_DIR
    rows = [{"File": str(p.relative_to(folder.parent)), "Rows": sum(1 for _ in p.open(encoding="utf-8")) - 1}
            for p in sorted(folder.rglob("*.csv"))]
    return pd.DataFrame(rows)
