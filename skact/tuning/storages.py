"""Optuna storages that survive shared use: journal files and databases, opened safely.

:func:`make_storage` turns ``--storage`` into an Optuna storage:

- a path is a journal file (:func:`journal_storage`): writes are serialised by an
  ``flock`` on ``<journal>.flock``, which the kernel releases when a worker dies, so a killed
  worker never leaves a lock that stalls the others; a write that fails (a full disk) is cut
  back to the last complete line, and a journal that already ends in a half-written line, or
  holds one glued to the next record, is repaired when it is opened;
- a URL is a database (:class:`optuna.storages.RDBStorage`) with Optuna's heartbeat, so the
  trials of workers that died on other hosts are failed; creating its tables is serialised
  (a file lock for SQLite, retries for servers), so workers started at the same instant on a
  fresh database do not kill each other.

:func:`mask_url` hides every secret a URL can carry (user name and password, secret query
parameters, a raw ``@`` inside a password) in messages and files.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import random
import re
import threading
import time
import warnings
from pathlib import Path

from skact.exceptions import StudyError

#: Query parameters whose values may be shown; every other value is hidden.
_HARMLESS_QUERY_KEYS = frozenset({
    "sslmode", "connect_timeout", "application_name", "charset", "target_session_attrs",
    "timeout", "driver", "options",
})

_DRIVERS = {  # the module a URL scheme needs -> what to install
    "psycopg": "pip install 'skact[postgres]' (psycopg 3)",
    "psycopg2": "pip install psycopg2-binary",
    "pymysql": "pip install pymysql",
    "MySQLdb": "pip install mysqlclient",
}


def mask_url(url: str | None) -> str | None:
    """Hide the secrets of a database URL: its user-info and its query values.

    Everything between ``://`` and the last ``@`` is hidden (a password holding a raw ``@``
    too); so is every query value but a few harmless ones such as ``sslmode``. A journal
    path is returned as it is.

    Examples
    --------
    >>> mask_url("postgresql://me:secret@db.example.org/optuna")
    'postgresql://***@db.example.org/optuna'
    >>> mask_url("postgresql+psycopg2://me@db/optuna?password=secret&sslmode=require")
    'postgresql+psycopg2://***@db/optuna?password=***&sslmode=require'
    >>> mask_url("postgresql://me:p@ss@db/optuna")
    'postgresql://***@db/optuna'
    """
    if url is None:
        return None
    url = str(url)
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url

    def hide_value(match):
        key = match.group(2)
        shown = key.lower() in _HARMLESS_QUERY_KEYS
        return f"{match.group(1)}{key}={match.group(3) if shown else '***'}"

    # query values first: one holding an '@' must not be taken for the end of the user-info
    rest = re.sub(r"([?&])([^=&?]*)=([^&]*)", hide_value, rest)
    if "@" in rest:
        rest = "***" + rest[rest.rfind("@"):]
    return f"{scheme}://{rest}"


def url_secrets(url: str) -> list[str]:
    """The secrets of a URL as they may appear in a driver's message (password, user-info,
    secret query values), longest first, for :func:`scrub`."""
    from urllib.parse import unquote

    found = set()
    rest = url.partition("://")[2]
    authority = rest.split("/", 1)[0]
    if "@" in rest:
        userinfo = rest[: rest.rfind("@")]
        user, _, password = userinfo.partition(":")
        found.update({userinfo, password})
        if len(user) >= 3:  # a driver's "authentication failed for user ..." names it
            found.add(user)
    if "@" in authority:
        found.add(authority[: authority.rfind("@")].partition(":")[2])
    for key, value in re.findall(r"[?&]([^=&?]*)=([^&]*)", rest):
        if key.lower() not in _HARMLESS_QUERY_KEYS:
            found.add(value)
    found |= {unquote(s) for s in found}
    return sorted((s for s in found if len(s) >= 2), key=len, reverse=True)


def scrub(text: str, url: str | None) -> str:
    """``text`` (a driver's error message) with the URL and its secrets replaced by ``***``."""
    if not url or "://" not in str(url):
        return text
    text = text.replace(str(url), mask_url(url))
    for secret in url_secrets(str(url)):
        text = text.replace(secret, "***")
    return text


def is_storage_failure(exc: BaseException) -> bool:
    """An error of the storage rather than of a trial: an OSError (disk full, I/O), a
    database error, or the assertion Optuna's journal storage fails after a lost write."""
    if isinstance(exc, OSError) or type(exc).__module__.startswith("sqlalchemy"):
        return True
    return isinstance(exc, AssertionError) and "Should not reach" in str(exc)


def storage_error(url: str | None, doing: str, exc: BaseException) -> StudyError:
    """One line for a storage failure: what was being done, where, and the cause, with no
    secret from the URL; a missing driver module or a full disk is named with its fix."""
    where = mask_url(url) if url else "memory"
    while isinstance(exc, AssertionError) and exc.__context__ is not None:
        exc = exc.__context__  # Optuna's "Should not reach." after the storage failed
    missing = _missing_module(exc)
    if missing is not None:
        exc = missing
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        fix = _DRIVERS.get(exc.name.split(".")[0], f"pip install {exc.name.split('.')[0]}")
        return StudyError(
            f"storage {where} needs the database driver module {exc.name!r}, which is not "
            f"installed: {fix}"
        )
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StudyError(
            f"no space left on the device of storage {where} (trying to {doing}); free some "
            "space and run again: the trials that finished are kept"
        )
    if type(exc).__name__ == "NoSuchModuleError":  # sqlalchemy: no dialect for the scheme
        return StudyError(
            f"storage {where}: no database driver is known for "
            f"{str(url).split('://')[0]!r}; use a URL such as postgresql://..., "
            "mysql+pymysql://... or sqlite:///file.db, or a journal file path"
        )
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    # sqlalchemy repeats the driver's exception name: "(psycopg.OperationalError) ..."
    first = re.sub(r"^\([\w.]+\) ", "", first)
    detail = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    hint = ""
    if type(exc).__name__ == "OperationalError" and not str(url).startswith("sqlite"):
        hint = ("; check that the database server is running and reachable, and the host, "
                "port, user, password and database name in the URL")
    return StudyError(scrub(f"cannot {doing} in {where}: {detail}{hint}", url))


def _missing_module(exc: BaseException | None) -> ModuleNotFoundError | None:
    """The ModuleNotFoundError behind ``exc`` (Optuna hides it behind its own ImportError)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, ModuleNotFoundError) and exc.name:
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


# -- journal files ---------------------------------------------------------------------------
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


# -- databases -------------------------------------------------------------------------------
#: Seconds between a running trial's heartbeats, and without one before it counts as dead.
HEARTBEAT_INTERVAL = 60
GRACE_PERIOD = 180

_CREATION_RACE = re.compile(
    r"already exists|duplicate key|unique constraint|database is locked|deadlock", re.I
)


def rdb_storage(url: str, heartbeat_interval=HEARTBEAT_INTERVAL, grace_period=GRACE_PERIOD):
    """An Optuna ``RDBStorage`` with the heartbeat on, created safely by simultaneous workers.

    Creating Optuna's tables is not safe to race: workers started at the same instant on a
    fresh database fail with "table studies already exists" (SQLite) or a duplicate key in
    ``pg_type`` (PostgreSQL). An SQLite file is created under a file lock; on a server, a
    creation that lost the race is retried (it then finds the tables).
    """
    from optuna.storages import RDBStorage

    if re.fullmatch(r"[^:/?#]+://[^/?#]*@[^/?#]*@.*", url):
        raise StudyError(
            f"the storage URL {mask_url(url)} has a raw '@' in its user name or password; "
            "write it as %40 (p@ss becomes p%40ss)"
        )
    sqlite = url.startswith("sqlite")
    engine_kwargs = {"connect_args": {"timeout": 60}} if sqlite else {"pool_pre_ping": True}

    def create():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # heartbeat_interval is "experimental"
            return RDBStorage(url, engine_kwargs=engine_kwargs,
                              heartbeat_interval=heartbeat_interval, grace_period=grace_period)

    db_file = _sqlite_file(url) if sqlite else None
    if db_file is not None:
        with get_lock(FlockLock(db_file)):
            return create()
    return join_race(create, attempts=8, lost_race=lambda exc: _CREATION_RACE.search(str(exc)),
                     pause=lambda attempt: random.uniform(0.1, 0.5) * (attempt + 1))


def join_race(make, *, attempts, lost_race, pause):
    """``make()``, tried again while it fails because a worker that started at the same
    instant created the same thing first (``lost_race(exc)``): the next try finds it.
    Waits ``pause(attempt)`` seconds between tries; the last failure propagates."""
    for attempt in range(attempts):
        try:
            return make()
        except Exception as exc:
            if attempt == attempts - 1 or not lost_race(exc):
                raise
            time.sleep(pause(attempt))
    raise AssertionError("unreachable")


def _sqlite_file(url: str) -> str | None:
    """The database file of an ``sqlite:///path`` URL (its folder created); ``None`` for an
    in-memory database."""
    from sqlalchemy.engine import make_url

    path = make_url(url).database
    if not path or path == ":memory:":
        return None
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return path
