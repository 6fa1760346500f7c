"""dropout='auto' (TabularMLPRegressor's default): 0.15 after each hidden layer for a fit on
fewer than 5,000 rows, none from 5,000; rows are counted as copies, so a weight of 2 counts
twice, as everywhere in skact."""

import warnings

import numpy as np
import pytest
from torch import nn

from skact import CNNRegressor, MLPClassifier, MLPRegressor, TabularMLPRegressor
from skact.engine.plan import AUTO_DROPOUT, AUTO_DROPOUT_ROWS


def _data(n, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3))
    return X, X @ [1.0, -2.0, 0.5] + rng.normal(scale=0.5, size=n)


def _rates(est):
    return [m.p for m in est.net_.module_.modules() if isinstance(m, nn.Dropout)]


def _fit(est, X, y, w=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch: a convergence warning
        return est.fit(X, y, sample_weight=w)


@pytest.mark.parametrize("rows, weight, expected", [
    (AUTO_DROPOUT_ROWS - 1, None, AUTO_DROPOUT),
    (AUTO_DROPOUT_ROWS, None, 0.0),
    (AUTO_DROPOUT_ROWS // 2, 2.0, 0.0),  # 2,500 rows of weight 2 are 5,000 rows
    (AUTO_DROPOUT_ROWS // 2, 1.0, AUTO_DROPOUT),
    (AUTO_DROPOUT_ROWS, 1 / AUTO_DROPOUT_ROWS, 0.0),  # normalised weights: still 5,000 rows
])
def test_auto_dropout_is_set_by_the_rows_counted_as_copies(rows, weight, expected):
    X, y = _data(rows)
    w = None if weight is None else np.full(rows, weight)
    est = _fit(MLPRegressor(hidden_layer_sizes=(8, 8), dropout="auto", max_iter=1,
                            random_state=0), X, y, w)
    # a rate of 0 builds no dropout layer at all
    assert _rates(est) == ([expected] * 2 if expected else [])
    assert est.get_params()["dropout"] == "auto"  # the parameter keeps what the user set


def test_the_tabular_regressor_trains_a_large_table_exactly_as_without_dropout():
    X, y = _data(AUTO_DROPOUT_ROWS)
    params = dict(hidden_layer_sizes=(16, 16), max_iter=2, random_state=0)
    assert TabularMLPRegressor().dropout == "auto"
    auto = _fit(TabularMLPRegressor(**params), X, y)
    none = _fit(TabularMLPRegressor(**params, dropout=0.0), X, y)
    for mine, theirs in zip(auto.coefs_, none.coefs_):
        np.testing.assert_array_equal(mine, theirs)
    small = _fit(TabularMLPRegressor(**params), X[:500], y[:500])
    assert set(_rates(small)) == {AUTO_DROPOUT}


def test_auto_dropout_works_for_classifiers_too():
    X, y = _data(300)
    est = _fit(MLPClassifier(hidden_layer_sizes=(8,), dropout="auto", max_iter=1,
                             random_state=0), X, (y > 0).astype(int))
    assert _rates(est) == [AUTO_DROPOUT]


@pytest.mark.parametrize("value", ["Auto", "automatic", None])
def test_a_dropout_that_is_not_a_rate_or_auto_is_refused_naming_both(value):
    X, y = _data(50)
    with pytest.raises(ValueError, match=r"dropout.*'auto'"):
        MLPRegressor(dropout=value, max_iter=1).fit(X, y)


@pytest.mark.parametrize("rows", [199, 200])  # either side of the limit, patched to 200
def test_a_saved_model_with_auto_dropout_loads_with_the_layers_its_fit_had(rows, tmp_path,
                                                                         monkeypatch):
    import skact
    import skact.engine.plan as plan

    monkeypatch.setattr(plan, "AUTO_DROPOUT_ROWS", 200)
    X, y = _data(rows)
    est = _fit(TabularMLPRegressor(hidden_layer_sizes=(8, 8), max_iter=2, random_state=0),
               X, y)
    assert len(_rates(est)) == (2 if rows < 200 else 0)
    monkeypatch.setattr(plan, "AUTO_DROPOUT_ROWS", 5000)  # the rows are not saved: no matter
    loaded = skact.load(skact.save(est, tmp_path / "m.skact"))
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    assert _rates(loaded) == _rates(est)


@pytest.mark.parametrize("rates", [(0.5,), (2.0, 0.1), ("x", 0.1), None])
def test_auto_dropout_rates_that_do_not_fit_are_refused_when_loading(rates):
    X, y = _data(100)
    est = _fit(MLPRegressor(hidden_layer_sizes=(8, 8), dropout="auto", max_iter=1,
                            random_state=0), X, y)
    state = est.__getstate__()
    state["_dropout_rates"] = rates
    with pytest.raises(ValueError, match=r"dropout='auto' has no valid rates"):
        MLPRegressor().__setstate__(state)


def test_class_weights_do_not_count_as_rows():
    X, y = _data(300)
    est = _fit(MLPClassifier(hidden_layer_sizes=(8,), dropout="auto", max_iter=1,
                             class_weight={0: 100.0, 1: 100.0}, random_state=0),
               X, (y > 0).astype(int))
    assert _rates(est) == [AUTO_DROPOUT]  # 300 rows, not 30,000


def test_auto_dropout_sets_a_cnns_dense_layers_by_its_rows_too():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 1, 16)).astype(np.float32)
    y = X.mean(axis=(1, 2))
    est = _fit(CNNRegressor(conv_channels=(4,), hidden_layer_sizes=(8,), dropout="auto",
                            max_iter=1, random_state=0), X, y)
    assert _rates(est) == [AUTO_DROPOUT]


def test_a_warm_start_keeps_the_rate_its_network_was_built_with():
    X, y = _data(AUTO_DROPOUT_ROWS)
    est = _fit(MLPRegressor(hidden_layer_sizes=(8,), dropout="auto", max_iter=1,
                            warm_start=True, random_state=0), X[:100], y[:100])
    _fit(est, X, y)  # 5,000 rows now: the network, and its dropout layer, stay
    assert _rates(est) == [AUTO_DROPOUT]
    assert est.predict(X[:3]).shape == (3,)
