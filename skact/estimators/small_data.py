"""A regression on a few dozen rows: every row trains, and a linear model is averaged in.

With fewer than :data:`FEW_HELD_OUT_ROWS` rows to hold out (under about 100 rows in all),
held-out rows cannot judge anything: 4 to 10 rows pick the best epoch and then score it,
and on the broad benchmark's sets of 20 to 50 rows that score stayed far above what the
network did on new rows, while the rows held out were a fifth of too few to train on. So
there (:func:`holds_out_nothing`) a regression with ``linear_blend`` in best-epoch mode
holds out nothing: the network trains on every row and its epochs are judged on those rows
(in practice: the last ones), and the ridge regression is always averaged in, with weight
one half, its penalty chosen by 5-fold cross-validation over every row
(:func:`cross_validated_penalty`). Choosing the weight too (0, one half or all) by
cross-validating the network as well cost five more networks and was a coin toss on these
few rows; the fixed average won on every such set of both halves of ``benchmarks/broad.py``
(benchmarks/README.md, "A few dozen rows"). Rows are dealt to folds in the order of a hash
of their content, so a row of weight 2 and two copies of it fall in the same fold
(scikit-learn's weight-equivalence checks).
"""

from __future__ import annotations

import numpy as np

__all__ = ["FEW_HELD_OUT_ROWS", "cross_validated_penalty", "cross_validates",
           "hold_out_unless_few_rows", "holds_out_nothing"]

#: Below this many rows to hold out, a regression holds out none and cross-validates.
FEW_HELD_OUT_ROWS = 20
_FOLDS = 5


def holds_out_nothing(estimator, n_rows) -> bool:
    """Whether a fit of ``estimator`` on ``n_rows`` rows (the sum of the sample weights,
    where there are any: a row of weight 2 counts twice) trains on every row instead of
    holding out ``validation_fraction`` of them: a squared-error regression with
    ``linear_blend`` whose held-out rows would only pick the best epoch
    (``early_stopping=True``, ``n_iter_no_change=np.inf``) and would be fewer than
    :data:`FEW_HELD_OUT_ROWS`."""
    return (getattr(estimator, "_loss_kind", None) == "squared_error"
            and getattr(estimator, "linear_blend", False)
            and estimator.early_stopping and estimator.n_iter_no_change == np.inf
            and n_rows * estimator.validation_fraction < FEW_HELD_OUT_ROWS)


def hold_out_unless_few_rows(estimator, X, y, w, **options):
    """``((X, y, w) to train on, (X, y, w) to judge epochs on)``: the same rows twice where
    :func:`holds_out_nothing`, else what
    :func:`skact.engine.training.hold_out_or_judge_on_training_rows` splits off."""
    from skact.engine.training import hold_out_or_judge_on_training_rows

    if holds_out_nothing(estimator, X.shape[0] if w is None else float(w.sum())):
        return (X, y, w), (X, y, w)
    return hold_out_or_judge_on_training_rows(X, y, w, **options)


def cross_validates(judged_on_training_rows, held_out_rows) -> bool:
    """Whether a regression's linear model is chosen by cross-validation over every row:
    nothing was held out, or fewer than :data:`FEW_HELD_OUT_ROWS` rows (their total
    weight) were."""
    return judged_on_training_rows or held_out_rows < FEW_HELD_OUT_ROWS


def _fold_of_each_row(X, weights, n_folds):
    """Each row's fold: the rows of positive weight with distinct content, in the order of
    a hash of their content, are dealt out in turn (so no fold is empty while there are
    ``n_folds`` of them); copies of a row share its fold, and rows of weight 0, which count
    as no row, do not move the others."""
    import torch

    from skact.nn.row_noise import row_keys

    keys = row_keys(torch.as_tensor(X)).cpu().numpy()
    distinct = np.unique(keys[weights > 0])
    return np.searchsorted(distinct, keys) % n_folds


def cross_validated_penalty(X, y, w, *, penalties, fit_linear, linear_outputs):
    """``(penalty, score)``: the penalty whose linear model has the lowest 5-fold
    cross-validated squared error over the rows ``X``, ``y`` (standardised targets, one
    column per target), ``w``, and that model's cross-validated R²; None where the rows do
    not make five non-empty folds. ``fit_linear(X, y, w, penalty)`` returns a linear model,
    ``linear_outputs(model, X)`` its outputs. Ties go to the first penalty (list them
    strongest first)."""
    weights = np.ones(len(y)) if w is None else w
    folds = _fold_of_each_row(X, weights, _FOLDS)
    if len(np.unique(folds[weights > 0])) < _FOLDS:  # fewer distinct rows than folds
        return None
    predicted = {penalty: np.zeros(y.shape) for penalty in penalties}
    for fold in range(_FOLDS):
        test, train = folds == fold, folds != fold
        for penalty in penalties:
            linear = fit_linear(X[train], y[train], None if w is None else w[train], penalty)
            predicted[penalty][test] = linear_outputs(linear, X[test])

    def error(outputs):
        return float(weights @ ((y - outputs) ** 2).sum(axis=1))

    penalty = min(penalties, key=lambda candidate: error(predicted[candidate]))
    total = error(np.average(y, axis=0, weights=weights))
    return penalty, 1.0 - error(predicted[penalty]) / max(total, np.finfo(float).tiny)
