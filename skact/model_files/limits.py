"""Bounds on a model file, checked before its contents are read, so that a hostile or
damaged file is refused with one line instead of using gigabytes first.

A model file is a zip (:mod:`skact.model_files.format`): its directory declares each
entry's size, and its arrays declare their dtype and shape in their ``.npy`` headers. Both
are checked before anything is decompressed or allocated:

- the whole file holds at most :data:`MAX_TOTAL_BYTES` once decompressed, its JSON at most
  :data:`MAX_JSON_BYTES`, and an entry larger than a mebibyte is at most
  :data:`MAX_RATIO` times its compressed size (trained weights hardly compress; a zip bomb
  of a few megabytes unpacks to gigabytes);
- entries are decompressed in pieces of :data:`CHUNK` bytes and never past their declared
  size (Python's zipfile, asked for a whole entry, would decompress a lying one at once);
- each ``.npy`` header (read alone, with numpy's public ``read_magic`` and
  ``read_array_header_*``) must declare a plain numeric dtype and the dtype and shape that
  the JSON lists, and exactly as many bytes as the entry holds.

What the arrays must be, given the model's own parameters (layer sizes), is checked when the
estimator is rebuilt, before its network is (:mod:`skact.estimators.state`); text arrays in
the JSON are bounded by :mod:`skact.model_files.values`.
"""

from __future__ import annotations

import zipfile

import numpy as np

from skact.exceptions import ModelFileError

__all__ = ["CHUNK", "MAX_JSON_BYTES", "MAX_RATIO", "MAX_TOTAL_BYTES", "check_directory",
           "check_npy_header", "read_entry"]

#: The most a model file may hold decompressed (its arrays and JSON together).
MAX_TOTAL_BYTES = 2 << 30
#: The most its JSON description may hold.
MAX_JSON_BYTES = 16 << 20
#: How much an entry above :data:`_RATIO_FROM` bytes may grow when decompressed.
MAX_RATIO = 100
_RATIO_FROM = 1 << 20
#: Bytes decompressed at a time.
CHUNK = 1 << 20
_MAX_ENTRIES = 100_000


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def _refuse(path, what) -> ModelFileError:
    return ModelFileError(f"{path} is not a model file skact loads: {what}; it was damaged "
                          "or crafted (save the model again)")


def check_directory(zf: zipfile.ZipFile, path, manifest: str) -> None:
    """Refuse a zip whose directory declares more than a model file holds (see the module
    doc), before any entry is decompressed."""
    infos = zf.infolist()
    if len(infos) > _MAX_ENTRIES:
        raise _refuse(path, f"it has {len(infos)} entries")
    total = 0
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refuse(path, f"{info.filename} is compressed with a method skact does not "
                                "write")
        total += info.file_size
        if info.filename == manifest and info.file_size > MAX_JSON_BYTES:
            raise _refuse(path, f"its {manifest} holds {_size(info.file_size)}, more than the "
                                f"{_size(MAX_JSON_BYTES)} a model's description takes")
        if info.file_size > _RATIO_FROM and \
                info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _refuse(path, f"{info.filename} unpacks from {_size(info.compress_size)} "
                                f"to {_size(info.file_size)}, more than {MAX_RATIO} times "
                                "its size (a zip bomb?)")
    if total > MAX_TOTAL_BYTES:
        raise _refuse(path, f"it unpacks to {_size(total)}, more than the "
                            f"{_size(MAX_TOTAL_BYTES)} skact loads")


def read_entry(zf: zipfile.ZipFile, name: str) -> bytes:
    """The bytes of entry ``name``, decompressed a piece at a time and never past the size
    the directory declares (a lying entry then fails its CRC: ``BadZipFile``)."""
    info = zf.getinfo(name)
    out = bytearray()
    with zf.open(info) as fh:
        while len(out) <= info.file_size:
            piece = fh.read(CHUNK)
            if not piece:
                break
            out += piece
    return bytes(out)


def check_npy_header(zf: zipfile.ZipFile, name: str, listed, path) -> None:
    """Refuse ``.npy`` entry ``name`` unless its header declares a plain numeric dtype, the
    dtype and shape the JSON lists for it (``listed``: ``{"dtype", "shape"}``) and exactly
    the bytes the entry holds; reads the header only."""
    fmt = np.lib.format
    where = f"{name} "
    info = zf.getinfo(name)
    try:
        with zf.open(info) as fh:
            version = fmt.read_magic(fh)
            read_header = {(1, 0): fmt.read_array_header_1_0,
                           (2, 0): fmt.read_array_header_2_0}.get(version)
            if read_header is None:
                raise ValueError(f"npy format version {version}")
            shape, _fortran, dtype = read_header(fh)
            offset = fh.tell()
    except (ValueError, TypeError, SyntaxError, EOFError) as exc:
        raise _refuse(path, f"{where}has no valid array header ({exc})") from None
    if dtype.kind not in "biufc" or dtype.fields is not None or dtype.itemsize > 16:
        raise ModelFileError(f"{path} holds an array skact does not load ({name}: dtype "
                             f"{dtype})")
    if not isinstance(listed, dict) or listed.get("dtype") != dtype.str or \
            list(listed.get("shape", ())) != list(shape):
        raise _refuse(path, f"{where}declares {dtype.str} {list(shape)}, not what its "
                            "description lists")
    declared = dtype.itemsize * int(np.prod(shape, dtype=object))
    if offset + declared != info.file_size:
        raise _refuse(path, f"{where}declares {_size(declared)} of data but holds "
                            f"{_size(info.file_size - offset)}")
