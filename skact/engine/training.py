"""scikit-learn's MLP training rules for skorch: stopping, learning-rate schedules, output.

Internal: the estimators add these callbacks to every net they build, hold out
rows for early stopping with :func:`hold_out`, and print ``verbose`` output
with :func:`print_fit_start` and :class:`EpochPrinter`. The state that
scikit-learn keeps on the estimator (``n_iter_``, ``t_``, ``loss_curve_``,
``best_loss_``, ...) lives on :class:`ConvergenceMonitor` between
``partial_fit`` calls and is copied onto the estimator after each fit.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.model_selection import train_test_split
from skorch.callbacks import Callback

from skact.engine.torch_internals import foreach_copy_

__all__ = ["ConvergenceMonitor", "EpochPrinter", "finish_lbfgs", "hold_out", "mini_batch_size",
           "print_fit_start"]


#: A fit that ends with its training loss above this multiple of its lowest one keeps the
#: weights of the lowest-loss epoch instead of the last.
RESTORE_RATIO = 2.0

#: ``batch_size='balanced'``: the most rows in one of its equal batches.
BALANCED_BATCH_ROWS = 256


class ConvergenceMonitor(Callback):
    """Tracks the loss curve, validation scores and when to stop, as scikit-learn does.

    Parameters
    ----------
    tol, n_iter_no_change, early_stopping, learning_rate, learning_rate_init,
    power_t, solver
        The estimator's parameters of the same names.
    """

    # class-level values for monitors pickled before these attributes existed
    scheduled = False
    restored_ = None

    def __init__(self, *, tol, n_iter_no_change, early_stopping, learning_rate,
                 learning_rate_init, power_t, solver):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.solver = solver
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_ = None
        self.loss_curve_ = []
        self.no_improvement_count_ = 0
        self.validation_scores_ = [] if early_stopping else None
        self.best_validation_score_ = -np.inf if early_stopping else None
        self.best_loss_ = None if early_stopping else np.inf
        self.best_state_ = None
        self.stop_message_ = None
        self.diverged_ = False
        self.diverged_loss_ = None
        self.fallback_state_ = None
        self.fallback_epoch_, self.fallback_loss_ = 0, np.inf
        self.current_lr_ = learning_rate_init
        self.scheduled = False  # set per fit: is an lr_schedule running?
        self.restored_ = None
        self.validation_scorer = None  # set by the estimator for each fit
        self.held_out_rows = None  # ((X, y, w) trained on, (X, y, w) held out), per fit

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_live_state", None)  # views of the module's tensors, found again per fit
        state["held_out_rows"] = None  # this fit's data (left by a fit that failed early)
        # the best weights are kept for warm starts; pickled on the CPU so a model trained
        # on a GPU loads on a machine without one (load_state_dict copies them back)
        if self.best_state_ is not None:
            state["best_state_"] = {k: v.cpu() for k, v in self.best_state_.items()}
        return state

    def on_train_begin(self, net, **kwargs):
        self.stop_message_ = None
        self.restored_ = None
        if self.fallback_state_ is None:
            self._keep_fallback(net, epoch=0, loss=np.inf)

    def restored_message(self, advice):
        """What the estimator warns when :meth:`on_train_end` kept earlier weights."""
        restored = self.restored_
        return (
            f"Training ended with loss {restored['last_loss']:.4g}, more than "
            f"{RESTORE_RATIO:g}x its lowest ({restored['loss']:.4g} in epoch "
            f"{restored['epoch']}), so the weights of epoch {restored['epoch']} were kept. "
            f"{advice}"
        )

    def on_train_end(self, net, **kwargs):
        self.__dict__.pop("_live_state", None)  # views of the module's tensors: per fit only
        # A fit whose last epoch ends far above its lowest training loss has wandered off
        # (a rate too high for the data, a few bad batches late on); the weights of the
        # lowest-loss epoch are the better model. Early stopping restores its own best.
        # Near a perfect fit, losses of 0.002 and 0.004 are both "zero": the gap must also
        # be a visible share of where training started.
        if (self.early_stopping or self.diverged_ or self.loss_ is None
                or not np.isfinite(self.fallback_loss_) or not self.loss_curve_
                or self.loss_ <= RESTORE_RATIO * self.fallback_loss_
                or self.loss_ - self.fallback_loss_ <= 0.05 * self.loss_curve_[0]):
            return
        net.module_.load_state_dict(self.fallback_state_)
        self.restored_ = {"epoch": self.fallback_epoch_, "loss": self.fallback_loss_,
                          "last_loss": self.loss_}
        self.loss_ = self.fallback_loss_

    def _live(self, net):
        """The module's tensors, found once per fit (``state_dict()`` walks every submodule)."""
        live = self.__dict__.get("_live_state")
        if live is None:
            live = self._live_state = {
                k: v.detach() for k, v in net.module_.state_dict().items()}
            # copies kept by an earlier fit may sit elsewhere (an unpickled model's are on the
            # CPU): moved once here, so each snapshot is a plain copy into them
            for name in ("fallback_state_", "best_state_"):
                setattr(self, name, _laid_out_like(getattr(self, name), live))
        return live

    def _keep_fallback(self, net, epoch, loss):
        """Remember the weights with the lowest training loss so far: what a
        diverged run falls back to (they must still give finite predictions,
        which the epochs just before a blow-up often do not)."""
        if epoch == 0:  # a new fit: the module's tensors may be new ones
            self.__dict__.pop("_live_state", None)
        self.fallback_state_ = _snapshot(self.fallback_state_, self._live(net))
        self.fallback_epoch_, self.fallback_loss_ = epoch, loss

    def on_epoch_end(self, net, dataset_train=None, **kwargs):
        record = net.history[-1]
        # what the optimizer used this epoch (a caller's LRScheduler may have changed it)
        record["lr"] = net.optimizer_.param_groups[0]["lr"]
        if not np.isfinite(record["train_loss"]):
            # Nothing more can be learned from NaN/inf: go back to the best
            # finite weights and stop; the estimator says what to try.
            net.module_.load_state_dict(self.fallback_state_)
            self.diverged_ = True
            self.diverged_loss_ = record["train_loss"]
            if self.early_stopping:  # what scikit-learn records for this epoch's score
                record["valid_score"] = float("nan")
                self.validation_scores_.append(float("nan"))
            net.stop_training_ = True
            return
        self.n_iter_ += 1
        self.t_ += dataset_train.n_samples
        self.loss_ = record["train_loss"]
        self.loss_curve_.append(self.loss_)
        if self.loss_ < self.fallback_loss_:
            self._keep_fallback(net, len(net.history), self.loss_)
        self._update_no_improvement_count(net, record)
        if self.solver == "sgd" and self.learning_rate == "invscaling":
            self.current_lr_ = self.learning_rate_init / (self.t_ + 1) ** self.power_t
            _set_lr(net, self.current_lr_)
        if self.no_improvement_count_ > self.n_iter_no_change:
            self._trigger_stopping(net)

    def _update_no_improvement_count(self, net, record):
        if self.early_stopping:
            score = self.validation_scorer(net.module_)
            record["valid_score"] = score
            self.validation_scores_.append(score)
            if score < self.best_validation_score_ + self.tol:
                self.no_improvement_count_ += 1
            else:
                self.no_improvement_count_ = 0
            # Under a learning-rate schedule a later epoch with the same score has trained at
            # a lower rate, so ties go to it; otherwise the first best, as scikit-learn keeps.
            tie_to_later = self.scheduled and score == self.best_validation_score_
            if score > self.best_validation_score_ or tie_to_later:
                self.best_validation_score_ = score
                self.best_state_ = _snapshot(self.best_state_, self._live(net))
        else:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self.no_improvement_count_ += 1
            else:
                self.no_improvement_count_ = 0
            if self.loss_curve_[-1] < self.best_loss_:
                self.best_loss_ = self.loss_curve_[-1]

    def _trigger_stopping(self, net):
        what = "Validation score" if self.early_stopping else "Training loss"
        message = (
            f"{what} did not improve more than tol={self.tol:f} for "
            f"{self.n_iter_no_change} consecutive epochs."
        )
        if self.solver == "sgd" and self.learning_rate == "adaptive":
            if self.current_lr_ > 1e-6:
                self.current_lr_ /= 5.0
                _set_lr(net, self.current_lr_)
                self.no_improvement_count_ = 0
                self.stop_message_ = message + f" Setting learning rate to {self.current_lr_:f}"
                return
            message += " Learning rate too small."
        self.stop_message_ = message + " Stopping."
        net.stop_training_ = True


def finish_lbfgs(estimator, net, monitor):
    """scikit-learn's attributes after an L-BFGS fit, and its ConvergenceWarning when the
    run ended at ``max_iter`` iterations or ``max_fun`` loss evaluations (torch counts
    both in the optimizer's state; a line search may overshoot ``max_fun``)."""
    from sklearn.exceptions import ConvergenceWarning

    state = net.optimizer_.state[next(iter(net.module_.parameters()))]
    estimator.n_iter_ = int(state.get("n_iter", 0))
    estimator.t_ = 0
    estimator.loss_ = float(monitor.loss_)
    if estimator.n_iter_ >= estimator.max_iter or state.get("func_evals", 0) >= estimator.max_fun:
        warnings.warn(
            f"lbfgs failed to converge after {estimator.n_iter_} iteration(s) "
            f"(max_iter={estimator.max_iter}, max_fun={estimator.max_fun}). Increase them "
            "or scale the data, e.g. with StandardScaler.",
            ConvergenceWarning,
            stacklevel=5,  # finish_lbfgs < _finish_fit < _fit < fit < the caller
        )


def _laid_out_like(kept, live):
    """``kept`` (an earlier copy of the module's tensors, or None) on ``live``'s devices and
    dtypes; None when it does not hold the same tensors."""
    if kept is None or kept.keys() != live.keys() or any(
            kept[k].shape != v.shape for k, v in live.items()):
        return None
    return {k: kept[k].to(device=v.device, dtype=v.dtype) for k, v in live.items()}


def _snapshot(kept, live):
    """A copy of the tensors ``live``: into ``kept``, an earlier copy of the same layout
    (made so when ``live`` is found, see ``_live``), so an improving epoch allocates
    nothing; new tensors the first time."""
    if kept is None:
        return {k: v.clone() for k, v in live.items()}
    # one multi-tensor copy, not one per tensor: this runs on most epochs of a fit
    foreach_copy_([kept[k] for k in live], list(live.values()))
    return kept


def _set_lr(net, lr):
    for group in net.optimizer_.param_groups:
        group["lr"] = lr


def print_fit_start(estimator, plan, n_samples, dtype, device):
    """``verbose`` output: the line before training starts (what runs, on what)."""
    sizes = "-".join(map(str, plan.hidden)) or "none"
    print(
        f"{type(estimator).__name__}: activation={plan.activation_label}, "
        f"hidden layers={sizes}, solver={estimator.solver}, {n_samples} samples, "
        f"{str(dtype).replace('torch.', '')} on {device}",
        flush=True,
    )


class EpochPrinter(Callback):
    """``verbose`` output: one line per epoch (loss, validation score, time)."""

    def __init__(self, monitor):
        self.monitor = monitor

    def on_epoch_begin(self, net, **kwargs):
        self._start = time.perf_counter()

    def on_train_end(self, net, **kwargs):
        monitor = self.monitor
        if monitor.diverged_:
            print(f"Loss became {monitor.diverged_loss_} in epoch {len(net.history)}; "
                  f"kept the weights of epoch {monitor.fallback_epoch_}.", flush=True)

    def on_epoch_end(self, net, **kwargs):
        record = net.history[-1]
        line = f"Iteration {self.monitor.n_iter_}, loss = {record['train_loss']:.8f}"
        if "valid_score" in record:
            line += f", validation score = {record['valid_score']:.6f}"
        line += f", {time.perf_counter() - self._start:.2f}s"
        print(line, flush=True)
        if self.monitor.stop_message_:
            print(self.monitor.stop_message_, flush=True)
            if not net.stop_training_:
                self.monitor.stop_message_ = None


def hold_out(X, y, w, *, fraction, stratify, rng, by_content_seed=None):
    """Split off ``fraction`` of the rows for early stopping.

    X is a tensor or a scipy sparse matrix, y and w tensors (w may be None). As scikit-learn
    does (``train_test_split`` with ``rng``), or, given ``by_content_seed``, by the rows'
    content (:func:`skact.nn.row_noise.hold_out_by_content`: copies of a row, or a row of
    weight 2, land on the same side). Returns ``(X, y, w)`` to train on and ``(X, y, w)``
    held out.
    """
    n = X.shape[0]
    try:
        if by_content_seed is not None:
            from skact.nn.row_noise import hold_out_by_content

            train_idx, val_idx = hold_out_by_content(X, w, fraction=fraction,
                                                     stratify=stratify, seed=by_content_seed)
            if not len(train_idx):
                raise ValueError("no rows would be left to train on.")
        else:
            train_idx, val_idx = train_test_split(
                np.arange(n), random_state=rng, test_size=fraction, stratify=stratify,
            )
    except ValueError as exc:
        raise ValueError(
            f"Could not hold out validation_fraction={fraction} of "
            f"{n} samples for early_stopping: {exc} Use more samples, a larger "
            "validation_fraction, or early_stopping=False."
        ) from None
    if len(val_idx) < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' or the "
            f"size of your dataset ({len(val_idx)} of {n} samples would be held out)."
        )

    def take(a, idx):
        if a is None:
            return None
        if sp.issparse(a):
            return a[idx]
        return a[torch.as_tensor(idx, device=a.device)]

    return tuple(take(a, train_idx) for a in (X, y, w)), tuple(take(a, val_idx) for a in (X, y, w))


def hold_out_or_judge_on_training_rows(X, y, w, *, best_epoch_only, **options):
    """:func:`hold_out`; but where there are too few rows to hold any out and the held-out
    rows would only pick the best epoch (``n_iter_no_change=np.inf``: no early stop), judge
    the epochs on the training rows instead, with a warning, rather than refuse to fit (the
    Tabular estimators' defaults on a dozen rows)."""
    try:
        return hold_out(X, y, w, **options)
    except ValueError:
        if not best_epoch_only:
            raise
        warnings.warn(
            f"{X.shape[0]} rows are too few to hold out validation_fraction="
            f"{options['fraction']} of them for choosing the best epoch, so the epochs (and "
            "the constant and linear models) are judged on the training rows. Pass more "
            "rows, or set early_stopping=False to keep the last epoch.",
            UserWarning, stacklevel=6)
        return (X, y, w), (X, y, w)


def mini_batch_size(estimator, n_samples):
    """The rows per step for ``estimator.batch_size`` on ``n_samples`` training rows (or
    ``'adaptive'``, which :func:`skact.engine.batches.batches_of` deals by content)."""
    if estimator.batch_size == "auto":  # scikit-learn's
        return min(200, n_samples)
    if estimator.batch_size == "balanced":
        # Equal batches of at most 256 rows: 282 rows train as 141 + 141, not as 256 + 26,
        # whose second step would follow 26 rows' noisy gradient as far as the first
        # follows 256 rows' (measured in benchmarks/README.md).
        n_batches = -(-n_samples // BALANCED_BATCH_ROWS)  # ceiling divisions
        return -(-n_samples // n_batches)
    if estimator.batch_size == "adaptive":
        return "adaptive"  # counted from the distinct rows: skact.engine.batches.ContentBatches
    if estimator.batch_size > n_samples:
        warnings.warn(
            "Got `batch_size` less than 1 or larger than sample size. It is going to "
            "be clipped",
            stacklevel=5,  # mini_batch_size < _make_batches < _fit < fit < the caller
        )
    return int(np.clip(estimator.batch_size, 1, n_samples))
