"""The search-space language: what ``skact tune`` searches.

:class:`SearchSpace` maps estimator parameter names to a :class:`Choice`, a
:class:`FloatRange` or :class:`IntRange`, or a :class:`Fixed` value. :func:`default_space` and
:func:`grid_space` are the built-in spaces; :mod:`skact.tuning.space_file` reads one from a
TOML or JSON file. Layer sizes are stored as strings such as ``"128-64"``
(:func:`format_layers`, :func:`parse_layers`) so persistent Optuna storages accept them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from skact.exceptions import SpaceError, did_you_mean

#: Activations searched (``tune``) and compared (``compare``) when ``--activations`` is not
#: given: the classic four, the modern smooth ones, and the Tabular estimators' defaults
#: (SELU, Mish).
DEFAULT_ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "elu", "selu", "gelu", "silu",
                       "mish")

#: Parameters holding layer widths, stored in studies and files as strings like ``"128-64"``.
LAYER_PARAMS = ("hidden_layer_sizes", "conv_channels")

#: The networks ``skact tune --model`` builds.
MODELS = ("mlp", "cnn")


# --------------------------------------------------------------------------- layer strings
_SIZES = r"\s*\d+(\s*[-,x]\s*\d+)*\s*"  # '128-64', '128, 64', '128x64'


def parse_layers(value) -> tuple[int, ...]:
    """Turn ``"128-64"`` (or ``128``, ``[128, 64]``) into ``(128, 64)``.

    Examples
    --------
    >>> parse_layers("128-64")
    (128, 64)
    >>> parse_layers(32)
    (32,)
    """
    if isinstance(value, str):
        if not re.fullmatch(_SIZES, value):
            # skact shows a CNN as 'channels/dense' (tune's tables): a user copies it here,
            # to --layers (the dense part) or to a space file's conv_channels (the other)
            channels, _, dense = (part.strip() for part in value.partition("/"))
            cnn = (f"; skact writes a CNN as convolution channels/dense layers, here "
                   f"{channels!r} and {dense!r}, which are set apart: the dense layers as "
                   "layer sizes (--layers, hidden_layer_sizes), the channels as conv_channels"
                   if value.count("/") == 1 and re.fullmatch(_SIZES, channels)
                   and re.fullmatch(_SIZES, dense) else "")
            raise SpaceError(
                f"layer sizes {value!r} are not whole numbers joined by '-', like '128-64'"
                + cnn)
        sizes = tuple(int(p) for p in re.split(r"\s*[-,x]\s*", value.strip()))
    elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        sizes = (int(value),)
    elif isinstance(value, (list, tuple)):
        sizes = tuple(int(v) for v in value)
    else:
        raise SpaceError(f"layer sizes {value!r} must look like '128-64'")
    if not sizes or any(s < 1 for s in sizes):
        raise SpaceError(f"layer sizes {value!r} must be positive whole numbers, like '128-64'")
    return sizes


def format_layers(value) -> str:
    """Turn ``(128, 64)`` (or ``"128-64"``, ``128``) into ``"128-64"``.

    Examples
    --------
    >>> format_layers((128, 64))
    '128-64'
    """
    return "-".join(str(s) for s in parse_layers(value))


# --------------------------------------------------------------------------- search space
@dataclass(frozen=True)
class Choice:
    """One of a list of values (categorical)."""

    choices: tuple

    def suggest(self, trial, name):
        return trial.suggest_categorical(name, list(self.choices))

    def grid(self, name):
        return list(self.choices)

    def describe(self):
        return {"choices": list(self.choices)}


def _decimal_places(x: float) -> int:
    """Decimals in the shortest repr of ``x``: 0.1 -> 1, 0.25 -> 2, 2.0 -> 0."""
    exponent = Decimal(repr(float(x))).normalize().as_tuple().exponent
    return max(0, -exponent)


@dataclass(frozen=True)
class FloatRange:
    """A float between ``low`` and ``high``, log-uniform when ``log``."""

    low: float
    high: float
    log: bool = False
    step: float | None = None

    def suggest(self, trial, name):
        value = trial.suggest_float(name, self.low, self.high, log=self.log, step=self.step)
        return self.tidy(value)

    def tidy(self, value):
        """Round a value on a ``step`` grid to the grid's decimals: Optuna computes
        ``low + k * step`` in floating point, so 0.0 + 3 * 0.1 arrives as 0.30000000000000004
        (in the trial's params, trials.csv and the summary)."""
        if self.step is None or value is None:
            return value
        places = max(_decimal_places(self.step), _decimal_places(self.low))
        return round(value, places)

    def grid(self, name):
        raise SpaceError(
            f"grid search needs a list of values for {name!r}, not a range "
            f"({self.low}..{self.high}); write {name} = [..] in the space file"
        )

    def describe(self):
        d = {"low": self.low, "high": self.high, "log": self.log}
        if self.step is not None:
            d["step"] = self.step
        return d


@dataclass(frozen=True)
class IntRange:
    """A whole number between ``low`` and ``high``."""

    low: int
    high: int
    log: bool = False
    step: int = 1

    def suggest(self, trial, name):
        return trial.suggest_int(name, self.low, self.high, log=self.log, step=self.step)

    def grid(self, name):
        if self.log:
            return FloatRange(self.low, self.high).grid(name)
        return list(range(self.low, self.high + 1, self.step))

    def describe(self):
        return {"low": self.low, "high": self.high, "log": self.log, "step": self.step}


@dataclass(frozen=True)
class Fixed:
    """A value that is set, not searched."""

    value: Any

    def grid(self, name):
        return [self.value]

    def describe(self):
        return {"value": self.value}


@dataclass
class SearchSpace:
    """Hyperparameters to search, by estimator parameter name.

    Layer parameters (``hidden_layer_sizes``, ``conv_channels``) hold strings such as
    ``"128-64"``; :meth:`to_estimator_params` turns them into tuples.

    Examples
    --------
    >>> import optuna
    >>> space = SearchSpace({"activation": Choice(("relu", "tanh")),
    ...                      "hidden_layer_sizes": Choice(("64", "128-64")),
    ...                      "batch_size": Fixed(32)})
    >>> params = space.suggest(optuna.trial.FixedTrial(
    ...     {"activation": "tanh", "hidden_layer_sizes": "128-64"}))
    >>> params
    {'activation': 'tanh', 'hidden_layer_sizes': '128-64', 'batch_size': 32}
    >>> space.to_estimator_params(params)["hidden_layer_sizes"]
    (128, 64)
    """

    params: dict[str, Choice | FloatRange | IntRange | Fixed]

    def suggest(self, trial) -> dict:
        """Sample one value per parameter from an Optuna trial (fixed values pass through)."""
        out = {}
        for name, spec in self.params.items():
            out[name] = spec.value if isinstance(spec, Fixed) else spec.suggest(trial, name)
        return out

    def grid(self) -> dict[str, list]:
        """The parameter grid for ``GridSearchCV`` (ranges are an error)."""
        return {name: spec.grid(name) for name, spec in self.params.items()}

    def n_grid_points(self) -> int:
        return math.prod(len(v) for v in self.grid().values())

    @property
    def activations(self) -> list[str]:
        spec = self.params.get("activation")
        if spec is None:
            return []
        return [spec.value] if isinstance(spec, Fixed) else list(spec.choices)

    def with_activations(self, activations) -> SearchSpace:
        """A copy whose activation choices are ``activations``."""
        params = dict(self.params)
        params["activation"] = Choice(tuple(activations))
        return SearchSpace(params)

    @staticmethod
    def to_estimator_params(params: Mapping) -> dict:
        """Stored parameters → estimator keyword arguments (layer strings become tuples)."""
        return {k: parse_layers(v) if k in LAYER_PARAMS else v for k, v in params.items()}

    def describe(self) -> dict:
        """A JSON-serialisable description (stored in the study to detect mismatches)."""
        return {name: spec.describe() for name, spec in self.params.items()}


def default_space(model: str = "mlp", task: str = "classification") -> SearchSpace:
    """The search space ``skact tune`` uses unless ``--space`` is given.

    It is centred on the strong defaults of the estimators ``tune`` builds
    (:class:`~skact.TabularMLPClassifier` / :class:`~skact.TabularMLPRegressor` for
    ``"mlp"``, :class:`~skact.CNNClassifier` / :class:`~skact.CNNRegressor` for ``"cnn"``),
    so those defaults are a point of the space and the first trial
    (:func:`starting_trials`); ``task`` picks the weight decays and dropouts (regression's have
    'auto').

    Examples
    --------
    >>> sorted(default_space("mlp").params)  # doctest: +NORMALIZE_WHITESPACE
    ['activation', 'batch_size', 'dropout', 'hidden_layer_sizes', 'learning_rate_init',
     'numeric_embedding', 'weight_decay']
    """
    params: dict[str, Any] = {"activation": Choice(DEFAULT_ACTIVATIONS)}
    if model == "cnn":
        params["conv_channels"] = Choice(("16-32", "32-64", "16-32-64", "32-64-128"))
        params["kernel_size"] = Choice((3, 5))
        params["hidden_layer_sizes"] = Choice(("64", "100", "128"))
        params["learning_rate_init"] = FloatRange(3e-4, 1e-2, log=True)
        params["dropout"] = FloatRange(0.0, 0.4, step=0.1)
        params["weight_decay"] = Choice((0.0, 1e-4, 1e-3, 1e-2))
        return SearchSpace(params)
    params["hidden_layer_sizes"] = Choice(("128-128", "256-256", "256-256-256", "512-512"))
    params["learning_rate_init"] = FloatRange(1e-3, 1e-2, log=True)
    # the regressor's default, 'auto' (by the rows), is a point of its space, as every default is
    params["dropout"] = (FloatRange(0.0, 0.4, step=0.05) if task == "classification"
                         else Choice((*(round(0.05 * k, 2) for k in range(9)), "auto")))
    params["weight_decay"] = Choice((0.0, 1e-4, 1e-3, 1e-2) if task == "classification"
                                    else (0.0, 1e-3, 1e-2, "auto"))
    params["numeric_embedding"] = Choice(("periodic", "piecewise_linear", None))
    params["batch_size"] = Choice(("balanced", "adaptive", 64, 128, 512))
    return SearchSpace(params)


def _inside(spec, value) -> bool:
    """Whether ``value`` is a point of ``spec`` (an Optuna distribution would accept it)."""
    if isinstance(spec, Choice):
        return any(type(c) is type(value) and c == value for c in spec.choices)
    if isinstance(spec, (FloatRange, IntRange)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if not spec.low <= value <= spec.high:
            return False
        if spec.step is None or (isinstance(spec, IntRange) and spec.log):
            return True
        k = (value - spec.low) / spec.step
        return math.isclose(k, round(k), abs_tol=1e-9)
    return False


def starting_trials(space: SearchSpace, defaults: Mapping) -> list[dict]:
    """The trials ``skact tune`` runs before its sampler takes over.

    The first is the estimator's own defaults (``defaults``, e.g. ``get_params()`` of a
    fresh estimator), then one trial per other activation of the space with everything
    else at those defaults, so every activation is tried at least once whatever the
    budget and the data. A parameter whose default is not a point of the space (a range
    in a ``--space`` file that leaves it out) is left to the sampler.

    Examples
    --------
    >>> space = SearchSpace({"activation": Choice(("relu", "tanh", "selu")),
    ...                      "dropout": FloatRange(0.0, 0.4, step=0.05),
    ...                      "hidden_layer_sizes": Choice(("8", "16"))})
    >>> defaults = {"activation": "selu", "dropout": 0.15, "hidden_layer_sizes": (256,)}
    >>> for trial in starting_trials(space, defaults):
    ...     print(trial)
    {'activation': 'selu', 'dropout': 0.15}
    {'activation': 'relu', 'dropout': 0.15}
    {'activation': 'tanh', 'dropout': 0.15}
    """
    base = {}
    for name, spec in space.params.items():
        if name not in defaults or isinstance(spec, Fixed) or name == "activation":
            continue
        value = defaults[name]
        if name in LAYER_PARAMS:
            value = format_layers(value)
        if _inside(spec, value):
            base[name] = value
    spec = space.params.get("activation")
    if not isinstance(spec, Choice):
        return [base] if base else []
    activations = [a for a in spec.choices if isinstance(a, str)]
    first = defaults.get("activation")
    if first in activations:
        activations.remove(first)
        activations.insert(0, first)
    return [{"activation": a, **base} for a in activations]


def grid_space(model: str = "mlp", activations=DEFAULT_ACTIVATIONS) -> SearchSpace:
    """The grid ``skact tune --search grid`` runs: every activation times a few shapes."""
    params: dict[str, Any] = {"activation": Choice(tuple(activations))}
    if model == "cnn":
        params["conv_channels"] = Choice(("8-16", "16-32"))
    else:
        params["hidden_layer_sizes"] = Choice(("64", "128-64"))
    return SearchSpace(params)


def check_activations(names) -> list[str]:
    """Check activation names against the registry; return them unchanged.

    Raises
    ------
    SpaceError
        For an unknown name, listing the registered activations.
    """
    from skact import activations as registry

    valid = registry.names()
    known = sorted(registry.names(include_aliases=True))
    names = list(names)
    if not names:
        raise SpaceError("no activations given; valid activations: " + ", ".join(valid))
    for name in names:
        if not isinstance(name, str) or name not in known:
            raise SpaceError(
                f"unknown activation {name!r}{did_you_mean(str(name), known)}; valid "
                f"activations: {', '.join(valid)}"
            )
    return names
