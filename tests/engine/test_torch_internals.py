"""torch's private parts that skact uses (skact/engine/torch_internals.py): the contract.

A process that fits a skact model never compiles anything, yet torch's optimizer wrappers
import ``torch._dynamo`` (1.5-2 s) on first use; skact calls around them where they have
nothing to do. These tests hold that the fitted weights are bitwise the ones torch's own
calls give, that a fresh process fitting every kind of estimator does not import dynamo,
that torch's behaviour is left as it was, and (the contract tests) that the private names
skact relies on are still there, failing with the torch release that changed them, and that
the public fallbacks compute the same numbers.
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
import skact.engine.torch_internals
import skact.engine.torch_internals as torch_internals
from skact import MLPClassifier, MLPRegressor, TabularMLPRegressor
from skact.engine.torch_internals import (
    bare_optimizer_steps,
    foreach_add_,
    foreach_copy_,
    foreach_norm,
    optimizers_built_without_dynamo,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TORCH = f"torch {torch.__version__}"

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
        patch.setattr(skact.engine.torch_internals, "_dynamo_loaded", lambda: False)
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


def test_a_process_that_fits_every_kind_of_estimator_does_not_import_dynamo():
    proc = subprocess.run([sys.executable, "-c", FIT_EVERY_KIND], capture_output=True,
                          text=True, env=skact_env(), timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False"], proc.stdout + proc.stderr


def _plain_add_param_group():
    return torch_optimizer.Optimizer.add_param_group.__wrapped__


def test_building_optimizers_leaves_torchs_dynamo_cache_as_it_was(monkeypatch):
    """Outside the block, a process that imports dynamo later gets torch's disabled function."""
    monkeypatch.setattr(skact.engine.torch_internals, "_dynamo_loaded", lambda: False)
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
    monkeypatch.setattr(skact.engine.torch_internals, "_dynamo_loaded", lambda: True)
    plain = _plain_add_param_group()
    before = vars(plain).get("__dynamo_disable")
    with optimizers_built_without_dynamo():
        assert vars(plain).get("__dynamo_disable") is before  # nothing stood in
    optimizer = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    (step,) = bare_optimizer_steps([optimizer])
    assert step.func is type(optimizer).step.__wrapped__  # torch's gradient-mode wrapper


def test_a_differentiable_optimizer_keeps_torchs_gradient_mode_wrapper(monkeypatch):
    monkeypatch.setattr(skact.engine.torch_internals, "_dynamo_loaded", lambda: False)
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


def test_contract_the_dynamo_cache_is_where_skact_stands_in():
    """torch's ``_disable_dynamo`` caches the disabled function on the wrapped one under the
    name skact fills; if that changed, building optimizers imports dynamo again (slower,
    same numbers): update torch_internals for the new release."""
    source = inspect.getsource(torch._disable_dynamo)
    assert torch_internals._DISABLED_CACHE in source, (
        f"{TORCH}: _disable_dynamo no longer caches under {torch_internals._DISABLED_CACHE!r}")
    assert callable(getattr(torch_optimizer.Optimizer.add_param_group, "__wrapped__", None)), (
        f"{TORCH}: Optimizer.add_param_group is no longer a wrapper with __wrapped__")


def test_contract_optimizer_steps_are_wrapped_as_skact_expects():
    optimizer = torch.optim.Adam([torch.zeros(2, requires_grad=True)])
    for name in torch_internals._GLOBAL_STEP_HOOKS:
        assert isinstance(getattr(torch_optimizer, name, None), dict), (
            f"{TORCH}: torch.optim.optimizer.{name} is gone; skact then takes torch's own "
            "step (slower, same numbers)")
    for name in torch_internals._STEP_HOOKS:
        assert isinstance(getattr(optimizer, name, None), dict), f"{TORCH}: Optimizer.{name}"
    step = type(optimizer).step
    assert getattr(step, "hooked", False) and callable(getattr(step, "__wrapped__", None)), (
        f"{TORCH}: Optimizer.step is no longer the hook wrapper skact steps around")
    assert bare_optimizer_steps([optimizer]) is not None, f"{TORCH}: no bare step found"


@pytest.mark.parametrize("name", ["_foreach_norm", "_foreach_add_", "_foreach_mul",
                                  "_foreach_copy_"])
def test_contract_multi_tensor_kernels_exist(name):
    assert callable(getattr(torch, name, None)), (
        f"{TORCH}: torch.{name} is gone; skact falls back to one call per tensor")


def test_multi_tensor_helpers_match_their_fallbacks(monkeypatch):
    """With the private kernels hidden, the public per-tensor path gives the same numbers."""
    gen = torch.Generator().manual_seed(0)
    tensors = [torch.randn(3, 4, generator=gen), torch.randn(5, generator=gen)]
    others = [torch.randn(3, 4, generator=gen), torch.randn(5, generator=gen)]
    coef = torch.tensor(0.3)

    def run():
        a, b = [t.clone() for t in tensors], [t.clone() for t in tensors]
        foreach_add_(a, others, alpha=0.5)
        foreach_add_(b, others, alpha=coef)
        c = [torch.empty_like(t) for t in tensors]
        foreach_copy_(c, others)
        return foreach_norm(tensors), a, b, c

    fast = run()
    for name in ("_foreach_norm", "_foreach_add_", "_foreach_copy_"):
        monkeypatch.delattr(torch, name)
    slow = run()
    torch.testing.assert_close(fast[0], slow[0])
    for x, y in zip(fast[1:], slow[1:]):
        for s, u in zip(x, y):
            torch.testing.assert_close(s, u)


def test_without_the_hook_registries_torchs_own_step_is_taken(monkeypatch):
    monkeypatch.delattr(torch_optimizer, "_global_optimizer_pre_hooks")
    optimizer = torch.optim.Adam([torch.zeros(2, requires_grad=True)])
    assert bare_optimizer_steps([optimizer]) is None
