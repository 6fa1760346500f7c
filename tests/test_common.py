"""scikit-learn's estimator checks over every public estimator, with its default arguments.

Every estimator x the seed-set activations runs the full ``check_estimator`` suite as a
user constructs it (only ``activation`` set), with no expected failures. That includes
``check_sample_weight_equivalence_*`` for the Tabular and CNN estimators at their defaults:
their dropout masks, early-stopping split and batch-norm statistics are keyed on each row's
content and weighted by ``sample_weight`` (skact._row_noise), so a weight of 2 trains as a
repeated row.
"""

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

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
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ACTIVATIONS = ("relu", "tanh", "leaky_relu")
CLASSES = (MLPClassifier, MLPRegressor, CNNClassifier, CNNRegressor, TabularMLPClassifier,
           TabularMLPRegressor)
ESTIMATORS = [cls(activation=activation) for cls in CLASSES for activation in ACTIVATIONS]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


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
