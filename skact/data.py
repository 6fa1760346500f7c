"""CSV feature tables in, ``X`` / ``y`` and a preprocessing transformer out, with clear errors.

The command line reads every table through :func:`read_csv` and :func:`load_table`, so a file
that cannot be used fails with one :class:`~skact.exceptions.DataError` naming the problem
(missing file, empty file, header without rows, ragged rows, binary data, unknown target
column, a target with a single class) instead of a pandas traceback.

Files exported by spreadsheets in other locales are read as they are meant: the delimiter
(comma, semicolon, tab or ``|``) is detected, decimal commas in semicolon-separated files are
numbers, and in columns of numbers the usual missing-value markers (``?``, ``-``, ``n/a``,
``missing``, ...) are missing values. A first column without a header that holds the row
numbers (the index ``DataFrame.to_csv`` writes by default) is dropped. A column of numbers
with a few stray texts is used as text, with a warning naming the values. Whatever was
guessed is reported in :attr:`Dataset.warnings`.

:func:`make_preprocessor` builds the scikit-learn transformer that goes in front of the
estimator in the saved pipeline: numeric columns are imputed (median) and standardised, text
columns imputed (most frequent) and one-hot encoded, and the result is cast to float32 (skact
estimators compute in the dtype of their input, and float32 is the fast one).
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from skact.exceptions import DataError

__all__ = [
    "TASKS",
    "Dataset",
    "infer_task",
    "load_table",
    "make_preprocessor",
    "read_csv",
    "select_features",
    "split_columns",
]

TASKS = ("classification", "regression")

#: At most this many distinct integer values still make an integer target a class label.
MAX_INTEGER_CLASSES = 20

_COMPRESSED = (".gz", ".bz2", ".zip", ".xz", ".zst", ".tar")
_SNIFF_BYTES = 8192
_MAX_HEADER_BYTES = 1 << 20

#: Delimiters tried on the start of a file, in order of preference, with their plural name.
_DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "'|'"}

#: Cells that mean "missing" in a column of numbers (compared stripped and lower-cased).
#: pandas already reads "NA", "n/a", "null", "None", "nan" and empty cells as missing.
MISSING_MARKERS = frozenset({"", "?", "-", "n/a", "na", "null", "none", "missing", "nan"})

#: A column is numeric with stray text when at least this share of its values are numbers.
NUMERIC_SHARE = 0.9

_EXPONENT = r"(?:[eE][+-]?\d+)?"
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+" + _EXPONENT)  # 1,5  -0,25  ,5  1,2E-05
_NUMBER_WITH_COMMAS = re.compile(r"[+-]?[\d.]*\d,[\d.,]*\d[\d.,]*" + _EXPONENT)  # 1,000
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
        Why this task was chosen, for the user ("given with --task", "text labels", ...).
    numeric_columns, categorical_columns : list of str
        The feature columns by kind; categorical means text, boolean or category dtype.
    n_rows_read : int
        Data rows in the file.
    n_rows_dropped : int
        Rows dropped because their target was missing.
    warnings : list of str
        Things the user should know that do not stop the run: a delimiter other than the
        comma, decimal commas or missing-value markers read as numbers, a dropped index
        column, columns without a header, identifier-like columns, ...
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

    @property
    def feature_columns(self) -> list[str]:
        """All feature column names, in file order."""
        return list(self.X.columns)

    @property
    def n_rows(self) -> int:
        """Rows used (after dropping rows with a missing target)."""
        return len(self.X)


def _read_head(path: Path) -> str:
    """The start of a text file, cut after its last complete line; rejects binary and
    non-UTF-8 data."""
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES + 1)
        # a wide file's header line can be longer than the block: read on to its end
        while b"\n" not in head[:-1] and len(head) < _MAX_HEADER_BYTES:
            more = fh.read(_SNIFF_BYTES)
            if not more:
                break
            head += more
    limit = max(_SNIFF_BYTES, head.find(b"\n", 0, len(head) - 1) + 1)
    truncated = len(head) > limit
    head = head[:limit]
    if b"\x00" in head:
        raise DataError(f"{path} looks like a binary file, not a CSV text file")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the sniffed block is not an error
        if exc.start < len(head) - 4:
            raise DataError(
                f"{path} is not UTF-8 text (byte {head[exc.start]:#04x} at offset "
                f"{exc.start}); is it a CSV file? Save it as UTF-8 CSV"
            ) from None
    text = head.decode("utf-8-sig", errors="ignore")
    # a line cut by the block end would look ragged to the delimiter sniffing
    return text[: text.rfind("\n") + 1] if truncated else text


def _delimiter_fit(sample: str, delimiter: str) -> tuple[float, int]:
    """How well ``delimiter`` splits ``sample``: the share of data lines with as many fields
    as the header, and that number of fields; ``(0, 0)`` if the header has fewer than 2."""
    try:
        rows = [row for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
    except csv.Error:
        return 0.0, 0
    if not rows or len(rows[0]) < 2:
        return 0.0, 0
    width, data = len(rows[0]), rows[1:]
    return (sum(len(row) == width for row in data) / len(data) if data else 1.0), width


def _sniff_delimiter(sample: str) -> str:
    """The delimiter that best splits ``sample`` into the columns of its header: most lines
    with the header's number of fields, then the most fields, then the comma.

    Unlike ``csv.Sniffer``, quoted fields are honoured and the header decides, so decimal
    commas in a semicolon-separated file or semicolons in the text of a comma-separated one
    do not fool it, and a ragged line still gets its "ragged rows" error. The comma is the
    answer when no delimiter splits most lines like the header.

    >>> _sniff_delimiter("a;b;c\\n1,5;2;x\\n")
    ';'
    >>> _sniff_delimiter("a,b\\n1;2,x\\n")
    ','
    """
    fits = {delimiter: _delimiter_fit(sample, delimiter) for delimiter in _DELIMITERS}
    best = max(fits, key=fits.get)  # the first of equals: the comma before the others
    return best if fits[best][0] > 0.5 else ","


def _check_rows(path: Path, delimiter: str) -> None:
    """Reject ragged rows with a message naming the line."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            n_fields = None
            for row in reader:
                if not row:  # blank line; pandas skips these too
                    continue
                if n_fields is None:
                    n_fields = len(row)
                elif len(row) != n_fields:
                    raise DataError(
                        f"{path} line {reader.line_num} has {len(row)} fields but the header "
                        f"has {n_fields}; every row needs one value per column (ragged rows)"
                    )
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path} is not UTF-8 text (byte {exc.object[exc.start]:#04x} after the first "
            f"{_SNIFF_BYTES} bytes); is it a CSV file? Save it as UTF-8 CSV"
        ) from None
    except csv.Error as exc:
        raise DataError(f"{path} is not a well-formed CSV file: {exc}") from None


def _check_text_file(path: Path) -> str:
    """Reject binary data and ragged rows; return the delimiter the file uses."""
    delimiter = _sniff_delimiter(_read_head(path))
    _check_rows(path, delimiter)
    return delimiter


def read_csv(path: str | os.PathLike, *, numeric: list[str] | None = None) -> pd.DataFrame:
    """Read a comma-separated file with a header row into a DataFrame.

    Semicolons, tabs or ``|`` between the values are detected; in a semicolon-separated file
    decimal commas (``1,5``) are read as numbers. In a column that holds only numbers and
    missing-value markers (:data:`MISSING_MARKERS`: ``?``, ``-``, ``missing``, ...), the markers
    are missing values. :func:`load_table` reports these guesses.

    Parameters
    ----------
    path : str or path-like
        The CSV file. Compressed files (``.csv.gz``, ...) are read too, always as
        comma-separated.
    numeric : list of str, optional
        Read markers and decimal commas as numbers in these columns only, leaving every other
        column as it is in the file: what prediction does with the columns a model was
        trained on as numbers (a column the model saw as categories keeps its ``-`` or ``1``
        as the categories it learnt). Stray text in them is left for the caller to report.
        ``None`` (the default): guess from the values, as :func:`load_table` does.

    Returns
    -------
    pandas.DataFrame
        At least one data row and one column.

    Raises
    ------
    DataError
        The file is missing, unreadable, empty, binary, ragged, or has a header but no rows.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("a,b\\n1,x\\n2,y\\n")
    >>> read_csv(p).shape
    (2, 2)
    >>> _ = p.write_text("a;b\\n1,5;x\\n?;y\\n")
    >>> read_csv(p)["a"].tolist()
    [1.5, nan]
    >>> _ = p.write_text("a,b\\n")
    >>> read_csv(p)
    Traceback (most recent call last):
    ...
    skact.exceptions.DataError: ... has a header (a, b) but no data rows
    """
    return _read_table(path, numeric=numeric).frame


@dataclass
class _Table:
    """What :func:`_read_table` read: the frame, the delimiter, notes for the user, and the
    text columns that are mostly numbers (kept as text because of some stray values)."""

    frame: pd.DataFrame
    delimiter: str = ","
    notes: list[str] = field(default_factory=list)
    mostly_numbers: dict[str, _TextNumbers] = field(default_factory=dict)


def _read_table(path: str | os.PathLike, numeric: list[str] | None = None) -> _Table:
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path} is a directory, not a CSV file")
    try:
        if path.stat().st_size == 0:
            raise DataError(f"{path} is empty")
        delimiter = ","
        if not path.name.lower().endswith(_COMPRESSED):
            delimiter = _check_text_file(path)
        df = pd.read_csv(path, sep=delimiter)
    except DataError:
        raise
    except PermissionError:
        raise DataError(f"{path}: permission denied") from None
    except OSError as exc:
        raise DataError(f"{path} cannot be read: {exc.strerror or exc}") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty (no header row)") from None
    except pd.errors.ParserError as exc:
        msg = str(exc).strip().splitlines()[-1] if str(exc).strip() else "parse error"
        raise DataError(f"{path} is not a well-formed CSV file: {msg}") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text ({exc.reason}); is it a CSV file?") from None
    except (ValueError, EOFError) as exc:  # e.g. a corrupt compressed file
        raise DataError(f"{path} cannot be read as CSV: {exc}") from None
    if len(df) == 0:
        cols = ", ".join(map(str, df.columns))
        raise DataError(f"{path} has a header ({cols}) but no data rows")
    table = _Table(df, delimiter)
    if delimiter != ",":
        table.notes.append(
            f"the values are separated by {_DELIMITERS[delimiter]}, not commas; "
            "the file is read that way"
        )
    notes, table.mostly_numbers = _numbers_from_text(df, delimiter == ";", columns=numeric)
    table.notes.extend(notes)
    return table


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)


def _is_marker(text: pd.Series) -> pd.Series:
    """Which values (already stripped text) are missing-value markers."""
    return text.str.lower().isin(MISSING_MARKERS)


def _first_few(items: pd.Series, describe, limit: int) -> str:
    """``describe(key, value)`` of the first ``limit`` items, then "and N more"."""
    listed = ", ".join(describe(k, v) for k, v in items.head(limit).items())
    return listed + (f" and {len(items) - limit} more" if len(items) > limit else "")


@dataclass
class _TextNumbers:
    """A text column read as numbers (see :func:`_parse_numbers`)."""

    numbers: pd.Series  # float, NaN where missing, a marker or not a number
    markers: pd.Series  # the missing-value markers, by row
    stray: pd.Series  # the values that are neither numbers nor markers, by row
    decimal_commas: bool  # whether "1,5" was read as 1.5

    @property
    def n_values(self) -> int:
        """Values other than missing cells and markers."""
        return int(self.numbers.notna().sum()) + len(self.stray)

    def stray_with_commas(self) -> pd.Series:
        """Which stray values are numbers written with commas (1,000 or 1.234,5)."""
        return self.stray.astype(str).str.strip().str.fullmatch(_NUMBER_WITH_COMMAS)

    def numeric_share(self) -> float:
        """Share of the values (markers aside) that are numbers, counting 1,000 and 1.234,5
        as numbers: to the user they are, even where skact cannot read them."""
        n_numbers = int(self.numbers.notna().sum())
        n_readable = n_numbers + int(self.stray_with_commas().sum())
        return n_readable / self.n_values if self.n_values else 0.0


def _parse_numbers(column: pd.Series, decimal_comma: bool) -> _TextNumbers:
    """Read a text column as numbers, telling markers and stray text apart.

    With ``decimal_comma`` (a semicolon-separated file), ``1,5`` is 1.5 unless the column also
    holds decimal points: then ``1.500`` might be a thousands separator, so a column that
    mixes both keeps its decimal commas as stray text instead of guessing.
    """
    text = column.dropna().astype(str).str.strip()
    is_marker = _is_marker(text)
    markers, text = text[is_marker], text[~is_marker]
    numbers = pd.to_numeric(text, errors="coerce").astype(float)
    use_commas = False
    if decimal_comma:
        rejected = text[numbers.isna()]
        commas = rejected[rejected.str.fullmatch(_DECIMAL_COMMA)]
        points = text[numbers.notna()].str.contains(".", regex=False).any()
        if len(commas) and not points:
            use_commas = True
            numbers[commas.index] = pd.to_numeric(commas.str.replace(",", ".", regex=False))
    stray = column.loc[numbers.index[numbers.isna()]]
    return _TextNumbers(numbers.reindex(column.index), markers, stray, use_commas)


def _may_be_numbers(column: pd.Series, decimal_comma: bool, sample: int = 1000) -> bool:
    """Whether a text column could be mostly numbers, judged on up to ``sample`` of its
    distinct values other than missing-value markers (a column may start with a thousand
    ``?``): parsing all of a million-row text column to find out costs seconds."""
    values = pd.Series(column.dropna().unique())
    values = values[~_is_marker(values.astype(str).str.strip())]
    return _parse_numbers(values.head(sample), decimal_comma).numeric_share() >= 0.5


def _numbers_from_text(df: pd.DataFrame, decimal_comma: bool, columns=None):
    """Turn text columns that hold only numbers and missing-value markers into numbers, in
    place (only ``columns``, if given; those keep their stray text for the caller to
    report). Returns notes on the decimal commas and markers read, and the parse of each
    text column that is mostly numbers but holds stray text."""
    notes, comma_columns, mostly_numbers = [], [], {}
    guess = columns is None
    for name in df.columns if guess else [c for c in columns if c in df.columns]:
        column = df[name]
        if not _is_text(column) or (guess and not _may_be_numbers(column, decimal_comma)):
            continue
        parsed = _parse_numbers(column, decimal_comma)
        if guess and parsed.numbers.isna().all():
            continue  # no numbers at all: text (or an empty column of markers)
        if len(parsed.stray):
            mostly_numbers[name] = parsed
            if guess:
                continue  # stays text; load_table warns when it is mostly numbers
            values = parsed.numbers.astype(object)
            values[parsed.stray.index] = parsed.stray
            df[name] = values
        else:
            df[name] = parsed.numbers
        if parsed.decimal_commas:
            comma_columns.append(name)
        if len(parsed.markers):
            counts = parsed.markers.value_counts()
            listed = ", ".join(f"{k!r} ({v} {_rows(v)})" for k, v in counts.items())
            notes.append(f"column {str(name)!r}: {listed} read as missing values")
    if comma_columns:
        plural = "s" if len(comma_columns) > 1 else ""
        names = _format_columns(comma_columns)
        notes.insert(0, f"decimal commas read as numbers (1,5 = 1.5) in column{plural} {names}")
    return notes, mostly_numbers


def _rows(n: int) -> str:
    return "row" if n == 1 else "rows"


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
    if n_unique <= MAX_INTEGER_CLASSES and n_unique * 2 <= len(values):
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


def _column_warnings(X: pd.DataFrame, categorical: list[str]) -> list[str]:
    warnings = []
    n = len(X)
    for name in categorical:
        n_unique = X[name].nunique(dropna=True)
        if n >= 20 and n_unique > 0.5 * n:
            warnings.append(
                f"column {name!r} looks like an identifier ({n_unique} distinct text values "
                f"in {n} rows); one-hot encoding it adds {n_unique} features that cannot "
                "generalise; drop it from the CSV if it is an id"
            )
    for name in X.columns[X.isna().all()]:
        warnings.append(f"column {name!r} is empty in every row and is ignored")
    for name in X.columns[X.notna().any()]:
        if _UNNAMED.fullmatch(name):
            warnings.append(
                f"column {name!r} has no header and is used as a feature; give it a name in "
                "the CSV header (or delete it if it is not a feature)"
            )
    return warnings


def _are_row_numbers(column: pd.Series) -> bool:
    if not pd.api.types.is_integer_dtype(column):
        return False
    values = column.to_numpy()
    return bool(np.array_equal(values, np.arange(len(values)))
                or np.array_equal(values, np.arange(1, len(values) + 1)))


def _drop_row_numbers(df: pd.DataFrame, target: str) -> tuple[pd.DataFrame, list[str]]:
    """Drop a first column without a header holding 0..n-1 or 1..n: the index that
    ``DataFrame.to_csv`` writes unless ``index=False``, which is no feature."""
    first = df.columns[0]
    if first == target or not _UNNAMED.fullmatch(first) or not _are_row_numbers(df[first]):
        return df, []
    values = df[first]
    note = (
        f"dropped the first column ({first!r}): it has no header and holds the row numbers "
        f"{values.iloc[0]}..{values.iloc[-1]} (the index pandas' DataFrame.to_csv writes "
        "unless given index=False)"
    )
    return df.drop(columns=first), [note]


def _stray_text_warnings(table: _Table, features: list[str]) -> list[str]:
    """Warn about feature columns of numbers with a few stray texts (typos, notes): they are
    used as text, one category per distinct value, which throws the numbers away. Not an
    error: columns of codes (ICD-9 ``250.83``, ``V57``) are like that on purpose."""
    warnings = []
    for name, parsed in table.mostly_numbers.items():
        if name not in features or parsed.numeric_share() < NUMERIC_SHARE:
            continue
        stray = parsed.stray
        listed = _first_few(stray, lambda row, value: f"{value!r} (row {row + 1})", 3)
        fix = (
            "write numbers plainly (one decimal separator, no thousands separators)"
            if parsed.stray_with_commas().any()
            else "correct typos, or leave the cells empty (or write NA) where a value is "
            "missing"
        )
        warnings.append(
            f"column {name!r} holds numbers, but {len(stray)} of its {parsed.n_values} values are "
            f"not numbers: {listed}; it is used as text (one category per value). If it is "
            f"a column of numbers, {fix}"
        )
    return warnings


def _format_columns(columns) -> str:
    return ", ".join(repr(str(c)) for c in columns)


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
    if target is None:
        target = columns[-1]
    elif target not in columns:
        raise DataError(
            f"{path} has no column {target!r}; the columns are: {_format_columns(columns)}"
        )
    df, notes = _drop_row_numbers(df, target)
    if len(df.columns) < 2:
        raise DataError(
            f"{path} has a single column ({df.columns[0]!r}); skact needs feature columns and "
            "a target column separated by commas (or semicolons, tabs, '|')"
        )
    notes += _stray_text_warnings(table, [c for c in df.columns if c != target])
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
        reason = "given with --task"
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
            not_numbers = y[pd.to_numeric(y, errors="coerce").isna()]
            example = (not_numbers if len(not_numbers) else y).iloc[0]
            raise DataError(
                f"target column {target!r} holds text ({example!r}, ...); regression needs a "
                "numeric target (use --task classification for labels)"
            )
        y = y.astype(float)
    elif pd.api.types.is_float_dtype(y) and (y == y.round()).all():
        # labels 1, 2, 3 read as floats because of a gap in the column
        y = y.astype("int64")
    n_unique = y.nunique()
    if n_unique < 2:
        what = "class" if task == "classification" else "value"
        raise DataError(
            f"target column {target!r} has a single {what} ({y.iloc[0]!r}) in all {len(y)} "
            "rows; there is nothing to learn"
        )
    if task == "classification" and min_class_count > 1:
        counts = y.value_counts()
        rare = counts[counts < min_class_count]
        if len(rare):
            listed = _first_few(rare, lambda label, n: f"{label!r} ({n} rows)", 5)
            noun = "class" if len(rare) == 1 else "classes"
            raise DataError(
                f"{noun} {listed} of target {target!r}: every class needs at least "
                f"{min_class_count} rows for stratified cross-validation with early stopping "
                "(each training fold holds out 2 rows per class); lower --cv or drop the "
                "rare rows"
            )

    numeric, categorical = split_columns(X)
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
        warnings=[*table.notes, *notes, *_column_warnings(X, categorical)],
    )


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


def _as_float32(X):
    return np.asarray(X, dtype=np.float32)


def _text_value(value):
    if pd.isna(value):
        return np.nan
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 2.0 read from a column with gaps is the category "2"
    return str(value)


def _as_text(X):
    """Categorical columns as text, missing values kept for the imputer.

    A column of codes such as 1, 2, A is text in the training file, but a new file
    holding only 1 and 2 is read as numbers; without this, one-hot encoding would
    treat every value as unseen and silently encode zeros.
    """
    frame = pd.DataFrame(X)
    return frame.apply(lambda column: column.map(_text_value)).astype(object)


def make_preprocessor(numeric_columns, categorical_columns):
    """Build the preprocessing that goes in front of the estimator.

    Numeric columns: median imputation, then standardisation. Categorical columns: most
    frequent imputation, then one-hot encoding (categories unseen in training are ignored at
    prediction time). The output is a dense float32 array.

    Parameters
    ----------
    numeric_columns, categorical_columns : list of str
        Column names, e.g. from :func:`split_columns`.

    Returns
    -------
    sklearn.pipeline.Pipeline

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"a": [1.0, None, 3.0], "b": ["x", "y", None]})
    >>> make_preprocessor(["a"], ["b"]).fit_transform(X).shape
    (3, 3)
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    transformers = []
    if numeric_columns:
        transformers.append(
            (
                "numeric",
                Pipeline(
                    [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]
                ),
                list(numeric_columns),
            )
        )
    if categorical_columns:
        transformers.append(
            (
                "categorical",
                Pipeline(
                    [
                        ("text", FunctionTransformer(_as_text, feature_names_out="one-to-one")),
                        ("impute", SimpleImputer(strategy="most_frequent")),
                        (
                            "onehot",
                            OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                        ),
                    ]
                ),
                list(categorical_columns),
            )
        )
    columns = ColumnTransformer(transformers, remainder="drop", sparse_threshold=0.0)
    return Pipeline(
        [
            ("columns", columns),
            ("float32", FunctionTransformer(_as_float32, feature_names_out="one-to-one")),
        ]
    )
