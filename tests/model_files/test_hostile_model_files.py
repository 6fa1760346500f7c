"""Model files crafted to use memory: refused with one line naming the file, before they
are unpacked or allocated.

Each file is a working model file edited as an attacker would (the checksum, a plain
SHA-256, recomputed): a zip bomb, a padded description, a huge text dtype, layer sizes far
beyond the saved weights, an array header declaring 800 GB. One subprocess loads them all
and reports the growth of its peak memory (``ru_maxrss``) after each.
"""

import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import test_model_files
from test_model_files import _entries, _one_line_error, _predict, _rewrite

from skact.model_files.format import MANIFEST

pytestmark = [pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KiB"),
              pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")]

MiB = 1 << 20
run_dir = test_model_files.run_dir  # the fixture: a run folder as skact tune leaves it


def _npy_header(shape, dtype="<f4"):
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": dtype, "fortran_order": False, "shape": tuple(shape)})
    return buffer.getvalue()


def _write_with_big_entry(path, name, head, n_zeros, tail=b""):
    """``path`` with entry ``name`` replaced by ``head`` + ``n_zeros`` zero (or space) bytes
    + ``tail``, written a mebibyte at a time (a few megabytes on disk)."""
    files = _entries(path)
    filler = b" " if name == MANIFEST else b"\0"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for other, data in files.items():
            if other != name:
                zf.writestr(other, data)
        with zf.open(name, "w", force_zip64=True) as fh:
            fh.write(head)
            block = filler * MiB
            for _ in range(n_zeros // MiB):
                fh.write(block)
            fh.write(tail)


def _edit_first(node, key, value):
    """Set the first ``key`` found in nested JSON ``node`` to ``value``; True if found."""
    if isinstance(node, dict):
        if key in node:
            node[key] = value
            return True
        return any(_edit_first(v, key, value) for v in node.values())
    if isinstance(node, list):
        return any(_edit_first(v, key, value) for v in node)
    return False


def _huge_text_dtype(header):
    def edit(node):
        if isinstance(node, dict):
            if "__ndarray__" in node:
                node["__ndarray__"][0] = "<U300000000"
                return True
            return any(edit(v) for v in node.values())
        return isinstance(node, list) and any(edit(v) for v in node)

    assert edit(header["model"])


def _craft(kind, path):
    if kind == "zip bomb":  # 512 MiB of zeros in about half a megabyte
        n = 512 * MiB
        _rewrite(path, edit_header=lambda h: h["arrays"]["0"].update(
            dtype="<f4", shape=[n // 4]))
        _write_with_big_entry(path, "arrays/0.npy", _npy_header((n // 4,)), n)
    elif kind == "padded description":  # the JSON, then 64 MiB of spaces
        manifest = _entries(path)[MANIFEST]
        _write_with_big_entry(path, MANIFEST, manifest, 64 * MiB)
    elif kind == "huge text dtype":
        _rewrite(path, edit_header=_huge_text_dtype)
    elif kind == "layers far beyond the weights":
        _rewrite(path, edit_header=lambda h: _edit_first(
            h["model"], "hidden_layer_sizes", {"__tuple__": [20000, 20000]}) or 1 / 0)
    elif kind == "npy declaring 800 GB":
        shape = (200_000_000_000,)
        _rewrite(path, edit_header=lambda h: h["arrays"]["0"].update(dtype="<f4",
                                                                     shape=list(shape)),
                 entries={"arrays/0.npy": _npy_header(shape) + b"\0" * 64})


KINDS = {
    "zip bomb": "more than 100 times its size",
    "padded description": "skact-model.json holds 64.0 MiB",
    "huge text dtype": "takes 1200000000 bytes per value",
    "layers far beyond the weights": "need at least 400",
    "npy declaring 800 GB": "declares 745.1 GiB of data",
}

LOADER = """
import json, resource, sys
import skact
from skact.exceptions import ModelFileError

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

skact.load(sys.argv[1])  # a good file: what loading itself costs is in the baseline
base, out = peak(), {}
for path in sys.argv[2:]:
    try:
        skact.load(path)
        message = None
    except ModelFileError as exc:
        message = str(exc)
    out[path] = {"message": message, "growth_mb": peak() - base}
print(json.dumps(out))
"""


def test_crafted_files_are_refused_before_they_use_memory(run_dir, tmp_path):
    run, _, _ = run_dir
    good = run / "model.skact"
    crafted = {}
    for i, kind in enumerate(KINDS):
        path = tmp_path / f"crafted-{i}.skact"
        path.write_bytes(good.read_bytes())
        _craft(kind, path)
        assert path.stat().st_size < 8 * MiB
        crafted[kind] = path
    proc = subprocess.run([sys.executable, "-c", LOADER, str(good),
                           *map(str, crafted.values())],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    for kind, path in crafted.items():
        result = report[str(path)]
        message = result["message"]
        assert message is not None, f"{kind}: loaded"
        assert str(path) in message and "\n" not in message, message
        assert KINDS[kind] in message, message
        assert result["growth_mb"] < 100, f"{kind}: {result['growth_mb']:.0f} MB ({message})"
        print(f"{kind}: {path.stat().st_size / MiB:.1f} MiB file, peak memory +"
              f"{result['growth_mb']:.0f} MB")


def test_predict_refuses_a_crafted_file_with_one_line(run_dir, tmp_path):
    run, _, _ = run_dir
    _craft("npy declaring 800 GB", run / "model.skact")
    _one_line_error(_predict(run, tmp_path / "new.csv"), "declares 745.1 GiB of data")
