"""The estimator contract: how every skact estimator fits and predicts.

:class:`BaseNeuralNet` holds the fit flow (``_fit``: a short shell over named
steps) and the predict flow; ``ClassifierNet`` and ``RegressorNet`` add a task
(``skact.estimators.classifier``, ``skact.estimators.regressor``), and the public estimators an
architecture. Parameter checks live in ``skact.estimators.validation``, the skorch wiring
in ``skact.engine.build``. torch and skorch are imported inside the methods that need
them, so importing skact (and ``skact --help``) does not pay for torch.
"""

from __future__ import annotations

import copyreg
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from skact.engine.plan import FitPlan
from skact.engine.seeding import _RNG_LOCK, _seeded
from skact.engine.threads import fit_threads, module_macs
from skact.estimators.classifier import ClassifierTask
from skact.estimators.linear_blend import after_fit, final_outputs
from skact.estimators.regressor import RegressorTask
from skact.estimators.small_data import count_rows
from skact.estimators.state import DATA_STATE, data_state, pickle_state, restore
from skact.estimators.validation import (
    _check_bool,
    _check_callbacks,
    _check_fit_sample_weight,
    _check_hyperparameters,
)

__all__ = ["BaseNeuralNet", "ClassifierNet", "RegressorNet", "TrainingDivergedWarning"]

# Up to this many rows, plain float ndarrays skip validate_data (see _validate_for_predict).
_SHORT_PATH_ROWS = 64
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
# scikit-learn's words for a fit that ends with NaN/inf weights (its tests match them)
_NON_FINITE = ("Solver produced non-finite parameter weights. The input data may contain "
               "large values and need to be preprocessed.")


class TrainingDivergedWarning(UserWarning):
    """The loss became NaN or infinite; the last finite weights were kept."""


def store_params(estimator, params):
    """Set every constructor argument as an attribute, unchanged (scikit-learn's rule)."""
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


class BaseNeuralNet(BaseEstimator):
    """Fit/predict machinery shared by every skact estimator.

    Subclasses provide ``_build_module(input_shape, n_outputs, make_activation,
    plan, X)`` (plan: the :class:`~skact.engine.plan.FitPlan`; X: the training data,
    for layers that take statistics from it),
    ``_prepare_input(X)`` (reshape, for CNNs), ``_allow_nd``, and the task hooks
    ``_encode_targets``/``_initial_output_bias``/``_loss_kind``/``_validation_scorer``.
    """

    _allow_nd = False
    _accept_sparse = ("csr", "csc")

    # -------------------------------------------------------------- pickling --
    # pickle and copy keep the whole fitted state (skorch net, optimizer); __getstate__ is the
    # data-only form (numpy weights) that skops and skact.save store: see skact.estimators.state
    def __reduce_ex__(self, protocol):
        return copyreg.__newobj__, (type(self),), pickle_state(dict(super().__getstate__()))

    def __getstate__(self):
        return data_state(dict(super().__getstate__()))  # may be the live __dict__: copied

    def __setstate__(self, state):
        super().__setstate__({k: v for k, v in state.items() if k != DATA_STATE})
        restore(self, state)  # the net from the data form's weights, or module_ from net_

    # ------------------------------------------------------------------ fit --
    def _fit(self, X, y, sample_weight=None, *, incremental=False, classes=None,
             callbacks=None):
        """The one path behind fit and partial_fit (first fits and warm starts alike)."""
        plan = self._check_params(callbacks, incremental)
        first_pass = not hasattr(self, "net_") or (not self.warm_start and not incremental)
        X, y, sample_weight = self._check_training_data(X, y, sample_weight, first_pass)
        if plan.dropout == "auto":  # by the caller's rows as copies (class weights do not count)
            plan = plan.for_rows(count_rows(sample_weight, X.shape[0]))
        y_train, sample_weight = self._encode_targets(
            y, sample_weight, first_pass=first_pass, incremental=incremental, classes=classes
        )
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        dtype = self._compute_dtype(X, first_pass)
        plan = plan.with_sample_weight(sample_weight)  # for statistics input layers take
        if hasattr(self, "linear_blend"):  # the MLPs: each fit decides afresh
            self.linear_model_ = self.repeated_rows_ = None
        # torch's thread count for this fit's size (see skact.engine.threads); the caller's after
        with _seeded(seed, plan.device), fit_threads() as threads:
            self._prepare_net(plan, X, y_train, dtype, seed, first_pass, incremental)
            batches, epochs = self._make_batches(plan, X, y, y_train, sample_weight, dtype,
                                                 rng, seed, incremental)
            self._plan_learning_rate(batches, incremental)
            threads.use(batches.batch_size * self._macs_per_row())
            try:
                self.net_.train_epochs(batches, epochs)
            finally:
                scorer = self._monitor.validation_scorer  # the held-out rows' scorer
                held_out = self._monitor.held_out_rows
                self._detach_fit_state()
        self._finish_fit(incremental)
        if not incremental:  # constant_fallback, linear_blend
            after_fit(self, scorer, held_out, y_train, sample_weight)
        return self

    def _check_params(self, callbacks, incremental):
        """Check every parameter, before any state changes; the normalised values fit uses."""
        plan = FitPlan(**_check_hyperparameters(self), **self._validate_architecture(),
                       callbacks=tuple(_check_callbacks(callbacks)))
        _check_bool(self, "diagnostics")
        self._activation_label = plan.activation_label
        if incremental and self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: there is no held-out "
                "validation set across calls. Use fit, or set early_stopping=False."
            )
        return plan

    def _check_training_data(self, X, y, sample_weight, first_pass):
        """scikit-learn's validation of X, y and sample_weight; X shaped for the module."""
        X, y = validate_data(
            self, X, y, reset=first_pass, accept_sparse=list(self._accept_sparse) or False,
            dtype=(np.float64, np.float32), multi_output=True, allow_nd=self._allow_nd,
            y_numeric=not self._is_classifier_net,
        )
        X = self._prepare_input(X)
        if not first_pass:
            self._check_sample_shape(X)
        return X, y, _check_fit_sample_weight(sample_weight, X)

    def _compute_dtype(self, X, first_pass):
        """float32 input trains in float32, anything else in float64; warm starts keep theirs."""
        import torch

        if first_pass:
            return torch.float32 if X.dtype == np.float32 else torch.float64
        return next(self.net_.module_.parameters()).dtype

    def _prepare_net(self, plan, X, y_train, dtype, seed, first_pass, incremental):
        """A new net on the first pass; otherwise the fitted one, ready for more epochs."""
        import torch

        from skact.engine.build import make_monitor, make_net, refresh_training_params
        from skact.nn.modules import seed_dropout

        device = plan.device
        if first_pass:
            self.n_outputs_ = (len(self.classes_) if self._loss_kind == "cross_entropy"
                               else y_train.shape[1])
            # partial_fit's first batch is too little to estimate a starting bias from
            bias = None if incremental else self._initial_output_bias(
                y_train, plan.sample_weight)
            with _RNG_LOCK:
                torch.default_generator.manual_seed(seed)  # the weights are drawn on the CPU
                self.net_ = make_net(self, plan, X, self.n_outputs_, dtype, device,
                                     reuse_assigned=incremental or self.warm_start,
                                     output_bias=bias)
            self._monitor = make_monitor(self)
            self._sample_shape = tuple(X.shape[1:])
            # 'auto' as resolved (a warm start keeps its network's): a saved model's layers
            self._dropout_rates = plan.dropout
            self._row_macs = module_macs(self.net_.module_, self._sample_shape)
            self.n_layers_ = self._count_layers(plan)
            self.out_activation_ = self._out_activation
        elif not incremental:
            refresh_training_params(self)  # warm_start: same weights, current parameters
        self.net_._batch_rows = seed_dropout(self.net_.module_, seed, device)
        self._monitor.n_iter_ = 0
        self._monitor.diverged_ = False
        self._set_fit_callbacks(plan.callbacks)

    def _set_fit_callbacks(self, extra):
        """(Re)attach this fit's callbacks: the monitor, verbose output, the caller's."""
        own = [("convergence", self._monitor)]
        if self.diagnostics:
            from skact.engine.diagnostics import DiagnosticsCallback

            # first, so the printer and the caller's callbacks see its records
            self._diagnostics = DiagnosticsCallback(self._activation_label)
            own.insert(0, ("diagnostics", self._diagnostics))
        if self.verbose:
            from skact.engine.training import EpochPrinter

            own.append(("printer", EpochPrinter(self._monitor)))
        named = own + [(f"callback_{i}", cb) for i, cb in enumerate(extra)]
        self.net_.callbacks_ = list(self.net_.get_default_callbacks()) + named
        for _, cb in named:
            cb.initialize()

    def _make_batches(self, plan, X, y, y_train, sample_weight, dtype, rng, seed,
                      incremental):
        """The training data as device tensors in mini-batches, less any held-out rows."""
        import torch

        from skact.engine.batches import batches_of, to_tensor
        from skact.engine.training import mini_batch_size, print_fit_start
        from skact.nn.row_noise import training_keys

        device = plan.device
        if self.verbose:
            print_fit_start(self, plan, X.shape[0], dtype, device)
        X_t = X if sp.issparse(X) else to_tensor(X, dtype, device)
        y_dtype = torch.long if self._loss_kind == "cross_entropy" else dtype
        y_t = to_tensor(y_train, y_dtype, device)
        w_t = None if sample_weight is None else to_tensor(sample_weight, dtype, device)
        X_t, y_t, w_t = self._split_validation(X_t, y_t, w_t, y, rng, seed)

        generator = torch.Generator().manual_seed(seed)
        if self.solver == "lbfgs":
            batch_size, epochs = X_t.shape[0], 1
        else:
            batch_size = mini_batch_size(self, X_t.shape[0])
            epochs = 1 if incremental else self.max_iter
        if self.batch_norm and X_t.shape[0] < 2:
            raise ValueError(
                f"batch_norm=True needs at least 2 samples to train on; got {X_t.shape[0]} "
                "sample. Pass more samples or set batch_norm=False."
            )
        batches = batches_of(X_t, y_t, w_t, batch_size, self.shuffle, generator, dtype=dtype,
                             device=device, no_single_row=self.batch_norm,
                             keys=training_keys(self.net_._batch_rows, X_t, device))
        return batches, epochs

    def _plan_learning_rate(self, batches, incremental):
        """``lr_schedule``, ``warmup_fraction`` (and a per-epoch weight decay) over ``batches``.

        Each fit starts the schedule over; ``partial_fit`` calls continue it, one epoch each.
        """
        if self.solver != "lbfgs":
            from skact.engine.build import set_weight_decay

            set_weight_decay(self, len(batches))
            self.net_.plan_learning_rate(self.lr_schedule, self.warmup_fraction,
                                         self.max_iter * len(batches), restart=not incremental)

    def _split_validation(self, X_t, y_t, w_t, y, rng, seed):
        """Hold out ``validation_fraction`` for early stopping (see ``hold_out``)."""
        monitor = self._monitor
        if not monitor.early_stopping:
            return X_t, y_t, w_t
        from skact.engine.batches import to_tensor
        from skact.estimators.small_data import hold_out_unless_few_rows

        stratify = y if self._stratify_validation(y) else None
        train, (X_val, y_val, w_val) = hold_out_unless_few_rows(
            self, X_t, y_t, w_t, fraction=self.validation_fraction, stratify=stratify, rng=rng,
            by_content_seed=seed if self.validation_split == "content" else None,
            best_epoch_only=self.n_iter_no_change == np.inf)
        trained_on_every_row = X_val is train[0]  # nothing held out (small_data)
        if sp.issparse(X_val):
            param = next(self.net_.module_.parameters())
            X_val = to_tensor(X_val, param.dtype, param.device)
        monitor.validation_scorer = self._validation_scorer(X_val, y_val, w_val)
        # for linear_blend and repeated_rows, which tell such a fit by its two sets being one
        monitor.held_out_rows = (train, train if trained_on_every_row else (X_val, y_val, w_val))
        self._trained_on_every_row = trained_on_every_row  # read, then dropped: refit.py
        return train

    def _detach_fit_state(self):
        """Drop what belongs to one fit call: the caller's callbacks (an Optuna
        trial must not be pickled with the model), the validation data and the
        fallback copy of the weights."""
        self.net_.callbacks_ = [
            (name, cb) for name, cb in self.net_.callbacks_ if not name.startswith("callback_")
        ]
        monitor = self._monitor
        monitor.validation_scorer = monitor.held_out_rows = None
        monitor.fallback_state_, monitor.fallback_loss_ = None, np.inf

    def _finish_fit(self, incremental):
        """Set the fitted attributes from the net and monitor; warn as scikit-learn does."""
        monitor = self._monitor
        net = self.net_
        self.module_ = net.module_
        self.module_.eval()
        self.history_ = net.history
        self._no_improvement_count = monitor.no_improvement_count_  # scikit-learn's name
        if self.solver == "lbfgs":
            from skact.engine.training import finish_lbfgs

            finish_lbfgs(self, net, monitor)  # n_iter_, t_, loss_; warns at max_iter/max_fun
        else:
            self.n_iter_ = monitor.n_iter_
            self.t_ = monitor.t_
            self.loss_ = monitor.loss_
            self.loss_curve_ = list(monitor.loss_curve_)
            self.best_loss_ = monitor.best_loss_
            scores = monitor.validation_scores_
            self.validation_scores_ = None if scores is None else list(scores)
            self.best_validation_score_ = monitor.best_validation_score_
            if monitor.early_stopping and monitor.best_state_ is not None:
                net.module_.load_state_dict(monitor.best_state_)
            # a schedule decays over max_iter epochs by design: reaching the end is the plan
            if (not incremental and not net.stop_training_ and self.lr_schedule == "constant"
                    and self.n_iter_ == self.max_iter):
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and "
                    "the optimization hasn't converged yet.", ConvergenceWarning, stacklevel=4)
        if self.diagnostics:
            self.diagnostics_ = self._diagnostics.summary()
            for advice in self._diagnostics.advice():
                warnings.warn(advice, UserWarning, stacklevel=4)
        advice = (
            f"Try a lower learning_rate_init (now {self.learning_rate_init}), scale the "
            "features (e.g. StandardScaler), or another activation."
        )
        if monitor.restored_:
            self.loss_ = monitor.restored_["loss"]
            warnings.warn(monitor.restored_message(advice), ConvergenceWarning, stacklevel=4)
        if monitor.diverged_:
            if len(net.history) == 1:  # the first epoch of a new net: nothing learned to keep
                raise ValueError(f"{_NON_FINITE} The loss became {monitor.diverged_loss_} "
                                 f"in the first epoch. {advice}")
            warnings.warn(
                f"Training diverged: the loss became {monitor.diverged_loss_} in epoch "
                f"{len(net.history)}, so training stopped and the weights with the lowest "
                f"training loss (epoch {monitor.fallback_epoch_}) were kept. {advice}",
                TrainingDivergedWarning,
                stacklevel=4,
            )
        if not all(bool(p.isfinite().all()) for p in net.module_.parameters()):
            raise ValueError(f"{_NON_FINITE} {advice}")

    @property
    def activation_blend_(self):
        """With ``learnable_activation=True``: each hidden layer's learned blend per unit."""
        from skact.nn.layers import activation_blends

        check_is_fitted(self, "net_")
        return activation_blends(self.net_.module_, type(self).__name__)

    # ---------------------------------------------- hooks for the architectures --
    def _validate_architecture(self):
        return {}

    def _count_layers(self, plan):
        return len(plan.hidden) + 2

    def _macs_per_row(self):
        """Multiply-adds of one row's forward pass: the work size that sets torch's thread
        count (``skact.engine.threads``). Found once per fit; models saved before it, each call."""
        macs = self.__dict__.get("_row_macs")
        return module_macs(self.net_.module_, self._sample_shape) if macs is None else macs

    def _prepare_input(self, X):
        return X

    # -------------------------------------------------------------- predict --
    def _raw_predict(self, X):
        """Validated X -> the module's raw outputs (logits or values), as numpy."""
        check_is_fitted(self, "net_")
        X = self._prepare_input(self._validate_for_predict(X))
        self._check_sample_shape(X)
        return self._predict_prepared(X)

    def _predict_prepared(self, X):
        """Prepared rows -> raw outputs: the network's, with the linear model and the
        rows' fitted copies blended in where the fit kept them."""
        from skact.engine.batches import outputs_in_chunks  # torch: not at import time

        out = outputs_in_chunks(self.net_.module_, X, self._macs_per_row())
        return final_outputs(self, out, X)  # linear_blend, repeated_rows

    def _validate_for_predict(self, X):
        """scikit-learn's input validation, with a short path for small float arrays.

        A few rows of a plain 2-D float ndarray (the latency case: one request)
        need only the checks below; validate_data's generic machinery (data
        frame detection, feature-name checks) costs more than the network.
        """
        if (type(X) is np.ndarray and X.ndim == 2 and X.dtype in _FLOAT_DTYPES
                and 0 < X.shape[0] <= _SHORT_PATH_ROWS
                and X.shape[1] == self.n_features_in_
                and not hasattr(self, "feature_names_in_") and np.isfinite(X).all()):
            return X
        return validate_data(
            self, X, reset=False, accept_sparse=list(self._accept_sparse) or False,
            dtype=(np.float64, np.float32), allow_nd=self._allow_nd,
        )

    def _check_sample_shape(self, X):
        if tuple(X.shape[1:]) != self._sample_shape:
            raise ValueError(
                f"X has samples of shape {tuple(X.shape[1:])}, but {type(self).__name__} was "
                f"fitted on samples of shape {self._sample_shape}."
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = "csr" in self._accept_sparse
        return tags


class ClassifierNet(ClassifierTask, BaseNeuralNet):
    """Classification: label encoding, probabilities, ``classes_``
    (see ``skact.estimators.classifier``)."""


class RegressorNet(RegressorTask, BaseNeuralNet):
    """Regression: float targets, one output per target column
    (see ``skact.estimators.regressor``)."""
