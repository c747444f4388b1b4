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

from .analysis import fmt_p, fmt_rr
from .data import ROOT

FIGURE_DIR = ROOT / "results" / "figures"
REGIMEN_LABELS = {"duo": "Duo therapy (TAC + steroids)", "triple": "Triple therapy (TAC + MMF + steroids)"}
UNVERIFIED_MARK = "†"
COLOURS = {"study": "#1f4e79", "pool": "#b22222", "line": "#333333", "missing": "#7f7f7f"}


def _log_axis(ax, lo: float, hi: float, xlabel: str, floor: float = 0.005, ceiling: float = 200) -> None:
    """A clean log-scale RR axis spanning at least 0.5 to 2, with a solid line at 1 and no y axis."""
    lo = lo if np.isfinite(lo) else 0.5
    hi = hi if np.isfinite(hi) else 2.0
    ax.set_xscale("log")
    ax.set_xlim(max(min(lo, 0.5) / 1.3, floor), min(max(hi, 2.0) * 1.3, ceiling))
    xmin, xmax = ax.get_xlim()
    ticks = [v for v in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if xmin <= v <= xmax]
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{v:g}" for v in ticks], fontsize=8)
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.axvline(1, color="black", lw=1)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(xlabel, fontsize=8.5)


def _favours(higher_is: str) -> str:
    left, right = ("Favours control", "Favours TAC") if higher_is == "better" else ("Favours TAC", "Favours control")
    return f"{left}   ←   risk ratio (log scale)   →   {right}"


def _het_text(row: pd.Series) -> str:
    if pd.isna(row.get("q")):
        return "Heterogeneity: not applicable (one trial)"
    return f"Heterogeneity: Q = {row['q']:.2f} (df = {int(row['q_df'])}), p = {fmt_p(row['q_p'])}, I² = {row['i2']:.0f}%"


def _subgroup_text(pooled: pd.DataFrame, groups) -> str:
    """'Test for subgroup differences: ...' when at least two subgroups have an estimate."""
    from .randeff import subgroup_test

    sub = pooled[pooled.index.isin([g for g in groups if g])].reset_index()
    if len(sub) < 2 or "log_rr" not in sub:
        return ""
    t = subgroup_test(sub.assign(analysis="x", outcome="x", method="m"), method="m")
    if t.empty:
        return ""
    r = t.iloc[0]
    return f"Test for subgroup differences: Q = {r['q_between']:.2f} (df = {int(r['df'])}), p = {fmt_p(r['p'])}"


def forest_plot(fd: dict, title: str = "", higher_is: str = "better", show_overall: bool = True) -> plt.Figure:
    """Draw a forest plot from :func:`livingreview.analysis.forest_data`.

    One row per trial (TAC and control events/total, RR with 95% CI as text, MH weight %),
    squares sized by weight with CI lines, a diamond per subgroup and for the overall pool,
    heterogeneity under each diamond, a solid line at RR = 1, a dotted line at the overall
    RR, a log axis and "favours" labels oriented by whether more events are better.
    Trials without counts appear as rows saying "not available"; unverified counts carry †.
    """
    studies, pooled = fd["studies"], fd["pooled"].set_index("subgroup")
    groups = fd["subgroups"] or [None]
    rows: list[dict] = []  # top to bottom
    for g in groups:
        sub = studies if g is None else studies[studies["regimen"] == g]
        if g is not None:
            rows.append({"kind": "header", "text": REGIMEN_LABELS.get(g, g)})
        for _, s in sub.iterrows():
            rows.append({"kind": "study", "s": s})
        if g is not None and g in pooled.index and len(groups) > 1:
            rows.append({"kind": "pool", "label": "Subtotal", "p": pooled.loc[g], "sub": sub})
            rows.append({"kind": "het", "p": pooled.loc[g]})
        rows.append({"kind": "gap"})
    if show_overall and "all" in pooled.index:
        rows.append({"kind": "pool", "label": "Overall", "p": pooled.loc["all"], "sub": studies})
        rows.append({"kind": "het", "p": pooled.loc["all"]})
        sg = _subgroup_text(pooled, groups)
        if sg:
            rows.append({"kind": "note", "text": sg})

    n = len(rows)
    height = 1.05 + 0.27 * (n + 2)
    fig = plt.figure(figsize=(11, height))
    ax = fig.add_axes([0.45, 0.75 / height, 0.25, (n + 0.5) * 0.27 / height])
    ax.set_xscale("log")
    ax.set_ylim(n - 0.5, -1.2)
    txt = transforms.blended_transform_factory(fig.transFigure, ax.transData)
    x_label, x_tac, x_ctl, x_rr, x_w = 0.01, 0.27, 0.38, 0.72, 0.965

    def put(x, y, s, **kw):
        kw.setdefault("fontsize", 9)
        ax.text(x, y, s, transform=txt, va="center", **kw)

    put(x_label, -1, "Trial", weight="bold")
    put(x_tac, -1, "TAC\nevents/total", weight="bold", ha="right")
    put(x_ctl, -1, "Control\nevents/total", weight="bold", ha="right")
    put(x_rr, -1, "RR (95% CI)", weight="bold")
    put(x_w, -1, "Weight\n(%)", weight="bold", ha="right")

    weights = studies["weight_all"] if show_overall and len(groups) > 1 else studies["weight"]
    wmax = np.nanmax(weights.to_numpy(dtype=float)) if weights.notna().any() else 1.0
    lo_all, hi_all = [], []
    has_unverified = False
    for y, r in enumerate(rows):
        if r["kind"] == "header":
            put(x_label, y, r["text"], weight="bold", style="italic")
        elif r["kind"] == "study":
            s = r["s"]
            label = s["label"]
            if s["provenance"] == "unverified":
                label += " " + UNVERIFIED_MARK
                has_unverified = True
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
                size = 4 + 10 * np.sqrt((0 if pd.isna(w) else w) / wmax)
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
                ax.add_patch(Polygon([[p["ci_low"], y], [p["rr"], y - 0.32], [p["ci_high"], y], [p["rr"], y + 0.32]],
                                     closed=True, color=COLOURS["pool"]))
                lo_all.append(p["ci_low"])
                hi_all.append(p["ci_high"])
        elif r["kind"] == "note":
            put(x_label + 0.01, y, r["text"], fontsize=8, color="#444444")
        elif r["kind"] == "het":
            put(x_label + 0.01, y, _het_text(r["p"]), fontsize=8, color="#444444")

    _log_axis(ax, min(lo_all) if lo_all else 0.5, max(hi_all) if hi_all else 2.0, _favours(higher_is))
    if "all" in pooled.index and pd.notna(pooled.loc["all", "rr"]) and show_overall:
        ax.axvline(pooled.loc["all", "rr"], color=COLOURS["pool"], lw=1, ls=":")
    notes = [f"Mantel–Haenszel fixed-effect risk ratio, rule {fd['method']}."]
    if has_unverified:
        notes.append(f"{UNVERIFIED_MARK} counts recalled from the trial's abstract, not verified against it.")
    if (~studies["has_counts"]).any():
        notes.append("'not available': counts not extracted yet (see the reproduction page).")
    fig.text(0.01, 0.08 / height, "  ".join(notes), fontsize=7.5, color="#444444")
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontsize=11, weight="bold", y=1 - 0.12 / height)
    return fig


def save_figure(fig: plt.Figure, name: str, folder: Path | str = FIGURE_DIR) -> list[Path]:
    """Save as ``<folder>/<name>.svg`` and ``.png`` with no timestamps, so files only change with content."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    matplotlib.rcParams["svg.hashsalt"] = "livingreview"  # stable element ids in the SVG
    paths = [folder / f"{name}.svg", folder / f"{name}.png"]
    fig.savefig(paths[0], bbox_inches="tight", metadata={"Date": None})
    fig.savefig(paths[1], bbox_inches="tight", dpi=150, metadata={"Software": None})
    return paths


def quality_bars(studies: pd.DataFrame) -> plt.Figure:
    """Delphi quality score (0–9) of each RCT as a horizontal bar, coloured low/average/good."""
    from .analysis import study_label

    rct = studies[studies["design"] == "rct"].copy()
    rct["label"] = study_label(rct)
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


def outcome_plot(review, pooled: pd.DataFrame, analysis: str, method: str = "MH-cc") -> plt.Figure:
    """One row per outcome of a single-trial analysis: RR with 95% CI on a log axis, text alongside."""
    from .analysis import fmt_rr

    t = pooled[(pooled["analysis"] == analysis) & (pooled["method"] == method) & (pooled["subgroup"] == "all")]
    labels = review.vocabulary.set_index("outcome")
    t = t.assign(label=t["outcome"].map(labels["label"]), hi=t["outcome"].map(labels["higher_is"]))
    fig, ax = plt.subplots(figsize=(10, 0.55 * len(t) + 1.4))
    fig.subplots_adjust(left=0.27, right=0.62, bottom=0.3, top=0.88)
    txt = transforms.blended_transform_factory(fig.transFigure, ax.transData)
    for y, (_, r) in enumerate(t.iterrows()):
        ax.text(0.01, y, f"{r['label']} ({'higher is better' if r['hi'] == 'better' else 'higher is worse'})",
                transform=txt, va="center", fontsize=9)
        ax.text(0.64, y, f"{int(r['tac_events'])}/{int(r['tac_total'])} vs {int(r['ctl_events'])}/{int(r['ctl_total'])}"
                f"   {fmt_rr(r['rr'], r['ci_low'], r['ci_high'])}", transform=txt, va="center", fontsize=9)
        if pd.notna(r["rr"]):
            ax.plot([r["ci_low"], r["ci_high"]], [y, y], color=COLOURS["line"], lw=1)
            ax.plot([r["rr"]], [y], marker="s", ms=8, color=COLOURS["study"])
    ax.text(0.64, -0.9, "TAC vs control   RR (95% CI)", transform=txt, fontsize=9, weight="bold")
    ax.set_ylim(len(t) - 0.5, -1.2)
    _log_axis(ax, np.nanmin(t["ci_low"].to_numpy(dtype=float)), np.nanmax(t["ci_high"].to_numpy(dtype=float)),
              "risk ratio, TAC vs azathioprine (log scale)")
    fig.text(0.01, 0.03, f"Single trial; rule {method} (0.5 added to every cell of an outcome with a zero cell).",
             fontsize=7.5, color="#444444")
    return fig


def cumulative_plot(cum: pd.DataFrame, title: str, higher_is: str = "better") -> plt.Figure:
    """Cumulative meta-analysis: one row per publication year, the pool of all trials up to it."""
    from .analysis import fmt_rr

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
    from .analysis import fmt_rr

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
