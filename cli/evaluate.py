"""``skact evaluate``: a saved model's scores on new labelled rows, with the same report as
``skact tune --test``.

Loading is ``skact predict``'s (:func:`skact_cli.predict.load_bundle`); the metrics are
:func:`skact.tuning.evaluate_model`; this module prints them (:mod:`skact_cli.evaluation`)
and writes summary.json, confusion.png and report.html.
"""

from __future__ import annotations

import time
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
from skact_cli.runs import command_line, default_out, make_out_dir

HELP = (
    "Score a model saved by 'skact tune' on new labelled rows.\n\n"
    "The rows need the feature columns and the target column the model was trained on "
    "(rows without a target are left out). Prints the score (and, for classification, "
    "accuracy, UAR, macro F1, a per-class table and the confusion matrix) and writes "
    "summary.json, confusion.png and report.html to the output directory."
)

EPILOG = """[bold]Examples[/bold]

    skact evaluate skact-runs/iris-20250101-120000 labelled.csv

    skact evaluate model.skact new_speakers.csv --out runs/eval
"""


@handle_errors
def evaluate(
    ctx: typer.Context,
    model: SavedModelArgument,
    data: Annotated[
        Path, typer.Argument(help="CSV with the feature columns and the target column.")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output directory.", file_okay=False,
                     show_default="skact-runs/evaluate-<data name>-<timestamp>"),
    ] = None,
    allow_pickle: AllowPickleOption = False,
    debug: DebugOption = False,
):
    from skact_cli import evaluation, render
    from skact_cli.predict import load_bundle

    from skact.data import read_csv
    from skact.data.fingerprint import same_file_warning
    from skact.tuning import evaluate_model, numeric_columns

    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    bundle = load_bundle(render, model, allow_pickle, debug, command="evaluate")
    with quiet(not debug):
        numeric = numeric_columns(bundle)
        if bundle.get("task") == "regression" and bundle.get("target"):
            numeric = [*numeric, bundle["target"]]
        report = evaluate_model(bundle, read_csv(data, numeric=numeric), source=str(data))
        if report.get("n_rows_dropped"):
            render.info(f"Left out {report['n_rows_dropped']} rows without a target")
        tuned_on = same_file_warning(bundle.get("data_sha256"), data)
        if tuned_on:
            report["tuned_on_this_file"] = tuned_on  # in summary.json too
            render.warning(tuned_on)
        evaluation.show(render, report, bundle.get("best_score"), what="Scores")
        out_dir = make_out_dir(out or default_out(data, prefix="evaluate-"))
        _save(render, bundle, report, model, data, out_dir, started, command_line(ctx))


def _save(render, bundle, report, model, data, out_dir, started, command) -> None:
    from skact_cli import evaluation

    from skact.report import evaluate_report, write_report
    from skact.tuning import versions, write_summary

    summary = {
        "model": str(model), "data": str(data), "target": bundle.get("target"),
        "task": bundle.get("task"), "classes": bundle.get("classes"),
        "cv_score": bundle.get("best_score"), "test": report, "started": started,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "versions": versions(),
        "command": command,
    }
    write_summary(Path(out_dir) / "summary.json", summary)
    saved = ["summary.json", *evaluation.save(report, out_dir)]
    write_report(Path(out_dir) / "report.html", evaluate_report(summary))
    render.info(f"Saved {', '.join([*saved, 'report.html'])} in {out_dir}")
