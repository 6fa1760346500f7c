"""Feature columns that must not reach the model as they are: identifiers, copies of the
target, and text columns whose one-hot encoding would not fit in memory.

- A text column whose values are nearly all distinct (an id, a name, a timestamp) cannot
  generalise, and one-hot encoded it adds one dense column per row: 20,000 rows of unique
  ids took 15 GiB and two minutes. It is dropped, with a warning naming it.
- A column that holds the target's value in every row gives the answer away (a score of
  0.99 that means nothing): it is dropped, with a warning naming it.
- A numeric column that numbers the rows (distinct whole numbers from 0 or 1, an id) is
  kept, since a rank or a period can be a feature, but warned about: in a file sorted by
  class, shuffled folds let a model read the answer off the row number.
- The width of the one-hot encoding is estimated before anything is fitted (the distinct
  values of each text column); past :data:`MAX_ONE_HOT_CELLS` cells (rows times encoded
  columns, a few hundred MB as the pipeline computes) the table is refused with one line
  naming the widest columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from skact.exceptions import DataError

__all__ = ["MAX_ONE_HOT_CELLS", "check_one_hot_size", "drop_identifiers", "drop_target_copies",
           "numbers_the_rows", "row_number_warnings"]

#: At most this many one-hot cells (rows x encoded columns): about 300 MB in float64 plus
#: its float32 copy, what the preprocessing makes of them.
MAX_ONE_HOT_CELLS = 25_000_000
#: A text column with more than this share of distinct values (in 20 rows or more) is
#: taken for an identifier and dropped; above half, it is warned about.
_ID_SHARE_DROPPED = 0.9
_ID_SHARE_WARNED = 0.5
_MIN_ROWS = 20


def drop_identifiers(X: pd.DataFrame, categorical: list[str]) -> tuple[pd.DataFrame,
                                                                         list[str]]:
    """``X`` without its identifier-like text columns, and the warnings to show (also for
    columns that look like identifiers but are kept)."""
    n = len(X)
    dropped, warnings = [], []
    if n < _MIN_ROWS:
        return X, warnings
    for name in categorical:
        n_unique = X[name].nunique(dropna=True)
        if n_unique > _ID_SHARE_DROPPED * n:
            dropped.append(name)
            warnings.append(
                f"column {name!r} looks like an identifier ({n_unique} distinct text values "
                f"in {n} rows) and is not used as a feature: one-hot encoded, it would add "
                f"{n_unique} features that cannot generalise"
            )
        elif n_unique > _ID_SHARE_WARNED * n:
            warnings.append(
                f"column {name!r} looks like an identifier ({n_unique} distinct text values "
                f"in {n} rows); one-hot encoding it adds {n_unique} features that cannot "
                "generalise; drop it from the CSV if it is an id"
            )
    return X.drop(columns=dropped), warnings


def row_number_warnings(X: pd.DataFrame, n_read: int) -> list[str]:
    """A warning for each numeric column of ``X`` that numbers the ``n_read`` rows read:
    distinct whole numbers from 0 or 1, in any order, none past the last row (rows dropped
    for a missing target leave gaps). Named columns only reach here: a first column without
    a header that holds row numbers was already dropped as pandas' index."""
    if n_read < _MIN_ROWS:
        return []
    return [f"column {name!r} holds distinct whole numbers from {X[name].min()} to "
            f"{X[name].max()}, one per row, like row numbers, and is used as a feature: a "
            "model can learn the file's row order from it; delete it from the CSV if it is "
            "an id" for name in X.columns if numbers_the_rows(X[name], n_read)]


def numbers_the_rows(column: pd.Series, n_rows: int) -> bool:
    """Whether ``column`` holds distinct whole numbers from 0 or 1, in any order, none past
    the last of ``n_rows`` rows: row numbers, with gaps where rows were dropped."""
    if not pd.api.types.is_integer_dtype(column) or pd.api.types.is_bool_dtype(column):
        return False
    low, high = column.min(), column.max()
    return bool(low in (0, 1) and high - low < n_rows and column.is_unique)


def _same_values(column: pd.Series, y: pd.Series) -> bool:
    numeric = pd.api.types.is_numeric_dtype
    if numeric(column) != numeric(y) or column.isna().any():
        return False
    if numeric(column):
        return bool(np.array_equal(column.to_numpy(dtype=float), y.to_numpy(dtype=float)))
    if str(column.iloc[0]) != str(y.iloc[0]):  # the usual answer, without converting all
        return False
    return bool((column.astype(str).to_numpy() == y.astype(str).to_numpy()).all())


def drop_target_copies(X: pd.DataFrame, y: pd.Series, target: str) -> tuple[pd.DataFrame,
                                                                             list[str]]:
    """``X`` without the columns that equal the target in every row, and a warning each."""
    copies = [name for name in X.columns if _same_values(X[name], y)]
    warnings = [
        f"column {name!r} holds the value of the target {target!r} in every row, so it is "
        "not used as a feature (it would give the answer away)"
        for name in copies
    ]
    return X.drop(columns=copies), warnings


def check_one_hot_size(path, X: pd.DataFrame, categorical: list[str]) -> None:
    """Refuse a table whose one-hot encoding would exceed :data:`MAX_ONE_HOT_CELLS` cells,
    naming the columns with the most distinct values."""
    widths = {name: int(X[name].nunique(dropna=True)) for name in categorical}
    cells = len(X) * sum(widths.values())
    if cells <= MAX_ONE_HOT_CELLS:
        return
    widest = sorted(widths.items(), key=lambda item: -item[1])[:3]
    listed = ", ".join(f"{name!r} ({n} distinct values)" for name, n in widest)
    raise DataError(
        f"{path}: one-hot encoding its text columns would make {len(X)} rows x "
        f"{sum(widths.values())} columns ({cells:,} values, more than the "
        f"{MAX_ONE_HOT_CELLS:,} skact allows); the widest are {listed}: drop those columns "
        "or group their rare values into fewer categories"
    )
