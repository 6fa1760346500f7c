"""The files a tuning run writes: ``trials.csv``, ``summary.json``, and the versions behind them.

Both are written atomically (:func:`skact.model_files.atomic.write_atomic`).
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from skact.model_files.atomic import write_atomic
from skact.tuning.space import SearchSpace
from skact.tuning.study import mask_url
from skact.tuning.tuner import Tuner, TuneResult


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


def _strict(obj):
    """``obj`` with infinite and NaN floats as the strings "inf", "-inf" and "nan": JSON has
    no such numbers, and strict readers (jq, JavaScript) refuse Python's ``Infinity``."""
    if isinstance(obj, Mapping):
        return {k: _strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_strict(v) for v in obj]
    if isinstance(obj, (float, np.floating)) and not math.isfinite(obj):
        return str(float(obj))
    return obj


def write_summary(path, summary: Mapping):
    """``summary.json`` (UTF-8, indented, strict JSON: see :func:`_strict`)."""
    text = json.dumps(_strict(summary), indent=2, default=_json_default, allow_nan=False) + "\n"
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
        "constant_score": result.baseline.score if result.baseline else None,
        "no_better_than_constant": no_better_than_constant(tuner, result) is not None,
        "cv_scores": best.get("cv_scores") if best else None,
        "best_trial": best["number"] if best else None,
        "scoring": tuner.scoring,
        "cv": tuner.n_folds,
        "folds": tuner.folds.to_dict(),
        "test": _test(tuner, result),
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
        "device": tuner.device,
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
        "n_trials_running_elsewhere": result.n_running_elsewhere,
        "interrupted": result.interrupted,
        "model_file": model_file,
        "started": started,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "versions": versions(),
        "command": command,
    }


def no_better_than_constant(tuner: Tuner, result: TuneResult) -> str | None:
    """The warning for a best model that scores no better than a constant prediction
    (:func:`~skact.tuning.baseline.constant_warning`), or ``None``."""
    from skact.tuning.baseline import constant_warning

    best = result.best
    if best is None:
        return None
    return constant_warning(best["score"], best.get("score_std"), result.baseline,
                            tuner.scoring, tuner.dataset.n_rows)


def _test(tuner: Tuner, result: TuneResult) -> dict | None:
    """The test rows' metrics (``None`` without test rows; only where they came from until
    the refit pipeline has scored them)."""
    if tuner.test is None:
        return None
    return {**tuner.test.describe(), **(result.test or {"score": None})}


def _classes(ds):
    if ds.task != "classification":
        return None
    return [_json_default(c) if isinstance(c, np.generic) else c for c in sorted(ds.y.unique())]
