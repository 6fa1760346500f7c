"""Which column is the target when none is named: the last one, with a warning when it looks
like an identifier, a year or another feature rather than a label, suggesting a column that
looks like one.

A wrong target does not fail: ``skact tune`` on penguins with ``year`` last trains on the
year, scores 0.42 and reports success. The warning is what tells the user.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from skact.exceptions import Message, param

from .text_numbers import _is_number_dtype

#: Column names that say "label", for the suggestion when the last column is not one.
_LABEL_NAMES = re.compile(
    r"(?i)(target|label|labels|class|classes|y|outcome|species|category|diagnosis|response)")
_ID_NAMES = re.compile(r"(?i)(id|.*[_ .-]id|index|idx|row|row_?(no|num|number)|sample|key|uuid)")
_TIME_NAMES = re.compile(r"(?i)(.*[_ .-])?(year|yr|date|time|timestamp|datetime|month|day)")


def _not_a_label(name: str, y: pd.Series) -> str | None:
    """Why a column taken as the target by default looks like an id, a year or a date
    rather than a label or a quantity to predict; None when nothing says so."""
    values = y.dropna()
    numeric = _is_number_dtype(values)
    whole = numeric and bool(np.all(values == np.round(values)))
    if whole and len(values) and values.min() >= 1800 and values.max() <= 2100:
        return f"holds years ({int(values.min())}..{int(values.max())})"
    if _TIME_NAMES.fullmatch(name):
        return "is named like a date or time"
    if _ID_NAMES.fullmatch(name):
        return "is named like an identifier"
    if len(values) >= 20 and values.nunique() == len(values) and (whole or not numeric):
        return f"holds a different value in every row ({len(values)} rows), like an identifier"
    return None


def few_classes(n_unique: int, n_rows: int, max_classes: int) -> bool:
    """Whether a column's ``n_unique`` values over ``n_rows`` rows look like class labels:
    at most ``max_classes`` of them, each seen twice on average."""
    return n_unique <= max_classes and n_unique * 2 <= n_rows


def _label_candidates(df: pd.DataFrame, target: str,
                      max_classes: int) -> tuple[list[str], list[str]]:
    """Other columns that look like class labels, first column first (where tables put
    labels when not last): those named like one, then text ones with a few values each
    repeated."""
    named, others = [], []
    for name in df.columns:
        if name == target:
            continue
        col = df[name].dropna()
        n_unique = col.nunique()
        if n_unique < 2 or not few_classes(n_unique, len(col), max_classes):
            continue
        if _LABEL_NAMES.fullmatch(name):
            named.append(name)
        elif not _is_number_dtype(col):
            others.append(name)
    return named, others


def default_target_warnings(df: pd.DataFrame, target: str,
                            max_classes: int) -> list[str]:
    """Warn when the last column, taken as the target because none was named, looks like an
    id, a year or another feature rather than a label, suggesting a column that looks like
    one (a wrong target trains "successfully" on the wrong question)."""
    y = df[target]
    why = _not_a_label(target, y)
    named, others = _label_candidates(df, target, max_classes)
    candidates = named + others
    if why is None and _is_number_dtype(y) and named and not _LABEL_NAMES.fullmatch(target):
        why = f"is a column of numbers while {named[0]!r} is named like a label"
    if why is None:
        return []
    hint = (Message(f"; if {candidates[0]!r} is the label, pass ",
                    param("target", candidates[0])) if candidates
            else Message("; pass ", param("target"), " with the label column"))
    return [f"the last column, {target!r}, was taken as the target because none was named, "
            f"but it {why} and does not look like a label" + hint]
