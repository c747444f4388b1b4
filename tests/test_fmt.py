"""Formatting of numbers for readers (livingreview.fmt): literal expected strings."""
import math

import numpy as np
import pandas as pd
import pytest

from livingreview import fmt


@pytest.mark.parametrize("args, expected", [
    ((1.3712, 1.2071, 1.5561), "1.37 (1.21 to 1.56)"),
    ((0.5, 0.25, 1.0), "0.50 (0.25 to 1.00)"),
    ((np.nan, 0.1, 2.0), "not estimable"),
    ((None, None, None), "not estimable"),
    ((1.2, np.nan, np.nan), "1.20 (no CI)"),
])
def test_fmt_rr(args, expected):
    assert fmt.fmt_rr(*args) == expected


@pytest.mark.parametrize("p, expected", [(0.0004, "<0.001"), (0.001, "0.001"), (0.04649, "0.046"), (1.0, "1.000"),
                                         (np.nan, "–"), (None, "–"), (pd.NA, "–")])
def test_fmt_p(p, expected):
    assert fmt.fmt_p(p) == expected


def test_counts_percentages_and_risks():
    assert fmt.fmt_int(693.0) == "693"
    assert fmt.fmt_int(1203) == "1,203"
    assert fmt.fmt_int(np.nan) == "–"
    with pytest.raises(ValueError):
        fmt.fmt_int(2.5)
    assert fmt.fmt_pct(41.6) == "42%"
    assert fmt.fmt_i2(np.nan) == "–"
    assert fmt.fmt_ci(1.2071, 1.5561) == "1.21 to 1.56"
    assert fmt.fmt_ci(math.inf, 2) == "–"
    assert fmt.fmt_events(np.nan, 42) == "–/42"


def test_fmt_is_a_leaf():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(fmt.__file__).read_text())
    relative = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and (n.level or 0) > 0]
    pkg = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("livingreview")]
    assert not relative and not pkg
