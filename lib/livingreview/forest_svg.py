"""Forest plots as SVG text for the page: readable at the column width, every study row questionable.

:func:`forest_html` returns one HTML block holding two SVG drawings of the same forest plot, in
the RevMan 5 layout (method header, subgroups with subtotals, heterogeneity, test for overall
effect, test for subgroup differences, favours labels, ‡/† marks):

* a wide layout (:data:`WIDE`, 700 px: trial, TAC and control events/total, weight, RR (95% CI), plot)
  shown on a desktop, and
* a narrow layout (:data:`NARROW`, 340 px: trial with its RR (95% CI) beneath, and the plot)
  shown on a phone, where the counts come on tap.

Each study row is a focusable ``<g tabindex="0" role="button">`` with a ``<title>`` and
``data-`` attributes (events/total per arm, provenance, source from ``data/outcomes.csv``);
``book/_static/provenance.js`` shows them on hover, focus and tap. Every string from the data is
escaped (:func:`_esc`); text is placed on a grid whose boxes (:func:`text_boxes`, estimated from
font size and text length) do not intersect. :func:`no_counts_card` is what an outcome without
any counts shows instead of an empty frame. :func:`alt_text` says in words what a plot shows.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from .escape import html_text
from .fmt import fmt_p, fmt_rr
from .reproduction import gaps
from .plots import _favours_pair, forest_rows

#: Widths (px) of the two layouts: the book's text column at 1300 px is ~704 px, on a 390 px phone ~358 px.
WIDE, NARROW = 700, 340
FONT, FONT_SMALL, FONT_TITLE = 12, 12, 14
ROW = 21  # px per text line
#: Estimated advance of one character, in em (Arial/DejaVu average is below this; bold a little wider).
CHAR_EM, CHAR_EM_BOLD = 0.60, 0.66
COLOURS = {"study": "#1f4e79", "pool": "#b22222", "line": "#333333", "missing": "#595959", "note": "#333333"}
MARKS = {"unverified": "†", "derived_from_percentage": "‡"}
PROVENANCE_WORDS = {"reported": "reported", "derived_from_percentage": "derived from a reported percentage",
                    "unverified": "unverified (recalled from the abstract)", "missing": "missing"}
TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)


def _esc(value) -> str:
    """Escape any text for SVG/HTML content and attribute values."""
    return html_text("" if value is None or (isinstance(value, float) and math.isnan(value)) else value)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Estimated width (px) of a text at a font size: characters × size × an average em advance."""
    return len(text) * size * (CHAR_EM_BOLD if bold else CHAR_EM)


def _wrap(text: str, size: float, width: float, bold: bool = False) -> list[str]:
    """Greedy word wrap to lines whose estimated width fits ``width``."""
    text = text.replace(" = ", "\u00a0=\u00a0")  # keep "p = 0.12" on one line
    words, lines, cur = text.split(" "), [], ""
    for w in words:
        cand = f"{cur} {w}".strip()
        if cur and text_width(cand, size, bold) > width:
            lines.append(cur)
            cur = w
        else:
            cur = cand
    if cur:
        lines.append(cur)
    return lines or [""]


def _count(e, n) -> str:
    e_txt = "–" if pd.isna(e) else f"{int(e)}"
    n_txt = "–" if pd.isna(n) else f"{int(n)}"
    return f"{e_txt}/{n_txt}"


class _Canvas:
    """SVG elements plus the text boxes placed so far (for the overlap test)."""

    def __init__(self):
        self.parts: list[str] = []
        self.boxes: list[tuple[float, float, float, float, str]] = []

    def text(self, x, y, s, size=FONT, anchor="start", bold=False, italic=False, fill=None, cls=""):
        w = text_width(s, size, bold)
        x0 = x - w if anchor == "end" else x - w / 2 if anchor == "middle" else x
        self.boxes.append((x0, y - size * 0.8, x0 + w, y + size * 0.25, s))
        attrs = [f'x="{x:.1f}"', f'y="{y:.1f}"', f'font-size="{size}"']
        if anchor != "start":
            attrs.append(f'text-anchor="{anchor}"')
        if bold:
            attrs.append('font-weight="bold"')
        if italic:
            attrs.append('font-style="italic"')
        if fill:
            attrs.append(f'fill="{fill}"')
        if cls:
            attrs.append(f'class="{cls}"')
        self.parts.append(f"<text {' '.join(attrs)}>{_esc(s)}</text>")

    def raw(self, s: str):
        self.parts.append(s)


def _provenance(s: pd.Series) -> tuple[str, str, str, str]:
    """(TAC events/total, control events/total, provenance word, source) of a study row."""
    prov = s.get("provenance")
    word = PROVENANCE_WORDS.get(prov, _esc(prov)) if isinstance(prov, str) else "missing"
    if not s["has_counts"]:
        word = "missing (counts not extracted yet)"
    src = s.get("source")
    return (_count(s["tac_events"], s["tac_total"]), _count(s["ctl_events"], s["ctl_total"]), word,
            "" if not isinstance(src, str) else src)


def _ticks(lo: float, hi: float, x_of, size: float) -> list[float]:
    """Tick values inside [lo, hi] whose labels do not touch (always keeping 1)."""
    cand = [v for v in TICKS if lo <= v <= hi]
    kept: list[float] = []
    for v in sorted(cand, key=lambda v: (v != 1, abs(math.log(v)))):
        w = text_width(f"{v:g}", size)
        if all(abs(x_of(v) - x_of(k)) >= (w + text_width(f"{k:g}", size)) / 2 + 8 for k in kept):
            kept.append(v)
    return sorted(kept)


def _svg(fd: dict, title: str, higher_is: str, show_overall: bool, width: int, uid: str) -> tuple[str, list]:
    narrow = width < 500
    rows = forest_rows(fd, show_overall)
    studies, pooled = fd["studies"], fd["pooled"].set_index("subgroup")
    groups = fd["subgroups"] or [None]
    weights = studies["weight_all"] if show_overall and len(groups) > 1 else studies["weight"]
    wmax = np.nanmax(weights.to_numpy(dtype=float)) if weights.notna().any() else 1.0

    if narrow:
        x_label, plot_x0, plot_x1 = 4, 176, width - 8
        cols = {}
    else:
        cols = {"tac": 256, "ctl": 358, "w": 420, "rr": 430}
        rr_texts = [fmt_rr(r["s"]["rr"], r["s"]["ci_low"], r["s"]["ci_high"]) for r in rows if r["kind"] == "study"]
        rr_texts += [fmt_rr(r["p"]["rr"], r["p"]["ci_low"], r["p"]["ci_high"]) for r in rows if r["kind"] == "pool"]
        rr_w = max([text_width("M-H, Fixed, 95% CI", FONT_SMALL, True)] +
                   [text_width(t, FONT, True) for t in rr_texts])
        x_label, plot_x0, plot_x1 = 4, cols["rr"] + rr_w + 12, width - 8
    label_w = (plot_x0 - 10 - x_label) if narrow else cols["tac"] - 64 - x_label

    # The axis range covers every CI drawn.
    vals = []
    for r in rows:
        if r["kind"] == "study" and pd.notna(r["s"]["rr"]):
            vals += [r["s"]["ci_low"], r["s"]["ci_high"]]
        elif r["kind"] == "pool" and pd.notna(r["p"]["rr"]) and pd.notna(r["p"]["ci_low"]):
            vals += [r["p"]["ci_low"], r["p"]["ci_high"]]
    vals = [v for v in vals if np.isfinite(v) and v > 0]
    lo = max(min([0.5] + vals) / 1.3, 0.005)
    hi = min(max([2.0] + vals) * 1.3, 200)
    llo, lhi = math.log(lo), math.log(hi)

    def x_of(v):
        v = min(max(v, lo), hi)
        return plot_x0 + (math.log(v) - llo) / (lhi - llo) * (plot_x1 - plot_x0)

    c = _Canvas()
    y = 0.0
    title_lines = _wrap(title, FONT_TITLE, width - 8, bold=True) if title else []
    for t in title_lines:
        y += ROW
        c.text(x_label, y, t, size=FONT_TITLE, bold=True)
    # Column headings (two lines) and the method header over the plot.
    y += ROW + 4
    head_y = y
    c.text(x_label, y + ROW, "Study or subgroup", size=FONT_SMALL, bold=True)
    if narrow:
        c.text(x_label, y + 2 * ROW, "RR (95% CI)", size=FONT_SMALL, bold=True)
    else:
        for key, a, b in (("tac", "TAC", "Events/Total"), ("ctl", "Control", "Events/Total"), ("w", "Weight", "(%)")):
            c.text(cols[key], y, a, size=FONT_SMALL, bold=True, anchor="end")
            c.text(cols[key], y + ROW, b, size=FONT_SMALL, bold=True, anchor="end")
        c.text(cols["rr"], y, "Risk Ratio", size=FONT_SMALL, bold=True)
        c.text(cols["rr"], y + ROW, "M-H, Fixed, 95% CI", size=FONT_SMALL, bold=True)
    c.text((plot_x0 + plot_x1) / 2, y, "Risk Ratio", size=FONT_SMALL, bold=True, anchor="middle")
    c.text((plot_x0 + plot_x1) / 2, y + ROW, "(log scale)", size=FONT_SMALL, bold=True, anchor="middle")
    y += ROW * (2 if narrow else 1) + 10
    c.raw(f'<line x1="0" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#999" stroke-width="1"/>')
    plot_top = y
    blocked: list[tuple[float, float]] = []  # y ranges the vertical lines skip (notes across the plot)
    marks_used: set[str] = set()
    study_no = 0
    for r in rows:
        kind = r["kind"]
        if kind == "gap":
            y += ROW * 0.5
            continue
        if kind == "header":
            for t in _wrap(r["text"], FONT, width - 8 if narrow else plot_x0 - 12, bold=True):
                y += ROW
                c.text(x_label, y, t, bold=True, italic=True)
            continue
        if kind in ("note", "caveat"):
            avail = (plot_x0 - 12 - x_label) if not narrow else width - 8
            y_before = y
            for t in _wrap(r["text"], FONT_SMALL, avail, bold=kind == "caveat"):
                y += ROW
                c.text(x_label + 8, y, t, size=FONT_SMALL, fill=COLOURS["pool" if kind == "caveat" else "note"],
                       bold=kind == "caveat")
            if narrow:  # full-width text: the vertical lines stop above it
                blocked.append((y_before + 5, y + 6))
            continue
        if kind == "study":
            s = r["s"]
            study_no += 1
            tac, ctl, word, src = _provenance(s)
            mark = MARKS.get(s["provenance"]) if s["has_counts"] else None
            if mark:
                marks_used.add(mark)
            label = s["label"] + (f" {mark}" if mark else "")
            rr_txt = fmt_rr(s["rr"], s["ci_low"], s["ci_high"]) if s["has_counts"] else "not available"
            w = weights.loc[s.name]
            w_txt = "" if not s["has_counts"] else ("–" if pd.isna(w) else f"{w:.1f}")
            summary = (f"{s['label']}: TAC {tac}, control {ctl}; risk ratio {rr_txt}"
                       f"{'; weight ' + w_txt + '%' if w_txt and w_txt != '–' else ''}; counts {word}"
                       f"{'; source: ' + src if src else ''}")
            c.raw(f'<g class="lr-study" tabindex="0" role="button" id="{uid}-s{study_no}" '
                  f'aria-label="{_esc(summary)}" data-study="{_esc(s["label"])}" data-tac="{_esc(tac)}" '
                  f'data-ctl="{_esc(ctl)}" data-rr="{_esc(rr_txt)}" data-weight="{_esc(w_txt)}" '
                  f'data-provenance="{_esc(word)}" data-source="{_esc(src)}">'
                  f"<title>{_esc(summary)}</title>")
            top = y + 4
            y += ROW
            row_h = ROW * (2 if narrow else 1)
            c.raw(f'<rect class="lr-hit" x="0" y="{top:.1f}" width="{width}" height="{row_h + 1:.1f}" '
                  f'fill="transparent"/>')
            grey = None if s["has_counts"] else COLOURS["missing"]
            c.text(x_label + 8, y, label, fill=grey)
            if narrow:
                c.text(x_label + 8, y + ROW, rr_txt, size=FONT_SMALL, fill=grey or COLOURS["note"],
                       italic=not s["has_counts"])
            else:
                c.text(cols["tac"], y, tac, anchor="end", fill=grey)
                c.text(cols["ctl"], y, ctl, anchor="end", fill=grey)
                if w_txt:
                    c.text(cols["w"], y, w_txt, anchor="end")
                c.text(cols["rr"], y, rr_txt, fill=grey, italic=not s["has_counts"])
            cy = y - 4 + (ROW / 2 if narrow else 0)
            if s["has_counts"] and pd.notna(s["rr"]):
                a, b = x_of(s["ci_low"]), x_of(s["ci_high"])
                c.raw(f'<line x1="{a:.1f}" x2="{b:.1f}" y1="{cy:.1f}" y2="{cy:.1f}" stroke="{COLOURS["line"]}" '
                      f'stroke-width="1.3"/>')
                half = 2.5 + 5.5 * math.sqrt((0 if pd.isna(w) else float(w)) / wmax)
                xm = x_of(s["rr"])
                c.raw(f'<rect x="{xm - half:.1f}" y="{cy - half:.1f}" width="{2 * half:.1f}" height="{2 * half:.1f}" '
                      f'fill="{COLOURS["study"]}"/>')
            if narrow:
                y += ROW
            c.raw("</g>")
            continue
        if kind == "pool":
            p, sub = r["p"], r["sub"]
            y += ROW
            ok = sub[sub["has_counts"]]
            label = f"{r['label']} ({int(p['k'])} of {len(sub)} trials)"
            rr_txt = fmt_rr(p["rr"], p["ci_low"], p["ci_high"])
            c.text(x_label, y, label, bold=True)
            if narrow:
                y += ROW
                c.text(x_label + 8, y, rr_txt, size=FONT_SMALL, bold=True)
            else:
                c.text(cols["tac"], y, _count(p["tac_events"], p["tac_total"]), anchor="end", bold=True)
                c.text(cols["ctl"], y, _count(p["ctl_events"], p["ctl_total"]), anchor="end", bold=True)
                wsum = weights.loc[ok.index].sum() if len(ok) else np.nan
                if pd.notna(wsum):
                    c.text(cols["w"], y, f"{wsum:.1f}", anchor="end", bold=True)
                c.text(cols["rr"], y, rr_txt, bold=True)
            cy = y - 4 - (ROW / 2 if narrow else 0)
            if pd.notna(p["rr"]) and pd.notna(p["ci_low"]):
                a, m, b = x_of(p["ci_low"]), x_of(p["rr"]), x_of(p["ci_high"])
                pts = f"{a:.1f},{cy:.1f} {m:.1f},{cy - 6:.1f} {b:.1f},{cy:.1f} {m:.1f},{cy + 6:.1f}"
                fill = "url(#%s-hatch)" % uid if r.get("caveat") else COLOURS["pool"]
                c.raw(f'<polygon points="{pts}" fill="{fill}" stroke="{COLOURS["pool"]}" stroke-width="1.2"/>')
    plot_bottom = y + 8
    # Null line, overall estimate line, axis with ticks and favours labels.
    x1 = x_of(1)
    spans, top = [], plot_top
    for a, b in blocked:
        if a > top:
            spans.append((top, a))
        top = max(top, b)
    if plot_bottom > top:
        spans.append((top, plot_bottom))
    for a, b in spans:
        c.raw(f'<line x1="{x1:.1f}" x2="{x1:.1f}" y1="{a:.1f}" y2="{b:.1f}" stroke="#000" stroke-width="1"/>')
    if show_overall and "all" in pooled.index and pd.notna(pooled.loc["all", "rr"]):
        xo = x_of(pooled.loc["all", "rr"])
        for a, b in spans:
            c.raw(f'<line x1="{xo:.1f}" x2="{xo:.1f}" y1="{a:.1f}" y2="{b:.1f}" '
                  f'stroke="{COLOURS["pool"]}" stroke-width="1" stroke-dasharray="2,3"/>')
    c.raw(f'<line x1="{plot_x0:.1f}" x2="{plot_x1:.1f}" y1="{plot_bottom:.1f}" y2="{plot_bottom:.1f}" '
          f'stroke="#000" stroke-width="1"/>')
    y = plot_bottom + ROW
    for v in _ticks(lo, hi, x_of, FONT_SMALL):
        xv = x_of(v)
        c.raw(f'<line x1="{xv:.1f}" x2="{xv:.1f}" y1="{plot_bottom:.1f}" y2="{plot_bottom + 4:.1f}" stroke="#000"/>')
        c.text(xv, y - 4, f"{v:g}", size=FONT_SMALL, anchor="middle")
    left, right = _favours_pair(higher_is)
    lw, rw = text_width(left, FONT_SMALL), text_width(right, FONT_SMALL)
    xr = min(x1 + 6, width - 2 - rw)
    xl = min(x1 - 6, xr - 12)
    y += ROW
    if xl - lw < 2:  # no room side by side: two lines
        c.text(plot_x0, y, "← " + left, size=FONT_SMALL)
        y += ROW
        c.text(plot_x0, y, right + " →", size=FONT_SMALL)
    else:
        c.text(xl, y, left, size=FONT_SMALL, anchor="end")
        c.text(xr, y, right, size=FONT_SMALL)
    # Footnotes.
    notes = [f"Mantel–Haenszel fixed-effect risk ratio, rule {fd['method']}."]
    if "‡" in marks_used:
        notes.append("‡ counts derived from a reported percentage.")
    if "†" in marks_used:
        notes.append("† counts recalled from the trial's abstract, not verified against it.")
    if (~studies["has_counts"]).any():
        notes.append("'not available': counts not extracted yet.")
    notes.append("Focus, hover or tap a trial for its counts and their source." if narrow else
                 "Focus or hover a trial for the source of its counts.")
    y += 6
    for n in notes:
        for t in _wrap(n, FONT_SMALL, width - 8):
            y += ROW
            c.text(x_label, y, t, size=FONT_SMALL, fill=COLOURS["note"])
    height = y + 8
    defs = (f'<defs><pattern id="{uid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{COLOURS["pool"]}" stroke-width="2"/></pattern></defs>')
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" class="lr-forest-svg" width="{width}" height="{height:.0f}" '
           f'viewBox="0 0 {width} {height:.0f}" role="group" aria-labelledby="{uid}-desc" '
           f'font-family="DejaVu Sans, Arial, Helvetica, sans-serif" fill="#111">'
           f"{defs}{''.join(c.parts)}</svg>")
    return svg, c.boxes


def _trials(k) -> str:
    return f"{int(k)} trial" + ("" if int(k) == 1 else "s")


def alt_text(fd: dict, title: str) -> str:
    """What the plot shows, in words: outcome, trials, regimens and the pooled RR (95% CI)."""
    studies, pooled = fd["studies"], fd["pooled"].set_index("subgroup")
    k, n = int(studies["has_counts"].sum()), len(studies)
    parts = [f"Forest plot of {title.lower() if title else fd['outcome']}: risk ratio of tacrolimus-based "
             f"regimens (TAC) versus control, {k} of {n} trials with counts"]
    for g in fd["subgroups"]:
        if g in pooled.index and len(fd["subgroups"]) > 1:
            p = pooled.loc[g]
            parts.append(f"{fd['subgroup_labels'][g]}: pooled RR {fmt_rr(p['rr'], p['ci_low'], p['ci_high'])} "
                         f"from {_trials(p['k'])}")
    if "all" in pooled.index:
        p = pooled.loc["all"]
        parts.append(f"overall pooled RR {fmt_rr(p['rr'], p['ci_low'], p['ci_high'])} from {_trials(p['k'])} "
                     f"(Mantel–Haenszel fixed effect, rule {fd['method']})")
    return "; ".join(parts) + "."


def forest_html(fd: dict, title: str = "", higher_is: str = "better", show_overall: bool = True, *,
                key: str | None = None, table_id: str | None = None, table_name: str = "the table of counts") -> str:
    """The forest plot of :func:`livingreview.pools.forest_data` as an HTML figure (wide and narrow SVG).

    An outcome with no trial counts gets :func:`no_counts_card` instead (call that with the review
    for the published estimate); here it gets a card without it.
    """
    key = re.sub(r"[^A-Za-z0-9_-]+", "-", key or f"{fd['analysis']}-{fd['outcome']}")
    uid = f"lr-forest-{key}"
    alt = alt_text(fd, title)
    wide, _ = _svg(fd, title, higher_is, show_overall, WIDE, uid + "-w")
    narrow, _ = _svg(fd, title, higher_is, show_overall, NARROW, uid + "-n")
    wide = wide.replace(f'aria-labelledby="{uid}-w-desc"', f'aria-labelledby="{uid}-desc"')
    narrow = narrow.replace(f'aria-labelledby="{uid}-n-desc"', f'aria-labelledby="{uid}-desc"')
    link = f' The same counts are in <a href="#{_esc(table_id)}">{_esc(table_name)}</a>.' if table_id else ""
    return (f'<div class="lr-forest" id="{uid}">'
            f'<div class="lr-forest-wide">{wide}</div><div class="lr-forest-narrow">{narrow}</div>'
            f'<p class="lr-figure-desc" id="{uid}-desc">{_esc(alt)}{link}</p></div>')


def boxes(fd: dict, title: str = "", higher_is: str = "better", show_overall: bool = True,
          width: int = WIDE) -> list[tuple[float, float, float, float, str]]:
    """Estimated text boxes (x0, y0, x1, y1, text) of one layout, for the overlap test."""
    return _svg(fd, title, higher_is, show_overall, width, "t")[1]


def overlaps(bx, gap: float = 4) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes intersect or come closer than ``gap`` px side by side (touching texts
    read as one word: "ControlWeight")."""
    out = []
    for i, a in enumerate(bx):
        for b in bx[i + 1:]:
            if a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] and b[1] < a[3]:
                out.append((a[4], b[4]))
    return out


def no_counts_card(fd: dict, title: str, published: pd.DataFrame, gaps: pd.DataFrame,
                   labels: dict | None = None) -> str:
    """The card an outcome without any counts shows: the review's estimate, and what would close the gap.

    ``published`` is ``review.published`` (the 2016 review's estimates); ``gaps`` is
    :func:`livingreview.reproduction.gaps` (where to look for each missing count); ``labels`` names
    the regimens. Every trial of the outcome is listed with the counts it lacks.
    """
    key = f"{fd['analysis']}-{fd['outcome']}"
    uid = "lr-card-" + re.sub(r"[^A-Za-z0-9_-]+", "-", key)
    pub = published[(published["analysis"] == fd["analysis"]) & (published["outcome"] == fd["outcome"])]
    if len(pub):
        labels = labels or {}
        est = "; ".join(f"RR {fmt_rr(r['rr'], r['ci_low'], r['ci_high'])} for "
                        f"{'all its trials' if r['subgroup'] == 'all' else labels.get(r['subgroup'], r['subgroup'])}"
                        for _, r in pub.iterrows())
        est_html = f"<p>The 2016 review published a pooled {_esc(est)}.</p>"
    else:
        est_html = "<p>The 2016 review published no pooled estimate of this outcome.</p>"
    where = {}
    if len(gaps):
        for _, r in gaps[gaps["outcome"] == fd["outcome"]].iterrows():
            where[r["trial"]] = r["where_to_look"]
    items = []
    for _, st in fd["studies"].iterrows():
        tac = f"events of {int(st['tac_total'])}" if pd.notna(st["tac_total"]) else "events and total"
        ctl = f"events of {int(st['ctl_total'])}" if pd.notna(st["ctl_total"]) else "events and total"
        look = where.get(st["label"], "")
        items.append(f"<li><strong>{_esc(st['label'])}</strong>: TAC arm {_esc(tac)}, control arm {_esc(ctl)}."
                     f"{' ' + _esc(look) if look else ''}</li>")
    items = "".join(items)
    trials = ", ".join(fd["studies"]["label"].astype(str))
    return (f'<section class="lr-card lr-no-counts" id="{uid}" aria-label="{_esc(title)}: not re-derivable yet">'
            f'<p class="lr-card-title"><strong>{_esc(title)}</strong> — <span class="lr-nowrap">not re-derivable yet</span></p>'
            f"{est_html}<p>No trial has counts for this outcome in <code>data/outcomes.csv</code> "
            f"({_esc(len(fd['studies']))} trials report it: {_esc(trials)}). These counts would close it:</p>"
            f"<ul>{items}</ul></section>")


def outcome_or_card(fd: dict, title: str, higher_is: str, review=None, **kw) -> str:
    """:func:`forest_html`, or :func:`no_counts_card` when no trial has counts for the outcome."""
    if fd["studies"]["has_counts"].any():
        return forest_html(fd, title, higher_is, **kw)
    if review is None or review.published is None:
        raise ValueError(f"{fd['outcome']}: no trial has counts; the card needs the review loaded with "
                         "'published_estimates'")
    return no_counts_card(fd, title, review.published, gaps(review), dict(review.code_labels("regimen")))


class HTMLBlock(str):
    """HTML text that Jupyter and myst-nb show as HTML (``_repr_html_``)."""

    def _repr_html_(self) -> str:
        return str(self)


def show(review, fd: dict, title: str, name: str, *, table: str | None = None, table_name: str | None = None,
         show_overall: bool = True) -> HTMLBlock:
    """What a forest-plot cell shows: the SVG plot (or the no-counts card), with downloads written.

    Writes ``results/figures/<name>.svg`` and ``.png`` (the matplotlib drawing of
    :func:`livingreview.plots.forest_plot`, same names as before) and returns the page's HTML:
    :func:`outcome_or_card`. ``table`` is the key of the table of the same counts on the page
    (``tables.show(..., key)``), linked from the caption.
    """
    import matplotlib.pyplot as plt

    from .plots import forest_plot, save_figure

    higher_is = review.higher_is(fd["outcome"])
    fig = forest_plot(fd, title=title, higher_is=higher_is, show_overall=show_overall)
    save_figure(fig, name)
    plt.close(fig)
    table_id = f"lr-table-{table}" if table else None
    return HTMLBlock(outcome_or_card(fd, title, higher_is, review=review, show_overall=show_overall, key=name,
                                     table_id=table_id, table_name=table_name or "the table of counts"))


def _outcome_svg(rows: list, lo: float, hi: float, width: int, uid: str, method: str,
                 comparator: str) -> tuple[str, list]:
    """One row per outcome of a single trial (see :func:`outcome_html`), in one layout."""
    narrow = width < 500
    x_label = 4
    plot_x0, plot_x1 = (176, width - 8) if narrow else (500, width - 8)
    x_cnt, x_rr = 300, 312
    llo, lhi = math.log(lo), math.log(hi)

    def x_of(v):
        v = min(max(v, lo), hi)
        return plot_x0 + (math.log(v) - llo) / (lhi - llo) * (plot_x1 - plot_x0)

    c = _Canvas()
    y = ROW + 4
    c.text(x_label, y, "Outcome", size=FONT_SMALL, bold=True)
    if narrow:
        c.text(x_label, y + ROW, "RR (95% CI)", size=FONT_SMALL, bold=True)
    else:
        c.text(x_cnt, y, "TAC vs control", size=FONT_SMALL, bold=True, anchor="end")
        c.text(x_cnt, y + ROW, "events/total", size=FONT_SMALL, bold=True, anchor="end")
        c.text(x_rr, y, "Risk Ratio", size=FONT_SMALL, bold=True)
        c.text(x_rr, y + ROW, "M-H, Fixed, 95% CI", size=FONT_SMALL, bold=True)
    c.text((plot_x0 + plot_x1) / 2, y, "Risk Ratio", size=FONT_SMALL, bold=True, anchor="middle")
    c.text((plot_x0 + plot_x1) / 2, y + ROW, "(log scale)", size=FONT_SMALL, bold=True, anchor="middle")
    y += 2 * ROW - 6
    c.raw(f'<line x1="0" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#999" stroke-width="1"/>')
    x1 = x_of(1)
    n = 0
    null_from: list[float] = []
    null_to: list[float] = []
    for kind, r in rows:
        if kind == "head" and null_from:
            null_to.append(y + 6)
        if kind == "head":
            text, higher = r
            y += ROW * 1.2
            c.text(x_label, y, text, bold=True, italic=True)
            left, right = _favours_pair(higher)
            lw, rw = text_width("← " + left, FONT_SMALL), text_width(right + " →", FONT_SMALL)
            y += ROW
            xr = min(x1 + 6, width - 2 - rw)
            xl = min(x1 - 6, xr - 12)
            if xl - lw < (plot_x0 - 60 if narrow else plot_x0 - 40):
                c.text(plot_x0, y, "← " + left, size=FONT_SMALL, fill=COLOURS["note"])
                y += ROW
                c.text(plot_x0, y, right + " →", size=FONT_SMALL, fill=COLOURS["note"])
            else:
                c.text(xl, y, "← " + left, size=FONT_SMALL, anchor="end", fill=COLOURS["note"])
                c.text(xr, y, right + " →", size=FONT_SMALL, fill=COLOURS["note"])
            null_from.append(y + 6)
            continue
        n += 1
        info, rr_txt = r["info"], r["rr_txt"]
        summary = (f"{r['label']} ({info['study']}): TAC {info['tac']}, control {info['ctl']}; risk ratio {rr_txt}; "
                   f"counts {info['provenance']}{'; source: ' + info['source'] if info['source'] else ''}")
        c.raw(f'<g class="lr-study" tabindex="0" role="button" id="{uid}-s{n}" aria-label="{_esc(summary)}" '
              f'data-study="{_esc(info["study"])}" data-outcome="{_esc(r["label"])}" data-tac="{_esc(info["tac"])}" '
              f'data-ctl="{_esc(info["ctl"])}" data-rr="{_esc(rr_txt)}" data-provenance="{_esc(info["provenance"])}" '
              f'data-source="{_esc(info["source"])}"><title>{_esc(summary)}</title>')
        row_h = ROW * (2 if narrow else 1)
        c.raw(f'<rect class="lr-hit" x="0" y="{y + 4:.1f}" width="{width}" height="{row_h + 1:.1f}" fill="transparent"/>')
        y += ROW
        label = r["label"] + (f" {info['mark']}" if info["mark"] else "")
        c.text(x_label + 8, y, label)
        if narrow:
            c.text(x_label + 8, y + ROW, rr_txt, size=FONT_SMALL, fill=COLOURS["note"])
        else:
            c.text(x_cnt, y, f"{info['tac']} vs {info['ctl']}", anchor="end")
            c.text(x_rr, y, rr_txt)
        cy = y - 4 + (ROW / 2 if narrow else 0)
        if pd.notna(r["rr"]) and pd.notna(r["ci_low"]):
            a, b, m = x_of(r["ci_low"]), x_of(r["ci_high"]), x_of(r["rr"])
            c.raw(f'<line x1="{a:.1f}" x2="{b:.1f}" y1="{cy:.1f}" y2="{cy:.1f}" stroke="{COLOURS["line"]}" '
                  f'stroke-width="1.3"/><rect x="{m - 5:.1f}" y="{cy - 5:.1f}" width="10" height="10" '
                  f'fill="{COLOURS["study"]}"/>')
        if narrow:
            y += ROW
        c.raw("</g>")
    y += 10
    null_to.append(y)
    for a, b in zip(null_from, null_to):
        c.raw(f'<line x1="{x1:.1f}" x2="{x1:.1f}" y1="{a:.1f}" y2="{b:.1f}" stroke="#000" stroke-width="1"/>')
    c.raw(f'<line x1="{plot_x0:.1f}" x2="{plot_x1:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#000" stroke-width="1"/>')
    for v in _ticks(lo, hi, x_of, FONT_SMALL):
        xv = x_of(v)
        c.raw(f'<line x1="{xv:.1f}" x2="{xv:.1f}" y1="{y:.1f}" y2="{y + 4:.1f}" stroke="#000"/>')
        c.text(xv, y + ROW - 4, f"{v:g}", size=FONT_SMALL, anchor="middle")
    y += ROW
    notes = [f"Risk ratio, TAC vs {comparator}; a single trial, rule {method} (0.5 added to every cell of an "
             "outcome with a zero cell).", "‡ counts derived from a reported percentage.",
             "Focus, hover or tap an outcome for its counts and their source."]
    y += 6
    for note in notes:
        for t in _wrap(note, FONT_SMALL, width - 8):
            y += ROW
            c.text(x_label, y, t, size=FONT_SMALL, fill=COLOURS["note"])
    height = y + 8
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" class="lr-forest-svg" width="{width}" height="{height:.0f}" '
           f'viewBox="0 0 {width} {height:.0f}" role="group" aria-labelledby="{uid[:-2]}-desc" '
           f'font-family="DejaVu Sans, Arial, Helvetica, sans-serif" fill="#111">{"".join(c.parts)}</svg>')
    return svg, c.boxes


def _outcome_rows(review, pooled: pd.DataFrame, analysis: str, method: str):
    from .pools import trial_rows

    t = pooled[(pooled["analysis"] == analysis) & (pooled["method"] == method) & (pooled["subgroup"] == "all")]
    labels = review.vocabulary.set_index("outcome")
    tr = trial_rows(review, analysis).set_index("outcome")
    rows, vals = [], []
    for hi, head in (("better", "Higher is better"), ("worse", "Higher is worse")):
        block = t[t["outcome"].map(labels["higher_is"]) == hi]
        if not len(block):
            continue
        rows.append(("head", (head, hi)))
        for _, r in block.iterrows():
            src = tr.loc[[r["outcome"]]].iloc[0] if r["outcome"] in tr.index else None
            prov = src["provenance"] if src is not None else "missing"
            info = {"study": src["label"] if src is not None else "", "tac": _count(r["tac_events"], r["tac_total"]),
                    "ctl": _count(r["ctl_events"], r["ctl_total"]), "provenance": PROVENANCE_WORDS.get(prov, prov),
                    "source": src["source"] if src is not None and isinstance(src["source"], str) else "",
                    "mark": MARKS.get(prov, "")}
            rows.append(("row", {"label": labels.loc[r["outcome"], "label"], "rr": r["rr"], "ci_low": r["ci_low"],
                                 "ci_high": r["ci_high"], "rr_txt": fmt_rr(r["rr"], r["ci_low"], r["ci_high"]),
                                 "info": info}))
            vals += [v for v in (r["ci_low"], r["ci_high"]) if pd.notna(v) and v > 0]
    lo = max(min([0.5] + vals) / 1.3, 0.005)
    hi_ = min(max([2.0] + vals) * 1.3, 200)
    return rows, lo, hi_, t


def outcome_html(review, pooled: pd.DataFrame, analysis: str, method: str = "MH-cc", *,
                 comparator: str = "control", key: str | None = None, table_id: str | None = None,
                 table_name: str = "the table of counts") -> str:
    """A single trial's outcomes as SVG (wide and narrow), one focusable row per outcome.

    Outcomes where more events are better and worse are in separate blocks, each under its own
    favours labels (the layout of :func:`livingreview.plots.outcome_plot`).
    """
    rows, lo, hi, t = _outcome_rows(review, pooled, analysis, method)
    uid = "lr-forest-" + re.sub(r"[^A-Za-z0-9_-]+", "-", key or f"{analysis}-outcomes")
    wide, _ = _outcome_svg(rows, lo, hi, WIDE, uid + "-w", method, comparator)
    narrow, _ = _outcome_svg(rows, lo, hi, NARROW, uid + "-n", method, comparator)
    trial = next((r["info"]["study"] for k, r in rows if k == "row"), "")
    alt = (f"Risk ratios of {trial}, TAC versus {comparator}, one row per outcome: " +
           "; ".join(f"{r['label']} RR {r['rr_txt']}" for k, r in rows if k == "row") + f" (rule {method}).")
    link = f' The same counts are in <a href="#{_esc(table_id)}">{_esc(table_name)}</a>.' if table_id else ""
    return (f'<div class="lr-forest" id="{uid}"><div class="lr-forest-wide">{wide}</div>'
            f'<div class="lr-forest-narrow">{narrow}</div>'
            f'<p class="lr-figure-desc" id="{uid}-desc">{_esc(alt)}{link}</p></div>')


def outcome_boxes(review, pooled, analysis: str, method: str = "MH-cc", width: int = WIDE):
    """Estimated text boxes of :func:`outcome_html` in one layout, for the overlap test."""
    rows, lo, hi, _ = _outcome_rows(review, pooled, analysis, method)
    return _outcome_svg(rows, lo, hi, width, "t-w", method, "control")[1]


def show_outcomes(review, pooled: pd.DataFrame, analysis: str, name: str, *, comparator: str = "control",
                  method: str = "MH-cc", table: str | None = None, table_name: str | None = None) -> HTMLBlock:
    """The single-trial outcome plot for the page, with ``results/figures/<name>.svg``/``.png`` written."""
    import matplotlib.pyplot as plt

    from .plots import outcome_plot, save_figure

    fig = outcome_plot(review, pooled, analysis, method, comparator=comparator)
    save_figure(fig, name)
    plt.close(fig)
    return HTMLBlock(outcome_html(review, pooled, analysis, method, comparator=comparator, key=name,
                                  table_id=f"lr-table-{table}" if table else None,
                                  table_name=table_name or "the table of counts"))
