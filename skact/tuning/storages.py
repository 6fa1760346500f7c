"""Optuna storages that survive shared use: journal files and databases, opened safely.

:func:`make_storage` (in :mod:`skact.tuning.study`) turns ``--storage`` into an Optuna
storage:

- a path is a journal file (:func:`journal_storage`, here): writes are serialised by an
  ``flock`` on ``<journal>.flock``, which the kernel releases when a worker dies, so a killed
  worker never leaves a lock that stalls the others; a write that fails (a full disk) is cut
  back to the last complete line, and a journal that already ends in a half-written line, or
  holds one glued to the next record, is repaired when it is opened;
- a URL is a database (:mod:`skact.tuning.databases`).

What a failure of either says is :mod:`skact.tuning.storage_errors` (its names are
re-exported here).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import threading
import time
from pathlib import Path

from skact.tuning.storage_errors import (  # noqa: F401 - re-exported
    is_storage_failure,
    mask_url,
    scrub,
    storage_error,
    storage_failure,
    url_secrets,
)


class FlockLock:
    """An exclusive ``flock`` on ``<path>.flock``, for Optuna's journal file backend.

    Unlike Optuna's symlink and open-file locks, it cannot go stale: the kernel drops it when
    its holder dies (kill -9, out of memory), so no worker ever waits out a dead one. Needs a
    local file system (one host; use a database across hosts).
    """

    def __init__(self, path: str):
        self.path = f"{path}.flock"
        self._fd = None
        self._threads = threading.Lock()  # flock is per open file: serialise threads here

    def acquire(self) -> bool:
        import fcntl

        self._threads.acquire()
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                raise
        except BaseException:
            self._threads.release()
            raise
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        try:
            if fd is not None:
                os.close(fd)  # closing the only descriptor drops the flock
        finally:
            self._threads.release()


@functools.lru_cache(maxsize=1)
def _backend_class():
    """Optuna's ``JournalFileBackend`` with appends that never leave half a record.

    ``append_logs`` is the backend's public method; the path and lock it writes with are
    kept here rather than read back from the parent's private attributes."""
    from optuna.storages.journal import JournalFileBackend

    class SafeJournalBackend(JournalFileBackend):
        def __init__(self, file_path, lock_obj):
            super().__init__(file_path, lock_obj=lock_obj)
            self.journal_path, self.journal_lock = file_path, lock_obj

        def append_logs(self, logs):
            data = "".join(json.dumps(log, separators=(",", ":")) + "\n" for log in logs)
            with get_lock(self.journal_lock):
                _append_whole(self.journal_path, data.encode("utf-8"))

    return SafeJournalBackend


@contextlib.contextmanager
def get_lock(lock):
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _append_whole(path: str, data: bytes) -> None:
    """Append ``data`` (whole lines) to the journal, or nothing: a failed write (ENOSPC) is
    cut back to where the file ended, so no reader ever sees half a record."""
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        end = os.fstat(fd).st_size
        if end and _last_byte(fd, end) != b"\n":
            os.ftruncate(fd, end := _last_line_end(path, end))
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, end)
            raise
    finally:
        os.close(fd)


def _last_byte(fd: int, size: int) -> bytes:
    return os.pread(fd, 1, size - 1)


def _last_line_end(path: str, size: int) -> int:
    """Offset just after the last newline before ``size``."""
    with open(path, "rb") as fh:
        pos = size
        while pos > 0:
            start = max(0, pos - 65536)
            fh.seek(start)
            block = fh.read(pos - start)
            i = block.rfind(b"\n")
            if i >= 0:
                return start + i + 1
            pos = start
    return 0


def repair_journal(path: str) -> list[str]:
    """Make an Optuna journal readable again; call it holding the journal's lock.

    A half-written last line (a full disk, a kill mid-write) is cut off. A record that a
    later write was glued to (``{"op_code":..{"op_code":...}``, what Optuna's own backend
    leaves after a failed write) keeps the complete record at its end; a line with no
    complete record is dropped. The original is kept as ``<journal>.corrupt-<time>`` when
    anything but the last line changes. Returns notes on what was done.
    """
    p = Path(path)
    if not p.exists() or p.stat().st_size == 0:
        return []
    raw = p.read_bytes()
    notes = []
    if not raw.endswith(b"\n"):
        cut = raw.rfind(b"\n") + 1
        os.truncate(path, cut)
        notes.append(f"cut a half-written last record ({len(raw) - cut} bytes) off {path}")
        raw = raw[:cut]
    lines = raw.split(b"\n")[:-1]
    fixed, changed = [], False
    for line in lines:
        if _is_record(line):
            fixed.append(line)
            continue
        changed = True
        start = line.rfind(b'{"op_code"')
        if start > 0 and _is_record(line[start:]):
            fixed.append(line[start:])
    if changed:
        backup = f"{path}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}"
        Path(backup).write_bytes(raw)
        tmp = f"{path}.repair-{os.getpid()}"
        Path(tmp).write_bytes(b"".join(line + b"\n" for line in fixed))
        os.replace(tmp, path)
        notes.append(f"repaired {len(lines) - len(fixed) or 'damaged'} records of {path}; "
                     f"the original is {backup}")
    return notes


def _is_record(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def journal_storage(path: str, gate=None, notes: list | None = None):
    """An Optuna ``JournalStorage`` on ``path`` (created if missing), see the module doc;
    ``gate(lock)`` wraps its lock; what a repair did is appended to ``notes``."""
    from optuna.storages import JournalStorage

    p = Path(path)
    if p.parent != Path(""):
        p.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl  # noqa: F401 - POSIX only
    except ImportError:  # Windows: Optuna's own lock (which a killed worker can leave)
        from optuna.storages.journal import JournalFileOpenLock

        lock = JournalFileOpenLock(str(p))
    else:
        lock = FlockLock(str(p))
    if gate is not None:
        lock = gate(lock)
    with get_lock(lock):
        done = repair_journal(str(p))
    if notes is not None:
        notes.extend(done)
    return JournalStorage(_backend_class()(str(p), lock_obj=lock))
