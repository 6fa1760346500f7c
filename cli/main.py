"""The ``skact`` command line: ``tune``, ``predict``, ``compare``, ``activations``.

Each command parses its options, calls the library (:mod:`skact.data`, :mod:`skact.tuning`,
:mod:`skact.compare`, :mod:`skact.plots`) and hands the results to :mod:`skact_cli.render`.
Heavy imports (torch, scikit-learn, Optuna, pandas, matplotlib) happen inside the command
bodies so ``skact --help`` stays instant.

Exit codes: 0 success; 1 a :class:`skact.exceptions.SkactError` (one line on stderr; add
``--debug`` for the traceback); 2 a bad option value; 130 interrupted with Ctrl-C.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shlex
import sys
import time
import warnings
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

INTERRUPTED = 130  # exit status after Ctrl-C: 128 + SIGINT, what shells report for it

app = typer.Typer(
    name="skact",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="rich",
)


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


def _traceback_wanted(debug: bool) -> bool:
    return debug or os.environ.get("SKACT_DEBUG", "") not in ("", "0")


def handle_errors(command):
    """Turn :class:`SkactError` into one line on stderr and exit 1; Ctrl-C into exit 130."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from skact.exceptions import SkactError

        debug = _traceback_wanted(kwargs.get("debug", False))
        try:
            return command(*args, **kwargs)
        except SkactError as exc:
            from skact_cli import render

            if debug:
                import traceback

                traceback.print_exc()
            render.error(str(exc))
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            from skact_cli import render

            if debug:
                import traceback

                traceback.print_exc()
            render.error("interrupted")
            raise typer.Exit(INTERRUPTED) from None

    return wrapper


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

      skact compare iris.csv --target species --activations relu,tanh,sigmoid

      skact activations --plot activations.png
    """


DebugOption = Annotated[
    bool, typer.Option("--debug", help="Show the full traceback of an error.")
]

TUNE_EPILOG = """[bold]Examples[/bold]

  Tune on a CSV whose last column is the label:

    skact tune data.csv

  Compare three activations with 10-fold cross-validation and 50 trials:

    skact tune data.csv -t species --activations relu,gelu,tanh --cv 10 --n-trials 50

  The full grid of activations x a few layer shapes, 4 fits in parallel:

    skact tune data.csv --search grid --n-jobs 4

  Resumable, and shared by several workers on one host (run the same line in more
  terminals; use a postgresql:// URL across hosts):

    skact tune data.csv --storage runs.journal --study-name my-study --n-trials 25
"""


def _parse_activations(value: str | None) -> list[str] | None:
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


def _check_scoring(value: str | None) -> str | None:
    if value is None:
        return None
    from skact.exceptions import ScoringError
    from skact.tuning import check_scoring

    try:
        return check_scoring(value)
    except ScoringError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--scoring'") from None


def _n_jobs(value: int) -> int:
    if value == 0 or value < -1:
        raise typer.BadParameter("use a positive number of jobs, or -1 for all CPUs",
                                 param_hint="'--n-jobs'")
    return (os.cpu_count() or 1) if value == -1 else value


def _default_out(data: Path, prefix: str = "") -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = Path("skact-runs") / f"{prefix}{_stem(data)}-{stamp}"
    out, i = base, 1
    while out.exists():
        i += 1
        out = base.with_name(f"{base.name}-{i}")
    return out


def _command_line(ctx: typer.Context | None) -> str:
    """The command as typed, rebuilt from the parsed options (passwords in URLs masked)."""
    from skact.tuning import mask_url

    if ctx is None:
        return "skact " + shlex.join(mask_url(a) for a in sys.argv[1:])
    parts = ["skact", ctx.info_name or "tune"]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if isinstance(value, Enum):
            value = value.value
        if param.param_type_name == "argument":
            parts.append(str(value))
        elif value is not None and value is not False and value != param.default and \
                getattr(param.default, "value", param.default) != value:
            parts.append(param.opts[0])
            if value is not True:
                parts.append(mask_url(str(value)))
    return shlex.join(parts)


TUNE_HELP = (
    "Find the best activation and architecture for a CSV feature table.\n\n"
    "Cross-validates pipelines (imputation, scaling, one-hot encoding, network) on all rows, "
    "prints a leaderboard and a per-activation comparison, refits the best pipeline on all "
    "rows and saves it as model.joblib with trials.csv and summary.json in the output "
    "directory."
)


# Arguments and options that `tune` and `compare` share.
DataArgument = Annotated[Path, typer.Argument(help="CSV file: a header row, one row per sample.")]
TargetOption = Annotated[
    str | None,
    typer.Option("--target", "-t", help="Target column.", show_default="the last column"),
]
TaskOption = Annotated[Task, typer.Option(help="Inferred from the target's values with 'auto'.")]
ModelOption = Annotated[Model, typer.Option(help="Network: dense MLP or 1-D CNN.")]
ScoringOption = Annotated[
    str | None,
    typer.Option(
        help="Any scikit-learn scorer name.",
        show_default="balanced_accuracy (UAR) for classification, r2 for regression",
    ),
]


@app.command(help=TUNE_HELP, epilog=TUNE_EPILOG)
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
            show_default="relu,leaky_relu,tanh,sigmoid,elu,selu,gelu,silu",
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
    scoring: ScoringOption = None,
    max_epochs: Annotated[int, typer.Option(min=1, help="Epochs per fit, at most.")] = 100,
    n_jobs: Annotated[
        int,
        typer.Option(help="Parallel trials (Optuna) or fits (grid); -1 for all CPUs."),
    ] = 1,
    storage: Annotated[
        str | None,
        typer.Option(
            help="Optuna storage: a journal file path (one host, many processes) or a "
            "database URL such as postgresql://user:pw@host/db (many hosts).",
            show_default="in memory",
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
    acts = _parse_activations(activations)
    scorer = _check_scoring(scoring)
    jobs = _n_jobs(n_jobs)
    with _quiet(not debug, optuna_logs=True):
        from skact.data import class_rows_needed, load_table
        from skact.tuning import OptunaSettings, Tuner, load_space

        dataset = load_table(data, target=target, task=task.value,
                             min_class_count=class_rows_needed(cv))
        _report_dataset(render, data, dataset)
        tuner = Tuner(
            dataset,
            model=model.value,
            search=search.value,
            space=load_space(space) if space is not None else None,
            activations=acts,
            n_trials=n_trials,
            timeout=timeout,
            cv=cv,
            scoring=scorer,
            max_epochs=max_epochs,
            n_jobs=jobs,
            settings=OptunaSettings(
                storage=storage, study_name=study_name or f"skact-{_stem(data)}", seed=seed
            ),
        )
        out_dir = _make_out_dir(out or _default_out(data))  # before the search, not after
        _report_setup(render, tuner)
        result = _run_search(render, tuner)
        _show_results(render, tuner, result)
        _save_results(render, tuner, result, data, out_dir, started, _command_line(ctx))
    _exit_status(render, tuner, result)


def _stem(path: Path) -> str:
    return path.name.split(".")[0] or "data"


@contextlib.contextmanager
def _quiet(enabled: bool, optuna_logs: bool = False):
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


def _report_setup(render, tuner) -> None:
    folds = "stratified " if tuner.dataset.task == "classification" else ""
    render.info(
        f"Scoring: {tuner.scoring}, {tuner.n_folds}-fold {folds}cross-validation; "
        f"activations: {', '.join(map(str, tuner.space.activations))}"
    )


def _exit_status(render, tuner, result) -> None:
    """Exit 130 after Ctrl-C, 1 when no trial completed; return normally otherwise."""
    from skact.tuning import mask_url

    if result.interrupted:
        if tuner.search == "grid":
            render.error("interrupted; a grid search keeps no partial results")
        else:
            storage = tuner.settings.storage
            where = (
                f"in study {result.study_name!r} ({mask_url(storage)}) and trials.csv"
                if storage else "in trials.csv"
            )
            render.error(f"interrupted; the trials that finished are kept {where}")
        raise typer.Exit(INTERRUPTED)
    if result.best is None:
        first = next((r["error"] for r in result.records if r.get("error")), None)
        render.error(
            f"no trial completed; the first failure: {first}" if first else
            "no trial completed (see the state column); try more --max-epochs or a different "
            "--space"
        )
        raise typer.Exit(1)


def _report_dataset(render, path, ds) -> None:
    n_num, n_cat = len(ds.numeric_columns), len(ds.categorical_columns)
    render.info(
        f"Read {path}: {ds.n_rows_read} rows, {len(ds.feature_columns)} feature columns "
        f"({n_num} numeric, {n_cat} text); target {ds.target!r}"
    )
    if ds.n_rows_dropped:
        render.info(
            f"Dropped {ds.n_rows_dropped} rows whose target is missing; {ds.n_rows} remain"
        )
    detail = ""
    if ds.task == "classification":
        detail = f", {ds.y.nunique()} classes"
    render.info(f"Task: {ds.task} ({ds.task_reason}{detail})")
    for w in ds.warnings:
        render.info(f"Warning: {w}")


def _run_search(render, tuner):
    if tuner.search == "grid":
        n_fits = tuner.space.n_grid_points() * tuner.n_folds
        render.info(f"Grid: {tuner.space.n_grid_points()} candidates x {tuner.n_folds} folds")
        with render.TrialProgress(n_fits, "Grid search", unit="fits", scores=False) as progress:
            return tuner.run(on_trial=progress.on_trial)
    study = tuner.open()
    n_old = len(study.get_trials(deepcopy=False))
    if n_old:
        render.info(f"Study {tuner.study_name!r} has {n_old} trials; adding {tuner.n_trials}")
    with render.TrialProgress(tuner.n_trials, "Tuning") as progress:
        return tuner.run(on_trial=progress.on_trial)


def _show_results(render, tuner, result) -> None:
    from skact.tuning import activation_summary, leaderboard

    if result.study_name and tuner.search == "optuna":
        n_old = len(result.records) - result.n_new
        extra = f" ({n_old} from earlier runs or other workers)" if n_old else ""
        render.info(f"Study {result.study_name!r}: {len(result.records)} trials{extra}")
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


def _make_out_dir(path) -> Path:
    """Create the output directory up front, so a bad --out fails before any work."""
    from skact.exceptions import SkactError

    out_dir = Path(path)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SkactError(f"cannot create the output directory {out_dir}: "
                         f"{exc.strerror or exc}") from None
    return out_dir


def _save_results(render, tuner, result, data, out_dir, started, command) -> None:
    from skact.exceptions import SkactError

    try:
        _write_results(render, tuner, result, data, Path(out_dir), started, command)
    except OSError as exc:
        raise SkactError(f"cannot write the results to {out_dir}: {exc.strerror or exc}") from None


def _write_results(render, tuner, result, data, out_dir, started, command) -> None:
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
        render.info("Refitting the best pipeline on all rows...")
        try:
            pipe = tuner.refit(result)
        except KeyboardInterrupt:
            render.info(f"Interrupted while refitting: saved trials.csv and summary.json in "
                        f"{out_dir}, no model.")
            raise
        ds = tuner.dataset
        save_model(
            out_dir / "model.joblib",
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
        model_file = "model.joblib"
        summarise(model_file)
    files = ", ".join(f for f in (model_file, "trials.csv", "summary.json") if f)
    render.info(f"Saved {files} in {out_dir}")


PREDICT_EPILOG = """[bold]Examples[/bold]

    skact predict skact-runs/iris-20250101-120000 new_rows.csv

    skact predict skact-runs/iris-20250101-120000/model.joblib new_rows.csv --proba --out preds.csv
"""


PREDICT_HELP = (
    "Predict the target for new rows with a model saved by 'skact tune'.\n\n"
    "The target column is ignored if present; a missing feature column is an error that "
    "names it. Output: a 'prediction' column (and 'proba_<class>' columns with --proba), one "
    "row per input row. Only load model files you trust: they are pickles."
)


@app.command(help=PREDICT_HELP, epilog=PREDICT_EPILOG)
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

    with _quiet(not debug):
        bundle = load_model(model)
        # numbers where the model learnt numbers; every other column as the file has it
        df = read_csv(data, numeric=numeric_columns(bundle))
        preds = predict_frame(bundle, df, proba=proba, source=str(data))
    if out is None:
        preds.to_csv(sys.stdout, index=False)
    else:
        write_atomic(out, lambda fh: preds.to_csv(fh, index=False))
        render.info(f"Wrote {len(preds)} predictions to {out}")


COMPARE_EPILOG = """[bold]Examples[/bold]

  Every default activation, 3 seeds x 3 folds, a 128-64 MLP:

    skact compare data.csv --target species

  Three activations on a deeper network:

    skact compare data.csv -t y --activations relu,tanh,sigmoid --layers 64-64-64-64

  5 seeds x 5 folds, results in runs/cmp:

    skact compare data.csv --runs 5 --cv 5 --out runs/cmp

  A 1-D CNN over the feature columns (spectra, signals):

    skact compare spectra.csv --model cnn --layers 64
"""

COMPARE_HELP = (
    "Compare activations on the same network, data and settings.\n\n"
    "Trains one network per activation, repeated over --runs seeds and --cv folds, with the "
    "CSV preprocessing of 'skact tune' and early stopping. Prints a table per activation "
    "(score, fit time, epoch of the best validation score, final loss, dead and saturated "
    "units, first/last layer gradient ratio) with the best highlighted, and writes "
    "compare.csv, summary.json, loss.png, scores.png and diagnostics.png to the output "
    "directory."
)


def _parse_layers(value: str) -> tuple[int, ...]:
    from skact.exceptions import SpaceError
    from skact.tuning import parse_layers

    try:
        return parse_layers(value)
    except SpaceError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--layers'") from None


@app.command(help=COMPARE_HELP, epilog=COMPARE_EPILOG)
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
            show_default="relu,leaky_relu,tanh,sigmoid,elu,selu,gelu,silu",
        ),
    ] = None,
    model: ModelOption = Model.mlp,
    layers: Annotated[
        str, typer.Option(help="Hidden layer sizes (the dense layers for a CNN).")
    ] = "128-64",
    runs: Annotated[int, typer.Option(min=1, help="Repeats with seeds seed, seed+1, ...")] = 3,
    cv: Annotated[
        int, typer.Option(min=2, help="Cross-validation folds per run (stratified for "
                          "classification).")
    ] = 3,
    max_epochs: Annotated[
        int, typer.Option(min=1, help="Epochs per fit, at most (early stopping).")
    ] = 100,
    scoring: ScoringOption = None,
    seed: Annotated[int, typer.Option(help="Seeds the folds and the networks.")] = 0,
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

    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    acts = _parse_activations(activations)
    sizes = _parse_layers(layers)
    scorer = _check_scoring(scoring)
    with _quiet(not debug):
        from skact.compare import compare_dataset, save_comparison
        from skact.data import class_rows_needed, load_table
        from skact.tuning import DEFAULT_ACTIVATIONS

        dataset = load_table(data, target=target, task=task.value,
                             min_class_count=class_rows_needed(cv))
        _report_dataset(render, data, dataset)
        out_dir = out or _default_out(data, prefix="compare-")
        new_dir = not out_dir.exists()
        out_dir = _make_out_dir(out_dir)
        acts = acts or list(DEFAULT_ACTIVATIONS)
        total = runs * cv * len(acts)
        render.info(f"Comparing {', '.join(acts)}: {runs} runs x {cv} folds = {total} fits")
        with render.TrialProgress(total, "Comparing", unit="fits", scores=False) as progress:
            result = compare_dataset(  # Ctrl-C: returns the finished fits, interrupted=True
                dataset, activations=acts, model=model.value, layers=sizes, runs=runs, cv=cv,
                max_epochs=max_epochs, seed=seed, scoring=scorer,
                on_fit=lambda record: progress.on_trial(record, None),
            )
        if result.interrupted and not result.records:
            if new_dir:
                with contextlib.suppress(OSError):
                    out_dir.rmdir()  # created for this run and still empty
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
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "command": _command_line(ctx),
        })
        render.info(
            f"Saved compare.csv, summary.json, loss.png, scores.png, diagnostics.png in {out_dir}"
        )
    if result.interrupted:
        render.error(f"interrupted; kept the {len(result.records)} of {total} fits that "
                     f"finished, in {out_dir}")
        raise typer.Exit(INTERRUPTED)
    if not any(r["status"] != "failed" for r in result.records):
        first = next((r["message"] for r in result.records if r["message"]), "unknown error")
        render.error(f"every fit failed; the first: {first}")
        raise typer.Exit(1)


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
    for act, messages in result.advice.items():
        for message in messages[:2]:
            render.info(f"{act}: {message}")


ACTIVATIONS_HELP = (
    "List the activation functions: formula, output range, recommended use.\n\n"
    "With --plot FILE, also draw each activation and its derivative into a PNG."
)


@app.command(help=ACTIVATIONS_HELP)
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
        from skact.plots import activation_curves

        try:
            activation_curves(path=plot)
        except OSError as exc:
            from skact.exceptions import SkactError

            raise SkactError(f"cannot write {plot}: {exc.strerror or exc}") from None
        render.info(f"Wrote {plot}")


def main() -> None:
    """Entry point of the ``skact`` console script."""
    try:
        app()
    except KeyboardInterrupt:  # outside a command (e.g. while importing)
        sys.stderr.write("Error: interrupted\n")
        _exit_interrupted()
    except SystemExit as exc:
        if exc.code == INTERRUPTED:
            _exit_interrupted()
        raise


def _exit_interrupted():
    """Leave with status 130 after a handled Ctrl-C, reliably.

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
    os._exit(INTERRUPTED)


if __name__ == "__main__":
    main()
