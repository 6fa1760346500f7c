"""scikit-learn's estimator checks over every public estimator, with its default arguments.

Every estimator runs the full ``check_estimator`` suite as a user constructs it (no
arguments), with no expected failures, and with other activations the checks whose outcome
depends on the numbers (see NUMERIC_CHECKS). That includes
``check_sample_weight_equivalence_*`` for the Tabular and CNN estimators at their defaults:
their dropout masks, early-stopping split and batch-norm statistics are keyed on each row's
content and weighted by ``sample_weight`` (skact.nn.row_noise), so a weight of 2 trains as a
repeated row.
"""

import numpy as np
import pytest
from sklearn.utils.estimator_checks import estimator_checks_generator, parametrize_with_checks

from skact import (
    CNNClassifier,
    CNNRegressor,
    MLPClassifier,
    MLPRegressor,
    TabularMLPClassifier,
    TabularMLPRegressor,
)

# the checks train default-sized networks on a few dozen rows for a few seconds: not
# converging there is expected, and says nothing about the checks
pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    # a check fits 10 rows of which weights leave 5: too few to hold any out, which the
    # Tabular estimators say (tests/estimators/test_recipe.py tests the warning itself)
    pytest.mark.filterwarnings("ignore:10 rows are too few to hold out:UserWarning"),
]

ACTIVATIONS = ("relu", "tanh", "leaky_relu")
CLASSES = (MLPClassifier, MLPRegressor, CNNClassifier, CNNRegressor, TabularMLPClassifier,
           TabularMLPRegressor)
DROP_INS = (MLPClassifier, MLPRegressor)

# Every estimator runs the whole suite as constructed with no arguments (the Tabular ones:
# selu and mish). With the other activations of its family's seed set (the drop-ins: relu,
# tanh, leaky_relu; the Tabular and CNN estimators, slower: relu and tanh, so that with
# their defaults each has a piecewise-linear, a saturating and a smooth one) it runs the
# checks that depend on the numbers the network computes: a score to reach, predictions
# that must agree between two fits, two orders, a pickle round trip or weights and repeats.
# The other checks (input validation, fitted attributes, cloning, tags, error messages) run
# the same code for any activation; repeating them took half of this file's time.
NUMERIC_CHECKS = {
    "check_classifiers_train", "check_regressors_train", "check_fit_idempotent",
    "check_methods_subset_invariance", "check_methods_sample_order_invariance",
    "check_sample_weight_equivalence_on_dense_data", "check_estimators_pickle",
    "check_regressors_int", "check_pipeline_consistency",
}
FULL_SUITE = [cls() for cls in CLASSES]


def _check_name(check):
    return getattr(check, "func", check).__name__


def _numeric_checks():
    for cls in CLASSES:
        for activation in ACTIVATIONS if cls in DROP_INS else ("relu", "tanh"):
            if activation == cls().activation:
                continue  # in the full suite
            estimator = cls(activation=activation)
            for _, check in estimator_checks_generator(estimator):
                if _check_name(check) in NUMERIC_CHECKS:
                    variant = ",".join(f"{k}={v}" for k, v in
                                       getattr(check, "keywords", {}).items())
                    name = _check_name(check) + (f"({variant})" if variant else "")
                    yield pytest.param(estimator, check, id=f"{estimator!r}-{name}")


@parametrize_with_checks(FULL_SUITE)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator, check", list(_numeric_checks()))
def test_numeric_checks_with_every_activation(estimator, check):
    check(estimator)


def test_every_numeric_check_is_one_scikit_learn_runs():
    """A check renamed or dropped by scikit-learn must not silently leave the list."""
    names = {_check_name(check) for _, check in estimator_checks_generator(CNNClassifier())}
    names |= {_check_name(check) for _, check in estimator_checks_generator(CNNRegressor())}
    assert not NUMERIC_CHECKS - names, NUMERIC_CHECKS - names


@pytest.mark.parametrize("cls", CLASSES)
def test_integer_weights_equal_repeated_rows_with_dropout_and_batch_norm_on(cls):
    """The parts that draw per row, all on at once (some are off in a family's defaults).

    Early stopping too, except in the drop-ins: they hold out rows as scikit-learn's own
    MLPs do (a seeded random draw), for results identical to theirs.
    """
    rng = np.random.RandomState(0)
    X = rng.rand(40, 12)
    y = rng.randint(0, 2, 40) if "Classifier" in cls.__name__ else X @ rng.rand(12)
    weights = rng.randint(0, 4, 40)
    params = {"dropout": 0.3, "batch_norm": True, "random_state": 0, "max_iter": 30,
              "early_stopping": cls not in (MLPClassifier, MLPRegressor)}
    weighted = cls(**params).fit(X, y, sample_weight=weights)
    repeated = cls(**params).fit(X.repeat(weights, axis=0), y.repeat(weights))
    method = "predict_proba" if hasattr(weighted, "predict_proba") else "predict"
    np.testing.assert_allclose(getattr(weighted, method)(X), getattr(repeated, method)(X),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", CLASSES)
def test_no_poor_score_tag(cls):
    tags = cls().__sklearn_tags__()
    task_tags = tags.classifier_tags or tags.regressor_tags
    poor = task_tags.poor_score
    assert poor is False
