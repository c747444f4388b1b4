"""Presenting tables in the book and exporting them for download.

Tables are shown as pandas Stylers with a caption and a fixed element id (so the
HTML is the same at every execution and nbval can compare it), and written as CSV
under ``results/tables/``.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .data import ROOT

TABLE_DIR = ROOT / "results" / "tables"


def show(df: pd.DataFrame, caption: str, key: str, precision: int = 2):
    """A captioned, index-free Styler with a stable id derived from ``key``."""
    from pandas.io.formats.style import Styler

    styler = Styler(df, uuid=key.replace("-", "_"), precision=precision, cell_ids=False)
    styler = styler.set_caption(caption).hide(axis="index")
    return styler.set_table_styles([
        {"selector": "caption", "props": "caption-side: top; text-align: left; font-weight: bold; padding: 4px 0;"},
        {"selector": "th", "props": "text-align: left;"},
        {"selector": "td", "props": "text-align: left; vertical-align: top;"},
    ])


def export(df: pd.DataFrame, name: str, folder: Path | str = TABLE_DIR) -> Path:
    """Write ``<folder>/<name>.csv`` (UTF-8, no index) and return its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    df.to_csv(path, index=False, lineterminator="\n")
    return path
