"""Every private part of torch that skact uses, in one place, each with its public fallback.

A contract test (tests/engine/test_torch_internals.py) fails, naming the torch release, when
one of them changes upstream; where a public path exists, the code here takes it whenever the
private one is missing, so a new torch costs speed, never results.

**Multi-tensor kernels** (``torch._foreach_*``): one launch for all of a network's layers
instead of one per layer, in the L2 penalty, best-epoch copies and gradient diagnostics:
:func:`foreach_norm`, :func:`foreach_add_`, :func:`foreach_copy_`.

**Optimizers called without the wrappers a small fit pays for.** Two costs of torch's
optimizers that have nothing to do with the update itself:

* ``Optimizer.step`` is wrapped twice: on the class, at construction, to run step hooks and
  a profiler record (about a quarter of a fused Adam step on a small network); and in its
  definition, to switch gradients off and mark graph breaks for ``torch.compile``.
* Both that definition wrapper and ``Optimizer.add_param_group`` (called by every
  optimizer's constructor) import ``torch._dynamo`` on first use: 1.5-2 s on a 2-core
  machine, a fifth of a one-trial ``skact tune`` and of the first fit in every worker
  process GridSearchCV or a parallel search starts, though nothing there is compiled.

:func:`bare_optimizer_steps` returns the steps to call directly and
:func:`optimizers_built_without_dynamo` builds optimizers without that import, each only
where the wrapper has nothing to do: no hook registered, no differentiable optimizer, and
``torch._dynamo`` not loaded (in a process that has not imported it nothing is compiling,
so marking graph breaks or disabling tracing is a no-op). Anything unusual keeps torch's
own calls, so the update computed is the same either way.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading

import torch
import torch.optim.optimizer as torch_optimizer

__all__ = ["bare_optimizer_steps", "foreach_add_", "foreach_copy_", "foreach_norm",
           "optimizers_built_without_dynamo"]

# the cache ``torch._disable_dynamo`` keeps on the function it wraps; where it is set,
# the wrapper calls it instead of importing torch._dynamo to build it
_DISABLED_CACHE = "__dynamo_disable"
# where torch keeps the step hooks of every optimizer, and of one optimizer
_GLOBAL_STEP_HOOKS = ("_global_optimizer_pre_hooks", "_global_optimizer_post_hooks")
_STEP_HOOKS = ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks")
# threads fitting in parallel (a search with n_jobs > 1) share the stand-in: it is taken
# out when the last block using it ends
_stand_in_lock = threading.Lock()
_standing_in = 0


def _dynamo_loaded():
    return "torch._dynamo" in sys.modules


def bare_optimizer_steps(optimizers):
    """Each optimizer's ``step`` without torch's wrappers, or None where one needs them.

    Where no hook is registered, on the optimizer or globally, the function the hook
    wrapper wraps is called directly; if that is torch's gradient-mode wrapper, a plain
    optimizer's update runs under ``torch.no_grad()`` instead, which is all that wrapper
    does outside ``torch.compile``. Anything unusual (a hook, a ``step`` replaced on the
    instance, an optimizer class whose step is not wrapped) keeps the usual call.
    """
    # a torch without these registries has changed how it hooks: take its own call
    global_hooks = [getattr(torch_optimizer, name, None) for name in _GLOBAL_STEP_HOOKS]
    if any(hooks is None or hooks for hooks in global_hooks):
        return None
    steps = []
    for optimizer in optimizers:
        step = type(optimizer).step
        inner = getattr(step, "__wrapped__", None)
        hooks = [getattr(optimizer, name, None) for name in _STEP_HOOKS]
        # "step" on the instance: something wraps it there (a learning-rate scheduler
        # counts the optimizer's steps so), which must keep seeing every call
        if (not getattr(step, "hooked", False) or inner is None or "step" in vars(optimizer)
                or any(h is None or h for h in hooks)):
            return None
        update = getattr(inner, "__wrapped__", None)
        if (update is not None and getattr(inner, "__code__", None) is not None
                and inner.__code__.co_name == "_use_grad" and not _dynamo_loaded()
                and not optimizer.defaults.get("differentiable", False)):
            steps.append(functools.partial(_update_without_grad, update, optimizer))
        else:
            steps.append(functools.partial(inner, optimizer))
    return steps


def _update_without_grad(update, optimizer):
    with torch.no_grad():
        return update(optimizer)


@contextlib.contextmanager
def optimizers_built_without_dynamo():
    """Within: optimizers are constructed without importing ``torch._dynamo``.

    ``add_param_group`` is torch's ``_disable_dynamo`` wrapper, which imports dynamo on
    its first call to build the disabled function and caches it on the wrapped one. With
    dynamo not loaded nothing can be tracing, so the plain function is what the disabled
    one would do; it stands in the cache while the block runs and is taken out after, so
    a process that imports dynamo later gets torch's own disabled function.
    """
    global _standing_in
    plain = getattr(torch_optimizer.Optimizer.add_param_group, "__wrapped__", None)
    with _stand_in_lock:
        if plain is None or _dynamo_loaded() or (
                hasattr(plain, _DISABLED_CACHE) and not _standing_in):
            plain = None  # torch's own call
        else:
            setattr(plain, _DISABLED_CACHE, plain)
            _standing_in += 1
    try:
        yield
    finally:
        if plain is not None:
            with _stand_in_lock:  # the last of the threads building optimizers takes it out
                _standing_in -= 1
                if not _standing_in and vars(plain).get(_DISABLED_CACHE) is plain:
                    delattr(plain, _DISABLED_CACHE)


def foreach_norm(tensors):
    """The 2-norm of each tensor, as one stacked tensor."""
    if hasattr(torch, "_foreach_norm"):
        return torch.stack(torch._foreach_norm(tensors))
    return torch.stack([torch.linalg.vector_norm(t) for t in tensors])


def foreach_add_(tensors, others, alpha=1.0):
    """``tensors[i] += alpha * others[i]`` in place; ``others`` tensors, or one scalar
    tensor to multiply ``alpha`` by (a per-step coefficient)."""
    if hasattr(torch, "_foreach_add_"):
        if isinstance(alpha, torch.Tensor):
            torch._foreach_add_(tensors, torch._foreach_mul(others, alpha))
        else:
            torch._foreach_add_(tensors, others, alpha=alpha)
        return
    for t, o in zip(tensors, others):
        if isinstance(alpha, torch.Tensor):
            t.add_(o * alpha)
        else:
            t.add_(o, alpha=alpha)


def foreach_copy_(targets, sources):
    """``targets[i].copy_(sources[i])`` for every pair."""
    if hasattr(torch, "_foreach_copy_"):
        torch._foreach_copy_(targets, sources)
        return
    for t, s in zip(targets, sources):
        t.copy_(s)
