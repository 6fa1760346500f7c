"""``refit_on_all_rows=True``: where the held-out rows leave the network alone, train it
again on every row.

Early stopping holds out ``validation_fraction`` of the rows to judge the network by: its
best epoch, and (``constant_fallback``, ``linear_blend``) how it compares with the
constant and a linear model. Where those comparisons leave the network alone, it is
clearly better than both on these data, and that is where more rows help it most: the
held-out rows have done their job, and they are a fifth of the data. So the estimator then
trains once more, from the same seed, on every row (the held-out ones too) for as many
epochs as the first fit ran, and keeps the last one. With ``n_iter_no_change=np.inf`` (the
Tabular classifier's) that is the same schedule, whose end is where the best epoch lies;
stopping at the best epoch instead cut a fit whose held-out accuracy reached 1.0 early to
a third of its schedule, and lost accuracy. ``validation_scores_`` and
``best_validation_score_`` stay those of the first fit, the one the held-out rows judged.
Where it acts, a fit costs about twice as much (benchmarks/README.md, "Trained again on
every row"). Not with ``warm_start`` (a refit from scratch would discard the start) or
the lbfgs solver (no early stopping).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

__all__ = ["refit_on_every_row"]

# what the first fit's held-out rows measured or chose: kept through the refit, which has none
_JUDGED = ("validation_scores_", "best_validation_score_", "repeated_rows_")
_PARAMS = ("early_stopping", "refit_on_all_rows", "max_iter")  # what the refit changes


def _kept_the_constant(estimator) -> bool:
    """Whether ``constant_fallback`` made the network its constant (a zeroed output layer:
    a trained network never has every output weight exactly 0)."""
    from skact.engine.weights import linear_layers

    return not bool(linear_layers(estimator.module_)[-1].weight.detach().any())


def refit_on_every_row(estimator, X, y, sample_weight):
    """After ``fit``: with ``refit_on_all_rows``, where the held-out rows kept the network
    alone (no ``linear_model_``, no constant), fit it again on every row of ``X``, ``y``,
    ``sample_weight`` (the caller's, unchecked), for as many epochs as the first fit ran.
    Returns the estimator."""
    scores = estimator.__dict__.get("validation_scores_")
    if (not getattr(estimator, "refit_on_all_rows", False) or not estimator.early_stopping
            or estimator.warm_start or estimator.solver == "lbfgs" or not scores
            or not np.isfinite(scores).any()
            or estimator.__dict__.get("linear_model_") is not None
            or _kept_the_constant(estimator)):
        return estimator
    first_fit = dict(estimator.__dict__)  # a refit builds a new net: this keeps the old one
    estimator.set_params(early_stopping=False, refit_on_all_rows=False,
                         max_iter=int(estimator.n_iter_))
    try:
        with warnings.catch_warnings():
            # every epoch runs by design; the first fit already said what it had to
            warnings.simplefilter("ignore", ConvergenceWarning)
            estimator._fit(X, y, sample_weight, incremental=False)
    except BaseException:  # Ctrl-C, out of memory: the first fit stands, finished work
        estimator.__dict__.clear()
        estimator.__dict__.update(first_fit)
        raise
    estimator.__dict__.update({name: first_fit[name] for name in (*_JUDGED, *_PARAMS)})
    return estimator
