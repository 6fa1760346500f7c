"""skorch's private parts that skact uses (skact/engine/net.py): the contract.

``SkactNet`` overrides skorch's ``_set_training`` (once per fit instead of once per batch:
skorch's own evaluation and validation steps call it, so predict pays it once too) and
calls ``_initialize_optimizer`` on a warm start. These tests fail, naming the skorch
release, when either changes upstream, and hold that the public fallback builds the same
optimizer.
"""

import inspect
import warnings

import numpy as np
import pytest
import skorch
import torch
from skorch import NeuralNet

from skact import MLPRegressor

SKORCH = f"skorch {skorch.__version__}"


@pytest.mark.parametrize("caller", ["evaluation_step", "validation_step"])
def test_contract_skorch_switches_modes_through_set_training(caller):
    assert "_set_training" in inspect.getsource(getattr(NeuralNet, caller)), (
        f"{SKORCH}: NeuralNet.{caller} no longer calls _set_training; SkactNet's override "
        "(train/eval once per fit) is then skipped there: check predict's speed")
    assert list(inspect.signature(NeuralNet._set_training).parameters) == ["self", "training"]


def test_contract_initialize_optimizer_is_there():
    assert callable(getattr(NeuralNet, "_initialize_optimizer", None)), (
        f"{SKORCH}: NeuralNet._initialize_optimizer is gone; SkactNet falls back to the "
        "public initialize_optimizer")


def _warm_started(monkeypatch=None):
    X = np.random.RandomState(0).normal(size=(60, 3))
    y = X[:, 0] - X[:, 1]
    est = MLPRegressor(hidden_layer_sizes=(8,), max_iter=3, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
        if monkeypatch is not None:
            monkeypatch.delattr(NeuralNet, "_initialize_optimizer")
        est.set_params(learning_rate_init=0.01).fit(X, y)
    return est


def test_a_warm_start_without_skorchs_private_call_trains_the_same(monkeypatch):
    expected = _warm_started()
    fallback = _warm_started(monkeypatch)
    assert fallback.net_.optimizer_.param_groups[0]["lr"] == 0.01
    for a, b in zip(expected.module_.parameters(), fallback.module_.parameters()):
        assert torch.equal(a, b)
