"""Tuning that follows the study's design: grouped folds (and a CV score that predicts the
score on new groups), test rows scored once, every seeded activation scored in full."""

import re

import numpy as np
import pandas as pd
import pytest
from cli_fixtures import diabetes_frame, iris_frame, speech_frame, write_csv

from skact.data import TestRows, load_table
from skact.exceptions import DataError, StudyError
from skact.tuning import (
    DEFAULT_ACTIVATIONS,
    Choice,
    Fixed,
    OptunaSettings,
    SearchSpace,
    Tuner,
    activation_summary,
    evaluate,
    fold_design,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: Small, fast networks: the seeded first trials are what these tests are about.
TINY = SearchSpace({"hidden_layer_sizes": Choice(("16", "32")),
                    "numeric_embedding": Fixed(None)})


def test_grouped_folds_keep_every_group_whole():
    groups = np.repeat(np.arange(12), 5)
    y = np.tile([0, 1, 0, 1, 1], 12)
    design = fold_design("classification", 3, 0, pd.Series(groups, name="speaker"))
    assert design.splitter_name == "StratifiedGroupKFold"
    assert design.describe() == ("3-fold stratified cross-validation, folds grouped by "
                                 "speaker (12 groups)")
    for train, test in design.splitter().split(np.zeros((60, 1)), y):
        assert not set(groups[train]) & set(groups[test])
    assert fold_design("regression", 3, 0, groups).splitter_name == "GroupKFold"
    assert fold_design("regression", 3).to_dict()["groups"] is None


def test_fewer_groups_than_folds_is_one_line_naming_both():
    with pytest.raises(DataError) as e:
        fold_design("classification", 5, 0, pd.Series(list("aabbcc"), name="speaker"))
    assert str(e.value).startswith("groups='speaker' has 3 groups, fewer than the 5 folds "
                                   "of cv=5")
    assert "\n" not in str(e.value)


def speech_table(tmp_path, **kwargs):
    return load_table(write_csv(speech_frame(**kwargs), tmp_path / "emo.csv"),
                      target="emotion")


def test_grouped_cv_predicts_the_score_on_new_speakers(tmp_path):
    """Must hold 1: on speech-like data, the grouped CV score is within 0.15 of the same
    model's score on new speakers; folds by row overstate it by far more."""
    ds = speech_table(tmp_path)
    new = speech_table(tmp_path, n_speakers=60, seed=1, first_speaker=100)
    kwargs = dict(space=TINY, activations=["relu"], n_trials=1, cv=3, max_epochs=20)
    test_rows = TestRows(new.X, new.y, "new speakers")
    scores = {}
    for grouped in (True, False):
        tuner = Tuner(ds, groups="speaker" if grouped else None, test=test_rows, **kwargs)
        result = tuner.run()
        tuner.refit(result)
        scores[grouped] = (result.best["score"], result.test["score"])
    cv, new_speakers = scores[True]
    assert abs(cv - new_speakers) < 0.15, scores
    row_cv, row_new = scores[False]
    assert row_cv - row_new > 0.15, scores  # the leak grouped folds close


def test_a_study_made_with_groups_refuses_a_run_without_them(tmp_path):
    ds = speech_table(tmp_path, n_speakers=9, rows=6)
    journal = str(tmp_path / "s.journal")

    def run(groups):
        settings = OptunaSettings(storage=journal, study_name="s")
        tuner = Tuner(ds, groups=groups, space=TINY, activations=["relu"], n_trials=1, cv=3,
                      max_epochs=1, settings=settings)
        return tuner.open()

    run("speaker")
    with pytest.raises(StudyError, match=re.escape("groups: study has 'speaker', this run "
                                                   "None")) as e:
        run(None)
    assert "\n" not in str(e.value)
    settings = OptunaSettings(storage=journal, study_name="t")
    Tuner(ds, space=TINY, activations=["relu"], n_trials=1, cv=3, max_epochs=1,
          settings=settings).open()
    with pytest.raises(StudyError, match=re.escape("groups: study has None, this run "
                                                   "'speaker'")):
        Tuner(ds, groups="speaker", space=TINY, activations=["relu"], n_trials=1, cv=3,
              max_epochs=1, settings=OptunaSettings(storage=journal, study_name="t")).open()


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_every_default_activation_gets_a_complete_unpruned_score(tmp_path, task):
    """Must hold 3: the seeded first trials (the defaults, then each other activation) run
    every fold and epoch, even under a pruner that would stop anything it may."""
    frame = iris_frame(n_per_class=8) if task == "classification" else diabetes_frame(40)
    target = "species" if task == "classification" else "progression"
    ds = load_table(write_csv(frame, tmp_path / "d.csv"), target=target)
    eager = OptunaSettings(pruner_startup_trials=0, pruner_warmup_steps=0)
    tuner = Tuner(ds, n_trials=9, cv=2, max_epochs=2, settings=eager)  # the default space
    result = tuner.run()
    rows = {r["activation"]: r for r in activation_summary(result.records)}
    assert set(rows) == set(DEFAULT_ACTIVATIONS) and len(DEFAULT_ACTIVATIONS) == 9
    for name, row in rows.items():
        assert row["complete"] == 1 and row["pruned"] == 0 and row["best"] is not None, name
    assert all(len(r["cv_scores"]) == 2 for r in result.records)


def test_sampled_trials_can_still_be_pruned(tmp_path):
    """Only the seeded trials are protected: the pruner still judges the sampler's."""
    from optuna.pruners import BasePruner

    class Always(BasePruner):
        def prune(self, study, trial):
            return True

    ds = load_table(write_csv(iris_frame(n_per_class=8), tmp_path / "d.csv"),
                    target="species")
    tuner = Tuner(ds, n_trials=4, cv=2, max_epochs=2, space=TINY,
                  activations=["relu", "tanh"], settings=OptunaSettings(pruner=Always()))
    states = [r["state"] for r in tuner.run().records]
    assert states[:2] == ["complete", "complete"] and set(states[2:]) == {"pruned"}


def test_evaluate_reports_uar_per_class_and_the_confusion_matrix():
    from sklearn.tree import DecisionTreeClassifier

    X = np.array([[0], [1], [2], [3], [4], [5]])
    y = np.array(["a", "a", "b", "b", "c", "c"])
    model = DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, y)
    report = evaluate(model, X, y, "classification", "balanced_accuracy", source="t")
    assert report["score"] == report["balanced_accuracy"] == pytest.approx(2 / 3)
    assert report["confusion"]["labels"] == ["a", "b", "c"]
    assert np.asarray(report["confusion"]["matrix"]).sum() == 6
    assert [c["support"] for c in report["per_class"]] == [2, 2, 2]
    assert {"accuracy", "f1_macro", "n_rows", "scoring", "source"} <= set(report)


def test_evaluate_regression_has_r2_mae_rmse():
    from sklearn.linear_model import LinearRegression

    X, y = np.arange(10.0).reshape(-1, 1), np.arange(10.0) * 2 + 1
    report = evaluate(LinearRegression().fit(X, y), X, y, "regression", "r2")
    assert report["r2"] == pytest.approx(1.0) and report["mae"] == pytest.approx(0, abs=1e-9)
    assert report["rmse"] == pytest.approx(0, abs=1e-9) and "confusion" not in report
