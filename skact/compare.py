"""Compare activations on the same network and data: the library behind ``skact compare``.

:func:`compare` trains one network per activation with everything else fixed (layers,
optimiser, epochs, early stopping, preprocessing), repeated over ``runs`` seeds and ``cv``
cross-validation folds. Every activation sees the same folds and the same seed in a run, so
the scores are paired. Each fit records its held-out score, fit time, epochs, the epoch of the
best validation score, the final training loss and the training diagnostics
(:mod:`skact.diagnostics`: dead units, saturated units, first/last layer gradient ratio).

:class:`Comparison` holds the per-fit records and curves; :meth:`Comparison.summary` gives one
row per activation; :func:`save_comparison` writes ``compare.csv``, ``summary.json`` and the
plots (:mod:`skact.plots`) atomically.

Ctrl-C (``KeyboardInterrupt``) during :func:`compare` abandons the fit in progress and returns
the fits that finished, with :attr:`Comparison.interrupted` set.

Examples
--------
>>> from sklearn.datasets import load_iris
>>> from sklearn.preprocessing import StandardScaler
>>> from skact.compare import compare
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
import math
import statistics
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CSV_COLUMNS",
    "Comparison",
    "compare",
    "compare_dataset",
    "save_comparison",
]

#: Columns of ``compare.csv``, one row per fit.
CSV_COLUMNS = (
    "activation", "run", "fold", "seed", "status", "score", "fit_time", "epochs",
    "best_epoch", "final_loss", "dead_fraction", "saturated_fraction", "grad_ratio",
    "dead_by_layer", "saturated_by_layer", "message",
)

#: How the diagnostics' advice warnings begin (see DiagnosticsCallback.advice).
ADVICE_PREFIX = "Most units are"

#: Plot files :func:`save_comparison` writes.
PLOT_FILES = ("loss.png", "scores.png", "diagnostics.png")


def _finite(x):
    """``x`` as a float, or None when missing or not finite."""
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _mean(values):
    values = [v for v in map(_finite, values) if v is not None]
    return statistics.fmean(values) if values else None


def _std(values):
    values = [v for v in map(_finite, values) if v is not None]
    return statistics.pstdev(values) if len(values) > 1 else (0.0 if values else None)


def _median(values):
    values = [v for v in map(_finite, values) if v is not None]
    return statistics.median(values) if values else None


def _overall(fractions, units):
    """Per-layer fractions -> fraction over all units (None when there is none)."""
    if not fractions:
        return None
    pairs = [(f, n) for f, n in zip(fractions, units) if _finite(f) is not None]
    if not pairs:
        return None
    return sum(f * n for f, n in pairs) / sum(n for _, n in pairs)


@dataclass
class Comparison:
    """The outcome of :func:`compare`.

    Attributes
    ----------
    records : list of dict
        One per fit, with the keys of :data:`CSV_COLUMNS`. ``status`` is ``"ok"``,
        ``"diverged"`` (the loss became NaN or infinite) or ``"failed"`` (``message`` says
        why). Fractions are in [0, 1]; ``saturated_fraction`` is None for activations that do
        not saturate.
    curves : list of dict
        One per fit: ``activation``, ``run``, ``fold`` and per-epoch lists ``loss``,
        ``valid_score`` (accuracy or R² on the early-stopping hold-out), ``dead`` and
        ``saturated`` (fractions over all hidden units).
    activations : list of str
        In the order given.
    scoring : str
        The scikit-learn scorer used on the held-out folds (greater is better).
    task : {"classification", "regression"}
    settings : dict
        ``model``, ``layers``, ``runs``, ``cv``, ``max_epochs``, ``seed`` and the estimator
        parameters every fit shared.
    advice : dict
        Activation -> the diagnostics warnings its fits raised (distinct messages, first
        fit's wording).
    interrupted : bool
        True when Ctrl-C stopped :func:`compare` early: ``records`` and ``curves`` then hold
        only the fits that finished (possibly none), and some activations may have fewer
        than :attr:`n_planned` fits (see ``fits_planned`` in :meth:`summary`).
    """

    records: list[dict]
    curves: list[dict]
    activations: list[str]
    scoring: str
    task: str
    settings: dict = field(default_factory=dict)
    advice: dict = field(default_factory=dict)
    interrupted: bool = False

    @property
    def n_planned(self) -> int | None:
        """Fits each activation gets in a full run (``runs`` x ``cv``; None if unknown)."""
        runs, cv = self.settings.get("runs"), self.settings.get("cv")
        return runs * cv if runs is not None and cv is not None else None

    def incomplete(self) -> dict[str, int]:
        """Activation -> its number of fits, for the activations with fewer than
        :attr:`n_planned` (only after an interrupted run; empty otherwise)."""
        planned = self.n_planned
        if planned is None:
            return {}
        counts = {a: 0 for a in self.activations}
        for r in self.records:
            counts[r["activation"]] = counts.get(r["activation"], 0) + 1
        return {a: n for a, n in counts.items() if n < planned}

    def summary(self) -> list[dict]:
        """One row per activation (in the order given) with means over its fits.

        Keys: ``activation``, ``fits`` (fits that finished), ``fits_planned`` (``runs`` x
        ``cv``; more than ``fits`` only after an interrupted run), ``ok``, ``diverged``,
        ``failed``, ``score_mean``, ``score_std``, ``fit_time``, ``epochs``, ``best_epoch``,
        ``final_loss``, ``dead_fraction``, ``saturated_fraction`` (means), ``grad_ratio``
        (median, since it spans orders of magnitude), ``rank`` (1 = best mean score; None
        without a score) and ``best`` (True for rank 1).
        """
        rows = []
        for act in self.activations:
            mine = [r for r in self.records if r["activation"] == act]
            rows.append({
                "activation": act,
                "fits": len(mine),
                "fits_planned": self.n_planned,
                "ok": sum(r["status"] == "ok" for r in mine),
                "diverged": sum(r["status"] == "diverged" for r in mine),
                "failed": sum(r["status"] == "failed" for r in mine),
                "score_mean": _mean(r["score"] for r in mine),
                "score_std": _std(r["score"] for r in mine),
                "fit_time": _mean(r["fit_time"] for r in mine),
                "epochs": _mean(r["epochs"] for r in mine),
                "best_epoch": _mean(r["best_epoch"] for r in mine),
                "final_loss": _mean(r["final_loss"] for r in mine),
                "dead_fraction": _mean(r["dead_fraction"] for r in mine),
                "saturated_fraction": _mean(r["saturated_fraction"] for r in mine),
                "grad_ratio": _median(r["grad_ratio"] for r in mine),
            })
        scored = sorted((r for r in rows if r["score_mean"] is not None),
                        key=lambda r: -r["score_mean"])
        for row in rows:
            row["rank"] = None
            row["best"] = False
        for rank, row in enumerate(scored, start=1):
            row["rank"] = rank
            row["best"] = rank == 1
        return rows

    @property
    def best(self) -> str | None:
        """The activation with the highest mean score (None if no fit was scored)."""
        return next((r["activation"] for r in self.summary() if r["best"]), None)

    def curves_by_activation(self, key: str) -> dict[str, list[list[float]]]:
        """Activation -> one per-epoch list of ``key`` (``"loss"``, ``"valid_score"``,
        ``"dead"``, ``"saturated"``) per fit that has it."""
        out: dict[str, list[list[float]]] = {a: [] for a in self.activations}
        for c in self.curves:
            values = c.get(key)
            if values and any(v is not None for v in values):
                out[c["activation"]].append(values)
        return out

    def scores_by_activation(self) -> dict[str, list[float]]:
        """Activation -> the held-out scores of its fits (missing scores left out)."""
        return {
            a: [r["score"] for r in self.records
                if r["activation"] == a and _finite(r["score"]) is not None]
            for a in self.activations
        }

    def to_frame(self):
        """The per-fit records as a pandas DataFrame with the :data:`CSV_COLUMNS`."""
        import pandas as pd

        return pd.DataFrame(self.records, columns=list(CSV_COLUMNS))


def _validation_fraction(n_train, n_classes=None):
    """The early-stopping hold-out: 10%, more on small data so every class can appear."""
    fraction = 0.1
    if n_classes:
        fraction = max(fraction, 2 * n_classes / max(n_train, 1))
    return round(min(fraction, 0.3), 3)


def _splitter(task, cv, seed):
    from sklearn.model_selection import KFold, StratifiedKFold

    if task == "classification":
        return StratifiedKFold(cv, shuffle=True, random_state=seed)
    return KFold(cv, shuffle=True, random_state=seed)


def compare(
    X,
    y,
    *,
    task: str = "classification",
    activations: Sequence[str] | None = None,
    model: str = "mlp",
    layers: Sequence[int] | str = (128, 64),
    runs: int = 3,
    cv: int = 3,
    max_epochs: int = 100,
    seed: int = 0,
    scoring: str | None = None,
    params: Mapping[str, Any] | None = None,
    preprocessor=None,
    on_fit: Callable[[dict], None] | None = None,
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
        For "cnn", ``layers`` are the dense layers after the convolutions (set
        ``conv_channels`` or ``input_shape`` through ``params``).
    layers : tuple of int or str, default=(128, 64)
        Hidden layer sizes, or a string like ``"128-64"``.
    runs : int, default=3
        Repeats; run ``r`` uses seed ``seed + r`` for the fold shuffle and the networks.
    cv : int, default=3
        Cross-validation folds per run (stratified for classification); each fit is scored
        on its held-out fold.
    max_epochs : int, default=100
        ``max_iter``; training stops earlier when the early-stopping validation score (on
        a hold-out of the training fold) stops improving.
    seed : int, default=0
    scoring : str, default=None
        A scikit-learn scorer name; None means balanced accuracy for classification, R² for
        regression.
    params : dict, default=None
        Further estimator parameters shared by every fit (``learning_rate_init``,
        ``batch_size``, ``conv_channels``, ...).
    preprocessor : scikit-learn transformer, default=None
        Cloned and put in front of each network (e.g. ``StandardScaler()``).
    on_fit : callable, default=None
        Called with each fit's record as it finishes (progress bars).

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

    from skact.tuning import (
        DEFAULT_ACTIVATIONS,
        check_activations,
        check_scoring,
        default_scoring,
        estimator_class,
        parse_layers,
    )

    if task not in ("classification", "regression"):
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")
    if model not in ("mlp", "cnn"):
        raise ValueError(f"model must be 'mlp' or 'cnn', got {model!r}")
    for name, value, low in (("runs", runs, 1), ("cv", cv, 2), ("max_epochs", max_epochs, 1)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    activations = check_activations(list(activations or DEFAULT_ACTIVATIONS))
    layers = parse_layers(layers)
    scoring = check_scoring(scoring or default_scoring(task))
    scorer = get_scorer(scoring)
    estimator_cls = estimator_class(model, task)

    n_samples = len(y)
    n_classes = len(np.unique(np.asarray(y))) if task == "classification" else None
    shared = {
        "hidden_layer_sizes": layers,
        "max_iter": int(max_epochs),
        "early_stopping": True,
        "validation_fraction": _validation_fraction(n_samples * (cv - 1) // cv, n_classes),
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
            folds = _splitter(task, cv, run_seed).split(np.zeros((n_samples, 1)), y_arr)
            for fold, (train, test) in enumerate(folds):
                X_train, X_test = _safe_indexing(X, train), _safe_indexing(X, test)
                y_train, y_test = _safe_indexing(y, train), _safe_indexing(y, test)
                for act in activations:
                    estimator = estimator_cls(activation=act, random_state=run_seed, **shared)
                    steps = [("model", estimator)]
                    if preprocessor is not None:
                        steps.insert(0, ("preprocess", clone(preprocessor)))
                    pipe = Pipeline(steps)
                    record, curve, messages = _fit_one(
                        pipe, scorer, X_train, y_train, X_test, y_test
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
    advice: dict[str, list[str]] = {a: [] for a in activations}
    for row, _, messages in done:
        for m in messages:
            if m not in advice[row["activation"]]:
                advice[row["activation"]].append(m)
    settings = {
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
        task=task, settings=settings, advice={a: m for a, m in advice.items() if m},
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


def _fit_one(pipe, scorer, X_train, y_train, X_test, y_test):
    """Fit and score one pipeline; never raises for a failed or diverged fit."""
    record: dict[str, Any] = {"status": "ok", "message": ""}
    curve: dict[str, Any] = {}
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            pipe.fit(X_train, y_train)
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
    one-hot encoding, float32) in front of every network."""
    from skact.data import make_preprocessor

    kwargs.setdefault(
        "preprocessor",
        make_preprocessor(dataset.numeric_columns, dataset.categorical_columns),
    )
    return compare(dataset.X, dataset.y, task=dataset.task, **kwargs)


def save_comparison(comparison: Comparison, out_dir, extra: Mapping | None = None,
                    plots: bool = True) -> list[Path]:
    """Write ``compare.csv``, ``summary.json`` and (with ``plots``) the PNG plots.

    Every file is written atomically (a temporary file, then a rename). ``extra`` is merged
    into ``summary.json`` (data path, command line, ...). ``summary.json`` has
    ``"interrupted"`` (:attr:`Comparison.interrupted`: the files then hold only the fits
    that finished) and ``"n_fits_planned"`` (``runs`` x ``cv`` x activations). Returns the
    paths written.
    """
    from skact import plots as skplots
    from skact.tuning import versions, write_atomic, write_summary

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    frame = comparison.to_frame()
    written = [write_atomic(out_dir / "compare.csv", lambda fh: frame.to_csv(fh, index=False))]
    summary = {
        "best_activation": comparison.best,
        "scoring": comparison.scoring,
        "task": comparison.task,
        **comparison.settings,
        "activations": comparison.summary(),
        "advice": comparison.advice,
        "interrupted": comparison.interrupted,
        "n_fits": len(comparison.records),
        "n_fits_planned": (None if comparison.n_planned is None
                           else comparison.n_planned * len(comparison.activations)),
        "files": ["compare.csv", "summary.json", *(PLOT_FILES if plots else ())],
        "versions": versions(),
        **dict(extra or {}),
    }
    written.append(write_summary(out_dir / "summary.json", _json_safe(summary)))
    if plots:
        written += skplots.comparison_plots(comparison, out_dir)
    return written


def _json_safe(obj):
    """NaN and inf -> None, recursively (``summary.json`` is strict JSON)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, np.floating):
        return _json_safe(float(obj))
    if isinstance(obj, Mapping):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    return obj
