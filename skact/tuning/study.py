"""Optuna studies: creating or joining one, and keeping it safe from Ctrl-C, SIGTERM and
dead workers.

:func:`open_study` creates or joins a study in memory, in a journal file or in a database
(:func:`make_storage`, built by :mod:`skact.tuning.storages`), refuses one created by an
incompatible run, and fails the trials that workers which died on this host left RUNNING
(each trial records its worker's host, pid and start time: :func:`worker_identity`).
Optuna's bookkeeping is not interrupt-safe, so :data:`CTRL_C` (one :class:`DeferredCtrlC` for
the whole process, from :mod:`skact.engine.interrupt`) holds SIGINT and SIGTERM through it, and
:class:`InterruptSafeLock` through the journal file lock.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from skact.engine.interrupt import CTRL_C, DeferredCtrlC
from skact.exceptions import Message, StudyError, param
from skact.tuning.databases import GRACE_PERIOD, HEARTBEAT_INTERVAL, join_race, rdb_storage
from skact.tuning.liveness import joining
from skact.tuning.storages import is_storage_failure, journal_storage, mask_url, storage_error

__all__ = ["CTRL_C", "DeferredCtrlC", "InterruptSafeLock", "OptunaSettings", "enqueue_trials",
           "make_storage", "mask_url", "open_study", "worker_identity"]




class InterruptSafeLock:
    """Wrap an Optuna journal file lock so Ctrl-C cannot land while it is held: the
    interrupt waits until the lock is released (see :class:`DeferredCtrlC`)."""

    def __init__(self, inner, gate: DeferredCtrlC = CTRL_C):
        self.inner = inner
        self.gate = gate

    def acquire(self) -> bool:
        self.gate.hold()
        try:
            return self.inner.acquire()
        except BaseException:
            self.gate.release()
            raise

    def release(self) -> None:
        try:
            self.inner.release()
        finally:
            self.gate.release()


def make_storage(storage: str | None, heartbeat_interval=HEARTBEAT_INTERVAL,
                 grace_period=GRACE_PERIOD, notes: list | None = None):
    """``None`` (in memory), an RDB URL (``sqlite:///x.db``, ``postgresql://...``) or a path
    to an Optuna journal file (created if missing); see :mod:`skact.tuning.storages`."""
    if storage is None:
        return None
    try:
        if "://" in storage:
            return rdb_storage(storage, heartbeat_interval, grace_period)
        return journal_storage(storage, gate=InterruptSafeLock, notes=notes)
    except (KeyboardInterrupt, StudyError):
        raise
    except Exception as exc:
        raise storage_error(storage, "open the storage", exc) from None


@dataclass
class OptunaSettings:
    """Where and how the study runs."""

    storage: str | None = None
    study_name: str | None = None
    seed: int | None = 0
    pruner_startup_trials: int = 5
    pruner_warmup_steps: int = 3
    #: An Optuna pruner replacing the default ``MedianPruner``.
    pruner: Any = None
    #: Database storages: seconds between a running trial's heartbeats, and without one
    #: before another worker fails the trial as abandoned (its worker died on another host).
    heartbeat_interval: int = HEARTBEAT_INTERVAL
    grace_period: int = GRACE_PERIOD
    #: ((storage, heartbeat_interval, grace_period), the storage opened for them, and the
    #: notes on what opening it did)
    _opened: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def open_storage(self, notes: list | None = None):
        """The Optuna storage for :attr:`storage` (:func:`make_storage`), opened on the first
        call and kept for the study (opened again if the settings have changed since).
        Calling it early reports a database that cannot be reached, a missing driver or a
        journal that cannot be written before the search's heavy imports (torch) are paid.
        What opening did (a journal repaired) is appended to ``notes``, by every call, so
        the study's own call reports it even when an earlier one opened the storage."""
        key = (self.storage, self.heartbeat_interval, self.grace_period)
        if self._opened is None or self._opened[0] != key:
            done: list[str] = []
            self._opened = (key, make_storage(*key, notes=done), done)
        if notes is not None:
            notes.extend(self._opened[2])
        return self._opened[1]


def open_study(settings: OptunaSettings, study_name: str, attrs: Mapping,
               notes: list | None = None):
    """Create or load the study (``load_if_exists``), seeded, with a MedianPruner.

    ``attrs`` (task, target, scoring, model, space) are stored in the study; an existing study
    created with different ones is refused so two incompatible runs cannot mix scores.
    Workers that start at the same instant all join the one study. Trials left RUNNING by
    workers that died on this host are failed (:func:`fail_dead_workers_trials`); what that
    and a journal repair did is appended to ``notes``.

    With a persistent storage the sampler seed also mixes in the number of trials already in
    the study and the process id, so resumed runs and parallel workers do not re-sample the
    same points. Runs without ``--storage`` use exactly ``seed`` and are reproducible.
    """
    import optuna

    notes = [] if notes is None else notes
    storage = settings.open_storage(notes)
    pruner = settings.pruner or optuna.pruners.MedianPruner(
        n_startup_trials=settings.pruner_startup_trials,
        n_warmup_steps=settings.pruner_warmup_steps,
    )
    attrs = json.loads(json.dumps(dict(attrs), default=str))
    def create():
        study = optuna.create_study(storage=storage, study_name=study_name,
                                    direction="maximize", pruner=pruner, load_if_exists=True)
        existing = study.user_attrs.get("skact")
        if existing is None:
            study.set_user_attr("skact", attrs)
        return study, existing

    # on a server, a worker that started at the same instant may create the study or its
    # attributes first (a duplicate key): the next try joins what it made. Any server error
    # but skact's own is retried (a few seconds in all), as the message of a lost race
    # differs between databases and drivers
    on_server = "://" in str(settings.storage)
    try:
        study, existing = join_race(
            create, attempts=5, pause=lambda attempt: 0.2 * (attempt + 1),
            lost_race=lambda exc: on_server and not isinstance(exc, StudyError))
    except StudyError:
        raise
    except Exception as exc:
        raise storage_error(settings.storage, f"open study {study_name!r}", exc) from None

    if existing is not None and existing != attrs:
        diffs = [
            f"{k}: study has {existing.get(k)!r}, this run {attrs.get(k)!r}"
            for k in sorted(set(existing) | set(attrs))
            if existing.get(k) != attrs.get(k) and k != "space"
        ]
        if existing.get("space") != attrs.get("space"):
            diffs.append("the search space differs")
        raise StudyError(Message(
            f"study {study_name!r} in {mask_url(settings.storage)} was created by a different "
            f"run ({'; '.join(diffs)}); use another ", param("study_name")))

    seed = settings.seed
    if settings.storage is not None:
        with joining(settings.storage) as alone:
            n_failed = fail_dead_workers_trials(study, storage, everyone_gone=alone)
        if n_failed:
            notes.append(
                f"marked {n_failed} trial{'s' if n_failed > 1 else ''} failed: left running "
                "by a worker on this host that is gone (killed?)"
            )
        if seed is not None:
            n_existing = len(study.get_trials(deepcopy=False))
            seed = (seed * 1_000_003 + n_existing * 7919 + os.getpid()) % (2**31)
    study.sampler = optuna.samplers.TPESampler(seed=seed)
    return study


def worker_identity() -> dict:
    """This process as a trial's user attribute ``worker``: host, pid and the process's
    start time (so that a pid reused by another process is not taken for this one)."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "started": _start_time(os.getpid())}


def _start_time(pid: int) -> float | None:
    import psutil

    try:
        return round(psutil.Process(pid).create_time(), 2)
    except (psutil.Error, OSError):
        return None


def _is_dead(worker) -> bool:
    """Whether the worker of a trial (its ``worker`` attribute) is known to be gone: it ran on
    this host and its process no longer exists (or the pid is another process now). A worker
    on another host is left to the database heartbeat."""
    if not isinstance(worker, dict) or worker.get("host") != socket.gethostname():
        return False
    pid = worker.get("pid")
    if not isinstance(pid, int) or pid == os.getpid():
        return False
    started = _start_time(pid)
    return started is None or (worker.get("started") is not None
                               and abs(started - worker["started"]) > 1.0)


def fail_dead_workers_trials(study, storage, everyone_gone: bool = False) -> int:
    """Mark FAIL the RUNNING trials whose worker died on this host (kill -9, out of memory),
    with an ``error`` saying so; returns how many. Trials of live workers, and of workers on
    other hosts, are left alone. ``storage``: the study's storage object (Optuna's public
    storage calls find a trial by study name and number). ``everyone_gone``: no other worker
    of this one-host storage is alive (:func:`skact.tuning.liveness.joining`), so every
    RUNNING trial is dead, also one whose worker could not record itself (a full disk)."""
    from optuna.exceptions import UpdateFinishedTrialError
    from optuna.trial import TrialState

    n = 0
    study_id = None
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        worker = trial.user_attrs.get("worker")
        if not (everyone_gone or _is_dead(worker)):
            continue
        if study_id is None:
            study_id = storage.get_study_id_from_name(study.study_name)
        trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, trial.number)
        with CTRL_C.held():
            try:
                who = (f"its worker (pid {worker.get('pid')} on {worker.get('host')})"
                       if isinstance(worker, dict) else "its worker")
                storage.set_trial_user_attr(trial_id, "error", f"{who} died while it ran")
                storage.set_trial_state_values(trial_id, state=TrialState.FAIL)
                n += 1
            except UpdateFinishedTrialError:
                pass  # another worker got there first
    return n


def enqueue_trials(study, trials: list[dict], storage: str | None = None) -> None:
    """Queue ``trials`` (parameter dicts) to run first.

    A trial whose parameters the study already holds (done, running or queued, e.g. by an
    earlier run or another worker) is skipped, so resuming a study or starting several
    workers on one does not repeat them. Ctrl-C is held through it (Optuna's bookkeeping).
    """
    with CTRL_C.held():
        try:
            for params in trials:
                # marked so that the objective runs it whole (see Objective)
                study.enqueue_trial(params, user_attrs={"seeded": True}, skip_if_exists=True)
        except Exception as exc:
            # the storage failed (a full disk, a database gone): one line, nothing lost
            if not is_storage_failure(exc):
                raise
            raise storage_error(storage, "queue the first trials", exc) from None
    CTRL_C.raise_if_pending()  # the queue is whole: a Ctrl-C pressed meanwhile ends here


def _fail_abandoned_trials(study, numbers):
    """Mark FAIL the trials this run started that a forced Ctrl-C left RUNNING (cut inside
    Optuna's bookkeeping), so the study does not show them running forever. Other workers'
    running trials are theirs."""
    from optuna.trial import TrialState

    mine = set(numbers)
    try:
        with CTRL_C.held():
            for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
                if trial.number in mine:
                    study.tell(trial.number, state=TrialState.FAIL)
    except Exception:  # noqa: BLE001 - best effort: the storage itself may be what failed
        pass
