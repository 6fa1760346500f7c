"""Ctrl-C and SIGTERM held through code that must not be cut in half: :data:`CTRL_C`.

Standard library only, so the command line can install it around every command without
importing the tuning stack (torch, scikit-learn, Optuna) for commands that need none of it.
:mod:`skact.tuning.study` re-exports it; the tuner, the journal lock and the CLI share the
one object.
"""

from __future__ import annotations

import contextlib
import signal as _signal
import threading

__all__ = ["CTRL_C", "DeferredCtrlC"]


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

    SIGTERM (sent by ``timeout``, Slurm, Kubernetes, ``docker stop``) is handled the same
    way once :meth:`catch_sigterm` installed its handler; :attr:`signum` says which signal
    the last interrupt came from, for the exit status (128 + signal number).
    """

    def __init__(self):
        self._depth = 0
        self._pending = False
        self._installed = False
        # an interrupt was raised and is unwinding through held code: the next press forces
        self._interrupting = False
        #: The signal behind the last interrupt: SIGINT (Ctrl-C) or SIGTERM.
        self.signum = _signal.SIGINT

    def _on_sigterm(self, signum, frame):
        self.signum = signum
        if self._depth > 0 and not (self._pending or self._interrupting):
            self._pending = True  # held: raised where Optuna's records are whole
            return
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def catch_sigterm(self):
        """Turn SIGTERM into the same interrupt as Ctrl-C while inside (main thread only;
        a SIGTERM handler someone else installed is left alone)."""
        if not self._in_main_thread() or _signal.getsignal(_signal.SIGTERM) not in (
            _signal.SIG_DFL, None
        ):
            yield
            return
        self.signum = _signal.SIGINT
        _signal.signal(_signal.SIGTERM, self._on_sigterm)
        try:
            yield
        finally:
            _signal.signal(_signal.SIGTERM, _signal.SIG_DFL)

    @staticmethod
    def _in_main_thread() -> bool:
        return threading.current_thread() is threading.main_thread()

    def _on_sigint(self, signum, frame):
        self.signum = signum
        if not (self._pending or self._interrupting):
            self._pending = True
            return
        # A second press: the user will not wait (a storage call may be stalled on the
        # network). Give up holding and interrupt now, at whatever cost to Optuna's records.
        self._pending = False
        self._installed = False
        _signal.signal(_signal.SIGINT, _signal.default_int_handler)
        raise KeyboardInterrupt

    def hold(self) -> None:
        self._hold(fresh=True)

    def _hold(self, fresh: bool) -> None:
        if not self._in_main_thread():
            return
        if self._depth == 0:
            if fresh:  # not the re-hold after a lifted section
                self._interrupting = False
            if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
                self._pending = False
                _signal.signal(_signal.SIGINT, self._on_sigint)
                self._installed = True
        self._depth += 1

    def release(self) -> None:
        if not self._in_main_thread() or self._depth == 0:
            return
        self._depth -= 1
        if self._depth == 0 and self._installed:
            _signal.signal(_signal.SIGINT, _signal.default_int_handler)
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
