"""Optuna studies: storages, creating or joining a study, and keeping them safe from Ctrl-C.

:func:`open_study` creates or joins a study in memory, in a journal file or in a database
(:func:`make_storage`) and refuses one created by an incompatible run. Optuna's bookkeeping
is not interrupt-safe, so :data:`CTRL_C` (one :class:`DeferredCtrlC` for the whole process)
holds SIGINT through it, and :class:`InterruptSafeLock` through the journal file lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skact.exceptions import StudyError


def mask_url(url: str | None) -> str | None:
    """Hide the password in a database URL.

    Examples
    --------
    >>> mask_url("postgresql://me:secret@db.example.org/optuna")
    'postgresql://me:***@db.example.org/optuna'
    """
    if url is None:
        return None
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", str(url))


class DeferredCtrlC:
    """Hold Ctrl-C (SIGINT) through sections that must not be cut in half.

    Optuna's bookkeeping is not interrupt-safe: a ``KeyboardInterrupt`` inside its journal
    file lock leaves the lock behind (``FileNotFoundError`` on release), and one inside
    ``Study.tell`` makes Optuna's trial runner fail with an ``UnboundLocalError`` instead of
    the interrupt. Sections nest with :meth:`hold` / :meth:`release`; while one is held,
    SIGINT only marks the interrupt pending, and it is raised when the outermost section is
    released, or earlier by :meth:`raise_if_pending` where that is safe. Signals reach only
    the main thread, so elsewhere every method is a no-op. A SIGINT handler that is not
    Python's default (ignored, or installed by someone else) is left alone. A second Ctrl-C
    (one pending, or one already raised and being unwound) is raised at once: the held code
    may be stalled, e.g. on a database over the network.
    """

    def __init__(self):
        self._depth = 0
        self._pending = False
        self._installed = False
        # an interrupt was raised and is unwinding through held code: the next press forces
        self._interrupting = False

    @staticmethod
    def _in_main_thread() -> bool:
        return threading.current_thread() is threading.main_thread()

    def _on_sigint(self, signum, frame):
        if not (self._pending or self._interrupting):
            self._pending = True
            return
        # A second press: the user will not wait (a storage call may be stalled on the
        # network). Give up holding and interrupt now, at whatever cost to Optuna's records.
        import signal

        self._pending = False
        self._installed = False
        signal.signal(signal.SIGINT, signal.default_int_handler)
        raise KeyboardInterrupt

    def hold(self) -> None:
        self._hold(fresh=True)

    def _hold(self, fresh: bool) -> None:
        import signal

        if not self._in_main_thread():
            return
        if self._depth == 0:
            if fresh:  # not the re-hold after a lifted section
                self._interrupting = False
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                self._pending = False
                signal.signal(signal.SIGINT, self._on_sigint)
                self._installed = True
        self._depth += 1

    def release(self) -> None:
        import signal

        if not self._in_main_thread() or self._depth == 0:
            return
        self._depth -= 1
        if self._depth == 0 and self._installed:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            self._installed = False
            self.raise_if_pending()

    def raise_if_pending(self) -> None:
        if self._pending and self._in_main_thread():
            self._pending = False
            self._interrupting = True
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def held(self):
        self.hold()
        try:
            yield
        finally:
            self.release()

    @contextlib.contextmanager
    def lifted(self):
        """Let Ctrl-C through inside a held section (e.g. while a trial trains); a pending
        one is raised on entry."""
        if not self._in_main_thread() or self._depth != 1:
            yield  # not held, or held by a section that must finish first
            return
        try:
            self.release()
            yield
        except KeyboardInterrupt:
            self._interrupting = True
            raise
        finally:
            self._hold(fresh=False)


#: The process's Ctrl-C gate: the journal lock and the Optuna search share it.
CTRL_C = DeferredCtrlC()


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


def make_storage(storage: str | None):
    """``None`` (in memory), an RDB URL (``sqlite:///x.db``, ``postgresql://...``) or a path
    to an Optuna journal file (created if missing)."""
    if storage is None:
        return None
    if "://" in storage:
        return storage
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend, JournalFileSymlinkLock

    path = Path(storage)
    try:
        if path.parent != Path(""):
            path.parent.mkdir(parents=True, exist_ok=True)
        lock = InterruptSafeLock(JournalFileSymlinkLock(str(path)))
        return JournalStorage(JournalFileBackend(str(path), lock_obj=lock))
    except OSError as exc:
        raise StudyError(f"cannot open journal storage {storage}: {exc}") from None


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


def open_study(settings: OptunaSettings, study_name: str, attrs: Mapping):
    """Create or load the study (``load_if_exists``), seeded, with a MedianPruner.

    ``attrs`` (task, target, scoring, model, space) are stored in the study; an existing study
    created with different ones is refused so two incompatible runs cannot mix scores.

    With a persistent storage the sampler seed also mixes in the number of trials already in
    the study and the process id, so resumed runs and parallel workers do not re-sample the
    same points. Runs without ``--storage`` use exactly ``seed`` and are reproducible.
    """
    import optuna

    storage = make_storage(settings.storage)
    pruner = settings.pruner or optuna.pruners.MedianPruner(
        n_startup_trials=settings.pruner_startup_trials,
        n_warmup_steps=settings.pruner_warmup_steps,
    )
    try:
        study = optuna.create_study(
            storage=storage,
            study_name=study_name,
            direction="maximize",
            pruner=pruner,
            load_if_exists=True,
        )
    except ImportError as exc:
        raise StudyError(
            f"storage {mask_url(settings.storage)} needs a database driver that is not "
            f"installed: {exc}"
        ) from None
    except Exception as exc:
        if isinstance(exc, (KeyboardInterrupt, StudyError)):
            raise
        raise StudyError(
            f"cannot open study {study_name!r} in {mask_url(settings.storage)}: "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from None

    existing = study.user_attrs.get("skact")
    attrs = json.loads(json.dumps(dict(attrs), default=str))
    if existing is None:
        study.set_user_attr("skact", attrs)
    elif existing != attrs:
        diffs = [
            f"{k}: study has {existing.get(k)!r}, this run {attrs.get(k)!r}"
            for k in sorted(set(existing) | set(attrs))
            if existing.get(k) != attrs.get(k) and k != "space"
        ]
        if existing.get("space") != attrs.get("space"):
            diffs.append("the search space differs")
        raise StudyError(
            f"study {study_name!r} in {mask_url(settings.storage)} was created by a different "
            f"run ({'; '.join(diffs)}); use another --study-name"
        )

    seed = settings.seed
    if settings.storage is not None and seed is not None:
        n_existing = len(study.get_trials(deepcopy=False))
        seed = (seed * 1_000_003 + n_existing * 7919 + os.getpid()) % (2**31)
    study.sampler = optuna.samplers.TPESampler(seed=seed)
    return study


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
