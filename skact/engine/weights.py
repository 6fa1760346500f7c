"""Copying scikit-learn-shaped weights into a torch network's Linear layers.

scikit-learn's MLP lets code assign ``coefs_``/``intercepts_`` (before a fit too: the next
``partial_fit`` or warm-started ``fit`` starts from them). The estimators keep such an
assignment under the names in :data:`PENDING_WEIGHTS`; the engine copies it into the new
network when it builds one (:func:`load_assigned_weights`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["PENDING_WEIGHTS", "copy_weights_into", "linear_layers", "load_assigned_weights"]

# where assignments made before the first fit wait for it (no trailing underscore:
# they must not make check_is_fitted think the estimator is fitted)
PENDING_WEIGHTS = {"coefs_": "_assigned_coefs", "intercepts_": "_assigned_intercepts"}


def linear_layers(module):
    """The module's Linear layers in order: scikit-learn's layers (the last is the output)."""
    import torch

    from skact.nn.modules import weight_layers

    return [m for m in weight_layers(module) if isinstance(m, torch.nn.Linear)]


def copy_weights_into(module, kind, values, owner):
    import torch

    layers = linear_layers(module)
    if len(values) != len(layers):
        raise ValueError(
            f"{owner}.{kind} takes one array per layer: {len(layers)}, got {len(values)}."
        )
    targets = [(layer.weight, True) if kind == "coefs_" else (layer.bias, False)
               for layer in layers]
    arrays = []
    for i, (value, (param, transpose)) in enumerate(zip(values, targets)):
        array = np.asarray(value, dtype=np.float64)
        expected = tuple(param.shape[::-1]) if transpose else tuple(param.shape)
        if array.shape != expected and not (array.size == param.numel() == 1):
            raise ValueError(
                f"{owner}.{kind}[{i}] must have shape {expected}, got {array.shape}."
            )
        arrays.append(array.reshape(expected).T if transpose else array.reshape(expected))
    with torch.no_grad():
        for array, (param, _) in zip(arrays, targets):
            param.copy_(torch.as_tensor(np.ascontiguousarray(array), dtype=param.dtype))


def load_assigned_weights(estimator, module, use):
    """Start from the weights assigned before the first fit where scikit-learn would
    (``use``: a ``partial_fit``, or ``fit`` with ``warm_start``); forget them either way.
    Unassigned parts (only ``coefs_``, say) keep their initialisation."""
    pending = {kind: estimator.__dict__.pop(name, None) for kind, name in PENDING_WEIGHTS.items()}
    if not use:
        return
    for kind, values in pending.items():
        if values is not None:
            copy_weights_into(module, kind, list(values), type(estimator).__name__)
