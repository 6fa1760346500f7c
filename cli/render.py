"""Rich output for the ``skact`` command line: tables and messages (the live progress
display is :mod:`skact_cli.progress`), and a stdout and stderr whose reader may leave early.

Only presentation lives here: every function takes plain records (dicts) from
:mod:`skact.tuning` or the activation registry and returns or prints Rich renderables.
"""

from __future__ import annotations

import math

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text
from skact_cli.messages import spoken, wrap

from skact.exceptions import counted


def close_stdout() -> None:
    """Stop writing to stdout because its reader has gone (``skact ... | head -3``).

    The descriptor is pointed at /dev/null, so that later writes and Python's flush at exit
    neither fail nor print "Exception ignored ... BrokenPipeError"; the command carries on
    (``tune`` still saves its model) and exits 0. A reader that stops reading is not a
    failure of the command, and 0 keeps ``set -o pipefail`` scripts with ``| head`` working
    (SIGPIPE's 141 would fail them)."""
    import sys

    global stdout_closed
    stdout_closed = True
    out.quiet = True
    _point_at_devnull(sys.stdout)


def close_stderr() -> None:
    """Stop writing progress and messages to stderr because its reader has gone
    (``skact tune ... 2>&1 | head -3``): as :func:`close_stdout`, the command carries on,
    saves what it made and exits 0."""
    import sys

    err.quiet = True
    _point_at_devnull(sys.stderr)


def _point_at_devnull(stream) -> None:
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, stream.fileno())
    finally:
        os.close(devnull)


class _Stdout(Console):
    def on_broken_pipe(self) -> None:
        # Rich's own handler raises SystemExit(1): the run would end silently, unsaved
        close_stdout()


class _Stderr(Console):
    def on_broken_pipe(self) -> None:
        close_stderr()


#: Results (tables, predictions) go to stdout; progress and messages to stderr.
out = _Stdout(highlight=False)
err = _Stderr(stderr=True, highlight=False)
#: True once stdout's reader has gone (see :func:`close_stdout`).
stdout_closed = False

_STATE_STYLE = {
    "complete": "green",
    "pruned": "yellow",
    "fail": "red",
    "interrupted": "red",
    "running": "cyan",
}
_STATE_LABEL = {"fail": "failed"}


def _say(text: str, style: str | None = None) -> None:
    """Print ``text`` (a library message spoken with flags) on stderr wrapped at word
    boundaries to the terminal's width; no markup, no highlighting."""
    _raw(wrap(spoken(text), err.width), style)


def _raw(text: str, style: str | None = None) -> None:
    # soft_wrap: Rich neither wraps nor crops; the text's own line breaks are the lines
    err.print(text, markup=False, highlight=False, soft_wrap=True, style=style)


def info(message: str) -> None:
    """A progress message on stderr."""
    _say(message)


def notice(message: str) -> None:
    """A message on stderr that must not be missed among the progress lines (in bold)."""
    _say(message, "bold")


def warning(message: str) -> None:
    """``Warning: message`` on stderr, in yellow: something the run did not stop for."""
    _say(f"Warning: {spoken(message)}", "yellow")


def error(message: str) -> None:
    """The error message on stderr: one message, wrapped at word boundaries."""
    _say(f"Error: {spoken(message)}", "bold red")


def command(message: str, line: str) -> None:
    """``message`` (wrapped), then ``line``, a command meant to be copied, whole on a line of
    its own: never wrapped, it runs past the edge of a narrower terminal instead."""
    _say(message)
    _raw(line)


def _value(value) -> str:
    """A score or loss: 4 decimals, or 6 significant digits from 1000 on (an MSE of
    45123.4567 needs no decimals, and a wide value would not fit an 80-column table)."""
    return f"{value:.4f}" if abs(value) < 1000 else f"{value:.6g}"


def _score(value, std=None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if std is None or (isinstance(std, float) and not math.isfinite(std)):
        return _value(value)
    return f"{_value(value)} ± {_value(std)}"


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


#: Every table: no outer edge and two spaces between columns (one of padding, one for the
#: box's column divider), so that 80 columns hold the leaderboard and the comparison.
_TABLE_STYLE = {"box": box.SIMPLE_HEAD, "show_edge": False, "pad_edge": False,
                "padding": (0, 1, 0, 0), "title_justify": "default",
                "caption_justify": "default"}


def _fit_width(build, optional, width, where):
    """``build(left_out)`` with as few of the ``optional`` columns (least useful first) left
    out as it takes for the table to fit ``width`` (the terminal's by default).

    Values are never cut: the columns of numbers do not wrap, so a table wider than the
    terminal would lose digits to an ellipsis. The caption says what was left out and
    ``where`` it still is."""
    width = out.width if width is None else width
    left_out: list[str] = []
    table = build(left_out)
    for name in optional:
        if _natural_width(table) <= width:
            break
        left_out.append(name)
        table = build(left_out)
    if left_out:
        names = ", ".join(name.replace("\n", " ") for name in left_out)
        note = (f"Left out to fit {width} columns: {names} (in {where}; "
                "a wider terminal shows them).")
        table.caption = f"{table.caption}\n{note}" if table.caption else note
    _wrap_title(table, width)
    return table


def _wrap_title(table: Table, width: int) -> None:
    """Wrap a long title at words to the width the table renders at: Rich's own wrapping
    leaves a space at the end of each broken line (piped output then carries it)."""
    from rich.console import Console

    if isinstance(table.title, str):
        rendered = Console(width=width).measure(table).maximum
        table.title = wrap(table.title, min(width, rendered))


def _natural_width(table: Table) -> int:
    """The narrowest ``table`` can be without cutting a value: its columns of numbers
    (``no_wrap``) as wide as their widest cell, the others as wide as their longest word."""
    from rich.cells import cell_len

    widths = []
    for column in table.columns:
        lines = [line for cell in (column.header, *column.cells)
                 for line in str(cell).splitlines()]
        pieces = lines if column.no_wrap else [w for line in lines for w in line.split()]
        widths.append(max(map(cell_len, pieces), default=0))
    padding = table.padding[1] + table.padding[3]
    edges = (0 if table.pad_edge else padding) - (2 if table.box and table.show_edge else 0)
    dividers = len(widths) - 1 if table.box else 0
    return sum(widths) + padding * len(widths) - edges + dividers


def _build_table(columns, rows, left_out, **kwargs) -> Table:
    """A table of ``columns`` (header, column options) without those in ``left_out``; each
    row is a dict from header to cell (plus ``"style"``)."""
    table = Table(**_TABLE_STYLE, **kwargs)
    kept = [(header, options) for header, options in columns if header not in left_out]
    for header, options in kept:
        table.add_column(header, **options)
    for row in rows:
        table.add_row(*(row[header] for header, _ in kept), style=row.get("style"))
    return table


_NUMBER = {"justify": "right", "no_wrap": True}
_WORD = {"overflow": "fold"}  # a name longer than the terminal allows folds, whole


def leaderboard_table(records, scoring: str, limit: int = 10, width: int | None = None) -> Table:
    """Rank, trial, activation, layers, lr, score mean ± std, fit time per fold, state;
    best first (the order of ``records``). Fits ``width`` columns (the terminal's)."""
    shown = records[:limit]
    cnn = any(r.get("conv_channels") is not None for r in shown)
    columns = [("#", _NUMBER), ("trial", _NUMBER), ("activation", _WORD),
               ("layers", _WORD), ("lr", _NUMBER), ("score ± std", _NUMBER),
               ("fit", _NUMBER), ("state", _WORD)]
    rows = [
        {
            "#": str(rank) if r["state"] == "complete" else "",
            "trial": str(r["number"]),
            "activation": str(r.get("activation", "-")),
            "layers": _layers(r),
            "lr": _lr(r),
            "score ± std": _score(r.get("score"),
                                  r.get("score_std") if r["state"] == "complete" else None),
            "fit": _seconds(r.get("fit_time")),
            "state": _state(r["state"]),
        }
        for rank, r in enumerate(shown, start=1)
    ]
    notes = []
    if cnn:
        notes.append("layers: conv channels/dense sizes (32-64/64: conv layers of 32 and 64 "
                     "channels, then a dense layer of 64 units).")
    if len(records) > limit:
        notes.append(f"{counted(len(records) - limit, 'more trial')} in trials.csv.")

    def build(left_out):
        return _build_table(columns, rows, left_out,
                            title=f"Leaderboard ({scoring}; fit = seconds per fold)",
                            caption="\n".join(notes) or None)

    return _fit_width(build, ["fit", "trial"], width, "trials.csv")


def activation_table(rows, scoring: str, width: int | None = None) -> Table:
    """Best and mean score per activation, best first: the comparison people run ``tune``
    for."""
    columns = [("activation", _WORD), ("best", _NUMBER), ("mean", _NUMBER),
               ("complete", _NUMBER), ("pruned", _NUMBER), ("trials", _NUMBER)]
    cells = [
        {"activation": r["activation"], "best": _score(r["best"]), "mean": _score(r["mean"]),
         "complete": str(r["complete"]), "pruned": str(r["pruned"]), "trials": str(r["trials"])}
        for r in rows
    ]

    def build(left_out):
        return _build_table(columns, cells, left_out, title=f"By activation ({scoring})")

    return _fit_width(build, ["pruned"], width, "trials.csv")


def params_table(params: dict, score=None, std=None, scoring: str = "") -> Table:
    """The best parameters, one per row."""
    table = Table(
        title="Best parameters", title_justify="default", show_header=False, box=box.SIMPLE
    )
    table.add_column("parameter", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for key, value in params.items():
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        table.add_row(key, shown)
    if score is not None:
        table.add_row(f"cv {scoring}", _score(score, std))
    return table


def activations_table(infos) -> Table:
    """The activation registry: name, formula, output range, recommended use, aliases."""
    table = Table(title="Activations", **_TABLE_STYLE)
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("formula", overflow="fold")
    table.add_column("range", no_wrap=True)
    table.add_column("recommended use", overflow="fold")
    table.add_column("aliases", overflow="fold")
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


def _loss(value) -> str:
    """4 significant digits, trailing zeros kept: 0.3030 above 0.3112, not 0.303."""
    return "-" if value is None else f"{value:#.4g}"


#: The comparison's columns; two-line headers keep them narrow, the caption explains them.
_COMPARE_COLUMNS = [
    ("#", _NUMBER), ("activation", _WORD), ("score ± std", _NUMBER), ("fit s", _NUMBER),
    ("best\nepoch", _NUMBER), ("final\nloss", _NUMBER), ("dead\n%", _NUMBER),
    ("sat.\n%", _NUMBER), ("grad\nratio", _NUMBER),
]
_COMPARE_CAPTION = {
    "fit s": "fit s: seconds per fit",
    "best\nepoch": "best epoch: of the best early-stopping validation score",
    "dead\n%": "dead/sat. %: hidden units dead or saturated at the end",
    "grad\nratio": "grad ratio: first layer's gradient norm / output layer's (<< 1: vanishing)",
}


def _fits_note(r) -> str:
    """What went wrong with an activation's fits ("2 diverged, 1 failed"), or ""."""
    problems = []
    if r["fits_planned"] and r["fits"] < r["fits_planned"]:
        problems.append(f"{r['fits']} of {r['fits_planned']} fits")
    problems += [f"{r[k]} {k}" for k in ("diverged", "failed") if r[k]]
    return ", ".join(problems)


def compare_table(rows, scoring: str, settings: dict | None = None,
                  width: int | None = None) -> Table:
    """One row per activation from :meth:`skact.compare.running.Comparison.summary`, best first
    (rows without a score last); the best in green, fits that diverged or failed named
    under the activation. Fits ``width`` columns (the terminal's)."""
    from skact.compare.results import fits_description

    settings = settings or {}
    fits = fits_description(settings)
    network = f"{settings.get('model', 'mlp')} {settings.get('layers', '')}"
    if settings.get("model") == "cnn":
        network = f"cnn, dense layers {settings.get('layers', '')}"
    ranked = sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0))
    cells = []
    for r in ranked:
        name = Text(r["activation"])
        note = _fits_note(r)
        if note:
            name.append(f"\n{note}", style="red")
        cells.append({
            "#": "" if r["rank"] is None else str(r["rank"]),
            "activation": name,
            "score ± std": _score(r["score_mean"], r["score_std"]),
            "fit s": _seconds(r["fit_time"]),
            "best\nepoch": _number(r["best_epoch"]),
            "final\nloss": _loss(r["final_loss"]),
            "dead\n%": _percent(r["dead_fraction"]),
            "sat.\n%": _percent(r["saturated_fraction"]),
            "grad\nratio": _ratio(r["grad_ratio"]),
            "style": "bold green" if r["best"] else None,
        })

    def build(left_out):
        caption = "; ".join(text for header, text in _COMPARE_CAPTION.items()
                            if header not in left_out)
        return _build_table(_COMPARE_COLUMNS, cells, left_out, caption=caption + ".",
                            title=f"Activations compared ({scoring}, mean ± std over {fits}; "
                                  f"{network}; {settings.get('recipe', 'strong')} recipe)")

    return _fit_width(build, ["final\nloss", "best\nepoch", "fit s"], width, "compare.csv")

