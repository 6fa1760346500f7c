"""Which layers the training diagnostics watch, and when an activation's unit is saturated.

Static inspection of a torch network, done once per fit by
:class:`skact.engine.diagnostics.DiagnosticsCallback`: :func:`_find_layers` pairs each weighted
layer with the activation after it, :func:`_saturation_rule` picks the saturation test for that
activation, and :func:`describe_layer` turns a layer name into words for messages.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["describe_layer"]

# Registry names whose saturation rule is known when the module type does not say.
_SYMMETRIC_BOUNDED = ("tanh", "hardtanh", "softsign")
_SIGMOID = ("sigmoid", "logistic")


def _saturation_rule(module, label):
    """How to spot saturation in an activation's outputs, or ``(None, None)`` when it does
    not saturate.

    Returns ``(rule, text)``: ``rule(a, magnitude)`` (``magnitude`` is ``|a|``, or ``a``
    itself for activations with non-negative outputs) gives a 0/1 float tensor, 1 where
    saturated; ``text`` describes the rule for messages. Built from ``threshold`` and
    ``sign_`` rather than comparisons: on CPU a float comparison plus a sum of booleans costs
    several times more per batch.
    """
    if isinstance(module, nn.Hardtanh):  # includes ReLU6 (Hardtanh(0, 6))
        lo, hi = float(module.min_val), float(module.max_val)
        if lo == 0.0:  # the low end is the dead zone, counted as dead
            top = 0.99 * hi
            return (lambda a, m: torch.threshold(a, top, 0.0).sign_()), f"a > {top:g}"
        centre, half = (hi + lo) / 2, 0.99 * (hi - lo) / 2
        if centre == 0.0:
            return (lambda a, m: torch.threshold(m, half, 0.0).sign_()), f"|a| > {half:g}"
        return (
            (lambda a, m: torch.threshold((a - centre).abs_(), half, 0.0).sign_()),
            f"|a - {centre:g}| > {half:g}",
        )
    if isinstance(module, (nn.Tanh, nn.Softsign)) or (
        not isinstance(module, nn.Sigmoid) and str(label).lower() in _SYMMETRIC_BOUNDED
    ):
        return (lambda a, m: torch.threshold(m, 0.99, 0.0).sign_()), "|a| > 0.99"
    if isinstance(module, nn.Sigmoid) or str(label).lower() in _SIGMOID:
        return (
            (lambda a, m: torch.threshold((a - 0.5).abs_(), 0.49, 0.0).sign_()),
            "a < 0.01 or a > 0.99",
        )
    return None, None


#: Activations whose outputs are never negative: their largest output is their largest |a|.
_NON_NEGATIVE = (nn.ReLU, nn.ReLU6, nn.Sigmoid, nn.Softplus)


def _find_layers(module):
    """The network's weighted layers and the activation after each hidden one.

    Returns ``(weights, hidden)``: ``weights`` lists ``(name, layer)`` for every Linear/Conv
    layer in order (the output layer last); ``hidden`` lists ``(name, n_units, activation)``
    for each layer followed by an activation (BatchNorm in between is skipped).
    """
    weighted = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
    passive = (nn.Dropout, nn.Flatten, nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d,
               nn.AvgPool1d, nn.AvgPool2d, nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d)
    norms = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.LayerNorm)

    activation_of = {}
    for seq in module.modules():
        if not isinstance(seq, nn.Sequential):
            continue
        children = list(seq.children())
        for i, child in enumerate(children):
            if not isinstance(child, weighted):
                continue
            j = i + 1
            while j < len(children) and isinstance(children[j], norms):
                j += 1
            if j < len(children) and not isinstance(children[j], (*weighted, *passive)):
                activation_of[id(child)] = children[j]

    layers = [m for m in module.modules() if isinstance(m, weighted)]
    weights, hidden = [], []
    counts = {"conv": 0, "hidden": 0}
    for layer in layers:
        act = activation_of.get(id(layer))
        if act is None:
            name = "output" if layer is layers[-1] else f"linear{len(weights) + 1}"
        else:
            kind = "hidden" if isinstance(layer, nn.Linear) else "conv"
            counts[kind] += 1
            name = f"{kind}{counts[kind]}"
            units = layer.out_features if kind == "hidden" else layer.out_channels
            hidden.append((name, int(units), act))
        weights.append((name, layer))
    return weights, hidden


def describe_layer(name, units=None):
    """``"hidden2"`` -> ``"hidden layer 2"`` (``"conv layer 1"``, ``"output layer"``)."""
    for kind in ("hidden", "conv", "linear"):
        if name.startswith(kind) and name[len(kind):].isdigit():
            text = f"{kind} layer {name[len(kind):]}"
            break
    else:
        text = f"{name} layer"
    if units is not None:
        what = "channels" if name.startswith("conv") else "units"
        text += f" ({units} {what})"
    return text
