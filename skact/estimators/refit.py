"""``refit_on_all_rows``: where the held-out rows kept the network, train it again on
every row.

Early stopping holds out ``validation_fraction`` of the rows to judge the network by: its
best epoch, and (``constant_fallback``, ``linear_blend``) how it compares with the
constant and a linear model. Once they have judged, they are a fifth of the data left out
of the network's training. So the estimator then trains once more, from the same seed, on
every row (the held-out ones too), with the same schedule, and stops at the end of the
learning-rate cycle that held the first fit's best epoch: the whole schedule where it has
no restarts (stopping a flat-then-cosine schedule at its best epoch cut a fit whose
held-out accuracy reached 1.0 early to a third of its schedule, and lost accuracy); for
``cosine_cycles``, the restart after the best epoch, where the rate is low again and the
held-out rows found the network at its best. ``validation_scores_`` and
``best_validation_score_`` stay those of the first fit, the one the held-out rows judged.

- ``True`` acts where the network was kept alone (no linear model averaged in, no
  constant): it was clearly the better model, at any size (MNIST-1D's 5,000 rows: +0.02 to
  +0.03 accuracy). Where a linear model is averaged in, a classifier's refit measured
  within the noise for twice the time.
- ``'small'`` acts wherever the network was kept, alone or averaged with a linear model,
  on fewer than :data:`SMALL_FIT_ROWS` rows: a fifth more rows counts most there and a
  second fit costs least. On ``benchmarks/broad.py`` the regressions it reaches gained in
  every group (development +0.006 R², validation +0.007, fresh sets +0.020; 9 of 11 sets
  up; measured again in the nineteenth session: +0.007, +0.008 and +0.027, cpus +0.043);
  fits of 500 to 20,000 rows gained 0.001 to 0.002, for twice their time. It is the
  Tabular regressor's default.

Where it acts, a fit costs up to twice as much (benchmarks/README.md, "Trained again on
every row"). Not with ``warm_start`` (a refit from scratch would discard the start) or
the lbfgs solver (no early stopping), nor where the fit held out nothing (a regression on
a few dozen rows, or a table of few distinct rows repeated many times: ``small_data``): it
trained on every row already.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import _check_sample_weight, _num_samples

from skact.estimators.small_data import count_rows

__all__ = ["SMALL_FIT_ROWS", "fit_then_refit", "refit_on_every_row"]

#: ``refit_on_all_rows='small'`` refits fits on fewer rows than this (counted as copies:
#: ``skact.estimators.small_data.count_rows``).
#: On the broad benchmark the regressions whose fits saw fewer gained +0.009 R² on average
#: (cpus +0.030, tips +0.019, salaries +0.018); those of 500 to 2,000 rows +0.002, for
#: twice their fit time (benchmarks/README.md, "Trained again on every row, the regressor
#: too").
SMALL_FIT_ROWS = 500

# what the first fit's held-out rows measured or chose: kept through the refit, which has none
_JUDGED = ("validation_scores_", "best_validation_score_", "repeated_rows_",
           "linear_model_")
_PARAMS = ("early_stopping", "refit_on_all_rows", "max_iter")  # what the refit changes


def _kept_the_constant(estimator) -> bool:
    """Whether ``constant_fallback`` made the network its constant (a zeroed output layer:
    a trained network never has every output weight exactly 0)."""
    from skact.engine.weights import linear_layers

    return not bool(linear_layers(estimator.module_)[-1].weight.detach().any())


def _stop_epoch(estimator) -> int:
    """The refit's last epoch: the end of the learning-rate cycle in which the first fit's
    best epoch began (ties to the later epoch, as the first fit kept it), on a schedule of
    ``n_iter_`` epochs."""
    from skact.nn.schedules import end_of_cycle

    scores = np.asarray(estimator.validation_scores_, dtype=np.float64)
    best = len(scores) - int(np.nanargmax(scores[::-1]))  # 1-based
    epochs = int(estimator.n_iter_)
    end = end_of_cycle(estimator.lr_schedule, (best - 1) / epochs)
    return min(epochs, max(best, math.ceil(end * epochs - 1e-9)))


def _stop_after(epochs):
    """A skorch callback that ends the fit after ``epochs`` epochs (skorch, and with it
    torch, imported only when a refit runs)."""
    from skorch.callbacks import Callback

    class StopAfter(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) >= epochs:
                net.stop_training_ = True

    return StopAfter()


def _acts(estimator, X, sample_weight) -> bool:
    """Whether ``refit_on_all_rows`` refits this fit (see the module docstring)."""
    mode = getattr(estimator, "refit_on_all_rows", False)
    scores = estimator.__dict__.get("validation_scores_")
    trained_on_every_row = estimator.__dict__.get("_trained_on_every_row", False)
    if (not mode or not estimator.early_stopping or estimator.warm_start
            or estimator.solver == "lbfgs" or not scores or not np.isfinite(scores).any()
            or trained_on_every_row or _kept_the_constant(estimator)):
        return False
    if mode != "small":
        return estimator.__dict__.get("linear_model_") is None
    if sample_weight is not None:  # the caller's: a scalar or a list, as fit takes them
        sample_weight = _check_sample_weight(sample_weight, X)
    return count_rows(sample_weight, _num_samples(X)) < SMALL_FIT_ROWS


def refit_on_every_row(estimator, X, y, sample_weight):
    """After ``fit``: where ``refit_on_all_rows`` asks (see the module docstring), fit the
    network again on every row of ``X``, ``y``, ``sample_weight`` (the caller's, unchecked)
    with the first fit's schedule, up to the end of its best epoch's learning-rate cycle.
    Returns the estimator."""
    if not _acts(estimator, X, sample_weight):
        return estimator
    first_fit = dict(estimator.__dict__)  # a refit builds a new net: this keeps the old one
    stop = _stop_epoch(estimator)
    epochs = int(estimator.n_iter_)
    estimator.set_params(early_stopping=False, refit_on_all_rows=False, max_iter=epochs)
    try:
        with warnings.catch_warnings():
            # every epoch runs by design; the first fit already said what it had to
            warnings.simplefilter("ignore", ConvergenceWarning)
            estimator._fit(X, y, sample_weight, incremental=False,
                           callbacks=[_stop_after(stop)] if stop < epochs else None)
    except BaseException:  # Ctrl-C, out of memory: the first fit stands, finished work
        estimator.__dict__.clear()
        estimator.__dict__.update(first_fit)
        raise
    estimator.__dict__.update({name: first_fit[name] for name in (*_JUDGED, *_PARAMS)})
    return estimator


def fit_then_refit(estimator, X, y, sample_weight, callbacks):
    """``fit``: the first fit, then the second where ``refit_on_all_rows`` asks. What the
    first fit's hold-out noted for :func:`_acts` (``_trained_on_every_row``: it held
    nothing out) is dropped here whatever happens, so a fit that failed never keeps it."""
    try:
        estimator._fit(X, y, sample_weight, incremental=False, callbacks=callbacks)
        return refit_on_every_row(estimator, X, y, sample_weight)
    finally:
        estimator.__dict__.pop("_trained_on_every_row", None)
