"""Which rows a model was trained on, kept small enough to travel in its model file.

``skact evaluate`` scores a saved model on labelled rows. Given the very file it was tuned
on, or rows copied out of it, the score says how well the model remembers, not how it does
on new rows, and nothing said so. :func:`fingerprint` keeps a content hash of the training
rows' features, for at most about :data:`SAMPLE_ROWS` of them: every row whose hash is a
multiple of ``every``, a sample drawn by content, so a row of the table to score falls in it
by the same rule. :func:`share_seen` then tells what share of a table's rows were training
rows, from its own rows in the sample.

Values are hashed as the model reads them: numbers as float64 (a column read as whole
numbers in one file and with a decimal point in another hashes the same), everything else
as text. The hashes keep 52 bits, which JSON numbers hold exactly.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["MOSTLY_DISTINCT", "SAMPLE_ROWS", "fingerprint", "seen_warning", "share_seen"]

#: About this many training rows are kept (their hashes: 52-bit whole numbers).
SAMPLE_ROWS = 1024
#: Below this share of distinct training rows (a table of few distinct rows, repeated), new
#: rows equal training rows by content as often as not, and :func:`seen_warning` says nothing.
MOSTLY_DISTINCT = 0.9


def _row_hashes(X: pd.DataFrame, numeric) -> np.ndarray:
    """One 52-bit hash per row of ``X``'s values, the ``numeric`` columns as float64."""
    numeric = set(numeric)
    columns = {}
    for name in X.columns:
        column = X[name]
        if name in numeric:
            columns[name] = pd.to_numeric(column, errors="coerce").astype("float64")
        else:
            columns[name] = column.astype(str)
    frame = pd.DataFrame(columns, index=range(len(X)))
    return pd.util.hash_pandas_object(frame, index=False).to_numpy(np.uint64) >> np.uint64(12)


def fingerprint(X: pd.DataFrame, numeric) -> dict:
    """The sample of ``X``'s rows that :func:`share_seen` compares with:
    ``{"every": k, "hashes": [...], "distinct": d}``, the sorted hashes of the rows whose
    hash is a multiple of ``k`` (every row up to :data:`SAMPLE_ROWS` rows), and the share
    of ``X``'s rows that are distinct (where rows repeat, new rows repeat them too)."""
    every = max(1, math.ceil(len(X) / SAMPLE_ROWS))
    hashes = _row_hashes(X, numeric)
    kept = np.unique(hashes[hashes % np.uint64(every) == 0])
    distinct = np.unique(hashes).size / max(1, hashes.size)
    return {"every": every, "hashes": [int(h) for h in kept], "distinct": round(distinct, 4)}


def share_seen(saved: dict, X: pd.DataFrame, numeric) -> tuple[float, int] | None:
    """``(share, rows)``: the share of ``X``'s sampled rows that are in the ``saved``
    fingerprint, and how many rows were sampled; None where no row of ``X`` falls in the
    sample (a small table, against a large training set) or the fingerprint is malformed."""
    try:
        every = int(saved["every"])
        known = np.asarray(saved["hashes"], dtype=np.uint64)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None  # a model file from elsewhere: no check rather than a wrong one
    if every < 1 or len(X) == 0:
        return None
    hashes = _row_hashes(X, numeric)
    sampled = hashes[hashes % np.uint64(every) == 0]
    if sampled.size == 0:
        return None
    return float(np.isin(sampled, known).mean()), int(sampled.size)


def seen_warning(saved, X: pd.DataFrame, numeric, source: str = "the data") -> str | None:
    """What to tell a user who scores a model on rows it was trained on, or None: where a
    tenth or more of ``X``'s sampled rows are training rows, and the training rows were
    mostly distinct (so that an equal row is a training row, not a common one)."""
    if not isinstance(saved, dict) or not saved.get("distinct", 0) >= MOSTLY_DISTINCT:
        return None
    found = share_seen(saved, X, numeric)
    if found is None or found[0] < 0.1:
        return None
    share, sampled = found
    return (f"{share:.0%} of the rows of {source} (judged by {sampled} of them) are rows "
            "the model was trained on, so these scores overstate how it does on new rows; "
            "score it on rows it has not seen (skact tune --test sets some aside)")
