"""refit_on_all_rows: where the held-out rows leave the network alone (it is clearly better
than the constant and a linear model), the classifier trains again on every row."""

import pickle
import warnings

import numpy as np
import pytest

import skact
from skact import MLPClassifier, TabularMLPClassifier, TabularMLPRegressor
from skact.estimators.base import BaseNeuralNet


def _checkerboard(n, seed):
    """Two classes in a checkerboard: no line separates them, a network does."""
    X = np.random.RandomState(seed).uniform(-1, 1, size=(n, 2))
    return X, (np.sign(X[:, 0]) * np.sign(X[:, 1]) > 0).astype(int)


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the refit is the recipe, not a fault: no warning
        return est.fit(X, y)


def test_a_network_the_held_out_rows_leave_alone_is_trained_again_on_every_row():
    X, y = _checkerboard(400, seed=0)
    est = TabularMLPClassifier(max_iter=30, random_state=0)
    params = est.get_params()
    _fit(est, X, y)
    assert est.linear_model_ is None  # the held-out rows left the network alone
    assert est.get_params() == params  # what the refit changed for itself is put back
    # the network is the one trained on every row: exactly what early_stopping=False trains
    every_row = _fit(TabularMLPClassifier(max_iter=30, random_state=0, early_stopping=False,
                                          refit_on_all_rows=False), X, y)
    for mine, theirs in zip(est.coefs_, every_row.coefs_):
        np.testing.assert_array_equal(mine, theirs)
    assert est.n_iter_ == 30 and len(est.loss_curve_) == 30
    # the held-out rows' verdict on the first fit stays readable
    first = _fit(TabularMLPClassifier(max_iter=30, random_state=0, refit_on_all_rows=False),
                 X, y)
    assert est.validation_scores_ == first.validation_scores_
    assert est.best_validation_score_ == first.best_validation_score_
    # and it predicts new points at least as well as the network trained on 80% of the rows
    X_new, y_new = _checkerboard(4000, seed=1)
    assert est.score(X_new, y_new) >= first.score(X_new, y_new) - 0.005


def test_a_network_averaged_with_a_linear_model_is_not_trained_again():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 4))
    y = (X @ [1.0, -1.0, 0.5, 0.0] + rng.normal(scale=1.0, size=200) > 0).astype(int)
    est = _fit(TabularMLPClassifier(max_iter=10, random_state=0), X, y)
    alone = _fit(TabularMLPClassifier(max_iter=10, random_state=0, refit_on_all_rows=False),
                 X, y)
    assert est.linear_model_ is not None
    np.testing.assert_array_equal(est.coefs_[0], alone.coefs_[0])


@pytest.mark.parametrize("params", [{"warm_start": True, "early_stopping": True},
                                    {"early_stopping": False}])
def test_no_refit_without_held_out_rows_or_with_a_warm_start(params):
    X, y = _checkerboard(300, seed=2)
    fits = []
    for refit in (True, False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 20 epochs: scikit-learn's convergence warning
            fits.append(MLPClassifier(max_iter=20, random_state=0, n_iter_no_change=np.inf,
                                      refit_on_all_rows=refit, **params).fit(X, y))
    assert fits[0].n_iter_ == 20
    np.testing.assert_array_equal(fits[0].coefs_[0], fits[1].coefs_[0])


def test_ctrl_c_during_the_refit_keeps_the_first_fit(monkeypatch):
    """The first fit is finished work: an interrupt in the second one must not lose it."""
    X, y = _checkerboard(300, seed=3)
    first = _fit(TabularMLPClassifier(max_iter=10, random_state=0, refit_on_all_rows=False),
                 X, y)
    fit = BaseNeuralNet._fit

    def interrupted_refit(self, *args, **kwargs):
        if not self.early_stopping:  # the refit
            raise KeyboardInterrupt
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(BaseNeuralNet, "_fit", interrupted_refit)
    est = TabularMLPClassifier(max_iter=10, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)
    assert est.early_stopping and est.max_iter == 10 and est.refit_on_all_rows
    np.testing.assert_array_equal(est.predict_proba(X), first.predict_proba(X))


def test_the_refitted_model_saves_and_loads(tmp_path):
    X, y = _checkerboard(300, seed=4)
    est = _fit(TabularMLPClassifier(max_iter=10, random_state=0), X, y)
    loaded = skact.load(skact.save(est, tmp_path / "m.skact"))
    assert loaded.refit_on_all_rows and loaded.validation_scores_ == est.validation_scores_
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X), est.predict(X))


def test_refit_on_all_rows_must_be_a_bool():
    X, y = _checkerboard(50, seed=5)
    with pytest.raises(ValueError, match="refit_on_all_rows"):
        TabularMLPRegressor(refit_on_all_rows="yes").fit(X, y)
