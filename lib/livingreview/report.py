"""Presenting tables in the book and exporting them for download.

Tables are shown through :func:`livingreview.tables.style` (human labels, formatted
numbers, footnotes and a fixed element id, so the HTML is the same at every execution
and nbval can compare it), and written as CSV under ``results/tables/``.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .data import ROOT

TABLE_DIR = ROOT / "results" / "tables"


def show(df: pd.DataFrame, caption: str, key: str, precision: int = 2, **kwargs):
    """The book's table style (:func:`livingreview.tables.style`); kept for older notebooks.

    Not strict (a leftover machine name is shown, not raised), so that notebooks written before
    :mod:`livingreview.tables` still run; new code calls :func:`~livingreview.tables.style`.
    """
    from .tables import style

    kwargs.setdefault("strict", False)
    return style(df, caption, key, precision=precision, **kwargs)


def export(df: pd.DataFrame, name: str, folder: Path | str = TABLE_DIR) -> Path:
    """Write ``<folder>/<name>.csv`` (UTF-8, no index) and return its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    df.to_csv(path, index=False, lineterminator="\n")
    return path
