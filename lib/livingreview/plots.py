"""Figures of the book: forest plots in the layout readers know from metan and RevMan.

Each function returns a :class:`matplotlib.figure.Figure`; :func:`save_figure`
writes it as SVG and PNG under ``results/figures/`` with reproducible metadata.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import transforms
from matplotlib.patches import Polygon

from . import outputs
from .data import ROOT
from .escape import plain_matplotlib_text
from .fmt import fmt_p, fmt_rr
from .pools import author_label

FIGURE_DIR = ROOT / "results" / "figures"
# Text from data (study names, labels) is drawn as typed: "$x$" is not mathtext.
plain_matplotlib_text()
UNVERIFIED_MARK = "†"
COLOURS = {"study": "#1f4e79", "pool": "#b22222", "line": "#333333", "missing": "#7f7f7f"}


#: Figure width (inches) that fits the book's text column (about 760 px at 100 dpi in the 1300-px layout),
#: so that text drawn at :data:`FONT` points reads at 12 px or more when shown at its natural size.
FIGURE_WIDTH = 7.6
#: Base font size (points) of figure text; :data:`FONT_SMALL` for notes (at 100 dpi: 12.5 and 11 px).
FONT = 9
FONT_SMALL = 8
DERIVED_MARK = "‡"
#: Subgroup-difference p below which the overall diamond carries a caveat (Cochrane Handbook 10.11.3.1).
SUBGROUP_CAVEAT_P = 0.10


def _log_axis(ax, lo: float, hi: float, xlabel: str, floor: float = 0.005, ceiling: float = 200) -> None:
    """A clean log-scale RR axis spanning at least 0.5 to 2, with a solid line at 1 and no y axis."""
    lo = lo if np.isfinite(lo) else 0.5
    hi = hi if np.isfinite(hi) else 2.0
    ax.set_xscale("log")
    ax.set_xlim(max(min(lo, 0.5) / 1.3, floor), min(max(hi, 2.0) * 1.3, ceiling))
    xmin, xmax = ax.get_xlim()
    ticks = [v for v in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if xmin <= v <= xmax]
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{v:g}" for v in ticks], fontsize=FONT_SMALL)
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.axvline(1, color="black", lw=1)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(xlabel, fontsize=FONT_SMALL)


def _favours_pair(higher_is: str) -> tuple[str, str]:
    """(left, right) favours labels of a risk-ratio axis."""
    return ("Favours control", "Favours TAC") if higher_is == "better" else ("Favours TAC", "Favours control")


def _favours(higher_is: str) -> str:
    left, right = _favours_pair(higher_is)
    return f"{left}   ←   risk ratio (log scale)   →   {right}"


def _het_text(row: pd.Series) -> str:
    if pd.isna(row.get("q")):
        return "Heterogeneity: not applicable (one trial)"
    return (f"Heterogeneity: Chi² = {row['q']:.2f}, df = {int(row['q_df'])} (p = {fmt_p(row['q_p'])}); "
            f"I² = {row['i2']:.0f}%")


def _effect_text(row: pd.Series) -> str:
    """RevMan's 'Test for overall effect: Z = 4.73 (p < 0.001)'."""
    z, p = row.get("z"), row.get("p")
    if pd.isna(z) or pd.isna(p):
        return "Test for overall effect: not applicable"
    ptxt = fmt_p(p)
    return f"Test for overall effect: Z = {abs(z):.2f} (p {'<' if ptxt.startswith('<') else '='} {ptxt.lstrip('<')})"


def _subgroup_result(pooled: pd.DataFrame, groups) -> pd.Series | None:
    """The test for subgroup differences (a row of ``sensitivity.subgroup_test``) or None."""
    from .sensitivity import subgroup_test

    sub = pooled[pooled.index.isin([g for g in groups if g])].reset_index()
    if len(sub) < 2 or "log_rr" not in sub:
        return None
    t = subgroup_test(sub.assign(analysis="x", outcome="x", method="m"), method="m")
    return None if t.empty else t.iloc[0]


def _subgroup_text(pooled: pd.DataFrame, groups) -> str:
    """'Test for subgroup differences: ...' when at least two subgroups have an estimate."""
    r = _subgroup_result(pooled, groups)
    if r is None:
        return ""
    return (f"Test for subgroup differences: Chi² = {r['q_between']:.2f}, df = {int(r['df'])} "
            f"(p = {fmt_p(r['p'])}), I² = {r['i2_between']:.0f}%")


def forest_rows(fd: dict, show_overall: bool = True, caveat_p: float = SUBGROUP_CAVEAT_P) -> list[dict]:
    """The rows of a RevMan-layout forest plot, top to bottom, for every drawing of it.

    ``kind`` is ``header`` (a regimen), ``study`` (``s``: the trial's row of ``fd["studies"]``),
    ``pool`` (a subtotal or the overall diamond: ``label``, ``p`` the pooled row, ``sub`` its trials,
    ``caveat`` for the overall one), ``note`` (heterogeneity, overall effect, subgroup test), ``gap``
    or ``caveat`` (the regimens differ: pooling may mislead). Used by :func:`forest_plot` and by the
    in-page SVG (:mod:`livingreview.forest_svg`).
    """
    studies, pooled = fd["studies"], fd["pooled"].set_index("subgroup")
    groups = fd["subgroups"] or [None]
    sg = _subgroup_result(pooled, groups) if show_overall else None
    caveat = sg is not None and pd.notna(sg["p"]) and sg["p"] < caveat_p
    rows: list[dict] = []
    for g in groups:
        sub = studies if g is None else studies[studies["regimen"] == g]
        if g is not None:
            rows.append({"kind": "header", "text": fd["subgroup_labels"][g]})
        for _, s in sub.iterrows():
            rows.append({"kind": "study", "s": s})
        if g is not None and g in pooled.index and len(groups) > 1:
            rows.append({"kind": "pool", "label": "Subtotal", "p": pooled.loc[g], "sub": sub})
            rows.append({"kind": "note", "text": _het_text(pooled.loc[g])})
            rows.append({"kind": "note", "text": _effect_text(pooled.loc[g])})
        rows.append({"kind": "gap"})
    if show_overall and "all" in pooled.index:
        rows.append({"kind": "pool", "label": "Overall", "p": pooled.loc["all"], "sub": studies, "caveat": caveat})
        rows.append({"kind": "note", "text": _het_text(pooled.loc["all"])})
        rows.append({"kind": "note", "text": _effect_text(pooled.loc["all"])})
        text = _subgroup_text(pooled, groups)
        if text:
            rows.append({"kind": "note", "text": text})
        if caveat:
            rows.append({"kind": "caveat", "text": f"Caution: the regimens differ (test for subgroup differences "
                                                   f"p = {fmt_p(sg['p'])} < {caveat_p:g}); pooling duo and triple "
                                                   "therapy in the overall diamond may mislead."})
    return rows


def forest_plot(fd: dict, title: str = "", higher_is: str = "better", show_overall: bool = True, *,
                width: float = FIGURE_WIDTH, caveat_p: float = SUBGROUP_CAVEAT_P) -> plt.Figure:
    """Draw a forest plot from :func:`livingreview.pools.forest_data`, in the RevMan 5 layout.

    Columns: trial, TAC and control events/total, weight (%), RR with 95% CI as text, and the
    plot, under a header naming the method ("Risk Ratio, M-H, Fixed, 95% CI"). Squares are sized
    by weight with CI lines; a diamond per subgroup and for the overall pool, each followed by
    its heterogeneity line (Chi², df, p, I²) and the test for overall effect (Z, p); then the
    test for subgroup differences. When that test gives p < ``caveat_p`` (0.10), the overall
    diamond is drawn open and hatched and a caveat says that pooling the regimens may mislead.
    Trials without counts appear as rows saying "not available"; counts derived from a
    percentage carry ‡ and unverified counts †. The axis carries favours labels oriented by
    whether more events are better. ``width`` (inches) fits the book's text column.
    """
    studies, pooled = fd["studies"], fd["pooled"].set_index("subgroup")
    groups = fd["subgroups"] or [None]
    rows: list[dict] = []  # top to bottom; the caveat in two lines (the figure's width)
    for r in forest_rows(fd, show_overall, caveat_p):
        if r["kind"] == "caveat":
            first, rest = r["text"].split("; ", 1)
            rows += [{"kind": "caveat", "text": first + ";"}, {"kind": "caveat", "text": rest}]
        else:
            rows.append(r)

    n = len(rows)
    line = 0.22  # inches per row
    height = 1.0 + line * (n + 2.5)
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes([0.745, 0.72 / height, 0.245, (n + 0.5) * line / height])
    ax.set_xscale("log")
    ax.set_ylim(n - 0.5, -2.0)
    txt = transforms.blended_transform_factory(fig.transFigure, ax.transData)
    x_label, x_tac, x_ctl, x_w, x_rr = 0.005, 0.345, 0.455, 0.515, 0.53

    def put(x, y, s, **kw):
        kw.setdefault("fontsize", FONT)
        ax.text(x, y, s, transform=txt, va="center", **kw)

    head = {"weight": "bold", "fontsize": FONT_SMALL}
    put(x_label, -1.2, "Study or subgroup", weight="bold")
    put(x_tac, -1.2, "TAC\nEvents/Total", ha="right", **head)
    put(x_ctl, -1.2, "Control\nEvents/Total", ha="right", **head)
    put(x_w, -1.2, "Weight\n(%)", ha="right", **head)
    put(x_rr, -1.2, "Risk Ratio\nM-H, Fixed, 95% CI", **head)
    ax.text(0.5, -1.2, "Risk Ratio\nM-H, Fixed, 95% CI", transform=transforms.blended_transform_factory(
        ax.transAxes, ax.transData), ha="center", va="center", **head)

    weights = studies["weight_all"] if show_overall and len(groups) > 1 else studies["weight"]
    wmax = np.nanmax(weights.to_numpy(dtype=float)) if weights.notna().any() else 1.0
    lo_all, hi_all = [], []
    marks_used = set()
    for y, r in enumerate(rows):
        if r["kind"] == "header":
            put(x_label, y, r["text"], weight="bold", style="italic")
        elif r["kind"] == "study":
            s = r["s"]
            label = s["label"]
            mark = {"unverified": UNVERIFIED_MARK, "derived_from_percentage": DERIVED_MARK}.get(s["provenance"])
            if mark and s["has_counts"]:
                label += " " + mark
                marks_used.add(mark)
            put(x_label + 0.01, y, label)
            if not s["has_counts"]:
                tac = f"–/{int(s['tac_total'])}" if pd.notna(s["tac_total"]) else "–"
                ctl = f"–/{int(s['ctl_total'])}" if pd.notna(s["ctl_total"]) else "–"
                put(x_tac, y, tac, ha="right", color=COLOURS["missing"])
                put(x_ctl, y, ctl, ha="right", color=COLOURS["missing"])
                put(x_rr, y, "not available", color=COLOURS["missing"], style="italic")
                continue
            put(x_tac, y, f"{int(s['tac_events'])}/{int(s['tac_total'])}", ha="right")
            put(x_ctl, y, f"{int(s['ctl_events'])}/{int(s['ctl_total'])}", ha="right")
            put(x_rr, y, fmt_rr(s["rr"], s["ci_low"], s["ci_high"]))
            w = weights.loc[s.name]
            put(x_w, y, "–" if pd.isna(w) else f"{w:.1f}", ha="right")
            if pd.notna(s["rr"]):
                ax.plot([s["ci_low"], s["ci_high"]], [y, y], color=COLOURS["line"], lw=1)
                size = 3 + 8 * np.sqrt((0 if pd.isna(w) else w) / wmax)
                ax.plot([s["rr"]], [y], marker="s", ms=size, color=COLOURS["study"], ls="none")
                lo_all.append(s["ci_low"])
                hi_all.append(s["ci_high"])
        elif r["kind"] == "pool":
            p = r["p"]
            sub = r["sub"]
            ok = sub[sub["has_counts"]]
            put(x_label, y, f"{r['label']} ({int(p['k'])} of {len(sub)} trials)", weight="bold")
            put(x_tac, y, f"{int(p['tac_events'])}/{int(p['tac_total'])}", ha="right", weight="bold")
            put(x_ctl, y, f"{int(p['ctl_events'])}/{int(p['ctl_total'])}", ha="right", weight="bold")
            put(x_rr, y, fmt_rr(p["rr"], p["ci_low"], p["ci_high"]), weight="bold")
            wsum = weights.loc[ok.index].sum() if len(ok) else np.nan
            put(x_w, y, "" if pd.isna(wsum) else f"{wsum:.1f}", ha="right", weight="bold")
            if pd.notna(p["rr"]) and pd.notna(p["ci_low"]):
                pts = [[p["ci_low"], y], [p["rr"], y - 0.35], [p["ci_high"], y], [p["rr"], y + 0.35]]
                if r.get("caveat"):
                    ax.add_patch(Polygon(pts, closed=True, facecolor="white", edgecolor=COLOURS["pool"],
                                         hatch="////", lw=1.2))
                else:
                    ax.add_patch(Polygon(pts, closed=True, color=COLOURS["pool"]))
                lo_all.append(p["ci_low"])
                hi_all.append(p["ci_high"])
        elif r["kind"] == "note":
            put(x_label + 0.01, y, r["text"], fontsize=FONT_SMALL, color="#333333")
        elif r["kind"] == "caveat":
            put(x_label + 0.01, y, r["text"], fontsize=FONT_SMALL, color=COLOURS["pool"], weight="bold")

    left, right = _favours_pair(higher_is)
    _log_axis(ax, min(lo_all) if lo_all else 0.5, max(hi_all) if hi_all else 2.0, "")
    for x, ha, text in ((0.92, "right", left), (1.09, "left", right)):
        ax.annotate(text, xy=(x, 0), xycoords=("data", "axes fraction"), xytext=(0, -22), textcoords="offset points",
                    ha=ha, va="top", fontsize=FONT_SMALL)
    if "all" in pooled.index and pd.notna(pooled.loc["all", "rr"]) and show_overall:
        ax.axvline(pooled.loc["all", "rr"], color=COLOURS["pool"], lw=1, ls=":")
    notes = [f"Mantel–Haenszel fixed-effect risk ratio, rule {fd['method']}."]
    if DERIVED_MARK in marks_used:
        notes.append(f"{DERIVED_MARK} counts derived from a reported percentage.")
    if UNVERIFIED_MARK in marks_used:
        notes.append(f"{UNVERIFIED_MARK} counts recalled from the trial's abstract, not verified against it.")
    if (~studies["has_counts"]).any():
        notes.append("'not available': counts not extracted yet.")
    fig.text(0.005, 0.06 / height, "\n".join([" ".join(notes[:2]), " ".join(notes[2:])]).strip(),
             fontsize=FONT_SMALL, color="#333333", va="bottom")
    if title:
        fig.suptitle(title, x=0.005, ha="left", fontsize=FONT + 2, weight="bold", y=1 - 0.08 / height)
    return fig


def save_figure(fig: plt.Figure, name: str, folder: Path | str = FIGURE_DIR) -> list[Path]:
    """Save as ``<folder>/<name>.svg`` and ``.png`` with no timestamps, so files only change with content."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    matplotlib.rcParams["svg.hashsalt"] = "livingreview"  # stable element ids in the SVG
    paths = [folder / f"{name}.svg", folder / f"{name}.png"]
    fig.savefig(paths[0], bbox_inches="tight", metadata={"Date": None})
    fig.savefig(paths[1], bbox_inches="tight", dpi=150, metadata={"Software": None})
    for p in paths:
        outputs.record(p)
    return paths


def quality_bars(studies: pd.DataFrame) -> plt.Figure:
    """Delphi quality score (0–9) of each RCT as a horizontal bar, coloured low/average/good."""
    rct = studies[studies["design"] == "rct"].copy()
    rct["label"] = [author_label(a, y) for a, y in zip(rct["first_author"], rct["year"])]
    unscored = rct.loc[rct["quality_score"].isna(), "label"].tolist()
    rct = rct[rct["quality_score"].notna()].sort_values(["quality_score", "year"], ascending=[True, False])
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(rct) + 1.1))
    colours = ["#c0392b" if q <= 3 else "#e67e22" if q <= 5 else "#27ae60" for q in rct["quality_score"]]
    ax.barh(rct["label"], rct["quality_score"].astype(float), color=colours)
    for y, q in enumerate(rct["quality_score"]):
        ax.text(float(q) + 0.1, y, f"{int(q)}", va="center", fontsize=9)
    ax.set_xlim(0, 9)
    ax.set_xticks(range(10))
    ax.set_xlabel("Delphi score (0–9; higher is better)")
    for side in ("right", "top"):
        ax.spines[side].set_visible(False)
    note = "red ≤ 3 (poor), orange 4–5 (average), green ≥ 6 (good)"
    if unscored:
        note += f"; not scored yet: {', '.join(unscored)}"
    ax.text(0, -0.22, note, transform=ax.transAxes, fontsize=8, color="#444444")
    fig.tight_layout()
    return fig


def outcome_plot(review, pooled: pd.DataFrame, analysis: str, method: str = "MH-cc", *,
                 comparator: str = "control", width: float = FIGURE_WIDTH) -> plt.Figure:
    """One row per outcome of a single-trial analysis: RR with 95% CI on a log axis, text alongside.

    Outcomes where more events are better (responses) and worse (harms) are drawn in separate
    blocks, each under its own "favours" labels, so no row is read the wrong way round.
    """
    t = pooled[(pooled["analysis"] == analysis) & (pooled["method"] == method) & (pooled["subgroup"] == "all")]
    labels = review.vocabulary.set_index("outcome")
    t = t.assign(label=t["outcome"].map(labels["label"]), hi=t["outcome"].map(labels["higher_is"]))
    rows = []
    for hi, head in (("better", "Higher is better"), ("worse", "Higher is worse")):
        block = t[t["hi"] == hi]
        if len(block):
            rows.append(("head", head, hi))
            rows += [("row", r, hi) for _, r in block.iterrows()]
    n = len(rows)
    height = 0.32 * n + 1.5
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes([0.42, 0.7 / height, 0.28, (n + 0.6) * 0.32 / height])
    txt = transforms.blended_transform_factory(fig.transFigure, ax.transData)
    for y, (kind, r, hi) in enumerate(rows):
        if kind == "head":
            ax.text(0.005, y, r, transform=txt, va="center", fontsize=FONT, weight="bold", style="italic")
            left, right = _favours_pair(hi)
            ax.text(0.9, y, f"← {left}", ha="right", va="center", fontsize=FONT_SMALL, color="#333333")
            ax.text(1.1, y, f"{right} →", ha="left", va="center", fontsize=FONT_SMALL, color="#333333")
            continue
        ax.text(0.02, y, r["label"], transform=txt, va="center", fontsize=FONT)
        ax.text(0.72, y, f"{int(r['tac_events'])}/{int(r['tac_total'])} vs {int(r['ctl_events'])}/{int(r['ctl_total'])}"
                f"  {fmt_rr(r['rr'], r['ci_low'], r['ci_high'])}", transform=txt, va="center", fontsize=FONT)
        if pd.notna(r["rr"]):
            ax.plot([r["ci_low"], r["ci_high"]], [y, y], color=COLOURS["line"], lw=1)
            ax.plot([r["rr"]], [y], marker="s", ms=7, color=COLOURS["study"])
    ax.text(0.72, -1.0, "TAC vs control\nevents/total, RR (95% CI)", transform=txt, fontsize=FONT_SMALL,
            weight="bold", va="center")
    ax.text(0.005, -1.0, "Outcome", transform=txt, fontsize=FONT, weight="bold", va="center")
    ax.set_ylim(n - 0.5, -1.6)
    _log_axis(ax, np.nanmin(t["ci_low"].to_numpy(dtype=float)), np.nanmax(t["ci_high"].to_numpy(dtype=float)),
              f"risk ratio, TAC vs {comparator} (log scale)")
    fig.text(0.005, 0.04 / height, f"Single trial; rule {method} (0.5 added to every cell of an outcome with a zero "
             "cell).", fontsize=FONT_SMALL, color="#333333", va="bottom")
    return fig


def cumulative_plot(cum: pd.DataFrame, title: str, higher_is: str = "better") -> plt.Figure:
    """Cumulative meta-analysis: one row per publication year, the pool of all trials up to it."""
    n = len(cum)
    fig, ax = plt.subplots(figsize=(10, 0.45 * n + 1.6))
    fig.subplots_adjust(left=0.3, right=0.66, top=1 - 0.45 / (0.45 * n + 1.6), bottom=0.75 / (0.45 * n + 1.6))
    txt = transforms.blended_transform_factory(fig.transFigure, ax.transData)
    for y, r in enumerate(cum.itertuples()):
        ax.text(0.01, y, f"{r.year}  + {r.added}", transform=txt, va="center", fontsize=9)
        ax.text(0.68, y, f"{fmt_rr(r.rr, r.ci_low, r.ci_high)}   k = {r.k}, N = {r.patients}", transform=txt,
                va="center", fontsize=9)
        if pd.notna(r.rr) and pd.notna(r.ci_low):
            ax.plot([r.ci_low, r.ci_high], [y, y], color=COLOURS["line"], lw=1)
            ax.plot([r.rr], [y], marker="D", ms=7, color=COLOURS["pool"])
    ax.text(0.01, -1, "Year and trial(s) added", transform=txt, fontsize=9, weight="bold")
    ax.text(0.68, -1, "Cumulative RR (95% CI)", transform=txt, fontsize=9, weight="bold")
    ax.set_ylim(n - 0.5, -1.5)
    lo = np.nanmin(cum["ci_low"].to_numpy(dtype=float)) if n else 0.5
    hi = np.nanmax(cum["ci_high"].to_numpy(dtype=float)) if n else 2.0
    _log_axis(ax, lo, hi, _favours(higher_is), floor=0.01, ceiling=100)
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, weight="bold")
    return fig


def leave_one_out_plot(loo: pd.DataFrame, pooled: pd.DataFrame, review, method: str = "MH-cc") -> plt.Figure:
    """Leave-one-out estimates per outcome, with the full pool as a diamond."""
    labels = review.vocabulary.set_index("outcome")["label"]
    rows = []
    for oc, g in loo.groupby("outcome", sort=True):
        full = pooled[(pooled["analysis"] == "efficacy") & (pooled["outcome"] == oc) & (pooled["subgroup"] == "all")
                      & (pooled["method"] == method)]
        rows.append(("head", labels[oc], None))
        for r in g.itertuples():
            rows.append(("loo", f"without {r.omitted}", r))
        if not full.empty:
            rows.append(("full", "all trials", full.iloc[0]))
    n = len(rows)
    fig, ax = plt.subplots(figsize=(10, 0.32 * n + 1.3))
    fig.subplots_adjust(left=0.3, right=0.66, top=1 - 0.3 / (0.32 * n + 1.3), bottom=0.7 / (0.32 * n + 1.3))
    txt = transforms.blended_transform_factory(fig.transFigure, ax.transData)
    for y, (kind, label, r) in enumerate(rows):
        if kind == "head":
            ax.text(0.01, y, label, transform=txt, va="center", fontsize=9, weight="bold")
            continue
        ax.text(0.03, y, label, transform=txt, va="center", fontsize=9)
        rr, lo, hi = (r.rr, r.ci_low, r.ci_high) if kind == "loo" else (r["rr"], r["ci_low"], r["ci_high"])
        ax.text(0.68, y, fmt_rr(rr, lo, hi), transform=txt, va="center", fontsize=9,
                weight="bold" if kind == "full" else "normal")
        if pd.notna(rr) and pd.notna(lo):
            ax.plot([lo, hi], [y, y], color=COLOURS["line"], lw=1)
            ax.plot([rr], [y], marker="D" if kind == "full" else "s", ms=7,
                    color=COLOURS["pool"] if kind == "full" else COLOURS["study"])
    ax.set_ylim(n - 0.5, -0.8)
    vals = loo[["ci_low", "ci_high"]].to_numpy(dtype=float)
    _log_axis(ax, np.nanmin(vals) if vals.size else 0.5, np.nanmax(vals) if vals.size else 2.0, _favours("better"),
              floor=0.01, ceiling=100)
    return fig


def specification_curve(space: pd.DataFrame, review, analysis: str, population: str = "all") -> plt.Figure:
    """Specification curves: every distinct analysis of each outcome with counts, sorted by its risk ratio.

    ``space`` is :func:`livingreview.robustness.analysis_space`. One panel per outcome: the risk
    ratios and 95% intervals (log scale) in increasing order, the pages' primary estimate in red; beneath,
    a dot for each choice that gives the analysis (model, interval, trials, counts, trial left out).
    """
    from . import robustness

    d = robustness.distinct(space)
    d = d[(d["analysis"] == analysis) & (d["population"] == population)]
    outcomes = robustness.outcomes_in_order(review, d["outcome"])
    labels = dict(zip(review.studies["study_id"], pools_study_labels(review)))
    panels = []
    for oc in outcomes:
        g = d[d["outcome"] == oc].sort_values(["rr", "ci_low"], kind="stable").reset_index(drop=True)
        left = sorted({x for s in g["left_out"] for x in s.split("|") if x})
        short = {"MH-cc": "MH, 0.5 in zero cells", "MH": "MH, no correction", "IV": "inverse variance",
                 "DL": "DL random effects", "REML": "REML random effects", "PM": "PM random effects"}
        choices = ([("model", m, short[m]) for m in robustness.MODELS]
                   + [("ci_method", c, {"mh": "MH interval", "z": "Wald interval", "hksj": "Knapp–Hartung",
                                        "hksj_modified": "modified Knapp–Hartung"}[c]) for c in robustness.CI_METHODS]
                   + [("trials_rule", t, {"living": "living trials", "2016": "2016 trials"}[t])
                      for t in robustness.TRIALS_RULES[::-1]]
                   + [("counts_rule", c, {"all": "all counts", "without_unverified": "without unverified",
                                          "without_derived": "without derived", "alternative": "alternative count"}[c])
                      for c in robustness.COUNTS_RULES]
                   + [("left_out", "", "no trial left out")] + [("left_out", s, f"without {labels.get(s, s)}")
                                                                 for s in left])
        panels.append((oc, g, choices))
    if not panels:
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 1.0))
        ax.axis("off")
        ax.text(0.01, 0.5, "No trial has counts for any outcome yet.", fontsize=FONT, va="center")
        return fig
    heights = []
    for _, g, choices in panels:
        heights += [1.9, 0.12 * len(choices) + 0.1, 0.45]
    fig = plt.figure(figsize=(FIGURE_WIDTH, sum(heights)))
    gs = fig.add_gridspec(len(heights), 1, height_ratios=heights, hspace=0.05, left=0.27, right=0.98,
                          top=1 - 0.3 / fig.get_figheight(), bottom=0.25 / fig.get_figheight())
    higher = {oc: review.higher_is(oc) for oc, _, _ in panels}
    for p, (oc, g, choices) in enumerate(panels):
        ax = fig.add_subplot(gs[3 * p])
        mx = fig.add_subplot(gs[3 * p + 1], sharex=ax)
        x = np.arange(len(g))
        prim = g["is_primary"].to_numpy(dtype=bool)
        col = np.where(prim, COLOURS["pool"], COLOURS["study"])
        ax.vlines(x, g["ci_low"], g["ci_high"], colors=col, lw=0.8)
        ax.scatter(x, g["rr"], s=9, c=col, zorder=3)
        ax.axhline(1, color="black", lw=0.8)
        ax.set_yscale("log")
        lo, hi = float(g["ci_low"].min()), float(g["ci_high"].max())
        ax.set_ylim(max(min(lo, 0.5) / 1.2, 0.01), min(max(hi, 2.0) * 1.2, 100))
        ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
                 if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
        ax.set_yticks(ticks)
        ax.set_yticklabels([f"{t:g}" for t in ticks], fontsize=FONT_SMALL)
        ax.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        fav = "above 1 favours TAC" if higher[oc] == "better" else "below 1 favours TAC"
        ax.set_ylabel(f"risk ratio\n({fav})", fontsize=FONT_SMALL)
        ax.set_title(f"{review.label(oc)}: {len(g)} distinct analyses (red: the pages' primary)", fontsize=FONT,
                     loc="left", weight="bold")
        ax.tick_params(axis="x", bottom=False, labelbottom=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for j, (dim, val, text) in enumerate(choices):
            vals = g[dim].astype(str).str.split("|")
            has = vals.map(lambda s, v=val: v in s).to_numpy() if dim in ("trials_rule", "counts_rule", "left_out") \
                else (g[dim] == val).to_numpy()
            mx.scatter(x[has], np.full(has.sum(), j), s=4, c=COLOURS["line"], marker="s")
        mx.set_yticks(range(len(choices)))
        mx.set_yticklabels([c[2] for c in choices], fontsize=6.5)
        mx.set_ylim(len(choices) - 0.5, -0.5)
        mx.set_xlim(-0.5, len(g) - 0.5)
        mx.tick_params(axis="x", bottom=False, labelbottom=False)
        for side in ("top", "right", "bottom"):
            mx.spines[side].set_visible(False)
    return fig


def pools_study_labels(review) -> list[str]:
    """'Liu 2015' labels of every study, in the order of ``review.studies``."""
    from .pools import study_label

    return list(study_label(review.studies))
