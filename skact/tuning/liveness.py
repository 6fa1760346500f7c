"""Whether any other worker of a study stored in a local file is alive, whatever the file
holds.

A trial records its worker (host, pid) as the first thing it does; a later run fails the
trials whose worker is gone (:func:`skact.tuning.study.fail_dead_workers_trials`). A
trial that could not record even that (the disk filled up just as it started) names no
worker, and would stay RUNNING for ever. So every worker of a study kept in a local file (a
journal, an SQLite database: one host) also holds a shared ``flock`` on ``<file>.alive``
for as long as it lives; the kernel drops it when the process ends, however it ends. A run
that can take the lock exclusively, when it joins, is the only live worker: every trial
still RUNNING is then dead, with or without a worker recorded. It fails them while it
holds the lock, so no worker can start a trial meanwhile.

A database server shared by many hosts has no such file: Optuna's heartbeat covers it.
"""

from __future__ import annotations

import contextlib
import os

__all__ = ["joining"]

#: ``<file>.alive`` descriptors this process holds (shared) until it exits.
_HELD: dict[str, int] = {}


def _local_file(storage: str | None) -> str | None:
    """The file a storage lives in when it is one host's: a journal or an SQLite file."""
    if not storage:
        return None
    if "://" not in storage:
        return os.path.abspath(storage)
    if storage.startswith("sqlite"):
        from skact.tuning.databases import _sqlite_file

        path = _sqlite_file(storage)
        return os.path.abspath(path) if path else None
    return None


@contextlib.contextmanager
def joining(storage: str | None):
    """Join the live workers of ``storage``; yields whether this process is the only one
    (then the caller may fail every RUNNING trial: no other worker can start one until the
    block ends). Yields ``False`` where that cannot be known: a database server, a platform
    without ``flock``, or a storage this process has joined before."""
    path = _local_file(storage)
    try:
        import fcntl
    except ImportError:  # Windows
        path = None
    if path is None or path in _HELD:
        yield False
        return
    try:
        fd = os.open(f"{path}.alive", os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:  # a read-only folder: the storage itself says what is wrong
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            alone = True
        except BlockingIOError:
            alone = False
        yield alone
        # from now on a live worker: shared with the others (waits while one is joining)
        fcntl.flock(fd, fcntl.LOCK_SH)
    except BaseException:
        os.close(fd)
        raise
    _HELD[path] = fd
