"""The trial sequential analysis figure (cumulative z against accrued participants).

The classic layout of the TSA program (Copenhagen Trial Unit) and RTSA's ``plot``: the cumulative z
curve of the looks, the monitoring boundaries for benefit and harm (Lan–DeMets O'Brien–Fleming type),
the conventional ±1.96 lines, the non-binding futility wedge and the required information size.
Text that comes from data (the outcome label, trial labels) is drawn with ``parse_math=False``, so a
``$`` in a label is a dollar sign, never mathtext.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .sequential import INFINITE_Z, Monitoring

#: The figure width of the book's text column (as the other figures, inches) and its fonts (points).
WIDTH = 7.6
FONT = 9
FONT_SMALL = 8
#: The z axis shown: boundaries beyond it are drawn to the edge.
Z_LIMIT = 8.0
COLOURS = {"z": "#1f4e79", "boundary": "#b22222", "futility": "#2e7d32", "ris": "#555555", "conventional": "#888888"}


def tsa_plot(m: Monitoring, title: str, higher_is: str = "better") -> plt.Figure:
    """One outcome's TSA figure from :func:`livingreview.sequential.monitor` (with ``design`` boundaries)."""
    fig, ax = plt.subplots(figsize=(WIDTH, 4.6))
    fig.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.2)
    L = m.looks
    x = np.concatenate([[0], L["participants"]])
    z = np.concatenate([[0.0], np.clip(L["z"], -Z_LIMIT, Z_LIMIT)])
    xmax = max(m.ris if np.isfinite(m.ris) else 0, float(x[-1])) * 1.06
    ax.axhline(1.96, color=COLOURS["conventional"], ls="--", lw=1)
    ax.axhline(-1.96, color=COLOURS["conventional"], ls="--", lw=1, label="conventional z = ±1.96")
    ax.axhline(0, color="#bbbbbb", lw=0.6)
    b = m.design
    if b is not None and np.isfinite(m.ris):
        bx = b.fraction * m.ris
        finite = b.upper < INFINITE_Z
        up = np.where(finite, np.minimum(b.upper, Z_LIMIT), np.nan)
        ax.plot(bx, up, color=COLOURS["boundary"], lw=1.6, marker=".", ms=4,
                label="monitoring boundaries (benefit, harm)")
        ax.plot(bx, -up, color=COLOURS["boundary"], lw=1.6, marker=".", ms=4)
        if b.futility_upper is not None and np.isfinite(b.futility_upper).any():
            fu = b.futility_upper
            ok = np.isfinite(fu)
            ax.fill_between(bx[ok], -fu[ok], fu[ok], color=COLOURS["futility"], alpha=0.15, lw=0)
            ax.plot(bx[ok], fu[ok], color=COLOURS["futility"], lw=1.2, label="futility wedge (non-binding)")
            ax.plot(bx[ok], -fu[ok], color=COLOURS["futility"], lw=1.2)
        ax.axvline(m.ris, color=COLOURS["ris"], lw=1.2, ls=":")
        ax.text(m.ris, Z_LIMIT * 0.96, f" RIS {int(round(m.ris)):,}", color=COLOURS["ris"], fontsize=FONT_SMALL,
                va="top", ha="right" if m.ris > xmax * 0.8 else "left")
    tested = np.asarray(L["tested"], bool)
    ax.plot(x, z, color=COLOURS["z"], lw=1.8, label="cumulative z (trials in order of publication)")
    ax.plot(x[1:][tested], z[1:][tested], "o", color=COLOURS["z"], ms=5)
    ax.plot(x[1:][~tested], z[1:][~tested], "o", mfc="white", mec=COLOURS["z"], ms=5,
            label="look not tested (adds ≤ 1% of the RIS)" if (~tested).any() else None)
    last = np.inf
    for xi, zi, name in reversed(list(zip(x[1:], z[1:], L.get("label", L["study_id"])))):
        if last - xi < 0.07 * xmax:  # crowded looks: label only the latest trial of a cluster
            continue
        last = xi
        early = xi < 0.15 * xmax  # near the z axis: to the right of the point, else to its left
        ax.annotate(str(name), (xi, zi), textcoords="offset points",
                    xytext=(5 if early else -5, (-12 if early else 6) if zi >= 0 else (6 if early else -12)),
                    ha="left" if early else "right", fontsize=FONT_SMALL, color=COLOURS["z"], parse_math=False)
    ax.set_xlim(0, xmax)
    ax.set_ylim(-Z_LIMIT, Z_LIMIT)
    good, bad = ("favours tacrolimus", "favours control") if higher_is == "better" else \
        ("favours control", "favours tacrolimus")
    ax.text(0.005, 0.98, f"↑ {good}", transform=ax.transAxes, fontsize=FONT_SMALL, va="top", color="#333333")
    ax.text(0.005, 0.02, f"↓ {bad}", transform=ax.transAxes, fontsize=FONT_SMALL, va="bottom", color="#333333")
    ax.set_xlabel("accrued participants", fontsize=FONT)
    ax.set_ylabel("cumulative z", fontsize=FONT)
    ax.tick_params(labelsize=FONT_SMALL)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{int(v):,}"))
    ax.set_title(title, loc="left", fontsize=FONT + 1, weight="bold", parse_math=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=FONT_SMALL, frameon=False)
    return fig
