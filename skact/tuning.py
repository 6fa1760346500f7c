"""Search spaces, the Optuna objective, grid search, trial records and result files.

This is the library behind ``skact tune`` and ``skact predict``; the command line only parses
options and renders what these functions return.

- :class:`SearchSpace` declares the hyperparameters in one place (:func:`default_space`, or a
  TOML/JSON file read by :func:`load_space`). Layer sizes are stored in the study as strings
  such as ``"128-64"`` so persistent storages accept them.
- :class:`Objective` is a callable class for ``study.optimize``: it samples parameters,
  cross-validates a preprocessing + estimator pipeline on the training rows, and reports
  per-epoch validation scores for pruning through :class:`skact.callbacks.OptunaPruning`. It
  works with ``optuna.trial.FixedTrial`` for testing.
- :class:`Tuner` runs a whole search (Optuna or ``GridSearchCV``), turns trials into plain
  records, and refits the best pipeline on all rows.
- :func:`write_trials_csv`, :func:`write_summary` and :func:`save_model` write files
  atomically (a temporary file in the same directory, then ``os.replace``), so an interrupted
  run never leaves a half-written file; :func:`load_model` and :func:`predict_frame` read a
  saved model back.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import json
import math
import os
import re
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from skact.exceptions import ModelFileError, ScoringError, SkactError, SpaceError, StudyError

__all__ = [
    "DEFAULT_ACTIVATIONS",
    "LAYER_PARAMS",
    "Choice",
    "Fixed",
    "FloatRange",
    "IntRange",
    "Objective",
    "OptunaSettings",
    "SearchSpace",
    "TuneResult",
    "Tuner",
    "activation_summary",
    "check_activations",
    "check_scoring",
    "default_scoring",
    "default_space",
    "estimator_class",
    "format_layers",
    "grid_space",
    "leaderboard",
    "load_model",
    "load_space",
    "make_pipeline",
    "mask_url",
    "numeric_columns",
    "open_study",
    "parse_layers",
    "predict_frame",
    "records_from_grid",
    "records_from_study",
    "save_model",
    "write_atomic",
    "write_summary",
    "write_trials_csv",
]

#: Activations searched when ``--activations`` is not given.
DEFAULT_ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "elu", "selu", "gelu", "silu")

#: Parameters holding layer widths, stored in studies and files as strings like ``"128-64"``.
LAYER_PARAMS = ("hidden_layer_sizes", "conv_channels")

MODELS = ("mlp", "cnn")
MODEL_FORMAT = "skact-model"
MODEL_FORMAT_VERSION = 1
#: Name of the estimator step in the pipelines skact builds.
MODEL_STEP = "model"


# --------------------------------------------------------------------------- layer strings
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
        if not re.fullmatch(r"\s*\d+(\s*[-,x]\s*\d+)*\s*", value):
            raise SpaceError(
                f"layer sizes {value!r} are not whole numbers joined by '-', like '128-64'"
            )
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


def default_space(model: str = "mlp") -> SearchSpace:
    """The search space ``skact tune`` uses unless ``--space`` is given.

    Examples
    --------
    >>> sorted(default_space("mlp").params)
    ['activation', 'alpha', 'batch_size', 'dropout', 'hidden_layer_sizes', 'learning_rate_init']
    """
    params: dict[str, Any] = {"activation": Choice(DEFAULT_ACTIVATIONS)}
    if model == "cnn":
        params["conv_channels"] = Choice(("8-16", "16-32", "32-64"))
        params["kernel_size"] = Choice((3, 5))
        params["hidden_layer_sizes"] = Choice(("32", "64", "128"))
    else:
        params["hidden_layer_sizes"] = Choice(("32", "64", "128", "64-32", "128-64", "128-64-32"))
    params["learning_rate_init"] = FloatRange(1e-4, 3e-2, log=True)
    params["alpha"] = FloatRange(1e-6, 1e-2, log=True)
    params["dropout"] = FloatRange(0.0, 0.5, step=0.1)
    params["batch_size"] = Choice((32, 64, 128, 256))
    return SearchSpace(params)


def grid_space(model: str = "mlp", activations=DEFAULT_ACTIVATIONS) -> SearchSpace:
    """The grid ``skact tune --search grid`` runs: every activation times a few shapes."""
    params: dict[str, Any] = {"activation": Choice(tuple(activations))}
    if model == "cnn":
        params["conv_channels"] = Choice(("8-16", "16-32"))
    else:
        params["hidden_layer_sizes"] = Choice(("64", "128-64"))
    return SearchSpace(params)


def _spec_from_value(name, value):
    if isinstance(value, Mapping):
        unknown = set(value) - {"low", "high", "log", "step", "choices", "value"}
        if unknown:
            raise SpaceError(
                f"search space entry {name!r} has unknown keys {sorted(unknown)}; use "
                "low/high/log/step for a range, choices for a list, value for a fixed value"
            )
        if "choices" in value:
            return _spec_from_value(name, list(value["choices"]))
        if "value" in value:
            return _spec_from_value(name, value["value"])
        if "low" not in value or "high" not in value:
            raise SpaceError(f"search space range {name!r} needs both 'low' and 'high'")
        low, high = value["low"], value["high"]
        log = bool(value.get("log", False))
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high)):
            raise SpaceError(f"search space range {name!r} needs numbers for low and high")
        if low > high or (log and low <= 0):
            raise SpaceError(
                f"search space range {name!r} needs low <= high"
                + (" and low > 0 with log = true" if log else "")
                + f", got low={low}, high={high}"
            )
        step = value.get("step")
        if isinstance(low, int) and isinstance(high, int) and not isinstance(step, float):
            return IntRange(low, high, log=log, step=int(step or 1))
        return FloatRange(float(low), float(high), log=log, step=step)
    if isinstance(value, list):
        if not value:
            raise SpaceError(f"search space entry {name!r} is an empty list")
        if name in LAYER_PARAMS:
            value = [format_layers(v) for v in value]
        elif any(isinstance(v, (list, dict)) for v in value):
            raise SpaceError(
                f"search space entry {name!r}: choices must be strings, numbers or booleans"
            )
        return Choice(tuple(value))
    if name in LAYER_PARAMS:
        return Fixed(format_layers(value))
    return Fixed(value)


def load_space(path: str | os.PathLike) -> SearchSpace:
    """Read a search space from a TOML or JSON file.

    Each key is an estimator parameter. A list means "choose one of these", a table with
    ``low``/``high`` (and optionally ``log``, ``step``) a range (whole numbers give an integer
    range), and a plain value is fixed. Layer sizes are written as strings such as
    ``"128-64"``::

        activation = ["relu", "gelu", "silu"]
        hidden_layer_sizes = ["64", "128-64"]
        learning_rate_init = { low = 1e-4, high = 1e-2, log = true }
        dropout = { low = 0.0, high = 0.5, step = 0.1 }
        batch_size = 64

    Raises
    ------
    SpaceError
        The file is missing, does not parse, or has an entry of the wrong shape.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpaceError(f"search space file {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpaceError(f"search space file {path} cannot be read: {exc}") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpaceError(f"search space file {path} is not valid JSON: {exc}") from None
    else:
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SpaceError(
                f"search space file {path} is not valid TOML: {exc} (use a .json suffix for "
                "JSON)"
            ) from None
    if not isinstance(data, dict) or not data:
        raise SpaceError(f"search space file {path} must hold a table of parameters")
    return SearchSpace({str(k): _spec_from_value(str(k), v) for k, v in data.items()})


def _closest(name, valid):
    match = difflib.get_close_matches(name, valid, n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


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
                f"unknown activation {name!r}{_closest(str(name), known)}; valid "
                f"activations: {', '.join(valid)}"
            )
    return names


def default_scoring(task: str) -> str:
    """``"balanced_accuracy"`` (UAR) for classification, ``"r2"`` for regression."""
    return "balanced_accuracy" if task == "classification" else "r2"


def check_scoring(name: str) -> str:
    """Check a scikit-learn scorer name; return it.

    Raises
    ------
    ScoringError
        For an unknown name, listing the valid ones.

    Examples
    --------
    >>> check_scoring("f1_macro")
    'f1_macro'
    >>> check_scoring("acuracy")
    Traceback (most recent call last):
    ...
    skact.exceptions.ScoringError: unknown scorer 'acuracy' (did you mean 'accuracy'?); ...
    """
    from sklearn.metrics import get_scorer_names

    valid = sorted(get_scorer_names())
    if name not in valid:
        raise ScoringError(
            f"unknown scorer {name!r}{_closest(name, valid)}; valid scorers: {', '.join(valid)}"
        )
    return name


# --------------------------------------------------------------------------- estimators
def estimator_class(model: str, task: str):
    """The skact estimator class for ``model`` ("mlp" or "cnn") and ``task``."""
    import skact

    classes = {
        ("mlp", "classification"): "MLPClassifier",
        ("mlp", "regression"): "MLPRegressor",
        ("cnn", "classification"): "CNNClassifier",
        ("cnn", "regression"): "CNNRegressor",
    }
    try:
        return getattr(skact, classes[(model, task)])
    except KeyError:
        raise ValueError(f"unknown model/task {model!r}/{task!r}") from None


def check_space(space: SearchSpace, model: str, task: str) -> SearchSpace:
    """Check that every parameter of ``space`` is a parameter of the estimator.

    Raises
    ------
    SpaceError
        For an unknown parameter (listing the valid ones) or unknown activation.
    """
    valid = sorted(estimator_class(model, task)().get_params())
    for name in space.params:
        if name not in valid:
            raise SpaceError(
                f"search space parameter {name!r} is not a parameter of the {model} "
                f"estimator{_closest(name, valid)}; valid parameters: {', '.join(valid)}"
            )
    if "activation" in space.params:
        check_activations([a for a in space.activations if isinstance(a, str)])
    return space


def make_pipeline(dataset, model: str, params: Mapping, base_params: Mapping):
    """Preprocessing + estimator pipeline for ``dataset`` with stored-form ``params``.

    The estimator step is named ``"model"``; pass fit-time callbacks as
    ``pipe.fit(X, y, model__callbacks=[cb])``.
    """
    from sklearn.pipeline import Pipeline

    from skact.data import make_preprocessor

    kwargs = dict(base_params)
    kwargs.update(SearchSpace.to_estimator_params(params))
    estimator = estimator_class(model, dataset.task)(**kwargs)
    return Pipeline(
        [
            ("preprocess", make_preprocessor(dataset.numeric_columns, dataset.categorical_columns)),
            (MODEL_STEP, estimator),
        ]
    )


def base_params(dataset, max_epochs: int, seed: int | None, cv: int) -> dict:
    """Estimator parameters shared by every trial: epochs, early stopping, seed.

    Early stopping is on, so every epoch has a validation score for pruning; the validation
    fraction grows on small data so that the held-out rows can hold every class.
    """
    n_train = max(1, len(dataset.X) * (cv - 1) // cv)
    fraction = 0.1
    if dataset.task == "classification":
        n_classes = int(dataset.y.nunique())
        fraction = max(fraction, (2 * n_classes) / n_train)
    fraction = min(fraction, 0.3)
    return {
        "max_iter": int(max_epochs),
        "early_stopping": True,
        "validation_fraction": round(fraction, 3),
        "random_state": seed,
    }


# --------------------------------------------------------------------------- optuna
def mask_url(url: str | None) -> str | None:
    """Hide the password in a database URL.

    Examples
    --------
    >>> mask_url("postgresql://me:secret@db.example.org/optuna")
    'postgresql://me:***@db.example.org/optuna'
    """
    if url is None:
        return None
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", str(url))


class DeferredCtrlC:
    """Hold Ctrl-C (SIGINT) through sections that must not be cut in half.

    Optuna's bookkeeping is not interrupt-safe: a ``KeyboardInterrupt`` inside its journal
    file lock leaves the lock behind (``FileNotFoundError`` on release), and one inside
    ``Study.tell`` makes Optuna's trial runner fail with an ``UnboundLocalError`` instead of
    the interrupt. Sections nest with :meth:`hold` / :meth:`release`; while one is held,
    SIGINT only marks the interrupt pending, and it is raised when the outermost section is
    released, or earlier by :meth:`raise_if_pending` where that is safe. Signals reach only
    the main thread, so elsewhere every method is a no-op. A SIGINT handler that is not
    Python's default (ignored, or installed by someone else) is left alone. A second Ctrl-C
    (one pending, or one already raised and being unwound) is raised at once: the held code
    may be stalled, e.g. on a database over the network.
    """

    def __init__(self):
        self._depth = 0
        self._pending = False
        self._installed = False
        # an interrupt was raised and is unwinding through held code: the next press forces
        self._interrupting = False

    @staticmethod
    def _in_main_thread() -> bool:
        return threading.current_thread() is threading.main_thread()

    def _on_sigint(self, signum, frame):
        if not (self._pending or self._interrupting):
            self._pending = True
            return
        # A second press: the user will not wait (a storage call may be stalled on the
        # network). Give up holding and interrupt now, at whatever cost to Optuna's records.
        import signal

        self._pending = False
        self._installed = False
        signal.signal(signal.SIGINT, signal.default_int_handler)
        raise KeyboardInterrupt

    def hold(self) -> None:
        self._hold(fresh=True)

    def _hold(self, fresh: bool) -> None:
        import signal

        if not self._in_main_thread():
            return
        if self._depth == 0:
            if fresh:  # not the re-hold after a lifted section
                self._interrupting = False
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                self._pending = False
                signal.signal(signal.SIGINT, self._on_sigint)
                self._installed = True
        self._depth += 1

    def release(self) -> None:
        import signal

        if not self._in_main_thread() or self._depth == 0:
            return
        self._depth -= 1
        if self._depth == 0 and self._installed:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            self._installed = False
            self.raise_if_pending()

    def raise_if_pending(self) -> None:
        if self._pending and self._in_main_thread():
            self._pending = False
            self._interrupting = True
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def held(self):
        self.hold()
        try:
            yield
        finally:
            self.release()

    @contextlib.contextmanager
    def lifted(self):
        """Let Ctrl-C through inside a held section (e.g. while a trial trains); a pending
        one is raised on entry."""
        if not self._in_main_thread() or self._depth != 1:
            yield  # not held, or held by a section that must finish first
            return
        try:
            self.release()
            yield
        except KeyboardInterrupt:
            self._interrupting = True
            raise
        finally:
            self._hold(fresh=False)


#: The process's Ctrl-C gate: the journal lock and the Optuna search share it.
CTRL_C = DeferredCtrlC()


class InterruptSafeLock:
    """Wrap an Optuna journal file lock so Ctrl-C cannot land while it is held: the
    interrupt waits until the lock is released (see :class:`DeferredCtrlC`)."""

    def __init__(self, inner, gate: DeferredCtrlC = CTRL_C):
        self.inner = inner
        self.gate = gate

    def acquire(self) -> bool:
        self.gate.hold()
        try:
            return self.inner.acquire()
        except BaseException:
            self.gate.release()
            raise

    def release(self) -> None:
        try:
            self.inner.release()
        finally:
            self.gate.release()


def make_storage(storage: str | None):
    """``None`` (in memory), an RDB URL (``sqlite:///x.db``, ``postgresql://...``) or a path
    to an Optuna journal file (created if missing)."""
    if storage is None:
        return None
    if "://" in storage:
        return storage
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend, JournalFileSymlinkLock

    path = Path(storage)
    try:
        if path.parent != Path(""):
            path.parent.mkdir(parents=True, exist_ok=True)
        lock = InterruptSafeLock(JournalFileSymlinkLock(str(path)))
        return JournalStorage(JournalFileBackend(str(path), lock_obj=lock))
    except OSError as exc:
        raise StudyError(f"cannot open journal storage {storage}: {exc}") from None


@dataclass
class OptunaSettings:
    """Where and how the study runs."""

    storage: str | None = None
    study_name: str | None = None
    seed: int | None = 0
    pruner_startup_trials: int = 5
    pruner_warmup_steps: int = 3
    #: An Optuna pruner replacing the default ``MedianPruner``.
    pruner: Any = None


def open_study(settings: OptunaSettings, study_name: str, attrs: Mapping):
    """Create or load the study (``load_if_exists``), seeded, with a MedianPruner.

    ``attrs`` (task, target, scoring, model, space) are stored in the study; an existing study
    created with different ones is refused so two incompatible runs cannot mix scores.

    With a persistent storage the sampler seed also mixes in the number of trials already in
    the study and the process id, so resumed runs and parallel workers do not re-sample the
    same points. Runs without ``--storage`` use exactly ``seed`` and are reproducible.
    """
    import optuna

    storage = make_storage(settings.storage)
    pruner = settings.pruner or optuna.pruners.MedianPruner(
        n_startup_trials=settings.pruner_startup_trials,
        n_warmup_steps=settings.pruner_warmup_steps,
    )
    try:
        study = optuna.create_study(
            storage=storage,
            study_name=study_name,
            direction="maximize",
            pruner=pruner,
            load_if_exists=True,
        )
    except ImportError as exc:
        raise StudyError(
            f"storage {mask_url(settings.storage)} needs a database driver that is not "
            f"installed: {exc}"
        ) from None
    except Exception as exc:
        if isinstance(exc, (KeyboardInterrupt, StudyError)):
            raise
        raise StudyError(
            f"cannot open study {study_name!r} in {mask_url(settings.storage)}: "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from None

    existing = study.user_attrs.get("skact")
    attrs = json.loads(json.dumps(dict(attrs), default=str))
    if existing is None:
        study.set_user_attr("skact", attrs)
    elif existing != attrs:
        diffs = [
            f"{k}: study has {existing.get(k)!r}, this run {attrs.get(k)!r}"
            for k in sorted(set(existing) | set(attrs))
            if existing.get(k) != attrs.get(k) and k != "space"
        ]
        if existing.get("space") != attrs.get("space"):
            diffs.append("the search space differs")
        raise StudyError(
            f"study {study_name!r} in {mask_url(settings.storage)} was created by a different "
            f"run ({'; '.join(diffs)}); use another --study-name"
        )

    seed = settings.seed
    if settings.storage is not None and seed is not None:
        n_existing = len(study.get_trials(deepcopy=False))
        seed = (seed * 1_000_003 + n_existing * 7919 + os.getpid()) % (2**31)
    study.sampler = optuna.samplers.TPESampler(seed=seed)
    return study


class Objective:
    """Optuna objective: cross-validated score of a pipeline with sampled parameters.

    Parameters
    ----------
    dataset : skact.data.Dataset
        The training rows (all of them: hyperparameters are chosen by cross-validation on the
        training data, never on a test split).
    space : SearchSpace
    model : {"mlp", "cnn"}
    cv : cross-validation splitter
        E.g. ``StratifiedKFold(5, shuffle=True, random_state=seed)``.
    scoring : str
        A scikit-learn scorer name; greater is better.
    base_params : dict
        Estimator parameters shared by all trials (see :func:`base_params`).
    prune : bool, default=True
        Report per-epoch validation scores and stop when the pruner says so.

    Returns (when called)
    ---------------------
    float
        The mean cross-validated score. The trial's user attributes get ``score_std``,
        ``cv_scores`` and ``fit_time`` (mean seconds per fold).
    """

    def __init__(self, dataset, space, model, cv, scoring, base_params, prune=True):
        self.dataset = dataset
        self.space = space
        self.model = model
        self.cv = cv
        self.scoring = scoring
        self.base_params = dict(base_params)
        self.prune = prune

    def __call__(self, trial) -> float:
        try:
            # the search holds Ctrl-C through Optuna's bookkeeping; training may be cut
            with CTRL_C.lifted():
                return self._score(trial)
        except KeyboardInterrupt:
            _set_user_attr(trial, "interrupted", True)
            raise

    def _score(self, trial) -> float:
        from sklearn.model_selection import cross_validate

        from skact.callbacks import OptunaPruning

        params = self.space.suggest(trial)
        pipe = make_pipeline(self.dataset, self.model, params, self.base_params)
        fit_params = {}
        if self.prune:
            steps = int(self.base_params.get("max_iter", 1000))
            fit_params[f"{MODEL_STEP}__callbacks"] = [OptunaPruning(trial, steps_per_fit=steps)]
        try:
            result = cross_validate(
                pipe,
                self.dataset.X,
                self.dataset.y,
                cv=self.cv,
                scoring=self.scoring,
                params=fit_params,
                error_score="raise",
            )
        except ValueError as exc:
            # the estimators raise ValueError naming a bad hyperparameter: a user error when
            # the space came from a file
            if type(exc) is ValueError:
                shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
                message = f"trial with {shown} failed: {exc}"
                _set_user_attr(trial, "error", message)
                raise SpaceError(message) from exc
            raise
        scores = np.asarray(result["test_score"], dtype=float)
        _set_user_attr(trial, "cv_scores", [float(s) for s in scores])
        _set_user_attr(trial, "score_std", float(scores.std()))
        _set_user_attr(trial, "fit_time", float(np.mean(result["fit_time"])))
        return float(scores.mean())


def _fail_abandoned_trials(study, numbers):
    """Mark FAIL the trials this run started that a forced Ctrl-C left RUNNING (cut inside
    Optuna's bookkeeping), so the study does not show them running forever. Other workers'
    running trials are theirs."""
    from optuna.trial import TrialState

    mine = set(numbers)
    try:
        with CTRL_C.held():
            for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
                if trial.number in mine:
                    study.tell(trial.number, state=TrialState.FAIL)
    except Exception:  # noqa: BLE001 - best effort: the storage itself may be what failed
        pass


def _set_user_attr(trial, key, value):
    setter = getattr(trial, "set_user_attr", None)
    if setter is not None:
        setter(key, value)


# --------------------------------------------------------------------------- records
def _seconds(td):
    return None if td is None else round(td.total_seconds(), 3)


def records_from_study(study) -> list[dict]:
    """One plain dict per trial: number, state, score, score_std, cv_scores, fit_time,
    duration, then every parameter."""
    records = []
    for t in study.get_trials(deepcopy=False):
        state = t.state.name.lower()
        if state == "fail" and t.user_attrs.get("interrupted"):
            state = "interrupted"
        rec = {
            "number": t.number,
            "state": state,
            "score": t.value if state == "complete" else None,
            "score_std": t.user_attrs.get("score_std"),
            "cv_scores": t.user_attrs.get("cv_scores"),
            "fit_time": t.user_attrs.get("fit_time"),
            "duration": _seconds(t.duration),
            "error": t.user_attrs.get("error"),
        }
        rec.update(t.params)
        records.append(rec)
    return records


def records_from_grid(search) -> list[dict]:
    """One plain dict per candidate of a fitted ``GridSearchCV`` (layer tuples as strings)."""
    res = search.cv_results_
    n_splits = search.n_splits_
    records = []
    for i, params in enumerate(res["params"]):
        scores = [float(res[f"split{k}_test_score"][i]) for k in range(n_splits)]
        rec = {
            "number": i,
            "state": "complete" if np.all(np.isfinite(scores)) else "fail",
            "score": float(res["mean_test_score"][i]),
            "score_std": float(res["std_test_score"][i]),
            "cv_scores": scores,
            "fit_time": float(res["mean_fit_time"][i]),
            "duration": round(float((res["mean_fit_time"][i] + res["mean_score_time"][i])
                                    * n_splits), 3),
        }
        for key, value in params.items():
            name = key.split("__", 1)[1] if "__" in key else key
            rec[name] = format_layers(value) if name in LAYER_PARAMS else value
        records.append(rec)
    return records


_STATE_ORDER = {"complete": 0, "pruned": 1, "running": 2, "interrupted": 3, "fail": 4}


def leaderboard(records: list[dict]) -> list[dict]:
    """Records sorted best first: completed trials by score, then pruned, running, failed."""

    def key(r):
        score = r.get("score")
        finite = score is not None and math.isfinite(score)
        return (_STATE_ORDER.get(r["state"], 5), -(score if finite else -math.inf), r["number"])

    return sorted(records, key=key)


def activation_summary(records: list[dict]) -> list[dict]:
    """Per activation: trials, completed, pruned, best and mean score; best first.

    Examples
    --------
    >>> recs = [{"activation": "relu", "state": "complete", "score": 0.9},
    ...         {"activation": "relu", "state": "complete", "score": 0.7},
    ...         {"activation": "tanh", "state": "pruned", "score": None}]
    >>> [(r["activation"], r["best"], r["mean"], r["pruned"]) for r in activation_summary(recs)]
    [('relu', 0.9, 0.8, 0), ('tanh', None, None, 1)]
    """
    groups: dict[str, list[dict]] = {}
    for r in records:
        groups.setdefault(str(r.get("activation")), []).append(r)
    rows = []
    for act, recs in groups.items():
        scores = [
            r["score"]
            for r in recs
            if r["state"] == "complete" and r["score"] is not None and math.isfinite(r["score"])
        ]
        rows.append(
            {
                "activation": act,
                "trials": len(recs),
                "complete": len(scores),
                "pruned": sum(r["state"] == "pruned" for r in recs),
                "best": max(scores) if scores else None,
                "mean": round(float(np.mean(scores)), 12) if scores else None,
            }
        )
    rows.sort(key=lambda r: (r["best"] is None, -(r["best"] or 0.0), r["activation"]))
    return rows


# --------------------------------------------------------------------------- the run
@dataclass
class TuneResult:
    """What a search produced.

    ``records`` covers every trial in the study (including those of earlier runs and other
    workers); ``best`` is the best completed record or ``None``; ``pipeline`` the best
    pipeline refit on all rows (``None`` until :meth:`Tuner.refit`, or when interrupted).
    """

    records: list[dict]
    best: dict | None
    study_name: str | None = None
    interrupted: bool = False
    n_new: int = 0
    pipeline: Any = None
    param_names: list[str] = field(default_factory=list)

    @property
    def best_params(self) -> dict | None:
        if self.best is None:
            return None
        return {k: self.best[k] for k in self.param_names if k in self.best}


class Tuner:
    """Run ``skact tune``: check the inputs, search, refit the best pipeline.

    Parameters
    ----------
    dataset : skact.data.Dataset
    model : {"mlp", "cnn"}
    search : {"optuna", "grid"}
    space : SearchSpace, default=None
        ``None``: :func:`default_space` (Optuna) or :func:`grid_space` (grid).
    activations : list of str, default=None
        Narrow the activation choices.
    n_trials, timeout : Optuna budget (per run; every worker runs its own ``n_trials``).
    cv : int
        Folds; stratified and shuffled for classification.
    scoring : str, default=None
        A scikit-learn scorer name; ``None``: :func:`default_scoring`.
    max_epochs : int
    n_jobs : int
        Parallel trials (Optuna) or parallel fits (grid), in threads.
    settings : OptunaSettings
    """

    def __init__(
        self,
        dataset,
        *,
        model="mlp",
        search="optuna",
        space=None,
        activations=None,
        n_trials=20,
        timeout=None,
        cv=5,
        scoring=None,
        max_epochs=100,
        n_jobs=1,
        settings=None,
        prune=True,
    ):
        if model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {model!r}")
        if search not in ("optuna", "grid"):
            raise ValueError(f"search must be 'optuna' or 'grid', got {search!r}")
        self.dataset = dataset
        self.model = model
        self.search = search
        self.n_trials = n_trials
        self.timeout = timeout
        self.n_folds = cv
        self.scoring = check_scoring(scoring or default_scoring(dataset.task))
        self.max_epochs = max_epochs
        self.n_jobs = n_jobs
        self.settings = settings or OptunaSettings()
        self.prune = prune
        if activations is not None:
            activations = check_activations(activations)
        if space is None:
            if search == "grid":
                space = grid_space(model, activations or DEFAULT_ACTIVATIONS)
            else:
                space = default_space(model)
        if activations is not None:
            space = space.with_activations(activations)
        self.space = check_space(space, model, dataset.task)
        if search == "grid":
            self.space.grid()  # ranges are an error before anything runs
        self.base_params = base_params(dataset, max_epochs, self.settings.seed, cv)
        self.study_name = self.settings.study_name
        self.study = None

    def splitter(self):
        from sklearn.model_selection import KFold, StratifiedKFold

        seed = self.settings.seed
        if self.dataset.task == "classification":
            return StratifiedKFold(self.n_folds, shuffle=True, random_state=seed)
        return KFold(self.n_folds, shuffle=True, random_state=seed)

    def study_attrs(self) -> dict:
        ds = self.dataset
        return {
            "task": ds.task,
            "target": ds.target,
            "model": self.model,
            "scoring": self.scoring,
            "cv": self.n_folds,
            "max_epochs": self.max_epochs,
            "features": ds.feature_columns,
            "space": self.space.describe(),
        }

    def objective(self) -> Objective:
        return Objective(
            self.dataset,
            self.space,
            self.model,
            self.splitter(),
            self.scoring,
            self.base_params,
            prune=self.prune,
        )

    # -- runs --------------------------------------------------------------------------
    def run(self, on_trial: Callable[[dict, dict | None], None] | None = None) -> TuneResult:
        """Search. ``on_trial(record, best_record)`` is called after each finished trial
        (Optuna) or fit (grid, ``n_jobs=1``). Ctrl-C ends the search early: the result has
        ``interrupted=True`` and holds what finished."""
        with _torch_threads_for(self.n_jobs):
            if self.search == "grid":
                return self._run_grid(on_trial)
            return self._run_optuna(on_trial)

    def _result(self, records, **kw) -> TuneResult:
        # Optuna records only what it sampled: put the space's fixed values back, so
        # the best parameters, trials.csv and the refit model all carry them; values on a
        # step grid are shown as the grid has them (0.3, not 0.30000000000000004).
        fixed = {k: s.value for k, s in self.space.params.items() if isinstance(s, Fixed)}
        stepped = {k: s for k, s in self.space.params.items()
                   if isinstance(s, FloatRange) and s.step is not None}
        for record in records:
            for name, value in fixed.items():
                record.setdefault(name, value)
            for name, spec in stepped.items():
                if name in record:
                    record[name] = spec.tidy(record[name])
        complete = [
            r for r in records
            if r["state"] == "complete" and r["score"] is not None and math.isfinite(r["score"])
        ]
        best = max(complete, key=lambda r: (r["score"], -r["number"])) if complete else None
        return TuneResult(
            records=records, best=best, param_names=list(self.space.params), **kw
        )

    def open(self):
        """Create or join the Optuna study (see :func:`open_study`); returns it.

        :meth:`run` calls this when needed; calling it first surfaces storage errors before
        any progress display starts.
        """
        if self.study is None:
            self.study_name = self.study_name or "skact"
            self.study = open_study(self.settings, self.study_name, self.study_attrs())
        return self.study

    def _run_optuna(self, on_trial) -> TuneResult:
        study = self.open()
        name = self.study_name
        n_before = len(study.get_trials(deepcopy=False))

        def callback(study, frozen):
            if on_trial is None:
                return
            rec = records_from_study_trial(frozen)
            try:
                best_t = study.best_trial
                best = {"number": best_t.number, "score": best_t.value}
            except ValueError:
                best = None
            on_trial(rec, best)

        def stop_if_interrupted(study, frozen):
            # the trial is recorded: a Ctrl-C held through Optuna's bookkeeping ends it here
            CTRL_C.raise_if_pending()

        # One trial at a time runs in this (the main) thread: hold Ctrl-C through Optuna's
        # own code, let it through while a trial trains. Parallel trials run in worker
        # threads, which signals never reach.
        gate = CTRL_C.held() if self.n_jobs == 1 else contextlib.nullcontext()
        objective, started = self.objective(), []

        def run_trial(trial):
            started.append(trial.number)
            return objective(trial)

        interrupted = False
        try:
            with gate:
                study.optimize(
                    run_trial,
                    n_trials=self.n_trials,
                    timeout=self.timeout,
                    n_jobs=self.n_jobs,
                    callbacks=[callback, stop_if_interrupted],
                    gc_after_trial=False,
                    # one impossible combination fails its trial, not the whole run (and
                    # the trials that finished are kept); the message is in "error"
                    catch=(SpaceError,),
                )
        except KeyboardInterrupt:
            interrupted = True
        except UnboundLocalError as exc:
            # what Optuna's trial runner raises when a Ctrl-C (a forced second press) lands
            # inside Study.tell
            if not isinstance(exc.__context__, KeyboardInterrupt):
                raise
            interrupted = True
        if interrupted:
            _fail_abandoned_trials(study, started)
        records = records_from_study(study)
        return self._result(
            records, study_name=name, interrupted=interrupted, n_new=len(records) - n_before
        )

    def _run_grid(self, on_trial) -> TuneResult:
        import joblib
        from sklearn.metrics import get_scorer
        from sklearn.model_selection import GridSearchCV

        template = make_pipeline(self.dataset, self.model, {}, self.base_params)
        grid = {
            f"{MODEL_STEP}__{k}": [parse_layers(v) for v in vals] if k in LAYER_PARAMS else vals
            for k, vals in self.space.grid().items()
        }
        scorer = get_scorer(self.scoring)
        if on_trial is not None:
            scorer = _CountingScorer(scorer, on_trial)
        search = GridSearchCV(
            template,
            grid,
            scoring=scorer,
            cv=self.splitter(),
            n_jobs=self.n_jobs,
            refit=True,
            error_score="raise",
        )
        try:
            # threads, not processes: torch releases the GIL in its kernels, workers need no
            # start-up (a process pays seconds to import torch), and progress can be counted
            with joblib.parallel_backend("threading", n_jobs=self.n_jobs):
                search.fit(self.dataset.X, self.dataset.y)
        except KeyboardInterrupt:
            return self._result([], interrupted=True)
        except (ValueError, TypeError) as exc:
            if isinstance(exc, SkactError):
                raise
            # a fit or the scorer failed (e.g. roc_auc on three classes): say so in one line
            raise SpaceError(
                f"grid search failed with scoring {self.scoring!r}: {exc}"
            ) from exc
        if isinstance(scorer, _CountingScorer):
            search.scoring = scorer.scorer  # keep the saved search picklable
        self.grid_search = search
        records = records_from_grid(search)
        result = self._result(records, n_new=len(records))
        result.pipeline = search.best_estimator_
        return result

    def refit(self, result: TuneResult):
        """Fit the best parameters on all rows; sets and returns ``result.pipeline``."""
        if result.pipeline is not None or result.best is None:
            return result.pipeline
        pipe = make_pipeline(self.dataset, self.model, result.best_params, self.base_params)
        pipe.fit(self.dataset.X, self.dataset.y)
        result.pipeline = pipe
        return pipe


@contextlib.contextmanager
def _torch_threads_for(n_jobs: int):
    """Share the CPU cores between ``n_jobs`` parallel fits instead of letting each fit's
    torch thread pool claim every core (tiny networks then run many times slower)."""
    if n_jobs <= 1:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(max(1, before // n_jobs))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def records_from_study_trial(t) -> dict:
    """The record of one frozen trial (see :func:`records_from_study`)."""

    class _One:
        def get_trials(self, deepcopy=False):
            return [t]

    return records_from_study(_One())[0]


class _CountingScorer:
    """Wrap a scorer to call ``on_fit(record, None)`` after each fold is scored (the grid
    runs in threads, so the calls arrive in this process)."""

    def __init__(self, scorer, on_fit):
        self.scorer = scorer
        self.on_fit = on_fit
        self._lock = threading.Lock()
        self.n_ = 0

    def __call__(self, estimator, X, y, **kwargs):
        score = self.scorer(estimator, X, y, **kwargs)
        with self._lock:
            self.n_ += 1
            self.on_fit({"number": self.n_, "state": "complete", "score": None}, None)
        return score


# --------------------------------------------------------------------------- files
def write_atomic(path: str | os.PathLike, write: Callable[[Any], None], mode: str = "w"):
    """Call ``write(fileobj)`` on a temporary file next to ``path``, then rename it.

    The rename (``os.replace``) is atomic, so readers and interrupted runs see either the old
    file or the complete new one, never a partial file. The file gets the usual permissions
    (``0o666`` less the umask), not ``mkstemp``'s private ``0o600``. A path that cannot be
    written is a :class:`SkactError` naming it.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise SkactError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        kwargs = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
        with os.fdopen(fd, mode, **kwargs) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise SkactError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise
    return path


@functools.lru_cache(maxsize=1)
def _umask() -> int:
    """The process umask, read once (reading it means setting it, briefly)."""
    current = os.umask(0)
    os.umask(current)
    return current


def write_trials_csv(path, records: list[dict]):
    """``trials.csv``: one row per trial, every parameter, score, state and duration."""
    import pandas as pd

    front = ["number", "state", "score", "score_std", "fit_time", "duration"]
    rows = []
    for r in records:
        row = {k: v for k, v in r.items() if k != "cv_scores"}
        cv = r.get("cv_scores")
        row["cv_scores"] = " ".join(f"{s:.6g}" for s in cv) if cv else None
        rows.append(row)
    df = pd.DataFrame(rows)
    if len(df.columns):
        ordered = [c for c in front if c in df.columns]
        ordered += [c for c in df.columns if c not in ordered and c != "cv_scores"]
        ordered += ["cv_scores"] if "cv_scores" in df.columns else []
        df = df[ordered]
    return write_atomic(path, lambda fh: df.to_csv(fh, index=False))


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (set, tuple)):
        return list(obj)
    if isinstance(obj, Path):
        return str(obj)
    return str(obj)


def write_summary(path, summary: Mapping):
    """``summary.json`` (UTF-8, indented)."""
    text = json.dumps(summary, indent=2, default=_json_default, allow_nan=False) + "\n"
    return write_atomic(path, lambda fh: fh.write(text))


_VERSIONED = ("skact", "torch", "scikit-learn", "skorch", "optuna", "pandas", "numpy")


def versions(dists=_VERSIONED) -> dict:
    """Versions of Python and of ``dists`` (by default skact and the libraries that decide
    its numbers); ``None`` for one that is not installed."""
    import importlib.metadata as md

    out = {"python": sys.version.split()[0]}
    for dist in dists:
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            out[dist] = None
    return out


def _finite(x):
    return x if x is None or math.isfinite(x) else None


def make_summary(tuner: Tuner, result: TuneResult, *, data_path, command, started,
                 model_file=None) -> dict:
    """The content of ``summary.json``."""
    ds = tuner.dataset
    counts: dict[str, int] = {}
    for r in result.records:
        counts[r["state"]] = counts.get(r["state"], 0) + 1
    best = result.best
    return {
        "best_params": result.best_params,
        "best_score": _finite(best["score"]) if best else None,
        "best_score_std": best.get("score_std") if best else None,
        "cv_scores": best.get("cv_scores") if best else None,
        "best_trial": best["number"] if best else None,
        "scoring": tuner.scoring,
        "cv": tuner.n_folds,
        "task": ds.task,
        "task_reason": ds.task_reason,
        "target": ds.target,
        "classes": _classes(ds),
        "columns": {
            "features": ds.feature_columns,
            "numeric": ds.numeric_columns,
            "categorical": ds.categorical_columns,
        },
        "n_rows": ds.n_rows,
        "n_rows_dropped": ds.n_rows_dropped,
        "data": str(data_path),
        "model": tuner.model,
        "search": tuner.search,
        "estimator_params": {
            **tuner.base_params,
            **(SearchSpace.to_estimator_params(result.best_params) if best else {}),
        },
        "search_space": tuner.space.describe(),
        "study_name": result.study_name,
        "storage": mask_url(tuner.settings.storage),
        "seed": tuner.settings.seed,
        "trials": counts,
        "n_trials_this_run": result.n_new,
        "interrupted": result.interrupted,
        "model_file": model_file,
        "started": started,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "versions": versions(),
        "command": command,
    }


def _classes(ds):
    if ds.task != "classification":
        return None
    return [_json_default(c) if isinstance(c, np.generic) else c for c in sorted(ds.y.unique())]


def save_model(path, pipeline, metadata: Mapping):
    """Save a fitted pipeline and the metadata ``predict`` needs (joblib, atomically).

    The file holds a dict: ``format``, ``format_version``, ``pipeline`` and the metadata
    (``feature_columns``, ``target``, ``task``, ``classes``, ...). Like any pickle, only load
    model files you trust.
    """
    import joblib

    bundle = {"format": MODEL_FORMAT, "format_version": MODEL_FORMAT_VERSION, **metadata,
              "pipeline": pipeline}
    return write_atomic(path, lambda fh: joblib.dump(bundle, fh, compress=3), mode="wb")


def load_model(path) -> dict:
    """Load a model saved by :func:`save_model`; returns the dict.

    Raises
    ------
    ModelFileError
        Missing, unreadable, or not a skact model file.
    """
    import joblib

    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"{path}: no such model file")
    if path.is_dir():
        candidate = path / "model.joblib"
        if candidate.exists():
            path = candidate
        else:
            raise ModelFileError(f"{path} is a directory without a model.joblib")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bundle = joblib.load(path)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to unpickle means "not a model"
        raise ModelFileError(
            f"{path} is not a model file saved by skact tune ({type(exc).__name__}: "
            f"{str(exc)[:200]})"
        ) from None
    if not isinstance(bundle, dict) or bundle.get("format") != MODEL_FORMAT:
        raise ModelFileError(f"{path} is not a model file saved by skact tune")
    if bundle.get("format_version", 0) > MODEL_FORMAT_VERSION:
        raise ModelFileError(
            f"{path} was saved by a newer skact (model format {bundle['format_version']}); "
            "upgrade skact"
        )
    return bundle


def numeric_columns(bundle: Mapping) -> list[str]:
    """The feature columns a saved model was trained on as numbers (the others are text
    categories); read a prediction file with ``read_csv(path, numeric=...)`` of these."""
    return _numeric_columns(bundle["pipeline"])


def _numeric_columns(pipe) -> list[str]:
    columns = pipe[0].named_steps["columns"]
    return list(next((cols for name, _, cols in columns.transformers if name == "numeric"), []))


def _check_numeric_columns(pipe, X, source):
    """Text in a column the model saw as numeric is a DataError naming column and value."""
    import pandas as pd

    from skact.exceptions import DataError

    for column in _numeric_columns(pipe):
        values = X[column]
        bad = pd.to_numeric(values, errors="coerce").isna() & values.notna()
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise DataError(
                f"column {column!r} of {source} must hold numbers (the model was trained on "
                f"numbers), but row {row + 1} holds {values.iloc[row]!r}"
            )


def predict_frame(bundle: Mapping, df, proba: bool = False, source="the data"):
    """Predictions for the rows of ``df`` (a DataFrame with the training feature columns).

    Returns a DataFrame with a ``prediction`` column and, with ``proba=True`` for a
    classifier, one ``proba_<class>`` column per class. The target column, if present, is
    ignored; a missing feature column is a :class:`~skact.exceptions.DataError`.
    """
    import pandas as pd

    from skact.data import select_features
    from skact.exceptions import DataError

    X = select_features(df, bundle["feature_columns"], source=source)
    pipe = bundle["pipeline"]
    _check_numeric_columns(pipe, X, source)
    out = pd.DataFrame({"prediction": pipe.predict(X)})
    if proba:
        if bundle.get("task") != "classification" or not hasattr(pipe, "predict_proba"):
            raise DataError("--proba needs a classification model; this one is a regressor")
        probs = pipe.predict_proba(X)
        classes = pipe.classes_
        for i, cls in enumerate(classes):
            out[f"proba_{cls}"] = probs[:, i]
    return out
