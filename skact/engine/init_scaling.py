"""Data-dependent initial weights for activations skact knows nothing about. Internal.

Registry activations come with an initialisation derived for them (He for the ReLU family,
Glorot for tanh, LeCun for SELU). A custom activation class or callable has no such
derivation: a fixed fallback can shrink or blow up the signal layer by layer (an
activation with a gain of 0.3 or 3 behaves very differently under He init). So its network
is initialised as in LSUV (Mishkin & Matas, "All you need is a good init", ICLR 2016):
He-initialised, then, layer by layer on a batch of the training rows, each hidden layer's
weights are scaled so that its outputs (the activation's inputs) have unit variance, and
the output layer's so that its inputs count as unit-scale. A layer's outputs are linear in
its own weights, so one forward pass per layer sets each scale exactly.
"""

from __future__ import annotations

import numpy as np

__all__ = ["scale_to_data"]

#: rows of the training data the scales are measured on (spread over the whole set)
SAMPLE_ROWS = 512


def _sample(X, module):
    """Up to SAMPLE_ROWS rows spread evenly over X (sorted data sets stay represented)."""
    from skact.engine.batches import to_tensor

    n = X.shape[0]
    rows = np.unique(np.linspace(0, n - 1, min(n, SAMPLE_ROWS)).astype(int))
    param = next(module.parameters())
    return to_tensor(X[rows], param.dtype, param.device)  # densifies a sparse X's rows


def scale_to_data(module, X):
    """Rescale the weight layers of ``module`` in place from their responses on rows of X."""
    import torch

    from skact.nn.modules import weight_layers

    layers = weight_layers(module)
    if not layers or X.shape[0] < 2:
        return
    batch = _sample(X, module)
    seen = {}

    def keep(layer, inputs, output):
        seen["in"], seen["out"] = inputs[0], output

    was_training = module.training
    module.eval()  # no dropout; batch norm with its initial statistics
    try:
        with torch.no_grad():
            for layer in layers:
                hook = layer.register_forward_hook(keep)
                try:
                    module(batch)
                finally:
                    hook.remove()
                if layer is layers[-1]:
                    spread = float(seen["in"].pow(2).mean().sqrt())
                else:
                    spread = float(seen["out"].std())
                if np.isfinite(spread) and spread > 1e-8:
                    layer.weight.div_(spread)
    finally:
        module.train(was_training)
