"""Compare activations on the same network and data: the library behind ``skact compare``.

:func:`compare` trains one network per activation with everything else fixed (layers,
optimiser, epochs, early stopping, preprocessing), repeated over ``runs`` seeds and ``cv``
cross-validation folds. Every activation sees the same folds and the same seed in a run, so
the scores are paired. Each fit records its held-out score, fit time, epochs, the epoch of the
best validation score, the final training loss and the training diagnostics
(:mod:`skact.engine.diagnostics`: dead units, saturated units, first/last layer gradient ratio).

:class:`Comparison` holds the per-fit records and curves; :meth:`Comparison.summary` gives one
row per activation; :func:`save_comparison` writes ``compare.csv``, ``summary.json`` and the
plots (:mod:`skact.compare.plots`) atomically. Those three live in
:mod:`skact.compare.results` and are re-exported here; this module is the fitting loop.

Ctrl-C (``KeyboardInterrupt``) during :func:`compare` abandons the fit in progress and returns
the fits that finished, with :attr:`Comparison.interrupted` set.

The folds are by row, or by group with ``groups=`` (:mod:`skact.tuning.folds`); the network
follows a recipe, the strong default or the tutorials' plain one (:mod:`skact.compare.recipes`).

Examples
--------
>>> from sklearn.datasets import load_iris
>>> from sklearn.preprocessing import StandardScaler
>>> from skact.compare.running import compare
>>> X, y = load_iris(return_X_y=True)
>>> result = compare(X, y, task="classification", activations=["relu", "tanh"],
...                  layers=(16,), runs=1, cv=2, max_epochs=5, preprocessor=StandardScaler())
>>> [row["activation"] for row in result.summary()]
['relu', 'tanh']
>>> len(result.records)
4
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from skact.compare.advice import ADVICE_PREFIX, collect_advice
from skact.compare.recipes import describe_recipe, recipe_params
from skact.compare.results import CSV_COLUMNS, Comparison, _finite, save_comparison
from skact.compare.results import PLOT_FILES as PLOT_FILES  # was defined here; kept importable

__all__ = [
    "CSV_COLUMNS",
    "Comparison",
    "compare",
    "compare_dataset",
    "save_comparison",
]



def _overall(fractions, units):
    """Per-layer fractions -> fraction over all units (None when there is none)."""
    if not fractions:
        return None
    pairs = [(f, n) for f, n in zip(fractions, units) if _finite(f) is not None]
    if not pairs:
        return None
    return sum(f * n for f, n in pairs) / sum(n for _, n in pairs)


def compare(
    X,
    y,
    *,
    task: str = "classification",
    activations: Sequence[str] | None = None,
    model: str = "mlp",
    layers: Sequence[int] | str | None = None,
    runs: int = 3,
    cv: int = 3,
    max_epochs: int | None = None,
    seed: int = 0,
    scoring: str | None = None,
    params: Mapping[str, Any] | None = None,
    preprocessor=None,
    on_fit: Callable[[dict], None] | None = None,
    on_epoch: Callable | None = None,
    groups=None,
    recipe: str = "strong",
) -> Comparison:
    """Train the same network with each activation over ``runs`` seeds x ``cv`` folds.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    task : {"classification", "regression"}, default="classification"
    activations : list of str, default=None
        Registry names; None means :data:`skact.tuning.DEFAULT_ACTIVATIONS`.
    model : {"mlp", "cnn"}, default="mlp"
        The estimators ``skact tune`` builds, with their strong defaults:
        :class:`~skact.TabularMLPClassifier` / :class:`~skact.TabularMLPRegressor`, or
        :class:`~skact.CNNClassifier` / :class:`~skact.CNNRegressor`. For "cnn", ``layers``
        are the dense layers after the convolutions (set ``conv_channels`` or
        ``input_shape`` through ``params``).
    layers : tuple of int or str, default=None
        Hidden layer sizes, or a string like ``"128-64"``; ``None``: the estimator's own
        (``(256, 256, 256)`` for "mlp", ``(100,)`` for "cnn").
    runs : int, default=3
        Repeats; run ``r`` uses seed ``seed + r`` for the fold shuffle and the networks.
    cv : int, default=3
        Cross-validation folds per run (stratified for classification); each fit is scored
        on its held-out fold.
    max_epochs : int, default=None
        ``max_iter``; ``None``: the estimator's own (96 for the "mlp" classifier, 64 for
        the "mlp" regressor, 60 for "cnn"). Every epoch runs (the learning-rate schedule
        spans them) and the weights of the epoch with the best validation score, on 20% of
        the training fold held out (as in ``skact tune``'s trials; more on small data with
        many classes), are kept.
    seed : int, default=0
    scoring : str, default=None
        A scikit-learn scorer name; None means balanced accuracy for classification, R² for
        regression.
    params : dict, default=None
        Further estimator parameters shared by every fit (``learning_rate_init``,
        ``batch_size``, ``conv_channels``, ...).
    preprocessor : scikit-learn transformer, default=None
        Cloned and put in front of each network (e.g. ``StandardScaler()``).
    groups : array-like of shape (n_samples,), default=None
        One group id per row (a speaker, a patient): folds keep each group whole
        (``StratifiedGroupKFold`` for classification, ``GroupKFold`` for regression).
    recipe : {"strong", "plain"}, default="strong"
        The estimator's strong defaults, or the tutorials' plain network (no batch norm,
        no learnable blend, no input scaling or embeddings, a constant learning rate):
        see :mod:`skact.compare.recipes`.
    on_fit : callable, default=None
        Called with each fit's record as it finishes (progress bars).
    on_epoch : callable, default=None
        Called with a :class:`skact.engine.callbacks.EpochEvent` as each fit starts, after each of
        its epochs and when it ends; ``tag`` is ``(activation, run, fold)``, 0-based. ``None``
        adds no callback to the fits.

    Returns
    -------
    Comparison
        With ``interrupted=True`` when Ctrl-C stopped it early (see Notes).

    Notes
    -----
    Ctrl-C (``KeyboardInterrupt``) does not propagate out of the fitting loop: the fit in
    progress is abandoned and the fits that finished are returned, with
    ``Comparison.interrupted`` set to True. Since the loop runs fold by fold, with every
    activation fitted on a fold before the next fold, the activations then differ by at
    most one fit (:meth:`Comparison.incomplete` lists those short of ``runs * cv``). When
    nothing finished, ``records`` is empty. Check ``interrupted`` before trusting the
    comparison as complete.
    """
    from sklearn.base import clone
    from sklearn.metrics import get_scorer
    from sklearn.pipeline import Pipeline
    from sklearn.utils import _safe_indexing

    from skact.engine.callbacks import EpochProgress
    from skact.tuning import (
        DEFAULT_ACTIVATIONS,
        MODELS,
        best_epoch_params,
        check_activations,
        check_scoring,
        default_scoring,
        estimator_class,
        fold_design,
        parse_layers,
    )

    if task not in ("classification", "regression"):
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")
    if model not in MODELS:
        raise ValueError(f"model must be {' or '.join(map(repr, MODELS))}, got {model!r}")
    estimator_cls = estimator_class(model, task)
    defaults = estimator_cls().get_params()
    max_epochs = defaults["max_iter"] if max_epochs is None else max_epochs
    for name, value, low in (("runs", runs, 1), ("cv", cv, 2), ("max_epochs", max_epochs, 1)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    activations = check_activations(list(activations or DEFAULT_ACTIVATIONS))
    layers = parse_layers(defaults["hidden_layer_sizes"] if layers is None else layers)
    scoring = check_scoring(scoring or default_scoring(task))
    scorer = get_scorer(scoring)

    n_samples = len(y)
    n_classes = len(np.unique(np.asarray(y))) if task == "classification" else None
    design = fold_design(task, cv, seed, groups, n_rows=n_samples)
    shared = {
        **recipe_params(recipe, estimator_cls),
        "hidden_layer_sizes": layers,
        **best_epoch_params(max_epochs, n_samples * (cv - 1) // cv, n_classes),
        **dict(params or {}),
        "diagnostics": True,
    }
    # One (record, curve, messages) per finished fit, added by a single append: a Ctrl-C
    # anywhere in the loop leaves every fit either fully kept or not at all.
    done: list[tuple[dict, dict, list[str]]] = []
    interrupted = False
    y_arr = np.asarray(y)
    try:
        _warm_up(estimator_cls, activations[0], shared, preprocessor, X, y, seed)
        for run in range(runs):
            run_seed = int(seed) + run
            splitter = fold_design(task, cv, run_seed, design.groups,
                                   group_column=design.group_column).splitter()
            folds = splitter.split(np.zeros((n_samples, 1)), y_arr)
            for fold, (train, test) in enumerate(folds):
                X_train, X_test = _safe_indexing(X, train), _safe_indexing(X, test)
                y_train, y_test = _safe_indexing(y, train), _safe_indexing(y, test)
                for act in activations:
                    estimator = estimator_cls(activation=act, random_state=run_seed, **shared)
                    steps = [("model", estimator)]
                    if preprocessor is not None:
                        steps.insert(0, ("preprocess", clone(preprocessor)))
                    pipe = Pipeline(steps)
                    callbacks = None
                    if on_epoch is not None:
                        callbacks = [EpochProgress(on_epoch, int(shared["max_iter"]),
                                                   tag=(act, run, fold))]
                    record, curve, messages = _fit_one(
                        pipe, scorer, X_train, y_train, X_test, y_test, callbacks
                    )
                    record.update(activation=act, run=run, fold=fold, seed=run_seed)
                    curve.update(activation=act, run=run, fold=fold)
                    row = {k: record.get(k) for k in CSV_COLUMNS}
                    done.append((row, curve, messages))
                    if on_fit is not None:
                        on_fit(row)
    except KeyboardInterrupt:  # keep what finished; the fit in progress is dropped
        interrupted = True
    records = [row for row, _, _ in done]
    curves = [curve for _, curve, _ in done]
    n_fits = {a: sum(row["activation"] == a for row, _, _ in done) for a in activations}
    advice = collect_advice(((row["activation"], m) for row, _, m in done), n_fits)
    settings = {
        "recipe": recipe,
        "recipe_description": describe_recipe(recipe, model),
        "folds": design.to_dict(),
        "model": model,
        "layers": "-".join(map(str, layers)),
        "runs": runs,
        "cv": cv,
        "max_epochs": int(max_epochs),
        "seed": int(seed),
        "estimator_params": {k: v for k, v in shared.items()},
    }
    return Comparison(
        records=records, curves=curves, activations=activations, scoring=scoring,
        task=task, settings=settings, advice=advice,
        interrupted=interrupted,
    )


def _warm_up(estimator_cls, activation, shared, preprocessor, X, y, seed):
    """One short untimed fit, so the first timed fit does not pay torch's start-up costs."""
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline
    from sklearn.utils import _safe_indexing

    params = {**shared, "max_iter": 1, "early_stopping": False, "diagnostics": True}
    steps = [("model", estimator_cls(activation=activation, random_state=seed, **params))]
    if preprocessor is not None:
        steps.insert(0, ("preprocess", clone(preprocessor)))
    rows = np.arange(min(len(y), 512))
    with warnings.catch_warnings(), contextlib.suppress(Exception):  # timed fits report errors
        warnings.simplefilter("ignore")
        Pipeline(steps).fit(_safe_indexing(X, rows), _safe_indexing(y, rows))


def _is_divergence(text):
    text = str(text).lower()
    return "diverg" in text or "non-finite" in text


def _fit_one(pipe, scorer, X_train, y_train, X_test, y_test, callbacks=None):
    """Fit and score one pipeline; never raises for a failed or diverged fit."""
    record: dict[str, Any] = {"status": "ok", "message": ""}
    curve: dict[str, Any] = {}
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            pipe.fit(X_train, y_train, **({"model__callbacks": callbacks} if callbacks else {}))
        except (KeyboardInterrupt, MemoryError):
            raise
        except Exception as exc:  # a failed fit is a result to report, not a crash
            record["fit_time"] = time.perf_counter() - start
            record["status"] = "diverged" if _is_divergence(exc) else "failed"
            record["message"] = " ".join(str(exc).split()) or type(exc).__name__
            _read_estimator(pipe[-1], record, curve)
            return record, curve, []
    record["fit_time"] = time.perf_counter() - start
    messages = [str(w.message) for w in caught]
    diverged = [m for m in messages if _is_divergence(m)]
    advice = [m for m in messages if m.startswith(ADVICE_PREFIX)]
    _read_estimator(pipe[-1], record, curve)
    losses = curve.get("loss") or []
    if diverged or any(v is None for v in losses):
        record["status"] = "diverged"
        record["message"] = " ".join((diverged or ["the training loss became NaN or inf"])[0]
                                     .split())
    try:
        score = _finite(scorer(pipe, X_test, y_test))
    except Exception as exc:  # e.g. NaN predictions after divergence
        score = None
        record["message"] = record["message"] or " ".join(str(exc).split())
    record["score"] = score
    if score is None and record["status"] == "ok":
        record["status"] = "failed"
        record["message"] = record["message"] or "the score is not a finite number"
    return record, curve, advice


def _read_estimator(est, record, curve):
    """Copy what a (possibly partly) fitted estimator knows into the record and curve."""
    losses = [_finite(v) for v in (getattr(est, "loss_curve_", None) or [])]
    valid = getattr(est, "validation_scores_", None) or []
    curve["loss"] = losses
    curve["valid_score"] = [_finite(v) for v in valid]
    record["epochs"] = getattr(est, "n_iter_", None)
    finite_valid = [(v, i) for i, v in enumerate(valid) if _finite(v) is not None]
    record["best_epoch"] = (max(finite_valid, key=lambda p: (p[0], -p[1]))[1] + 1
                            if finite_valid else None)
    record["final_loss"] = _finite(getattr(est, "loss_", None))
    diag = getattr(est, "diagnostics_", None)
    if diag:
        record["dead_fraction"] = _finite(diag.get("dead_overall"))
        record["saturated_fraction"] = _finite(diag.get("saturated_overall"))
        record["grad_ratio"] = _finite(diag.get("grad_ratio"))
        record["dead_by_layer"] = _by_layer(diag.get("dead_fraction"))
        record["saturated_by_layer"] = _by_layer(diag.get("saturated_fraction"))
    history = getattr(est, "history_", None)
    units = (diag or {}).get("units") or []
    dead, saturated = [], []
    if history is not None:
        for entry in history:
            if "dead_fraction" not in entry:
                continue
            dead.append(_overall(entry.get("dead_fraction"), units))
            saturated.append(_overall(entry.get("saturated_fraction"), units))
    curve["dead"] = dead
    curve["saturated"] = saturated


def _by_layer(fractions):
    """``[0.0, 0.25]`` -> ``"0.000 0.250"`` (None -> empty), for the CSV."""
    if not fractions:
        return ""
    return " ".join("nan" if _finite(f) is None else f"{f:.3f}" for f in fractions)


def compare_dataset(dataset, **kwargs) -> Comparison:
    """:func:`compare` on a :class:`skact.data.Dataset` (read by
    :func:`skact.data.load_table`), with skact's CSV preprocessing (imputation, scaling,
    one-hot encoding, float32) in front of every network. ``groups`` may name a feature
    column, which then folds the rows and stops being a feature."""
    from skact.data import make_preprocessor, take_groups

    if isinstance(kwargs.get("groups"), str):
        dataset, kwargs["groups"] = take_groups(dataset, kwargs["groups"])

    kwargs.setdefault(
        "preprocessor",
        make_preprocessor(dataset.numeric_columns, dataset.categorical_columns),
    )
    return compare(dataset.X, dataset.y, task=dataset.task, **kwargs)
