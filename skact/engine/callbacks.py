"""skorch callbacks that skact adds to the training loop.

:class:`EpochProgress` tells a progress display (``skact tune``, ``skact compare``) which
epoch each fit is at; it is added only when a display asks, so a fit without one pays nothing.
:class:`OptunaPruning` reports each epoch's validation score to an Optuna trial and stops
hopeless trials. It is bound to one trial, so it is passed to ``fit`` (``est.fit(X, y,
callbacks=[cb])``, or ``pipe.fit(X, y, mlpclassifier__callbacks=[cb])`` in a pipeline) rather
than stored as a constructor parameter, which ``clone`` would deep-copy away from the study.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from skorch.callbacks import Callback

__all__ = ["EpochEvent", "EpochProgress", "OptunaPruning"]


@dataclass(frozen=True)
class EpochEvent:
    """Where one fit is, as :class:`EpochProgress` reports it.

    ``epoch`` is 0 when the fit starts and ``k`` after its ``k``-th epoch; ``finished`` is
    true once, when the fit ends (all epochs, stopped early, pruned, failed or interrupted).
    ``fit`` counts the fits the callback has seen, from 1: the fold, when one callback serves
    a trial's cross-validation. ``tag`` is what the caller gave the callback (a trial number,
    an activation and fold, ...).
    """

    epoch: int
    max_epochs: int | None
    finished: bool = False
    fit: int = 1
    tag: Any = None


class EpochProgress(Callback):
    """Call ``sink(EpochEvent)`` when each fit starts, after each epoch, and when it ends.

    Like :class:`OptunaPruning`, pass it to ``fit`` (``pipe.fit(X, y,
    model__callbacks=[cb])``). One instance serves consecutive fits (one per fold); fits
    running at the same time in several threads need one instance each. The cost is one call
    per epoch, nothing per batch.

    Parameters
    ----------
    sink : callable
        Receives an :class:`EpochEvent`; it must be quick (it runs between epochs) and, for
        fits in threads, thread-safe.
    max_epochs : int, default=None
        The fit's ``max_iter``, passed on for "epoch 12 of 100".
    tag : object, default=None
        Passed on in every event.

    Attributes
    ----------
    n_fits_ : int
        Fits started so far.
    epoch_ : int
        Epochs finished in the current fit.
    """

    def __init__(self, sink: Callable[[EpochEvent], None], max_epochs=None, tag=None):
        self.sink = sink
        self.max_epochs = max_epochs
        self.tag = tag
        self.n_fits_ = 0
        self.epoch_ = 0

    def _send(self, finished=False):
        self.sink(EpochEvent(self.epoch_, self.max_epochs, finished, self.n_fits_, self.tag))

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.n_fits_ += 1
        self.epoch_ = 0
        self._send()

    def on_epoch_end(self, net, **kwargs):
        self.epoch_ += 1
        self._send()

    def on_train_end(self, net, X=None, y=None, **kwargs):
        self._send(finished=True)


class OptunaPruning(Callback):
    """Report the per-epoch validation score to an Optuna trial; prune when told to.

    The estimator must be fitted with ``early_stopping=True`` so that each epoch's history
    entry holds ``valid_score`` (accuracy for classifiers, R² for regressors, on the held-out
    ``validation_fraction``). Epochs without it are not reported.

    One callback may serve several fits of the same trial, one per cross-validation fold: the
    ``k``-th fit reports its epoch ``e`` (1-based) as step ``k * steps_per_fit + e``, so folds
    never report the same step twice and the pruner compares fold ``k`` epoch ``e`` across
    trials.

    Parameters
    ----------
    trial : optuna.trial.BaseTrial
        The trial to report to. ``optuna.trial.FixedTrial`` works too (it never prunes).
    steps_per_fit : int, default=1000
        Step offset between consecutive fits; set it to at least ``max_iter``.
    monitor : str, default="valid_score"
        The history key to report; greater must be better for the default direction.
    prune : bool, default=True
        Ask the pruner after each report; ``False`` only reports (``skact tune``'s seeded
        first trials run to the end, and their scores are what later trials are judged by).

    Attributes
    ----------
    n_fits_ : int
        Fits seen so far (incremented at the start of each fit).
    last_step_ : int or None
        The last step reported.

    Raises
    ------
    optuna.TrialPruned
        From ``on_epoch_end`` when the trial's pruner says so. skact's ``fit`` lets it
        propagate; run cross-validation with ``error_score="raise"`` so scikit-learn does not
        turn it into a NaN score.
    """

    def __init__(self, trial, steps_per_fit=1000, monitor="valid_score", prune=True):
        self.trial = trial
        self.steps_per_fit = steps_per_fit
        self.monitor = monitor
        self.prune = prune
        self.n_fits_ = 0
        self.last_step_ = None

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.n_fits_ += 1

    def on_epoch_end(self, net, **kwargs):
        import optuna

        entry = net.history[-1]
        if self.monitor not in entry:
            return
        score = float(entry[self.monitor])
        epoch = int(entry.get("epoch", len(net.history)))
        step = max(self.n_fits_ - 1, 0) * self.steps_per_fit + epoch
        self.trial.report(score, step)
        self.last_step_ = step
        if self.prune and self.trial.should_prune():
            raise optuna.TrialPruned(
                f"pruned at fit {self.n_fits_}, epoch {epoch} ({self.monitor}={score:.4g})"
            )
