"""A fitted estimator's state for pickle, and as plain data (numpy arrays, numbers, text).

``BaseNeuralNet``'s pickling hooks call these. :func:`pickle_state` is what pickle, joblib
and ``copy`` keep: the live skorch net with its optimizer. :func:`data_state` is what
``__getstate__`` returns, and so what skact's safe model files and skops store: the
constructor parameters, the fitted attributes (``classes_``, target scaling, loss curves,
...), the training history and the network's weights as numpy arrays; no torch or skorch
objects. :func:`restore` rebuilds the skorch net from the parameters (on the CPU), then
loads the weights, so a model trained on a GPU loads on a machine without one.

What the data form does not keep: the optimizer's running state (a ``warm_start`` fit or
``partial_fit`` after loading starts the optimizer afresh) and the best-epoch weights that
early stopping keeps for warm starts. Predictions are unaffected.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DATA_STATE", "data_state", "pickle_state", "restore"]

#: The key under which the data form of a state holds the network and training record.
DATA_STATE = "_skact_data_state"
# Fit-time objects that the data form replaces or leaves out.
_LIVE = ("net_", "module_", "_monitor", "history_", "_diagnostics")
# ConvergenceMonitor attributes that hold tensors or functions.
_MONITOR_LIVE = ("best_state_", "fallback_state_", "validation_scorer", "held_out_rows")
# More distinct values than any rule for "embed this column" asks for.
_STAND_IN_ROWS = 256


def _plain(value):
    """A history value as plain data (skorch records are dicts of numbers and lists)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)  # whatever a caller's callback recorded: kept readable, not live


def pickle_state(state: dict) -> dict:
    """``state`` (a copy of the estimator's ``__dict__``) as pickle should keep it.

    ``module_`` is ``net_.module_`` under scikit-learn's kind of name. skorch pickles the
    net's module with torch.save and loads it on the CPU when the machine has no GPU;
    pickled a second time here, plainly, it would come back as a separate copy and tie the
    file to a CUDA machine. :func:`restore` sets it from ``net_`` instead.
    """
    if "net_" in state:
        state.pop("module_", None)
    return state


def data_state(state: dict) -> dict:
    """``state`` (a copy of the estimator's ``__dict__``) with the live objects as data."""
    if "net_" not in state:
        return state  # not fitted: the parameters are all there is
    net = state["net_"]
    monitor_state = state.get("_monitor")
    state = {k: v for k, v in state.items() if k not in _LIVE}
    weights = {name: tensor.detach().cpu().numpy().copy()
               for name, tensor in net.module_.state_dict().items()}
    monitor = {k: v for k, v in (vars(monitor_state) if monitor_state is not None else {}).items()
               if k not in _MONITOR_LIVE}
    state[DATA_STATE] = {
        "version": 1,
        "dtype": str(next(net.module_.parameters()).dtype).replace("torch.", ""),
        "weights": weights,
        "history": _plain(list(net.history)),
        "monitor": monitor,
        "lr_step": getattr(net, "lr_step_", None),
    }
    return state


def _stand_in_rows(weights, sample_shape):
    """Rows that make ``_build_module`` build layers of the saved shapes.

    The input layers take their statistics from the training data (overwritten by the saved
    buffers) and choose from it which columns a numeric embedding expands (those with many
    distinct values): the saved ``embedded`` indices say which, so those columns get
    :data:`_STAND_IN_ROWS` distinct values here and the others a constant.
    """
    embedded = [v for k, v in weights.items() if k.endswith(".embedded")]
    X = np.zeros(((_STAND_IN_ROWS if embedded else 4),) + tuple(sample_shape))
    for index in embedded:
        X[:, np.asarray(index, dtype=np.int64)] = np.arange(X.shape[0], dtype=float)[:, None]
    return X


def _fill_missing_params(estimator, state: dict) -> None:
    """A model pickled before a parameter existed gets its default, so that ``get_params``,
    ``clone`` and warm starts keep working on it."""
    import inspect

    defaults = {p.name: p.default for p in inspect.signature(type(estimator).__init__)
                .parameters.values() if p.name != "self"}
    for name, default in defaults.items():
        estimator.__dict__.setdefault(name, default)
    if ("validation_split" not in state and defaults["batch_size"] != "auto"
            and estimator.batch_size == "auto"):
        estimator.batch_size = "balanced"  # what the Tabular estimators' 'auto' was then


def restore(estimator, state: dict) -> None:
    """Finish ``__setstate__``: parameters the state lacks get their defaults, then
    ``module_`` comes from an unpickled ``net_``, or for the data form a new ``net_`` (and
    monitor, history) is built from its parameters and weights.

    Raises ``ValueError`` when the parameters and weights do not describe one network.
    """
    _fill_missing_params(estimator, state)  # pickled before a parameter existed
    _check_linear_model(estimator)
    _check_repeated_rows(estimator)
    data = state.get(DATA_STATE)
    if data is not None:
        _rebuild(estimator, data)
    net = estimator.__dict__.get("net_")
    if net is not None and getattr(net, "module_", None) is not None:
        estimator.module_ = net.module_


def _check_linear_model(estimator) -> None:
    """A ``linear_model_`` (``linear_blend``) must be a model of this estimator's inputs and
    outputs: one edited to other shapes is refused when loading, not at the first predict."""
    linear = estimator.__dict__.get("linear_model_")
    if linear is None:
        return
    n_in, n_out = getattr(estimator, "n_features_in_", None), getattr(estimator, "n_outputs_", None)
    shapes = {"center": (n_in,), "inv_spread": (n_in,), "coef": (n_out, n_in),
              "intercept": (n_out,), "weight": ()}
    fits = isinstance(linear, dict) and all(
        isinstance(linear.get(key), (np.ndarray, np.generic, float))
        and np.shape(linear[key]) == shape and np.asarray(linear[key]).dtype.kind == "f"
        and np.isfinite(linear[key]).all() for key, shape in shapes.items())
    if not fits or not 0 <= float(linear["weight"]) <= 1:
        raise ValueError(f"its linear model (linear_model_) does not fit its {n_in} inputs "
                         f"and {n_out} outputs: save the model again")


def _check_repeated_rows(estimator) -> None:
    """``repeated_rows_`` must hold sorted distinct keys, one row of finite target sums per
    key (one per output) and positive weights: one edited otherwise is refused on loading."""
    memory = estimator.__dict__.get("repeated_rows_")
    if memory is None:
        return
    n_out = getattr(estimator, "n_outputs_", None)
    try:
        keys, sums, weights = (np.asarray(memory[k]) for k in ("keys", "sums", "weights"))
        strength = float(memory["strength"])
        fits = (keys.dtype == np.int64 and keys.ndim == 1 and np.all(np.diff(keys) > 0)
                and sums.dtype.kind == "f" and sums.shape == (len(keys), n_out)
                and np.isfinite(sums).all() and weights.dtype.kind == "f"
                and weights.shape == keys.shape and np.all(weights > 0)
                and np.isfinite(weights).all() and np.isfinite(strength) and strength > 0)
    except (KeyError, TypeError, ValueError):
        fits = False
    if not fits:
        raise ValueError(f"its fitted rows' targets (repeated_rows_) do not fit its {n_out} "
                         "outputs: save the model again")


def _check_weights_fit(estimator, plan, weights) -> None:
    """Refuse layer sizes that imply more weights than were saved, before the network is
    built: its layers are allocated before ``load_state_dict`` compares shapes, so a state
    whose ``hidden_layer_sizes`` were edited to (20000, 20000) would take gigabytes first.

    Each pair of consecutive layers (convolution channels, then hidden layers) has a weight
    of at least their product; an MLP's first layer at least ``n_features_in_`` times its
    width, the last at least its width: a lower bound on what the saved weights must hold.
    """
    chain = [*plan.conv_channels, *plan.hidden]
    if not chain:
        return
    n_inputs = 1 if plan.conv_channels else int(getattr(estimator, "n_features_in_", 1) or 1)
    implied = sum(a * b for a, b in zip(chain, chain[1:])) + n_inputs * chain[0] + chain[-1]
    saved = sum(int(np.asarray(v).size) for v in weights.values())
    if implied > saved:
        raise ValueError(f"its layer sizes {tuple(chain)} need at least {implied} weights, "
                         f"but it holds {saved}: the saved weights do not fit the network "
                         "its parameters describe")


def _rebuild(estimator, data):
    import torch
    from skorch.history import History

    from skact.engine.build import make_monitor, make_net

    if not isinstance(data, dict) or data.get("version") != 1:
        raise ValueError("the estimator state has an unknown layout; upgrade skact")
    weights = data["weights"]
    dtype = {"float32": torch.float32, "float64": torch.float64}.get(data["dtype"])
    if dtype is None or not isinstance(weights, dict):
        raise ValueError("the estimator state has no valid network weights")
    saved_device = estimator.device
    estimator.device = "cpu"  # checked as given (a GPU model loads where there is none)
    try:
        plan = estimator._check_params(None, False)
    finally:
        estimator.device = saved_device
    plan = plan.with_fitted_dropout(estimator.__dict__.get("_dropout_rates"))
    _check_weights_fit(estimator, plan, weights)
    X = _stand_in_rows(weights, estimator._sample_shape)
    # building draws initial weights: leave the caller's random streams as they were
    with torch.random.fork_rng(devices=[]):
        net = make_net(estimator, plan, X, estimator.n_outputs_, dtype, "cpu")
    module = net.module_
    try:
        module.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in weights.items()})
    except RuntimeError as exc:
        problem = str(exc).replace("\n", " ").replace("\t", "")
        raise ValueError(f"the saved weights do not fit the network its parameters describe "
                         f"({problem[:300]})") from None
    module.eval()
    net.history = History(data["history"])
    if data.get("lr_step") is not None:
        net.lr_step_ = int(data["lr_step"])
    monitor = make_monitor(estimator)
    known = vars(monitor)
    for name, value in dict(data["monitor"]).items():
        if name in known:
            setattr(monitor, name, value)
    estimator.net_, estimator.module_, estimator._monitor = net, module, monitor
    estimator.history_ = net.history
