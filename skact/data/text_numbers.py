"""Text columns that hold numbers: missing-value markers, decimal commas and stray text.

pandas reads a column as numbers only when each of its cells is a number or one of pandas'
own missing-value markers. skact goes further in columns of numbers only: there the markers
of spreadsheets (``?``, ``-``, ``missing``, ...; :data:`MISSING_MARKERS`) are missing values,
and in semicolon-separated files ``1,5`` is 1.5, while a ``-`` among colour names stays a
category. Which columns are numbers is decided here, on a sample of each text column; pandas
then reads those columns again, told their markers (``na_values``) and their decimal mark
(``decimal``). A column it still cannot read holds stray text (typos, notes, codes such as
``V57``): only that column is parsed value by value here, to name the stray values in a
warning (:func:`stray_text_warnings`), or, for prediction, to keep them for the caller.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

#: Cells that mean "missing" in a column of numbers (compared stripped and lower-cased).
#: pandas already reads "NA", "n/a", "null", "None", "nan" and empty cells as missing.
MISSING_MARKERS = frozenset({"", "?", "-", "n/a", "na", "null", "none", "missing", "nan"})

#: A column is numeric with stray text when at least this share of its values are numbers.
NUMERIC_SHARE = 0.9

#: Every spelling of the markers (``NA``, ``Missing``, ...), for pandas' ``na_values``, which
#: compares cells exactly where skact ignores case. A marker with spaces around it is not
#: among them: its column is left to :func:`_parse_numbers`, which strips cells.
_MARKER_SPELLINGS = sorted(
    "".join(letters)
    for marker in MISSING_MARKERS
    for letters in itertools.product(*({c.lower(), c.upper()} for c in marker))
)

_EXPONENT = r"(?:[eE][+-]?\d+)?"
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+" + _EXPONENT)  # 1,5  -0,25  ,5  1,2E-05
_NUMBER_WITH_COMMAS = re.compile(r"[+-]?[\d.]*\d,[\d.,]*\d[\d.,]*" + _EXPONENT)  # 1,000

#: ``read_columns(names, decimal, na_values)``: those columns of the file, read by pandas with
#: that decimal mark and those extra missing-value markers (a dict: column -> markers).
ColumnReader = Callable[[list, str, dict], pd.DataFrame]


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)


def _is_number_dtype(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _is_marker(text: pd.Series) -> pd.Series:
    """Which values (already stripped text) are missing-value markers."""
    return text.str.lower().isin(MISSING_MARKERS)


def _rows(n: int) -> str:
    return "row" if n == 1 else "rows"


def _format_columns(columns) -> str:
    return ", ".join(repr(str(c)) for c in columns)


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

    pandas cannot do this: it reads a whole column as numbers or leaves it all text, and
    compares markers exactly. With ``decimal_comma`` (a semicolon-separated file), ``1,5`` is
    1.5 unless the column also holds decimal points: then ``1.500`` might be a thousands
    separator, so a column that mixes both keeps its decimal commas as stray text instead of
    guessing.
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


def _distinct_values(column: pd.Series, n: int = 1000) -> pd.Series:
    """The first ``n`` distinct values of a text column other than missing cells and markers
    (a column may start with a thousand ``?``), searched in a growing head of the column:
    hashing all of a million-row column of numbers costs a good part of a second."""
    size = 4 * n
    while True:
        values = pd.Series(column.iloc[:size].dropna().unique())
        values = values[~_is_marker(values.astype(str).str.strip())]
        if len(values) >= n or size >= len(column):
            return values.head(n)
        size *= 8


def numbers_from_text(
    df: pd.DataFrame, decimal_comma: bool, read_columns: ColumnReader, columns=None
) -> tuple[list[str], dict[str, _TextNumbers]]:
    """Turn text columns that hold only numbers and missing-value markers into numbers, in
    place (only ``columns``, if given; those keep their stray text for the caller to report).

    A text column is taken for numbers when at least half of its first 1000 distinct values
    are (parsing all of a million-row text column to find out costs seconds); with
    ``columns`` given, those are numbers whatever they hold. ``read_columns`` reads them
    again with pandas. Returns notes on the decimal commas and markers read, and the parse of
    each text column that is mostly numbers but holds stray text, and the markers read as
    missing values in each column (``{"'?'": 3}``).
    """
    guess = columns is None
    decimals = {}  # column -> the decimal mark pandas reads it with (None: not pandas)
    for name in df.columns if guess else [c for c in columns if c in df.columns]:
        column = df[name]
        if not _is_text(column):
            continue
        sample = _parse_numbers(_distinct_values(column), decimal_comma)
        if guess and sample.numeric_share() < 0.5:
            continue  # text
        # stray text in the sample would leave the column as text for pandas too
        decimals[name] = None if len(sample.stray) else "," if sample.decimal_commas else "."
    read = {}
    for decimal in sorted(set(decimals.values()) - {None}):
        names = [name for name, mark in decimals.items() if mark == decimal]
        frame = read_columns(names, decimal, dict.fromkeys(names, _MARKER_SPELLINGS))
        read.update(frame.items())
    notes, comma_columns, mostly_numbers, found = [], [], {}, {}
    for name, decimal in decimals.items():
        column, numbers = df[name], read.get(name)
        if numbers is not None and _is_number_dtype(numbers):
            df[name] = numbers.astype(float)
            markers, commas = column[numbers.isna() & column.notna()], decimal == ","
        else:  # stray text, which pandas cannot read around: value by value
            parsed = _parse_numbers(column, decimal_comma)
            if guess and parsed.numbers.isna().all():
                continue  # no numbers at all (1,000 and 2,500 in a comma-separated file)
            if len(parsed.stray):
                mostly_numbers[name] = parsed
                if guess:
                    continue  # stays text; load_table warns when it is mostly numbers
                values = parsed.numbers.astype(object)
                values[parsed.stray.index] = parsed.stray
                df[name] = values
            else:
                df[name] = parsed.numbers
            markers, commas = parsed.markers, parsed.decimal_commas
        if commas:
            comma_columns.append(name)
        if len(markers):
            counts = markers.astype(str).str.strip().value_counts()
            found[name] = {repr(k): int(v) for k, v in counts.items()}
    if comma_columns:
        plural = "s" if len(comma_columns) > 1 else ""
        names = _format_columns(comma_columns)
        notes.insert(0, f"decimal commas read as numbers (1,5 = 1.5) in column{plural} {names}")
    return notes, mostly_numbers, found


def missing_value_warnings(missing: dict[str, dict[str, int]], features) -> list[str]:
    """One warning counting the missing values of the feature columns, whatever marks them
    (``missing``: column -> {how it was written: rows}, e.g. ``{"'?'": 3, "empty": 2}``):
    they are imputed, and a user should know how many."""
    counted = {name: found for name, found in missing.items() if name in features and found}
    if not counted:
        return []
    parts = []
    for name, found in counted.items():
        listed = ", ".join(f"{how} ({n} {_rows(n)})" for how, n in found.items())
        parts.append(f"{str(name)!r}: {listed}")
    total = sum(n for found in counted.values() for n in found.values())
    noun = "column" if len(counted) == 1 else "columns"
    return [f"{total} missing values in {len(counted)} {noun}, imputed with the column's "
            f"median (numbers) or most frequent value (text): {'; '.join(parts)}"]


def stray_text_warnings(mostly_numbers: dict[str, _TextNumbers], features) -> list[str]:
    """Warn about feature columns of numbers with a few stray texts (typos, notes): they are
    used as text, one category per distinct value, which throws the numbers away. Not an
    error: columns of codes (ICD-9 ``250.83``, ``V57``) are like that on purpose."""
    warnings = []
    for name, parsed in mostly_numbers.items():
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
