"""Quality with default hyperparameters (plus StandardScaler) on bundled data sets."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skact import CNNClassifier, MLPClassifier, MLPRegressor, activations


@pytest.fixture(autouse=True)
def _no_convergence_noise():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def test_breast_cancer_five_fold_accuracy():
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), MLPClassifier(random_state=0))
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    scores = cross_val_score(model, X, y, cv=cv, error_score="raise")
    assert scores.mean() >= 0.96, scores


@pytest.fixture(scope="module")
def digits_split():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


def test_digits_mlp_held_out_accuracy(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    model = make_pipeline(StandardScaler(), MLPClassifier(random_state=0))
    assert model.fit(X_train, y_train).score(X_test, y_test) >= 0.95


def test_digits_cnn_as_images_held_out_accuracy(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    # float32 input trains in float32: torch's float64 convolutions are ~3x slower
    X_train, X_test = X_train.astype(np.float32), X_test.astype(np.float32)
    model = make_pipeline(StandardScaler(), CNNClassifier(input_shape=(1, 8, 8),
                                                          random_state=0))
    assert model.fit(X_train, y_train).score(X_test, y_test) >= 0.97


def test_diabetes_five_fold_r2():
    X, y = load_diabetes(return_X_y=True)
    model = make_pipeline(StandardScaler(), MLPRegressor(random_state=0))
    scores = cross_val_score(model, X, y, cv=5, error_score="raise")
    # the default network (100 relu units, adam, 200 epochs) on the raw target,
    # which the regressor standardises internally
    assert scores.mean() >= 0.40, scores


@pytest.mark.parametrize("activation", activations.names())
def test_every_registered_activation_learns_iris(activation):
    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                        random_state=0)
    model = make_pipeline(StandardScaler(),
                          MLPClassifier(activation=activation, learning_rate_init=0.01,
                                        random_state=0))
    score = model.fit(X_train, y_train).score(X_test, y_test)
    # identity is a linear model; every non-linearity should do at least as well
    assert score >= 0.85, (activation, score)
    assert np.isfinite(model[-1].loss_)
