"""The ``skact`` app: the typer application, ``--version``, the commands registered in the
order ``skact --help`` lists them, and the console script's entry point.

Each command lives in its own module (:mod:`skact_cli.tune`, :mod:`skact_cli.predict`,
:mod:`skact_cli.evaluate`, :mod:`skact_cli.compare`, :mod:`skact_cli.activations`) with its
help text; the options they share and the error handling live in :mod:`skact_cli.common`,
``--groups`` and ``--test`` in :mod:`skact_cli.design`. Heavy imports (torch,
scikit-learn, Optuna, pandas, matplotlib) happen inside the command bodies so ``skact --help``
stays instant.

Exit codes: 0 success; 1 a :class:`skact.exceptions.SkactError` (one line on stderr; add
``--debug`` for the traceback); 2 a bad option value; 130 interrupted with Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Annotated

import typer
from skact_cli import activations, compare, evaluate, predict, tune
from skact_cli.common import INTERRUPTED, TERMINATED, Command, Group

app = typer.Typer(
    name="skact",
    cls=Group,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="rich",
)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("skact")
    except PackageNotFoundError:  # running from a source tree without installing
        import skact

        return getattr(skact, "__version__", "unknown")


def _version_callback(value: bool):
    if value:
        typer.echo(f"skact {_version()}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_version_callback,
            is_eager=True,
            help="Show the version and exit.",
        ),
    ] = False,
):
    """Tune scikit-learn neural networks (MLP, CNN) whose activation is a hyperparameter.

    [bold]Examples[/bold]

      skact tune iris.csv --target species

      skact predict skact-runs/iris-20250101-120000 new_rows.csv --proba

      skact evaluate skact-runs/iris-20250101-120000 labelled_rows.csv

      skact compare iris.csv --target species --activations relu,tanh,sigmoid

      skact activations --plot activations.png
    """


# The order here is the order `skact --help` lists the commands in.
app.command(cls=Command, help=tune.HELP, epilog=tune.EPILOG)(tune.tune)
app.command(cls=Command, help=predict.HELP, epilog=predict.EPILOG)(predict.predict)
app.command(cls=Command, help=evaluate.HELP, epilog=evaluate.EPILOG)(evaluate.evaluate)
app.command(cls=Command, help=compare.HELP, epilog=compare.EPILOG)(compare.compare)
app.command(cls=Command, help=activations.HELP)(activations.activations)


def main() -> None:
    """Entry point of the ``skact`` console script."""
    try:
        app()
    except KeyboardInterrupt:  # outside a command (e.g. while importing)
        sys.stderr.write("Error: interrupted\n")
        _exit_interrupted()
    except SystemExit as exc:
        if exc.code in (INTERRUPTED, TERMINATED):
            _exit_interrupted(exc.code)
        raise


def _exit_interrupted(status: int = INTERRUPTED):
    """Leave with status 130 after a handled Ctrl-C (143 after SIGTERM), reliably.

    CPython remembers a ``KeyboardInterrupt`` that passed through code compiled from a string
    by ``exec`` (``dataclasses`` builds its methods that way, e.g. in a module that torch
    imports lazily during training) and, at interpreter exit, kills the process with SIGINT
    instead of returning the status we chose, handled or not: a caller then sees "killed by
    SIGINT" (``-2`` from :mod:`subprocess`) instead of 130, depending on where the key press
    landed. So run the exit handlers ourselves, flush, and end the process directly.
    """
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)


if __name__ == "__main__":
    main()
