"""Forest plots as SVG in the page (livingreview.forest_svg) and the PRISMA diagram as HTML (prisma).

Invariants on the live data: no two text boxes intersect (boxes estimated from font size and text
length), text stays inside the drawing, every study row is focusable and carries its counts'
provenance, every data string is escaped, an outcome without counts is a card, not an empty frame.
"""
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

import livingreview as lr
from livingreview import forest_svg, pools, prisma

OUTCOMES = [("efficacy", "total_response"), ("efficacy", "complete_response"), ("efficacy", "partial_response"),
            ("safety", "infection"), ("safety", "severe_infection"), ("safety", "hyperglycaemia"),
            ("safety", "leucopenia"), ("safety", "creatinine_rise"), ("safety", "any_adverse_event")]


@pytest.fixture(scope="module")
def review():
    return lr.load_review()


@pytest.fixture(scope="module")
def pooled(review):
    return pools.pooled_estimates(review)


def with_counts(review):
    out = []
    for a, oc in OUTCOMES:
        fd = pools.forest_data(review, a, oc)
        if fd["studies"]["has_counts"].any():
            out.append(fd)
    return out


def test_the_overlap_check_can_fail():
    assert forest_svg.overlaps([(0, 0, 10, 10, "a"), (5, 5, 20, 20, "b")]) == [("a", "b")]
    assert forest_svg.overlaps([(0, 0, 10, 10, "a"), (20, 0, 30, 10, "b")]) == []
    assert forest_svg.overlaps([(0, 0, 10, 10, "Control"), (11, 0, 20, 10, "Weight")]) != []  # touching


@pytest.mark.parametrize("width", [forest_svg.WIDE, forest_svg.NARROW])
def test_no_text_overlaps_and_all_text_fits(review, width):
    fds = with_counts(review)
    assert fds, "some outcome has counts"
    for fd in fds:
        title = "Any adverse event (not pooled by the 2016 review)"
        boxes = forest_svg.boxes(fd, title, review.higher_is(fd["outcome"]), width=width)
        assert forest_svg.overlaps(boxes) == [], fd["outcome"]
        assert min(b[0] for b in boxes) >= 0 and max(b[2] for b in boxes) <= width, fd["outcome"]


@pytest.mark.parametrize("width", [forest_svg.WIDE, forest_svg.NARROW])
def test_no_text_overlaps_in_the_single_trial_plot(review, pooled, width):
    boxes = forest_svg.outcome_boxes(review, pooled, "maintenance", width=width)
    assert boxes and forest_svg.overlaps(boxes) == []
    assert max(b[2] for b in boxes) <= width


def test_text_is_at_least_12_px(review):
    html = forest_svg.forest_html(pools.forest_data(review, "efficacy", "complete_response"), "CR")
    sizes = {int(s) for s in re.findall(r'font-size="(\d+)"', html)}
    assert sizes and min(sizes) >= 12
    assert f'width="{forest_svg.WIDE}"' in html and f'width="{forest_svg.NARROW}"' in html  # natural size: 1 SVG unit = 1 CSS px


def test_every_study_row_is_focusable_with_its_provenance(review):
    fd = pools.forest_data(review, "efficacy", "complete_response")
    html = forest_svg.forest_html(fd, "Complete renal response")
    n = len(fd["studies"])
    assert html.count('<g class="lr-study" tabindex="0" role="button"') == 2 * n  # wide and narrow layouts
    for _, s in fd["studies"].iterrows():
        assert f'data-study="{s["label"]}"' in html
    assert 'data-provenance="derived from a reported percentage"' in html
    assert "<title>" in html and "data-source=" in html
    for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S):
        ET.fromstring(svg)  # well-formed XML


def test_alt_text_says_what_the_plot_shows(review):
    fd = pools.forest_data(review, "efficacy", "total_response")
    alt = forest_svg.alt_text(fd, "Total renal response at 6 months")
    assert "total renal response" in alt and "overall pooled RR" in alt and "trials" in alt
    assert ".png" not in alt and "/" not in alt.split(":")[0]
    html = forest_svg.forest_html(fd, "Total renal response", table_id="lr-table-efficacy-counts")
    assert 'href="#lr-table-efficacy-counts"' in html


def test_an_outcome_without_counts_is_a_card_not_an_empty_frame(review):
    empty = [pools.forest_data(review, a, oc) for a, oc in OUTCOMES]
    empty = [fd for fd in empty if not fd["studies"]["has_counts"].any()]
    for fd in empty:
        html = forest_svg.outcome_or_card(fd, "X", "worse", review=review)
        assert "<svg" not in html and "not re-derivable yet" in html
        for label in fd["studies"]["label"]:
            assert label in html
        pub = review.published[(review.published["outcome"] == fd["outcome"])]
        if len(pub):
            assert "The 2016 review published a pooled RR" in html


def test_every_data_string_is_escaped(review):
    fd = pools.forest_data(review, "efficacy", "complete_response")
    fd = dict(fd, studies=fd["studies"].copy())
    evil = '<script>alert("x")</script> & \'q\''
    fd["studies"].loc[fd["studies"].index[0], "label"] = evil
    fd["studies"]["source"] = evil
    html = forest_svg.forest_html(fd, "T <b>")
    assert "<script>" not in html and "<b>" not in html
    for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S):
        ET.fromstring(svg)
    card = forest_svg.no_counts_card(fd, evil, review.published.iloc[0:0], pd.DataFrame())
    assert "<script>" not in card


def test_prisma_html_shows_every_stage_and_not_reported(review):
    html = prisma.prisma_html(review)
    assert "n = 239" in html and "not reported" in html and "Review 2016" in html
    assert html.count('class="lr-prisma-box lr-prisma-main"') == 3 * html.count('class="lr-prisma-round"')
