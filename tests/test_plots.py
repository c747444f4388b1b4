"""Smoke tests of the figures, and reproducible files (same bytes at every save).

The figures are drawn from the frozen fixture review (tests/fixtures/review/), so that the trials
named below ("Li 2012 has no counts") stay true when data/ is updated.
"""
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

import livingreview as lr
from livingreview import literature, living, plots, pools, sensitivity

FIXTURE = Path(__file__).parent / "fixtures" / "review"


@pytest.fixture(scope="module")
def review():
    return lr.load_review(FIXTURE)


@pytest.fixture(scope="module")
def pooled(review):
    return pools.pooled_estimates(review)


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [t.get_text() for t in fig.texts]


def test_forest_plot_marks_missing_and_unverified(review):
    fig = plots.forest_plot(pools.forest_data(review, "efficacy", "complete_response"), title="CR")
    t = texts(fig)
    assert "not available" in t  # Li 2012 has no counts
    assert any(x.startswith("Chen 2011 †") for x in t)
    assert any("Test for subgroup differences" in x for x in t)
    assert any(x.startswith("Heterogeneity: Chi² =") for x in t)
    assert "Favours TAC" in t


def test_forest_plot_with_no_counts_at_all(review):
    fig = plots.forest_plot(pools.forest_data(review, "safety", "infection"), higher_is="worse")
    assert texts(fig).count("not available") == len(pools.trial_rows(review, "safety")["study_id"].unique())
    assert "Favours TAC" in texts(fig) and "Favours control" in texts(fig)


def test_other_figures(review, pooled):
    plots.outcome_plot(review, pooled, "maintenance")
    plots.cumulative_plot(living.cumulative(review, "complete_response"), "cumulative")
    rows = pools.trial_rows(review, "efficacy")
    plots.leave_one_out_plot(sensitivity.leave_one_out(rows[pools.has_counts(rows)]), pooled, review)
    plots.quality_bars(review.studies)
    literature.prisma_diagram(review)
    assert len(plt.get_fignums()) == 5


def test_saved_files_are_reproducible(review, tmp_path):
    fd = pools.forest_data(review, "efficacy", "total_response")
    a = plots.save_figure(plots.forest_plot(fd), "x", tmp_path / "a")
    b = plots.save_figure(plots.forest_plot(fd), "x", tmp_path / "b")
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes(), pa.name


def test_forest_plot_revman_elements_and_caveat(review):
    fig = plots.forest_plot(pools.forest_data(review, "efficacy", "complete_response"))
    t = texts(fig)
    assert any("M-H, Fixed, 95% CI" in x for x in t)
    assert any(x.startswith("Test for overall effect: Z =") for x in t)
    assert any(x.startswith("Mok 2016 ‡") for x in t)  # derived from a percentage
    assert any("‡ counts derived from a reported percentage" in x for x in t)
    # duo vs triple differ (p = 0.001 < 0.10): the overall diamond carries a caveat
    assert any(x.startswith("Caution: the regimens differ") for x in t)
    assert any("Favours TAC" == x for x in t)
    w, h = fig.get_size_inches()
    assert w == plots.FIGURE_WIDTH <= 7.7  # fits the text column at 100 dpi (about 760 px)
    sizes = [tx.get_fontsize() for ax in fig.axes for tx in ax.texts]
    assert min(sizes) >= 8  # 8 pt at 100 dpi is 11 px


def test_no_caveat_without_subgroup_difference(review):
    fig = plots.forest_plot(pools.forest_data(review, "efficacy", "total_response"))
    assert not any(x.startswith("Caution") for x in texts(fig))


def test_maintenance_plot_separates_directions(review, pooled):
    fig = plots.outcome_plot(review, pooled, "maintenance", comparator="azathioprine")
    t = texts(fig)
    assert "Higher is better" in t and "Higher is worse" in t
    assert "← Favours control" in t and "← Favours TAC" in t
    assert "azathioprine" in fig.axes[0].get_xlabel()


def test_plots_only_draw():
    """plots imports (also lazily) only what it draws from: the data, the number formats, the pools
    and the subgroup test; never a module that writes data, glues values or builds tables."""
    import ast

    tree = ast.parse(Path(plots.__file__).read_text(encoding="utf-8"))
    mods = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom) and n.level == 1:  # `from .x import y`, and `from . import x`
            mods |= {n.module} if n.module else {a.name for a in n.names}
    assert "data" in mods and "pools" in mods  # the parse sees the package's relative imports
    # plus the one escaping path (matplotlib text with math off), the record of files written and the
    # names of the analysis choices the specification curve marks (robustness)
    assert mods <= {"data", "fmt", "pools", "sensitivity", "escape", "outputs", "robustness"}, mods
