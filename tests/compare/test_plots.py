"""skact.compare.plots: what the figures say, checked on the figure objects (no image
comparison)."""

import numpy as np
import pytest

from skact.compare import plots
from skact.compare.results import CSV_COLUMNS, Comparison, comparison_plots, fits_description

pytest.importorskip("matplotlib")


def test_dead_units_axis_starts_at_zero_and_lines_at_zero_stay_visible():
    dead = {"relu": [[0.1, 0.2, 0.3]], "gelu": [[0, 0, 0, 0]], "silu": [[0.0, 0.0, 0.0, 0.0]],
            "elu": [[0, 0, 0, 0]]}
    fig = plots.fraction_curves(dead, {"tanh": [[0, 0, 0]]})
    dead_ax, saturated_ax = fig.axes
    assert dead_ax.get_ylim() == (0.0, pytest.approx(33.0))
    lines = {line.get_label(): line for line in dead_ax.get_lines()}
    # the three curves at 0 % lie on one another: markers at staggered epochs show each one
    starts = [lines[name].get_markevery()[0] for name in ("gelu", "silu", "elu")]
    assert sorted(starts) == [0, 1, 2] and lines["relu"].get_marker() in ("None", None, "")
    assert all(not line.get_clip_on() for line in lines.values())  # not hidden by the axis
    notes = [t.get_text() for t in dead_ax.texts]
    assert notes == ["at 0 % throughout: gelu, silu, elu"]
    assert [t.get_text() for t in saturated_ax.texts] == []  # a single line hides nothing


def test_an_empty_saturation_panel_has_the_epochs_as_its_x_axis():
    fig = plots.fraction_curves({"relu": [[0.1, 0.2, 0.3, 0.3, 0.3, 0.3]]}, {})
    dead_ax, saturated_ax = fig.axes
    assert [t.get_text() for t in saturated_ax.texts][0].startswith("no saturated units")
    assert saturated_ax.get_xlim() == dead_ax.get_xlim() and dead_ax.get_xlim()[1] > 5


def test_the_activation_plot_shows_relu6_stop_at_6():
    fig = plots.activation_curves(["relu", "relu6"])
    relu, relu6 = (ax.get_lines()[0].get_ydata() for ax in fig.axes[:2])
    assert relu6.max() == 6.0 and relu.max() > 6.0  # the two curves differ


def test_small_fractions_zoom_in_and_full_ones_show_all():
    fig = plots.fraction_curves({"relu": [[0.01, 0.02]]})
    assert fig.axes[0].get_ylim() == (0.0, 5.0)
    fig = plots.fraction_curves({"relu": [[1.0, 1.0]]})
    assert fig.axes[0].get_ylim() == (0.0, 100.0)


@pytest.mark.parametrize("runs, cv, text", [(1, 3, "1 run x 3 folds"), (3, 1, "3 runs x 1 fold"),
                                            (2, 2, "2 runs x 2 folds")])
def test_fit_counts_are_singular_for_one(runs, cv, text):
    assert fits_description({"runs": runs, "cv": cv}) == text


def test_loss_plot_title_and_legend_count_fits_in_the_singular_too(tmp_path):
    curves = [{"activation": "relu", "run": 0, "fold": 0, "loss": [1.0, 0.5], "dead": [0, 0]},
              {"activation": "tanh", "run": 0, "fold": 0, "loss": [1.0, 0.7], "dead": [0, 0]},
              {"activation": "tanh", "run": 0, "fold": 1, "loss": [1.1, 0.6], "dead": [0, 0]}]
    records = [{**dict.fromkeys(CSV_COLUMNS), "activation": c["activation"], "score": 0.5,
                "status": "ok"} for c in curves]
    comparison = Comparison(records=records, curves=curves, activations=["relu", "tanh"],
                            scoring="accuracy", task="classification",
                            settings={"runs": 1, "cv": 2})
    comparison_plots(comparison, tmp_path)
    fig = plots.loss_curves(comparison.curves_by_activation("loss"),
                            title=f"Training loss ({fits_description(comparison.settings)})")
    assert fig.axes[0].get_title() == "Training loss (1 run x 2 folds)"
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["relu (1 fit)", "tanh (2 fits)"]
    assert np.all([(tmp_path / name).stat().st_size > 0
                   for name in ("loss.png", "scores.png", "diagnostics.png")])
