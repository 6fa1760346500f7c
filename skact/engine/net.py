"""skorch's ``NeuralNet``, specialised for skact's in-memory training. Internal.

The public estimators wrap this class (they never subclass skorch). What it
changes in skorch's loop, and why:

- Batches are sliced from tensors already in memory
  (:class:`skact.engine.batches.Batches`), not gathered row by row through a ``Dataset``
  and collated.
- The epoch loss is summed on the device and read once per epoch; skorch's
  per-batch history writes (one ``loss.item()`` sync each) are not made.
- Batch-level callbacks are notified only when a callback overrides those
  hooks, so an unused hook costs nothing per batch.
- Training stops when a callback sets ``net.stop_training_``, not through
  ``KeyboardInterrupt`` (which skorch's ``partial_fit`` swallows): a user's
  Ctrl-C always reaches the caller.

This is the one module that uses skorch's private parts: it overrides ``_set_training``
(called by skorch's evaluation steps) and calls ``_initialize_optimizer`` where skorch has
it (:meth:`SkactNet.reinitialize_optimizer`, with the public ``initialize_optimizer`` as
fallback). ``tests/engine/test_skorch_internals.py`` names the skorch release when either
changes upstream.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from skorch import NeuralNet
from skorch.callbacks import Callback, EpochTimer
from skorch.utils import TeeGenerator

from skact.engine.manual_backward import manual_step_for
from skact.engine.torch_internals import (
    bare_optimizer_steps,
    foreach_add_,
    foreach_norm,
    optimizers_built_without_dynamo,
)
from skact.nn.modules import weight_layers
from skact.nn.schedules import factor

__all__ = ["PerSampleLoss", "SkactNet"]


class PerSampleLoss(torch.nn.Module):
    """scikit-learn's MLP losses, one value per sample, computed from raw outputs.

    kind: "cross_entropy" (softmax, multiclass), "binary" (logistic per output,
    summed: binary and multilabel), "squared_error" (half the squared error,
    averaged over outputs) or "poisson" (exp link, summed over outputs).
    ``label_smoothing`` (classification) trains towards ``1 - eps`` for the true class
    and spreads ``eps`` evenly over all classes (over {0, 1} for logistic outputs).
    """

    label_smoothing = 0.0  # the value of nets pickled before the parameter existed

    def __init__(self, kind, label_smoothing=0.0):
        super().__init__()
        self.kind = kind
        self.label_smoothing = label_smoothing

    def _smoothed(self, y):
        eps = self.label_smoothing
        return y * (1 - eps) + eps / 2 if eps else y

    def forward(self, raw, y):
        if self.kind == "cross_entropy":
            return F.cross_entropy(raw, y, reduction="none",
                                   label_smoothing=self.label_smoothing)
        if self.kind == "binary":
            return F.binary_cross_entropy_with_logits(
                raw, self._smoothed(y), reduction="none"
            ).sum(1)
        if self.kind == "squared_error":
            return 0.5 * (raw - y).pow(2).mean(1)
        if self.kind == "poisson":
            return (torch.xlogy(y, y) - y * raw - y + torch.exp(raw)).sum(1)
        raise ValueError(f"Unknown loss kind {self.kind!r}.")

    def mean(self, raw, y):
        """The unweighted mean of :meth:`forward`, fused where torch offers it."""
        if self.kind == "cross_entropy":
            return F.cross_entropy(raw, y, label_smoothing=self.label_smoothing)
        if self.kind == "squared_error":
            return 0.5 * F.mse_loss(raw, y)
        return self(raw, y).mean()


def _overrides(callback, hook):
    return getattr(type(callback), hook) is not getattr(Callback, hook)


class SkactNet(NeuralNet):
    """The skorch net an estimator builds in ``fit`` and stores as ``net_``.

    Parameters beyond skorch's: ``alpha``, the L2 penalty on weights (not
    biases), scaled as in scikit-learn by ``0.5 * alpha / sum(batch weights)``.
    A learning-rate schedule over the fit is set with :meth:`plan_learning_rate`.
    """

    _lr_plan = None  # (schedule, warmup_fraction, total_steps), or None: lr left alone
    _manual_step = None  # a ManualStep while a plain MLP trains (set per fit)
    _bare_steps = None  # the optimizers' steps without torch's hook wrapper (set per fit)
    _batch_rows = None  # a skact.nn.row_noise.BatchRows while its module trains (set per fit)
    _batch_keys = None  # the content keys of the batch being trained on, where Batches has them

    def __init__(self, module, *args, alpha=0.0, **kwargs):
        super().__init__(module, *args, **kwargs)
        self.alpha = alpha

    def get_default_callbacks(self):
        return [("epoch_timer", EpochTimer())]

    def initialize(self):
        super().initialize()
        # skorch pickles the attributes named here with torch's device mapping (a GPU model
        # loads on a CPU-only machine) and keeps their shared tensors shared. ``module`` is
        # the instance the estimator passed in (module_ itself); ``_penalised`` and
        # ``_trained`` list its weights: pickled plainly they would be second copies, tied to
        # the GPU (a GPU model's pickle then failed to load without one, seen on an H100).
        extra = [n for n in ("module", "_penalised", "_trained")
                 if n not in self.cuda_dependent_attributes_]
        self.cuda_dependent_attributes_ = [*self.cuda_dependent_attributes_, *extra]
        return self

    def initialize_optimizer(self, *args, **kwargs):
        with optimizers_built_without_dynamo():  # skact.engine.torch_internals says why
            return super().initialize_optimizer(*args, **kwargs)

    def reinitialize_optimizer(self):
        """A fresh optimizer from the current ``optimizer``, ``lr`` and ``optimizer__*``
        (a warm start after ``set_params``). skorch's private ``_initialize_optimizer`` also
        points ``set_params(lr=...)`` at the new optimizer; a skorch without it gets the
        public ``initialize_optimizer``, which builds the same optimizer."""
        rebuild = getattr(super(), "_initialize_optimizer", None)
        return rebuild() if rebuild is not None else self.initialize_optimizer()

    # -- loss ---------------------------------------------------------------
    def get_loss(self, y_pred, y_true, X=None, training=False):
        """scikit-learn's objective: the (weighted) mean loss plus the L2 penalty."""
        loss, total = self._data_loss(y_pred, y_true)
        if self.alpha:
            loss = loss + 0.5 * self.alpha * self._sum_of_squares() / total
        return loss

    def _data_loss(self, y_pred, y_true):
        """The mean loss over the batch, and what the penalty is divided by."""
        y, w = y_true
        if w is None:
            return self.criterion_.mean(y_pred, y), y_pred.shape[0]
        total = w.sum()
        return (self.criterion_(y_pred, y) * w).sum() / total, total

    def _sum_of_squares(self):
        weights = getattr(self, "_penalised", None) or self.penalised_parameters()
        return torch.stack([w.pow(2).sum() for w in weights]).sum()

    def _add_penalty_gradient(self, loss, total, add_to_grads=True):
        """The L2 term, added straight to the gradients (as scikit-learn does).

        Differentiating ``0.5 * alpha * sum(W**2) / total`` through autograd
        costs several small ops per layer forward and backward, about 30% of
        a small network's step; ``grad += alpha / total * W`` is one op per
        layer (none when the hand-written backward pass has added it:
        ``add_to_grads=False``). Returns the penalised loss value, for the loss curve.
        """
        coef = self.alpha / total
        weights = [w for w in self._penalised if w.grad is not None]
        with torch.no_grad():
            # torch's multi-tensor kernels: one launch for all layers
            norms = foreach_norm(weights)
            squares = torch.dot(norms, norms)
            if not add_to_grads:
                return torch.add(loss, squares, alpha=0.5 * coef)
            foreach_add_([w.grad for w in weights], weights, alpha=coef)
            if isinstance(coef, torch.Tensor):
                return loss.detach() + 0.5 * coef * squares
            return torch.add(loss.detach(), squares, alpha=0.5 * coef)  # one op, not three

    def penalised_parameters(self):
        """Weights of every Linear/Conv layer: what scikit-learn's ``alpha`` penalises."""
        return [m.weight for m in weight_layers(self.module_)]

    # -- learning-rate schedule ----------------------------------------------
    def plan_learning_rate(self, schedule, warmup_fraction, total_steps, restart):
        """Scale every param group's initial lr by ``schedule`` before each step.

        ``total_steps`` spans the whole schedule; ``restart`` starts it over (a new
        ``fit``), otherwise it continues where the last call stopped (``partial_fit``).
        """
        if schedule == "constant" and not warmup_fraction:
            self._lr_plan = None
            return
        if restart or not hasattr(self, "lr_step_"):
            self.lr_step_ = 0
        for group in self.optimizer_.param_groups:
            group.setdefault("initial_lr", group["lr"])  # torch's schedulers' key, too
        self._lr_plan = (schedule, warmup_fraction, max(int(total_steps), 1))

    def _set_scheduled_lr(self):
        schedule, warmup_fraction, total = self._lr_plan
        scale = factor(schedule, self.lr_step_ / total, warmup_fraction)
        for group in self.optimizer_.param_groups:
            group["lr"] = group["initial_lr"] * scale
        self.lr_step_ += 1

    # -- loop ---------------------------------------------------------------
    def train_epochs(self, batches, epochs):
        """Run up to ``epochs`` epochs over ``batches``; exceptions propagate."""
        self.stop_training_ = False
        listeners = [cb for _, cb in self.callbacks_]
        self._batch_listeners = [
            cb for cb in listeners
            if _overrides(cb, "on_batch_begin") or _overrides(cb, "on_batch_end")
        ]
        self._grad_listeners = [cb for cb in listeners if _overrides(cb, "on_grad_computed")]
        # found once per fit rather than by walking the module on every batch
        self._penalised = self.penalised_parameters()
        self._trained = [p for g in self.optimizer_.param_groups for p in g["params"]]
        self.notify("on_train_begin", X=batches, y=None)
        # after on_train_begin, which may register hooks (diagnostics does): plain MLPs
        # skip autograd (skact.engine.manual_backward), unhooked optimizers their step wrappers
        self._manual_step = None if self.requires_closure() else manual_step_for(self)
        self._bare_steps = bare_optimizer_steps([getattr(self, name + "_")
                                                 for name in self._optimizers])
        try:
            for _ in range(epochs):
                self.notify("on_epoch_begin", dataset_train=batches, dataset_valid=None)
                self.run_single_epoch(batches, training=True, prefix="train",
                                      step_fn=self.train_step)
                self.notify("on_epoch_end", dataset_train=batches, dataset_valid=None)
                if self.stop_training_:
                    break
        finally:
            # per fit only: they hold the module's layers and bound methods, not for pickling
            self.__dict__.pop("_manual_step", None)
            self.__dict__.pop("_bare_steps", None)
            self.__dict__.pop("_batch_keys", None)  # a batch's row keys: not for the pickle
            self.notify("on_train_end", X=batches, y=None)
        return self

    def _set_training(self, training=True):
        # train()/eval() walk every submodule: once per fit, not once per epoch. This
        # overrides skorch's private hook (its evaluation and validation steps call it too;
        # tests/engine/test_skorch_internals.py checks that they still do)
        for module in (self.module_, self.criterion_):
            if module.training != training:
                module.train(training)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        self._set_training(training)
        # Batch losses stay on the device until the epoch ends: no per-batch sync,
        # and no per-batch arithmetic either (they are weighted by rows once, below).
        losses, rows = [], []
        scheduled = training and self._lr_plan is not None
        for batch in iterator:
            if scheduled:
                self._set_scheduled_lr()
            self._batch_keys = getattr(iterator, "batch_keys", None)
            if self._batch_listeners:
                self.history.new_batch()  # skorch's batch-level callbacks read it
                self._notify_some(self._batch_listeners, "on_batch_begin",
                                  batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            losses.append(step["loss"].detach())
            rows.append(batch[0].shape[0])
            if self._batch_listeners:
                self._notify_some(self._batch_listeners, "on_batch_end",
                                  batch=batch, training=training, **step)
        # One device sync per epoch; this is scikit-learn's ``loss_``.
        if len(losses) == 1:  # one batch of every row: its mean is the epoch's
            mean = float(losses[0].item())
        else:
            weights = torch.tensor(rows, dtype=losses[0].dtype, device=losses[0].device)
            total = torch.dot(torch.stack(losses), weights)
            mean = float(total.item()) / iterator.n_samples
        self.history.record(prefix + "_loss", mean)

    def train_step(self, batch, **fit_params):
        if self.requires_closure():
            return self._train_step_with_closure(batch)
        Xi, yi = batch
        penalised = False
        if self._manual_step is not None:  # sets every gradient itself
            y_pred, loss, total, penalised = self._manual_step(Xi, *yi)
        else:
            self._clear_grads()
            y_pred = self._training_forward(Xi, yi[1])
            loss, total = self._data_loss(y_pred, yi)
            loss.backward()
        if self.alpha:
            loss = self._add_penalty_gradient(loss, total, add_to_grads=not penalised)
        if self._grad_listeners:
            self._notify_some(
                self._grad_listeners, "on_grad_computed",
                named_parameters=TeeGenerator(self.get_all_learnable_params()),
                batch=batch, training=True,
            )
        self._step_optimizer()
        return {"loss": loss, "y_pred": y_pred}

    def _clear_grads(self):
        """What ``optimizer.zero_grad()`` does for the parameters the optimizer held when
        the fit began, without its per-call wrappers (and the ``torch._dynamo`` import one
        of them makes: skact.engine.torch_internals)."""
        for param in self._trained:
            param.grad = None

    def _step_optimizer(self, closure=None):
        """One optimizer step (skact's own train steps call this, not skorch's)."""
        if closure is None and self._bare_steps:
            for step in self._bare_steps:
                step()
        elif closure is None:
            self.optimizer_.step()
        else:
            self.optimizer_.step(closure)

    def _train_step_with_closure(self, batch):
        """L-BFGS evaluates the loss several times per step; keep the last value."""
        Xi, yi = batch
        last = {}

        def closure():
            self._clear_grads()
            y_pred = self._training_forward(Xi, yi[1])
            loss = self.get_loss(y_pred, yi, X=Xi, training=True)
            loss.backward()
            last.update(loss=loss.detach(), y_pred=y_pred)
            return loss

        self._step_optimizer(closure)
        return last

    def _training_forward(self, Xi, weights):
        """``module_(Xi)``, its dropout and batch norm told which rows (and weights) these are."""
        batch = self._batch_rows
        if batch is None:
            return self.module_(Xi)
        batch.begin(Xi, weights, self._batch_keys)
        try:
            return self.module_(Xi)
        finally:
            batch.end()

    def requires_closure(self):
        return isinstance(self.optimizer_, torch.optim.LBFGS)

    def _notify_some(self, callbacks, method_name, **kwargs):
        for callback in callbacks:
            getattr(callback, method_name)(self, **kwargs)
