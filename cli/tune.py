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
from skact_cli import design
from skact_cli.common import (
    DataArgument,
    DebugOption,
    Model,
    ModelOption,
    ScoringOption,
    Search,
    TargetOption,
    Task,
    TaskOption,
    handle_errors,
    interrupted_status,
    interruption,
    parse_activations,
    parse_n_jobs,
    parse_scoring,
    quiet,
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

EPILOG = """[bold]Examples[/bold]

  Tune on a CSV whose last column is the label:

    skact tune data.csv

  Compare three activations with 10-fold cross-validation and 50 trials:

    skact tune data.csv -t species --activations relu,gelu,tanh --cv 10 --n-trials 50

  The full grid of activations x a few layer shapes, 4 fits in parallel:

    skact tune data.csv --search grid --n-jobs 4

  Speaker-independent folds, and a test set fixed by the corpus:

    skact tune emo.csv -t emotion --groups speaker --test partition=test

  Resumable, and shared by several workers on one host (run the same line in more
  terminals; use a postgresql:// URL across hosts):

    skact tune data.csv --storage runs.journal --study-name my-study --n-trials 25
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
            groups=group_ids,
            test=test_rows,
        )
        out_dir = make_out_dir(out or default_out(data))  # before the search, not after
        _report_setup(render, tuner)
        result = _run_search(render, tuner, out_dir)
        _show_results(render, tuner, result)
        _save_results(render, tuner, result, data, out_dir, started, command_line(ctx))
        _report_test_and_page(render, tuner, result, out_dir)
    _exit_status(render, tuner, result, command_line(ctx), data)


def _report_setup(render, tuner) -> None:
    render.info(
        f"Scoring: {tuner.scoring}, {tuner.folds.describe()}; "
        f"activations: {', '.join(map(str, tuner.space.activations))}"
    )


def _report_test_and_page(render, tuner, result, out_dir) -> None:
    """The test rows' score beside the cross-validated one (with the per-class table and
    confusion.png), then report.html."""
    import json

    from skact_cli import evaluation

    from skact.report import tune_report, write_report

    saved = []
    if result.test is not None:
        best = result.best or {}
        evaluation.show(render, result.test, best.get("score"), best.get("score_std"))
        saved += evaluation.save(result.test, out_dir)
    summary = json.loads((Path(out_dir) / "summary.json").read_text(encoding="utf-8"))
    write_report(Path(out_dir) / "report.html", tune_report(summary, result.records))
    render.info(f"Saved {', '.join([*saved, 'report.html'])} in {out_dir}")


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
            render.info(resume_hint(command, storage, result.study_name or tuner.study_name,
                                    data))
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
        render.info(f"Study {tuner.study_name!r} has {n_old} trials; adding {tuner.n_trials}")
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


def _show_results(render, tuner, result) -> None:
    from skact.tuning import activation_summary, leaderboard
    from skact.tuning.results import no_better_than_constant

    if result.study_name and tuner.search == "optuna":
        n_old = len(result.records) - result.n_new
        extra = f" ({n_old} from earlier runs or other workers)" if n_old else ""
        render.info(f"Study {result.study_name!r}: {len(result.records)} trials{extra}, "
                    f"{result.n_new} run by this worker")
    if not result.records:
        return
    render.out.print(render.leaderboard_table(leaderboard(result.records), tuner.scoring))
    render.out.print(render.activation_table(activation_summary(result.records), tuner.scoring))
    if result.best is not None:
        render.out.print(
            render.params_table(
                result.best_params, result.best["score"], result.best.get("score_std"),
                tuner.scoring,
            )
        )
    warning = no_better_than_constant(tuner, result)
    if warning:
        render.warning(warning)


def _save_results(render, tuner, result, data, out_dir, started, command) -> None:
    from skact.exceptions import SkactError

    try:
        _write_results(render, tuner, result, data, Path(out_dir), started, command)
    except OSError as exc:
        raise SkactError(f"cannot write the results to {out_dir}: {exc.strerror or exc}") from None


def _write_results(render, tuner, result, data, out_dir, started, command) -> None:
    from skact.model_files import MODEL_FILE
    from skact.tuning import make_summary, save_model, write_summary, write_trials_csv

    def summarise(model_file):
        summary = make_summary(
            tuner, result, data_path=data, command=command, started=started,
            model_file=model_file,
        )
        write_summary(out_dir / "summary.json", summary)

    # The trials and summary first: a Ctrl-C during the refit must not lose them.
    write_trials_csv(out_dir / "trials.csv", result.records)
    summarise(None)
    model_file = None
    if not result.interrupted and result.best is not None:
        try:
            pipe = _refit(tuner, result)
        except KeyboardInterrupt:
            render.info(f"Interrupted while refitting: saved trials.csv and summary.json in "
                        f"{out_dir}, no model.")
            raise
        ds = tuner.dataset
        save_model(
            out_dir / MODEL_FILE,
            pipe,
            {
                "feature_columns": ds.feature_columns,
                "target": ds.target,
                "task": ds.task,
                "classes": [str(c) for c in getattr(pipe, "classes_", [])] or None,
                "best_params": result.best_params,
                "scoring": tuner.scoring,
                "best_score": result.best["score"],
            },
        )
        model_file = MODEL_FILE
        summarise(model_file)
    files = ", ".join(f for f in (model_file, "trials.csv", "summary.json") if f)
    render.info(f"Saved {files} in {out_dir}")
    _note_if_not_final(render, tuner, result, model_file)


def _refit(tuner, result):
    """The best pipeline fitted on all rows, with its own progress line (a grid search has
    refitted it already)."""
    from skact_cli.progress import RefitProgress

    if result.pipeline is not None:
        return result.pipeline
    label = f"Refit of trial {result.best['number']} on all rows"
    with RefitProgress(tuner.max_epochs, label) as progress:
        return tuner.refit(result, on_epoch=progress.on_epoch)


def _note_if_not_final(render, tuner, result, model_file) -> None:
    """Say so when the saved model may not be the study's best: other workers had trials
    running when this one chose, or found a better one while it refitted."""
    if model_file is None or tuner.search != "optuna" or not tuner.settings.storage:
        return
    best_now = tuner.best_trial_now()
    if best_now is not None and best_now != result.best["number"]:
        render.info(f"Note: while this worker refitted, another one finished trial {best_now}, "
                    f"now the study's best; the saved model is trial {result.best['number']}. "
                    "Run again with the same --storage to refit the best.")
    elif result.n_running_elsewhere:
        render.info(f"Note: {result.n_running_elsewhere} trials of other workers were still "
                    f"running; the saved model is the study's best so far (trial "
                    f"{result.best['number']}). Run again with the same --storage once they "
                    "finish to refit the final best.")
