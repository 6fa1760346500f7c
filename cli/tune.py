"""``skact tune``: search activations and architectures on a CSV, report, refit and save.

The search itself is :class:`skact.tuning.Tuner`; this module turns the options into its
arguments, shows its progress and results through :mod:`skact_cli.render`, writes model.skact,
trials.csv and summary.json, and chooses the exit status.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from skact_cli import design, tune_results
from skact_cli.common import (
    DataArgument,
    DebugOption,
    Device,
    DeviceOption,
    Model,
    ModelOption,
    ScoringOption,
    Search,
    TargetOption,
    Task,
    TaskOption,
    check_device,
    handle_errors,
    interrupted_status,
    interruption,
    parse_activations,
    parse_n_jobs,
    parse_scoring,
    quiet,
    use_device,
)
from skact_cli.design import GroupsOption, TestOption
from skact_cli.runs import (
    command_line,
    default_out,
    make_out_dir,
    report_dataset,
    resume_hint,
    stem,
)

HELP = (
    "Find the best activation and architecture for a CSV feature table.\n\n"
    "Cross-validates pipelines (imputation, scaling, one-hot encoding, network) on all rows, "
    "prints a leaderboard and a per-activation comparison, refits the best pipeline on all "
    "rows and saves it as model.skact with trials.csv, summary.json and report.html in the "
    "output directory. With --groups the folds keep each group whole; with --test the "
    "final model is scored once on rows the search never saw."
)

# Each line of the examples fits 80 columns: Rich keeps the line breaks written here and
# wraps a longer line on its own, leaving a word or two alone on an unindented line.
EPILOG = """[bold]Examples[/bold]

  Tune on a CSV whose last column is the label:

    skact tune data.csv

  Compare three activations with 10-fold cross-validation and 50 trials:

    skact tune data.csv --activations relu,gelu,tanh --cv 10 --n-trials 50

  The full grid of activations x a few layer shapes, 4 fits in parallel:

    skact tune data.csv --search grid --n-jobs 4

  Speaker-independent folds, and a test set fixed by the corpus:

    skact tune emo.csv -t emotion --groups speaker --test partition=test

  Resumable, and shared by several workers on one host (run the same line
  in more terminals; use a postgresql:// URL across hosts):

    skact tune data.csv --storage runs.journal --study-name exp1 --n-trials 25
"""


@handle_errors
def tune(
    ctx: typer.Context,
    data: DataArgument,
    target: TargetOption = None,
    task: TaskOption = Task.auto,
    model: ModelOption = Model.mlp,
    search: Annotated[
        Search, typer.Option(help="Optuna (TPE + pruning) or a full GridSearchCV grid.")
    ] = Search.optuna,
    activations: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated activations to compare, e.g. relu,gelu,tanh. "
            "See 'skact activations'.",
            show_default="relu, leaky_relu, tanh, sigmoid, elu, selu, gelu, silu, mish",
        ),
    ] = None,
    n_trials: Annotated[
        int, typer.Option(min=1, help="Trials this run adds to the study (Optuna).")
    ] = 20,
    timeout: Annotated[
        float | None,
        typer.Option(min=0.0, help="Stop starting new trials after this many seconds."),
    ] = None,
    cv: Annotated[
        int, typer.Option(min=2, help="Cross-validation folds (stratified for classification).")
    ] = 5,
    groups: GroupsOption = None,
    test: TestOption = None,
    scoring: ScoringOption = None,
    max_epochs: Annotated[
        int | None,
        typer.Option(min=1, help="Epochs per fit, at most; which epoch's weights are kept is "
                     "the model's own rule (the mlp regressor: its best on held-out rows).",
                     show_default="the model's own: 96 for the mlp classifier, 64 for the "
                     "regressor, 60 for cnn"),
    ] = None,
    n_jobs: Annotated[
        int,
        typer.Option(help="Parallel trials (Optuna) or fits (grid); -1 for all CPUs."),
    ] = 1,
    device: DeviceOption = Device.auto,
    storage: Annotated[
        str | None,
        typer.Option(
            help="Optuna storage: a journal file path (one host, many processes) or a "
            "database URL such as postgresql://u:pw@host/db (many hosts). Set "
            "SKACT_STORAGE instead to keep a password off the command line.",
            show_default="in memory",
            envvar="SKACT_STORAGE",
        ),
    ] = None,
    study_name: Annotated[
        str | None,
        typer.Option(help="Study to create or join.", show_default="skact-<data name>"),
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Seeds the sampler, the folds and the networks.")
    ] = 0,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Output directory.",
            show_default="skact-runs/<data name>-<timestamp>",
            file_okay=False,
        ),
    ] = None,
    space: Annotated[
        Path | None,
        typer.Option(help="Search space file (TOML or JSON) replacing the default space."),
    ] = None,
    debug: DebugOption = False,
):
    from skact_cli import render

    check_device(device)  # --device cuda without a GPU: one line, exit 2, before any work
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    acts = parse_activations(activations)
    scorer = parse_scoring(scoring)
    jobs = parse_n_jobs(n_jobs)
    with quiet(not debug, optuna_logs=True):
        from skact.data import class_rows_needed, load_table
        from skact.tuning import OptunaSettings, load_space

        # the space file and the table first: a file that cannot be read is reported
        # before torch is imported
        search_space = load_space(space) if space is not None else None
        dataset = load_table(data, target=target, task=task.value,
                             min_class_count=class_rows_needed(cv))
        dataset, group_ids, test_rows = design.set_up(
            data, dataset, groups=groups, test=test, cv=cv,
            min_class_count=class_rows_needed(cv))
        report_dataset(render, data, dataset)
        design.report(render, dataset, group_ids, test_rows)
        settings = OptunaSettings(
            storage=storage, study_name=study_name or f"skact-{stem(data)}", seed=seed
        )
        if search is Search.optuna:  # a grid search keeps no study
            # a database that cannot be reached (or its driver), or a journal that cannot be
            # written, is reported before torch is imported; the study is then opened on it
            settings.open_storage()
        parallel = "trials" if search is Search.optuna else "fits"
        chosen = use_device(device, f"{jobs} parallel {parallel}" if jobs > 1 else "")
        from skact.tuning import Tuner

        tuner = Tuner(
            dataset,
            model=model.value,
            search=search.value,
            space=search_space,
            activations=acts,
            n_trials=n_trials,
            timeout=timeout,
            cv=cv,
            scoring=scorer,
            max_epochs=max_epochs,
            n_jobs=jobs,
            settings=settings,
            device=chosen,
            groups=group_ids,
            test=test_rows,
        )
        out_dir = make_out_dir(out or default_out(data))  # before the search, not after
        _report_setup(render, tuner)
        result = _run_search(render, tuner, out_dir)
        tune_results.show(render, tuner, result)
        tune_results.save(render, tuner, result, data, out_dir, started, command_line(ctx))
        tune_results.report_test_and_page(render, tuner, result, out_dir)
    _exit_status(render, tuner, result, command_line(ctx), data)


def _report_setup(render, tuner) -> None:
    render.info(
        f"Scoring: {tuner.scoring}, {tuner.folds.describe()}; "
        f"activations: {', '.join(map(str, tuner.space.activations))}"
    )


def _exit_status(render, tuner, result, command, data) -> None:
    """Exit 130 after Ctrl-C (saying how to resume), 1 when no trial completed; return
    normally otherwise."""
    from skact.tuning import mask_url

    if result.interrupted:
        status = interrupted_status()
        what = interruption(status)
        if tuner.search == "grid":
            render.error(f"{what}; a grid search keeps no partial results")
        else:
            storage = tuner.settings.storage
            where = (
                f"in study {result.study_name!r} ({mask_url(storage)}) and trials.csv"
                if storage else "in trials.csv"
            )
            render.error(f"{what}; the trials that finished are kept {where}")
            render.command(*resume_hint(command, storage,
                                        result.study_name or tuner.study_name, data))
        raise typer.Exit(status)
    if result.best is None:
        first = next((r["error"] for r in result.records if r.get("error")), None)
        render.error(
            f"no trial completed; the first failure: {first}" if first else
            "no trial completed (see the state column); try more --max-epochs or a different "
            "--space"
        )
        raise typer.Exit(1)


def _run_search(render, tuner, out_dir):
    from skact_cli.progress import TrialProgress

    folds = tuner.n_folds
    if tuner.search == "grid":
        n_points = tuner.space.n_grid_points()
        render.info(f"Grid: {n_points} candidates x {folds} folds")

        def where(event):  # GridEpochs numbers the fits in the order the grid starts them
            kind, k = event.tag
            if kind == "refit":
                return "refit of the best candidate on all rows"
            candidate, fold = divmod(k - 1, folds)
            return f"candidate {candidate + 1}/{n_points} · fold {fold + 1}/{folds}"

        with TrialProgress(n_points * folds, "Grid search", unit="fits", pruned=False,
                           describe=where) as progress:
            return tuner.run(on_trial=progress.on_trial, on_epoch=progress.on_epoch)
    study = tuner.open()
    for note in tuner.notes:
        render.info(f"Note: {note}")
    n_old = len(study.get_trials(deepcopy=False))
    if n_old:
        render.info(f"Study {tuner.study_name!r} has {render.counted(n_old, 'trial')}; "
                    f"adding {tuner.n_trials}")
    save_trials = _TrialsFile(tuner, Path(out_dir) / "trials.csv")
    with TrialProgress(tuner.n_trials, "Tuning", folds=folds, timeout=tuner.timeout,
                       describe=lambda e: f"trial {e.tag} · fold {e.fit}/{folds}") as progress:
        def on_trial(record, best):
            save_trials()
            progress.on_trial(record, best)

        return tuner.run(on_trial=on_trial, on_epoch=progress.on_epoch)


class _TrialsFile:
    """Rewrite trials.csv after every finished trial, so that a kill -9 (or a node failure)
    loses no finished trial even without --storage. Parallel trials call it from several
    threads: one write at a time, each with the study as it is then."""

    def __init__(self, tuner, path):
        import threading

        self.tuner, self.path, self.lock = tuner, path, threading.Lock()

    def __call__(self):
        from skact.tuning import write_trials_csv

        with self.lock:
            write_trials_csv(self.path, self.tuner.records())
