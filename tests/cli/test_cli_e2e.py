"""``skact`` as a user runs it: real subprocesses, real files, real storage.

Covers the issue's must-holds: end-to-end tune + predict on classification (string labels),
regression and a messy table; every error case as one line without a traceback; two workers
sharing one journal study and resuming it (signals and kills: test_tuning_faults.py).
"""

import json

import numpy as np
import pandas as pd
import pytest
from cli_fixtures import FAST_TUNE, journal_trials, run_skact, start_skact, wait_ok


def assert_clean_failure(proc, *fragments, code=1):
    output = proc.stdout + proc.stderr
    assert proc.returncode == code, output
    assert "Traceback" not in output, output
    flat = " ".join(output.split())
    for fragment in fragments:
        assert fragment in flat, output


def tune_ok(*args, cwd=None):
    proc = run_skact("tune", *args, cwd=cwd)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


# ----------------------------------------------------------------------------- end to end
def test_classification_end_to_end(iris_csv, fast_space, tmp_path):
    out = tmp_path / "run"
    proc = tune_ok(iris_csv, "--target", "species", *FAST_TUNE, "--max-epochs", "30",
                   "--space", fast_space, "--out", out)
    assert "Leaderboard" in proc.stdout and "By activation" in proc.stdout
    assert "Task: classification (text labels, 3 classes)" in proc.stderr

    trials = pd.read_csv(out / "trials.csv")
    assert len(trials) == 3
    assert {"number", "state", "score", "duration", "activation", "hidden_layer_sizes",
            "learning_rate_init"} <= set(trials.columns)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["task"] == "classification" and summary["target"] == "species"
    assert summary["scoring"] == "balanced_accuracy"
    assert summary["columns"]["features"] == ["sepal_length", "sepal_width", "petal_length",
                                              "petal_width"]
    assert summary["n_rows"] == 60 and len(summary["cv_scores"]) == 2
    assert summary["versions"]["torch"] and summary["versions"]["scikit-learn"]
    assert summary["best_score"] == pytest.approx(trials["score"].max())
    assert summary["model_file"] == "model.skact"

    preds_csv = tmp_path / "preds.csv"
    pred = run_skact("predict", out / "model.skact", iris_csv, "--out", preds_csv, "--proba")
    assert pred.returncode == 0, pred.stderr
    preds = pd.read_csv(preds_csv)
    truth = pd.read_csv(iris_csv)["species"]
    assert len(preds) == len(truth)
    assert set(preds["prediction"]) <= {"setosa", "versicolor", "virginica"}
    proba = preds[["proba_setosa", "proba_versicolor", "proba_virginica"]].to_numpy()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-4)
    from sklearn.metrics import balanced_accuracy_score

    # refit on all rows and scored on them: at least what cross-validation promised
    assert balanced_accuracy_score(truth, preds["prediction"]) >= summary["best_score"] - 0.05


def test_regression_end_to_end(diabetes_csv, tmp_path):
    out = tmp_path / "run"
    tune_ok(diabetes_csv, "--n-trials", "2", "--cv", "2", "--max-epochs", "30",
            "--activations", "relu,tanh", "--out", out)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["task"] == "regression" and summary["scoring"] == "r2"
    assert summary["target"] == "progression" and summary["classes"] is None
    pred = run_skact("predict", out, diabetes_csv)  # run directory, CSV on stdout
    assert pred.returncode == 0, pred.stderr
    preds = pd.read_csv(pd.io.common.StringIO(pred.stdout))
    assert len(preds) == 80 and np.isfinite(preds["prediction"]).all()
    from sklearn.metrics import r2_score

    truth = pd.read_csv(diabetes_csv)["progression"]
    assert r2_score(truth, preds["prediction"]) >= summary["best_score"] - 0.05


def test_missing_values_and_text_columns(messy_csv, fast_space, tmp_path):
    out = tmp_path / "run"
    proc = tune_ok(messy_csv, *FAST_TUNE, "--max-epochs", "30", "--space", fast_space,
                   "--out", out)
    said = " ".join(proc.stderr.split())  # messages wrap at words, where a long path ends
    assert "Dropped 2 rows whose target is missing; 58 remain" in said
    assert "(4 numeric, 2 text)" in said
    summary = json.loads((out / "summary.json").read_text())
    assert summary["columns"]["categorical"] == ["island", "sex"]
    assert summary["n_rows"] == 58 and summary["n_rows_dropped"] == 2
    new_rows = pd.read_csv(messy_csv).drop(columns="species").head(10)
    new_rows.loc[0, "island"] = "Atlantis"  # unseen category
    new_csv = tmp_path / "new.csv"
    new_rows.to_csv(new_csv, index=False)
    pred = run_skact("predict", out / "model.skact", new_csv)
    assert pred.returncode == 0, pred.stderr
    assert len(pd.read_csv(pd.io.common.StringIO(pred.stdout))) == 10


def test_grid_search(iris_csv, tmp_path):
    out = tmp_path / "run"
    # a grid keeps no study: a storage (say SKACT_STORAGE, set for Optuna runs) is not opened
    proc = tune_ok(iris_csv, "--search", "grid", "--activations", "relu,tanh", "--cv", "2",
                   "--max-epochs", "5", "--out", out,
                   "--storage", "postgresql://alice@127.0.0.1:9/unreachable")
    assert "Grid: 4 candidates x 2 folds" in proc.stderr
    trials = pd.read_csv(out / "trials.csv")
    assert sorted(zip(trials["activation"], trials["hidden_layer_sizes"].astype(str))) == [
        ("relu", "128-64"), ("relu", "64"), ("tanh", "128-64"), ("tanh", "64")]
    assert (out / "model.skact").exists()


# ----------------------------------------------------------------------------- errors
def _write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


@pytest.mark.parametrize(
    "name, content, fragments",
    [
        ("empty.csv", "", ["is empty"]),
        ("header.csv", "a,b,label\n", ["has a header (a, b, label) but no data rows"]),
        ("ragged.csv", "a,b,label\n1,2,x\n3,4\n", ["line 3 has 2 fields", "ragged"]),
        ("junk.csv", bytes(range(256)) * 4, ["binary file, not a CSV"]),
        ("one.csv", "a,b,label\n1,2,x\n3,4,x\n5,6,x\n", ["single class ('x')"]),
    ],
    ids=["empty", "header-only", "ragged", "binary", "one-class"],
)
def test_bad_files(tmp_path, name, content, fragments):
    path = _write(tmp_path, name, content)
    proc = run_skact("tune", path, cwd=tmp_path)
    assert_clean_failure(proc, *fragments)
    # one message (wrapped at word boundaries to the terminal's width)
    assert proc.stderr.startswith("Error: ") and proc.stderr.count("Error: ") == 1, proc.stderr


def test_missing_file(tmp_path):
    assert_clean_failure(run_skact("tune", tmp_path / "nope.csv"), "nope.csv: no such file")


def test_unknown_target_lists_columns(iris_csv):
    proc = run_skact("tune", iris_csv, "--target", "label")
    assert_clean_failure(proc, "no column 'label'", "'sepal_length'", "'species'")


def test_unknown_activation_lists_valid(iris_csv):
    proc = run_skact("tune", iris_csv, "--activations", "relu,swishy")
    assert_clean_failure(proc, "unknown activation 'swishy'", "gelu", code=2)


def test_unknown_scorer_lists_valid(iris_csv):
    proc = run_skact("tune", iris_csv, "--scoring", "uar")
    assert_clean_failure(proc, "unknown scorer 'uar'", "balanced_accuracy", code=2)


def test_debug_shows_traceback(tmp_path):
    proc = run_skact("tune", tmp_path / "nope.csv", "--debug")
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr and "no such file" in proc.stderr


def test_predict_errors(iris_csv, tmp_path):
    assert_clean_failure(run_skact("predict", tmp_path / "m.joblib", iris_csv),
                         "no such model file")
    junk = _write(tmp_path, "m.joblib", b"\x00junk")
    assert_clean_failure(run_skact("predict", junk, iris_csv), "not a model file")


def test_predict_missing_columns(iris_csv, fast_space, tmp_path):
    out = tmp_path / "run"
    tune_ok(iris_csv, "--n-trials", "1", "--cv", "2", "--max-epochs", "3", "--space", fast_space,
            "--out", out)
    partial = pd.read_csv(iris_csv).drop(columns=["petal_width", "sepal_width"])
    partial_csv = tmp_path / "partial.csv"
    partial.to_csv(partial_csv, index=False)
    proc = run_skact("predict", out, partial_csv)
    assert_clean_failure(proc, "lacks feature columns", "'sepal_width', 'petal_width'")


# ----------------------------------------------------------------------------- scale out
def test_two_workers_share_a_study_and_a_third_run_resumes(iris_csv, fast_space, tmp_path):
    journal = tmp_path / "study.journal"
    common = [iris_csv, "--storage", journal, "--study-name", "shared", "--space", fast_space,
              "--n-trials", "2", "--cv", "2", "--max-epochs", "5"]
    wait_ok([start_skact("tune", *common, "--out", tmp_path / f"w{i}") for i in range(2)])
    trials = journal_trials(journal, "shared")
    assert len(trials) == 4
    assert all(t.state.name in ("COMPLETE", "PRUNED") for t in trials)

    proc = tune_ok(*common, "--out", tmp_path / "w3")
    assert "6 trials (4 from earlier runs or other workers)" in proc.stderr
    assert len(journal_trials(journal, "shared")) == 6
    assert len(pd.read_csv(tmp_path / "w3" / "trials.csv")) == 6
