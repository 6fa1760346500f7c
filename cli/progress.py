"""Live progress for ``skact tune`` and ``skact compare``, on stderr.

Two lines while a search runs: the bar (trials or fits done, the best score so far, the
pruned count, elapsed time and an ETA), and what is training now ("trial 4 · fold 2/5 ·
epoch 37/100", one entry per fit running in parallel). :class:`RefitProgress` is the refit's
own line. They are fed by the library's hooks: ``on_trial``/``on_fit`` after each finished
trial or fit, and ``on_epoch`` with a :class:`skact.engine.callbacks.EpochEvent` as each fit starts,
trains an epoch and ends (from worker threads when trials run in parallel).

The ETA counts folds (fits), not trials, so it shows from the first finished fold; Rich's own
estimate forgets samples older than 30 s and stayed blank for minutes on slow folds. Every
line is kept two columns narrower than the terminal: the "^C" a terminal echoes after a
full-width line wraps it, and the next redraw would then leave the line printed twice.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text
from skact_cli.render import _score, err

#: Columns kept free at the right edge (see the module docstring).
_MARGIN = 2
#: Fits listed on the activity line; more are counted ("+3 more").
_SHOWN = 3


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-:--:--"
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class _Column(ProgressColumn):
    """A column whose text comes from a function, read at every redraw (the ETA counts down
    between finished folds)."""

    def __init__(self, text: Callable[[], str], style: str = ""):
        super().__init__()
        self.text, self.style = text, style

    def render(self, task) -> Text:
        return Text(self.text(), style=self.style)


class _Live(Progress):
    """Rich's progress table, then the activity line, both narrower than the terminal."""

    def __init__(self, *columns, activity: Callable[[], str] = str, **kwargs):
        self.activity = activity
        super().__init__(*columns, expand=True, **kwargs)

    def get_renderables(self):
        yield _Narrow(self.make_tasks_table(self.tasks))
        line = self.activity()
        if line:
            yield _Narrow(Text(line, no_wrap=True, overflow="ellipsis"))


class _Narrow:
    """Render ``renderable`` :data:`_MARGIN` columns narrower than the space it is given."""

    def __init__(self, renderable):
        self.renderable = renderable

    def __rich_console__(self, console, options):
        yield from console.render(self.renderable,
                                  options.update_width(max(options.max_width - _MARGIN, 20)))


class TrialProgress:
    """The search's progress: fed by ``on_trial`` (after each trial or fit) and ``on_epoch``.

    Parameters
    ----------
    total : int
        Trials (or fits) planned.
    description, unit : str
        "Tuning", "trials".
    pruned : bool
        Show the pruned count.
    folds : int
        Fits per trial (cross-validation folds); the ETA counts fits.
    describe : callable
        ``describe(event) -> str``: where an :class:`~skact.engine.callbacks.EpochEvent`'s fit is
        ("trial 4 · fold 2/5"); the epoch is added.
    timeout : float
        ``--timeout``: the ETA is never later than it.
    """

    def __init__(self, total: int | None, description: str = "Tuning", unit: str = "trials",
                 folds: int = 1, pruned: bool = True,
                 describe: Callable | None = None, timeout: float | None = None):
        self.total, self.folds, self.timeout = total, max(int(folds), 1), timeout
        self.describe = describe or (lambda event: f"fit {event.fit}")
        self.best = None
        self.pruned = 0
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._units = 0  # fits finished, counting a whole trial's folds when it ends
        self._folds_done: dict = {}  # trial tag -> its finished folds, while it runs
        self._last = None  # when the last fit finished
        self._running: dict = {}  # (tag, fit) -> text, the fits training now
        columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=None),
                   MofNCompleteColumn(), TextColumn(unit)]
        # the best score so far: best["score"] from on_trial, after best["label"] if any
        columns.append(TextColumn("best [bold]{task.fields[best]}[/]"))
        if pruned:
            columns.append(TextColumn("pruned {task.fields[pruned]}"))
        columns += [TimeElapsedColumn(), TextColumn("ETA"), _Column(self.eta_text, "cyan")]
        self.progress = _Live(*columns, activity=self.activity_text, console=err,
                              transient=False)
        self.task = self.progress.add_task(description, total=total, best="-", pruned=0)

    def __enter__(self):
        self.started = time.monotonic()
        self.progress.start()
        return self

    def __exit__(self, *exc):
        with self._lock:
            self._running.clear()
        self.progress.stop()
        return False

    # -- hooks -------------------------------------------------------------------------
    def on_trial(self, record: dict, best: dict | None) -> None:
        """Advance by one; ``best`` is the study's best record so far (or ``None``)."""
        with self._lock:
            if record.get("state") == "pruned":
                self.pruned += 1
            if best is not None:
                label = best.get("label")
                self.best = _score(best.get("score")) if not label else \
                    f"{label} {_score(best.get('score'))}"
            self._units += self.folds
            if self.folds > 1:
                self._folds_done.pop(record.get("number"), None)
            self._last = time.monotonic()
        # drawn now, not at the next tick: on a fast search the count could skip a state
        self.progress.update(self.task, advance=1, best=self.best or "-", pruned=self.pruned,
                             refresh=True)

    def on_epoch(self, event) -> None:
        """Where a fit is (any thread)."""
        key = (event.tag, event.fit)
        with self._lock:
            first_sight = key not in self._running and not event.finished
            if not event.finished:
                of = f"/{event.max_epochs}" if event.max_epochs else ""
                self._running[key] = f"{self.describe(event)} · epoch {event.epoch}{of}"
            else:
                self._running.pop(key, None)
                if self.folds > 1:  # a fold of a trial still running: count it for the ETA
                    self._folds_done[event.tag] = self._folds_done.get(event.tag, 0) + 1
                    self._last = time.monotonic()
        if first_sight:  # every fit is drawn at least once, however fast it trains
            self.progress.refresh()

    # -- text --------------------------------------------------------------------------
    def eta(self) -> float | None:
        """Seconds left, from the mean time per finished fit so far; ``None`` before one."""
        with self._lock:
            done = self._units + sum(min(n, self.folds) for n in self._folds_done.values())
            last = self._last
        now = time.monotonic()
        left = None
        if self.total is not None and done and last is not None:
            per_unit = (last - self.started) / done
            left = max(per_unit * (self.total * self.folds - done) - (now - last), 0.0)
        if self.timeout is not None:
            until_timeout = max(self.started + self.timeout - now, 0.0)
            left = until_timeout if left is None else min(left, until_timeout)
        return left

    def eta_text(self) -> str:
        return _clock(self.eta())

    def activity_text(self) -> str:
        with self._lock:
            running = list(self._running.items())
        # fits in a steady order: by trial (or activation, run, fold), then fold
        with contextlib.suppress(TypeError):
            running.sort(key=lambda item: item[0])
        texts = [text for _, text in running]
        if not texts:
            return ""
        shown = "; ".join(texts[:_SHOWN])
        more = f"; +{len(texts) - _SHOWN} more" if len(texts) > _SHOWN else ""
        return f"  {shown}{more}"


class RefitProgress:
    """The refit's own line: "Refit on all rows ━━━━ epoch 37/100 0:00:12"."""

    def __init__(self, max_epochs: int, description: str = "Refit on all rows"):
        self.max_epochs = max_epochs
        self.progress = _Live(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=None),
            TextColumn("epoch {task.fields[epoch]}/{task.total:.0f}{task.fields[note]}"),
            TimeElapsedColumn(), console=err, transient=False,
        )
        self.task = self.progress.add_task(description, total=max_epochs, epoch=0, note="")

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, exc_type, *exc):
        if exc_type is KeyboardInterrupt:
            self.progress.update(self.task, note=" (interrupted)")
        self.progress.stop()
        return False

    def on_epoch(self, event) -> None:
        if event.finished:
            # early stopping ends the fit before max_epochs: the bar ends where the fit did
            note = " (early stop)" if event.epoch < self.max_epochs else ""
            self.progress.update(self.task, completed=self.max_epochs, epoch=event.epoch,
                                 note=note)
        else:
            self.progress.update(self.task, completed=event.epoch, epoch=event.epoch)
