"""The hand-written backward pass for plain MLPs: the same training as autograd's.

A plain MLP (Linear layers joined by relu, leaky_relu, tanh, sigmoid or identity) trains
without autograd; these tests hold that the fitted model is the one autograd would give,
and that anything the shortcut cannot honour (hooks, other layers) still trains through
autograd.
"""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification, make_regression

import skact.engine.net
from skact import MLPClassifier, MLPRegressor
from skact.engine.callbacks import Callback
from skact.engine.manual_backward import manual_step_for

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _fit_both(make, X, y, monkeypatch, **fit_params):
    manual = make().fit(X, y, **fit_params)
    with monkeypatch.context() as patch:
        patch.setattr(skact.engine.net, "manual_step_for", lambda net: None)
        autograd = make().fit(X, y, **fit_params)
    return manual, autograd


def _assert_same_fit(manual, autograd):
    assert manual.n_iter_ == autograd.n_iter_
    np.testing.assert_allclose(manual.loss_curve_, autograd.loss_curve_, rtol=1e-4)
    for a, b in zip(manual.coefs_ + manual.intercepts_, autograd.coefs_ + autograd.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_classifier_fits_as_autograd_would(activation, n_classes, monkeypatch):
    X, y = make_classification(120, 6, n_informative=4, n_classes=n_classes, random_state=0)
    X = X.astype(np.float32)

    def make():
        return MLPClassifier((9, 7), activation=activation, max_iter=15, batch_size=50,
                             alpha=1e-3, random_state=0)

    _assert_same_fit(*_fit_both(make, X, y, monkeypatch))


def test_weights_label_smoothing_and_multilabel_outputs_fit_as_autograd_would(monkeypatch):
    X, y = make_classification(90, 5, n_informative=3, n_classes=3, random_state=1)
    X = X.astype(np.float32)
    weights = np.random.default_rng(0).uniform(0.2, 3.0, len(y))

    def smoothed():
        return MLPClassifier((8,), max_iter=12, batch_size=32, alpha=1e-2, random_state=0,
                             label_smoothing=0.1)

    _assert_same_fit(*_fit_both(smoothed, X, y, monkeypatch, sample_weight=weights))
    multilabel = np.stack([y == 0, y == 1], axis=1).astype(int)

    def logistic():
        return MLPClassifier((8,), max_iter=12, random_state=0, label_smoothing=0.05)

    _assert_same_fit(*_fit_both(logistic, X, multilabel, monkeypatch))


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_a_regressor_fits_as_autograd_would(loss, monkeypatch):
    X, y = make_regression(100, 4, n_targets=2, noise=0.1, random_state=0)
    X = X.astype(np.float32) / 10
    if loss == "poisson":
        y = np.random.default_rng(0).poisson(np.exp(X[:, :2])).astype(float)
    else:
        y = y / 100
    weights = np.arange(1, len(y) + 1, dtype=float)

    def make():
        return MLPRegressor(loss, (10, 6), activation="tanh", max_iter=20,
                            batch_size=40, alpha=1e-3, random_state=0)

    _assert_same_fit(*_fit_both(make, X, y, monkeypatch))
    _assert_same_fit(*_fit_both(make, X, y, monkeypatch, sample_weight=weights))


def test_float64_and_partial_fit_train_as_autograd_would(monkeypatch):
    X, y = make_classification(80, 5, random_state=2)

    def make():
        return MLPClassifier((6,), max_iter=10, random_state=0)

    _assert_same_fit(*_fit_both(make, X, y, monkeypatch))  # float64 inputs stay float64

    def partial():
        model = MLPClassifier((6,), random_state=0)
        for _ in range(4):
            model.partial_fit(X, y, classes=[0, 1])
        return model

    manual = partial()
    with monkeypatch.context() as patch:
        patch.setattr(skact.engine.net, "manual_step_for", lambda net: None)
        autograd = partial()
    _assert_same_fit(manual, autograd)


class _CountForwards(Callback):
    """A user's forward hook on the first layer and a step hook on the optimizer."""

    def on_train_begin(self, net, **kwargs):
        self.forwards, self.steps = 0, 0
        first = net.module_.layers[0]
        self._handles = [
            first.register_forward_hook(lambda *args: setattr(self, "forwards", self.forwards + 1)),
            net.optimizer_.register_step_post_hook(
                lambda *args: setattr(self, "steps", self.steps + 1)),
        ]

    def on_train_end(self, net, **kwargs):
        for handle in self._handles:
            handle.remove()


def test_a_users_module_and_optimizer_hooks_still_run():
    X, y = make_classification(60, 4, random_state=0)
    counter = _CountForwards()
    MLPClassifier((5,), max_iter=3, batch_size=20, random_state=0).fit(X, y, callbacks=[counter])
    assert counter.steps == 9  # 3 epochs of 3 batches
    assert counter.forwards >= 9  # every training batch went through the hooked layer


def test_only_plain_mlps_take_the_hand_written_path():
    X, y = make_classification(60, 4, random_state=0)
    plain = MLPClassifier((5,), max_iter=1, random_state=0).fit(X, y)
    assert manual_step_for(plain.net_) is not None
    for params in ({"dropout": 0.2}, {"batch_norm": True}, {"activation": "gelu"},
                   {"learnable_activation": True}, {"input_scaling": "robust"}):
        model = MLPClassifier((5,), max_iter=1, random_state=0, **params).fit(X, y)
        assert manual_step_for(model.net_) is None, params
    frozen = MLPClassifier((5,), max_iter=1, random_state=0).fit(X, y)
    frozen.net_.module_.layers[0].weight.requires_grad_(False)
    assert manual_step_for(frozen.net_) is None
    with torch.no_grad():
        assert manual_step_for(plain.net_) is None


@pytest.mark.filterwarnings("error:Detected call of `lr_scheduler.step()`")
def test_a_torch_learning_rate_scheduler_sees_every_optimizer_step():
    from skorch.callbacks import LRScheduler

    X, y = make_classification(60, 4, random_state=0)
    scheduler = LRScheduler("StepLR", step_size=4, gamma=0.5, step_every="batch")
    model = MLPClassifier((5,), max_iter=4, batch_size=20, learning_rate_init=0.01,
                          random_state=0).fit(X, y, callbacks=[scheduler])
    # 12 steps: the rate halved after every 4th
    assert model.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.01 * 0.5 ** 3)
