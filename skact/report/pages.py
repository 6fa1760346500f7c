"""``report.html`` for ``skact tune``, ``skact compare`` and ``skact evaluate``, built from
what the run wrote to ``summary.json`` (and tune's trial records), so the page and the JSON
never disagree.

Each page has the command, the data (file, rows, features, target, task), the fold design
(by row or by group) and the test rows, the results (tune: the leaderboard and the table per
activation; compare: the table per activation and its plots), the test-set report (metrics,
per-class table, confusion matrix) and the library versions.
"""

from __future__ import annotations

import math
from pathlib import Path

from skact.exceptions import counted
from skact.report.figures import confusion_figure, png_bytes
from skact.report.html import Page

__all__ = ["compare_report", "evaluate_report", "tune_report", "write_report"]


def _num(value, digits=4) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.{digits}f}" if abs(value) < 1000 else f"{value:.6g}"
    return str(value)


def _score(mean, std=None) -> str:
    return _num(mean) if std is None or mean is None else f"{_num(mean)} ± {_num(std)}"


def _header(page: Page, summary: dict, what: str) -> None:
    page.paragraph(f"{what}, finished {summary.get('finished', '?')}.", "muted")
    if summary.get("command"):
        page.heading("Command")
        page.code(summary["command"])


def _data(page: Page, summary: dict) -> None:
    page.heading("Data and design")
    columns = summary.get("columns") or {}
    features = columns.get("features")
    classes = summary.get("classes")
    folds = summary.get("folds") or {}
    test = summary.get("test") or {}
    design = None
    if folds:
        design = f"{folds.get('n_splits')}-fold {folds.get('splitter')}, shuffled (seed " \
                 f"{folds.get('seed')})"
        if folds.get("groups"):
            design += f", grouped by {folds['groups']} ({folds.get('n_groups')} groups)"
        else:
            design += ", folds by row"
    page.facts([
        ("data", summary.get("data")),
        ("rows", summary.get("n_rows")),
        ("feature columns", None if features is None else
         f"{len(features)} ({len(columns.get('numeric', []))} numeric, "
         f"{len(columns.get('categorical', []))} text)"),
        ("target", summary.get("target")),
        ("task", summary.get("task") and
         f"{summary['task']} ({summary.get('task_reason', '')})".replace(" ()", "")),
        ("classes", None if not classes else ", ".join(map(str, classes))),
        ("scoring", summary.get("scoring")),
        ("cross-validation", design),
        ("test rows", f"{test.get('n_rows')} rows from {test.get('source')}, scored once "
                      "by the final model" if test else None),
    ])


def _test(page: Page, test: dict | None, cv_score=None, title="Test set") -> None:
    if not test:
        return
    page.heading(title)
    if "accuracy" not in test and "r2" not in test:  # set aside, but no final model scored them
        page.paragraph(f"{test.get('n_rows')} rows from {test.get('source')} were set aside "
                       "and not scored: the run ended without a final model.", "warning")
        return
    scoring = test.get("scoring")
    shown = f"{scoring} (UAR)" if scoring == "balanced_accuracy" else scoring
    facts = [("rows", f"{test.get('n_rows')} from {test.get('source')}"),
             (shown, _num(test.get("score")))]
    if cv_score is not None:
        facts.append((f"cross-validated {scoring}", _num(cv_score)))
    for key, label in (("accuracy", "accuracy"), ("balanced_accuracy",
                       "balanced accuracy (UAR)"), ("f1_macro", "macro F1"), ("r2", "R²"),
                       ("mae", "MAE"), ("rmse", "RMSE")):
        if key in test and key != scoring:
            facts.append((label, _num(test[key])))
    page.facts(facts)
    per_class = test.get("per_class")
    if per_class:
        page.heading("Per class", 3)
        page.table(["class", "precision", "recall", "F1", "support"],
                   [[c["class"], _num(c["precision"]), _num(c["recall"]), _num(c["f1"]),
                     c["support"]] for c in per_class],
                   numeric={"precision", "recall", "F1", "support"})
    confusion = test.get("confusion")
    if confusion:
        page.heading("Confusion matrix", 3)
        fig = confusion_figure(confusion["labels"], confusion["matrix"],
                               f"{test.get('source')} ({test.get('n_rows')} rows)")
        page.image(png_bytes(fig), "confusion matrix of the test rows")


def _versions(page: Page, summary: dict) -> None:
    versions = summary.get("versions") or {}
    if versions:
        page.heading("Library versions")
        page.facts(sorted(versions.items()))


def tune_report(summary: dict, records: list[dict]) -> str:
    """The page for a ``skact tune`` run: its ``summary.json`` content and trial records."""
    from skact.tuning import activation_summary, leaderboard

    scoring = summary.get("scoring")
    page = Page(f"skact tune: {Path(str(summary.get('data', 'data'))).name}")
    _header(page, summary, "A search of activations and architectures")
    _data(page, summary)
    page.heading("Best model")
    best = summary.get("best_params") or {}
    page.facts([(f"cross-validated {scoring}", _score(summary.get("best_score"),
                                                       summary.get("best_score_std"))),
                ("trial", summary.get("best_trial")),
                *[(k, v) for k, v in best.items()],
                ("constant prediction", _num(summary.get("constant_score")))])
    if summary.get("no_better_than_constant"):
        page.paragraph("The best model scores no better than a constant prediction.",
                       "warning")
    ranked = leaderboard(records)[:15]
    if ranked:
        page.heading("Leaderboard")
        page.table(["#", "trial", "activation", "layers", "lr", "score ± std", "state"],
                   [[i + 1 if r["state"] == "complete" else "", r["number"],
                     r.get("activation", "-"), r.get("conv_channels") or
                     r.get("hidden_layer_sizes", "-"),
                     "-" if r.get("learning_rate_init") is None else
                     f"{r['learning_rate_init']:.2g}",
                     _score(r.get("score"), r.get("score_std")), r["state"]]
                    for i, r in enumerate(ranked)],
                   numeric={"#", "trial", "lr", "score ± std"},
                   highlight=[0] if ranked[0]["state"] == "complete" else [],
                   caption=f"{counted(len(records), 'trial')} in all (trials.csv)")
        rows = activation_summary(records)
        page.heading("By activation")
        page.table(["activation", "best", "mean", "complete", "pruned", "trials"],
                   [[r["activation"], _num(r["best"]), _num(r["mean"]), r["complete"],
                     r["pruned"], r["trials"]] for r in rows],
                   numeric={"best", "mean", "complete", "pruned", "trials"},
                   highlight=[0] if rows and rows[0]["best"] is not None else [])
        _trial_scores_plot(page, records, scoring, rows[0]["activation"] if rows else None)
    _test(page, summary.get("test"), summary.get("best_score"))
    _versions(page, summary)
    return page.render()


def _trial_scores_plot(page: Page, records, scoring, best) -> None:
    from skact.compare.plots import score_plot

    scores: dict[str, list[float]] = {}
    for r in records:
        if r["state"] == "complete" and r.get("score") is not None:
            scores.setdefault(str(r.get("activation")), []).append(r["score"])
    if scores:
        fig = score_plot(scores, scoring=scoring, best=best,
                         title=f"Cross-validated {scoring} of each completed trial")
        page.image(png_bytes(fig), "scores of the trials per activation")


def compare_report(summary: dict, out_dir) -> str:
    """The page for a ``skact compare`` run: its ``summary.json`` content and the plots
    it wrote to ``out_dir``."""
    scoring = summary.get("scoring")
    recipe = summary.get("recipe", "strong")
    page = Page(f"skact compare: {Path(str(summary.get('data', 'data'))).name}")
    _header(page, summary, f"A comparison of activations, {recipe} recipe")
    _data(page, summary)
    page.heading("Activations compared")
    rows = sorted(summary.get("activations") or [],
                  key=lambda r: (r.get("rank") is None, r.get("rank") or 0))
    page.facts([("network", f"{summary.get('model')} {summary.get('layers')}"),
                ("recipe", summary.get("recipe_description") or recipe),
                ("fits", f"{summary.get('runs')} runs x {summary.get('cv')} folds per "
                         "activation"),
                ("epochs", summary.get("max_epochs"))])
    page.table(["#", "activation", "score ± std", "fit s", "dead %", "sat. %", "grad ratio"],
               [[r.get("rank") or "", r["activation"],
                 _score(r.get("score_mean"), r.get("score_std")), _num(r.get("fit_time"), 2),
                 "-" if r.get("dead_fraction") is None else f"{100 * r['dead_fraction']:.1f}",
                 "-" if r.get("saturated_fraction") is None else
                 f"{100 * r['saturated_fraction']:.1f}", _num(r.get("grad_ratio"), 3)]
                for r in rows],
               numeric={"#", "score ± std", "fit s", "dead %", "sat. %", "grad ratio"},
               highlight=[i for i, r in enumerate(rows) if r.get("best")],
               caption=f"{scoring}, mean ± std over the fits")
    for note in summary.get("advice_shown") or []:
        page.paragraph(note, "warning")
    for name in ("scores.png", "loss.png", "diagnostics.png"):
        path = Path(out_dir) / name
        if path.is_file():
            page.image(path.read_bytes(), name)
    _versions(page, summary)
    return page.render()


def evaluate_report(summary: dict) -> str:
    """The page for ``skact evaluate``: a saved model scored on new labelled rows."""
    test = summary.get("test") or {}
    page = Page(f"skact evaluate: {Path(str(test.get('source', 'data'))).name}")
    _header(page, summary, "A saved model scored on labelled rows")
    page.heading("Model")
    page.facts([("model", summary.get("model")), ("target", summary.get("target")),
                ("task", summary.get("task")),
                (f"cross-validated {test.get('scoring')} when tuned",
                 _num(summary.get("cv_score"))),
                ("rows without a target, left out", test.get("n_rows_dropped") or None)])
    _test(page, test, summary.get("cv_score"), title="Scores on the labelled rows")
    _versions(page, summary)
    return page.render()


def write_report(path, text: str) -> Path:
    """Write ``report.html`` atomically."""
    from skact.model_files.atomic import write_atomic

    return write_atomic(Path(path), lambda fh: fh.write(text))
