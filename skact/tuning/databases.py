"""Optuna's database storages (``--storage postgresql://...``, ``sqlite:///...``), opened safely.

:func:`rdb_storage` builds an :class:`optuna.storages.RDBStorage` that:

- is created safely by workers started at the same instant on a fresh database (a file lock
  for SQLite, retries for servers: :func:`join_race`);
- lets one worker only take each queued trial on SQLite too, which cannot lock a row (the
  same file lock);
- gives up connecting after :data:`CONNECT_TIMEOUT` seconds unless the URL sets its own
  ``connect_timeout``, so a server that accepts connections but never answers is one line,
  not a hang;
- keeps Optuna's heartbeat (the trials of workers that died on other hosts are failed after
  :data:`GRACE_PERIOD` seconds) but makes it survive an outage: a heartbeat the database
  misses is tried again at the next interval, quietly, instead of printing a traceback from
  Optuna's heartbeat thread and ending that trial's heartbeats for good. A trial is failed
  only when the database stays away: its next write (an epoch's score, its end) fails and
  the run ends with one line; other workers fail it once its heartbeat is older than the
  grace period.
"""

from __future__ import annotations

import functools
import random
import re
import time
import warnings
from pathlib import Path

from skact.exceptions import StudyError
from skact.tuning.storage_errors import mask_url
from skact.tuning.storages import FlockLock, get_lock

#: Seconds a connection to a database server may take before it fails (libpq's and the
#: MySQL drivers' ``connect_timeout``), unless the URL sets one.
CONNECT_TIMEOUT = 5

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
    if re.fullmatch(r"[^:/?#]+://[^/?#]*@[^/?#]*@.*", url):
        raise StudyError(
            f"the storage URL {mask_url(url)} has a raw '@' in its user name or password; "
            "write it as %40 (p@ss becomes p%40ss)"
        )
    sqlite = url.startswith("sqlite")
    engine_kwargs = {"connect_args": {"timeout": 60}} if sqlite else {"pool_pre_ping": True}
    if not sqlite and "connect_timeout" not in url.partition("?")[2]:
        engine_kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT}

    def create():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # heartbeat_interval is "experimental"
            return _storage_class()(
                url, engine_kwargs=engine_kwargs, heartbeat_interval=heartbeat_interval,
                grace_period=grace_period)

    db_file = _sqlite_file(url) if sqlite else None
    if db_file is not None:
        with get_lock(FlockLock(db_file)):
            storage = create()
        storage.queue_lock_file = db_file
        return storage
    return join_race(create, attempts=8, lost_race=lambda exc: _CREATION_RACE.search(str(exc)),
                     pause=lambda attempt: random.uniform(0.1, 0.5) * (attempt + 1))


@functools.lru_cache(maxsize=1)
def _storage_class():
    """Optuna's ``RDBStorage`` with a heartbeat that outlives an outage (module doc).

    ``record_heartbeat`` is the storage's public method, which Optuna's heartbeat thread
    calls every ``heartbeat_interval`` seconds while a trial runs."""
    from optuna.storages import RDBStorage

    class SteadyHeartbeatStorage(RDBStorage):
        #: Heartbeats the database missed (an outage), for the tests.
        missed_heartbeats = 0
        #: SQLite: the database file, whose file lock makes taking a queued trial atomic.
        queue_lock_file = None

        def set_trial_state_values(self, trial_id, state, values=None) -> bool:
            # Taking a queued trial (WAITING -> RUNNING) is Optuna's read-check-write of its
            # row under SELECT ... FOR UPDATE, which SQLite ignores: two workers started
            # together could both take one queued trial, and the second's result then
            # failed its run ("Cannot tell a COMPLETE trial"). A file lock makes it atomic.
            from optuna.trial import TrialState

            if self.queue_lock_file is None or state != TrialState.RUNNING:
                return super().set_trial_state_values(trial_id, state, values)
            with get_lock(FlockLock(self.queue_lock_file)):  # one per call: threads too
                return super().set_trial_state_values(trial_id, state, values)

        def record_heartbeat(self, trial_id: int) -> None:
            try:
                super().record_heartbeat(trial_id)
            except Exception:  # noqa: BLE001 - the next beat retries; the pool reconnects
                self.missed_heartbeats += 1

    return SteadyHeartbeatStorage


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
