"""The parameter checks ``fit`` runs before it changes any state.

Each raises ValueError naming the parameter, the value and what is allowed.
They are called from ``fit`` and ``partial_fit``, never from ``__init__`` or
``set_params``, which only store values (scikit-learn's rule). torch and skorch
are imported inside the checks that need them, so importing this is cheap.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils.validation import _check_sample_weight

from skact import activations as _activations

_SOLVERS = ("lbfgs", "sgd", "adam")
_LEARNING_RATES = ("constant", "invscaling", "adaptive")
_BATCH_SIZES = ("auto", "balanced", "adaptive")
_VALIDATION_SPLITS = ("random", "content")
_WEIGHT_INITS = ("auto", "kaiming", "xavier", "lecun", "torch")


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
                  low_open=False, high_open=False, allow_inf=False, also=None):
    """A number in range, or np.inf where ``allow_inf``, or the string ``also`` ('auto')."""
    value = getattr(estimator, name)
    kind = numbers.Integral if integer else numbers.Real
    if allow_inf and isinstance(value, numbers.Real) and value == np.inf:
        return value
    if also is not None and isinstance(value, str) and value == also:
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
        extra = (" or np.inf" if allow_inf else "") + (f" or {also!r}" if also else "")
        raise _invalid(estimator, name, f"{what} in the range {span}{extra}", value)
    return value


def _check_bool(estimator, name):
    value = getattr(estimator, name)
    if not isinstance(value, (bool, np.bool_)):
        raise _invalid(estimator, name, "True or False", value)
    return bool(value)


def _check_refit_on_all_rows(estimator):
    value = estimator.refit_on_all_rows
    if not (isinstance(value, (bool, np.bool_)) or (isinstance(value, str) and value == "small")):
        raise _invalid(estimator, "refit_on_all_rows", "True, False or 'small'", value)
    return value


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
    """One rate per hidden layer, or 'auto' (the plan sets it from the fit's rows)."""
    dropout = estimator.dropout
    allowed = "a float in [0, 1), 'auto' or a list of one float per hidden layer"
    if isinstance(dropout, str):  # not split into characters: 'auto' is the one string
        if dropout == "auto":
            return "auto"
        raise _invalid(estimator, "dropout", allowed, dropout)
    if isinstance(dropout, numbers.Real) and not isinstance(dropout, bool):
        values = [float(dropout)] * n_hidden
    else:
        try:
            values = [float(v) for v in dropout]
        except (TypeError, ValueError):
            raise _invalid(estimator, "dropout", allowed, dropout) from None
        if len(values) != n_hidden:
            raise ValueError(
                f"The 'dropout' parameter of {type(estimator).__name__} has "
                f"{len(values)} values {list(dropout)!r}, but there are {n_hidden} hidden "
                f"layers (hidden_layer_sizes={estimator.hidden_layer_sizes!r}). Pass one "
                "float for all layers, exactly one per hidden layer, or 'auto'."
            )
    for v in values:
        if not 0.0 <= v < 1.0:
            raise _invalid(estimator, "dropout",
                           "a float in [0, 1), 'auto' or a list of floats in [0, 1)", dropout)
    return values


def _resolve_device(estimator):
    from skact.engine.devices import device_name, resolve_device

    name = device_name(estimator.device)
    if name is None:
        raise _invalid(estimator, "device", "'cpu', 'cuda', 'cuda:N' or 'auto'",
                       estimator.device)
    return resolve_device(name)


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
    """``partial_fit`` exists only for the stochastic solvers, and not for best-epoch
    selection (``early_stopping=True`` with ``n_iter_no_change=inf``: every epoch runs and
    the best held-out one is kept, which one epoch at a time cannot do). A called
    predicate for ``available_if``."""
    if estimator.solver not in ("sgd", "adam"):
        raise AttributeError(
            f"partial_fit is only available for stochastic optimizers. {estimator.solver!r} "
            "is not stochastic; use solver='adam' or 'sgd'."
        )
    if estimator.early_stopping and estimator.n_iter_no_change == np.inf:
        raise AttributeError(
            f"partial_fit is not available with early_stopping=True and "
            f"n_iter_no_change=inf: {type(estimator).__name__} then selects its best epoch "
            "on a held-out split, which one epoch at a time cannot do. Set "
            "early_stopping=False to train incrementally."
        )
    return True


def _check_hyperparameters(estimator):
    """Check every parameter shared by the estimators; return the normalised values fit needs."""
    hidden = _check_positive_ints(estimator, "hidden_layer_sizes",
                                  estimator.hidden_layer_sizes)
    _check_memory(estimator, hidden)
    make_activation, init, label = _activations.build_factory(
        estimator.activation, estimator.activation_params
    )
    _check_option(estimator, "solver", _SOLVERS)
    _check_number(estimator, "alpha", 0.0)
    named_size = isinstance(estimator.batch_size, str) and estimator.batch_size in _BATCH_SIZES
    if not named_size:
        _check_number(estimator, "batch_size", 1, integer=True)
    _check_option(estimator, "learning_rate", _LEARNING_RATES)
    _check_number(estimator, "learning_rate_init", 0.0, low_open=True)
    _check_number(estimator, "power_t", 0.0)
    _check_number(estimator, "max_iter", 1, integer=True)
    _check_bool(estimator, "shuffle")
    _check_number(estimator, "tol", 0.0)
    _check_bool(estimator, "warm_start")
    _check_number(estimator, "momentum", 0.0, 1.0)
    _check_bool(estimator, "nesterovs_momentum")
    _check_bool(estimator, "early_stopping")
    _check_number(estimator, "validation_fraction", 0.0, 1.0, low_open=True, high_open=True)
    _check_option(estimator, "validation_split", _VALIDATION_SPLITS)
    _check_bool(estimator, "constant_fallback")
    if hasattr(estimator, "linear_blend"):  # the MLPs' (CNNs have no linear model)
        _check_bool(estimator, "linear_blend")
        _check_refit_on_all_rows(estimator)
        _check_bool(estimator, "repeated_rows")
    _check_number(estimator, "beta_1", 0.0, 1.0, high_open=True)
    _check_number(estimator, "beta_2", 0.0, 1.0, high_open=True)
    _check_number(estimator, "epsilon", 0.0, low_open=True)
    _check_number(estimator, "n_iter_no_change", 1, integer=True, allow_inf=True)
    _check_number(estimator, "max_fun", 1, integer=True)
    _check_bool(estimator, "batch_norm")
    _check_recipe(estimator)
    weight_init = estimator.weight_init
    if not callable(weight_init) and weight_init not in _WEIGHT_INITS:
        raise _invalid(estimator, "weight_init",
                       "one of " + ", ".join(map(repr, _WEIGHT_INITS)) + " or a callable",
                       weight_init)
    return {
        "hidden": hidden,
        "dropout": _check_dropout(estimator, len(hidden)),
        "make_activation": make_activation,
        "init": init if weight_init == "auto" else weight_init,
        "activation_label": label,
        "device": _resolve_device(estimator),
    }


def _check_memory(estimator, hidden):
    """Refuse layers that cannot fit in memory before allocating them (the out-of-memory
    killer would end the process without a word). The estimate is a lower bound: one input
    feature and one output, the weights and their gradients in float32, and one row of
    activations per batch row of an integer ``batch_size``."""
    sizes = [1, *hidden, 1]
    n_weights = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    batch = estimator.batch_size if isinstance(estimator.batch_size, int) else 1
    needed = 4 * (2 * n_weights + 2 * batch * sum(hidden))
    import psutil

    total = psutil.virtual_memory().total
    if needed > total:
        raise ValueError(
            f"hidden_layer_sizes={estimator.hidden_layer_sizes!r} needs at least "
            f"{_gib(needed)} of memory to train ({n_weights:.2g} weights with their gradients "
            f"in float32), more than this machine's {_gib(total)}; use smaller layers."
        )


def _gib(n_bytes: float) -> str:
    return f"{n_bytes / 2**40:.1f} TiB" if n_bytes >= 2**40 else f"{n_bytes / 2**30:.1f} GiB"


def _check_recipe(estimator):
    """The training-recipe parameters every estimator has (schedule, decay, blending)."""
    from skact.nn.schedules import SCHEDULES

    schedule = _check_option(estimator, "lr_schedule", tuple(SCHEDULES))
    _check_number(estimator, "warmup_fraction", 0.0, 1.0, high_open=True)
    _check_number(estimator, "weight_decay", 0.0, also="auto")
    _check_bool(estimator, "learnable_activation")
    if hasattr(estimator, "label_smoothing"):
        _check_number(estimator, "label_smoothing", 0.0, 1.0, high_open=True)
    sgd_schedule = estimator.solver == "sgd" and estimator.learning_rate != "constant"
    if schedule != "constant" and sgd_schedule:
        raise ValueError(
            f"lr_schedule={schedule!r} and learning_rate={estimator.learning_rate!r} both "
            "set the learning rate of solver='sgd'. Use one of them: learning_rate='constant' "
            "with lr_schedule, or lr_schedule='constant' with scikit-learn's schedules."
        )


def _check_input_layers(estimator):
    """The MLPs' input-layer options: robust scaling and numeric embeddings."""
    scaling = estimator.input_scaling
    if scaling not in (None, "robust"):
        raise _invalid(estimator, "input_scaling", "None or 'robust'", scaling)
    embedding = estimator.numeric_embedding
    if embedding not in (None, "periodic", "piecewise_linear"):
        raise _invalid(estimator, "numeric_embedding",
                       "None, 'periodic' or 'piecewise_linear'", embedding)
    return {"input_scaling": scaling, "numeric_embedding": embedding}


def _check_fit_sample_weight(sample_weight, X):
    """``sample_weight`` as an array of X's dtype (None stays None), none negative, some > 0."""
    if sample_weight is None:
        return None
    sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
    if np.any(sample_weight < 0):
        raise ValueError("Negative values in sample_weight are not allowed.")
    if not np.any(sample_weight > 0):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return sample_weight
