"""Writing a file atomically, so an interrupted run never leaves half of one behind.

Every file skact writes (trials.csv, summary.json, model files, comparison tables, plots)
goes through :func:`write_atomic`.
"""

from __future__ import annotations

import contextlib
import functools
import glob
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
    (``0o666`` less the umask), not ``mkstemp``'s private ``0o600``. A symbolic link is
    written through (its target is replaced, the link stays), and a path that is not a
    regular file (``/dev/stdout``, a named pipe) is written directly, since renaming over it
    would replace the device. Temporary files that a killed process (kill -9) left next to
    ``path`` are removed. A path that cannot be written is a :class:`SkactError` naming it.
    """
    path = Path(path)
    if path.exists() and not path.is_file() and not path.is_dir():  # links followed
        return _write_special(path, write, mode)
    if path.is_symlink():  # to a regular file, or dangling: replace (or create) the target
        path = Path(os.path.realpath(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_orphans(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp",
                                   dir=path.parent)
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


def _write_special(path: Path, write, mode: str) -> Path:
    """Write straight into a device or named pipe (there is nothing to rename over)."""
    kwargs = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
    try:
        with open(path, mode, **kwargs) as fh:
            write(fh)
    except OSError as exc:
        raise SkactError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def _remove_orphans(path: Path) -> None:
    """Remove ``.<name>.<pid>.*.tmp`` files next to ``path`` whose writer is gone (no such
    process, and untouched for a minute: a writer on another host sharing the folder is
    not to be robbed of its file)."""
    import time

    import psutil

    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        pid = tmp.name[len(path.name) + 2:].split(".", 1)[0]
        with contextlib.suppress(OSError):
            if (pid.isdigit() and not psutil.pid_exists(int(pid))
                    and time.time() - tmp.stat().st_mtime > 60):
                tmp.unlink()


@functools.lru_cache(maxsize=1)
def _umask() -> int:
    """The process umask, read once (reading it means setting it, briefly)."""
    current = os.umask(0)
    os.umask(current)
    return current
