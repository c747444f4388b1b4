"""Numbers and labels as readers see them (a leaf module: imports nothing from the package).

Every number shown in the book goes through one of these functions, so that a value is
written the same way in tables, figures and prose:

============  ============================================  ==========================
function      what                                          example
============  ============================================  ==========================
fmt_rr        risk ratio with its 95% CI                    ``1.37 (1.21 to 1.56)``
fmt_ci        an interval alone                             ``1.21 to 1.56``
fmt_p         p-value                                       ``<0.001``, ``0.046``
fmt_int       count                                         ``693``, ``1,203``
fmt_pct       percentage (I², weights)                      ``42%``
fmt_num       any other number, fixed decimals              ``0.031``
============  ============================================  ==========================

An undefined value (NaN, None, ``pd.NA``) is shown as :data:`UNDEFINED` ("–"), except a
risk ratio, which reads "not estimable" as in RevMan 5 and Cochrane reviews.
"""
from __future__ import annotations

import math

#: What a reader sees for a value that does not exist (I² of one trial, p of an undefined Q).
UNDEFINED = "–"
#: What a reader sees for a risk ratio that cannot be computed (no events in both arms, no counts).
NOT_ESTIMABLE = "not estimable"


def is_missing(value) -> bool:
    """True for None, NaN, ``pd.NA``/``NaT`` and infinite values (anything not a finite number)."""
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True  # pd.NA (TypeError on float()) and non-numeric text


def fmt_num(value, digits: int = 2) -> str:
    """A number with a fixed number of decimals; "–" when undefined."""
    return UNDEFINED if is_missing(value) else f"{float(value):.{digits}f}"


def fmt_ci(lo, hi, digits: int = 2) -> str:
    """An interval as ``'1.21 to 1.56'`` ("to", not a dash, which reads as a minus sign); "–" if undefined."""
    if is_missing(lo) or is_missing(hi):
        return UNDEFINED
    return f"{float(lo):.{digits}f} to {float(hi):.{digits}f}"


def fmt_rr(rr, lo, hi, digits: int = 2) -> str:
    """A risk ratio with its 95% CI: ``'1.37 (1.21 to 1.56)'``.

    ``'not estimable'`` when the ratio is undefined and ``'1.37 (no CI)'`` when only the
    interval is.
    """
    if is_missing(rr):
        return NOT_ESTIMABLE
    if is_missing(lo) or is_missing(hi):
        return f"{float(rr):.{digits}f} (no CI)"
    return f"{float(rr):.{digits}f} ({fmt_ci(lo, hi, digits)})"


def fmt_p(p) -> str:
    """A p-value for text: ``'<0.001'`` below one in a thousand, three decimals otherwise; "–" if undefined."""
    if is_missing(p):
        return UNDEFINED
    p = float(p)
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def fmt_int(value) -> str:
    """A count as a whole number with thousands separators (``'1,203'``); "–" if undefined.

    Raises ``ValueError`` for a value that is not whole, so a count never shows decimals by accident.
    """
    if is_missing(value):
        return UNDEFINED
    f = float(value)
    if f != round(f):
        raise ValueError(f"{value!r} is not a whole number")
    return f"{int(round(f)):,}"


def fmt_pct(value, digits: int = 0) -> str:
    """A percentage already on the 0–100 scale (I², MH weight) as ``'42%'``; "–" if undefined."""
    return UNDEFINED if is_missing(value) else f"{float(value):.{digits}f}%"


def fmt_events(events, total) -> str:
    """Events out of total, ``'22/42'``; ``'–/42'`` when the events are not known."""
    return f"{fmt_int(events)}/{fmt_int(total)}"


def fmt_i2(i2) -> str:
    """I² as ``'63%'``; "–" when Q is undefined (one trial)."""
    return fmt_pct(i2, 0)
