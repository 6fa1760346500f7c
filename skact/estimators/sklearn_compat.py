"""scikit-learn's MLP attributes on top of the torch module: weights, learning rate, counters.

Code written for :class:`sklearn.neural_network.MLPClassifier` reads and writes a
few attributes that, in skact, live in the torch module or the torch optimizer:

- ``coefs_`` / ``intercepts_``: assigning a list sets the layers' weights (on a fitted
  model at once; before a fit, the next ``partial_fit`` or warm-started ``fit`` starts
  from them, as in scikit-learn); ``est.coefs_[i] = W`` writes layer ``i``.
- ``_optimizer.learning_rate``: the learning rate of the last step, as scikit-learn's
  optimizers expose it (read-only: :class:`OptimizerView`).
- ``_no_improvement_count``: set by each fit (``skact.estimators.base``).

Internal; torch is imported inside the functions that need it.
"""

from __future__ import annotations

import numpy as np

from skact.engine.weights import PENDING_WEIGHTS, copy_weights_into, linear_layers

__all__ = ["OptimizerView", "WeightList", "optimizer_view", "read_weights", "weights_property",
           "write_weights"]


class WeightList(list):
    """Copies of the layers' weights; setting an item writes that layer of the model."""

    def __init__(self, estimator, kind, values):
        super().__init__(values)
        self._estimator, self._kind = estimator, kind

    def __setitem__(self, index, value):
        if not isinstance(index, int):
            raise TypeError(f"{self._kind}[i] = ... takes one integer index, got {index!r}.")
        super().__setitem__(index, value)
        write_weights(self._estimator, self._kind, list(self))


def read_weights(estimator, kind):
    """``coefs_`` (shaped (n_in, n_out), as in scikit-learn) or ``intercepts_``."""
    if "net_" not in estimator.__dict__ and PENDING_WEIGHTS[kind] in estimator.__dict__:
        # the very list assigned: scikit-learn's tests fill it in item by item
        return estimator.__dict__[PENDING_WEIGHTS[kind]]
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator, "net_")
    layers = linear_layers(estimator.net_.module_)
    if kind == "coefs_":
        values = [layer.weight.detach().cpu().numpy().T.copy() for layer in layers]
    else:
        values = [layer.bias.detach().cpu().numpy().copy() for layer in layers]
    return WeightList(estimator, kind, values)


def weights_property(kind, doc):
    """``coefs_`` or ``intercepts_`` as a property: read copies, assign to set."""
    return property(lambda self: read_weights(self, kind),
                    lambda self, values: write_weights(self, kind, values), doc=doc)


def write_weights(estimator, kind, values):
    """Set every layer's weights (fitted model) or keep them for the next fit (unfitted)."""
    if isinstance(values, np.ndarray) or not hasattr(values, "__len__"):
        raise ValueError(f"{kind} must be a list with one array per layer, got {values!r}.")
    if "net_" not in estimator.__dict__:
        pending = values if isinstance(values, list) else list(values)
        estimator.__dict__[PENDING_WEIGHTS[kind]] = pending
        return
    copy_weights_into(estimator.net_.module_, kind, list(values), type(estimator).__name__)


class OptimizerView:
    """Read-only stand-in for scikit-learn's ``_optimizer``: its ``learning_rate``.

    For sgd, the rate of the last step (``learning_rate='invscaling'`` and ``'adaptive'``
    change it). For adam, scikit-learn's bias-corrected step size
    ``lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)`` after ``t`` steps.
    """

    def __init__(self, estimator):
        self._estimator = estimator

    @property
    def learning_rate(self):
        est = self._estimator
        optimizer = est.net_.optimizer_
        lr = float(optimizer.param_groups[0]["lr"])
        if est.solver != "adam":
            return lr
        states = [optimizer.state[p] for p in optimizer.param_groups[0]["params"]]
        steps = [float(s["step"]) for s in states if "step" in s]
        if not steps:
            return lr
        t = max(steps)
        return lr * np.sqrt(1 - est.beta_2 ** t) / (1 - est.beta_1 ** t)

    def __repr__(self):
        return f"OptimizerView(learning_rate={self.learning_rate!r})"


def optimizer_view(estimator):
    """``estimator._optimizer``: only for the stochastic solvers, after a fit (as in sklearn)."""
    net = estimator.__dict__.get("net_")
    if net is None or net.requires_closure():
        raise AttributeError(
            f"{type(estimator).__name__} has no _optimizer: it exists after a fit with "
            "solver='sgd' or 'adam'."
        )
    return OptimizerView(estimator)
