"""What ``skact tune`` does once its search has ended: the tables, the refit, the files.

:func:`show` prints the leaderboard, the per-activation table and the best parameters;
:func:`save` writes trials.csv and summary.json, refits the best trial on all rows (after
a first Ctrl-C too) and saves model.skact; :func:`report_test_and_page` scores the test rows
and writes report.html. The search and the exit status stay in :mod:`skact_cli.tune`.
"""

from __future__ import annotations

from pathlib import Path

from skact_cli.common import INTERRUPTED, interrupted_status


def report_test_and_page(render, tuner, result, out_dir) -> None:
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


def show(render, tuner, result) -> None:
    from skact.tuning import activation_summary, leaderboard
    from skact.tuning.results import no_better_than_constant

    if result.study_name and tuner.search == "optuna":
        n_old = len(result.records) - result.n_new
        extra = f" ({n_old} from earlier runs or other workers)" if n_old else ""
        total = render.counted(len(result.records), "trial")
        render.info(f"Study {result.study_name!r}: {total}{extra}, "
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


def save(render, tuner, result, data, out_dir, started, command) -> None:
    from skact.exceptions import SkactError

    try:
        _write_results(render, tuner, result, data, Path(out_dir), started, command)
    except OSError as exc:
        raise SkactError(f"cannot write the results to {out_dir}: {exc.strerror or exc}") from None


def _write_results(render, tuner, result, data, out_dir, started, command) -> None:
    from skact.data.fingerprint import file_digest
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
    if result.best is not None and (not result.interrupted or _refit_after_ctrl_c(render, tuner,
                                                                                  result)):
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
                # so that skact evaluate can tell when it is given this very file
                "data_sha256": file_digest(data),
            },
        )
        model_file = MODEL_FILE
        summarise(model_file)
    files = ", ".join(f for f in (model_file, "trials.csv", "summary.json") if f)
    render.info(f"Saved {files} in {out_dir}")
    if result.interrupted and result.best is None and tuner.search == "optuna":
        render.info("No trial completed, so there is no model to save.")
    _note_if_not_final(render, tuner, result, model_file)


def _refit_after_ctrl_c(render, tuner, result) -> bool:
    """Whether an interrupted search still refits its best finished trial: after a first
    Ctrl-C it does, so the run leaves a model (a second Ctrl-C stops the refit at once, as
    Python's own handler is back). After SIGTERM it does not: a scheduler wants the process
    gone. A grid search keeps no finished fits to choose from."""
    if interrupted_status() != INTERRUPTED or tuner.search != "optuna":
        return False
    best = result.best
    render.notice(f"Interrupted: refitting the best finished trial, {best['number']} "
                  f"({tuner.scoring} {best['score']:.4f}), on all rows to save it; press "
                  "Ctrl-C again to stop at once")
    return True


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
        n = result.n_running_elsewhere
        render.info(f"Note: {render.counted(n, 'trial')} of other workers "
                    f"{'was' if n == 1 else 'were'} still running; the saved model is the "
                    f"study's best so far (trial {result.best['number']}). Run again with the "
                    "same --storage once they finish to refit the final best.")
