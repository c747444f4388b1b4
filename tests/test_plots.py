"""Smoke tests of the figures, and reproducible files (same bytes at every save)."""
import matplotlib.pyplot as plt
import pytest

import livingreview as lr
from livingreview import analysis, literature, living, plots, randeff


@pytest.fixture(scope="module")
def review():
    return lr.load_review()


@pytest.fixture(scope="module")
def pooled(review):
    return analysis.pooled_estimates(review)


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [t.get_text() for t in fig.texts]


def test_forest_plot_marks_missing_and_unverified(review):
    fig = plots.forest_plot(analysis.forest_data(review, "efficacy", "complete_response"), title="CR")
    t = texts(fig)
    assert "not available" in t  # Li 2012 has no counts
    assert any(x.startswith("Chen 2011 †") for x in t)
    assert any("Test for subgroup differences" in x for x in t)
    assert any(x.startswith("Heterogeneity: Q =") for x in t)
    assert any("Favours TAC" in ax.get_xlabel() for ax in fig.axes)


def test_forest_plot_with_no_counts_at_all(review):
    fig = plots.forest_plot(analysis.forest_data(review, "safety", "infection"), higher_is="worse")
    assert texts(fig).count("not available") == len(analysis.trial_rows(review, "safety")["study_id"].unique())
    assert fig.axes[0].get_xlabel().startswith("Favours TAC")


def test_other_figures(review, pooled):
    plots.outcome_plot(review, pooled, "maintenance")
    plots.cumulative_plot(living.cumulative(review, "complete_response"), "cumulative")
    rows = analysis.trial_rows(review, "efficacy")
    plots.leave_one_out_plot(randeff.leave_one_out(rows[analysis.has_counts(rows)]), pooled, review)
    plots.quality_bars(review.studies)
    literature.prisma_diagram(review)
    assert len(plt.get_fignums()) == 5


def test_saved_files_are_reproducible(review, tmp_path):
    fd = analysis.forest_data(review, "efficacy", "total_response")
    a = plots.save_figure(plots.forest_plot(fd), "x", tmp_path / "a")
    b = plots.save_figure(plots.forest_plot(fd), "x", tmp_path / "b")
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
