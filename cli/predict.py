"""``skact predict``: predictions for new CSV rows from a model that ``skact tune`` saved.

Loading the bundle and lining the columns up is :mod:`skact.tuning`; this module reads the
CSV, writes the predictions to stdout or a file, and says where they went.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from skact_cli.common import (
    AllowPickleOption,
    DebugOption,
    SavedModelArgument,
    handle_errors,
    quiet,
)

HELP = (
    "Predict the target for new rows with a model saved by 'skact tune'.\n\n"
    "The target column is ignored if present; a missing feature column is an error that "
    "names it. Output: a 'prediction' column (and 'proba_<class>' columns with --proba), one "
    "row per input row. Model files are data (no code runs when one loads); pickles from "
    "older versions load only with --allow-pickle."
)

EPILOG = """[bold]Examples[/bold]

    skact predict skact-runs/iris-20250101-120000 new_rows.csv

    skact predict runs/iris/model.skact new_rows.csv --proba --out preds.csv

    head -5 new_rows.csv | skact predict runs/iris -
"""


@handle_errors
def predict(
    model: SavedModelArgument,
    data: Annotated[Path, typer.Argument(
        help="CSV with the feature columns used in training ('-': standard input).",
        allow_dash=True)],
    out: Annotated[
        Path | None, typer.Option(
            "--out", "-o", help="Write a CSV here ('-': standard output).",
            show_default="stdout", dir_okay=False, allow_dash=True
        )
    ] = None,
    proba: Annotated[
        bool, typer.Option("--proba", help="Add one probability column per class.")
    ] = False,
    allow_pickle: AllowPickleOption = False,
    debug: DebugOption = False,
):
    from skact_cli import render

    from skact.data import read_csv
    from skact.tuning import numeric_columns, predict_frame, write_atomic

    bundle = load_bundle(render, model, allow_pickle, debug)
    with quiet(not debug):
        # numbers where the model learnt numbers; every other column as the file has it
        df = read_csv(data, numeric=numeric_columns(bundle))
        source = "standard input" if str(data) == "-" else str(data)
        preds = predict_frame(bundle, df, proba=proba, source=source)
    if out is None or str(out) == "-":
        try:
            preds.to_csv(sys.stdout, index=False)
            sys.stdout.flush()
        except BrokenPipeError:  # `skact predict ... | head -3`: the reader has what it wants
            render.close_stdout()
    else:  # through a symlink to its target; a device such as /dev/stdout written directly
        write_atomic(out, lambda fh: preds.to_csv(fh, index=False))
        render.info(f"Wrote {len(preds)} predictions to {out}")


_TABLE_SUFFIXES = {".csv", ".tsv", ".txt", ".dat"}


def load_bundle(render, model: Path, allow_pickle: bool, debug: bool,
                command: str = "predict") -> dict:
    """The model file (or run directory) ``model`` as :func:`skact.tuning.load_model`'s
    bundle, warning when it was a pickle loaded because of ``--allow-pickle``. A text file
    in the model's place is most often the data given first: the error says the order."""
    from skact.exceptions import ModelFileError
    from skact.tuning import MODEL_FORMAT_VERSION, load_model

    try:
        with quiet(not debug):
            bundle = load_model(model, allow_pickle=allow_pickle)
    except ModelFileError as exc:
        # a table where the model goes: the two arguments given the other way round
        if ": it holds text" not in str(exc) or model.suffix.lower() not in _TABLE_SUFFIXES:
            raise
        raise ModelFileError(f"{exc}; the model comes first: skact {command} MODEL DATA") \
            from None
    if bundle["format_version"] < MODEL_FORMAT_VERSION:  # loaded from a pickle
        render.warning(f"{model} is a pickle, loaded because of --allow-pickle; "
                       f"convert it once with: python -m skact.model_files {model}")
    return bundle
