"""CSV feature tables in, ``X`` / ``y`` and a preprocessing transformer out, with clear errors.

The command line reads every table through :func:`read_csv` and :func:`load_table`, so a file
that cannot be used fails with one :class:`~skact.exceptions.DataError` naming the problem
(missing file, empty file, header without rows, ragged rows, binary data, unknown target
column, a target with a single class) instead of a pandas traceback.

Files exported by spreadsheets in other locales are read as they are meant: the delimiter
(comma, semicolon, tab or ``|``) is detected, decimal commas in semicolon-separated files are
numbers, and in columns of numbers the usual missing-value markers (``?``, ``-``, ``n/a``,
``missing``, ...) are missing values; UTF-16 files ("Unicode text" exports) are read too. A
first column without a header that holds the row numbers, in order or shuffled (the index
``DataFrame.to_csv`` writes by default) is dropped. A column of numbers
with a few stray texts is used as text, with a warning naming the values. Whatever was
guessed is reported in :attr:`Dataset.warnings`.

:func:`make_preprocessor` builds the scikit-learn transformer that goes in front of the
estimator in the saved pipeline.

Import the names from here; the modules below are how the package is organised:

- :mod:`~skact.data.reading`: :func:`read_csv`, a file into a DataFrame: file checks, the
  delimiter (:class:`csv.Sniffer`), ragged rows, then pandas.
- :mod:`~skact.data.text_numbers`: which text columns are numbers, read again by pandas with
  their missing-value markers and decimal mark; stray text in them.
- :mod:`~skact.data.table`: :func:`load_table`, :class:`Dataset`, :func:`infer_task`,
  :func:`split_columns`, :func:`select_features`, :func:`class_rows_needed`.
- :mod:`~skact.data.targets`: the warning when the last column, taken as the target because
  none was named, looks like an id, a year or a feature.
- :mod:`~skact.data.features`: identifier columns and copies of the target dropped, the
  one-hot width estimated before fitting.
- :mod:`~skact.data.fingerprint`: the digest of the tuned file a model file keeps, so that
  ``skact evaluate`` can tell when it is given that file again.
- :mod:`~skact.data.preprocess`: :func:`make_preprocessor`.
- :mod:`~skact.data.groups`: the study's unit: :func:`take_groups` sets a column of group
  ids aside for grouped folds; :func:`leakage_warning` names a column that looks like one.
- :mod:`~skact.data.holdout`: test rows set aside before any fit (:func:`set_aside_test`:
  a second file, or ``COLUMN=VALUE`` rows), and :func:`labelled_rows` for scoring a model.
"""

# Model files saved before this was a package name skact.data._as_text and _as_float32 (the
# preprocessing's functions, pickled by name): re-exported so that those files still load.
from .groups import group_like_columns, leakage_warning, take_groups
from .holdout import TestRows, labelled_rows, set_aside_test
from .preprocess import _as_float32 as _as_float32
from .preprocess import _as_text as _as_text
from .preprocess import make_preprocessor
from .reading import read_csv
from .table import (
    MAX_INTEGER_CLASSES,
    TASKS,
    Dataset,
    check_class_counts,
    class_rows_needed,
    infer_task,
    load_table,
    select_features,
    split_columns,
)
from .text_numbers import MISSING_MARKERS, NUMERIC_SHARE

__all__ = [
    "MAX_INTEGER_CLASSES",
    "MISSING_MARKERS",
    "NUMERIC_SHARE",
    "TASKS",
    "Dataset",
    "TestRows",
    "check_class_counts",
    "class_rows_needed",
    "group_like_columns",
    "infer_task",
    "labelled_rows",
    "leakage_warning",
    "load_table",
    "make_preprocessor",
    "read_csv",
    "select_features",
    "set_aside_test",
    "split_columns",
    "take_groups",
]
