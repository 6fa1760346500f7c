"""The tabular recipe's parameters: schedules, weight decay, label smoothing, learnable
activations, input scaling, numeric embeddings, restoring the best weights."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import Callback

from skact import (
    CNNClassifier,
    MLPClassifier,
    MLPRegressor,
    TabularMLPClassifier,
    TabularMLPRegressor,
)
from skact.nn.layers import LearnableActivation, PeriodicEmbedding, embedded_columns
from skact.nn.schedules import SCHEDULES, factor

SMALL = {"hidden_layer_sizes": (8,), "max_iter": 20, "random_state": 0}


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(200, 6, n_informative=4, random_state=0)
    return X.astype(np.float32), y


def lrs(est):
    return [record["lr"] for record in est.history_]


# ------------------------------------------------------------------ validation --
@pytest.mark.parametrize(("param", "value", "match"), [
    ("lr_schedule", "linear", "'lr_schedule' parameter .* one of 'constant', 'cosine'"),
    ("warmup_fraction", 1.0, "'warmup_fraction' parameter"),
    ("weight_decay", -0.1, "'weight_decay' parameter .* or 'auto'"),
    ("weight_decay", "strong", "'weight_decay' parameter .* or 'auto'. Got 'strong'"),
    ("weight_decay", True, "'weight_decay' parameter"),
    ("learnable_activation", "yes", "'learnable_activation' parameter"),
    ("input_scaling", "standard", "'input_scaling' parameter .* None or 'robust'"),
    ("numeric_embedding", "fourier", "'numeric_embedding' parameter .* 'periodic'"),
    ("label_smoothing", 1.0, "'label_smoothing' parameter"),
    ("batch_size", "large", "'batch_size' parameter"),
])
def test_bad_recipe_values_are_named_at_fit(binary, param, value, match):
    est = MLPClassifier(**{param: value}, **SMALL)  # construction never raises
    with pytest.raises(ValueError, match=match):
        est.fit(*binary)


def test_a_schedule_and_sgds_own_schedule_cannot_both_be_set(binary):
    est = MLPClassifier(solver="sgd", learning_rate="adaptive", lr_schedule="cosine", **SMALL)
    with pytest.raises(ValueError, match="Use one of them"):
        est.fit(*binary)


# -------------------------------------------------------------------- schedules --
def test_schedule_shapes():
    assert set(SCHEDULES) == {"constant", "cosine", "flat_cosine", "cosine_cycles"}
    assert factor("cosine", 0.0) == 1.0 and factor("cosine", 1.0) == pytest.approx(0.0)
    assert factor("flat_cosine", 0.4) == 1.0 and factor("flat_cosine", 0.75) == pytest.approx(0.5)
    # four cycles that end at zero at t = 1/15, 3/15, 7/15 and 1
    for t in (1 / 15, 3 / 15, 7 / 15, 1.0):
        assert factor("cosine_cycles", t) == pytest.approx(0.0, abs=1e-12)
    assert factor("cosine_cycles", (2 ** 0.5 - 1) / 15) == pytest.approx(1.0)
    assert factor("constant", 0.01, warmup_fraction=0.1) == pytest.approx(0.1)


def test_cosine_schedule_decays_the_rate_the_optimizer_uses(binary):
    est = MLPClassifier(lr_schedule="cosine", learning_rate_init=0.01, **SMALL).fit(*binary)
    rates = lrs(est)
    # one batch per epoch: the first step runs at the full rate, the last near zero
    assert rates[0] == 0.01 > rates[1] and rates[-1] == pytest.approx(0.0, abs=1e-4)
    assert all(a >= b for a, b in zip(rates, rates[1:]))


def test_warmup_ramps_the_rate_up_first(binary):
    est = MLPClassifier(warmup_fraction=0.5, learning_rate_init=0.01, **SMALL).fit(*binary)
    rates = lrs(est)
    assert rates[0] < rates[5] < rates[9] == pytest.approx(0.01, rel=0.2)
    assert rates[-1] == pytest.approx(0.01)


def test_constant_schedule_leaves_the_rate_alone(binary):
    assert set(lrs(MLPClassifier(**SMALL).fit(*binary))) == {0.001}


def test_partial_fit_continues_the_schedule(binary):
    X, y = binary
    est = MLPClassifier(lr_schedule="cosine", max_iter=4, hidden_layer_sizes=(8,),
                        batch_size=200, random_state=0)
    rates = []
    for _ in range(4):
        est.partial_fit(X, y, classes=[0, 1])
        rates.append(est.net_.optimizer_.param_groups[0]["lr"])
    assert rates == sorted(rates, reverse=True) and rates[0] > rates[-1]


def test_reaching_max_iter_on_a_schedule_is_not_a_convergence_failure(binary):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        MLPClassifier(lr_schedule="cosine", **SMALL).fit(*binary)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPClassifier(**SMALL).fit(*binary)


# ------------------------------------------------------- optimizer and loss --
def test_weight_decay_is_decoupled_adamw_and_shrinks_weights(binary):
    plain = MLPClassifier(alpha=0.0, **SMALL).fit(*binary)
    decayed = MLPClassifier(alpha=0.0, weight_decay=0.5, **SMALL).fit(*binary)
    assert isinstance(decayed.net_.optimizer_, torch.optim.AdamW)
    assert type(plain.net_.optimizer_) is torch.optim.Adam
    norm = [np.linalg.norm(est.coefs_[0]) for est in (plain, decayed)]
    assert norm[1] < norm[0]


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_auto_weight_decay_is_four_per_epoch_whatever_the_batches(solver):
    """'auto' spreads a decay of 4 over an epoch's batches: one batch decays by 4 a step,
    four batches by 1 a step, so the shrink per pass over the data is the same."""
    X, y = make_regression(n_samples=400, n_features=4, noise=5.0, random_state=0)
    for batch_size, per_step in ((400, 4.0), (100, 1.0)):
        est = MLPRegressor(weight_decay="auto", batch_size=batch_size, solver=solver,
                           max_iter=3, random_state=0).fit(X, y)
        assert [g["weight_decay"] for g in est.net_.optimizer_.param_groups] == [per_step]
        if solver == "adam":
            assert isinstance(est.net_.optimizer_, torch.optim.AdamW)


def test_auto_weight_decay_shrinks_a_small_regressions_weights():
    X, y = make_regression(n_samples=200, n_features=8, noise=20.0, random_state=0)
    plain, decayed = (TabularMLPRegressor(weight_decay=decay, random_state=0).fit(X, y)
                      for decay in (0.0, "auto"))
    for before, after in zip(plain.coefs_, decayed.coefs_):
        assert np.linalg.norm(after) < 0.9 * np.linalg.norm(before)
    # and the learnable activations towards the identity (a blend of 0)
    assert np.abs(decayed.activation_blend_[0]).mean() < np.abs(plain.activation_blend_[0]).mean()


def test_weight_decay_is_searchable_with_auto():
    X, y = make_regression(n_samples=120, n_features=4, noise=5.0, random_state=0)
    search = GridSearchCV(TabularMLPRegressor(max_iter=4, random_state=0),
                          {"weight_decay": [0.0, "auto"]}, cv=2).fit(X, y)
    assert search.best_params_["weight_decay"] in (0.0, "auto")
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_label_smoothing_makes_probabilities_less_extreme():
    X, y = load_breast_cancer(return_X_y=True)
    kw = {"max_iter": 60, "random_state": 0, "input_scaling": "robust"}
    sharp = MLPClassifier(**kw).fit(X, y).predict_proba(X).max(1)
    smooth = MLPClassifier(label_smoothing=0.2, **kw).fit(X, y).predict_proba(X).max(1)
    assert smooth.mean() < sharp.mean()
    assert smooth.max() < 0.99 < sharp.max()


# ---------------------------------------------------------- learnable blends --
def test_learnable_activation_learns_a_blend_per_unit(binary):
    est = MLPClassifier(hidden_layer_sizes=(8, 5), learnable_activation=True, max_iter=30,
                        learning_rate_init=0.01, random_state=0).fit(*binary)
    blends = est.activation_blend_
    assert [b.shape for b in blends] == [(8,), (5,)]
    assert not np.allclose(np.concatenate(blends), 1.0)  # moved away from the start


def test_learnable_activation_in_a_cnn_has_one_blend_per_channel():
    rng = np.random.RandomState(0)
    X = rng.randn(60, 16).astype(np.float32)
    y = (X[:, :8].sum(1) > 0).astype(int)
    est = CNNClassifier(conv_channels=(4,), hidden_layer_sizes=(6,), learnable_activation=True,
                        max_iter=3, random_state=0).fit(X, y)
    assert [b.shape for b in est.activation_blend_] == [(4,), (6,)]


def test_no_blend_without_learnable_activation(binary):
    est = MLPClassifier(**SMALL).fit(*binary)
    with pytest.raises(AttributeError, match="learnable_activation=False"):
        est.activation_blend_  # noqa: B018


def test_learnable_activation_starts_as_the_plain_activation():
    layer = LearnableActivation(torch.nn.Tanh(), 3)
    x = torch.linspace(-2, 2, 12).reshape(4, 3)
    torch.testing.assert_close(layer(x), torch.tanh(x))


# ------------------------------------------------------------ input layers --
@pytest.mark.parametrize("embedding", [None, "periodic", "piecewise_linear"])
def test_robust_scaling_inside_the_network_makes_feature_units_irrelevant(binary, embedding):
    X, y = binary
    kw = {"input_scaling": "robust", "numeric_embedding": embedding, **SMALL}
    raw = MLPClassifier(**kw).fit(X.astype(np.float64), y)
    shifted = X.astype(np.float64) * 1000.0 + 5.0
    rescaled = MLPClassifier(**kw).fit(shifted, y)
    np.testing.assert_allclose(raw.predict_proba(X), rescaled.predict_proba(shifted), atol=1e-6)


def test_robust_scaling_keeps_outliers_from_dominating():
    rng = np.random.RandomState(0)
    X = rng.randn(300, 3)
    y = (X[:, 0] > 0).astype(int)
    X[:5, 0] = 1e6  # a few wild values
    est = MLPClassifier(input_scaling="robust", learning_rate_init=0.01,
                        **{**SMALL, "max_iter": 80}).fit(X, y)
    assert est.score(X[5:], y[5:]) > 0.9


def test_embeddings_expand_only_columns_with_many_values():
    n = 40
    X = np.column_stack([np.arange(float(n)), np.tile([0.0, 1.0], n // 2),
                         np.arange(n) % 5.0, np.ones(n)])
    mask = embedded_columns(X)
    assert mask.tolist() == [True, False, False, False]  # flags and 5-level codes stay as is
    layer = PeriodicEmbedding(mask)
    out = layer(torch.as_tensor(X, dtype=torch.float32)).detach()
    assert out.shape == (n, 3 + 4)  # three plain columns, one column as 4 dimensions
    np.testing.assert_array_equal(out[:, :3].numpy(), X[:, 1:])


def test_periodic_embedding_gradients_are_autograds():
    # the layer has a backward pass of its own; it must be what autograd gives for the
    # plain formula, for every parameter and for the input (a trained layer before it)
    rng = np.random.RandomState(0)
    X = torch.tensor(rng.randn(30, 5), requires_grad=True)
    mask = np.array([True, False, True, True, False])
    layer = PeriodicEmbedding(mask, generator=torch.Generator().manual_seed(0)).double()
    weights = torch.as_tensor(rng.randn(30, layer.n_out))
    (layer(X) * weights).sum().backward()
    ours = [X.grad] + [p.grad for p in layer.parameters()]

    X_ref = X.detach().clone().requires_grad_(True)
    params = [p.detach().clone().requires_grad_(True) for p in layer.parameters()]
    weight, bias, frequency, phase = params  # the order the layer registers them in
    x = X_ref[:, torch.as_tensor(mask)]
    features = torch.cos(2 * np.pi * x.unsqueeze(2) * frequency + phase)
    learned = torch.einsum("rck,cke->rce", features, weight) + bias
    embedded = torch.cat([x.unsqueeze(2), learned], dim=2).flatten(1)
    out = torch.cat([X_ref[:, torch.as_tensor(~mask)], embedded], dim=1)
    (out * weights).sum().backward()
    np.testing.assert_allclose(layer(X).detach(), out.detach(), rtol=1e-12, atol=1e-12)
    for got, want in zip(ours, [X_ref.grad] + [p.grad for p in params]):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_periodic_embedding_fits_a_threshold_a_plain_mlp_struggles_with():
    rng = np.random.RandomState(0)
    X = rng.uniform(-3, 3, size=(400, 1))
    y = np.sin(3 * X[:, 0])
    kw = {"hidden_layer_sizes": (32,), "max_iter": 150, "learning_rate_init": 0.01,
          "random_state": 0}
    plain = MLPRegressor(**kw).fit(X, y).score(X, y)
    embedded = MLPRegressor(numeric_embedding="periodic", **kw).fit(X, y).score(X, y)
    assert embedded > max(plain, 0.9)


def test_input_layers_work_on_sparse_input(binary):
    import scipy.sparse as sp

    X, y = binary
    est = MLPClassifier(input_scaling="robust", numeric_embedding="periodic", **SMALL)
    assert est.fit(sp.csr_matrix(X), y).predict(sp.csr_matrix(X)).shape == y.shape


# ------------------------------------------------------------- best weights --
class _SpoilLastEpoch(Callback):
    """Blows the weights up at the start of the last epoch: a late, finite blow-up."""

    def __init__(self, last):
        self.last = last

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.last:
            with torch.no_grad():
                for p in net.module_.parameters():
                    p.mul_(30.0)


def test_a_fit_that_ends_far_above_its_best_loss_keeps_the_best_weights():
    X, y = make_regression(100, 5, noise=1.0, random_state=0)
    est = MLPRegressor(hidden_layer_sizes=(16,), max_iter=30, learning_rate_init=0.01,
                       random_state=0)
    with pytest.warns(ConvergenceWarning, match="so the weights of epoch 29 were kept"):
        est.fit(X, y, callbacks=[_SpoilLastEpoch(30)])
    assert est.loss_curve_[-1] > 2 * est.loss_
    assert est.loss_ == pytest.approx(min(est.loss_curve_))
    # the model is the one of epoch 29, exactly as a 29-epoch fit leaves it
    reference = MLPRegressor(hidden_layer_sizes=(16,), max_iter=29, learning_rate_init=0.01,
                             random_state=0).fit(X, y)
    np.testing.assert_allclose(est.predict(X), reference.predict(X))


# --------------------------------------------------------------- batch norm --
def test_batch_norm_trains_when_the_last_batch_would_be_one_row():
    rng = np.random.RandomState(0)
    X = rng.randn(201, 16).astype(np.float32)  # batches of 200 and 1: the 1 joins the 200
    y = (X[:, 0] > 0).astype(int)
    est = CNNClassifier(conv_channels=(4,), max_iter=2, random_state=0).fit(X, y)
    assert est.batch_norm and len(est.net_.history) == 2


def test_batch_norm_on_a_single_sample_says_what_to_do():
    X = np.ones((2, 4))
    est = MLPRegressor(batch_norm=True, max_iter=2)
    with pytest.raises(ValueError, match="batch_norm=True needs at least 2 samples"):
        est.fit(X[:1], [1.0])


# ------------------------------------------------------------ the estimators --
@pytest.mark.parametrize("cls", [TabularMLPClassifier, TabularMLPRegressor])
def test_tabular_defaults_switch_the_recipe_on(cls):
    params = cls().get_params()
    assert params["input_scaling"] == "robust"
    assert params["numeric_embedding"] == "periodic"
    assert params["learnable_activation"] is True
    # restarts serve best-epoch selection (the regressor); one anneal serves the classifier
    assert params["lr_schedule"] == ("cosine_cycles" if cls is TabularMLPRegressor
                                     else "flat_cosine")
    assert params["n_iter_no_change"] == np.inf  # best-epoch selection where it is on
    # both keep the best epoch on held-out rows, which also judge the constant and linear
    # models (constant_fallback, linear_blend)
    assert params["early_stopping"] is True and params["validation_fraction"] == 0.2
    assert params["constant_fallback"] is True and params["linear_blend"] is True
    # decay pulls learnable activations towards the identity: right for small noisy
    # regressions, wrong for a classifier's features
    assert params["weight_decay"] == ("auto" if cls is TabularMLPRegressor else 0.0)
    assert isinstance(cls(), MLPClassifier if "Classifier" in cls.__name__ else MLPRegressor)


@pytest.mark.parametrize("cls", [TabularMLPClassifier, TabularMLPRegressor])
def test_tabular_defaults_train_on_small_data_without_a_warning(cls):
    """'balanced' batches (all rows when there are fewer than 257) and 'adaptive' ones
    (16 rows at least): a small data set is no reason to warn about a batch size the user
    never chose."""
    X, y = make_classification(n_samples=100, n_features=4, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # two epochs do not train: constant_fallback would rightly say so
        est = cls(max_iter=2, random_state=0, constant_fallback=False).fit(
            X, y.astype(float) if "Regressor" in cls.__name__ else y)
    assert est.get_params()["batch_size"] == ("adaptive" if cls is TabularMLPRegressor
                                              else "balanced")
    est.set_params(batch_size=256)
    with pytest.warns(UserWarning, match="batch_size"):
        est.fit(X, y.astype(float) if "Regressor" in cls.__name__ else y)


class _BatchRows(Callback):
    """Records the rows of every training batch of a fit."""

    def initialize(self):
        self.rows = []
        return self

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training:
            self.rows.append(batch[0].shape[0])


@pytest.mark.parametrize("n_rows, batches", [(300, [150, 150]), (256, [256]), (100, [100]),
                                             (600, [200, 200, 200])])
def test_balanced_batches_are_even(n_rows, batches):
    """'balanced' (the Tabular default) splits rows into equal batches of at most 256: no
    step follows the gradient of a small remainder (300 rows would otherwise train as
    256 + 44)."""
    X, y = make_classification(n_samples=n_rows, n_features=4, random_state=0)
    recorder = _BatchRows()
    # every row trains (no held-out rows), so the batches are those of n_rows
    TabularMLPClassifier(max_iter=2, random_state=0, early_stopping=False).fit(
        X, y, callbacks=[recorder])
    assert sorted(recorder.rows) == sorted(batches * 2)  # two epochs


def test_drop_in_auto_batches_stay_scikit_learns():
    """MLPClassifier's 'auto' is scikit-learn's min(200, n): 300 rows are 200 + 100."""
    X, y = make_classification(n_samples=300, n_features=4, random_state=0)
    recorder = _BatchRows()
    MLPClassifier(max_iter=1, random_state=0).fit(X, y, callbacks=[recorder])
    assert recorder.rows == [200, 100]


def test_drop_in_defaults_keep_the_recipe_off():
    for cls in (MLPClassifier, MLPRegressor):
        params = cls().get_params()
        assert params["lr_schedule"] == "constant" and params["weight_decay"] == 0.0
        assert params["input_scaling"] is None and params["numeric_embedding"] is None
        assert params["learnable_activation"] is False
    assert MLPClassifier().get_params()["label_smoothing"] == 0.0


def test_tabular_classifier_beats_the_drop_in_on_unscaled_data():
    X, y = load_breast_cancer(return_X_y=True)  # features from 0.001 to 4,000: unscaled
    train, test = slice(0, 400), slice(400, None)
    tabular = TabularMLPClassifier(max_iter=20, random_state=0).fit(X[train], y[train])
    drop_in = MLPClassifier(max_iter=20, random_state=0).fit(X[train], y[train])
    assert tabular.score(X[test], y[test]) > max(drop_in.score(X[test], y[test]), 0.93)


def test_recipe_parameters_are_searchable_and_survive_clone_and_pickle(binary):
    X, y = binary
    search = GridSearchCV(
        MLPClassifier(**SMALL),
        {"lr_schedule": ["constant", "flat_cosine"], "learnable_activation": [False, True]},
        cv=2,
    ).fit(X, y)
    assert set(search.cv_results_["param_lr_schedule"]) == {"constant", "flat_cosine"}
    est = clone(TabularMLPRegressor(max_iter=3, random_state=0))
    est.fit(X, y.astype(float))
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(X), est.predict(X))


def test_wide_inputs_are_not_embedded_column_by_column():
    from skact.nn.layers import MAX_EMBEDDED_COLUMNS

    rng = np.random.default_rng(0)
    y = np.tile([0, 1], 20)
    for columns, embedded in ((12, True), (MAX_EMBEDDED_COLUMNS + 1, False)):
        X = rng.normal(size=(40, columns))
        est = TabularMLPClassifier(max_iter=1, random_state=0).fit(X, y)
        layers = list(est.net_.module_.modules())
        assert any(isinstance(m, PeriodicEmbedding) for m in layers) is embedded, columns
        assert est.predict(X).shape == (40,)


@pytest.mark.parametrize(("tabular", "drop_in"), [(TabularMLPClassifier, MLPClassifier),
                                                  (TabularMLPRegressor, MLPRegressor)])
def test_get_params_tells_the_whole_story(tabular, drop_in):
    """No class-level switch sets the Tabular estimators apart: the drop-in built from
    their parameters trains the same network, bit for bit (early stopping's held-out rows,
    batches and partial_fit's availability included)."""
    X, y = make_classification(n_samples=300, n_features=5, random_state=0)
    if tabular is TabularMLPRegressor:
        y = X[:, 0] + 0.1 * X[:, 1]
    sample_weight = 1 + np.arange(300) % 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = tabular(max_iter=3, random_state=0).fit(X, y, sample_weight=sample_weight)
        b = drop_in(**a.get_params()).fit(X, y, sample_weight=sample_weight)
    assert all(torch.equal(p, q) for p, q in zip(a.module_.state_dict().values(),
                                                 b.module_.state_dict().values()))
    assert np.array_equal(a.predict(X), b.predict(X))
    assert hasattr(a, "partial_fit") == hasattr(b, "partial_fit")


def test_validation_split_chooses_the_held_out_rows():
    """'random' and 'content' hold out different rows (how 'content' keeps copies of a row
    together is tests/nn/test_row_noise.py's; that it is the Tabular estimators' split,
    test_get_params_tells_the_whole_story's)."""
    X, y = make_regression(n_samples=200, n_features=4, noise=5.0, random_state=0)
    scores = {}
    for split in ("random", "content"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est = MLPRegressor(early_stopping=True, validation_split=split, max_iter=3,
                               random_state=0).fit(X, y)
        scores[split] = est.validation_scores_
    assert not np.allclose(scores["random"], scores["content"])


def test_validation_split_names_its_choices():
    X, y = make_classification(n_samples=50, n_features=4, random_state=0)
    with pytest.raises(ValueError, match="validation_split.*'random'.*'content'"):
        MLPClassifier(validation_split="hash", early_stopping=True).fit(X, y)


def test_partial_fit_is_hidden_only_for_best_epoch_selection():
    assert hasattr(MLPRegressor(early_stopping=True), "partial_fit")  # raises when called
    assert not hasattr(MLPRegressor(early_stopping=True, n_iter_no_change=np.inf),
                       "partial_fit")
    assert hasattr(TabularMLPRegressor(early_stopping=False), "partial_fit")


def test_too_few_rows_to_hold_out_are_judged_on_the_training_rows():
    """Best-epoch selection (no early stop) on five rows that count: nothing can be held
    out, so the epochs are judged on the training rows, with a warning, rather than the
    Tabular defaults refusing a small data set. A stopping rule still refuses it."""
    rng = np.random.RandomState(0)
    X, y = rng.rand(10, 3), np.array([0] * 5 + [1] * 5)
    weights = np.array([0] * 5 + [1] * 5)  # one class left after the weights
    with pytest.warns(UserWarning, match=r"10 rows are too few to hold out "
                                         r"validation_fraction=0.2 .* judged on the training"):
        est = TabularMLPClassifier(max_iter=3, random_state=0).fit(X, y,
                                                                   sample_weight=weights)
    assert set(est.predict(X)) == {1} and len(est.validation_scores_) == 3
    with pytest.raises(ValueError, match="validation"):
        MLPClassifier(early_stopping=True, max_iter=3).fit(X, y, sample_weight=weights)
