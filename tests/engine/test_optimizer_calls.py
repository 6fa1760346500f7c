"""torch's optimizers called without their wrappers: the same fit, and no torch._dynamo import.

A process that fits a skact model never compiles anything, yet torch's optimizer wrappers
import ``torch._dynamo`` (1.5-2 s) on first use; skact calls around them where they have
nothing to do (skact/_optimizer_calls.py). These tests hold that the fitted weights are
bitwise the ones torch's own calls give, that a fresh process fitting every kind of
estimator does not import dynamo, and that torch's behaviour is left as it was.
"""

import contextlib
import inspect
import subprocess
import sys

import pytest
import torch
import torch.optim.optimizer as torch_optimizer
from cli_fixtures import skact_env
from sklearn.datasets import make_classification, make_regression

import skact.engine.build
import skact.engine.net
import skact.engine.optimizer_calls
from skact import MLPClassifier, MLPRegressor, TabularMLPRegressor
from skact.engine.optimizer_calls import bare_optimizer_steps, optimizers_built_without_dynamo

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# torch >= 2.x caches the disabled function on the wrapped one; without that cache there is
# nothing to stand in for, and torch imports dynamo as it always did
TORCH_CACHES_DISABLED = "__dynamo_disable" in inspect.getsource(torch._disable_dynamo)
needs_the_cache = pytest.mark.skipif(not TORCH_CACHES_DISABLED,
                                     reason="this torch has no _disable_dynamo cache")

X_CLS, Y_CLS = make_classification(80, 5, n_informative=3, n_classes=3, random_state=0)
X_REG, Y_REG = make_regression(80, 5, noise=5.0, random_state=0)


@pytest.mark.parametrize("make, X, y", [
    (lambda: MLPClassifier((12,), max_iter=8, random_state=0), X_CLS, Y_CLS),
    (lambda: MLPClassifier((12,), solver="sgd", max_iter=8, random_state=0), X_CLS, Y_CLS),
    (lambda: MLPRegressor(hidden_layer_sizes=(12,), solver="lbfgs", max_iter=8,
                          random_state=0), X_REG, Y_REG),
    (lambda: TabularMLPRegressor(hidden_layer_sizes=(16,), max_iter=4, random_state=0),
     X_REG, Y_REG),
], ids=["adam", "sgd", "lbfgs", "tabular-adamw"])
def test_the_fit_is_bitwise_the_one_torchs_own_calls_give(make, X, y, monkeypatch):
    with monkeypatch.context() as patch:
        # as in a fresh process
        patch.setattr(skact.engine.optimizer_calls, "_dynamo_loaded", lambda: False)
        bare = make().fit(X, y)
    with monkeypatch.context() as patch:  # every call through torch's wrappers
        patch.setattr(skact.engine.net, "bare_optimizer_steps", lambda optimizers: None)
        patch.setattr(skact.engine.net, "optimizers_built_without_dynamo", contextlib.nullcontext)
        patch.setattr(skact.engine.build, "optimizers_built_without_dynamo", contextlib.nullcontext)
        patch.setattr(skact.engine.net.SkactNet, "_clear_grads",
                      lambda net: net._zero_grad_optimizer())
        wrapped = make().fit(X, y)
    assert bare.loss_ == wrapped.loss_ and bare.n_iter_ == wrapped.n_iter_
    ours, theirs = bare.net_.module_.state_dict(), wrapped.net_.module_.state_dict()
    assert list(ours) == list(theirs)
    for name in ours:
        assert torch.equal(ours[name], theirs[name]), name


FIT_EVERY_KIND = """
import sys, warnings
import numpy as np
from sklearn.datasets import make_classification
from skact import CNNClassifier, MLPClassifier, MLPRegressor, TabularMLPClassifier
warnings.simplefilter("ignore")
X, y = make_classification(60, 4, random_state=0)
MLPClassifier(max_iter=2).fit(X, y)
MLPClassifier(solver="sgd", max_iter=2).fit(X, y)
MLPRegressor(solver="lbfgs", max_iter=2).fit(X, y.astype(float))
MLPClassifier(max_iter=2, early_stopping=True).fit(X, y)
MLPClassifier(max_iter=2, warm_start=True).fit(X, y).fit(X, y).partial_fit(X, y)
TabularMLPClassifier(max_iter=2).fit(X, y, sample_weight=np.ones(len(y)))
CNNClassifier(max_iter=2).fit(X.reshape(60, 1, 4).repeat(8, axis=2), y)
print("torch._dynamo" in sys.modules)
"""


@needs_the_cache
def test_a_process_that_fits_every_kind_of_estimator_does_not_import_dynamo():
    proc = subprocess.run([sys.executable, "-c", FIT_EVERY_KIND], capture_output=True,
                          text=True, env=skact_env(), timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False"], proc.stdout + proc.stderr


def _plain_add_param_group():
    return torch_optimizer.Optimizer.add_param_group.__wrapped__


@needs_the_cache
def test_building_optimizers_leaves_torchs_dynamo_cache_as_it_was(monkeypatch):
    """Outside the block, a process that imports dynamo later gets torch's disabled function."""
    monkeypatch.setattr(skact.engine.optimizer_calls, "_dynamo_loaded", lambda: False)
    plain = _plain_add_param_group()
    monkeypatch.delattr(plain, "__dynamo_disable", raising=False)  # as in a fresh process
    with optimizers_built_without_dynamo():
        assert vars(plain)["__dynamo_disable"] is plain
        with optimizers_built_without_dynamo():  # another thread building one meanwhile
            pass
        assert vars(plain)["__dynamo_disable"] is plain  # still there for the first
        optimizer = torch.optim.Adam([torch.zeros(2, requires_grad=True)])
    assert len(optimizer.param_groups) == 1
    assert "__dynamo_disable" not in vars(plain)


def test_with_dynamo_loaded_torch_builds_and_steps_as_usual(monkeypatch):
    monkeypatch.setattr(skact.engine.optimizer_calls, "_dynamo_loaded", lambda: True)
    plain = _plain_add_param_group()
    before = vars(plain).get("__dynamo_disable")
    with optimizers_built_without_dynamo():
        assert vars(plain).get("__dynamo_disable") is before  # nothing stood in
    optimizer = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    (step,) = bare_optimizer_steps([optimizer])
    assert step.func is type(optimizer).step.__wrapped__  # torch's gradient-mode wrapper


def test_a_differentiable_optimizer_keeps_torchs_gradient_mode_wrapper(monkeypatch):
    monkeypatch.setattr(skact.engine.optimizer_calls, "_dynamo_loaded", lambda: False)
    optimizer = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1, differentiable=True)
    (step,) = bare_optimizer_steps([optimizer])
    assert step.func is type(optimizer).step.__wrapped__
    plain = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    (bare,) = bare_optimizer_steps([plain])
    assert bare.args[0] is type(plain).step.__wrapped__.__wrapped__  # the update itself


def test_a_step_hook_keeps_torchs_own_step():
    optimizer = torch.optim.Adam([torch.zeros(2, requires_grad=True)])
    handle = optimizer.register_step_pre_hook(lambda *args: None)
    try:
        assert bare_optimizer_steps([optimizer]) is None
    finally:
        handle.remove()
