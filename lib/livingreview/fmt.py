"""Numbers and labels as the book prints them (a leaf module: it imports nothing of the package)."""
from __future__ import annotations

import math


def _nan(x) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def fmt_rr(rr: float, lo: float, hi: float, digits: int = 2) -> str:
    """'1.23 (1.12 to 1.34)'; 'not estimable' for NaN."""
    if _nan(rr):
        return "not estimable"
    if _nan(lo) or _nan(hi):
        return f"{rr:.{digits}f} (no CI)"
    return f"{rr:.{digits}f} ({lo:.{digits}f} to {hi:.{digits}f})"


def fmt_p(p: float) -> str:
    """p-value for text: '<0.001' below one in a thousand, three decimals otherwise; '–' if undefined."""
    if _nan(p):
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"
