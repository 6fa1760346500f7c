"""Model files: :func:`save` and :func:`load` for any fitted skact model, and the bundle
that ``skact tune`` writes and ``skact predict`` reads.

The format (:mod:`skact.model_files.format`) is a zip of JSON and ``.npy`` arrays: loading it
parses data and never runs code from the file, so a model file can be shared like a CSV.
It holds skact's estimators and the pipelines ``skact tune`` builds (scikit-learn's
imputers, scalers, encoders, column transformers and pipelines around a skact network).
Pickles (``model.joblib`` from older versions) load only with ``allow_pickle=True``;
convert one with ``python -m skact.model_files OLD.joblib``.

:func:`save_model` writes a fitted pipeline with the metadata ``predict`` needs (feature
columns, target, task, ...); :func:`load_model` returns it as a dict; :func:`predict_frame`
checks a new table against the model's columns and predicts.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path

from skact.exceptions import Message, ModelFileError, param
from skact.model_files.format import FORMAT as MODEL_FORMAT
from skact.model_files.format import FORMAT_VERSION as MODEL_FORMAT_VERSION

__all__ = [
    "MODEL_FILE",
    "MODEL_FORMAT",
    "MODEL_FORMAT_VERSION",
    "MODEL_STEP",
    "convert",
    "load",
    "load_model",
    "numeric_columns",
    "predict_frame",
    "save",
    "save_model",
]

#: The file name ``skact tune`` saves the model under in a run folder.
MODEL_FILE = "model.skact"
_PICKLE_FILE = "model.joblib"  # what skact tune wrote before the safe format
#: Name of the estimator step in the pipelines skact builds.
MODEL_STEP = "model"
# First bytes of a pickle (protocol 2+) and of joblib's compressed pickles (zlib, gzip,
# bz2, xz, lzma, lz4).
_PICKLE_HEADS = (b"\x80", b"\x78", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"\x5d\x00", b"\x04\x22M\x18")


def save(model, path) -> Path:
    """Save a fitted skact estimator, or a pipeline around one, in skact's safe format.

    The file holds the parameters, fitted attributes and preprocessing as JSON and the
    weights as plain arrays, with a checksum and the library versions; :func:`load` reads
    it back without running code from the file, on any machine (a model trained on a GPU
    loads on the CPU) and predicts exactly as ``model`` does.

    Parameters
    ----------
    model : skact estimator or sklearn.pipeline.Pipeline
        Pipelines may hold scikit-learn's imputers, scalers, one-hot/ordinal encoders,
        column transformers and skact's preprocessing helpers.
    path : str or path-like
        Where to write (atomically); ``.skact`` is the usual suffix.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ModelFileError
        Something in ``model`` the format does not store (a custom activation class, a
        transformer outside the list above); the message names it.
    """
    from skact.model_files.format import write

    if not hasattr(model, "predict"):
        raise ModelFileError(f"skact.save saves an estimator or a pipeline, not a "
                             f"{type(model).__name__}")
    return write(path, model)


def load(path):
    """Load a model saved by :func:`save` (or by ``skact tune``: its pipeline).

    Parameters
    ----------
    path : str or path-like
        A model file, or a run folder of ``skact tune``.

    Raises
    ------
    ModelFileError
        The file is missing, empty, truncated, edited, from a newer skact, a pickle, or not
        a skact model; the message says which.
    """
    return load_model(path)["pipeline"]


def save_model(path, pipeline, metadata: Mapping):
    """Save a fitted pipeline and the metadata ``predict`` needs (atomically).

    ``metadata`` (``feature_columns``, ``target``, ``task``, ``classes``, ...) is stored as
    JSON next to the model; :func:`load_model` returns it as one dict with ``pipeline``.
    """
    from skact.model_files.format import write

    return write(path, pipeline, metadata)


def _resolve(path) -> Path:
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"{path}: no such model file")
    if path.is_dir():
        for name in (MODEL_FILE, _PICKLE_FILE):
            if (path / name).exists():
                return path / name
        raise ModelFileError(f"{path} is a directory without a {MODEL_FILE}")
    return path


def load_model(path, allow_pickle: bool = False) -> dict:
    """Load a model file (or a run folder's); returns the metadata with ``pipeline``.

    With ``allow_pickle=True`` a pickle or joblib file written by an older ``skact tune``
    loads too, with a warning: only for files you trust, since unpickling runs code.

    Raises
    ------
    ModelFileError
        Missing, empty, truncated, edited, newer, a pickle (without ``allow_pickle``), or
        not a skact model file.
    """
    from skact.model_files import format as _model_format

    path = _resolve(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise ModelFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not head:
        raise ModelFileError(f"{path} is empty (0 bytes): save the model again")
    if _model_format.is_zip(head):
        model, header = _model_format.read(path)
        return {"format": header["format"], "format_version": header["format_version"],
                "versions": header.get("versions", {}), **header["metadata"],
                "pipeline": model}
    if not head.startswith(_PICKLE_HEADS):
        raise ModelFileError(f"{path} is not a model file saved by skact" + _text_hint(path))
    if not allow_pickle:
        raise ModelFileError(Message(
            f"{path} is a pickle, which can run code when loaded, so skact does not load "
            "it; if you trust its source, pass ", param("allow_pickle", True),
            f", or convert it once with: python -m skact.model_files {path}"))
    warnings.warn(f"{path} is a pickle: loading it runs any code it holds", UserWarning,
                  stacklevel=2)
    return _load_pickle(path)


def _text_hint(path: Path) -> str:
    """``": it holds text (...)"`` where the file is text, as a data file given in the
    model's place is (``skact predict data.csv model.skact``) or a run's summary.json, else
    ``""``."""
    with open(path, "rb") as fh:
        start = fh.read(200)
    text = start.decode("utf-8", errors="replace").lstrip("\ufeff")  # Excel's "CSV UTF-8"
    # one replacement character is allowed: 200 bytes may end inside a character
    if text.count("\ufffd") > 1 or not text.strip() or not all(
            c.isprintable() or c in "\t\r\n" for c in text.replace("\ufffd", "")):
        return ""
    first = next(line for line in text.splitlines() if line.strip())[:40]
    return (f": it holds text (it begins {first!r}); a model file is what skact.save "
            "writes, or skact tune's model.skact")


# Where skact's classes lived before its modules moved into layer folders (2026-12-06):
# pickles made then name these modules, so loading one (to convert it) maps them to the
# modules that hold those classes now.
_FORMER_MODULES = {
    "skact.layers": "skact.nn.layers", "skact.modules": "skact.nn.modules",
    "skact.schedules": "skact.nn.schedules", "skact._row_noise": "skact.nn.row_noise",
    "skact._net": "skact.engine.net", "skact._training": "skact.engine.training",
    "skact.callbacks": "skact.engine.callbacks", "skact.diagnostics": "skact.engine.diagnostics",
    "skact.base": "skact.estimators.base", "skact.mlp": "skact.estimators.mlp",
    "skact.cnn": "skact.estimators.cnn", "skact.tabular": "skact.estimators.tabular",
    "skact._classifier": "skact.estimators.classifier",
    "skact._regressor": "skact.estimators.regressor",
    "skact._sklearn_compat": "skact.estimators.sklearn_compat",
    "skact._model_state": "skact.estimators.state",
}


@contextlib.contextmanager
def _former_module_names():
    """Within: ``import skact.mlp`` and the like find the modules that replaced them."""
    import importlib

    added = []
    try:
        for old, new in _FORMER_MODULES.items():
            if old not in sys.modules:
                sys.modules[old] = importlib.import_module(new)
                added.append(old)
        yield
    finally:
        for old in added:
            sys.modules.pop(old, None)


def _load_pickle(path: Path) -> dict:
    import joblib

    try:
        with warnings.catch_warnings(), _former_module_names():
            warnings.simplefilter("ignore")
            bundle = joblib.load(path)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to unpickle means "not a model"
        raise ModelFileError(
            f"{path} is not a model file saved by skact ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:200]})"
        ) from None
    if not isinstance(bundle, dict) or bundle.get("format") != MODEL_FORMAT:
        raise ModelFileError(f"{path} is not a model file saved by skact")
    if bundle.get("format_version", 0) > 1:
        raise ModelFileError(f"{path} has an unknown model format version")
    return bundle


def convert(path, out=None) -> Path:
    """Rewrite a pickled model file (``model.joblib``) in the safe format; returns the path.

    This unpickles ``path``: run it only on files you trust. ``out`` defaults to
    ``path`` with the suffix ``.skact``.
    """
    path = _resolve(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bundle = dict(load_model(path, allow_pickle=True))
    pipeline = bundle.pop("pipeline")
    for key in ("format", "format_version", "versions"):
        bundle.pop(key, None)
    return save_model(Path(out) if out else path.with_suffix(".skact"), pipeline, bundle)


def _check_tuned(bundle: Mapping):
    """A model saved by skact.save has no record of the CSV columns predict must read."""
    if not isinstance(bundle.get("feature_columns"), list):
        raise ModelFileError(
            "this model file holds no feature columns (it was saved with skact.save, not by "
            "skact tune), so skact predict cannot read a CSV for it; load it in Python with "
            "skact.load"
        )


def numeric_columns(bundle: Mapping) -> list[str]:
    """The feature columns a saved model was trained on as numbers (the others are text
    categories); read a prediction file with ``read_csv(path, numeric=...)`` of these."""
    _check_tuned(bundle)
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

    _check_tuned(bundle)
    X = select_features(df, bundle["feature_columns"], source=source)
    pipe = bundle["pipeline"]
    _check_numeric_columns(pipe, X, source)
    out = pd.DataFrame({"prediction": pipe.predict(X)})
    if proba:
        if bundle.get("task") != "classification" or not hasattr(pipe, "predict_proba"):
            raise DataError(Message(param("proba", True),
                                    " needs a classification model; this one is a regressor"))
        probs = pipe.predict_proba(X)
        classes = pipe.classes_
        for i, cls in enumerate(classes):
            out[f"proba_{cls}"] = probs[:, i]
    return out
