"""``skact compare`` and ``skact activations --plot``: the comparison library, its files and
plots, and the command line (CliRunner for wiring, one subprocess run end to end)."""

import json

import numpy as np
import pandas as pd
import pytest
from cli_fixtures import iris_csv_fixture, run_skact  # noqa: F401
from matplotlib.image import imread
from skact_cli.main import app
from sklearn.preprocessing import StandardScaler
from typer.testing import CliRunner

from skact.compare import CSV_COLUMNS, compare, save_comparison

runner = CliRunner()

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = ["--runs", "2", "--cv", "2", "--max-epochs", "6", "--layers", "16-8"]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def check_png(path, min_side=300):
    image = imread(path)
    assert image.ndim == 3 and min(image.shape[:2]) >= min_side, image.shape
    assert image.std() > 0.01  # not a blank canvas


def iris_arrays():
    from sklearn.datasets import load_iris

    return load_iris(return_X_y=True)


def test_compare_library_records_and_summary():
    X, y = iris_arrays()
    seen = []
    result = compare(X, y, activations=["relu", "tanh"], layers="8", runs=2, cv=2,
                     max_epochs=5, preprocessor=StandardScaler(), on_fit=seen.append)
    assert len(result.records) == len(seen) == 2 * 2 * 2
    frame = result.to_frame()
    assert list(frame.columns) == list(CSV_COLUMNS)
    assert set(frame["status"]) == {"ok"}
    assert sorted(set(zip(frame["run"], frame["fold"]))) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    rows = result.summary()
    assert [r["activation"] for r in rows] == ["relu", "tanh"]
    assert sum(r["best"] for r in rows) == 1 and result.best in ("relu", "tanh")
    tanh = rows[1]
    assert tanh["fits"] == 4 and 0 <= tanh["score_mean"] <= 1
    assert tanh["saturated_fraction"] is not None and rows[0]["saturated_fraction"] is None
    assert all(1 <= r["best_epoch"] <= 5 for r in rows)
    curves = result.curves_by_activation("loss")
    assert len(curves["relu"]) == 4 and all(len(c) >= 1 for c in curves["relu"])


def test_diverged_runs_are_reported_not_raised():
    X, y = iris_arrays()
    X = (X * 100).astype(np.float32)  # float32 overflows within a few epochs
    result = compare(X, y, activations=["relu"], layers=(16,), runs=1, cv=2,
                     max_epochs=20, params={"solver": "sgd", "learning_rate_init": 1e6})
    assert {r["status"] for r in result.records} == {"diverged"}
    assert all("diverged" in r["message"].lower() for r in result.records)
    assert result.summary()[0]["diverged"] == 2


def test_save_comparison_files(tmp_path):
    X, y = iris_arrays()
    result = compare(X, y, activations=["relu", "sigmoid"], layers=(8,), runs=1, cv=2,
                     max_epochs=4, preprocessor=StandardScaler())
    paths = save_comparison(result, tmp_path, extra={"data": "iris"})
    names = sorted(p.name for p in paths)
    assert names == sorted(["compare.csv", "summary.json", "loss.png", "scores.png",
                            "diagnostics.png"])
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["data"] == "iris" and summary["best_activation"] in ("relu", "sigmoid")
    assert [a["activation"] for a in summary["activations"]] == ["relu", "sigmoid"]
    assert len(pd.read_csv(tmp_path / "compare.csv")) == 4
    for name in ("loss.png", "scores.png", "diagnostics.png"):
        check_png(tmp_path / name)
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temporary files


def test_cli_compare_end_to_end(iris_csv, tmp_path):
    out = tmp_path / "cmp"
    proc = run_skact("compare", iris_csv, "--target", "species",
                     "--activations", "relu,tanh,sigmoid", *FAST, "--out", out, timeout=240)
    assert proc.returncode == 0, proc.stderr
    table = proc.stdout
    for act in ("relu", "tanh", "sigmoid"):
        assert f" {act} " in table
    assert "dead %" in table and "grad 1st/last" in table
    assert "Best: " in proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert [a["activation"] for a in summary["activations"]] == ["relu", "tanh", "sigmoid"]
    assert summary["target"] == "species" and summary["runs"] == 2 and summary["cv"] == 2
    assert summary["command"].startswith("skact compare")
    frame = pd.read_csv(out / "compare.csv")
    assert len(frame) == 3 * 2 * 2 and set(frame["activation"]) == {"relu", "tanh", "sigmoid"}
    assert np.isfinite(frame["score"]).all()
    for name in ("loss.png", "scores.png", "diagnostics.png"):
        check_png(out / name)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--activations", "relu,tanhh"], "tanh"),
        (["--layers", "12-x"], "--layers"),
        (["--cv", "1"], "--cv"),
    ],
)
def test_cli_compare_bad_options(iris_csv, args, message):
    result = invoke("compare", iris_csv, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_cli_compare_missing_file(tmp_path):
    result = invoke("compare", tmp_path / "nope.csv")
    assert result.exit_code == 1
    assert "no such file" in result.output


def test_cli_activations_plot(tmp_path):
    path = tmp_path / "acts.png"
    result = invoke("activations", "--plot", path)
    assert result.exit_code == 0, result.output
    assert "relu" in result.stdout
    check_png(path, min_side=500)


def test_help_lists_compare():
    assert "compare" in invoke("--help").stdout
    assert "compare.csv" in invoke("compare", "--help").stdout
    assert "--plot" in invoke("activations", "--help").stdout
