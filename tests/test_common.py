"""scikit-learn's estimator checks over every public estimator: no expected failures."""

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

# Small, briefly trained networks keep the ~65 checks per instance fast. They
# still have to meet scikit-learn's accuracy bars: no poor_score tag, no
# expected failures.
FAST = {"hidden_layer_sizes": (16,), "max_iter": 60, "learning_rate_init": 0.01}
# The CNNs' defaults add dropout and batch norm, under which sample weights and repeated
# rows cannot give the same model (check_sample_weight_equivalence): off here.
FAST_CNN = {**FAST, "conv_channels": (4,), "dropout": 0.0, "batch_norm": False}
ACTIVATIONS = ("relu", "tanh", "leaky_relu")

# The Tabular estimators keep their input scaling, embeddings, learnable activations,
# schedule and label smoothing; without dropout and the random validation split, so that
# sample weights and repeated rows give the same model (see TabularMLPClassifier's notes).
FAST_TABULAR = {**FAST, "dropout": 0.0, "early_stopping": False, "batch_size": "auto"}
_FAST = {"CNN": FAST_CNN, "Tab": FAST_TABULAR, "MLP": FAST}

ESTIMATORS = [
    cls(activation=activation, **_FAST[cls.__name__[:3]])
    for cls in (MLPClassifier, MLPRegressor, CNNClassifier, CNNRegressor,
                TabularMLPClassifier, TabularMLPRegressor)
    for activation in ACTIVATIONS
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor, CNNClassifier, CNNRegressor,
                                 TabularMLPClassifier, TabularMLPRegressor])
def test_no_poor_score_tag(cls):
    tags = cls().__sklearn_tags__()
    task_tags = tags.classifier_tags or tags.regressor_tags
    poor = task_tags.poor_score
    assert poor is False
