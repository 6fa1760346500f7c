"""``linear_blend`` on a few dozen rows: decide by cross-validation, not by the held-out rows.

A regression with fewer than :data:`FEW_HELD_OUT_ROWS` held-out rows (under about 100
rows in all) cannot judge the network against the linear model on them: 4 to 10 rows pick
the best epoch and then score it, and on the broad benchmark's sets of 20 to 50 rows that
score stayed far above what the network did on new rows. There, the weight of the linear
model (0, one half or all) is chosen by 5-fold cross-validation over every row instead.
Each fold trains the same network (the estimator's own parameters, without the blend) and
the linear model with the penalty already chosen, and scores the three averages on the rows
it left out. That costs five more networks, each on fewer than 100 rows. Rows are assigned to
folds by a hash of their content, so a row of weight 2 and two copies of it fall in the same
fold (scikit-learn's weight-equivalence checks).
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["FEW_HELD_OUT_ROWS", "cross_validated_weight"]

#: Below this many held-out rows, a regression's blend weight is cross-validated.
FEW_HELD_OUT_ROWS = 20
_FOLDS = 5
_WEIGHTS = (0.5, 1.0, 0.0)  # on an exact tie, the first


def _fold_of_each_row(X, n_folds):
    import torch

    from skact.nn.row_noise import row_keys

    keys = row_keys(torch.as_tensor(X)).cpu().numpy()
    return np.remainder(keys, n_folds)


def cross_validated_weight(estimator, X, y, w, *, fit_linear, linear_outputs):
    """The linear model's weight (0, 0.5 or 1) with the lowest cross-validated squared error
    over the rows ``X``, ``y`` (standardised targets, one column per target), ``w``; None
    where the rows do not make five non-empty folds. ``fit_linear(X, y, w)`` returns a
    linear model, ``linear_outputs(model, X)`` its outputs."""
    from sklearn.base import clone

    folds = _fold_of_each_row(X, _FOLDS)
    weights = np.ones(len(y)) if w is None else w
    if len(np.unique(folds[weights > 0])) < _FOLDS:  # a zero weight is no row
        return None
    network = clone(estimator).set_params(linear_blend=False, constant_fallback=False,
                                          warm_start=False, verbose=False)
    errors = dict.fromkeys(_WEIGHTS, 0.0)
    for fold in range(_FOLDS):
        test, train = folds == fold, folds != fold
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a few dozen rows: expected complaints
            network.fit(X[train], y[train].ravel() if y.shape[1] == 1 else y[train],
                        sample_weight=None if w is None else w[train])
        from_network = network.predict(X[test]).reshape(-1, y.shape[1])
        from_linear = linear_outputs(fit_linear(X[train], y[train],
                                                None if w is None else w[train]), X[test])
        for weight in _WEIGHTS:
            predicted = (1 - weight) * from_network + weight * from_linear
            errors[weight] += float(weights[test] @ ((y[test] - predicted) ** 2).sum(axis=1))
    return min(_WEIGHTS, key=lambda weight: errors[weight])
