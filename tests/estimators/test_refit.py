"""refit_on_all_rows: True trains the network again on every row where the held-out rows
leave it alone (it is clearly better than the constant and a linear model); 'small'
wherever they keep it, on fewer than 500 rows, stopping at the end of the learning-rate
cycle that held the best epoch."""

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


@pytest.mark.parametrize("value", ["yes", "Small", 1, None])
def test_refit_on_all_rows_must_be_a_bool_or_small(value):
    X, y = _checkerboard(50, seed=5)
    with pytest.raises(ValueError, match="refit_on_all_rows.*True, False or 'small'"):
        TabularMLPRegressor(refit_on_all_rows=value).fit(X, y)


def _noisy_regression(n, seed):
    """A target that is mostly linear plus noise: the held-out rows average the ridge in."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 5))
    return X, X @ [1.0, -0.5, 0.25, 0.0, 0.0] + np.sin(2 * X[:, 0]) + rng.normal(size=n)


def _stopped_after(epochs):
    from skorch.callbacks import Callback

    class Stop(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) >= epochs:
                net.stop_training_ = True

    return Stop()


def test_small_refits_a_regression_averaged_with_its_ridge_up_to_its_best_cycle():
    X, y = _noisy_regression(300, seed=0)
    first = _fit(TabularMLPRegressor(max_iter=30, random_state=0, refit_on_all_rows=False),
                 X, y)
    assert first.linear_model_ is not None  # True would leave this fit alone
    est = TabularMLPRegressor(max_iter=30, random_state=0, refit_on_all_rows="small")
    params = est.get_params()
    _fit(est, X, y)
    assert est.get_params() == params
    # the cosine cycles of 30 epochs restart after epochs 2, 6, 14 and 30: the refit stops
    # at the restart after the first fit's best epoch (ties to the later one, as it kept)
    scores = np.asarray(first.validation_scores_)
    best = len(scores) - int(np.argmax(scores[::-1]))
    stop = next(end for end in (2, 6, 14, 30) if end >= best)
    assert est.n_iter_ == stop == len(est.loss_curve_)
    # on every row: what early_stopping=False trains on the same schedule, stopped there
    every_row = TabularMLPRegressor(max_iter=30, random_state=0, early_stopping=False,
                                    refit_on_all_rows=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # stopped before max_iter: a convergence warning
        every_row.fit(X, y, callbacks=[_stopped_after(stop)])
    for mine, theirs in zip(est.coefs_, every_row.coefs_):
        np.testing.assert_array_equal(mine, theirs)
    # the held-out rows' verdicts stand: the same ridge, averaged in at the same weight
    assert est.validation_scores_ == first.validation_scores_
    for key, value in first.linear_model_.items():
        np.testing.assert_array_equal(est.linear_model_[key], value)
    assert not np.allclose(est.predict(X), first.predict(X))


def test_small_leaves_fits_of_500_rows_and_a_few_dozen_rows_alone():
    # 250 rows of weight 2 count as 500; so do 500 rows of weight 0.5 (weights all below 1
    # count the lightest weighted row as one row), and a scalar weight is every row's
    for n, weight in ((250, 2.0), (500, 0.5), (500, None), (60, 1.0)):
        X, y = _noisy_regression(n, seed=1)
        w = 0.5 if weight is None else np.full(n, weight)
        fits = []
        for refit in ("small", False):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                fits.append(TabularMLPRegressor(max_iter=6, random_state=0,
                                                refit_on_all_rows=refit).fit(X, y, w))
        assert fits[0].n_iter_ == 6
        np.testing.assert_array_equal(fits[0].predict(X), fits[1].predict(X))


def test_small_refits_a_classifier_where_true_would_not():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 4))
    y = (X @ [1.0, -1.0, 0.5, 0.0] + rng.normal(scale=1.0, size=200) > 0).astype(int)
    fits = {refit: _fit(TabularMLPClassifier(max_iter=10, random_state=0,
                                             refit_on_all_rows=refit), X, y)
            for refit in (True, "small")}
    assert fits[True].linear_model_ is not None  # averaged in: True leaves the network
    assert not np.array_equal(fits["small"].coefs_[0], fits[True].coefs_[0])
    assert fits["small"].n_iter_ == 10  # flat_cosine has no restarts: the whole schedule


def test_the_tabular_regressor_refits_a_few_hundred_rows_by_default():
    X, y = _noisy_regression(300, seed=0)
    assert TabularMLPRegressor().refit_on_all_rows == "small"
    default = _fit(TabularMLPRegressor(max_iter=30, random_state=0), X, y)
    small = _fit(TabularMLPRegressor(max_iter=30, random_state=0, refit_on_all_rows="small"),
                 X, y)
    once = _fit(TabularMLPRegressor(max_iter=30, random_state=0, refit_on_all_rows=False),
                X, y)
    np.testing.assert_array_equal(default.predict(X), small.predict(X))
    assert not np.allclose(default.predict(X), once.predict(X))
