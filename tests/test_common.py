"""scikit-learn's estimator checks over every public estimator: no expected failures."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skact import CNNClassifier, CNNRegressor, MLPClassifier, MLPRegressor

# Small networks keep the ~50 checks per instance fast; everything else is at
# its default, so the checks see the estimators as users get them.
FAST = {"hidden_layer_sizes": (16,)}
FAST_CNN = {"conv_channels": (4,), "hidden_layer_sizes": (16,)}
ACTIVATIONS = ("relu", "tanh", "leaky_relu")

ESTIMATORS = [
    cls(activation=activation, **(FAST_CNN if cls.__name__.startswith("CNN") else FAST))
    for cls in (MLPClassifier, MLPRegressor, CNNClassifier, CNNRegressor)
    for activation in ACTIVATIONS
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor, CNNClassifier, CNNRegressor])
def test_no_poor_score_tag(cls):
    tags = cls().__sklearn_tags__()
    poor = tags.classifier_tags.poor_score if tags.classifier_tags else tags.regressor_tags.poor_score
    assert poor is False
