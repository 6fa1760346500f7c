"""``skact compare``: the same network, data and settings, once per activation.

The comparison itself is :func:`skact.compare.running.compare_dataset` (and
:func:`skact.compare.running.save_comparison` for its files); this module turns the options into its
arguments, shows its progress, table and notes, and chooses the exit status, keeping the
finished fits after Ctrl-C.
"""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from skact_cli import design
from skact_cli.common import (
    INTERRUPTED,
    DataArgument,
    DebugOption,
    Device,
    DeviceOption,
    Model,
    ModelOption,
    ScoringOption,
    TargetOption,
    Task,
    TaskOption,
    check_device,
    handle_errors,
    parse_activations,
    parse_scoring,
    quiet,
    use_device,
)
from skact_cli.design import GroupsOption
from skact_cli.runs import (
    command_line,
    default_out,
    make_out_dir,
    remove_empty_out_dir,
    report_dataset,
)

HELP = (
    "Compare activations on the same network, data and settings.\n\n"
    "Trains one network per activation, repeated over --runs seeds and --cv folds, with the "
    "CSV preprocessing of 'skact tune' and early stopping. Prints a table per activation "
    "(score, fit time, epoch of the best validation score, final loss, dead and saturated "
    "units, first/last layer gradient ratio) with the best highlighted, and writes "
    "compare.csv, summary.json, loss.png, scores.png, diagnostics.png and report.html to "
    "the output directory. --recipe plain runs the classic network of the activation "
    "tutorials instead of the strong default."
)

EPILOG = """[bold]Examples[/bold]

  Every default activation, 3 seeds x 3 folds, the model's own network:

    skact compare data.csv --target species

  Three activations on a deeper network:

    skact compare data.csv --activations relu,tanh,sigmoid --layers 64-64-64-64

  5 seeds x 5 folds, results in runs/cmp:

    skact compare data.csv --runs 5 --cv 5 --out runs/cmp

  A 1-D CNN over the feature columns (spectra, signals):

    skact compare spectra.csv --model cnn --layers 64

  The tutorials' plain network, with speaker-independent folds:

    skact compare emo.csv -t emotion --recipe plain --groups speaker
"""


class Recipe(str, Enum):
    strong = "strong"
    plain = "plain"


def _parse_layers(value: str) -> tuple[int, ...]:
    from skact.exceptions import SpaceError
    from skact.tuning import parse_layers

    try:
        return parse_layers(value)
    except SpaceError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--layers'") from None


@handle_errors
def compare(
    ctx: typer.Context,
    data: DataArgument,
    target: TargetOption = None,
    task: TaskOption = Task.auto,
    activations: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated activations to compare. See 'skact activations'.",
            show_default="relu, leaky_relu, tanh, sigmoid, elu, selu, gelu, silu, mish",
        ),
    ] = None,
    model: ModelOption = Model.mlp,
    layers: Annotated[
        str | None,
        typer.Option(help="Hidden layer sizes (the dense layers for a CNN).",
                     show_default="the model's own: 256-256-256 for mlp, 100 for cnn"),
    ] = None,
    runs: Annotated[int, typer.Option(min=1, help="Repeats with seeds seed, seed+1, ...")] = 3,
    cv: Annotated[
        int, typer.Option(min=2, help="Cross-validation folds per run (stratified for "
                          "classification).")
    ] = 3,
    max_epochs: Annotated[
        int | None,
        typer.Option(min=1, help="Epochs per fit; every epoch runs and the best one is kept.",
                     show_default="the model's own: 96 for the mlp classifier, 64 for the "
                                  "mlp regressor, 60 for cnn"),
    ] = None,
    scoring: ScoringOption = None,
    groups: GroupsOption = None,
    recipe: Annotated[
        Recipe,
        typer.Option(help="strong: the model's defaults (batch norm, learnable blend, "
                     "schedule); plain: the tutorials' network without them."),
    ] = Recipe.strong,
    seed: Annotated[int, typer.Option(help="Seeds the folds and the networks.")] = 0,
    device: DeviceOption = Device.auto,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Output directory.",
            show_default="skact-runs/compare-<data name>-<timestamp>",
            file_okay=False,
        ),
    ] = None,
    debug: DebugOption = False,
):
    from skact_cli import render

    check_device(device)  # --device cuda without a GPU: one line, exit 2, before any work
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    acts = parse_activations(activations)
    sizes = None if layers is None else _parse_layers(layers)
    scorer = parse_scoring(scoring)
    with quiet(not debug):
        from skact.data import class_rows_needed, load_table

        # the table first: a file that cannot be read is reported before torch is imported
        dataset = load_table(data, target=target, task=task.value,
                             min_class_count=class_rows_needed(cv))
        dataset, group_ids, _ = design.set_up(data, dataset, groups=groups, cv=cv)
        report_dataset(render, data, dataset)
        design.report(render, dataset, group_ids)
        chosen = use_device(device)
        from skact.compare import compare_dataset, save_comparison
        from skact.compare.results import fits_description
        from skact.tuning import DEFAULT_ACTIVATIONS

        out_dir = out or default_out(data, prefix="compare-")
        new_dir = not out_dir.exists()
        out_dir = make_out_dir(out_dir)
        acts = acts or list(DEFAULT_ACTIVATIONS)
        total = runs * cv * len(acts)
        grouped = ("" if group_ids is None else
                   f"; folds grouped by {groups} ({group_ids.nunique()} groups)")
        render.info(f"Comparing {', '.join(acts)}: "
                    f"{fits_description({'runs': runs, 'cv': cv})} = {total} fits, "
                    f"{recipe.value} recipe{grouped}")
        progress, on_fit = _progress(total, runs, cv)
        with progress:
            result = compare_dataset(  # Ctrl-C: returns the finished fits, interrupted=True
                dataset, activations=acts, model=model.value, layers=sizes, runs=runs, cv=cv,
                max_epochs=max_epochs, seed=seed, scoring=scorer, params={"device": chosen},
                on_fit=on_fit, on_epoch=progress.on_epoch, groups=group_ids,
                recipe=recipe.value,
            )
        if result.interrupted and not result.records:
            if new_dir:
                remove_empty_out_dir(out_dir)  # created for this run and still empty
            render.error("interrupted before any fit finished; nothing saved")
            raise typer.Exit(INTERRUPTED)
        table = render.compare_table(result.summary(), result.scoring, result.settings)
        if result.interrupted:
            table.title = f"INTERRUPTED after {len(result.records)} of {total} fits. {table.title}"
        render.out.print(table)
        _report_compare_notes(render, result)
        if result.incomplete():
            render.info("Interrupted before every fit finished: " + ", ".join(
                f"{act} {n} of {result.n_planned} fits" for act, n in result.incomplete().items()
            ))
        save_comparison(result, out_dir, extra={
            "data": str(data), "target": dataset.target, "task_reason": dataset.task_reason,
            "n_rows": dataset.n_rows, "started": started,
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "command": command_line(ctx),
        })
        _write_page(out_dir)
        render.info(f"Saved compare.csv, summary.json, loss.png, scores.png, diagnostics.png, "
                    f"report.html in {out_dir}")
    if result.interrupted:
        render.error(f"interrupted; kept the {len(result.records)} of {total} fits that "
                     f"finished, in {out_dir}")
        raise typer.Exit(INTERRUPTED)
    if not any(r["status"] != "failed" for r in result.records):
        first = next((r["message"] for r in result.records if r["message"]), "unknown error")
        render.error(f"every fit failed; the first: {first}")
        raise typer.Exit(1)


def _progress(total, runs, cv):
    """The display (fits done, the best activation so far by mean score over its finished
    fits, ETA, and the fit training now: "relu · run 1/3 · fold 2/3 · epoch 12/100") and the
    ``on_fit`` hook that feeds it."""
    from skact_cli.progress import TrialProgress

    def where(event):
        act, run, fold = event.tag
        return f"{act} · run {run + 1}/{runs} · fold {fold + 1}/{cv}"

    progress = TrialProgress(total, "Comparing", unit="fits", describe=where, pruned=False)
    scores: dict[str, list[float]] = {}

    def on_fit(record):
        if record.get("score") is not None:
            scores.setdefault(record["activation"], []).append(record["score"])
        means = {act: sum(v) / len(v) for act, v in scores.items()}
        best = max(means, key=means.get) if means else None
        progress.on_trial(record, None if best is None else
                          {"score": means[best], "label": best})

    return progress, on_fit


def _report_compare_notes(render, result) -> None:
    """Best activation, diverged or failed fits, and the diagnostics' advice."""
    if result.best is not None:
        render.info(f"Best: {result.best} (highest mean {result.scoring})")
    for r in result.records:
        if r["status"] in ("diverged", "failed"):
            render.info(
                f"{r['activation']} run {r['run']} fold {r['fold']} {r['status']}: "
                f"{r['message']}"
            )
    for line in result.advice_lines():  # once per activation, never against the best
        render.info(line)


def _write_page(out_dir) -> None:
    """report.html, from the summary.json just written and the plots."""
    import json

    from skact.report import compare_report, write_report

    summary = json.loads((Path(out_dir) / "summary.json").read_text(encoding="utf-8"))
    write_report(Path(out_dir) / "report.html", compare_report(summary, out_dir))
