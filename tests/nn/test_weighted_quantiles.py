"""The weighted quantiles behind robust input scaling and piecewise-linear bins: integer
weights mean copies, and the scale of the weights means nothing."""

import numpy as np
import pytest

from skact import TabularMLPClassifier, TabularMLPRegressor
from skact.nn.layers import weighted_quantiles

QUANTILES = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]


def test_integer_weights_are_the_quantiles_of_the_repeated_rows():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    weights = rng.randint(0, 4, 40)
    np.testing.assert_allclose(weighted_quantiles(X, QUANTILES, weights.astype(float)),
                               np.quantile(X.repeat(weights, axis=0), QUANTILES, axis=0))


@pytest.mark.parametrize("scale", [1e-3, "sum to 1", 0.5])
def test_scaling_every_weight_leaves_the_quantiles_as_they_were(scale):
    """Weights that sum to 1 once put every quantile at the column's minimum."""
    rng = np.random.RandomState(1)
    X = rng.normal(size=(200, 2))
    weights = rng.randint(1, 5, 200).astype(float)
    scaled = weights / weights.sum() if scale == "sum to 1" else weights * scale
    np.testing.assert_allclose(weighted_quantiles(X, QUANTILES, scaled),
                               weighted_quantiles(X, QUANTILES, weights), rtol=1e-12)
    assert weighted_quantiles(X, [0.5], scaled)[0, 0] > X[:, 0].min()


@pytest.mark.parametrize("cls", [TabularMLPClassifier, TabularMLPRegressor])
def test_weights_that_sum_to_one_train_the_network_as_the_counts_do(cls):
    """Robust scaling and the periodic embeddings read weighted quantiles of the columns;
    the linear and constant models are off, as a penalised linear model's fit depends on the
    weights' scale (scikit-learn's Ridge and LogisticRegression alike)."""
    rng = np.random.RandomState(0)
    X = rng.lognormal(size=(150, 4)) * [1, 10, 100, 1000]
    y = np.log(X) @ [1.0, -2.0, 0.5, 3.0]
    y = (y > np.median(y)).astype(int) if cls is TabularMLPClassifier else y
    weights = rng.randint(1, 4, 150).astype(float)
    params = {"max_iter": 8, "random_state": 0, "linear_blend": False,
              "constant_fallback": False}
    counted = cls(**params).fit(X, y, sample_weight=weights)
    normalised = cls(**params).fit(X, y, sample_weight=weights / weights.sum())
    method = "predict_proba" if cls is TabularMLPClassifier else "predict"
    np.testing.assert_allclose(getattr(normalised, method)(X), getattr(counted, method)(X),
                               rtol=1e-5, atol=1e-7)
