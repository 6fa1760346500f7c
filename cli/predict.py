"""``skact predict``: predictions for new CSV rows from a model that ``skact tune`` saved.

Loading the bundle and lining the columns up is :mod:`skact.tuning`; this module reads the
CSV, writes the predictions to stdout or a file, and says where they went.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from skact_cli.common import DebugOption, handle_errors, quiet

HELP = (
    "Predict the target for new rows with a model saved by 'skact tune'.\n\n"
    "The target column is ignored if present; a missing feature column is an error that "
    "names it. Output: a 'prediction' column (and 'proba_<class>' columns with --proba), one "
    "row per input row. Only load model files you trust: they are pickles."
)

EPILOG = """[bold]Examples[/bold]

    skact predict skact-runs/iris-20250101-120000 new_rows.csv

    skact predict skact-runs/iris-20250101-120000/model.joblib new_rows.csv --proba --out preds.csv
"""


@handle_errors
def predict(
    model: Annotated[
        Path,
        typer.Argument(help="model.joblib written by 'skact tune', or its run directory."),
    ],
    data: Annotated[Path, typer.Argument(help="CSV with the feature columns used in training.")],
    out: Annotated[
        Path | None, typer.Option(
            "--out", "-o", help="Write a CSV here.", show_default="stdout", dir_okay=False
        )
    ] = None,
    proba: Annotated[
        bool, typer.Option("--proba", help="Add one probability column per class.")
    ] = False,
    debug: DebugOption = False,
):
    from skact_cli import render

    from skact.data import read_csv
    from skact.tuning import load_model, numeric_columns, predict_frame, write_atomic

    with quiet(not debug):
        bundle = load_model(model)
        # numbers where the model learnt numbers; every other column as the file has it
        df = read_csv(data, numeric=numeric_columns(bundle))
        preds = predict_frame(bundle, df, proba=proba, source=str(data))
    if out is None:
        preds.to_csv(sys.stdout, index=False)
    else:
        write_atomic(out, lambda fh: preds.to_csv(fh, index=False))
        render.info(f"Wrote {len(preds)} predictions to {out}")
