"""``--groups``, ``--test`` and ``skact evaluate`` from the command line: the fold design
said and recorded, the test report (metrics, per-class table, confusion.png), test rows that
provably do not touch the search, and one-line errors for every mistake the options invite."""

import json
import subprocess
import sys

import numpy as np
import pytest
from cli_fixtures import (
    FAST_SPACE_TOML,
    diabetes_frame,
    messages,
    skact_env,
    speech_frame,
    write_csv,
)
from skact_cli.main import app
from typer.testing import CliRunner

runner = CliRunner()

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = ["--n-trials", "3", "--max-epochs", "3", "--cv", "3", "--activations", "relu,tanh"]
PNG = b"\x89PNG\r\n\x1a\n"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def one_line(text):
    return " ".join(text.split())


@pytest.fixture(name="space")
def space_fixture(tmp_path):
    path = tmp_path / "space.toml"
    path.write_text(FAST_SPACE_TOML)
    return path


def small_speech(**kwargs):
    return speech_frame(**{"n_speakers": 9, "rows": 8, "n_features": 6, **kwargs})


@pytest.fixture(name="emo")
def emo_fixture(tmp_path):
    """Speech-like training rows, new speakers as a test file, and one file holding both
    with a ``split`` column."""
    train = small_speech()
    test = small_speech(n_speakers=4, seed=1, first_speaker=50)
    both = (train.assign(split="train"), test.assign(split="test"))
    import pandas as pd

    return {"train": write_csv(train, tmp_path / "emo.csv"),
            "test": write_csv(test, tmp_path / "emo_test.csv"),
            "both": write_csv(pd.concat(both, ignore_index=True), tmp_path / "emo_all.csv")}


def tune_run(data, out, *extra, space=None):
    result = invoke("tune", data, "-t", "emotion", *FAST, *(["--space", space] if space else []),
                    "--out", out, *extra)
    assert result.exit_code == 0, result.output
    return result, json.loads((out / "summary.json").read_text())


def test_groups_fold_by_speaker_and_say_so(tmp_path, emo, space):
    result, summary = tune_run(emo["train"], tmp_path / "r", "--groups", "speaker",
                               space=space)
    assert "folds grouped by speaker (9 groups)" in one_line(result.stderr)
    assert summary["folds"] == {"splitter": "StratifiedGroupKFold", "n_splits": 3,
                                "shuffle": True, "seed": 0, "groups": "speaker",
                                "n_groups": 9}
    assert "speaker" not in summary["columns"]["features"]
    assert "looks like the id" not in result.stderr


def test_without_groups_a_speaker_column_gets_one_warning(tmp_path, emo, space):
    result, summary = tune_run(emo["train"], tmp_path / "r", space=space)
    warnings = messages(result.stderr, "Warning")
    assert len(warnings) == 1 and warnings[0].endswith("pass --groups speaker"), warnings
    assert summary["folds"]["groups"] is None and summary["test"] is None


@pytest.mark.parametrize("form", ["file", "column"])
def test_a_test_set_is_scored_once_with_the_full_report(tmp_path, emo, space, form):
    """Must hold 2 (first half): both forms of --test write the metrics, the per-class
    table and confusion.png; the test score is printed beside the CV score."""
    data, test = ((emo["train"], emo["test"]) if form == "file" else
                  (emo["both"], "split=test"))
    result, summary = tune_run(data, tmp_path / "r", "--groups", "speaker", "--test", test,
                               space=space)
    report = summary["test"]
    assert report["n_rows"] == 32 and report["scoring"] == "balanced_accuracy"
    assert {"score", "accuracy", "balanced_accuracy", "f1_macro"} <= set(report)
    assert [c["class"] for c in report["per_class"]] == ["angry", "happy", "neutral", "sad"]
    assert np.asarray(report["confusion"]["matrix"]).sum() == 32
    assert (tmp_path / "r" / "confusion.png").read_bytes().startswith(PNG)
    assert "split" not in summary["columns"]["features"]
    out = one_line(result.stdout)
    assert f"Test ({test if form == 'column' else emo['test']}, 32 rows): balanced_accuracy" \
        in out and "(cross-validated " in out
    assert "Per class" in out and "Confusion matrix" in out


def test_regression_test_rows_get_r2_mae_rmse(tmp_path, space):
    frame = diabetes_frame(60)
    frame["part"] = np.where(np.arange(60) % 5 == 0, "test", "train")
    data = write_csv(frame, tmp_path / "d.csv")
    result = invoke("tune", data, "-t", "progression", "--n-trials", "1", "--max-epochs", "2",
                    "--cv", "2", "--space", space, "--test", "part=test", "--out",
                    tmp_path / "r")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r" / "summary.json").read_text())["test"]
    assert {"r2", "mae", "rmse", "score"} <= set(report) and report["n_rows"] == 12
    assert not (tmp_path / "r" / "confusion.png").exists()


@pytest.mark.parametrize("form", ["file", "column"])
def test_test_labels_do_not_touch_the_search(tmp_path, emo, space, form):
    """Must hold 2 (second half): shuffling the test rows' labels leaves the chosen trial
    and every cross-validated score unchanged."""
    import pandas as pd

    rng = np.random.default_rng(7)
    if form == "file":
        data, test = emo["train"], emo["test"]
        shuffled = pd.read_csv(test)
        shuffled["emotion"] = rng.permutation(shuffled["emotion"].to_numpy())
        other_data, other_test = data, write_csv(shuffled, tmp_path / "shuffled.csv")
    else:
        data = test = other_test = "split=test"
        data, frame = emo["both"], pd.read_csv(emo["both"])
        rows = frame["split"] == "test"
        frame.loc[rows, "emotion"] = rng.permutation(frame.loc[rows, "emotion"].to_numpy())
        other_data = write_csv(frame, tmp_path / "shuffled.csv")
    _, first = tune_run(data, tmp_path / "a", "--test", test, space=space)
    _, second = tune_run(other_data, tmp_path / "b", "--test", other_test, space=space)
    for key in ("best_trial", "best_score", "best_score_std", "cv_scores", "best_params"):
        assert first[key] == second[key], key
    trials = [pd.read_csv(tmp_path / run / "trials.csv")[["number", "score"]] for run in "ab"]
    assert trials[0].equals(trials[1])
    assert first["test"]["score"] != second["test"]["score"]  # the labels did change


def test_evaluate_scores_a_saved_model_on_new_labelled_rows(tmp_path, emo, space):
    tune_run(emo["train"], tmp_path / "r", "--groups", "speaker", space=space)
    result = invoke("evaluate", tmp_path / "r", emo["test"], "--out", tmp_path / "e")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "e" / "summary.json").read_text())
    assert summary["test"]["n_rows"] == 32 and summary["target"] == "emotion"
    assert (tmp_path / "e" / "confusion.png").read_bytes().startswith(PNG)
    assert (tmp_path / "e" / "report.html").exists()
    assert "Per class" in result.stdout and "Confusion matrix" in result.stdout
    assert "tuned on" not in one_line(result.output)  # new speakers


def test_evaluate_says_when_it_is_given_the_file_the_model_was_tuned_on(tmp_path, emo,
                                                                       space):
    """The file a model was tuned on, scored again, measures memory: evaluate says so (the
    file's digest is in the model file, none of its rows); the test rows alone are not."""
    tune_run(emo["both"], tmp_path / "r", "--groups", "speaker", "--test", "split=test",
             space=space)
    whole = invoke("evaluate", tmp_path / "r", emo["both"], "--out", tmp_path / "e1")
    assert whole.exit_code == 0, whole.output
    assert (f"{emo['both']} is the file this model was tuned on (the same bytes): the rows it "
            "was trained on are among those scored, so these scores overstate how it does on "
            "new rows") in one_line(whole.output)
    summary = json.loads((tmp_path / "e1" / "summary.json").read_text())
    assert summary["test"]["tuned_on_this_file"].startswith(f"{emo['both']} is the file")
    test_rows = invoke("evaluate", tmp_path / "r", emo["test"], "--out", tmp_path / "e2")
    assert test_rows.exit_code == 0, test_rows.output
    assert "tuned on" not in one_line(test_rows.output)


def test_evaluate_without_the_target_column_is_one_line(tmp_path, emo, space):
    import pandas as pd

    tune_run(emo["train"], tmp_path / "r", space=space)
    unlabelled = write_csv(pd.read_csv(emo["test"]).drop(columns="emotion"),
                           tmp_path / "new.csv")
    result = invoke("evaluate", tmp_path / "r", unlabelled, "--out", tmp_path / "e")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"Error: {unlabelled} has no target column 'emotion'; it needs the true emotion of "
        "each row to be scored")


ERRORS = [
    ("misspelt group column", ["--groups", "speeker"],
     "has no column 'speeker' for --groups (did you mean 'speaker'?)"),
    ("group column is the target", ["--groups", "emotion"],
     "--groups emotion names the target column"),
    ("fewer groups than folds", ["--groups", "room", "--cv", "4"],
     "--groups room has 3 groups, fewer than the 4 folds of --cv 4"),
    ("test file without a feature column", ["--test", "lacking.csv"],
     "lacks feature columns the training rows had: 'mfcc2'"),
    ("test file with an unseen class", ["--test", "bored.csv"],
     "are not among the classes of the training rows: 'bored' (3 rows)"),
    ("COLUMN=VALUE matching no row", ["--test", "speaker=nobody"],
     "--test speaker=nobody matches no row of"),
    ("COLUMN=VALUE matching every row", ["--test", "kind=speech"],
     "--test kind=speech matches every row (72) of"),
]


CASES = [("tune", *e) for e in ERRORS] + [("compare", *e) for e in ERRORS
                                          if "--test" not in e[1]]  # compare has no --test


@pytest.mark.parametrize("command, problem, extra, message", CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_design_mistakes_are_one_line(tmp_path, command, problem, extra, message):
    """Must hold 5."""
    import pandas as pd

    frame = small_speech().assign(kind="speech")
    frame["room"] = [f"room{i % 3}" for i in range(len(frame))]
    data = write_csv(frame, tmp_path / "emo.csv")
    other = small_speech(n_speakers=3, seed=1).assign(kind="speech", room="room0")
    write_csv(other.drop(columns="mfcc2"), tmp_path / "lacking.csv")
    other.loc[:2, "emotion"] = "bored"
    write_csv(other, tmp_path / "bored.csv")
    extra = [str(tmp_path / a) if a.endswith(".csv") else a for a in extra]
    result = invoke(command, data, "-t", "emotion", *extra, "--out", tmp_path / "r")
    assert result.exit_code == 1, result.output
    (line,) = messages(result.stderr, "Error")
    assert message in line, line
    assert pd.read_csv(data).shape == frame.shape  # nothing written over the data


@pytest.mark.parametrize("command, options", [
    ("tune", ["--groups", "--test"]),
    ("compare", ["--groups", "--recipe"]),
    ("evaluate", ["--out", "--allow-pickle"]),
])
def test_new_options_help_fits_80_columns(command, options):
    """Must hold 6 (second half)."""
    env = {**skact_env(), "COLUMNS": "80"}
    proc = subprocess.run([sys.executable, "-m", "skact_cli.main", command, "--help"],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert all(len(line) <= 80 for line in proc.stdout.splitlines())
    assert "…" not in proc.stdout
    for option in options:
        assert option in proc.stdout
