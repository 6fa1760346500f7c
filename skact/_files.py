"""Writing a file atomically, so an interrupted run never leaves half of one behind.

Every file skact writes (trials.csv, summary.json, model files, comparison tables, plots)
goes through :func:`write_atomic`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from skact.exceptions import SkactError

__all__ = ["write_atomic"]


def write_atomic(path: str | os.PathLike, write: Callable[[Any], None], mode: str = "w"):
    """Call ``write(fileobj)`` on a temporary file next to ``path``, then rename it.

    The rename (``os.replace``) is atomic, so readers and interrupted runs see either the old
    file or the complete new one, never a partial file. The file gets the usual permissions
    (``0o666`` less the umask), not ``mkstemp``'s private ``0o600``. A path that cannot be
    written is a :class:`SkactError` naming it.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise SkactError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        kwargs = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
        with os.fdopen(fd, mode, **kwargs) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise SkactError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise
    return path


@functools.lru_cache(maxsize=1)
def _umask() -> int:
    """The process umask, read once (reading it means setting it, briefly)."""
    current = os.umask(0)
    os.umask(current)
    return current
