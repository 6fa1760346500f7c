"""A feature table from a CSV file: :func:`load_table` splits it into features and a target
(:class:`Dataset`), with the task inferred (:func:`infer_task`) and one clear
:class:`~skact.exceptions.DataError` per problem (unknown target column, a target with a
single class, ...); :func:`select_features` picks a model's columns from new data.

A first column without a header that holds the row numbers, in order or shuffled (the index
``DataFrame.to_csv`` writes by default), is dropped. Whatever was guessed while reading, and
a last column taken as the target that looks like an id or a year, is reported in
:attr:`Dataset.warnings`.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from skact.exceptions import DataError, Message, did_you_mean, param

from .features import (
    check_one_hot_size,
    drop_identifiers,
    drop_target_copies,
    numbers_the_rows,
    row_number_warnings,
)
from .reading import _read_table
from .targets import default_target_warnings, few_classes
from .text_numbers import (
    _first_few,
    _format_columns,
    missing_value_warnings,
    stray_text_warnings,
)

TASKS = ("classification", "regression")

#: At most this many distinct integer values still make an integer target a class label.
MAX_INTEGER_CLASSES = 20

_UNNAMED = re.compile(r"Unnamed: \d+")  # pandas' name for a column with an empty header


@dataclass
class Dataset:
    """A feature table read from a CSV file, split into features and (optionally) a target.

    Attributes
    ----------
    X : pandas.DataFrame
        The feature columns, in file order.
    y : pandas.Series or None
        The target column with rows whose target is missing already dropped; ``None`` when
        the table was loaded without a target (for prediction).
    target : str or None
        Name of the target column.
    task : {"classification", "regression"} or None
        The task, given or inferred from the target's values.
    task_reason : str
        Why this task was chosen, for the user ("given with task", "text labels", ...).
    numeric_columns, categorical_columns : list of str
        The feature columns by kind; categorical means text, boolean or category dtype.
    n_rows_read : int
        Data rows in the file.
    n_rows_dropped : int
        Rows dropped because their target was missing.
    warnings : list of str
        Things the user should know that do not stop the run: a delimiter other than the
        comma, decimal commas or missing-value markers read as numbers, a dropped index
        column, columns without a header, identifier-like columns, a last column taken as
        the target that looks like an id, a year or a feature, ...
    target_reason : {"given", "the last column"}
        How the target was chosen: named by the caller, or the last column by default.
    """

    X: pd.DataFrame
    y: pd.Series | None
    target: str | None
    task: str | None
    task_reason: str
    numeric_columns: list[str]
    categorical_columns: list[str]
    n_rows_read: int
    n_rows_dropped: int = 0
    warnings: list[str] = field(default_factory=list)
    target_reason: str = "given"

    @property
    def feature_columns(self) -> list[str]:
        """All feature column names, in file order."""
        return list(self.X.columns)

    @property
    def n_rows(self) -> int:
        """Rows used (after dropping rows with a missing target)."""
        return len(self.X)


def infer_task(y: pd.Series) -> tuple[str, str]:
    """Guess classification or regression from a target column's values.

    Text, boolean and category targets are classification; numbers with a fractional part are
    regression; whole numbers are class labels when there are at most
    ``MAX_INTEGER_CLASSES`` distinct values and each appears at least twice on average.

    Returns
    -------
    task : {"classification", "regression"}
    reason : str
        A short explanation for the user.

    Examples
    --------
    >>> import pandas as pd
    >>> infer_task(pd.Series(["cat", "dog", "cat"]))
    ('classification', 'text labels')
    >>> infer_task(pd.Series([0.5, 1.25, 3.0]))[0]
    'regression'
    >>> infer_task(pd.Series([0, 1, 2, 1, 0, 2]))
    ('classification', 'whole numbers with 3 distinct values')
    """
    y = y.dropna()
    if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
        kind = "boolean" if pd.api.types.is_bool_dtype(y) else "text"
        return "classification", f"{kind} labels"
    values = y.to_numpy(dtype=float)
    n_unique = len(np.unique(values))
    if not np.all(np.isfinite(values)) or not np.all(values == np.round(values)):
        return "regression", f"numbers with {n_unique} distinct values"
    if few_classes(n_unique, len(values), MAX_INTEGER_CLASSES):
        return "classification", f"whole numbers with {n_unique} distinct values"
    return "regression", f"whole numbers with {n_unique} distinct values"


def split_columns(X: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Split feature columns into numeric and categorical (text, boolean, category) ones.

    Examples
    --------
    >>> import pandas as pd
    >>> split_columns(pd.DataFrame({"a": [1.0], "b": ["x"], "c": [True]}))
    (['a'], ['b', 'c'])
    """
    numeric, categorical = [], []
    for name in X.columns:
        col = X[name]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            numeric.append(name)
        else:
            categorical.append(name)
    return numeric, categorical


def _column_warnings(X: pd.DataFrame) -> list[str]:
    warnings = []
    for name in X.columns[X.isna().all()]:
        warnings.append(f"column {name!r} is empty in every row and is ignored")
    for name in X.columns[X.notna().any()]:
        if _UNNAMED.fullmatch(name):
            warnings.append(
                f"column {name!r} has no header and is used as a feature; give it a name in "
                "the CSV header (or delete it if it is not a feature)"
            )
    return warnings


def _row_numbers(column: pd.Series) -> str | None:
    """How ``column`` holds row numbers ("in order", "shuffled") or None if it does not:
    0..n-1 or 1..n in order or shuffled (the index of a frame shuffled with ``.sample()``),
    or, in 20 rows or more, distinct non-negative whole numbers (the index of rows sampled or
    split off from a larger frame before ``to_csv``)."""
    if not pd.api.types.is_integer_dtype(column):
        return None
    values = column.to_numpy()
    n = len(values)
    if np.array_equal(values, np.arange(n)) or np.array_equal(values, np.arange(1, n + 1)):
        return "in order"
    distinct = n >= 2 and values.min() >= 0 and len(np.unique(values)) == n
    if (n >= 2 and numbers_the_rows(column, n)) or (distinct and n >= 20):
        return "shuffled"
    return None


def _drop_row_numbers(df: pd.DataFrame, target: str) -> tuple[pd.DataFrame, list[str]]:
    """Drop a first column without a header holding row numbers: the index that
    ``DataFrame.to_csv`` writes unless ``index=False``, which is no feature (shuffled, it is
    worse: a feature that leaks the row order of the original file)."""
    first = df.columns[0]
    if first == target or not _UNNAMED.fullmatch(first):
        return df, []
    how = _row_numbers(df[first])
    if how is None:
        return df, []
    values = df[first]
    if how == "in order":
        held = f"the row numbers {values.iloc[0]}..{values.iloc[-1]}"
    else:
        held = (f"distinct row numbers in shuffled order ({values.iloc[0]}, {values.iloc[1]}, "
                f"..., between {values.min()} and {values.max()})")
    note = (
        f"dropped the first column ({first!r}): it has no header and holds {held}: the index "
        "pandas' DataFrame.to_csv writes unless given index=False; give the column a header "
        "if it is a feature"
    )
    return df.drop(columns=first), [note]


def _guessed(target_reason: str) -> str:
    """The end of an error about a target that was not named: it may be the wrong column."""
    if target_reason == "given":
        return ""
    return Message(" (it is the last column, taken as the target because none was named; "
                   "name the label column with ", param("target"), ")")


def _unknown_column(path, target: str, columns: list[str]) -> DataError:
    return DataError(f"{path} has no column {target!r}{did_you_mean(target, columns)}; the columns "
                     f"are: {_format_columns(columns)}")


def load_table(
    path: str | os.PathLike,
    target: str | None = None,
    task: str = "auto",
    min_class_count: int = 1,
) -> Dataset:
    """Read a CSV file and split it into features and a target column.

    Parameters
    ----------
    path : str or path-like
        The CSV file (header row, one row per sample).
    target : str, default=None
        The target column; ``None`` means the last column.
    task : {"auto", "classification", "regression"}, default="auto"
        ``"auto"`` infers the task with :func:`infer_task`.
    min_class_count : int, default=1
        For classification, every class needs at least this many rows (pass the number of
        cross-validation folds so stratified folds can be built).

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        Any problem with the file (see :func:`read_csv`), an unknown target column (the
        message lists the columns), no feature columns, a target missing in every row, a
        target with a single class or value, a text target for regression, or a class with
        fewer than ``min_class_count`` rows.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("x,colour,label\\n1,red,a\\n2,blue,b\\n3,red,\\n4,blue,a\\n")
    >>> ds = load_table(p)
    >>> ds.target, ds.task, ds.n_rows, ds.n_rows_dropped
    ('label', 'classification', 3, 1)
    >>> ds.numeric_columns, ds.categorical_columns
    (['x'], ['colour'])
    >>> load_table(p, target="species")
    Traceback (most recent call last):
    ...
    skact.exceptions.DataError: ... has no column 'species'; the columns are: 'x', 'colour', 'label'
    """
    if task not in ("auto", *TASKS):
        raise ValueError(f"task must be 'auto', 'classification' or 'regression', got {task!r}")
    table = _read_table(path)
    df = table.frame
    columns = [str(c) for c in df.columns]
    df.columns = columns
    target_reason = "given"
    if target is None:
        target, target_reason = columns[-1], "the last column"
    elif target not in columns:
        raise _unknown_column(path, target, columns)
    df, notes = _drop_row_numbers(df, target)
    if target_reason != "given":
        notes += default_target_warnings(df, target, MAX_INTEGER_CLASSES)
    if len(df.columns) < 2:
        raise DataError(
            f"{path} has a single column ({df.columns[0]!r}); skact needs feature columns and "
            "a target column separated by commas (or semicolons, tabs, '|')"
        )
    features = [c for c in df.columns if c != target]
    notes += stray_text_warnings(table.mostly_numbers, features)
    # a column empty in every row is ignored (said below), not imputed
    notes += missing_value_warnings(table.missing, [c for c in features if df[c].notna().any()])
    n_read = len(df)
    missing = df[target].isna()
    n_dropped = int(missing.sum())
    if n_dropped == n_read:
        raise DataError(f"target column {target!r} in {path} is empty in every row")
    df = df.loc[~missing].reset_index(drop=True)
    # dropping the gaps can leave True/False as Python objects: give them a real dtype
    y = df[target].infer_objects()
    X = df.drop(columns=[target])

    if task == "auto":
        task, reason = infer_task(y)
    else:
        reason = Message("given with ", param("task"))
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
            not_numbers = y[pd.to_numeric(y, errors="coerce").isna()]
            example = (not_numbers if len(not_numbers) else y).iloc[0]
            raise DataError(Message(
                f"target column {target!r} holds text ({example!r}, ...); regression needs a "
                "numeric target (use ", param("task", "classification"), " for labels)"))
        y = y.astype(float)
    elif pd.api.types.is_float_dtype(y) and (y == y.round()).all():
        # labels 1, 2, 3 read as floats because of a gap in the column
        y = y.astype("int64")
    n_unique = y.nunique()
    if n_unique < 2:
        what = "class" if task == "classification" else "value"
        raise DataError(
            f"target column {target!r} has a single {what} ({y.iloc[0]!r}) in all {len(y)} "
            "rows; there is nothing to learn" + _guessed(target_reason))
    if task == "classification":
        check_class_counts(y, min_class_count, target, target_reason)

    X, dropped = drop_target_copies(X, y, target)
    # a column of numbers with stray text has its own warning: not an identifier
    X, identifiers = drop_identifiers(
        X, [c for c in split_columns(X)[1] if c not in table.mostly_numbers])
    if X.shape[1] == 0:
        raise DataError(f"{path} has no feature column left: "
                        f"{'; '.join(dropped + identifiers)}")
    numeric, categorical = split_columns(X)
    check_one_hot_size(path, X, categorical)
    return Dataset(
        X=X,
        y=y,
        target=target,
        task=task,
        task_reason=reason,
        numeric_columns=numeric,
        categorical_columns=categorical,
        n_rows_read=n_read,
        n_rows_dropped=n_dropped,
        warnings=[*table.notes, *notes, *dropped, *identifiers, *_column_warnings(X),
                  *row_number_warnings(X, n_read)],
        target_reason=target_reason,
    )


def check_class_counts(y: pd.Series, min_class_count: int, target: str,
                       target_reason: str = "given", where: str = "") -> None:
    """Raise a :class:`DataError` naming the classes of ``y`` with fewer than
    ``min_class_count`` rows (see :func:`class_rows_needed`); ``where`` says which rows
    were counted (" in the training rows")."""
    if min_class_count <= 1:
        return
    counts = y.value_counts()
    rare = counts[counts < min_class_count]
    if len(rare):
        listed = _first_few(rare, lambda label, n: f"{label!r} ({n} rows)", 5)
        noun = "class" if len(rare) == 1 else "classes"
        raise DataError(Message(
            f"{noun} {listed} of target {target!r}{where}: every class needs at least "
            f"{min_class_count} rows for stratified cross-validation with early stopping "
            "(each training fold holds out 2 rows per class); lower ", param("cv"),
            " or drop the rare rows") + _guessed(target_reason))


def class_rows_needed(cv: int) -> int:
    """Rows each class needs for ``cv``-fold stratified CV (at least ``cv``) where every
    training fold still keeps 2 rows per class for the early-stopping validation split.

    >>> [class_rows_needed(k) for k in (2, 3, 5)]
    [4, 3, 5]
    """
    needed = cv
    while needed - math.ceil(needed / cv) < 2:
        needed += 1
    return needed


def select_features(df: pd.DataFrame, feature_columns: list[str], source="the data"):
    """Return ``df[feature_columns]``, failing with a message that names any missing column.

    Extra columns (such as the target) are ignored.

    Examples
    --------
    >>> import pandas as pd
    >>> select_features(pd.DataFrame({"a": [1], "b": [2], "y": [0]}), ["b", "a"]).columns.tolist()
    ['b', 'a']
    >>> select_features(pd.DataFrame({"a": [1]}), ["a", "b", "c"])
    Traceback (most recent call last):
    ...
    skact.exceptions.DataError: the data lacks feature columns the model was trained on: 'b', 'c'
    """
    df = df.rename(columns=str)
    missing = [c for c in feature_columns if c not in df.columns]
    if missing:
        raise DataError(
            f"{source} lacks feature columns the model was trained on: {_format_columns(missing)}"
        )
    return df[list(feature_columns)]
