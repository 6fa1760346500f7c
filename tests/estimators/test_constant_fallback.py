"""constant_fallback: a network no better than the constant model on its held-out rows
predicts that constant, and says so."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning

import skact
from skact import MLPRegressor, TabularMLPClassifier, TabularMLPRegressor


def _noise(seed, n=24, classes=False):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 8))
    y = (rng.rand(n) < 0.7).astype(int) if classes else rng.normal(size=n)
    return X, y


def _fit(est, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    return [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)
            and "constant model" in str(w.message)]


def test_a_regressor_that_learns_noise_predicts_the_mean_and_warns(tmp_path):
    X, y = _noise(seed=1)  # 24 rows of pure noise: the held-out rows favour the mean
    # linear_blend would average a ridge regression in (its own tests say when)
    est = TabularMLPRegressor(max_iter=16, random_state=0, linear_blend=False)
    said = _fit(est, X, y)
    assert len(said) == 1 and "predicts that constant" in said[0]
    assert "constant_fallback=False" in said[0]
    np.testing.assert_allclose(est.predict(X), np.full(len(y), y.mean()), rtol=1e-5)
    assert not est.coefs_[-1].any()  # the output layer's weights are zero: data, not a flag
    # a model file keeps it: the constant is in the weights
    np.testing.assert_allclose(skact.load(skact.save(est, tmp_path / "m.skact")).predict(X),
                               est.predict(X))


def test_a_classifier_on_noisy_labels_predicts_the_majority_class():
    X, y = _noise(seed=2, n=60, classes=True)
    est = TabularMLPClassifier(max_iter=16, early_stopping=True, random_state=0)
    assert len(_fit(est, X, y)) == 1
    assert set(est.predict(X)) == {1}  # the majority class (70% of the labels)


def test_a_network_that_learns_keeps_its_weights():
    X, y = make_regression(n_samples=60, n_features=5, noise=1.0, random_state=0)
    est = TabularMLPRegressor(max_iter=16, random_state=0)
    assert _fit(est, X, y) == []
    assert np.unique(est.predict(X)).size == len(y) and est.coefs_[-1].any()


def test_off_it_keeps_the_network_and_the_drop_ins_keep_it_off():
    X, y = _noise(seed=1)
    est = TabularMLPRegressor(max_iter=16, random_state=0, constant_fallback=False)
    assert _fit(est, X, y) == [] and np.unique(est.predict(X)).size > 1
    assert MLPRegressor().get_params()["constant_fallback"] is False
    assert TabularMLPRegressor().get_params()["constant_fallback"] is True


def test_constant_fallback_must_be_a_bool():
    X, y = _noise(seed=1)
    with pytest.raises(ValueError, match="constant_fallback"):
        TabularMLPRegressor(constant_fallback="yes").fit(X, y)
