"""skact's model file: one zip holding a JSON description and the arrays as ``.npy``.

Layout (format version :data:`FORMAT_VERSION`)::

    skact-model.json   {"format": "skact-model", "format_version": 2, "versions": {...},
                        "metadata": {...}, "model": <the model as tagged JSON>,
                        "arrays": {"0": {"dtype": "<f4", "shape": [8, 4]}, ...},
                        "checksum": "sha256:..."}
    arrays/0.npy ...   numeric arrays (weights, scaler statistics), read allow_pickle=False

The checksum (a plain SHA-256) covers the JSON (all but the checksum itself) and every
array's bytes, so a damaged file, or one edited by hand, is refused. It proves integrity, not
origin: anyone can edit a file and compute its checksum again. What stops a crafted file is
the rest: reading never unpickles and never imports or runs code that the file names (see
:mod:`skact.model_files.values` for what the JSON may hold), and every size is bounded
before anything is unpacked or allocated (:mod:`skact.model_files.limits`).
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
import zipfile
from pathlib import Path

import numpy as np

from skact.exceptions import ModelFileError
from skact.model_files.atomic import write_atomic

__all__ = ["FORMAT", "FORMAT_VERSION", "MANIFEST", "read", "write"]

FORMAT = "skact-model"
#: 1 was the joblib pickle ``skact tune`` wrote before; 2 is this zip.
FORMAT_VERSION = 2
MANIFEST = "skact-model.json"
_ZIP_MAGIC = b"PK\x03\x04"
_DATE = (1980, 1, 1, 0, 0, 0)  # fixed entry times: the same model gives the same bytes


def _versions() -> dict:
    import sklearn
    import skorch
    import torch

    import skact

    return {"skact": skact.__version__, "python": platform.python_version(),
            "numpy": np.__version__, "scikit-learn": sklearn.__version__,
            "torch": torch.__version__, "skorch": skorch.__version__}


def _canonical(header: dict) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def _digest(header: dict, raw_arrays: dict) -> str:
    h = hashlib.sha256(_canonical(header))
    for name in sorted(raw_arrays, key=lambda n: (len(n), n)):
        h.update(name.encode() + b"\0" + raw_arrays[name])
    return "sha256:" + h.hexdigest()


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def write(path, model, metadata=None) -> Path:
    """Write ``model`` (and JSON-able ``metadata``) to ``path`` atomically."""
    from skact.model_files.values import Encoder

    encoder = Encoder()
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": _versions(),
        "metadata": encoder.encode(dict(metadata or {}), "the metadata"),
        "model": encoder.encode(model),
    }
    raw = {name: _npy_bytes(a) for name, a in encoder.arrays.items()}
    header["arrays"] = {name: {"dtype": a.dtype.str, "shape": list(a.shape)}
                        for name, a in encoder.arrays.items()}
    header["checksum"] = _digest(header, raw)

    def write_zip(fh):
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(zipfile.ZipInfo(MANIFEST, _DATE), json.dumps(header, indent=1),
                        compress_type=zipfile.ZIP_DEFLATED)
            for name, data in raw.items():
                zf.writestr(zipfile.ZipInfo(f"arrays/{name}.npy", _DATE), data,
                            compress_type=zipfile.ZIP_DEFLATED)

    return write_atomic(path, write_zip, mode="wb")


def is_zip(head: bytes) -> bool:
    return head.startswith(_ZIP_MAGIC)


def read(path) -> tuple[object, dict]:
    """The model in ``path`` and the file's header (format, versions, decoded metadata)."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            header, raw = _read_entries(zf, path)
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, NotImplementedError) as exc:
        raise ModelFileError(f"{path} is damaged or truncated ({exc}); save the model "
                             "again or copy the file once more") from None
    except OSError as exc:
        raise ModelFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    model, metadata = _decode(header, raw, path)
    header["metadata"] = metadata
    del header["model"]
    return model, header


def _read_entries(zf, path):
    from skact.model_files import limits

    names = set(zf.namelist())
    if MANIFEST not in names:
        raise ModelFileError(f"{path} is not a model file saved by skact (a zip without "
                             f"{MANIFEST})")
    limits.check_directory(zf, path, MANIFEST)  # sizes first: nothing is unpacked yet
    try:
        header = json.loads(limits.read_entry(zf, MANIFEST))
    except (ValueError, RecursionError):
        raise ModelFileError(f"{path} is damaged: its {MANIFEST} is not valid JSON") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not a model file saved by skact")
    version = header.get("format_version")
    if not isinstance(version, int) or version < FORMAT_VERSION:
        raise ModelFileError(f"{path} has an unknown model format version {version!r:.20}")
    if version > FORMAT_VERSION:
        saved_by = header.get("versions", {}).get("skact", "?") if isinstance(
            header.get("versions"), dict) else "?"
        raise ModelFileError(
            f"{path} was saved by a newer skact ({saved_by}, model format {version}; this "
            f"skact reads format {FORMAT_VERSION}): upgrade skact to load it"
        )
    arrays = header.get("arrays")
    if not isinstance(arrays, dict):
        raise ModelFileError(f"{path} is damaged: it lists no arrays")
    expected = {MANIFEST} | {f"arrays/{name}.npy" for name in arrays}
    if names != expected:
        extra = sorted(names - expected) or sorted(expected - names)
        raise ModelFileError(f"{path} has been altered: entries {extra[:3]} do not match "
                             "what skact wrote")
    for name, listed in arrays.items():
        limits.check_npy_header(zf, f"arrays/{name}.npy", listed, path)
    raw = {name: limits.read_entry(zf, f"arrays/{name}.npy") for name in arrays}
    return header, raw


def _decode(header, raw, path):
    from skact.model_files.values import Decoder

    checksum = header.pop("checksum", None)
    if checksum != _digest(header, raw):
        raise ModelFileError(f"{path} has been edited or damaged: its checksum does not match "
                             "its contents; save the model again")
    arrays = {}
    for name, data in raw.items():
        try:
            array = np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
        except ValueError as exc:
            raise ModelFileError(f"{path} holds an array skact does not load "
                                 f"(arrays/{name}.npy: {exc})") from None
        if array.dtype.kind not in "biufc":
            raise ModelFileError(f"{path} holds an array of dtype {array.dtype}, which skact "
                                 "does not load")
        arrays[name] = array
    try:
        decoder = Decoder(arrays)
        metadata = decoder.decode(header.get("metadata", {}))
        if not isinstance(metadata, dict):
            raise ValueError("its metadata is not a dict")
        return decoder.decode(header.get("model")), metadata
    except ModelFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever the data breaks, the file is at fault
        reason = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise ModelFileError(f"{path} cannot be loaded: {reason}") from None
