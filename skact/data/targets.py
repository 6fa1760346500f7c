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


def _label_candidates(df: pd.DataFrame, target: str, max_classes: int) -> list[str]:
    """Other columns that look like class labels: named like one, or text with a few values
    each repeated, first column first (where tables put labels when not last)."""
    found = []
    for name in df.columns:
        if name == target:
            continue
        col = df[name].dropna()
        if len(col) == 0:
            continue
        text = not _is_number_dtype(col)
        few = 2 <= col.nunique() <= max_classes and col.nunique() * 2 <= len(col)
        if few and (text or _LABEL_NAMES.fullmatch(name)):
            found.append(name)
    named = [c for c in found if _LABEL_NAMES.fullmatch(c)]
    return named + [c for c in found if c not in named]


def default_target_warnings(df: pd.DataFrame, target: str,
                            max_classes: int) -> list[str]:
    """Warn when the last column, taken as the target because none was named, looks like an
    id, a year or another feature rather than a label, suggesting a column that looks like
    one (a wrong target trains "successfully" on the wrong question)."""
    why = _not_a_label(target, df[target])
    candidates = _label_candidates(df, target, max_classes)
    y = df[target]
    text_target = not _is_number_dtype(y)
    named = [c for c in candidates if _LABEL_NAMES.fullmatch(c)]
    if why is None and not text_target and named and not _LABEL_NAMES.fullmatch(target):
        why = f"is a column of numbers while {named[0]!r} is named like a label"
    if why is None:
        return []
    hint = (f"; if {candidates[0]!r} is the label, pass --target {candidates[0]}"
            if candidates else "; pass --target with the label column")
    return [f"the last column, {target!r}, was taken as the target because none was named, "
            f"but it {why} and does not look like a label{hint}"]
