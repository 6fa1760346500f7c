"""``batch_size='adaptive'``: mini-batches dealt by row content, so integer weights still
equal repeated rows when a fit takes many steps an epoch."""

import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import Callback

from skact import MLPClassifier, TabularMLPClassifier, TabularMLPRegressor


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


class _Batches(Callback):
    """Every training batch of a fit: its rows (as tuples) and their weights, per epoch."""

    def initialize(self):
        self.epochs = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.epochs.append([])

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training:
            X, (_, w) = batch
            rows = [tuple(row) for row in X.detach().cpu().numpy().round(6).tolist()]
            weights = None if w is None else w.detach().cpu().numpy()
            self.epochs[-1].append((rows, weights))


def _record(X, y, sample_weight=None, **params):
    recorder = _Batches()
    settings = {"batch_size": "adaptive", "max_iter": 3, "random_state": 0,
                "early_stopping": False, "linear_blend": False, "constant_fallback": False,
                **params}
    TabularMLPRegressor(**settings).fit(X, y, sample_weight=sample_weight,
                                        callbacks=[recorder])
    return recorder.epochs


def _data(n, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.rand(n, 4)
    return X, X @ [1.0, -2.0, 0.5, 3.0]


@pytest.mark.parametrize("n_rows, sizes", [
    (100, [15, 15, 14, 14, 14, 14, 14]),  # at least 16 rows a batch: 7 batches, not 8
    (300, [34, 33, 33, 33, 33, 33, 33, 34, 34]),  # 37 rows a batch: 9
    (3000, [250] * 12),  # at most 256 rows a batch: 12
])
def test_adaptive_deals_about_eight_even_batches_of_16_to_256_rows(n_rows, sizes):
    X, y = _data(n_rows)
    epochs = _record(X, y)
    for batches in epochs:
        assert sorted(len(rows) for rows, _ in batches) == sorted(sizes)
        assert sum(len(rows) for rows, _ in batches) == n_rows  # every row once
    assert epochs[0] != epochs[1]  # each epoch deals afresh


def test_copies_of_a_row_always_share_a_batch():
    X, y = _data(60)
    X, y = X[np.arange(200) % 60], y[np.arange(200) % 60]  # each row 3 or 4 times
    for batches in _record(X, y):
        seen = {}
        for number, (rows, _) in enumerate(batches):
            for row in rows:
                assert seen.setdefault(row, number) == number


def test_a_weighted_table_and_its_repeated_rows_are_dealt_the_same_batches():
    X, y = _data(120)
    weights = np.random.RandomState(1).randint(0, 4, 120).astype(float)
    weighted = _record(X, y, sample_weight=weights)
    repeated = _record(X.repeat(weights.astype(int), axis=0), y.repeat(weights.astype(int)))
    assert len(weighted[0]) > 1
    for by_weight, by_copies in zip(weighted, repeated):
        assert [sorted(set(rows)) for rows, _ in by_weight] == \
            [sorted(set(rows)) for rows, _ in by_copies]
        # the weight of each batch is its number of copies; rows of weight 0 are left out
        assert [w.sum() for _, w in by_weight] == [len(rows) for rows, _ in by_copies]
        assert all((w > 0).all() for _, w in by_weight)


def test_scaling_every_weight_leaves_the_batches_as_they_were():
    X, y = _data(150)
    weights = np.random.RandomState(2).uniform(0.5, 3.0, 150)
    once = _record(X, y, sample_weight=weights)
    scaled = _record(X, y, sample_weight=weights * 1e-3)
    assert [[rows for rows, _ in epoch] for epoch in once] == \
        [[rows for rows, _ in epoch] for epoch in scaled]


def test_without_shuffling_every_epoch_deals_the_same_batches():
    X, y = _data(100)
    epochs = _record(X, y, shuffle=False)
    assert epochs[0] == epochs[1] == epochs[2]


def test_batch_norm_never_trains_on_a_single_row_and_its_copies():
    X, y = _data(40)
    weights = np.r_[[30.0], np.ones(39)]  # one row heavier than a batch's share
    for batches in _record(X, y, sample_weight=weights, batch_norm=True):
        assert all(len(set(rows)) >= 2 for rows, _ in batches)


@pytest.mark.parametrize("cls", [TabularMLPClassifier, TabularMLPRegressor, MLPClassifier])
def test_integer_weights_fit_as_repeated_rows_over_many_batches(cls):
    """Dropout and batch norm on as well: both are keyed on the rows' content too."""
    rng = np.random.RandomState(0)
    X = rng.rand(150, 5)
    y = (X[:, 0] > 0.5).astype(int) if "Classifier" in cls.__name__ else X @ rng.rand(5)
    weights = rng.randint(0, 4, 150)
    params = {"batch_size": "adaptive", "dropout": 0.2, "batch_norm": True, "max_iter": 10,
              "random_state": 0}
    recorder = _Batches()
    weighted = cls(**params).fit(X, y, sample_weight=weights, callbacks=[recorder])
    repeated = cls(**params).fit(X.repeat(weights, axis=0), y.repeat(weights))
    assert len(recorder.epochs[0]) >= 5  # many steps an epoch, not one batch of every row
    method = "predict_proba" if hasattr(weighted, "predict_proba") else "predict"
    np.testing.assert_allclose(getattr(weighted, method)(X), getattr(repeated, method)(X),
                               rtol=1e-5, atol=1e-7)


def test_sparse_rows_are_dealt_as_their_dense_copies():
    X, y = _data(200)
    X[X < 0.5] = 0.0
    params = {"batch_size": "adaptive", "max_iter": 5, "random_state": 0,
              "linear_blend": False, "constant_fallback": False}  # (dense rows only)
    dense = TabularMLPRegressor(**params).fit(X, y)
    sparse_fit = TabularMLPRegressor(**params).fit(sparse.csr_matrix(X), y)
    np.testing.assert_allclose(sparse_fit.predict(X), dense.predict(X), rtol=1e-5, atol=1e-6)
