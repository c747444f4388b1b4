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

from . import evidence, mh, outputs, pools
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
        outputs.record(p)
        paths[name] = p
    return paths


def listing(folder=None) -> pd.DataFrame:
    """The results files and tables written so far, with their size, for the verification page."""
    folder = Path(folder) if folder else RESULTS_DIR
    rows = [{"File": str(p.relative_to(folder.parent)), "Rows": sum(1 for _ in p.open(encoding="utf-8")) - 1}
            for p in sorted(folder.rglob("*.csv"))]
    return pd.DataFrame(rows)


#: Where the explorer's data scripts go (copied into the site by Sphinx's ``html_static_path``).
STATIC_DIR = ROOT / "book" / "_static"
#: The pages with an explorer.
EXPLORER_ANALYSES = ("efficacy", "safety")


def write_robustness(review, folder=None, static_dir=None, analyses=EXPLORER_ANALYSES, csv: bool = True):
    """Compute every analysis once; write ``results/robustness.csv`` and the explorer's data scripts.

    Each results file comes from one notebook (the tamper check): the efficacy page writes the CSV
    and its own script (``analyses=("efficacy",)``), the safety page only its script (``csv=False``).
    Returns ``(space, seconds to compute it, {name: path})``; the scripts are
    ``book/_static/robustness-<analysis>.js`` (:func:`livingreview.robustness.explorer_script`).
    """
    from . import robustness

    folder = Path(folder) if folder else RESULTS_DIR
    static_dir = Path(static_dir) if static_dir else STATIC_DIR
    space, seconds = robustness.timed_space(review)
    paths = {}
    if csv:
        folder.mkdir(parents=True, exist_ok=True)
        paths["robustness.csv"] = folder / "robustness.csv"
        space.to_csv(paths["robustness.csv"], index=False, float_format="%.6f", lineterminator="\n")
        outputs.record(paths["robustness.csv"])
    for analysis in analyses:
        name = f"robustness-{analysis}.js"
        paths[name] = static_dir / name
        text = robustness.explorer_script(robustness.explorer_data(space, review, analysis))
        paths[name].write_text(text, encoding="utf-8", newline="\n")
    return space, seconds, paths
