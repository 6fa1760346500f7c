"""Where held-out rows cannot judge: few rows, or few distinct rows repeated many times.

**A regression on a few dozen rows.** With fewer than :data:`FEW_HELD_OUT_ROWS` rows to
hold out (under about 100 rows in all), held-out rows cannot judge anything: 4 to 10 rows
pick the best epoch and then score it, and on the broad benchmark's sets of 20 to 50 rows
that score stayed far above what the network did on new rows, while the rows held out were
a fifth of too few to train on. So there (:func:`holds_out_nothing`) a regression with
``linear_blend`` in best-epoch mode holds out nothing: the network trains on every row and
its epochs are judged on those rows (in practice: the last ones), and the ridge regression
is always averaged in, with weight one half, its penalty chosen by 5-fold cross-validation
over every row (:func:`cross_validated_penalty`). Choosing the weight too (0, one half or
all) by cross-validating the network as well cost five more networks and was a coin toss
on these few rows; the fixed average won on every such set of both halves of
``benchmarks/broad.py`` (benchmarks/README.md, "A few dozen rows"). Rows are dealt to folds
in the order of a hash of their content, so a row of weight 2 and two copies of it fall in
the same fold (scikit-learn's weight-equivalence checks).

**A table of a few dozen distinct rows, each repeated many times** (titanic: 1,316
passengers, 12 distinct rows of class, age and sex). The held-out rows are whole groups of
copies (``validation_split='content'`` keeps a row's copies on one side), so they are 2 or
3 of the 12 distinct rows, ones the network never sees: its epochs were chosen, and the
linear model and the copies' targets judged, by how it guessed a few unseen rows, while
every row it will predict has hundreds of copies among the training rows. On titanic the
best epoch came early and its probabilities stayed near one half (0.55 for first-class
women, of whom 97% survived): 0.735-0.782 accuracy, against 0.794 for each row's majority
class. Where fewer than :data:`FEW_HELD_OUT_ROWS` distinct rows would be held out and most
rows are copies of a row repeated :data:`MANY_COPIES` times or more
(:func:`few_distinct_rows`), the estimator holds out nothing, for a classifier as for a
regression: every distinct row trains, and the training rows judge the epochs, the
constant, the linear model and ``repeated_rows``, as held-out rows would. With that many
copies of a row, what the network fits to them is an estimate of its class frequencies (or
mean target), not a memory of single labels, so the training rows judge it fairly. The
linear model is averaged in only where it scores within the noise of the network there,
not always as on a few dozen rows: a ridge regression that cannot use a coded column,
averaged in with weight one half, held ``amis`` at R² 0.15 (0.18 without it, and 0.35 once
the copies' targets were blended in too). A regression that is both (a few dozen rows, few
distinct) is treated as a few dozen rows: the ridge regression is always averaged in, and
``repeated_rows`` is judged on the training rows. Measured on titanic and on seven tables
of this kind found for the purpose (benchmarks/README.md, "Few distinct rows").
"""

from __future__ import annotations

import numpy as np

__all__ = ["FEW_HELD_OUT_ROWS", "MANY_COPIES", "count_rows",
           "cross_validated_penalty", "cross_validates", "few_distinct_rows",
           "hold_out_unless_few_rows", "holds_out_nothing"]

#: Below this many rows to hold out, a regression holds out none and cross-validates; below
#: this many distinct rows to hold out, a table repeating its rows :data:`MANY_COPIES` times
#: holds out none either.
FEW_HELD_OUT_ROWS = 20
#: Copies (their total weight) from which the training rows judge the fit to a distinct row
#: fairly: what the network fits to them is then their frequencies, not a label. Set before
#: measuring, not tuned (in titanic every row but one is a copy of a row repeated 4 times or
#: more; in the seven tables found to check the regime, 93% to 100% of the rows are).
MANY_COPIES = 4.0
_FOLDS = 5


def count_rows(w, n_rows) -> float:
    """How many rows ``n_rows`` rows of sample weights ``w`` (None: unweighted) stand for:
    their weights as copies (:func:`skact.nn.layers.weights_as_copies`). Weights that sum
    to 1 are not one row in all, and a row of weight 0 is none."""
    from skact.nn.layers import row_copies

    return float(row_copies(w, n_rows).sum())


def holds_out_nothing(estimator, n_rows) -> bool:
    """Whether a fit of ``estimator`` on ``n_rows`` rows (:func:`count_rows`: a row of
    weight 2 counts twice) trains on every row instead of holding out
    ``validation_fraction`` of them: a squared-error regression with
    ``linear_blend`` whose held-out rows would only pick the best epoch
    (``early_stopping=True``, ``n_iter_no_change=np.inf``) and would be fewer than
    :data:`FEW_HELD_OUT_ROWS`."""
    return (getattr(estimator, "_loss_kind", None) == "squared_error"
            and getattr(estimator, "linear_blend", False)
            and estimator.early_stopping and estimator.n_iter_no_change == np.inf
            and n_rows * estimator.validation_fraction < FEW_HELD_OUT_ROWS)


def few_distinct_rows(estimator, X, w) -> bool:
    """Whether the rows ``X`` (a dense tensor; ``w`` their weights, or None) are few
    distinct rows repeated many times, for an estimator that holds out whole groups of
    copies (``validation_split='content'``) only to pick the best epoch: fewer than
    :data:`FEW_HELD_OUT_ROWS` distinct rows would be held out, and most rows (more than
    half their total weight) are copies of a distinct row that has :data:`MANY_COPIES` or
    more. Weights are copies (:func:`count_rows`): a row of weight 4 is four, and weights
    that sum to 1 count as their shares of the rows. Not for sparse input (scoring every
    row each epoch would densify all of them, not a fifth)."""
    if not (estimator.early_stopping and estimator.n_iter_no_change == np.inf
            and getattr(estimator, "validation_split", None) == "content"):
        return False  # a random split holds out copies of the rows that train
    if not hasattr(X, "detach"):
        return False
    from skact.nn.layers import row_copies
    from skact.nn.row_noise import row_keys

    weights = row_copies(w, X.shape[0])
    fitted = weights > 0
    distinct, group = np.unique(row_keys(X).cpu().numpy()[fitted], return_inverse=True)
    copies = np.bincount(group.reshape(-1), weights[fitted])  # per distinct row
    return (len(distinct) * estimator.validation_fraction < FEW_HELD_OUT_ROWS
            and copies[copies >= MANY_COPIES].sum() > copies.sum() / 2)


def hold_out_unless_few_rows(estimator, X, y, w, **options):
    """``((X, y, w) to train on, (X, y, w) to judge epochs on)``: the same rows twice where
    :func:`holds_out_nothing` or :func:`few_distinct_rows`, else what
    :func:`skact.engine.training.hold_out_or_judge_on_training_rows` splits off."""
    from skact.engine.training import hold_out_or_judge_on_training_rows

    if (holds_out_nothing(estimator, count_rows(w, X.shape[0]))
            or few_distinct_rows(estimator, X, w)):
        return (X, y, w), (X, y, w)
    return hold_out_or_judge_on_training_rows(X, y, w, **options)


def cross_validates(estimator, judged_on_training_rows, held_out_rows) -> bool:
    """Whether a regression's linear model is chosen by cross-validation over every row:
    nothing was held out because the rows are few (:func:`holds_out_nothing`; not where
    the rows are many copies of a few distinct ones, whose training rows judge the linear
    model as they judged the epochs), or fewer than :data:`FEW_HELD_OUT_ROWS` rows (their
    total weight) were held out."""
    if judged_on_training_rows:
        return holds_out_nothing(estimator, held_out_rows)
    return held_out_rows < FEW_HELD_OUT_ROWS


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
