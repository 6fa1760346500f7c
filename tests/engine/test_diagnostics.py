"""Training diagnostics (``diagnostics=True``): dead units, saturation, gradient flow."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from skact import CNNClassifier, MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def binary_data(n=300, n_features=10, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, n_features).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


def fit_recording(est, X, y):
    """Fit; return the estimator and the messages of its UserWarnings (not convergence)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    return est, [str(w.message) for w in caught
                 if issubclass(w.category, UserWarning)
                 and not issubclass(w.category, ConvergenceWarning)]


@pytest.mark.parametrize("how", ["shifted data, large lr", "negative weights"])
def test_dead_relu_reported_and_leaky_relu_not(how):
    X, y = binary_data()
    if how == "shifted data, large lr":
        # features far below zero and Adam at lr=1: the first steps push every unit negative
        X, params = X - 5, {"learning_rate_init": 1.0}
    else:
        # positive features, all-negative weights: no hidden unit is ever positive
        X = np.abs(X) + 1
        params = {"weight_init": lambda w: torch.nn.init.uniform_(w, -1.0, -0.1)}
    relu, relu_warnings = fit_recording(
        MLPClassifier((32, 32), "relu", max_iter=10, diagnostics=True, random_state=0,
                      **params), X, y)
    leaky, leaky_warnings = fit_recording(
        MLPClassifier((32, 32), "leaky_relu", max_iter=10, diagnostics=True, random_state=0,
                      **params), X, y)

    assert max(relu.diagnostics_["dead_fraction"]) > 0.9
    assert relu.diagnostics_["dead_overall"] > 0.5
    advice = [m for m in relu_warnings if "dead" in m]
    assert len(advice) == 1
    assert "leaky_relu" in advice[0] and "learning_rate_init" in advice[0]
    assert "hidden layer 1 (32 units): 100%" in advice[0]

    assert leaky.diagnostics_["dead_fraction"] == [0.0, 0.0]
    assert not [m for m in leaky_warnings if "dead" in m]


def test_deep_sigmoid_has_vanishing_first_layer_gradients():
    X, y = binary_data()
    ratios = {}
    for act in ("sigmoid", "relu"):
        clf = MLPClassifier((32,) * 6, act, max_iter=3, diagnostics=True, random_state=0)
        clf.fit(X, y)
        d = clf.diagnostics_
        assert d["grad_layers"] == [f"hidden{i}" for i in range(1, 7)] + ["output"]
        assert d["grad_ratio"] == pytest.approx(d["grad_norm"][0] / d["grad_norm"][-1])
        ratios[act] = d["grad_ratio"]
    assert ratios["sigmoid"] < 0.01
    assert ratios["relu"] > 0.1
    assert ratios["sigmoid"] < ratios["relu"] / 50


def test_saturated_tanh_is_reported_with_advice():
    X, y = binary_data()
    clf, messages = fit_recording(
        MLPClassifier((32,), "tanh", max_iter=3, diagnostics=True, random_state=0), X * 50, y
    )
    assert clf.diagnostics_["saturated_fraction"] == [1.0]
    assert clf.diagnostics_["saturation_rule"] == "|a| > 0.99"
    advice = [m for m in messages if "saturated" in m]
    assert len(advice) == 1 and "StandardScaler" in advice[0] and "relu" in advice[0]
    # unbounded activations have no saturation at all
    relu = MLPClassifier((32,), "relu", max_iter=3, diagnostics=True, random_state=0).fit(X, y)
    assert relu.diagnostics_["saturated_fraction"] is None


def test_history_summary_pickle_and_no_hooks_left():
    X, y = binary_data()
    clf = MLPRegressor(hidden_layer_sizes=(16, 8), activation="sigmoid", max_iter=4,
                       early_stopping=True, diagnostics=True, random_state=0)
    clf.fit(X, y.astype(float))
    epochs = len(clf.history_)
    for key in ("dead_fraction", "saturated_fraction"):
        values = clf.history_[:, key]
        assert len(values) == epochs and all(len(v) == 2 for v in values)
    assert all(len(v) == 3 for v in clf.history_[:, "grad_norm"])
    d = clf.diagnostics_
    assert d["layers"] == ["hidden1", "hidden2"] and d["units"] == [16, 8]
    assert d["epochs"] == epochs and d["activation"] == "sigmoid"
    # hooks are gone after fit, and the fitted estimator round-trips through pickle
    assert all(not m._forward_hooks for m in clf.module_.modules())
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict(X), clf.predict(X))
    assert again.diagnostics_ == d


def test_cnn_channels_are_units_and_lbfgs_has_gradients():
    X, y = load_digits(return_X_y=True)
    X, y = (X[:300] / 16).astype(np.float32), y[:300]
    cnn = CNNClassifier(input_shape=(1, 8, 8), conv_channels=(4, 8), hidden_layer_sizes=(16,),
                        max_iter=2, diagnostics=True, random_state=0).fit(X, y)
    d = cnn.diagnostics_
    assert d["layers"] == ["conv1", "conv2", "hidden1"] and d["units"] == [4, 8, 16]
    assert len(d["grad_norm"]) == 4 and all(g > 0 for g in d["grad_norm"])

    lbfgs = MLPClassifier((8,), "tanh", solver="lbfgs", max_iter=5, diagnostics=True,
                          random_state=0).fit(X, y)
    assert lbfgs.diagnostics_["grad_ratio"] is not None


def test_off_by_default():
    X, y = binary_data(n=60)
    clf = MLPClassifier((8,), max_iter=2, random_state=0).fit(X, y)
    assert not hasattr(clf, "diagnostics_")
    assert "dead_fraction" not in clf.history_[-1]
