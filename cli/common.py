"""What every ``skact`` command shares: option declarations, option-value parsers, and the
handling of errors, Ctrl-C and ``--debug``.

Imported by each command module when the app is built, so nothing heavy at module level: the
parsers import :mod:`skact.tuning` only when they are given a value.
"""

from __future__ import annotations

import contextlib
import functools
import os
import warnings
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperCommand, TyperGroup

INTERRUPTED = 130  # exit status after Ctrl-C: 128 + SIGINT, what shells report for it
TERMINATED = 143  # after SIGTERM (timeout, Slurm, Kubernetes, docker stop): 128 + SIGTERM


def interrupted_status() -> int:
    """The exit status for the interrupt being handled: 130 (Ctrl-C) or 143 (SIGTERM)."""
    import signal

    from skact.engine.interrupt import CTRL_C

    return TERMINATED if CTRL_C.signum == signal.SIGTERM else INTERRUPTED


def interruption(status: int) -> str:
    """How an error line names the interrupt behind ``status`` (from
    :func:`interrupted_status`)."""
    return "terminated (SIGTERM)" if status == TERMINATED else "interrupted"


def _flags_take_no_value(params):
    """Give flags (``--debug``, ``--version``, ``--help``) an empty metavar: typer's help
    shows their type as ``<bool>``, as if they took a value."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class _FlagHelp:
    """Help that shows flags without a value type (mixed into click's classes)."""

    def get_params(self, ctx):
        return _flags_take_no_value(super().get_params(ctx))


class Command(_FlagHelp, TyperCommand):
    """A command whose help shows flags without a value type."""


class Group(_FlagHelp, TyperGroup):
    """The ``skact`` group, whose help shows flags without a value type."""


class Task(str, Enum):
    auto = "auto"
    classification = "classification"
    regression = "regression"


class Model(str, Enum):
    mlp = "mlp"
    cnn = "cnn"


class Search(str, Enum):
    optuna = "optuna"
    grid = "grid"


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


DebugOption = Annotated[
    bool, typer.Option("--debug", help="Show the full traceback of an error.")
]

# What `predict` and `evaluate` share: the saved model, and whether a pickle may load.
SavedModelArgument = Annotated[
    Path, typer.Argument(help="model.skact written by 'skact tune', or its run directory.")
]
AllowPickleOption = Annotated[
    bool, typer.Option("--allow-pickle",
                       help="Also load a pickle (model.joblib): it runs any code it holds, "
                            "so only for files you trust.")
]

# Arguments and options that `tune` and `compare` share.
DataArgument = Annotated[Path, typer.Argument(help="CSV file: a header row, one row per sample.")]
TargetOption = Annotated[
    str | None,
    typer.Option("--target", "-t", help="Target column.", show_default="the last column"),
]
# the choices in the help, not the metavar: typer's metavar column is narrow, and cut
# "<auto|classification|regression>" in the middle of a word at 80 columns
TaskOption = Annotated[Task, typer.Option(
    metavar="<task>",
    help="auto (inferred from the target's values), classification or regression.")]
ModelOption = Annotated[Model, typer.Option(help="Network: dense MLP or 1-D CNN.")]
ScoringOption = Annotated[
    str | None,
    typer.Option(
        help="Any scikit-learn scorer name.",
        show_default="balanced_accuracy (UAR) for classification, r2 for regression",
    ),
]


def _resolve_device(device: Device) -> str:
    """``--device`` as a torch device; where torch sees no GPU for ``cuda``, one line on
    stderr and exit 2."""
    from skact.engine.devices import DeviceError, resolve_device

    try:
        return resolve_device(device.value, option="--device")
    except DeviceError as exc:
        _error(str(exc))
        raise typer.Exit(2) from None


def check_device(device: Device) -> None:
    """Check ``--device cuda`` first thing in a command: without a GPU the run ends on its
    one line, before any work (auto and cpu are never an error, and need no torch). Not an
    option callback: typer before 0.16 hands the command None for an Enum a callback
    returns (the lowest-versions job found it)."""
    if device is Device.cuda:
        _resolve_device(device)


# `tune` and `compare`: declare it as `device: DeviceOption = Device.auto`, call
# `check_device(device)` first and `use_device(device)` once the data is read (it imports
# torch for auto and cuda).
DeviceOption = Annotated[
    Device,
    typer.Option(help="Where the networks train: 'auto' takes a CUDA GPU when torch sees "
                 "one. Saved models load on the CPU either way."),
]


def use_device(device: Device, shared_by: str = "") -> str:
    """Say on one line which device the run uses (for ``--device auto`` without a GPU, why
    not one) and return it, for the estimators' ``device``. ``shared_by`` names the fits
    that run on it at once ("4 parallel trials")."""
    from skact_cli import render

    from skact.engine.devices import describe_device, no_cuda_reason

    chosen = _resolve_device(device)
    line = f"Device: {describe_device(chosen)}"
    if chosen == "cpu" and device is Device.auto:
        line += f" (no CUDA GPU: {no_cuda_reason()})"
    elif chosen != "cpu" and shared_by:
        line += f", shared by {shared_by}"
    render.info(line)
    return chosen


def parse_activations(value: str | None) -> list[str] | None:
    """``--activations relu,tanh`` as a checked list of names; ``None`` for the default."""
    if value is None:
        return None
    names = [v.strip() for v in value.split(",") if v.strip()]
    if not names:
        raise typer.BadParameter("give at least one activation, e.g. relu,tanh")
    from skact.exceptions import SpaceError
    from skact.tuning import check_activations

    try:
        return check_activations(names)
    except SpaceError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--activations'") from None


def parse_scoring(value: str | None) -> str | None:
    """``--scoring``, checked against scikit-learn's scorer names; ``None`` for the default."""
    if value is None:
        return None
    from skact.exceptions import ScoringError
    from skact.tuning import check_scoring

    try:
        return check_scoring(value)
    except ScoringError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--scoring'") from None


def parse_n_jobs(value: int) -> int:
    """``--n-jobs``: a positive count, or -1 for every CPU."""
    if value == 0 or value < -1:
        raise typer.BadParameter("use a positive number of jobs, or -1 for all CPUs",
                                 param_hint="'--n-jobs'")
    return (os.cpu_count() or 1) if value == -1 else value


def _traceback_wanted(debug: bool) -> bool:
    return debug or os.environ.get("SKACT_DEBUG", "") not in ("", "0")


def handle_errors(command):
    """Turn :class:`SkactError` into one line on stderr and exit 1; Ctrl-C into exit 130 and
    SIGTERM (handled like Ctrl-C, so files are finished or cleaned up) into exit 143. Any
    other error is one line too, naming its type; ``--debug`` shows the traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from skact.engine.interrupt import CTRL_C
        from skact.exceptions import SkactError

        debug = _traceback_wanted(kwargs.get("debug", False))
        try:
            with CTRL_C.catch_sigterm():
                return command(*args, **kwargs)
        except KeyboardInterrupt:
            _print_traceback(debug)
            status = interrupted_status()
            _error(interruption(status))
            raise typer.Exit(status) from None
        except SkactError as exc:
            _print_traceback(debug)
            _error(exc)
            raise typer.Exit(1) from None
        except MemoryError:
            _print_traceback(debug)
            _error("out of memory; try smaller networks (a --space with smaller "
                   "hidden_layer_sizes) or fewer --n-jobs")
            raise typer.Exit(1) from None
        except Exception as exc:
            if type(exc).__module__.split(".")[0] in ("typer", "click"):
                raise  # typer.Exit, BadParameter (exit 2), ...: typer's own handling
            _print_traceback(debug)
            from skact.engine.devices import is_cuda_out_of_memory

            if is_cuda_out_of_memory(exc):  # a grid search's fit, a refit
                _error("the GPU ran out of memory; try fewer --n-jobs, smaller networks (a "
                       "--space with smaller hidden_layer_sizes), or --device cpu")
                raise typer.Exit(1) from None
            from skact.tuning.storages import scrub

            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            message = f"unexpected {type(exc).__name__}" + (f": {first}" if first else "")
            _error(scrub(message, kwargs.get("storage"))
                   + " (run again with --debug for the traceback)")
            raise typer.Exit(1) from None

    return wrapper


def _print_traceback(debug: bool) -> None:
    if debug:
        import traceback

        traceback.print_exc()


def _error(message) -> None:
    from skact_cli import render

    render.error(message)


@contextlib.contextmanager
def quiet(enabled: bool, optuna_logs: bool = False):
    """Silence library warnings (convergence, batch clipping) and, with ``optuna_logs``,
    Optuna's log lines, unless --debug. Failures surface as SkactErrors or in the state
    column; Optuna would log a traceback for the trial that Ctrl-C interrupts."""
    if not enabled:
        yield
        return
    level = None
    if optuna_logs:
        import optuna

        level = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        if level is not None:
            optuna.logging.set_verbosity(level)
