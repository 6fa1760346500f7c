"""Machinery shared by the four estimators: validation, seeding, the skorch net.

The public classes (``skact.MLPClassifier`` and friends) only store their
constructor arguments; everything here runs inside ``fit``/``predict``.
torch and skorch are imported inside the methods that need them, so importing
skact (and ``skact --help``) does not pay for torch.
"""

from __future__ import annotations

import numbers
import threading
import warnings
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from . import activations as _activations

__all__ = ["BaseNeuralNet", "ClassifierNet", "RegressorNet", "TrainingDivergedWarning"]

_SOLVERS = ("lbfgs", "sgd", "adam")
_LEARNING_RATES = ("constant", "invscaling", "adaptive")
_WEIGHT_INITS = ("auto", "kaiming", "xavier", "lecun", "torch")
# Rows per forward pass at prediction time: bounds memory on big inputs while
# one-row calls take a single pass.
_PREDICT_CHUNK = 16384
# Up to this many rows, plain float ndarrays skip validate_data (see _validate_for_predict).
_SHORT_PATH_ROWS = 64
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


# ----------------------------------------------------------------------------
# Parameter checks. Each raises ValueError naming the parameter, the value and
# what is allowed; called from fit, never from __init__ or set_params.
# ----------------------------------------------------------------------------
def _invalid(estimator, name, allowed, value):
    return ValueError(
        f"The {name!r} parameter of {type(estimator).__name__} must be {allowed}. "
        f"Got {value!r} instead."
    )


def _check_option(estimator, name, allowed):
    value = getattr(estimator, name)
    if not isinstance(value, str) or value not in allowed:
        raise _invalid(estimator, name, "one of " + ", ".join(map(repr, allowed)), value)
    return value


def _check_number(estimator, name, low=None, high=None, *, integer=False,
                  low_open=False, high_open=False, allow_inf=False):
    value = getattr(estimator, name)
    kind = numbers.Integral if integer else numbers.Real
    if allow_inf and isinstance(value, numbers.Real) and value == np.inf:
        return value
    ok = isinstance(value, kind) and not isinstance(value, bool) and np.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        span = f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
        what = "an int" if integer else "a float"
        extra = " or np.inf" if allow_inf else ""
        raise _invalid(estimator, name, f"{what} in the range {span}{extra}", value)
    return value


def _check_bool(estimator, name):
    value = getattr(estimator, name)
    if not isinstance(value, (bool, np.bool_)):
        raise _invalid(estimator, name, "True or False", value)
    return bool(value)


def _check_positive_ints(estimator, name, value, allow_empty=True):
    """A positive int or a sequence of them, as a list."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = [value]
    try:
        sizes = list(value)
    except TypeError:
        raise _invalid(estimator, name, "a positive int or a list of positive ints",
                       value) from None
    if (not allow_empty and not sizes) or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0 for v in sizes
    ):
        allowed = "a positive int or a list of positive ints"
        if not allow_empty:
            allowed = "a non-empty list of positive ints"
        raise _invalid(estimator, name, allowed, getattr(estimator, name))
    return [int(v) for v in sizes]


def _check_dropout(estimator, n_hidden):
    dropout = estimator.dropout
    if isinstance(dropout, numbers.Real) and not isinstance(dropout, bool):
        values = [float(dropout)] * n_hidden
    else:
        try:
            values = [float(v) for v in dropout]
        except (TypeError, ValueError):
            raise _invalid(estimator, "dropout",
                           "a float in [0, 1) or a list of one float per hidden layer",
                           dropout) from None
        if len(values) != n_hidden:
            raise ValueError(
                f"The 'dropout' parameter of {type(estimator).__name__} has "
                f"{len(values)} values {list(dropout)!r}, but there are {n_hidden} hidden "
                f"layers (hidden_layer_sizes={estimator.hidden_layer_sizes!r}). Pass one "
                "float for all layers or exactly one per hidden layer."
            )
    for v in values:
        if not 0.0 <= v < 1.0:
            raise _invalid(estimator, "dropout",
                           "a float in [0, 1) or a list of floats in [0, 1)", dropout)
    return values


def _resolve_device(estimator):
    import torch

    device = estimator.device
    if isinstance(device, torch.device):
        device = str(device)
    if not isinstance(device, str) or not (
        device in ("cpu", "cuda", "auto") or device.startswith("cuda:")
    ):
        raise _invalid(estimator, "device", "'cpu', 'cuda', 'cuda:N' or 'auto'", device)
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested, but torch sees no CUDA GPU "
            "(torch.cuda.is_available() is False). Use device='cpu', or device='auto' "
            "to take a GPU only when there is one."
        )
    return device


# torch's default generator is process-wide. Every change to it (seeding,
# restoring, drawing initial weights) happens under this lock, so the initial
# weights are a function of the seed alone even when fits run in parallel
# threads (Optuna's n_jobs, a threading joblib backend).
_RNG_LOCK = threading.RLock()


@contextmanager
def _seeded(seed, device):
    """Seed torch for the block, then restore the caller's generator state.

    Dropout draws from a generator of its own (see ``SeededDropout``); other
    random modules (``rrelu``, custom ones) use torch's default generator, so
    with fits in parallel threads only they are not bit-for-bit reproducible.
    """
    import torch

    cuda = device.startswith("cuda")
    with _RNG_LOCK:
        saved = torch.get_rng_state()
        saved_cuda = torch.cuda.get_rng_state(device) if cuda else None
        torch.manual_seed(seed)
    try:
        yield
    finally:
        with _RNG_LOCK:
            torch.set_rng_state(saved)
            if cuda:
                torch.cuda.set_rng_state(saved_cuda, device)


class TrainingDivergedWarning(UserWarning):
    """The loss became NaN or infinite; the last finite weights were kept."""


def store_params(estimator, params):
    """Set every constructor argument as an attribute, unchanged (scikit-learn's rule)."""
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


def _check_callbacks(callbacks):
    """The ``callbacks`` argument of fit, validated before any state changes."""
    from skorch.callbacks import Callback, EarlyStopping

    extra = [] if callbacks is None else list(callbacks)
    for cb in extra:
        if isinstance(cb, EarlyStopping):
            raise ValueError(
                "skorch's EarlyStopping callback stops training by raising "
                "KeyboardInterrupt, which skact keeps for your Ctrl-C. Use the estimator's "
                "early_stopping=True (with n_iter_no_change, tol, validation_fraction), or "
                "a callback that sets net.stop_training_ = True."
            )
        if not isinstance(cb, Callback):
            raise ValueError(
                f"callbacks must be skorch.callbacks.Callback instances; got {cb!r}."
            )
    return extra


def _stochastic_solver(estimator):
    """``partial_fit`` exists only for the stochastic solvers (a called predicate)."""
    if estimator.solver not in ("sgd", "adam"):
        raise AttributeError(
            f"partial_fit is only available for stochastic optimizers. {estimator.solver!r} "
            "is not stochastic; use solver='adam' or 'sgd'."
        )
    return True


class BaseNeuralNet(BaseEstimator):
    """Fit/predict machinery shared by every skact estimator.

    Subclasses provide ``_build_module(input_shape, n_outputs, make_activation,
    dropout)``, ``_prepare_input(X)`` (reshape, for CNNs), ``_allow_nd``, and
    the task hooks ``_encode_targets``/``_loss_kind``/``_validation_scorer``.
    """

    _allow_nd = False
    _accept_sparse = ("csr", "csc")

    # -------------------------------------------------------------- pickling --
    def __getstate__(self):
        state = dict(super().__getstate__())  # may be the live __dict__: never edit that
        # ``module_`` is ``net_.module_`` under scikit-learn's kind of name. skorch pickles
        # the net's module with torch.save and loads it on the CPU when the machine has no
        # GPU; pickled a second time here, plainly, it would come back as a separate copy
        # and tie the file to a CUDA machine. It is restored from ``net_`` instead.
        if "net_" in state:
            state.pop("module_", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        net = self.__dict__.get("net_")
        if net is not None and getattr(net, "module_", None) is not None:
            self.module_ = net.module_

    # ------------------------------------------------------------------ fit --
    def _validate_hyperparameters(self):
        """Check every parameter; return the normalised values fit needs."""
        hidden = _check_positive_ints(self, "hidden_layer_sizes", self.hidden_layer_sizes)
        make_activation, init, label = _activations.build_factory(
            self.activation, self.activation_params
        )
        _check_option(self, "solver", _SOLVERS)
        _check_number(self, "alpha", 0.0)
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            _check_number(self, "batch_size", 1, integer=True)
        _check_option(self, "learning_rate", _LEARNING_RATES)
        _check_number(self, "learning_rate_init", 0.0, low_open=True)
        _check_number(self, "power_t", 0.0)
        _check_number(self, "max_iter", 1, integer=True)
        _check_bool(self, "shuffle")
        _check_number(self, "tol", 0.0)
        _check_bool(self, "warm_start")
        _check_number(self, "momentum", 0.0, 1.0)
        _check_bool(self, "nesterovs_momentum")
        _check_bool(self, "early_stopping")
        _check_number(self, "validation_fraction", 0.0, 1.0, low_open=True, high_open=True)
        _check_number(self, "beta_1", 0.0, 1.0, high_open=True)
        _check_number(self, "beta_2", 0.0, 1.0, high_open=True)
        _check_number(self, "epsilon", 0.0, low_open=True)
        _check_number(self, "n_iter_no_change", 1, integer=True, allow_inf=True)
        _check_number(self, "max_fun", 1, integer=True)
        _check_bool(self, "batch_norm")
        weight_init = self.weight_init
        if not callable(weight_init) and weight_init not in _WEIGHT_INITS:
            raise _invalid(self, "weight_init",
                           "one of " + ", ".join(map(repr, _WEIGHT_INITS)) + " or a callable",
                           weight_init)
        return {
            "hidden": hidden,
            "dropout": _check_dropout(self, len(hidden)),
            "make_activation": make_activation,
            "init": init if weight_init == "auto" else weight_init,
            "activation_label": label,
            "device": _resolve_device(self),
        }

    def _fit(self, X, y, sample_weight=None, *, incremental=False, classes=None,
             callbacks=None):
        import torch

        from ._net import Batches, SkactNet, to_tensor
        from ._training import ConvergenceMonitor, EpochPrinter
        from .modules import seed_dropout

        config = self._validate_hyperparameters()
        config.update(self._validate_architecture())
        extra_callbacks = _check_callbacks(callbacks)
        _check_bool(self, "diagnostics")
        self._activation_label = config["activation_label"]
        if incremental and self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: there is no held-out "
                "validation set across calls. Use fit, or set early_stopping=False."
            )
        first_pass = not hasattr(self, "net_") or (not self.warm_start and not incremental)
        X, y = validate_data(
            self, X, y, reset=first_pass, accept_sparse=list(self._accept_sparse) or False,
            dtype=(np.float64, np.float32), multi_output=True, allow_nd=self._allow_nd,
            y_numeric=not self._is_classifier_net,
        )
        X = self._prepare_input(X)
        if not first_pass:
            self._check_sample_shape(X)
        sample_weight = self._validate_sample_weight(sample_weight, X)
        y_train, sample_weight = self._encode_targets(
            y, sample_weight, first_pass=first_pass, incremental=incremental, classes=classes
        )

        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        device = config["device"]
        if first_pass:
            dtype = torch.float32 if X.dtype == np.float32 else torch.float64
        else:
            dtype = next(self.net_.module_.parameters()).dtype

        with _seeded(seed, device):
            if first_pass:
                with _RNG_LOCK:
                    torch.manual_seed(seed)
                    self.net_ = self._make_net(SkactNet, config, X, y_train, dtype, device)
                self._monitor = self._make_monitor(ConvergenceMonitor)
                self._sample_shape = tuple(X.shape[1:])
                self.n_layers_ = self._count_layers(config)
                self.out_activation_ = self._out_activation
            elif not incremental:
                # warm_start: keep the weights; a fresh optimizer built from the
                # current parameters (set_params between fits counts, as in scikit-learn)
                self._refresh_training_params()
            seed_dropout(self.net_.module_, seed, device)
            self._monitor.n_iter_ = 0
            self._monitor.diverged_ = False
            self._set_fit_callbacks(extra_callbacks, EpochPrinter)

            if self.verbose:
                self._print_start(config, X, dtype, device)
            X_t = X if sp.issparse(X) else to_tensor(X, dtype, device)
            y_dtype = torch.long if self._loss_kind == "cross_entropy" else dtype
            y_t = to_tensor(y_train, y_dtype, device)
            w_t = None if sample_weight is None else to_tensor(sample_weight, dtype, device)
            X_t, y_t, w_t = self._split_validation(X_t, y_t, w_t, y, rng)

            generator = torch.Generator().manual_seed(seed)
            if self.solver == "lbfgs":
                batch_size, epochs = X_t.shape[0], 1
            else:
                batch_size = self._batch_size(X_t.shape[0])
                epochs = 1 if incremental else self.max_iter
            batches = Batches(X_t, y_t, w_t, batch_size, self.shuffle, generator,
                              dtype=dtype, device=device)
            try:
                self.net_.train_epochs(batches, epochs)
            finally:
                self._detach_fit_state()

        self._finish_fit(incremental)
        return self

    def _refresh_training_params(self):
        """Point the existing net and monitor at the current parameter values."""
        monitor = self._monitor
        early_stopping = self.early_stopping and self.solver != "lbfgs"
        if early_stopping != monitor.early_stopping:
            raise ValueError(
                f"warm_start=True cannot switch early_stopping to {self.early_stopping} "
                "after a fit without it (or back). Fit without warm_start, or clone the "
                "estimator, to start over."
            )
        net = self.net_
        for name in [k for k in vars(net) if k.startswith("optimizer__")]:
            delattr(net, name)
        args = self._optimizer_args()
        net.optimizer, net.lr = args.pop("optimizer"), args.pop("lr")
        for name, value in args.items():
            setattr(net, f"optimizer__{name}", value)
        net.alpha = self.alpha
        net._initialize_optimizer()
        for name in ("tol", "n_iter_no_change", "learning_rate", "learning_rate_init",
                     "power_t", "solver"):
            setattr(monitor, name, getattr(self, name))
        monitor.current_lr_ = self.learning_rate_init

    def _make_net(self, net_class, config, X, y_train, dtype, device):
        from ._net import PerSampleLoss
        from .modules import init_weights

        if self._loss_kind == "cross_entropy":
            n_outputs = len(self.classes_)
        else:
            n_outputs = y_train.shape[1]
        self.n_outputs_ = n_outputs
        module = self._build_module(
            tuple(X.shape[1:]), n_outputs, config["make_activation"], config
        )
        init_weights(module, config["init"], config["activation_label"])
        module = module.to(dtype=dtype)

        optimizer_args = self._optimizer_args()
        net = net_class(
            module,
            criterion=PerSampleLoss(self._loss_kind),
            optimizer=optimizer_args.pop("optimizer"),
            lr=optimizer_args.pop("lr"),
            alpha=self.alpha,
            train_split=None,
            device=device,
            verbose=0,
            **{f"optimizer__{k}": v for k, v in optimizer_args.items()},
        )
        return net.initialize()

    def _optimizer_args(self):
        import torch

        if self.solver == "adam":
            return {"optimizer": torch.optim.Adam, "lr": self.learning_rate_init,
                    "betas": (self.beta_1, self.beta_2), "eps": self.epsilon}
        if self.solver == "sgd":
            nesterov = bool(self.nesterovs_momentum and self.momentum > 0)
            return {"optimizer": torch.optim.SGD, "lr": self.learning_rate_init,
                    "momentum": self.momentum, "nesterov": nesterov}
        return {"optimizer": torch.optim.LBFGS, "lr": 1.0, "max_iter": self.max_iter,
                "max_eval": self.max_fun, "tolerance_grad": self.tol,
                "tolerance_change": 1e-9, "history_size": 10,
                "line_search_fn": "strong_wolfe"}

    def _make_monitor(self, monitor_class):
        return monitor_class(
            tol=self.tol, n_iter_no_change=self.n_iter_no_change,
            early_stopping=self.early_stopping and self.solver != "lbfgs",
            learning_rate=self.learning_rate, learning_rate_init=self.learning_rate_init,
            power_t=self.power_t, solver=self.solver,
        )

    def _set_fit_callbacks(self, extra, printer_class):
        """(Re)attach this fit's callbacks: the monitor, verbose output, the caller's."""
        own = [("convergence", self._monitor)]
        if self.diagnostics:
            from .diagnostics import DiagnosticsCallback

            # first, so the printer and the caller's callbacks see its records
            self._diagnostics = DiagnosticsCallback(self._activation_label)
            own.insert(0, ("diagnostics", self._diagnostics))
        if self.verbose:
            own.append(("printer", printer_class(self._monitor)))
        named = own + [(f"callback_{i}", cb) for i, cb in enumerate(extra)]
        self.net_.callbacks_ = list(self.net_._default_callbacks) + named
        for _, cb in named:
            cb.initialize()

    def _detach_fit_state(self):
        """Drop what belongs to one fit call: the caller's callbacks (an Optuna
        trial must not be pickled with the model), the validation data and the
        fallback copy of the weights."""
        self.net_.callbacks_ = [
            (name, cb) for name, cb in self.net_.callbacks_ if not name.startswith("callback_")
        ]
        monitor = self._monitor
        monitor.validation_scorer = None
        monitor.fallback_state_, monitor.fallback_loss_ = None, np.inf

    def _split_validation(self, X_t, y_t, w_t, y, rng):
        """Hold out ``validation_fraction`` for early stopping, as scikit-learn does."""
        monitor = self._monitor
        if not monitor.early_stopping:
            return X_t, y_t, w_t
        n = X_t.shape[0]
        stratify = y if self._stratify_validation(y) else None
        try:
            train_idx, val_idx = train_test_split(
                np.arange(n), random_state=rng, test_size=self.validation_fraction,
                stratify=stratify,
            )
        except ValueError as exc:
            raise ValueError(
                f"Could not hold out validation_fraction={self.validation_fraction} of "
                f"{n} samples for early_stopping: {exc} Use more samples, a larger "
                "validation_fraction, or early_stopping=False."
            ) from None
        if len(val_idx) < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' or the "
                "size of your dataset."
            )
        import torch

        from ._net import to_tensor

        def take(a, idx):
            if a is None:
                return None
            if sp.issparse(a):
                return a[idx]
            return a[torch.as_tensor(idx, device=a.device)]

        X_val = take(X_t, val_idx)
        if sp.issparse(X_val):
            param = next(self.net_.module_.parameters())
            X_val = to_tensor(X_val, param.dtype, param.device)
        monitor.validation_scorer = self._validation_scorer(
            X_val, take(y_t, val_idx), take(w_t, val_idx)
        )
        return take(X_t, train_idx), take(y_t, train_idx), take(w_t, train_idx)

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is going to "
                "be clipped",
                stacklevel=4,
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _finish_fit(self, incremental):
        monitor = self._monitor
        net = self.net_
        self.module_ = net.module_
        self.module_.eval()
        self.history_ = net.history
        if self.solver == "lbfgs":
            state = net.optimizer_.state[next(iter(net.module_.parameters()))]
            self.n_iter_ = int(state.get("n_iter", 0))
            self.t_ = 0
            self.loss_ = float(monitor.loss_)
            if self.n_iter_ >= self.max_iter or state.get("func_evals", 0) >= self.max_fun:
                warnings.warn(
                    f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                    f"(max_iter={self.max_iter}, max_fun={self.max_fun}). Increase them or "
                    "scale the data, e.g. with StandardScaler.",
                    ConvergenceWarning,
                    stacklevel=4,
                )
        else:
            self.n_iter_ = monitor.n_iter_
            self.t_ = monitor.t_
            self.loss_ = monitor.loss_
            self.loss_curve_ = list(monitor.loss_curve_)
            self.best_loss_ = monitor.best_loss_
            self.validation_scores_ = (
                None if monitor.validation_scores_ is None else list(monitor.validation_scores_)
            )
            self.best_validation_score_ = monitor.best_validation_score_
            if monitor.early_stopping and monitor.best_state_ is not None:
                net.module_.load_state_dict(monitor.best_state_)
            if (not incremental and not net.stop_training_
                    and self.n_iter_ == self.max_iter):
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and "
                    "the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=4,
                )
        if self.diagnostics:
            self.diagnostics_ = self._diagnostics.summary()
            for advice in self._diagnostics.advice():
                warnings.warn(advice, UserWarning, stacklevel=4)
        advice = (
            f"Try a lower learning_rate_init (now {self.learning_rate_init}), scale the "
            "features (e.g. StandardScaler), or another activation."
        )
        if monitor.diverged_:
            warnings.warn(
                f"Training diverged: the loss became {monitor.diverged_loss_} in epoch "
                f"{len(net.history)}, so training stopped and the weights with the lowest "
                f"training loss (epoch {monitor.fallback_epoch_}) were kept. {advice}",
                TrainingDivergedWarning,
                stacklevel=4,
            )
        if not all(bool(p.isfinite().all()) for p in net.module_.parameters()):
            raise ValueError(f"Training produced non-finite weights. {advice}")

    def _validate_sample_weight(self, sample_weight, X):
        if sample_weight is None:
            return None
        sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
        if np.any(sample_weight < 0):
            raise ValueError("Negative values in sample_weight are not allowed.")
        if not np.any(sample_weight > 0):
            raise ValueError("Sample weights must contain at least one non-zero number.")
        return sample_weight

    def _print_start(self, config, X, dtype, device):
        sizes = "-".join(map(str, config["hidden"])) or "none"
        print(
            f"{type(self).__name__}: activation={config['activation_label']}, "
            f"hidden layers={sizes}, solver={self.solver}, {X.shape[0]} samples, "
            f"{str(dtype).replace('torch.', '')} on {device}",
            flush=True,
        )

    def _count_layers(self, config):
        return len(config["hidden"]) + 2

    def _validate_architecture(self):
        return {}

    # -------------------------------------------------------------- predict --
    def _raw_predict(self, X):
        """Validated X -> the module's raw outputs (logits or values), as numpy."""
        import torch

        from ._net import to_tensor

        check_is_fitted(self, "net_")
        X = self._validate_for_predict(X)
        X = self._prepare_input(X)
        self._check_sample_shape(X)
        module = self.net_.module_
        param = next(module.parameters())
        if module.training:  # eval() walks every submodule: skip it when already set
            module.eval()
        outputs = []
        with torch.inference_mode():
            for start in range(0, X.shape[0], _PREDICT_CHUNK):
                chunk = to_tensor(X[start:start + _PREDICT_CHUNK], param.dtype, param.device)
                outputs.append(module(chunk))
        out = outputs[0] if len(outputs) == 1 else torch.cat(outputs)
        return out.cpu().numpy()

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

    def _prepare_input(self, X):
        return X

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


class ClassifierNet(BaseNeuralNet):
    """Classification: label encoding, probabilities, ``classes_``."""

    _is_classifier_net = True

    def _encode_targets(self, y, sample_weight, *, first_pass, incremental, classes):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if first_pass and not incremental:
            binarizer = LabelBinarizer().fit(y)
        elif incremental and not hasattr(self, "classes_"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            binarizer = LabelBinarizer().fit(y if y.ndim == 2 else classes)
            self._check_labels_known(y, binarizer.classes_)
        else:
            binarizer = self._label_binarizer
            if incremental and classes is not None and not np.array_equal(
                np.unique(classes), binarizer.classes_
            ):
                raise ValueError(
                    f"`classes={list(classes)!r}` is not the same as on the first call to "
                    f"partial_fit ({binarizer.classes_.tolist()!r})."
                )
            if self.warm_start and not incremental:
                seen = unique_labels(y)
                if set(seen) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as in "
                        f"the previous call to fit. Previously got {self.classes_}, `y` has "
                        f"{seen}"
                    )
            else:
                self._check_labels_known(y, binarizer.classes_)
        if binarizer.y_type_ != "multilabel-indicator" and len(binarizer.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes to learn from, but y has "
                f"only one class: {binarizer.classes_.tolist()[0]!r}."
            )
        self._label_binarizer = binarizer
        self.classes_ = binarizer.classes_
        if binarizer.y_type_ == "multiclass":
            self._loss_kind, self._out_activation = "cross_entropy", "softmax"
            encoded = np.searchsorted(self.classes_, y).astype(np.int64)
        else:
            self._loss_kind, self._out_activation = "binary", "logistic"
            encoded = binarizer.transform(y).astype(np.float64)
        if self.class_weight is not None:
            weights = self._class_weights(y)
            sample_weight = weights if sample_weight is None else sample_weight * weights
        return encoded, sample_weight

    @staticmethod
    def _check_labels_known(y, classes):
        if y.ndim == 2:
            return
        seen = unique_labels(y)
        if np.setdiff1d(seen, classes).size:
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has {classes}. "
                f"'y' has {seen}."
            )

    def _class_weights(self, y):
        cw = self.class_weight
        if not (isinstance(cw, dict) or cw == "balanced"):
            raise _invalid(self, "class_weight", "None, 'balanced' or a dict {class: weight}",
                           cw)
        if isinstance(cw, dict):
            unknown = [c for c in cw if c not in set(self.classes_.tolist())]
            if unknown:
                raise ValueError(
                    f"class_weight has classes {unknown!r} that are not in y; the classes "
                    f"are {self.classes_.tolist()!r}."
                )
        return compute_sample_weight(cw, y)

    def _stratify_validation(self, y):
        return self._label_binarizer.y_type_ != "multilabel-indicator"

    def _validation_scorer(self, X_val, y_val, w_val):
        """Accuracy on the held-out rows, computed on the device (subset accuracy if multilabel)."""
        import torch

        kind = self._loss_kind

        def score(module):
            was_training = module.training
            module.eval()
            with torch.inference_mode():
                raw = module(X_val)
                if kind == "cross_entropy":
                    hit = raw.argmax(1) == y_val
                else:
                    hit = ((raw > 0) == (y_val > 0.5)).all(1)
                hit = hit.to(raw.dtype)
                acc = hit.mean() if w_val is None else (hit * w_val).sum() / w_val.sum()
            module.train(was_training)
            return float(acc)

        return score

    def fit(self, X, y, sample_weight=None, callbacks=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data. float32 input trains in float32 (faster); anything
            else in float64.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels (any type: strings round-trip through ``classes_``),
            or a binary indicator matrix for multilabel classification.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; weight 2 is the same as repeating a row.
        callbacks : list of skorch Callback, default=None
            Extra skorch callbacks for this fit only (e.g. a pruning callback
            bound to an Optuna trial). They are not stored as parameters, so
            ``clone`` never copies them.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False, callbacks=callbacks)

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with a single epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            The target labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.
        classes : array of shape (n_classes,), default=None
            All classes that will ever appear. Required on the first call,
            ignored afterwards.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def predict_proba(self, X):
        """Probability estimates, one column per class in ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            For multilabel y, the independent probability of each label.
        """
        raw = self._raw_predict(X)
        if self._loss_kind == "cross_entropy":
            raw = raw - raw.max(axis=1, keepdims=True)
            np.exp(raw, out=raw)
            raw /= raw.sum(axis=1, keepdims=True)
            return raw
        proba = 1.0 / (1.0 + np.exp(-raw))
        if self._label_binarizer.y_type_ == "binary":
            return np.hstack([1.0 - proba, proba])
        return proba

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predict class labels (or a label indicator matrix for multilabel y).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels from ``classes_``.
        """
        raw = self._raw_predict(X)
        if self._loss_kind == "cross_entropy":
            return self.classes_[raw.argmax(axis=1)]
        positive = raw > 0
        if self._label_binarizer.y_type_ == "binary":
            return self.classes_[positive[:, 0].astype(int)]
        return positive.astype(int)


class RegressorNet(BaseNeuralNet):
    """Regression: float targets, one output per target column."""

    _is_classifier_net = False
    _out_activation = "identity"

    def _encode_targets(self, y, sample_weight, *, first_pass, incremental, classes):
        loss = self.loss
        if not isinstance(loss, str) or loss not in ("squared_error", "poisson"):
            raise _invalid(self, "loss", "one of 'squared_error', 'poisson'", loss)
        self._loss_kind = loss
        self._out_activation = "exp" if loss == "poisson" else "identity"
        y = np.asarray(y, dtype=np.float64)
        if loss == "poisson" and np.any(y < 0):
            raise ValueError(
                "Some value(s) of y are negative which is not allowed for Poisson regression."
            )
        y = y.reshape(-1, 1) if y.ndim == 1 else y
        if not first_pass and y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} target columns, but {type(self).__name__} was fitted "
                f"with {self.n_outputs_}."
            )
        if first_pass:
            self._y_mean, self._y_scale = self._target_scaling(y, sample_weight, incremental)
        return (y - self._y_mean) / self._y_scale, sample_weight

    def _target_scaling(self, y, sample_weight, incremental):
        """Per-output (weighted) mean and std for squared error; identity for Poisson.

        Raw targets in the hundreds make the default network (Adam at lr 1e-3,
        200 epochs) fit badly; training on standardised targets and mapping
        predictions back fixes that without any user action. ``partial_fit``
        sees one batch first, too little to estimate a scale from, so it trains
        on the raw targets, as scikit-learn does.
        """
        if self._loss_kind == "poisson" or incremental:
            return np.zeros(y.shape[1]), np.ones(y.shape[1])
        mean = np.average(y, axis=0, weights=sample_weight)
        scale = np.sqrt(np.average((y - mean) ** 2, axis=0, weights=sample_weight))
        scale[~(scale > np.finfo(np.float64).eps * np.maximum(1.0, np.abs(mean)))] = 1.0
        return mean, scale

    def _stratify_validation(self, y):
        return False

    def _validation_scorer(self, X_val, y_val, w_val):
        """R² on the held-out rows (averaged over outputs), computed on the device."""
        import torch

        poisson = self._loss_kind == "poisson"

        def score(module):
            was_training = module.training
            module.eval()
            with torch.inference_mode():
                pred = module(X_val)
                if poisson:
                    pred = torch.exp(pred)
                w = torch.ones_like(y_val[:, 0]) if w_val is None else w_val
                w = w[:, None]
                mean = (w * y_val).sum(0) / w.sum()
                num = (w * (y_val - pred) ** 2).sum(0)
                den = (w * (y_val - mean) ** 2).sum(0)
                r2 = torch.where(den > 0, 1 - num / torch.where(den > 0, den, 1),
                                 (num == 0).to(num.dtype))
            module.train(was_training)
            return float(r2.mean())

        return score

    def fit(self, X, y, sample_weight=None, callbacks=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data. float32 input trains in float32 (faster); anything
            else in float64.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; weight 2 is the same as repeating a row.
        callbacks : list of skorch Callback, default=None
            Extra skorch callbacks for this fit only (e.g. a pruning callback
            bound to an Optuna trial).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False, callbacks=callbacks)

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with a single epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predict using the trained model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values (1-D when there is one target).
        """
        pred = self._raw_predict(X)
        if self._loss_kind == "poisson":
            pred = np.exp(pred)
        else:
            pred = (pred * self._y_scale + self._y_mean).astype(pred.dtype, copy=False)
        return pred.ravel() if pred.shape[1] == 1 else pred
