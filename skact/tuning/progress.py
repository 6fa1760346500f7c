"""Progress from a grid search: fits counted as they are scored, epochs as they train.

:class:`Tuner` runs ``GridSearchCV`` in threads of this process, so both hooks here see
every fit. For an Optuna search the objective adds :class:`skact.engine.callbacks.EpochProgress`
itself, one per trial.
"""

from __future__ import annotations

import threading

from skorch.callbacks import Callback

from skact.engine.callbacks import EpochEvent


class FitCounter:
    """Wrap a scorer to call ``on_fit(record, best)`` after each fold is scored; ``best``
    (``{"score": ...}``) is the best mean score of the candidates whose ``n_folds`` folds are
    all scored, ``None`` before one is. A candidate is known by its values of the grid's
    ``param_names``, read from the fitted pipeline."""

    def __init__(self, scorer, on_fit, param_names=(), n_folds=1):
        self.scorer = scorer
        self.on_fit = on_fit
        self.param_names, self.n_folds = list(param_names), n_folds
        self._lock = threading.Lock()
        self._scores: dict[str, list[float]] = {}
        self._best = None
        self.n_ = 0

    def __call__(self, estimator, X, y, **kwargs):
        score = self.scorer(estimator, X, y, **kwargs)
        params = estimator.get_params()
        key = repr([params.get(name) for name in self.param_names])
        with self._lock:
            self.n_ += 1
            scores = self._scores.setdefault(key, [])
            scores.append(float(score))
            if len(scores) == self.n_folds:
                mean = sum(scores) / len(scores)
                if mean == mean and (self._best is None or mean > self._best):  # not NaN
                    self._best = mean
            best = None if self._best is None else {"score": self._best}
            self.on_fit({"number": self.n_, "state": "complete", "score": None}, best)
        return score


class GridEpochs(Callback):
    """One callback shared by every fit of a grid search (scikit-learn passes the same fit
    parameters to all of them), in parallel threads: each fit gets a number when it starts,
    in the order the search starts them (candidate by candidate, fold by fold).

    Events carry ``tag=("fit", k)`` for the ``k``-th cross-validation fit (1-based) and
    ``tag=("refit", None)`` for the search's refit of the best candidate on all rows.
    """

    def __init__(self, sink, max_epochs, n_fits):
        self.sink = sink
        self.max_epochs = max_epochs
        self.n_fits = n_fits
        self._lock = threading.Lock()
        self._started = 0
        self._fits = {}  # id(net) -> [fit number, epochs done]

    def _send(self, net, finished=False):
        number, epoch = self._fits[id(net)]
        tag = ("fit", number) if number <= self.n_fits else ("refit", None)
        self.sink(EpochEvent(epoch, self.max_epochs, finished, number, tag))

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        with self._lock:
            self._started += 1
            self._fits[id(net)] = [self._started, 0]
        self._send(net)

    def on_epoch_end(self, net, **kwargs):
        self._fits[id(net)][1] += 1
        self._send(net)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        self._send(net, finished=True)
        with self._lock:
            del self._fits[id(net)]
