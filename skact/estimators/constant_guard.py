"""``constant_fallback=True``: never worse than the constant model on the held-out rows.

A network is worth keeping only if it predicts the held-out rows better than the constant
model does (the class frequencies, or the mean of the targets), which needs no training at
all. On a few dozen rows, or labels that barely depend on the features, the best epoch of
a 256-unit network can still lose to it: then the estimator predicts the constant instead
and says so. The comparison uses the early-stopping rows and the same scorer that picked
the best epoch; the constant is the one the output layer starts from (the task's
``_initial_output_bias``, over every training row), so keeping it is setting that layer's
weights to zero and its biases to the constant, which model files and ``coefs_`` show as
they are.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skact.engine.weights import linear_layers

__all__ = ["keep_the_constant_if_better"]


def keep_the_constant_if_better(estimator, scorer, y_train, sample_weight) -> None:
    """After a fit with early stopping: when the best epoch's validation score is no better
    than the constant model's on the same held-out rows, make the network that constant and
    warn. ``scorer``: the fit's validation scorer (a function of the module)."""
    best = estimator.best_validation_score_
    if (scorer is None or best is None or not math.isfinite(best)
            or getattr(estimator, "_loss_kind", None) == "poisson"):
        return
    import torch

    output = linear_layers(estimator.module_)[-1]
    kept = output.weight.detach().clone(), output.bias.detach().clone()
    bias = estimator._initial_output_bias(y_train, sample_weight)
    with torch.no_grad():
        output.weight.zero_()
        output.bias.copy_(torch.as_tensor(0.0 if bias is None else np.asarray(bias),
                                          dtype=output.bias.dtype))
    constant = scorer(estimator.module_)
    if best > constant:
        with torch.no_grad():
            output.weight.copy_(kept[0])
            output.bias.copy_(kept[1])
        return
    estimator.best_validation_score_ = constant
    warnings.warn(
        f"{type(estimator).__name__}: the network's best validation score ({best:.4f}) is "
        f"no better than the constant model's ({constant:.4f}, {_what(estimator)}) on the "
        "held-out rows, so it predicts that constant; the features may not carry the "
        "target's signal at this size (more rows, or a linear model, may do better). Set "
        "constant_fallback=False to keep the network.", ConvergenceWarning, stacklevel=5)


def _what(estimator):
    return "the class frequencies" if hasattr(estimator, "classes_") else "the mean"
