"""The PRISMA 2020 flow diagram of the search, one column per search round.

:func:`prisma_html` is the diagram shown in the book (HTML boxes that reflow: side by side on a
desktop, stacked on a phone, text at the page's size); :func:`prisma_diagram` draws the same as a
matplotlib figure (kept for downloads and tests). Both read :func:`livingreview.search.flow_table`:
the 2016 round shows the printed counts of ``search_flow.csv`` ("not reported" where the source
gives none); a round with search records shows counts derived from its records and decisions.
"""
from __future__ import annotations


import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .data import Review
from .escape import html_text, plain_matplotlib_text
from .search import DATABASE_LABELS, flow_table

# Text from data in the flow diagram (database names) is drawn as typed, never as mathtext.
plain_matplotlib_text()

STAGE_TEXT = {
    "records_identified": "Records identified from databases",
    "duplicates_removed": "Duplicate records removed",
    "records_screened": "Records screened (title and abstract)",
    "records_excluded": "Records excluded",
    "reports_assessed": "Reports assessed for eligibility",
    "reports_excluded": "Reports excluded",
    "studies_included": "Studies included in the review",
    "studies_meta_analysis": "Randomised trials in the meta-analysis",
    "new_studies_included": "New studies included",
    "new_studies_meta_analysis": "New trials in the meta-analysis",
    "studies_awaiting_data": "Eligible trials awaiting data",
    "studies_awaiting_extraction": "Included, awaiting extraction",
    "studies_other_methods": "Of which identified by other methods",
    "records_awaiting_screening": "Records awaiting screening",
    "reports_awaiting_assessment": "Reports awaiting assessment",
}


def prisma_diagram(review: Review) -> plt.Figure:
    """A PRISMA 2020 flow diagram, one column per search round (:func:`livingreview.search.flow_table`).

    The 2016 round shows the printed counts of ``search_flow.csv`` ("not reported" where the source
    gives none); a round with search records shows counts derived from its records and decisions.
    """
    flow = flow_table(review)
    dbs = {}
    recs = getattr(review, "search_records", None)
    if recs is not None and len(recs):
        dbs = {int(r): ", ".join(sorted(g["database"].unique())) for r, g in recs.groupby("round")}
    rounds = sorted(flow["round"].unique())
    width_per = 6.2
    fig = plt.figure(figsize=(1.0 + width_per * len(rounds), 7.6))
    ax = fig.add_axes([0, 0, 1, 1])
    total_w = 1.0 + width_per * len(rounds)
    ax.set_xlim(0, total_w)
    ax.set_ylim(0, 7.6)
    ax.axis("off")

    def n_text(rnd, stage):
        hit = flow[(flow["round"] == rnd) & (flow["stage"] == stage)]
        if hit.empty:
            return None
        v = hit["count"].iloc[0]
        return "n = not reported" if pd.isna(v) else f"n = {int(v)}"

    def box(x, y, w, h, text, fc="#ffffff"):
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.05",
                                    fc=fc, ec="#1f4e79", lw=1.2))
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=8.5, wrap=True)

    def arrow(x1, y1, x2, y2):
        ax.add_patch(FancyArrowPatch((x1, y1), (x2, y2), arrowstyle="-|>", mutation_scale=10, color="#333333", lw=1))

    phases = [("Identification", 6.0, 7.3), ("Screening", 2.9, 5.9), ("Included", 0.3, 2.8)]
    for name, y0, y1 in phases:
        ax.add_patch(FancyBboxPatch((0.1, y0), 0.55, y1 - y0, boxstyle="round,pad=0.02", fc="#dbe7f3", ec="none"))
        ax.text(0.375, (y0 + y1) / 2, name, rotation=90, ha="center", va="center", fontsize=9, weight="bold")

    for i, rnd in enumerate(rounds):
        x0 = 0.9 + i * width_per
        mw, sw = 2.9, 2.6
        mx, sx = x0, x0 + mw + 0.4
        title = f"Review {rnd}" if i == 0 else f"Update {rnd}"
        ax.text(mx + (mw + 0.4 + sw) / 2, 7.45, title, ha="center", fontsize=10, weight="bold")
        db = ", ".join(DATABASE_LABELS.get(d, d) for d in dbs[int(rnd)].split(", ")) if int(rnd) in dbs else None
        db = db or ("PubMed, Embase, Web of Science, Cochrane" if i == 0 else "the same databases")
        main = [("records_identified", 6.1, f"{STAGE_TEXT['records_identified']}\n({db})"),
                ("records_screened", 4.85, STAGE_TEXT["records_screened"]),
                ("reports_assessed", 3.3, STAGE_TEXT["reports_assessed"])]
        side = {"records_identified": "duplicates_removed", "records_screened": "records_excluded",
                "reports_assessed": "reports_excluded"}
        inc_stages = (["studies_included", "studies_meta_analysis"] if i == 0
                      else ["new_studies_included", "studies_other_methods", "new_studies_meta_analysis",
                            "studies_awaiting_data"])
        prev_y = None
        for stage, y, label in main:
            t = n_text(rnd, stage) or "n = not reported"
            box(mx, y, mw, 1.0, f"{label}\n{t}")
            if prev_y is not None:
                arrow(mx + mw / 2, prev_y, mx + mw / 2, y + 1.0)
            s_stage = side[stage]
            st_ = n_text(rnd, s_stage) or "n = not reported"
            box(sx, y + 0.15, sw, 0.7, f"{STAGE_TEXT[s_stage]}\n{st_}", fc="#f7f7f7")
            arrow(mx + mw, y + 0.5, sx, y + 0.5)
            prev_y = y
        shown = [(stage, n_text(rnd, stage)) for stage in inc_stages]
        shown = [(st, t) for st, t in shown if t is not None and not (st == "studies_other_methods" and t == "n = 0")]
        step = min(1.25, 1.75 / max(len(shown) - 1, 1))
        h = min(0.85, step - 0.15)
        y = 2.05
        for stage, t in shown:
            box(mx, y, mw, h, f"{STAGE_TEXT[stage]}\n{t}", fc="#eef5e9")
            arrow(mx + mw / 2, prev_y, mx + mw / 2, y + h)
            prev_y = y
            y -= step
    return fig


MAIN_STAGES = ("records_identified", "records_screened", "reports_assessed")
SIDE_STAGES = {"records_identified": "duplicates_removed", "records_screened": "records_excluded",
               "reports_assessed": "reports_excluded"}


def _layout(review: Review):
    """Per round: (title, databases, [(main stage, n, side stage, n)], [(included stage, n)])."""
    flow = flow_table(review)
    dbs = {}
    recs = getattr(review, "search_records", None)
    if recs is not None and len(recs):
        dbs = {int(r): ", ".join(sorted(g["database"].unique())) for r, g in recs.groupby("round")}

    def n_text(rnd, stage):
        hit = flow[(flow["round"] == rnd) & (flow["stage"] == stage)]
        if hit.empty:
            return None
        v = hit["count"].iloc[0]
        return "n = not reported" if pd.isna(v) else f"n = {int(v)}"

    out = []
    for i, rnd in enumerate(sorted(flow["round"].unique())):
        db = ", ".join(DATABASE_LABELS.get(d, d) for d in dbs[int(rnd)].split(", ")) if int(rnd) in dbs else None
        db = db or ("PubMed, Embase, Web of Science, Cochrane" if i == 0 else "the same databases")
        main = [(st, n_text(rnd, st) or "n = not reported", SIDE_STAGES[st],
                 n_text(rnd, SIDE_STAGES[st]) or "n = not reported") for st in MAIN_STAGES]
        inc = (["studies_included", "studies_meta_analysis"] if i == 0
               else ["new_studies_included", "studies_other_methods", "new_studies_meta_analysis",
                     "studies_awaiting_data"])
        shown = [(st, n_text(rnd, st)) for st in inc]
        shown = [(st, t) for st, t in shown if t is not None and not (st == "studies_other_methods" and t == "n = 0")]
        out.append((f"Review {rnd}" if i == 0 else f"Update {rnd}", db, main, shown))
    return out


def prisma_html(review: Review) -> str:
    """The flow diagram as HTML: per round, Identification → Screening → Included, exclusions alongside.

    Every text is escaped; CSS (``book/_static/livingreview.css``, classes ``lr-prisma-*``) puts the
    exclusion boxes beside the main boxes on a desktop and under them on a phone.
    """
    e = html_text
    phase_of = {"records_identified": "Identification", "records_screened": "Screening",
                "reports_assessed": "Screening"}
    parts = ['<figure class="lr-prisma-figure" id="fig-prisma" aria-labelledby="fig-prisma-caption">'
             '<div class="lr-prisma">']
    for title, db, main, shown in _layout(review):
        parts.append(f'<div class="lr-prisma-round"><p class="lr-prisma-title">{e(title)}</p>')
        last_phase = None
        for stage, n, side, sn in main:
            phase = phase_of[stage]
            if phase != last_phase:
                parts.append(f'<p class="lr-prisma-phase">{e(phase)}</p>')
                last_phase = phase
            label = STAGE_TEXT[stage] + (f" ({db})" if stage == "records_identified" else "")
            parts.append(f'<div class="lr-prisma-row"><div class="lr-prisma-box lr-prisma-main">{e(label)}'
                         f'<br><strong>{e(n)}</strong></div><div class="lr-prisma-box lr-prisma-side">'
                         f'{e(STAGE_TEXT[side])}<br><strong>{e(sn)}</strong></div></div>')
        parts.append('<p class="lr-prisma-phase">Included</p>')
        for stage, n in shown:
            parts.append(f'<div class="lr-prisma-row"><div class="lr-prisma-box lr-prisma-included">'
                         f'{e(STAGE_TEXT[stage])}<br><strong>{e(n)}</strong></div></div>')
        parts.append("</div>")
    parts.append('</div><figcaption class="lr-figure-desc" id="fig-prisma-caption">PRISMA 2020 flow diagram, '
                 'one column per search round. The 2016 counts are those the review printed; later rounds are '
                 'counted from their records and screening decisions. The same counts are in '
                 '<a href="#lr-table-search-flow">the search flow table</a>.</figcaption></figure>')
    return "".join(parts)
