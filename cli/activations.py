"""``skact activations``: the activation registry as a table, and optionally as a plot.

The names and their facts come from :mod:`skact.activations`, the curves from
:func:`skact.compare.plots.activation_curves`; this module only prints and reports the file written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from skact_cli.common import DebugOption, handle_errors

HELP = (
    "List the activation functions: formula, output range, recommended use.\n\n"
    "With --plot FILE, also draw each activation and its derivative into a PNG."
)


@handle_errors
def activations(
    plot: Annotated[
        Path | None,
        typer.Option(help="Write a PNG of every activation and its derivative here.",
                     dir_okay=False),
    ] = None,
    debug: DebugOption = False,
):
    from skact_cli import render

    from skact import activations as registry

    render.out.print(render.activations_table(registry.info(n) for n in registry.names()))
    if plot is not None:
        from skact.compare.plots import activation_curves

        try:
            activation_curves(path=plot)
        except OSError as exc:
            from skact.exceptions import SkactError

            raise SkactError(f"cannot write {plot}: {exc.strerror or exc}") from None
        render.info(f"Wrote {plot}")
