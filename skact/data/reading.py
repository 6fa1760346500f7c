"""Reading a CSV file into a DataFrame, with one clear :class:`~skact.exceptions.DataError`
per problem: missing file, empty file, binary or non-UTF-8 data, ragged rows, a header without
rows.

pandas reads the file; what is done by hand here is what it does not do: reject binary data
and short rows (its C parser fills a short row with missing values without a word), and say
what went wrong in terms of the file. :class:`csv.Sniffer` detects the delimiter (comma,
semicolon, tab or ``|``); in columns of numbers, :mod:`skact.data.text_numbers` reads
missing-value markers and decimal commas.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
import stat
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from skact.exceptions import DataError

from .text_numbers import _is_number_dtype, _is_text, _TextNumbers, numbers_from_text

_COMPRESSED = (".gz", ".bz2", ".zip", ".xz", ".zst", ".tar")
_SNIFF_BYTES = 8192
_MAX_HEADER_BYTES = 1 << 20

#: The delimiters skact detects, with their plural name.
_DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "'|'"}

#: What pandas reads as missing in every column, text columns too: empty cells only, so
#: ``NA`` (North America), ``None`` (a class of "Improved": None/Some/Marked) and ``null``
#: stay text in text columns. ``None`` here would be pandas' default list (``NA``, ``None``,
#: ``n/a``, ``null``, ``nan``, ...) in every column. In columns of numbers, pandas' defaults
#: and :data:`~skact.data.MISSING_MARKERS` are missing in any case (and reported).
TEXT_NA_VALUES: list[str] | None = [""]


#: A UTF-16 text file starts with one of these byte-order marks: what spreadsheets write
#: for "Unicode text" (Excel) or "UTF-16" exports.
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

#: How to get a CSV file out of a spreadsheet, for the messages about files that are not one.
SAVE_AS_CSV = ("open it in Excel or LibreOffice Calc and save it with File > Save As as "
               "'CSV UTF-8 (Comma delimited)'")


def _not_text(path: Path, head: bytes) -> str:
    """What a file that is not CSV text is, and how to get a CSV file from it."""
    if head.startswith(b"PK\x03\x04"):
        kind = "a ZIP archive"
        if b"xl/" in head or b"[Content_Types].xml" in head:
            kind = "an Excel workbook (.xlsx)"
        elif b"opendocument.spreadsheet" in head:
            kind = "an OpenDocument spreadsheet (.ods)"
        if kind != "a ZIP archive":
            return (f"{path} is {kind}, not a CSV text file; {SAVE_AS_CSV}, or convert it with "
                    f"pandas: pd.read_excel({str(path)!r}).to_csv('data.csv', index=False)")
        return (f"{path} is {kind}, not a CSV text file; unpack it, or name it .zip if it "
                "holds a single CSV file")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return (f"{path} is an Excel 97-2003 workbook (.xls), not a CSV text file; "
                f"{SAVE_AS_CSV}")
    return (f"{path} looks like a binary file, not a CSV text file; if it is a spreadsheet, "
            f"{SAVE_AS_CSV}")


def _utf16_without_bom(head: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when every other byte is zero, as in text of
    Latin letters and digits written as UTF-16 without a byte-order mark; else None."""
    if len(head) < 8:
        return None
    even, odd = head[0:len(head) - 1:2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and not even.count(0):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and not odd.count(0):
        return "utf-16-be"
    return None


def _read_head(path: Path) -> tuple[str, str]:
    """The start of a text file, cut after its last complete line, and the file's encoding:
    UTF-8 (with or without a BOM) or UTF-16 (what spreadsheets write as "Unicode text":
    read rather than refused, as a user expects). Rejects binary data and other encodings,
    saying what the file is where that is known (an Excel workbook, ...).
    """
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES + 1)
        # a wide file's header line can be longer than the block: read on to its end
        while b"\n" not in head[:-1] and len(head) < _MAX_HEADER_BYTES:
            more = fh.read(_SNIFF_BYTES)
            if not more:
                break
            head += more
    utf16 = "utf-16" if head.startswith(_UTF16_BOMS) else _utf16_without_bom(head)
    if utf16:
        text = head[: len(head) // 2 * 2].decode(utf16, errors="ignore")
        truncated = len(head) > _SNIFF_BYTES and "\n" in text
        return (text[: text.rfind("\n") + 1] if truncated else text), utf16
    limit = max(_SNIFF_BYTES, head.find(b"\n", 0, len(head) - 1) + 1)
    truncated = len(head) > limit
    head = head[:limit]
    if b"\x00" in head or head.startswith(b"PK\x03\x04"):
        raise DataError(_not_text(path, head))
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
    return (text[: text.rfind("\n") + 1] if truncated else text), "utf-8-sig"


def _header_width(sample: str, delimiter: str) -> int:
    """How many fields ``delimiter`` splits the first line of ``sample`` into."""
    try:
        return len(next(filter(None, csv.reader(io.StringIO(sample), delimiter=delimiter)), []))
    except csv.Error:
        return 0


def _sniff_delimiter(sample: str) -> str:
    """The delimiter of a file that starts with ``sample``, found by :class:`csv.Sniffer`.

    The sniffer's fixed preference (the comma first) is switched off: of the delimiters that
    split every line evenly, the one that splits lines into the most fields wins, so a
    semicolon-separated file with a comma in a column name and a column of decimal commas
    stays semicolon-separated. Where the sniffer finds none (it wants 90% of the lines to
    agree, which one ragged row in a short file defeats), the delimiter that splits the header
    into the most fields is taken, so that the row gets its "ragged rows" error; the comma if
    none splits it.

    >>> _sniff_delimiter("a;b;c\\n1,5;2;x\\n")
    ';'
    >>> _sniff_delimiter("a,b\\n1;2,x\\n")
    ','
    """
    sniffer = csv.Sniffer()
    sniffer.preferred = []
    try:
        return sniffer.sniff(sample, delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        widths = {delimiter: _header_width(sample, delimiter) for delimiter in _DELIMITERS}
        best = max(widths, key=widths.get)  # the first of equals: the comma
        return best if widths[best] > 1 else ","


def _check_rows(path: Path, delimiter: str, encoding: str = "utf-8-sig") -> None:
    """Reject ragged rows with a message naming the line."""
    with open(path, newline="", encoding=encoding) as fh:
        # the widths in one pass at the csv module's speed; blank lines (width 0) are
        # skipped, by pandas too
        widths = set(map(len, csv.reader(fh, delimiter=delimiter))) - {0}
    if len(widths) < 2:
        return
    with open(path, newline="", encoding=encoding) as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        rows = filter(None, reader)
        n_fields = len(next(rows))
        for row in rows:
            if len(row) != n_fields:
                raise DataError(
                    f"{path} line {reader.line_num} has {len(row)} fields but the header "
                    f"has {n_fields}; every row needs one value per column (ragged rows)"
                )


def _check_text_file(path: Path) -> tuple[str, str]:
    """Reject binary data and ragged rows; return the delimiter and the encoding."""
    sample, encoding = _read_head(path)
    delimiter = _sniff_delimiter(sample)
    try:
        _check_rows(path, delimiter, encoding)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path} is not UTF-8 text (byte {exc.object[exc.start]:#04x} after the first "
            f"{_SNIFF_BYTES} bytes); is it a CSV file? Save it as UTF-8 CSV"
        ) from None
    except csv.Error as exc:
        raise DataError(f"{path} is not a well-formed CSV file: {exc}") from None
    return delimiter, encoding


@contextmanager
def _read_errors(path: Path):
    """Turn what reading ``path`` raises into a :class:`DataError` naming the problem."""
    try:
        yield
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


def _read_columns(path: Path, delimiter: str, encoding: str | None, names: list, decimal: str,
                  na_values: dict):
    """Columns ``names`` of the file read again, with this decimal mark and these markers
    (a dict: column -> markers) added to pandas' default ones."""
    with _read_errors(path):
        return pd.read_csv(path, sep=delimiter, encoding=encoding, usecols=names,
                           decimal=decimal, na_values=na_values)


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
        comma-separated. ``"-"`` reads standard input; a pipe (``/dev/stdin``, ``<(...)``)
        is read as a file is.
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
    """What :func:`_read_table` read: the frame, the delimiter, notes for the user, the
    text columns that are mostly numbers (kept as text because of some stray values), and
    the missing values of each column."""

    frame: pd.DataFrame
    delimiter: str = ","
    notes: list[str] = field(default_factory=list)
    mostly_numbers: dict[str, _TextNumbers] = field(default_factory=dict)
    #: column -> how its missing values were written -> rows: {"'?'": 3, "empty cells": 2}
    missing: dict[str, dict[str, int]] = field(default_factory=dict)


def _read_table(path: str | os.PathLike, numeric: list[str] | None = None) -> _Table:
    if str(path) == "-" or _is_stream(path):
        return _read_stream(path, numeric)
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path} is a directory, not a CSV file")
    with _read_errors(path):
        if path.stat().st_size == 0:
            raise DataError(f"{path} is empty")
        delimiter, encoding = ",", None
        if not path.name.lower().endswith(_COMPRESSED):
            delimiter, encoding = _check_text_file(path)
            # pandas reads UTF-8 with or without a BOM by itself
            encoding = encoding if encoding.startswith("utf-16") else None
        df = pd.read_csv(path, sep=delimiter, encoding=encoding,
                         keep_default_na=TEXT_NA_VALUES is None, na_values=TEXT_NA_VALUES)
    if len(df) == 0:
        cols = ", ".join(map(str, df.columns))
        raise DataError(f"{path} has a header ({cols}) but no data rows")
    _check_repeated_names(path, df, delimiter, encoding)
    table = _Table(df, delimiter)
    if encoding is not None:
        table.notes.append("the file is UTF-16 text (what a spreadsheet's 'Unicode text' export "
                           "writes), not UTF-8; it is read that way")
    if delimiter != ",":
        table.notes.append(
            f"the values are separated by {_DELIMITERS[delimiter]}, not commas; "
            "the file is read that way"
        )
    # empty cells, before markers such as "?" become missing values too
    empty = {name: int(n) for name, n in df.isna().sum().items() if n}
    read_columns = functools.partial(_read_columns, path, delimiter, encoding)
    notes, table.mostly_numbers, markers = numbers_from_text(
        df, delimiter == ";", read_columns, columns=numeric
    )
    table.notes.extend(notes)
    for name in df.columns:
        found = {**markers.get(name, {}), **({"empty cells": empty[name]} if name in empty else {})}
        if found:
            table.missing[name] = found
    _check_magnitudes(path, df, numeric)
    return table


def _is_stream(path) -> bool:
    """A pipe or a device, such as ``/dev/stdin`` at the end of a pipe or ``<(...)``: it
    has no size (it would read as empty) and can be read only once."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def _read_stream(path, numeric: list[str] | None) -> _Table:
    """Standard input (``-``) or a pipe, read once into a temporary file and then read as a
    file is: the checks read a file several times (the head, the rows, columns again)."""
    import sys
    import tempfile

    name = "standard input" if str(path) == "-" else str(path)
    with _read_errors(Path(name)):
        data = sys.stdin.buffer.read() if str(path) == "-" else Path(path).read_bytes()
    with tempfile.TemporaryDirectory(prefix="skact-") as tmp:
        copy = Path(tmp) / "input.csv"
        copy.write_bytes(data)
        try:
            return _read_table(copy, numeric)
        except DataError as exc:
            # the messages name the copy; the user knows the input by its own name
            raise DataError(str(exc).replace(str(copy), name)) from None


_RENAMED = re.compile(r"(.*)\.\d+")  # pandas' name for the second 'a' of a header: 'a.1'


def _check_repeated_names(path: Path, df: pd.DataFrame, delimiter: str, encoding) -> None:
    """Refuse a header that names two columns the same. pandas renames the second ``a`` to
    ``a.1`` without a word, which turns a repeated target column into a feature that gives
    the answer away; so where a name looks renamed, the header is read again as written."""
    names = [str(c) for c in df.columns]
    if not any((m := _RENAMED.fullmatch(n)) and m.group(1) in names for n in names):
        return
    with _read_errors(path):
        header = pd.read_csv(path, sep=delimiter, encoding=encoding, header=None, nrows=1,
                             dtype=str, keep_default_na=False).iloc[0].tolist()
    repeated = [n for n in dict.fromkeys(header) if n != "" and header.count(n) > 1]
    if repeated:
        where = "; ".join(
            f"{n!r} (columns {', '.join(str(i + 1) for i, h in enumerate(header) if h == n)})"
            for n in repeated[:3])
        raise DataError(f"{path} gives more than one column the same name: {where}; give "
                        "each column its own name in the header")


#: The largest magnitude a number may have: skact's pipelines compute in float32, where
#: anything larger is infinite (and a scaler or loss fed one makes NaNs of every value).
MAX_MAGNITUDE = float(np.finfo(np.float32).max)


def _check_magnitudes(path: Path, df: pd.DataFrame, numeric: list[str] | None) -> None:
    """Refuse ``inf`` and numbers beyond float32's range, naming the column and row: left
    in, they surface much later as "Input X contains NaN" blamed on a trial, or as a
    traceback from the model. ``numeric`` given: those columns only (prediction checks
    what the model reads, not the columns it ignores); else every column of numbers."""
    names = [c for c in numeric if c in df.columns] if numeric is not None else list(df.columns)
    for name in names:
        column = df[name]
        if numeric is not None and _is_text(column):
            # a model's number column with stray text: the numbers in it, the text is the
            # caller's to report
            column = pd.to_numeric(column, errors="coerce")
        elif not _is_number_dtype(column):
            continue
        values = column.to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            bad = np.flatnonzero(np.abs(values) > MAX_MAGNITUDE)
        if not len(bad):
            continue
        listed = ", ".join(f"{values[i]:g} in row {i + 1}" for i in bad[:3])
        more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
        raise DataError(
            f"{path}: column {str(name)!r} holds {listed}{more}: numbers must be finite and at "
            f"most {MAX_MAGNITUDE:.4g} in magnitude (skact computes in float32); correct them, "
            "or leave the cells empty where a value is missing"
        )

