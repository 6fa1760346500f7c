"""A table of a few distinct rows repeated many times (titanic's 12 kinds of passenger) holds
nothing out: held-out rows would be two or three of those kinds, unseen by the network, and
every row it will predict has copies among the training rows (skact/estimators/small_data.py)."""

import warnings
from unittest import mock

import numpy as np
import pytest
import torch
from scipy import sparse

from skact import MLPClassifier, TabularMLPClassifier, TabularMLPRegressor
from skact.estimators.base import BaseNeuralNet
from skact.estimators.small_data import few_distinct_rows

FAST = {"max_iter": 24, "random_state": 0}
# 3 yes/no columns: 8 kinds of row, each repeated 60 times
KINDS = np.array([[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)], dtype=float)
PARITY = KINDS.sum(axis=1) % 2  # an interaction: no kind's target follows from the others'


def _table(copies=60, seed=0):
    rng = np.random.RandomState(seed)
    X = np.repeat(KINDS, copies, axis=0)
    chance = np.repeat(np.where(PARITY == 1, 0.85, 0.15), copies)
    return X, (rng.rand(len(X)) < chance).astype(int)


def _fit(est, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the regime is the recipe, not a fault: no warning
        return est.fit(X, y, **fit_params)


def test_every_kind_of_row_trains_and_is_predicted_by_its_majority():
    X, y = _table()
    est = _fit(TabularMLPClassifier(**FAST), X, y)
    np.testing.assert_array_equal(est.predict(KINDS), PARITY)
    # nothing was held out: the epochs were judged on the rows it trained on
    assert est.score(X, y) == pytest.approx(est.best_validation_score_, abs=1e-9)
    # held out whole, two kinds would have gone unseen, and an unseen kind's parity cannot
    # be guessed from the others; a random split, whose held-out copies have copies that
    # train, scores as the table does now
    assert _fit(TabularMLPClassifier(**FAST, validation_split="random"), X, y).score(
        X, y) == pytest.approx(est.score(X, y), abs=0.02)


def test_weights_count_as_copies():
    X, y = _table(copies=60)
    kinds, counts = np.unique(np.column_stack([X, y]), axis=0, return_counts=True)
    est = _fit(TabularMLPClassifier(**FAST), kinds[:, :3], kinds[:, 3].astype(int),
               sample_weight=counts.astype(float))
    np.testing.assert_array_equal(est.predict(KINDS), PARITY)
    weighted_accuracy = np.average(est.predict(kinds[:, :3]) == kinds[:, 3], weights=counts)
    assert weighted_accuracy == pytest.approx(est.best_validation_score_, abs=1e-6)


def test_a_regression_learns_each_kinds_mean_and_no_ridge_is_forced_in():
    X, _ = _table()
    rng = np.random.RandomState(1)
    y = np.repeat(np.where(PARITY == 1, 2.0, -2.0), 60) + rng.normal(size=len(X))
    est = _fit(TabularMLPRegressor(**FAST), X, y)
    # a ridge regression cannot fit a parity: the training rows judge it, and leave it out
    # (a few dozen unique rows would always average one in)
    assert est.linear_model_ is None
    means = np.array([y[(kind == X).all(axis=1)].mean() for kind in KINDS])
    np.testing.assert_allclose(est.predict(KINDS), means, atol=0.5)
    # each kind's 60 copies predict it too: the training rows (each with its other copies)
    # chose how strongly, as held-out rows do elsewhere
    assert est.repeated_rows_ is not None and est.repeated_rows_["keys"].shape == (8,)
    assert est.score(X, y) > 0.75  # the kinds' means explain 0.8 of the variance


@pytest.mark.parametrize("cls", [TabularMLPClassifier, TabularMLPRegressor])
def test_a_fit_that_held_out_nothing_is_not_trained_again(cls):
    X, y = _table()
    est = cls(**FAST, refit_on_all_rows=True)
    with mock.patch.object(BaseNeuralNet, "_fit", autospec=True,
                           side_effect=BaseNeuralNet._fit) as trained:
        _fit(est, X, y.astype(float) if cls is TabularMLPRegressor else y)
    assert trained.call_count == 1


def _few(X, w=None, **params):
    est = TabularMLPClassifier(**params)
    return few_distinct_rows(est, torch.as_tensor(X),
                             None if w is None else torch.as_tensor(w, dtype=torch.float64))


def test_which_tables_count_as_few_distinct_rows():
    X, _ = _table(copies=60)
    assert _few(X)
    # too few copies of each (3): a fit on its training rows would memorise single labels
    assert not _few(np.repeat(KINDS, 3, axis=0))
    assert _few(np.repeat(KINDS, 4, axis=0))
    # 100 distinct rows hold out 20 at validation_fraction=0.2: enough to judge on
    many = np.random.RandomState(0).rand(100, 3)
    assert not _few(np.repeat(many, 10, axis=0))
    assert _few(np.repeat(many[:99], 10, axis=0))
    assert _few(np.repeat(many, 10, axis=0), validation_fraction=0.1)  # 10 held out
    # most rows must be copies of a much-repeated row, not 4 per distinct row on average:
    # 90 rows seen 3 times and one seen 120 times average 4.3, but only 120 of the 390 rows
    # are copies of a row repeated 4 times or more
    mixed = np.vstack([np.repeat(many[:90], 3, axis=0), np.repeat(many[90:91], 120, axis=0)])
    assert not _few(mixed)
    assert _few(np.vstack([mixed, np.repeat(many[91:92], 200, axis=0)]))  # 320 of 590
    # weights are copies, and a row of weight 0 is no row at all
    assert _few(KINDS, w=np.full(8, 60.0))
    assert not _few(KINDS, w=np.full(8, 1.0))
    assert not _few(KINDS, w=np.full(8, 1.0 / 8))  # one copy each, however scaled
    assert _few(X, w=np.full(len(X), 1.0 / len(X)))  # weights that sum to 1: still 60 copies
    assert _few(np.vstack([KINDS, many]), w=np.r_[np.full(8, 60.0), np.zeros(100)])
    # a random split holds out copies of training rows; without best-epoch mode the
    # held-out rows stop training, as they always have
    assert not _few(X, validation_split="random")
    assert not _few(X, n_iter_no_change=10)


def test_sparse_input_holds_out_as_before_and_a_sparse_few_row_fit_is_not_refitted():
    """Scoring every row each epoch would densify all of a sparse matrix, not a fifth; and a
    regression of a few dozen sparse rows, which held none out, is not trained again."""
    X, y = _table()
    assert not few_distinct_rows(TabularMLPClassifier(), sparse.csr_matrix(X), None)
    rng = np.random.RandomState(0)
    X_small = sparse.csr_matrix(rng.rand(60, 4))
    est = TabularMLPRegressor(max_iter=8, random_state=0, refit_on_all_rows="small")
    with mock.patch.object(BaseNeuralNet, "_fit", autospec=True,
                           side_effect=BaseNeuralNet._fit) as trained:
        _fit(est, X_small, rng.rand(60))
    assert trained.call_count == 1


def test_a_few_dozen_rows_of_few_kinds_are_treated_as_a_few_dozen_rows():
    """Both regimes at once: the ridge regression is always averaged in (a few dozen rows),
    and the copies' targets are judged on the training rows (few distinct rows)."""
    X = np.repeat(KINDS, 10, axis=0)
    y = np.repeat(np.where(PARITY == 1, 2.0, -2.0), 10) + np.random.RandomState(0).normal(
        size=80)
    est = _fit(TabularMLPRegressor(**FAST), X, y)
    assert est.linear_model_["weight"] == 0.5 and est.linear_model_["held_out_rows"] == 80
    assert est.repeated_rows_ is not None and est.repeated_rows_["keys"].shape == (8,)


def test_a_fit_that_fails_leaves_nothing_of_itself_behind():
    from skorch.callbacks import Callback

    class Fails(Callback):
        def on_epoch_end(self, net, **kwargs):
            raise RuntimeError("stopped by the test")

    X, y = _table()
    est = TabularMLPClassifier(**FAST)
    with pytest.raises(RuntimeError, match="stopped by the test"):
        est.fit(X, y, callbacks=[Fails()])
    assert "_trained_on_every_row" not in est.__dict__


def test_the_drop_ins_hold_out_as_scikit_learn_does():
    X, _ = _table()
    est = MLPClassifier(early_stopping=True, n_iter_no_change=np.inf)
    assert not few_distinct_rows(est, torch.as_tensor(X), None)  # validation_split='random'
