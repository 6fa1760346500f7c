"""The result tables fit 80 and 100 columns without cutting a value, best first: rendered
with long but realistic values, and once through the command line at COLUMNS=80."""

import json
import re
import subprocess
import sys

import pytest
from cli_fixtures import FAST_SPACE_TOML, skact_env
from rich.console import Console
from skact_cli import render

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

WIDTHS = [80, 100]


def shown(renderable, width):
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(renderable)
    text = console.export_text()
    console.file.close()
    assert "…" not in text and "..." not in text
    assert all(len(line.rstrip()) <= width for line in text.splitlines())
    return text


def trial(number, state, activation, layers, lr, score, std, fit, conv=None):
    return {"number": number, "state": state, "activation": activation,
            "hidden_layer_sizes": layers, "conv_channels": conv, "learning_rate_init": lr,
            "score": score, "score_std": std, "fit_time": fit}


#: Best first, as :func:`skact.tuning.leaderboard` sorts them; the widest values skact writes.
TRIALS = [
    trial(1042, "complete", "leaky_relu", "256-256-256", 0.00123, -0.12345, 0.0123, 123.456),
    trial(3, "complete", "tanhshrink", "512-512", 1.2e-05, -0.2, 0.16, 12.3),
    trial(977, "pruned", "hardswish", "128-128", 0.0012, 0.3, None, 3.4),
    trial(1100, "interrupted", "sigmoid", "256-256", 0.004, None, None, None),
    trial(12, "fail", "relu", "128-128", 0.004, None, None, None),
]


def rows_in_order(text, names):
    """The line numbers of the rows that start with each of ``names`` (after the rank)."""
    lines = text.splitlines()
    return [next(i for i, line in enumerate(lines) if re.search(rf"(^|\s){name}(\s|$)", line))
            for name in names]


@pytest.mark.parametrize("width", WIDTHS)
def test_leaderboard_fits_without_cutting_a_value(width):
    text = shown(render.leaderboard_table(TRIALS, "neg_root_mean_squared_error", width=width),
                 width)
    for value in ("leaky_relu", "256-256-256", "-0.1235 ± 0.0123", "1.2e-05", "-0.2000 ± 0.1600",
                  "tanhshrink", "interrupted", "failed", "1042"):
        assert value in text, value
    order = rows_in_order(text, ["leaky_relu", "tanhshrink", "hardswish", "sigmoid", "relu"])
    assert order == sorted(order)
    if width == 100:
        assert "123.46" in text and "Left out" not in text
    else:  # 81 columns wide with the fit column: left out, with a note saying where it is
        assert "123.46" not in text
        assert "Left out to fit 80 columns: fit (in trials.csv" in " ".join(text.split())


@pytest.mark.parametrize("width", WIDTHS)
def test_cnn_leaderboard_explains_its_layers(width):
    cnn = [dict(t, hidden_layer_sizes="128", conv_channels="32-64-128") for t in TRIALS]
    text = " ".join(shown(render.leaderboard_table(cnn, "balanced_accuracy", width=width),
                          width).split())
    assert "32-64-128/128" in text
    assert "layers: conv channels/dense sizes (32-64/64: conv layers of 32 and 64 channels, " \
           "then a dense layer of 64 units)" in text


def test_leaderboard_says_how_many_trials_are_not_shown():
    text = shown(render.leaderboard_table(TRIALS * 3, "r2", limit=10, width=100), 100)
    assert "5 more trials in trials.csv." in text
    one = shown(render.leaderboard_table(TRIALS * 3, "r2", limit=14, width=100), 100)
    assert "1 more trial in trials.csv." in one  # not "1 more trials"


def comparison_row(activation, rank, score, diverged=0, failed=0, fits=9):
    return {"activation": activation, "fits": fits, "fits_planned": 9, "ok": fits - diverged -
            failed, "diverged": diverged, "failed": failed, "score_mean": score,
            "score_std": None if score is None else 0.0123, "fit_time": 12.34, "epochs": 30.0,
            "best_epoch": 23.4, "final_loss": 0.12345, "dead_fraction": 0.125,
            "saturated_fraction": 0.5, "grad_ratio": 0.0012, "rank": rank, "best": rank == 1}


#: In --activations order, as :meth:`Comparison.summary` gives them; not ranked.
COMPARISON = [
    comparison_row("relu", 3, -1234.5678),
    comparison_row("sigmoid", None, None, failed=9),
    comparison_row("leaky_relu", 1, 0.95, diverged=2, failed=1),
    comparison_row("tanhshrink", 2, 0.91, fits=4),
]
SETTINGS = {"runs": 3, "cv": 3, "model": "mlp", "layers": "256-256-256"}


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_table_is_ranked_best_first_and_fits(width):
    text = shown(render.compare_table(COMPARISON, "balanced_accuracy", SETTINGS, width=width),
                 width)
    order = rows_in_order(text, ["leaky_relu", "tanhshrink", "relu", "sigmoid"])
    assert order == sorted(order)
    for value in ("0.9500 ± 0.0123", "-1234.57 ± 0.0123", "12.5", "50.0", "1.2e-03", "12.34"):
        assert value in text, value
    flat = " ".join(text.split())
    assert "2 diverged, 1 failed" in flat and "4 of 9 fits" in flat and "9 failed" in flat
    assert "grad ratio: first layer's gradient norm / output layer's" in flat
    assert "3 runs x 3 folds" in flat
    if width == 100:
        assert "23.4" in text and "0.1235" in text


def test_final_losses_keep_four_significant_digits():
    rows = [{**row, "final_loss": loss} for row, loss in zip(COMPARISON, (0.303, 0.3112, 1.5, 0.0))]
    text = shown(render.compare_table(rows, "r2", SETTINGS, width=120), 120)
    for loss in ("0.3030", "0.3112", "1.500", "0.000"):
        assert re.search(rf"\s{re.escape(loss)}\s", text), (loss, text)


def test_titles_and_captions_end_without_spaces_when_piped():
    captioned = [render.compare_table(COMPARISON, "r2", SETTINGS, width=80),
                 render.leaderboard_table(TRIALS * 4, "r2", width=80)]
    for table in [*captioned, render.params_table({"activation": "relu"}, 0.9, 0.01, "r2")]:
        lines = shown(table, 80).splitlines()
        assert lines[0] == lines[0].rstrip(), lines  # the title
        if table in captioned:
            assert lines[-1] == lines[-1].rstrip(), lines  # the caption's last line


def test_compare_title_says_one_run():
    text = shown(render.compare_table(COMPARISON, "r2", {**SETTINGS, "runs": 1}, width=100),
                 100)
    assert "1 run x 3 folds" in " ".join(text.split())


@pytest.mark.parametrize("width", WIDTHS)
def test_activation_and_parameter_tables_fit(width):
    rows = [{"activation": "leaky_relu", "best": -1234.5678, "mean": -2345.678, "complete": 120,
             "pruned": 30, "trials": 200},
            {"activation": "tanhshrink", "best": -2000.0, "mean": -2500.0, "complete": 1,
             "pruned": 0, "trials": 1}]
    text = shown(render.activation_table(rows, "neg_mean_squared_error", width=width), width)
    assert "-1234.57" in text and "-2345.68" in text
    assert rows_in_order(text, ["leaky_relu", "tanhshrink"]) == sorted(
        rows_in_order(text, ["leaky_relu", "tanhshrink"]))
    params = {"activation": "leaky_relu", "hidden_layer_sizes": "256-256-256",
              "learning_rate_init": 0.00123, "activation_params": {"negative_slope": 0.1}}
    text = shown(render.params_table(params, -0.12, 0.01, "neg_root_mean_squared_error"), width)
    assert "-0.1200 ± 0.0100" in text and "{'negative_slope': 0.1}" in text


def run_at_80_columns(*args):
    env = {**skact_env(), "COLUMNS": "80"}
    proc = subprocess.run([sys.executable, "-m", "skact_cli.main", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "…" not in proc.stdout
    assert all(len(line.rstrip()) <= 80 for line in proc.stdout.splitlines()), proc.stdout
    return proc


def test_tune_and_compare_tables_fit_80_columns_from_the_command_line(iris_csv, tmp_path):
    space = tmp_path / "space.toml"
    space.write_text(FAST_SPACE_TOML)
    proc = run_at_80_columns("tune", iris_csv, "--n-trials", "3", "--max-epochs", "4", "--cv",
                             "2", "--space", space, "--out", tmp_path / "tune")
    assert "Leaderboard" in proc.stdout and "By activation" in proc.stdout
    out = tmp_path / "cmp"
    proc = run_at_80_columns("compare", iris_csv, "--activations", "sigmoid,relu,tanh", "--runs",
                             "1", "--cv", "2", "--max-epochs", "4", "--layers", "8", "--out", out)
    ranks = {a["activation"]: a["rank"] for a in
             json.loads((out / "summary.json").read_text())["activations"]}
    ranked = sorted(ranks, key=lambda a: ranks[a])
    order = rows_in_order(proc.stdout, ranked)
    assert order == sorted(order), proc.stdout


def test_activations_registry_table_fits_80_columns():
    text = " ".join(run_at_80_columns("activations").stdout.split())
    assert "tanh(softplus(x))" in text and "leaky_relu" in text


def test_a_two_class_confusion_matrix_keeps_its_title_on_one_line():
    """Two classes make a table a few columns wide: the title stays short (it once wrapped
    over three lines there) and the corner header says which axis is which."""
    from skact_cli.evaluation import confusion_table

    report = {"confusion": {"labels": ["no", "yes"], "matrix": [[50, 4], [9, 37]]}}
    lines = shown(confusion_table(report), 80).splitlines()
    assert lines[0].strip() == "Confusion matrix"
    assert lines[1].split() == ["true", "\\", "predicted", "no", "yes"]
    assert lines[3].split() == ["no", "50", "4"]
