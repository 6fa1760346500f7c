"""skact's estimators with Optuna's own scikit-learn and skorch helpers (optuna-integration).

README (Quick start, "With Optuna") promises that ``OptunaSearchCV`` searches the activation
like any other hyperparameter, inside a pipeline, and that optuna-integration's
``SkorchPruningCallback`` prunes a skact fit when passed through ``fit(callbacks=...)``.
"""

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skact import MLPClassifier, MLPRegressor

optuna = pytest.importorskip("optuna")
optuna_integration = pytest.importorskip("optuna_integration")
from optuna.distributions import CategoricalDistribution, FloatDistribution  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),  # optuna.terminator, used inside
]

ACTIVATIONS = ["relu", "tanh", "gelu"]


@pytest.fixture(autouse=True)
def _quiet_optuna():
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    yield
    optuna.logging.set_verbosity(level)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_optuna_search_cv_searches_the_activation_in_a_pipeline(task):
    if task == "classification":
        X, y = load_iris(return_X_y=True)
        step, estimator = "mlpclassifier", MLPClassifier(hidden_layer_sizes=(16,), max_iter=20,
                                                          random_state=0)
    else:
        X, y = load_diabetes(return_X_y=True)
        step, estimator = "mlpregressor", MLPRegressor(hidden_layer_sizes=(16,), max_iter=20,
                                                        random_state=0)
    space = {f"{step}__activation": CategoricalDistribution(ACTIVATIONS),
             f"{step}__learning_rate_init": FloatDistribution(1e-3, 1e-1, log=True)}
    search = optuna_integration.OptunaSearchCV(
        make_pipeline(StandardScaler(), estimator), space, n_trials=4, cv=2,
        random_state=0, error_score="raise")
    search.fit(X, y)

    assert len(search.trials_) == 4
    tried = {t.params[f"{step}__activation"] for t in search.trials_}
    assert tried <= set(ACTIVATIONS)
    best = search.best_estimator_[-1]
    assert best.activation == search.best_params_[f"{step}__activation"]
    assert best.n_iter_ >= 1  # refitted on every row with the best parameters
    assert np.isfinite(search.best_score_)
    assert search.predict(X).shape == y.shape


def test_skorch_pruning_callback_stops_a_skact_fit_the_pruner_prunes():
    """The callback reads skact's per-epoch ``valid_score`` from the net's history."""
    X, y = load_iris(return_X_y=True)

    class PruneAfterThirdEpoch(optuna.pruners.BasePruner):
        def prune(self, study, trial):
            return trial.last_step is not None and trial.last_step >= 2

    study = optuna.create_study(direction="maximize", pruner=PruneAfterThirdEpoch())
    epochs_run = []

    def objective(trial):
        clf = MLPClassifier(hidden_layer_sizes=(16,), early_stopping=True, max_iter=50,
                            activation=trial.suggest_categorical("activation", ACTIVATIONS),
                            random_state=0)
        pruning = optuna_integration.SkorchPruningCallback(trial, "valid_score")
        try:
            clf.fit(X, y, callbacks=[pruning])
        finally:
            epochs_run.append(len(clf.net_.history))
        return clf.best_validation_score_

    study.optimize(objective, n_trials=2)

    assert [t.state for t in study.trials] == [optuna.trial.TrialState.PRUNED] * 2
    for trial in study.trials:
        scores = list(trial.intermediate_values.values())
        assert sorted(trial.intermediate_values) == [0, 1, 2]
        assert all(0.0 <= s <= 1.0 for s in scores)  # accuracies on the held-out rows
    assert epochs_run == [3, 3]  # stopped there, not run to max_iter=50


def test_without_pruning_the_reported_scores_are_the_fits_validation_scores():
    X, y = load_iris(return_X_y=True)
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.NopPruner())
    fitted = {}

    def objective(trial):
        clf = MLPClassifier(hidden_layer_sizes=(16,), early_stopping=True, max_iter=6,
                            n_iter_no_change=np.inf, random_state=0)
        clf.fit(X, y, callbacks=[optuna_integration.SkorchPruningCallback(trial, "valid_score")])
        fitted["clf"] = clf
        return clf.best_validation_score_

    study.optimize(objective, n_trials=1)
    reported = study.trials[0].intermediate_values
    assert [reported[step] for step in sorted(reported)] == pytest.approx(
        fitted["clf"].validation_scores_)
