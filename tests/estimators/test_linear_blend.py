"""linear_blend: where the held-out rows cannot tell a linear model from the network, the
predictions average the two (refitted on every row); where the network is clearly better,
it predicts alone."""

import copy
import pickle
import warnings

import numpy as np
import pytest
from scipy import sparse

import skact
from skact import MLPClassifier, MLPRegressor, TabularMLPClassifier, TabularMLPRegressor
from skact.estimators.linear_blend import within_the_noise


def _linear_data(n=40, seed=0, classes=False):
    """A target that is a linear function of 6 features plus noise: ridge's home ground."""
    rng = np.random.RandomState(seed)
    scales = np.array([1, 10, 100, 0.1, 1, 5])
    X = rng.normal(size=(n, 6)) * scales  # unscaled: the linear model scales them itself
    signal = X / scales @ np.array([1.0, -2.0, 0.5, 1.5, 0.0, 1.0])
    if classes:
        return X, np.where(signal + rng.normal(scale=0.5, size=n) > 0, "yes", "no")
    return X, 3.0 * signal + 50 + rng.normal(scale=0.5, size=n)


def _fit(est, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # blending is the recipe, not a fault: no warning
        return est.fit(X, y, **fit_params)


def _alone(est, weight):
    """The fitted estimator predicting with the network alone (0) or the linear model
    alone (1)."""
    other = copy.deepcopy(est)
    other.linear_model_ = {**est.linear_model_, "weight": np.float64(weight)}
    return other


def test_a_linear_regression_averages_the_network_and_ridge(tmp_path):
    X, y = _linear_data(n=150)  # 30 held-out rows: enough to judge on (see below)
    est = _fit(TabularMLPRegressor(max_iter=16, random_state=0), X, y)
    linear = est.linear_model_
    assert linear["coef"].shape == (1, 6) and linear["intercept"].shape == (1,)
    assert linear["weight"] == 0.5 and linear["held_out_rows"] == 30
    network, ridge = _alone(est, 0.0).predict(X), _alone(est, 1.0).predict(X)
    np.testing.assert_allclose(est.predict(X), (network + ridge) / 2, rtol=1e-12)
    assert ridge.std() > 0 and np.abs(network - ridge).max() > 1e-3  # two models
    # in the user's units (the target scaling is undone), and better than the network
    assert est.score(X, y) > 0.95 and est.score(X, y) > _alone(est, 0.0).score(X, y)
    # the network is the one linear_blend=False trains: blending does not touch it
    plain = _fit(TabularMLPRegressor(max_iter=16, random_state=0, linear_blend=False), X, y)
    assert plain.linear_model_ is None
    np.testing.assert_array_equal(plain.coefs_[0], est.coefs_[0])
    np.testing.assert_allclose(plain.predict(X), network, rtol=1e-12)
    # a model file and a pickle keep it
    loaded = skact.load(skact.save(est, tmp_path / "m.skact"))
    np.testing.assert_allclose(loaded.predict(X), est.predict(X), rtol=1e-12)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X), est.predict(X))


def test_a_few_dozen_rows_train_on_every_row_and_average_in_a_cross_validated_ridge():
    """40 rows would hold out 8: too few to judge anything on. The network trains on every
    row (its epochs are judged on them), and ridge regression, its penalty chosen by 5-fold
    cross-validation over every row, is averaged in with weight one half."""
    X, y = _linear_data(n=40)
    est = _fit(TabularMLPRegressor(max_iter=16, random_state=0), X, y)
    linear = est.linear_model_
    assert linear["weight"] == 0.5 and linear["held_out_rows"] == 40
    assert 0.9 < linear["validation_score"] < 1  # ridge's cross-validated R² on this target
    network = _alone(est, 0.0)
    np.testing.assert_allclose(est.predict(X), (network.predict(X) + _alone(est, 1.0).predict(X))
                               / 2, rtol=1e-12)
    # the epochs were judged on all 40 rows, the ones it trained on
    assert network.score(X, y) == pytest.approx(est.best_validation_score_, abs=1e-5)
    # without the blend the network holds its 8 rows out, as at any size
    plain = _fit(TabularMLPRegressor(max_iter=16, random_state=0, linear_blend=False), X, y)
    assert plain.linear_model_ is None
    assert plain.score(X, y) != pytest.approx(plain.best_validation_score_, abs=1e-3)


def test_a_few_dozen_weighted_rows_fit_as_repeated_rows():
    """Cross-validation deals rows to folds by their content: a row of weight 2 and two
    copies of it fall in the same fold, and a row of weight 0 is no row at all."""
    X, y = _linear_data(n=30, seed=3)
    weights = np.tile([2.0, 1.0, 0.0], 10)
    weighted = _fit(TabularMLPRegressor(max_iter=8, random_state=0), X, y,
                    sample_weight=weights)
    repeated = np.repeat(np.arange(30), weights.astype(int))
    copies = _fit(TabularMLPRegressor(max_iter=8, random_state=0), X[repeated], y[repeated])
    for key in ("coef", "intercept", "validation_score", "held_out_rows"):
        np.testing.assert_allclose(weighted.linear_model_[key], copies.linear_model_[key],
                                   rtol=1e-7)


@pytest.mark.parametrize("n, held_out", [(150, 30), (40, None)])
def test_weights_that_sum_to_one_count_as_their_rows(n, held_out):
    """Normalised weights are not one row: 150 rows hold out 30 and are judged on them, 40
    rows hold none out (the few-rows regime), and the fit is the unweighted one (the
    batches, the ridge penalty: everything counts copies)."""
    X, y = _linear_data(n=n)
    plain = _fit(TabularMLPRegressor(max_iter=8, random_state=0), X, y)
    scaled = _fit(TabularMLPRegressor(max_iter=8, random_state=0), X, y,
                  sample_weight=np.full(n, 1.0 / n))
    assert scaled.linear_model_["held_out_rows"] == plain.linear_model_["held_out_rows"]
    if held_out is not None:
        assert plain.linear_model_["held_out_rows"] == held_out
    np.testing.assert_allclose(scaled.predict(X), plain.predict(X), rtol=1e-10)


def test_one_light_row_does_not_multiply_the_rows():
    """Weights of 1 but one of 0.01: about as many rows as without weights, not a hundred
    times as many (the row count, the held-out rows, the regime)."""
    X, y = _linear_data(n=150)
    w = np.ones(150)
    w[0] = 0.01
    est = _fit(TabularMLPRegressor(max_iter=8, random_state=0), X, y, sample_weight=w)
    assert 29 <= est.linear_model_["held_out_rows"] <= 31
    few = _fit(TabularMLPRegressor(max_iter=8, random_state=0), *_linear_data(n=40),
               sample_weight=np.r_[0.01, np.ones(39)])
    assert few.linear_model_["held_out_rows"] == pytest.approx(39.01)  # still a few rows


def test_balanced_class_weights_count_as_given():
    """class_weight='balanced' gives 160 rows weight 0.625 and 40 rows 2.5: some weigh 1 or
    more, so they are copies as they stand, and a fifth of their total (200) is held out."""
    X, y = _linear_data(n=200, classes=True)
    y = np.where(np.arange(200) < 160, "no", "yes")
    X[160:] += 1.0  # a learnable minority
    est = _fit(TabularMLPClassifier(max_iter=8, random_state=0, class_weight="balanced"),
               X, y)
    assert est.linear_model_ is not None
    assert 38 <= est.linear_model_["held_out_rows"] <= 42


def test_cross_validation_leaves_no_fold_empty():
    """Rows are dealt out in turn, so five distinct rows make five folds (hashing each row
    to a fold left one empty about one time in three on 12 rows, one in seven on 16)."""
    from skact.estimators.small_data import _fold_of_each_row

    for seed in range(20):
        X = np.random.RandomState(seed).normal(size=(12, 3))
        folds = _fold_of_each_row(X, np.ones(12), 5)
        assert sorted(np.bincount(folds, minlength=5)) == [2, 2, 2, 3, 3]
    X = np.random.RandomState(0).normal(size=(6, 3))
    twice = _fold_of_each_row(np.vstack([X, X[:1]]), np.ones(7), 5)
    assert twice[0] == twice[-1]  # a copy shares its row's fold


def test_float32_input_gets_float32_predictions():
    X, y = _linear_data()
    est = _fit(TabularMLPRegressor(max_iter=16, random_state=0), X.astype(np.float32), y)
    assert est.linear_model_ is not None
    assert est.predict(X.astype(np.float32)).dtype == np.float32


def test_a_binary_classifier_keeps_its_labels_and_probabilities():
    X, y = _linear_data(n=80, seed=1, classes=True)
    est = _fit(TabularMLPClassifier(max_iter=8, random_state=0), X, y)
    assert est.linear_model_["coef"].shape == (1, 6)  # one logit, as the network has
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(est.predict(X)) == {"yes", "no"} and est.score(X, y) > 0.85
    np.testing.assert_array_equal(est.predict(X), est.classes_[proba.argmax(axis=1)])


def test_a_multiclass_classifier_averages_one_logit_per_class():
    rng = np.random.RandomState(2)
    X = rng.normal(size=(90, 4))
    y = np.argmax(X[:, :3] + rng.normal(scale=0.3, size=(90, 3)), axis=1)
    est = _fit(TabularMLPClassifier(max_iter=8, random_state=0), X, y)
    assert est.linear_model_["coef"].shape == (3, 4)
    assert est.predict_proba(X).shape == (90, 3) and est.score(X, y) > 0.8


def test_a_network_clearly_better_than_a_linear_model_predicts_alone():
    """Two classes in a checkerboard: no line separates them, the network does."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(400, 2))
    y = (np.sign(X[:, 0]) * np.sign(X[:, 1]) > 0).astype(int)
    est = _fit(TabularMLPClassifier(max_iter=30, random_state=0), X, y)
    assert est.linear_model_ is None and est.score(X, y) > 0.9


def test_a_regression_the_network_fits_far_better_predicts_alone(monkeypatch):
    """A curve the network fits to R² 0.99 and a ridge regression to about 0.93: on 60
    held-out rows the ridge is within 1.6 / sqrt(60) = 0.21 of the network in R² (the band
    every regression had before), but leaves several times its error, so it is not averaged
    in."""
    from skact.estimators import linear_blend

    seen = []
    choose = linear_blend._held_out_choice

    def recording(estimator, scorer, kind, X_t, y_t, w_t, best, rows):
        chosen = choose(estimator, scorer, kind, X_t, y_t, w_t, best, rows)
        seen.append((chosen[2], best, rows))
        return chosen

    monkeypatch.setattr(linear_blend, "_held_out_choice", recording)
    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, size=(300, 4))
    y = X[:, 0] + 0.3 * X[:, 0] ** 2 + 0.5 * X[:, 1] + rng.normal(scale=0.1, size=300)
    est = _fit(TabularMLPRegressor(max_iter=16, random_state=0), X, y)
    assert est.best_validation_score_ > 0.98 and est.linear_model_ is None
    [(ridge, best, rows)] = seen
    assert rows == 60 and ridge >= best - 1.6 / np.sqrt(rows)  # the old band let it in
    assert (1 - ridge) > 3 * (1 - best)


@pytest.mark.parametrize("kind, score, best, rows, expected", [
    ("squared_error", 0.93, 0.99, 60, False),  # 7% error against 1%: far outside its noise
    ("squared_error", 0.987, 0.99, 60, True),  # 1.3% against 1%: within 1 + 3.2 / sqrt(60)
    ("squared_error", 0.31, 0.5, 64, True),  # at R² 0.5 the band is 1.6 / sqrt(rows) wide
    ("squared_error", 0.29, 0.5, 64, False),
    ("squared_error", 0.6, 0.5, 64, True),  # above the network
    ("cross_entropy", 0.62, 0.8, 64, True),  # accuracies: 1.6 / sqrt(rows) below, or above
    ("binary", 0.59, 0.8, 64, False),
])
def test_within_the_noise_scales_a_regressions_band_with_its_error(kind, score, best, rows,
                                                                    expected):
    assert within_the_noise(kind, score, best, rows) is expected


def test_weighted_rows_choose_and_fit_as_repeated_rows_do():
    X, y = _linear_data(n=30, seed=3)
    weights = np.random.RandomState(0).randint(1, 4, len(y))
    weighted = _fit(TabularMLPRegressor(max_iter=8, random_state=0), X, y,
                    sample_weight=weights)
    repeated = _fit(TabularMLPRegressor(max_iter=8, random_state=0),
                    X.repeat(weights, axis=0), y.repeat(weights))
    assert weighted.linear_model_ is not None and repeated.linear_model_ is not None
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-6)


def test_each_fit_decides_afresh():
    X, y = _linear_data()
    est = _fit(TabularMLPRegressor(max_iter=16, random_state=0), X, y)
    assert est.linear_model_ is not None
    est.set_params(linear_blend=False)
    assert _fit(est, X, y).linear_model_ is None


@pytest.mark.parametrize("make", [
    lambda X, y: (sparse.csr_matrix(X), y),  # sparse rows: no linear model on them
    lambda X, y: (X, np.column_stack([y, 1 - y])),  # multilabel: no single logistic model
])
def test_sparse_input_and_multilabel_keep_the_network_alone(make):
    X, y = _linear_data(n=80, seed=1, classes=True)
    X, y = make(X, (y == "yes").astype(int))
    est = _fit(TabularMLPClassifier(max_iter=8, random_state=0), X, y)
    assert est.linear_model_ is None


def test_the_drop_ins_keep_it_off_and_it_must_be_a_bool():
    assert MLPClassifier().get_params()["linear_blend"] is False
    assert MLPRegressor().get_params()["linear_blend"] is False
    assert TabularMLPClassifier().get_params()["linear_blend"] is True
    assert TabularMLPRegressor().get_params()["linear_blend"] is True
    X, y = _linear_data()
    with pytest.raises(ValueError, match="linear_blend"):
        TabularMLPRegressor(linear_blend="yes").fit(X, y)
    # without early stopping there are no held-out rows to judge by: the network alone
    est = MLPRegressor(max_iter=300, linear_blend=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a drop-in's ConvergenceWarning
        assert est.fit(X, y).linear_model_ is None


@pytest.mark.parametrize("edit", [
    lambda linear: linear.update(coef=np.ones((1, 99))),  # another number of inputs
    lambda linear: linear.update(weight=np.float64(7.0)),  # not a share
    lambda linear: linear.pop("intercept"),
    lambda linear: linear.update(center=np.array(["a"] * 6)),
])
def test_a_linear_model_that_does_not_fit_is_refused_when_loading(edit, tmp_path):
    X, y = _linear_data()
    est = _fit(TabularMLPRegressor(max_iter=16, random_state=0), X, y)
    state = est.__getstate__()
    edit(state["linear_model_"])
    with pytest.raises(ValueError, match=r"its linear model \(linear_model_\) does not fit "
                                         r"its 6 inputs and 1 outputs"):
        TabularMLPRegressor().__setstate__(state)
