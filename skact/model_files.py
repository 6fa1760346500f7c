"""Model files: save a fitted pipeline with what ``skact predict`` needs, load it, predict.

:func:`save_model` writes a joblib bundle (format name and version, metadata, pipeline)
atomically; :func:`load_model` refuses anything else with a :class:`ModelFileError`;
:func:`predict_frame` checks a new table against the model's columns and predicts.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

from skact._files import write_atomic
from skact.exceptions import ModelFileError

__all__ = [
    "MODEL_FORMAT",
    "MODEL_FORMAT_VERSION",
    "MODEL_STEP",
    "load_model",
    "numeric_columns",
    "predict_frame",
    "save_model",
]

MODEL_FORMAT = "skact-model"
MODEL_FORMAT_VERSION = 1
#: Name of the estimator step in the pipelines skact builds.
MODEL_STEP = "model"


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
