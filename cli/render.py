"""Rich output for the ``skact`` command line: tables, progress, messages.

Only presentation lives here: every function takes plain records (dicts) from
:mod:`skact.tuning` or the activation registry and returns or prints Rich renderables.
"""

from __future__ import annotations

import math
import time

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

#: Results (tables, predictions) go to stdout; progress and messages to stderr.
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

_STATE_STYLE = {
    "complete": "green",
    "pruned": "yellow",
    "fail": "red",
    "interrupted": "red",
    "running": "cyan",
}
_STATE_LABEL = {"fail": "failed"}


def info(message: str) -> None:
    """A progress message on stderr."""
    err.print(message, markup=False, highlight=False, soft_wrap=True)


def error(message: str) -> None:
    """The one-line error message on stderr (no markup, no wrapping)."""
    err.print(f"Error: {message}", markup=False, highlight=False, soft_wrap=True, style="bold red")


def _score(value, std=None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if std is None:
        return f"{value:.4f}"
    return f"{value:.4f} ± {std:.4f}"


def _layers(record) -> str:
    """Dense layer sizes, e.g. "128-64"; for a CNN "conv channels/dense sizes"."""
    layers = record.get("hidden_layer_sizes")
    conv = record.get("conv_channels")
    if conv is not None:
        return f"{conv}/{layers}" if layers is not None else str(conv)
    return "-" if layers is None else str(layers)


def _lr(record) -> str:
    lr = record.get("learning_rate_init")
    return "-" if lr is None else f"{lr:.2g}"


def _seconds(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def _state(state: str) -> Text:
    return Text(_STATE_LABEL.get(state, state), style=_STATE_STYLE.get(state, ""))


def leaderboard_table(records, scoring: str, limit: int = 10) -> Table:
    """Rank, activation, layers, lr, score mean ± std, fit time per fold, state."""
    table = Table(
        title=f"Leaderboard ({scoring}; fit = seconds per fold)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("trial", justify="right", no_wrap=True, min_width=5)
    table.add_column("activation", no_wrap=True)
    table.add_column("layers", min_width=6, no_wrap=True)
    table.add_column("lr", justify="right", no_wrap=True)
    table.add_column("score ± std", justify="right", no_wrap=True)
    table.add_column("fit", justify="right", no_wrap=True)
    table.add_column("state", no_wrap=True)
    for rank, r in enumerate(records[:limit], start=1):
        table.add_row(
            str(rank) if r["state"] == "complete" else "",
            str(r["number"]),
            str(r.get("activation", "-")),
            _layers(r),
            _lr(r),
            _score(r.get("score"), r.get("score_std") if r["state"] == "complete" else None),
            _seconds(r.get("fit_time")),
            _state(r["state"]),
        )
    if len(records) > limit:
        table.caption = f"{len(records) - limit} more trials in trials.csv"
    return table


def activation_table(rows, scoring: str) -> Table:
    """Best and mean score per activation: the comparison people run ``tune`` for."""
    table = Table(title=f"By activation ({scoring})", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("activation")
    table.add_column("best", justify="right")
    table.add_column("mean", justify="right")
    table.add_column("complete", justify="right")
    table.add_column("pruned", justify="right")
    table.add_column("trials", justify="right")
    for r in rows:
        table.add_row(
            r["activation"],
            _score(r["best"]),
            _score(r["mean"]),
            str(r["complete"]),
            str(r["pruned"]),
            str(r["trials"]),
        )
    return table


def params_table(params: dict, score=None, std=None, scoring: str = "") -> Table:
    """The best parameters, one per row."""
    table = Table(
        title="Best parameters", title_justify="left", show_header=False, box=box.SIMPLE
    )
    table.add_column("parameter", style="bold")
    table.add_column("value")
    for key, value in params.items():
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        table.add_row(key, shown)
    if score is not None:
        table.add_row(f"cv {scoring}", _score(score, std))
    return table


def activations_table(infos) -> Table:
    """The activation registry: name, formula, output range, recommended use, aliases."""
    table = Table(title="Activations", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("formula")
    table.add_column("range", no_wrap=True)
    table.add_column("recommended use")
    table.add_column("aliases")
    for i in infos:
        table.add_row(i.name, i.formula, i.output_range, i.use, ", ".join(i.aliases))
    return table


def _percent(value) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def _ratio(value) -> str:
    if value is None:
        return "-"
    return f"{value:.2g}" if 0.01 <= value < 100 else f"{value:.1e}"


def _number(value, digits=1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def compare_table(rows, scoring: str, settings: dict | None = None) -> Table:
    """One row per activation from :meth:`skact.compare.Comparison.summary`; best in green."""
    settings = settings or {}
    fits = f"{settings.get('runs', '?')} runs x {settings.get('cv', '?')} folds"
    network = f"{settings.get('model', 'mlp')} {settings.get('layers', '')}"
    if settings.get("model") == "cnn":
        network = f"cnn, dense layers {settings.get('layers', '')}"
    table = Table(
        title=f"Activations compared ({scoring}, mean ± std over {fits}; {network})",
        title_justify="left",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("activation", no_wrap=True)
    table.add_column("score ± std", justify="right", no_wrap=True)
    table.add_column("fit s", justify="right", no_wrap=True)
    table.add_column("best ep.", justify="right", no_wrap=True)
    table.add_column("final loss", justify="right", no_wrap=True)
    table.add_column("dead %", justify="right", no_wrap=True)
    table.add_column("sat. %", justify="right", no_wrap=True)
    table.add_column("grad 1st/last", justify="right", no_wrap=True)
    table.add_column("fits", justify="right", no_wrap=True)
    for r in rows:
        problems = []
        if r["diverged"]:
            problems.append(f"{r['diverged']} diverged")
        if r["failed"]:
            problems.append(f"{r['failed']} failed")
        fits_text = Text(f"{r['ok']}/{r['fits']}")
        if problems:
            fits_text = Text(f"{r['ok']}/{r['fits']} ({', '.join(problems)})", style="red")
        table.add_row(
            "" if r["rank"] is None else str(r["rank"]),
            r["activation"],
            _score(r["score_mean"], r["score_std"]),
            _seconds(r["fit_time"]),
            _number(r["best_epoch"]),
            _number(r["final_loss"], 4),
            _percent(r["dead_fraction"]),
            _percent(r["saturated_fraction"]),
            _ratio(r["grad_ratio"]),
            fits_text,
            style="bold green" if r["best"] else None,
        )
    table.caption = (
        "fit s: seconds per fit; best ep.: epoch of the best early-stopping validation score; "
        "dead/sat. %: hidden units dead or saturated at the end; grad 1st/last: first layer's "
        "gradient norm / output layer's (<< 1: vanishing)"
    )
    return table


class TrialProgress:
    """A Rich progress bar fed by :meth:`skact.tuning.Tuner.run`'s ``on_trial`` hook.

    Shows done / total, the best score so far and the pruned count (with ``scores``),
    elapsed time and an ETA.
    """

    def __init__(
        self,
        total: int | None,
        description: str = "Tuning",
        unit: str = "trials",
        scores: bool = True,
    ):
        columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                   MofNCompleteColumn(), TextColumn(unit)]
        if scores:
            columns += [TextColumn("best [bold]{task.fields[best]}[/]"),
                        TextColumn("pruned {task.fields[pruned]}")]
        columns += [TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
        self.progress = Progress(*columns, console=err, transient=False)
        self.task = self.progress.add_task(description, total=total, best="-", pruned=0)
        self.best = None
        self.pruned = 0
        self.started = time.monotonic()

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()
        return False

    def on_trial(self, record: dict, best: dict | None) -> None:
        """Advance by one; ``best`` is the study's best record so far (or ``None``)."""
        if record.get("state") == "pruned":
            self.pruned += 1
        if best is not None:
            self.best = best.get("score")
        self.progress.update(self.task, advance=1, best=_score(self.best), pruned=self.pruned)
