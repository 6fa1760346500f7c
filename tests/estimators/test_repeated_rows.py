"""repeated_rows: a row whose exact values were fitted predicts from its copies' targets
too, by a prior strength the held-out rows chose; rows without copies are untouched."""

import copy
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.model_selection import KFold, cross_val_score

import skact
from skact import MLPClassifier, MLPRegressor, TabularMLPClassifier, TabularMLPRegressor

FAST = {"max_iter": 12, "random_state": 0}


def _panel(persons=300, years=5, seed=0):
    """Each person's fixed traits repeated over the years, and a personal effect the traits
    do not explain: only the person's other years tell it."""
    rng = np.random.RandomState(seed)
    traits = rng.rand(persons, 3)
    effect = rng.normal(size=persons)
    X = np.repeat(traits, years, axis=0)
    y = np.repeat(traits @ [1.0, -1.0, 0.5] + effect, years)
    return X, y + 0.3 * rng.normal(size=len(y))


def _quiet_fit(est, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y, **fit_params)


def test_a_panels_personal_effects_are_learned_from_the_other_years():
    X, y = _panel()
    folds = KFold(5, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alone = cross_val_score(TabularMLPRegressor(**FAST, repeated_rows=False), X, y, cv=folds)
        copies = cross_val_score(TabularMLPRegressor(**FAST), X, y, cv=folds)
    assert alone.mean() < 0.4 and copies.mean() > 0.8


def test_a_seen_row_is_its_copies_mean_shrunk_towards_the_network():
    X, y = _panel(persons=200)
    est = _quiet_fit(TabularMLPRegressor(**FAST), X, y)
    memory = est.repeated_rows_
    assert memory["keys"].shape == (200,) and np.all(np.diff(memory["keys"]) > 0)
    network = copy.deepcopy(est)
    network.repeated_rows_ = None
    k = float(memory["strength"])
    assert k in (0.5, 2.0, 8.0, 32.0)
    first = X[:5].mean(axis=0, keepdims=True)  # a person's rows are equal: their mean is one
    expected = (y[:5].sum() + k * network.predict(X[:1])) / (5 + k)
    np.testing.assert_allclose(est.predict(X[:1]), expected, rtol=1e-6)
    np.testing.assert_allclose(est.predict(first), expected, rtol=1e-6)
    unseen = X[:1] + 1e-3
    np.testing.assert_array_equal(est.predict(unseen), network.predict(unseen))


def test_without_copies_nothing_is_kept_and_nothing_changes():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4))
    y = X @ [1.0, 2.0, -1.0, 0.5] + rng.normal(size=300)
    est = _quiet_fit(TabularMLPRegressor(**FAST), X, y)
    off = _quiet_fit(TabularMLPRegressor(**FAST, repeated_rows=False), X, y)
    assert est.repeated_rows_ is None
    np.testing.assert_array_equal(est.predict(X), off.predict(X))


@pytest.mark.parametrize("cls", [TabularMLPClassifier, TabularMLPRegressor])
def test_copies_that_say_nothing_about_the_target_are_rarely_kept(cls):
    """Targets drawn apart from the rows: a held-out gain is chance, and must be clear (two
    standard errors over the groups of copies) to be kept. The best of four strengths on
    a bare comparison was kept on about half of such fits."""
    kept = 0
    for seed in range(8):
        rng = np.random.RandomState(seed)
        X = np.repeat(rng.rand(200, 3), 5, axis=0)
        y = rng.randint(0, 2, 1000) if cls is TabularMLPClassifier else rng.normal(size=1000)
        kept += _quiet_fit(cls(**FAST), X, y).repeated_rows_ is not None
    assert kept <= 1


@pytest.mark.parametrize("classes", [2, 3])
def test_a_classifier_moves_seen_rows_towards_their_copies_classes(classes):
    X, y = _panel()
    labels = np.digitize(y, np.quantile(y, np.linspace(0, 1, classes + 1)[1:-1]))
    est = _quiet_fit(TabularMLPClassifier(**FAST), X, labels)
    off = _quiet_fit(TabularMLPClassifier(**FAST, repeated_rows=False), X, labels)
    assert est.repeated_rows_["sums"].shape == (300, 1 if classes == 2 else classes)
    assert est.score(X, labels) > off.score(X, labels) + 0.1
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    new = X[:4] + 1e-3  # rows never fitted: the network's probabilities, as they were
    network = copy.deepcopy(est)
    network.repeated_rows_ = None
    np.testing.assert_array_equal(est.predict_proba(new), network.predict_proba(new))


def test_integer_weights_remember_as_repeated_rows_do():
    X, y = _panel(persons=150, years=3)
    weights = np.random.RandomState(1).randint(0, 3, len(y))
    weighted = _quiet_fit(TabularMLPRegressor(**FAST), X, y, sample_weight=weights)
    repeated = _quiet_fit(TabularMLPRegressor(**FAST), X.repeat(weights, axis=0),
                          y.repeat(weights))
    for key in ("keys", "sums", "weights", "strength"):
        np.testing.assert_allclose(weighted.repeated_rows_[key], repeated.repeated_rows_[key],
                                   rtol=1e-9)
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-5, atol=1e-7)


def test_float32_rows_meet_their_float64_copies():
    X, y = _panel(persons=100)
    est = _quiet_fit(TabularMLPRegressor(**FAST), X.astype(np.float32), y)
    assert est.repeated_rows_ is not None
    np.testing.assert_allclose(est.predict(X), est.predict(X.astype(np.float32)), rtol=1e-5)


def test_a_data_frame_and_one_row_at_a_time():
    X, y = _panel(persons=100)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    est = _quiet_fit(TabularMLPRegressor(**FAST), frame, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no feature-name warning from the rows' lookup
        one = est.predict(frame.iloc[[7]])
    np.testing.assert_allclose(one, est.predict(frame)[[7]], rtol=1e-6)


def test_the_classifiers_refit_on_every_row_keeps_the_choice():
    X, y = _panel()
    labels = (y > np.median(y)).astype(int)
    params = {**FAST, "linear_blend": False}
    refit = _quiet_fit(TabularMLPClassifier(**params), X, labels)
    first = _quiet_fit(TabularMLPClassifier(**params, refit_on_all_rows=False), X, labels)
    unseen = X[:5] + 1e-3
    assert not np.allclose(refit.predict_proba(unseen), first.predict_proba(unseen))  # refit
    for key in ("keys", "sums", "weights", "strength"):
        np.testing.assert_array_equal(refit.repeated_rows_[key], first.repeated_rows_[key])
    assert refit.repeated_rows_["weights"].sum() == len(labels)  # every row, held out or not


def test_sparse_rows_meet_their_dense_copies():
    X, y = _panel(persons=100)
    est = _quiet_fit(TabularMLPRegressor(**FAST), sparse.csr_matrix(X), y)
    assert est.repeated_rows_ is not None
    np.testing.assert_array_equal(est.predict(X), est.predict(sparse.csr_matrix(X)))


def test_the_drop_ins_keep_it_off_and_it_must_be_a_bool():
    X, y = _panel(persons=100)
    for cls in (MLPClassifier, MLPRegressor):
        assert cls().get_params()["repeated_rows"] is False
    assert _quiet_fit(MLPRegressor(**FAST), X, y).repeated_rows_ is None
    with pytest.raises(ValueError, match="repeated_rows"):
        TabularMLPRegressor(repeated_rows="yes").fit(X, y)


def test_a_model_file_and_a_pickle_keep_it(tmp_path):
    X, y = _panel(persons=100)
    est = _quiet_fit(TabularMLPRegressor(**FAST), X, y)
    loaded = skact.load(skact.save(est, tmp_path / "m.skact"))
    np.testing.assert_allclose(loaded.predict(X), est.predict(X), rtol=1e-12)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X), est.predict(X))


@pytest.mark.parametrize("edit", [
    lambda memory: memory.update(keys=memory["keys"][::-1].copy()),  # not sorted
    lambda memory: memory.update(sums=np.ones((3, 1))),  # not one per key
    lambda memory: memory.update(weights=-memory["weights"]),
    lambda memory: memory.update(strength=np.float64(np.nan)),
    lambda memory: memory.pop("sums"),
])
def test_fitted_rows_that_do_not_fit_are_refused_when_loading(edit):
    X, y = _panel(persons=100)
    state = _quiet_fit(TabularMLPRegressor(**FAST), X, y).__getstate__()
    edit(state["repeated_rows_"])
    with pytest.raises(ValueError, match=r"repeated_rows_\) do not fit its 1 outputs"):
        TabularMLPRegressor().__setstate__(state)
