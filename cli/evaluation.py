"""The test-set report on the terminal and in files, for ``tune --test`` and ``evaluate``.

:func:`show` prints the score beside the cross-validated one, then for classification the
per-class table (precision, recall, F1, support) and the confusion matrix (up to
:data:`MAX_PRINTED_CLASSES` classes; beyond, confusion.png only). :func:`save` writes
``confusion.png`` through :mod:`skact.report`. The metrics come from
:func:`skact.tuning.evaluate`; nothing is computed here.
"""

from __future__ import annotations

from pathlib import Path

#: The confusion matrix is printed up to this many classes (always saved as confusion.png).
MAX_PRINTED_CLASSES = 12

_NAMES = {"accuracy": "accuracy", "balanced_accuracy": "UAR", "f1_macro": "macro F1",
          "r2": "R²", "mae": "MAE", "rmse": "RMSE"}


def _value(value) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if abs(value) < 1000 else f"{value:.6g}"


def headline(report: dict, cv_score=None, cv_std=None, what="Test") -> str:
    """``Test (test.csv, 300 rows): balanced_accuracy 0.4100 (cross-validated 0.4500 ±
    0.0300); accuracy 0.52, macro F1 0.40``."""
    scoring = report.get("scoring")
    text = f"{what} ({report.get('source')}, {report.get('n_rows')} rows): {scoring} " \
           f"{_value(report.get('score'))}"
    if cv_score is not None:
        spread = f" ± {_value(cv_std)}" if cv_std is not None else ""
        text += f" (cross-validated {_value(cv_score)}{spread})"
    others = [f"{name} {_value(report[key])}" for key, name in _NAMES.items()
              if key in report and key != scoring]
    return text + ("; " + ", ".join(others) if others else "")


def per_class_table(report: dict):
    from rich.table import Table
    from skact_cli.render import _TABLE_STYLE

    table = Table(title="Per class", **_TABLE_STYLE)
    table.add_column("class", overflow="fold")
    for name in ("precision", "recall", "F1", "support"):
        table.add_column(name, justify="right", no_wrap=True)
    for row in report["per_class"]:
        table.add_row(str(row["class"]), _value(row["precision"]), _value(row["recall"]),
                      _value(row["f1"]), str(row["support"]))
    return table


def confusion_table(report: dict):
    """Rows: the true class; columns: the predicted one, numbered to stay narrow."""
    from rich.table import Table
    from skact_cli.render import _TABLE_STYLE

    labels = [str(c) for c in report["confusion"]["labels"]]
    numbered = len(labels) > 4 or max(map(len, labels)) > 8
    # the title short and the axes in the corner header: two or three classes make a
    # narrow table, and a long title wrapped there at a fifth of the screen
    table = Table(title="Confusion matrix",
                  caption=("columns numbered as the rows" if numbered else None),
                  **_TABLE_STYLE)
    table.add_column("true \\ predicted", overflow="fold")
    for i, label in enumerate(labels, start=1):
        table.add_column(str(i) if numbered else label, justify="right", no_wrap=True)
    for i, (label, row) in enumerate(zip(labels, report["confusion"]["matrix"]), start=1):
        name = f"{i} {label}" if numbered else label
        table.add_row(name, *(str(n) for n in row))
    return table


def show(render, report: dict, cv_score=None, cv_std=None, what="Test") -> None:
    """The headline on stdout, then the per-class table and the confusion matrix."""
    render.out.print(headline(report, cv_score, cv_std, what), markup=False, highlight=False,
                     soft_wrap=True)
    if report.get("per_class"):
        render.out.print(per_class_table(report))
    confusion = report.get("confusion")
    if confusion:
        if len(confusion["labels"]) <= MAX_PRINTED_CLASSES:
            render.out.print(confusion_table(report))
        else:
            render.info(f"Confusion matrix: {len(confusion['labels'])} classes, too many to "
                        "print; see confusion.png and summary.json")


def save(report: dict, out_dir) -> list[str]:
    """Write ``confusion.png`` (classification); returns the names written."""
    from skact.report import write_confusion

    return ["confusion.png"] if write_confusion(report, Path(out_dir) / "confusion.png") else []
