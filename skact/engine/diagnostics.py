"""Training diagnostics: dead units, saturated units and gradient flow, per epoch.

An estimator fitted with ``diagnostics=True`` adds :class:`DiagnosticsCallback` to its
skorch net. Every epoch it records, for each hidden layer (each layer whose output goes
through the activation; the output layer has none):

- ``dead_fraction``: the fraction of units whose activation output was exactly zero on every
  training sample of the epoch. For the ReLU family that is "never positive"; such a unit
  passes no gradient and can no longer learn. Activations without a flat zero region
  (``leaky_relu``, ``elu``, ``gelu``, ``tanh``, ``sigmoid``, ...) report about 0. For a
  convolution, a unit is a channel (dead when zero at every position of every sample).
- ``saturated_fraction``: the fraction of units saturated on more than half of the samples
  (``tanh``, ``hardtanh``, ``softsign``: ``|a| > 0.99``; ``sigmoid``: ``a < 0.01`` or
  ``a > 0.99``; ``relu6``: ``a > 5.94``), where the derivative is nearly zero; ``None`` for
  activations that do not saturate.
- ``grad_norm``: the L2 norm of each Linear/Conv layer's weight gradient (the output layer
  included, last), averaged over the epoch's batches. ``grad_ratio`` is first layer / output
  layer: far below 1 means the first layers barely learn (vanishing gradients), far above 1
  exploding ones.

The values go into ``history_`` (``est.history_[:, "dead_fraction"]``) and, for the last
epoch, into the fitted attribute ``diagnostics_`` (see :meth:`DiagnosticsCallback.summary`).
Everything is accumulated on the training device and read once per epoch, so diagnostics
cost a few percent of fit time (``benchmarks/diagnostics.py``). Which layers are watched, and
each activation's saturation test, come from :mod:`skact.engine.diagnostics_layers`.

Examples
--------
>>> import numpy as np
>>> from skact import MLPClassifier
>>> rng = np.random.RandomState(0)
>>> X = rng.randn(200, 5).astype(np.float32)
>>> y = (X[:, 0] > 0).astype(int)
>>> clf = MLPClassifier((16, 8), "tanh", max_iter=5, diagnostics=True, random_state=0)
>>> clf = clf.fit(X, y)
>>> clf.diagnostics_["layers"], clf.diagnostics_["units"]
(['hidden1', 'hidden2'], [16, 8])
>>> clf.diagnostics_["grad_layers"]
['hidden1', 'hidden2', 'output']
>>> len(clf.history_[:, "dead_fraction"]) == clf.n_iter_
True
"""

from __future__ import annotations

import functools
import math

import torch
from skorch.callbacks import Callback

from skact.engine.diagnostics_layers import (
    _NON_NEGATIVE,
    _find_layers,
    _saturation_rule,
    describe_layer,
)
from skact.engine.torch_internals import foreach_norm

__all__ = ["DiagnosticsCallback", "DEAD_WARNING", "SATURATED_WARNING"]

#: ``advice()`` warns when more than this fraction of a layer's units are dead at the end.
DEAD_WARNING = 0.5
#: ``advice()`` warns when more than this fraction of a layer's units are saturated.
SATURATED_WARNING = 0.5
#: A unit is saturated when it is saturated on more than this fraction of its samples.
_MOST_SAMPLES = 0.5
#: Per-batch statistics are summed into one tensor every this many batches.
_FOLD_EVERY = 64


def _finite_or_none(x):
    return x if x is not None and math.isfinite(x) else None


class DiagnosticsCallback(Callback):
    """Record dead units, saturated units and weight-gradient norms every epoch.

    Added by the estimators when ``diagnostics=True``; see the module docstring for what
    each quantity means. Forward hooks on the activation modules are registered in
    ``on_train_begin`` and removed in ``on_train_end``, so a fitted estimator holds no hook
    handles and pickles as usual. Only training batches are counted (hooks are idle outside
    the epoch, e.g. while the validation score is computed).

    Parameters
    ----------
    activation_label : str
        The activation's registry name (or class name for a custom module); picks the
        saturation rule when the module type does not.

    Attributes
    ----------
    layers_ : list of str
        Hidden layers with an activation, e.g. ``["hidden1", "hidden2"]`` or
        ``["conv1", "conv2", "hidden1"]``.
    units_ : list of int
        Units (channels for convolutions) of each of ``layers_``.
    grad_layers_ : list of str
        Every weighted layer, ``layers_`` then ``"output"``.
    saturation_rule_ : str or None
        When a unit counts as saturated, or None when the activation does not saturate.
    epochs_ : list of dict
        One record per epoch: ``dead_fraction``, ``saturated_fraction``, ``grad_norm``,
        ``grad_ratio``.
    """

    def __init__(self, activation_label="relu"):
        self.activation_label = activation_label

    def initialize(self):
        self.layers_, self.units_, self.grad_layers_ = [], [], []
        self.saturation_rule_ = None
        self.epochs_ = []
        self._reset_transient()
        return self

    def _reset_transient(self):
        self._handles, self._weights, self._rules, self._non_negative = [], [], [], []
        self._recording = False
        self._peak, self._saturated, self._seen, self._grads = [], [], [], []
        self._n_grads = 0

    # -- hooks ----------------------------------------------------------------------
    def on_train_begin(self, net, **kwargs):
        if not hasattr(self, "epochs_"):
            self.initialize()
        self._remove_hooks()
        weights, hidden = _find_layers(net.module_)
        self.layers_ = [name for name, _, _ in hidden]
        self.units_ = [units for _, units, _ in hidden]
        self.grad_layers_ = [name for name, _ in weights]
        self._weights = [layer.weight for _, layer in weights]
        self._rules, self._non_negative = [], []
        descriptions = set()
        for i, (_, _, act) in enumerate(hidden):
            rule, text = _saturation_rule(act, self.activation_label)
            self._rules.append(rule)
            self._non_negative.append(isinstance(act, _NON_NEGATIVE))
            if text:
                descriptions.add(text)
            self._handles.append(act.register_forward_hook(functools.partial(self._record, i)))
        self.saturation_rule_ = "; ".join(sorted(descriptions)) or None

    def on_epoch_begin(self, net, **kwargs):
        n = len(self.layers_)
        self._peak = [[] for _ in range(n)]
        self._saturated = [[] for _ in range(n)]
        self._seen = [0] * n
        self._grads, self._n_grads = [], 0
        self._recording = True

    def _record(self, i, module, inputs, output):
        """Forward hook on the i-th activation: per unit, the batch's largest |output| and
        its number of saturated outputs, reduced on the device (no sync)."""
        if not self._recording:
            return
        a = output.detach()
        dims = 0 if a.dim() == 2 else (0, *range(2, a.dim()))
        self._seen[i] += a.numel() // a.shape[1]
        magnitude = a if self._non_negative[i] else a.abs()
        peaks = self._peak[i]
        peaks.append(magnitude.amax(dims))
        if len(peaks) >= _FOLD_EVERY:
            self._peak[i] = [torch.stack(peaks).amax(0)]
        rule = self._rules[i]
        if rule is not None:
            saturated = self._saturated[i]
            saturated.append(rule(a, magnitude).sum(dims))
            if len(saturated) >= _FOLD_EVERY:
                self._saturated[i] = [torch.stack(saturated).sum(0)]

    def on_grad_computed(self, net, named_parameters, **kwargs):
        if not self._recording:
            return
        grads = [w.grad for w in self._weights]
        if any(g is None for g in grads):
            return
        self._grads.append(foreach_norm(grads))
        self._n_grads += 1
        if len(self._grads) >= _FOLD_EVERY:
            self._grads = [torch.stack(self._grads).sum(0)]

    def on_epoch_end(self, net, **kwargs):
        self._recording = False
        record = self._epoch_stats()
        self.epochs_.append(record)
        for key, value in record.items():
            net.history.record(key, value)

    def on_train_end(self, net, **kwargs):
        self._remove_hooks()
        self._reset_transient()

    def _remove_hooks(self):
        for handle in getattr(self, "_handles", []):
            handle.remove()
        self._handles = []

    # -- per-epoch statistics -----------------------------------------------------------
    def _epoch_stats(self):
        """Reduce the epoch's counts on the device; one transfer to the host."""
        n = len(self.layers_)
        device = self._weights[0].device if self._weights else "cpu"
        nan = torch.full((1,), math.nan, dtype=torch.float64, device=device)
        parts = []
        for i in range(n):
            dead = saturated = nan
            if self._peak[i]:
                peak = torch.stack(self._peak[i]).amax(0)
                dead = (peak == 0).double().mean().reshape(1)
            if self._saturated[i]:
                sat = torch.stack(self._saturated[i]).sum(0)
                saturated = (sat > _MOST_SAMPLES * self._seen[i]).double().mean().reshape(1)
            parts += [dead, saturated]
        grad = self._epoch_grads()
        if grad is not None:
            parts.append(grad.double())
        values = torch.cat(parts).tolist() if parts else []  # the epoch's one sync
        dead = [None if math.isnan(d) else d for d in values[0:2 * n:2]]
        saturated = values[1:2 * n:2]
        norms = values[2 * n:]
        ratio = None
        if len(norms) >= 2 and norms[-1] > 0 and math.isfinite(norms[-1]):
            ratio = _finite_or_none(norms[0] / norms[-1])
        has_rule = any(r is not None for r in self._rules)
        return {
            "dead_fraction": dead,
            "saturated_fraction": (
                [None if math.isnan(s) else s for s in saturated] if has_rule else None
            ),
            "grad_norm": norms or None,
            "grad_ratio": ratio,
        }

    def _epoch_grads(self):
        """Mean gradient norm per weighted layer over the epoch's batches."""
        if self._grads:
            return torch.stack(self._grads).sum(0) / self._n_grads
        # L-BFGS steps through a closure (no per-batch hook): use the last gradients.
        grads = [w.grad for w in self._weights]
        if not grads or any(g is None for g in grads):
            return None
        return foreach_norm([g.detach() for g in grads])

    # -- results ------------------------------------------------------------------------
    def summary(self):
        """The last epoch's diagnostics as a plain dict (the estimator's ``diagnostics_``).

        Keys: ``activation``; ``layers`` and ``units`` (hidden layers); ``epochs``;
        ``dead_fraction`` and ``saturated_fraction`` (one float per hidden layer;
        ``saturated_fraction`` is None when the activation does not saturate);
        ``dead_overall`` and ``saturated_overall`` (over all hidden units); ``grad_layers``
        and ``grad_norm`` (every weighted layer, output last); ``grad_ratio`` (first layer's
        gradient norm / output layer's); ``saturation_rule``. Per-epoch values are in
        ``history_``.
        """
        last = self.epochs_[-1] if getattr(self, "epochs_", None) else {}
        dead = last.get("dead_fraction") or []
        saturated = last.get("saturated_fraction")
        units = list(getattr(self, "units_", []))
        return {
            "activation": self.activation_label,
            "layers": list(getattr(self, "layers_", [])),
            "units": units,
            "epochs": len(getattr(self, "epochs_", [])),
            "dead_fraction": list(dead),
            "saturated_fraction": None if saturated is None else list(saturated),
            "dead_overall": _overall(dead, units),
            "saturated_overall": None if saturated is None else _overall(saturated, units),
            "grad_layers": list(getattr(self, "grad_layers_", [])),
            "grad_norm": last.get("grad_norm"),
            "grad_ratio": last.get("grad_ratio"),
            "saturation_rule": getattr(self, "saturation_rule_", None),
        }

    def advice(self):
        """Warnings a user can act on, one sentence each (empty when all looks healthy)."""
        summary = self.summary()
        messages = []
        layers, units = summary["layers"], summary["units"]
        dead = [
            (name, n, f) for name, n, f in zip(layers, units, summary["dead_fraction"])
            if f is not None and f > DEAD_WARNING
        ]
        if dead:
            where = _join(f"{describe_layer(name, n)}: {f:.0%}" for name, n, f in dead)
            messages.append(
                f"Most units are dead (never active on the training data in the last epoch) "
                f"in {where}; try activation='leaky_relu' or a lower learning_rate_init."
            )
        saturated = summary["saturated_fraction"] or []
        heavy = [
            (name, n, f) for name, n, f in zip(layers, units, saturated)
            if f is not None and f > SATURATED_WARNING
        ]
        if heavy:
            where = _join(f"{describe_layer(name, n)}: {f:.0%}" for name, n, f in heavy)
            messages.append(
                f"Most units are saturated ({summary['saturation_rule']} on most samples, so "
                f"their gradients vanish) in {where}; scale the features (e.g. "
                "StandardScaler), lower learning_rate_init, or try a ReLU-family activation "
                "such as 'relu' or 'gelu'."
            )
        return messages


def _overall(fractions, units):
    """Fraction over all units, from per-layer fractions."""
    pairs = [(f, n) for f, n in zip(fractions, units) if f is not None and math.isfinite(f)]
    if not pairs:
        return None
    return sum(f * n for f, n in pairs) / sum(n for _, n in pairs)


def _join(items):
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
