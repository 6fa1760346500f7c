"""Rows that are not independent: a column of group ids set aside for grouped folds, and the
warning when a column looks like one but was not named.

Utterances of one speaker, visits of one patient, windows of one recording: when the same
unit lands in training and validation folds, the score measures how well the model
recognises the unit. On a speech-like set (60 speakers x 20 rows) scikit-learn's MLP scored
0.78 balanced accuracy under row-level folds, 0.45 under grouped folds and 0.41 on new
speakers (issue 27). :func:`take_groups` takes the column the user named out of the features
(a group id is never a feature); :func:`leakage_warning` names a column that looks like a
repeated unit's id when none was named.

A column looks like one when its name says so (``speaker``, ``subject_id``, ``patient``,
``session``, ...; every word of the name is a unit or an id word) and its values repeat, or,
whatever its name, when it holds text or whole numbers with at least
:data:`MIN_SHAPE_GROUPS` values, each shared by several rows, and the rows sharing a value
are far more alike in the numeric features than rows in general (a group structure: the
values explain at least half of the features' variance on average, and five times what as
many random labels would). A category with a handful of levels (an island, a colour) is
neither.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from skact.exceptions import DataError, Message, did_you_mean, param

from .text_numbers import _format_columns, _is_number_dtype

__all__ = ["group_like_columns", "leakage_warning", "take_groups", "without_columns"]

#: Words that name a repeated unit in a column name.
UNIT_WORDS = frozenset({
    "speaker", "spk", "subject", "subj", "patient", "session", "participant", "user",
    "person", "individual", "animal", "donor", "recording", "customer", "client", "child",
    "family", "household", "school", "hospital", "site", "batch", "plate", "well", "mouse",
    "rat", "volunteer", "respondent", "driver", "device", "sensor", "tree", "plot",
})
#: Words that may follow a unit word in an id column's name ("speaker_id", "patient no").
ID_WORDS = frozenset({"id", "ids", "no", "nr", "num", "number", "code", "name", "key", "uid",
                      "pid", "sid"})
#: The shape rule needs at least this many distinct values: fewer are a category's levels.
MIN_SHAPE_GROUPS = 10
#: The shape rule's bounds, so that a wide or long table costs a fraction of a second: at
#: most this many candidate columns, numeric columns compared and rows (a seeded sample).
MAX_SHAPE_CANDIDATES, MAX_SHAPE_FEATURES, MAX_SHAPE_ROWS = 50, 50, 20_000


def without_columns(dataset, columns):
    """``dataset`` (a :class:`~skact.data.Dataset`) without the feature ``columns``."""
    from dataclasses import replace

    drop = set(columns)
    return replace(
        dataset,
        X=dataset.X.drop(columns=[c for c in dataset.X.columns if c in drop]),
        numeric_columns=[c for c in dataset.numeric_columns if c not in drop],
        categorical_columns=[c for c in dataset.categorical_columns if c not in drop],
        warnings=[w for w in dataset.warnings if not any(f"{c!r}" in w for c in drop)],
    )


def check_column(dataset, column: str, option: str, source="the data") -> None:
    """Raise a :class:`DataError` unless ``column`` is a feature column of ``dataset``: a
    misspelt name gets "did you mean", the target is refused. ``option``: the parameter
    that names the column, ``"groups"`` or ``"test"``."""
    if column == dataset.target:
        raise DataError(
            Message(param("groups", column), " names the target column; it needs another "
                    f"column of {source} (the unit each row belongs to, such as the speaker)")
            if option == "groups" else
            Message(param("test", f"{column}=..."), " names the target column; mark the test "
                    "rows with another column"))
    if column not in dataset.X.columns:
        columns = list(dataset.X.columns)
        raise DataError(Message(
            f"{source} has no column {column!r} for ", param(option),
            f"{did_you_mean(column, columns)}; the columns are: {_format_columns(columns)}"))


def take_groups(dataset, column: str, source="the data"):
    """Set the group column ``column`` aside: returns ``(dataset without it, groups)``, the
    groups a Series named ``column`` with one id per row.

    Raises
    ------
    DataError
        An unknown column (with "did you mean"), the target, or a column with empty cells.

    Examples
    --------
    >>> import pandas as pd
    >>> from skact.data import Dataset
    >>> X = pd.DataFrame({"speaker": ["a", "a", "b", "b"], "f0": [1.0, 2.0, 3.0, 4.0]})
    >>> ds = Dataset(X, pd.Series([0, 1, 0, 1]), "y", "classification", "given",
    ...              ["f0"], ["speaker"], 4)
    >>> train, groups = take_groups(ds, "speaker")
    >>> train.feature_columns, groups.tolist()
    (['f0'], ['a', 'a', 'b', 'b'])
    >>> take_groups(ds, "speeker")
    Traceback (most recent call last):
    ...
    skact.exceptions.DataError: the data has no column 'speeker' for groups (did you mean ...
    """
    check_column(dataset, column, "groups", source)
    groups = dataset.X[column]
    n_missing = int(groups.isna().sum())
    if n_missing:
        row = int(groups.isna().to_numpy().nonzero()[0][0])
        raise DataError(
            f"group column {column!r} is empty in {n_missing} rows (the first: data row "
            f"{row + 1}); every row needs the id of its group")
    return without_columns(dataset, [column]), groups.rename(column)


def _words(name: str) -> list[str]:
    """``"speakerID"``, ``"speaker_id"``, ``"Speaker ID"`` -> ``["speaker", "id"]``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return [w for w in re.split(r"[^0-9a-zA-Z]+|(?<=[a-zA-Z])(?=[0-9])", spaced.lower()) if w]


def named_like_a_unit(name: str) -> bool:
    """Whether every word of ``name`` is a unit or an id word, with a unit word or ``id``
    among them (``speaker``, ``subject_id``, ``PatientNo``, ``id``; not ``user_type``).

    >>> [named_like_a_unit(n) for n in ("speaker", "subject_id", "SessionNr", "id")]
    [True, True, True, True]
    >>> [named_like_a_unit(n) for n in ("user_type", "width", "island", "valid")]
    [False, False, False, False]
    """
    words = [w for w in _words(name) if not w.isdigit()]
    if not words or not all(w in UNIT_WORDS or w in ID_WORDS for w in words):
        return False
    return any(w in UNIT_WORDS or w in ("id", "ids", "uid", "pid", "sid") for w in words)


def _explained_share(codes: np.ndarray, features: np.ndarray) -> float:
    """Mean over the columns of ``features`` (rows x columns, no NaN) of the share of their
    variance that the groups ``codes`` explain (eta squared, a one-way ANOVA's R²)."""
    counts = np.bincount(codes)
    seen = counts > 0
    shares = []
    for values in features.T:
        total = float(np.sum((values - values.mean()) ** 2))
        if total <= 0:
            continue
        sums = np.bincount(codes, weights=values)
        between = float(np.sum(sums[seen] ** 2 / counts[seen]) - values.sum() ** 2 / len(values))
        shares.append(max(0.0, min(1.0, between / total)))
    return float(np.mean(shares)) if shares else 0.0


def _shaped_like_groups(values: pd.Series, features: pd.DataFrame) -> bool:
    """Text or whole numbers (``values``, on the sampled rows) with many values, each in
    several rows, and a group structure in the numeric ``features`` (see the module's
    docstring)."""
    values = values.dropna()
    n, k = len(values), values.nunique()
    if k < MIN_SHAPE_GROUPS or k * 3 > n or values.value_counts().min() < 2:
        return False
    if _is_number_dtype(values):
        numbers = values.to_numpy(dtype=float)
        if not np.all(numbers == np.round(numbers)):
            return False
    others = features.drop(columns=[values.name], errors="ignore").loc[values.index]
    if others.shape[1] == 0:
        return False
    share = _explained_share(pd.factorize(values)[0], others.to_numpy(dtype=float))
    chance = (k - 1) / max(n - 1, 1)
    return share >= max(0.5, 5 * chance)


def _sampled_features(dataset) -> pd.DataFrame:
    """The numeric features the shape rule compares, on a seeded sample of rows, as floats
    with gaps filled by the column's mean."""
    X = dataset.X
    if len(X) > MAX_SHAPE_ROWS:
        X = X.sample(MAX_SHAPE_ROWS, random_state=0)
    names = [c for c in dataset.numeric_columns if c in X.columns][:MAX_SHAPE_FEATURES + 1]
    features = X[names].apply(pd.to_numeric, errors="coerce").astype(float)
    return features.fillna(features.mean()).fillna(0.0)


def group_like_columns(dataset) -> list[tuple[str, int, float]]:
    """The feature columns that look like a repeated unit's id, as ``(column, distinct
    values, mean rows per value)``: named like one with repeated values, or shaped like one
    (see the module's docstring)."""
    X = dataset.X
    features = None
    found, shape_tests = [], 0
    for name in X.columns:
        values = X[name].dropna()
        k = values.nunique()
        if k < 3 or k * 2 > len(values):
            continue  # too few groups to fold by, or (nearly) one row per value
        if named_like_a_unit(name):
            found.append((name, int(k), len(values) / k))
        elif k >= MIN_SHAPE_GROUPS and shape_tests < MAX_SHAPE_CANDIDATES:
            shape_tests += 1
            if features is None:
                features = _sampled_features(dataset)
            if _shaped_like_groups(X[name].loc[features.index], features):
                found.append((name, int(k), len(values) / k))
    return found


def leakage_warning(dataset, cv: int | None = None) -> str | None:
    """One line naming a column that looks like a repeated unit's id (the first, if
    several), suggesting ``--groups COLUMN``; ``None`` when none does."""
    found = group_like_columns(dataset)
    if not found:
        return None
    name, k, per = found[0]
    also = f" (also {_format_columns(c for c, _, _ in found[1:])})" if found[1:] else ""
    return Message(
        f"column {name!r} looks like the id of a repeated unit ({k} values, {per:.0f} rows "
        f"each on average){also}: with folds by row, rows of one {name} land in training and "
        f"validation, and the score measures how well the model recognises the {name}; if "
        "they are not independent, pass ", param("groups", name))
