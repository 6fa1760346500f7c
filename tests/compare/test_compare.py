"""``skact compare`` and ``skact activations --plot``: the comparison library, its files and
plots, and the command line (CliRunner for wiring, one subprocess run end to end)."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from cli_fixtures import run_skact, skact_env
from matplotlib.image import imread
from skact_cli.main import app
from sklearn.preprocessing import StandardScaler
from typer.testing import CliRunner

import skact.compare.running as compare_module
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


def test_compare_fits_select_the_best_epoch_as_tunes_trials_do(monkeypatch):
    # one rule for both commands (skact.tuning.best_epoch_params, which tune's base_params
    # uses): every epoch runs, the best is kept, 20% held out (more for many classes)
    from skact.tuning import best_epoch_params

    X, y = iris_arrays()
    seen = []
    real = compare_module._fit_one

    def fit_one(pipe, *args, **kwargs):
        seen.append(pipe.get_params()["model"].get_params())
        return real(pipe, *args, **kwargs)

    monkeypatch.setattr(compare_module, "_fit_one", fit_one)
    compare(X, y, activations=["relu"], layers="8", runs=1, cv=2, max_epochs=3,
            preprocessor=StandardScaler())
    expected = best_epoch_params(3, n_train=75, n_classes=3)
    assert expected["validation_fraction"] == 0.2 and expected["n_iter_no_change"] == np.inf
    assert len(seen) == 2
    assert all({k: params[k] for k in expected} == expected for params in seen)


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
    assert summary["interrupted"] is False and summary["n_fits"] == summary["n_fits_planned"]
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
    assert "dead/sat. %: hidden units dead" in " ".join(table.split())
    assert "grad ratio: first layer's gradient norm" in " ".join(table.split())
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


def ctrl_c_on_fit(monkeypatch, n):
    """Make the n-th fit of :func:`compare` raise KeyboardInterrupt (Ctrl-C while it
    trains); returns the list of fit numbers started."""
    real = compare_module._fit_one
    started = []

    def fit_one(*args, **kwargs):
        started.append(len(started) + 1)
        if len(started) == n:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(compare_module, "_fit_one", fit_one)
    return started


def compare_no_escape(*args, **kwargs):
    """:func:`compare`, failing the test (not aborting the session) if Ctrl-C escapes it."""
    try:
        return compare(*args, **kwargs)
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt escaped compare()")


def test_ctrl_c_keeps_the_finished_fits(monkeypatch, tmp_path):
    X, y = iris_arrays()
    started = ctrl_c_on_fit(monkeypatch, 4)  # fold 0: relu, tanh; fold 1: relu, (tanh)
    seen = []
    result = compare_no_escape(X, y, activations=["relu", "tanh"], layers=(8,), runs=1, cv=2,
                               max_epochs=4, preprocessor=StandardScaler(), on_fit=seen.append)
    assert len(started) == 4
    assert result.interrupted is True
    assert len(result.records) == len(result.curves) == len(seen) == 3
    assert [(r["activation"], r["fold"]) for r in result.records] == [
        ("relu", 0), ("tanh", 0), ("relu", 1)]
    assert [(c["activation"], c["fold"]) for c in result.curves] == [
        ("relu", 0), ("tanh", 0), ("relu", 1)]
    assert {r["status"] for r in result.records} == {"ok"}
    assert result.n_planned == 2 and result.incomplete() == {"tanh": 1}
    rows = result.summary()
    assert [(r["fits"], r["fits_planned"]) for r in rows] == [(2, 2), (1, 2)]
    assert result.best in ("relu", "tanh")

    paths = save_comparison(result, tmp_path)
    assert sorted(p.name for p in paths) == sorted(
        ["compare.csv", "summary.json", "loss.png", "scores.png", "diagnostics.png"])
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["interrupted"] is True
    assert summary["n_fits"] == 3 and summary["n_fits_planned"] == 4
    assert [a["fits"] for a in summary["activations"]] == [2, 1]
    assert len(pd.read_csv(tmp_path / "compare.csv")) == 3
    assert not list(tmp_path.glob(".*.tmp"))


def test_ctrl_c_before_any_fit_finished(monkeypatch, tmp_path):
    X, y = iris_arrays()
    ctrl_c_on_fit(monkeypatch, 1)
    result = compare_no_escape(X, y, activations=["relu", "tanh"], layers=(8,), runs=1, cv=2,
                               max_epochs=4)
    assert result.interrupted is True
    assert result.records == [] and result.curves == [] and result.advice == {}
    assert result.best is None and result.incomplete() == {"relu": 0, "tanh": 0}
    assert [r["fits"] for r in result.summary()] == [0, 0]
    # an empty comparison still saves (the CLI chooses not to)
    save_comparison(result, tmp_path)
    assert json.loads((tmp_path / "summary.json").read_text())["n_fits"] == 0


def test_a_full_run_is_not_interrupted():
    X, y = iris_arrays()
    result = compare(X, y, activations=["relu"], layers=(8,), runs=1, cv=2, max_epochs=3)
    assert result.interrupted is False and result.incomplete() == {}
    assert result.summary()[0]["fits_planned"] == 2


def test_cli_compare_ctrl_c_saves_the_partial_comparison(iris_csv, tmp_path, monkeypatch):
    out = tmp_path / "cmp"
    ctrl_c_on_fit(monkeypatch, 5)  # run 0 fold 0: relu, tanh, sigmoid; fold 1: relu
    result = invoke("compare", iris_csv, "--target", "species",
                    "--activations", "relu,tanh,sigmoid", *FAST, "--out", out)
    assert result.exit_code == 130, result.output
    assert "Traceback" not in result.output
    assert "INTERRUPTED after 4 of 12 fits." in " ".join(result.stdout.split())
    for act in ("relu", "tanh", "sigmoid"):
        assert f" {act} " in result.stdout
    assert ("Interrupted before every fit finished: relu 2 of 4 fits, tanh 1 of 4 fits, "
            "sigmoid 1 of 4 fits") in result.stderr
    last = " ".join(result.stderr[result.stderr.rfind("Error:"):].split())  # wrapped at words
    assert last == f"Error: interrupted; kept the 4 of 12 fits that finished, in {out}"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["interrupted"] is True
    assert summary["n_fits"] == 4 and summary["n_fits_planned"] == 12
    assert [(a["activation"], a["fits"]) for a in summary["activations"]] == [
        ("relu", 2), ("tanh", 1), ("sigmoid", 1)]
    assert summary["command"].startswith("skact compare")
    frame = pd.read_csv(out / "compare.csv")
    assert list(zip(frame["activation"], frame["fold"])) == [
        ("relu", 0), ("tanh", 0), ("sigmoid", 0), ("relu", 1)]
    for name in ("loss.png", "scores.png", "diagnostics.png"):
        check_png(out / name)
    assert not list(out.glob(".*.tmp"))


def test_cli_compare_ctrl_c_before_any_fit_saves_nothing(iris_csv, tmp_path, monkeypatch):
    out = tmp_path / "cmp"
    ctrl_c_on_fit(monkeypatch, 1)
    result = invoke("compare", iris_csv, "--activations", "relu,tanh", *FAST, "--out", out)
    assert result.exit_code == 130, result.output
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: interrupted before any fit finished; nothing saved")
    assert "Activations compared" not in result.stdout
    assert not out.exists()  # created for this run, removed again while empty


def test_cli_compare_sigint_end_to_end(iris_csv, tmp_path):
    """A real SIGINT during the third fit, through the ``skact`` entry point."""
    out = tmp_path / "cmp"
    driver = tmp_path / "driver.py"
    driver.write_text(
        "import os, signal, sys\n"
        "import skact.compare.running\n"
        "import skact_cli.main as cli\n"
        "real, calls = skact.compare.running._fit_one, []\n"
        "def fit_one(*args, **kwargs):\n"
        "    calls.append(1)\n"
        "    if len(calls) == 3:\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "    return real(*args, **kwargs)\n"
        "skact.compare.running._fit_one = fit_one\n"
        "sys.argv[0] = 'skact'\n"
        "cli.main()\n"
    )
    proc = subprocess.run(
        [sys.executable, str(driver), "compare", str(iris_csv), "--activations", "relu,tanh",
         *FAST, "--out", str(out)],
        cwd=tmp_path, env=skact_env(), capture_output=True, text=True, timeout=240,
        check=False,
    )
    assert proc.returncode == 130, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "interrupted; kept the 2 of 8 fits that finished" in proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["interrupted"] is True and summary["n_fits"] == 2
    assert len(pd.read_csv(out / "compare.csv")) == 2


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
