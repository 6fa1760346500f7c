"""Test rows set aside before anything is fitted: a second CSV with the same columns, or the
rows of the same file where ``COLUMN=VALUE`` (nkululeko's "specified" split).

:func:`set_aside_test` returns the training :class:`~skact.data.Dataset` (without the test
rows, and without the marking column, which is no feature) and the :class:`TestRows`; the
search, the preprocessing and the refit only ever see the first. :func:`labelled_rows` lines
up labelled rows with what a model was trained on (the feature columns as numbers where
they were numbers, the target as the training labels' type) and refuses classes the model
never saw; ``skact evaluate`` uses it for a saved model too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from skact.exceptions import DataError, Message, param

from .groups import check_column, without_columns
from .table import check_class_counts
from .text_numbers import _first_few, _format_columns, _is_number_dtype

__all__ = ["TestRows", "labelled_rows", "read_test_file", "set_aside_test", "split_test_rows"]


@dataclass
class TestRows:
    """Rows held out for one score of the final model.

    Attributes
    ----------
    X : pandas.DataFrame
        Their columns (at least the training features; others are ignored).
    y : pandas.Series
        Their targets, as the training labels' type.
    source : str
        Where they came from, for the user: ``"test.csv"`` or ``"split=test"``.
    n_rows_dropped : int
        Rows left out because their target is missing.
    """

    __test__ = False  # not a pytest test class, whatever its name

    X: pd.DataFrame
    y: pd.Series
    source: str
    n_rows_dropped: int = 0

    @property
    def n_rows(self) -> int:
        return len(self.y)

    def describe(self) -> dict:
        return {"source": self.source, "n_rows": self.n_rows,
                "n_rows_dropped": self.n_rows_dropped}


def _matches(column: pd.Series, value: str) -> pd.Series:
    """Rows whose value, as written, is ``value`` (``1`` also matches 1.0)."""
    text = column.astype(str).str.strip()
    hits = text == value.strip()
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    if _is_number_dtype(column) and pd.notna(number):
        hits |= column == number
    return hits & column.notna()


def split_test_rows(dataset, column: str, value: str, source="the data", keep=()):
    """The rows of ``dataset`` where ``column`` is ``value`` as :class:`TestRows`, the others
    as the training dataset; ``column`` leaves the features of both (unless it is in
    ``keep``: the group column, which the caller sets aside next).

    Raises
    ------
    DataError
        An unknown column (with "did you mean"), the target, or a value that marks no row
        or every row.
    """
    check_column(dataset, column, "test", source)
    hits = _matches(dataset.X[column], value)
    n_hit = int(hits.sum())
    if n_hit == 0 or n_hit == len(hits):
        seen = dataset.X[column].dropna().astype(str).value_counts()
        listed = _first_few(seen, lambda v, n: f"{v!r} ({n} rows)", 6)
        what = "no row" if n_hit == 0 else f"every row ({n_hit})"
        raise DataError(Message(param("test", f"{column}={value}"), f" matches {what} of "
                                f"{source}; the values of {column!r} are: {listed}"))
    test = TestRows(dataset.X.loc[hits].reset_index(drop=True),
                    dataset.y.loc[hits].reset_index(drop=True), f"{column}={value}")
    from dataclasses import replace

    train = replace(dataset, X=dataset.X.loc[~hits].reset_index(drop=True),
                    y=dataset.y.loc[~hits].reset_index(drop=True))
    if column not in keep:
        train = without_columns(train, [column])
    if dataset.task == "classification":
        _check_classes(test.y, train.y, f"the test rows ({test.source})", "the training rows")
    return train, test


def read_test_file(path, dataset) -> TestRows:
    """The labelled rows of the CSV ``path``, read the way ``dataset`` (the training table)
    was: its numeric feature columns as numbers, its target as its labels' type.

    Raises
    ------
    DataError
        The file cannot be read, lacks feature columns or the target, or holds target
        classes the training rows lack.
    """
    from .reading import read_csv

    numeric = list(dataset.numeric_columns)
    if dataset.task == "regression":
        numeric.append(dataset.target)
    df = read_csv(path, numeric=numeric)
    X, y, dropped = labelled_rows(df, dataset.feature_columns, dataset.target, dataset.task,
                                  dataset.numeric_columns, source=str(path),
                                  labels=dataset.y, what="the training rows")
    return TestRows(X, y, str(path), dropped)


def labelled_rows(df, features, target, task, numeric, *, source, labels=None,
                  what="the model"):
    """``(X, y, n_dropped)`` from a frame of labelled rows: rows without a target dropped,
    the ``numeric`` columns as floats, ``y`` as ``labels``' type (the training targets, or
    the model's classes), classes outside ``labels`` refused."""
    df = df.rename(columns=str)
    missing = [c for c in features if c not in df.columns]
    if missing:
        raise DataError(f"{source} lacks feature columns {what} had: "
                        f"{_format_columns(missing)}")
    if target not in df.columns:
        raise DataError(f"{source} has no target column {target!r}; it needs the true "
                        f"{target} of each row to be scored")
    keep = df[target].notna()
    if not keep.any():
        raise DataError(f"target column {target!r} in {source} is empty in every row")
    df = df.loc[keep].reset_index(drop=True)
    X = df[list(features)].copy()
    for column in numeric:
        values = pd.to_numeric(X[column], errors="coerce")
        bad = values.isna() & X[column].notna()
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise DataError(f"column {column!r} of {source} must hold numbers ({what} had "
                            f"numbers), but row {row + 1} holds {X[column].iloc[row]!r}")
        X[column] = values
    y = df[target].infer_objects()
    if task == "regression":
        numbers = pd.to_numeric(y, errors="coerce")
        if numbers.isna().any():
            raise DataError(f"target column {target!r} of {source} holds text "
                            f"({y[numbers.isna()].iloc[0]!r}); the model predicts numbers")
        y = numbers.astype(float)
    elif labels is not None:
        y = _like(y, pd.Series(labels))
        _check_classes(y, pd.Series(labels), source, what)
    return X, y, int((~keep).sum())


def _like(y: pd.Series, labels: pd.Series) -> pd.Series:
    """``y`` as the type of ``labels``: whole numbers when those are, text when they are."""
    if _is_number_dtype(labels):
        numbers = pd.to_numeric(y, errors="coerce")
        if numbers.notna().all():
            whole = np.all(numbers == np.round(numbers))
            return numbers.astype("int64") if whole and pd.api.types.is_integer_dtype(
                labels) else numbers
        return y
    if pd.api.types.is_bool_dtype(labels):
        return y
    return y.astype(str) if _is_number_dtype(y) else y


def _check_classes(y: pd.Series, labels: pd.Series, source: str, what: str) -> None:
    known = set(pd.unique(labels))
    unseen = y[~y.isin(known)]
    if len(unseen):
        counts = unseen.value_counts()
        listed = _first_few(counts, lambda v, n: f"{v!r} ({n} rows)", 5)
        among = "the model's classes" if what == "the model" else f"the classes of {what}"
        raise DataError(f"target classes of {source} are not among {among}: {listed}; a "
                        "model cannot predict a class it never saw (drop those rows, or move "
                        "some of them into the training rows)")


def set_aside_test(dataset, test: str | os.PathLike, data_path=None, min_class_count=1,
                   keep=()):
    """``(training dataset, TestRows)`` for ``--test``: an existing file is a second CSV
    with the same columns; ``COLUMN=VALUE`` marks rows of ``dataset`` itself (the column is
    dropped from the features unless it is in ``keep``). The training rows' classes are
    counted again, since the folds are built on them alone."""
    source = str(data_path) if data_path is not None else "the data"
    spec = str(test)
    if not Path(spec).exists() and "=" in spec:
        column, _, value = spec.partition("=")
        train, rows = split_test_rows(dataset, column.strip(), value, source, keep)
    else:
        train, rows = dataset, read_test_file(spec, dataset)
    if train.task == "classification":
        check_class_counts(train.y, min_class_count, train.target, train.target_reason,
                           where=" in the training rows")
    return train, rows
