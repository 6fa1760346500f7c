"""The figures of a test-set report: the confusion matrix as a heat map with the counts in
its cells and each row's recall beside it, drawn on an Agg canvas (never through ``pyplot``,
so nothing changes the global backend), and any figure as PNG bytes for the page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["confusion_figure", "png_bytes", "write_confusion"]

_DPI = 110


def _figure(width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def confusion_figure(labels: Sequence, matrix: Sequence[Sequence[int]], title="Test set"):
    """The confusion matrix (rows: true class, columns: predicted), shaded by each row's
    share so that rare classes show as clearly as common ones; each cell holds its count.

    Examples
    --------
    >>> fig = confusion_figure(["a", "b"], [[3, 1], [0, 4]])
    >>> fig.axes[0].get_xlabel()
    'predicted'
    """
    counts = np.asarray(matrix, dtype=float).reshape(len(labels), len(labels))
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    n = len(labels)
    side = min(12.0, 2.5 + 0.55 * n)
    fig = _figure(side + 1.2, side)
    ax = fig.add_subplot()
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    names = [str(label) for label in labels]
    ax.set_xticks(range(n), names, rotation=45 if n > 4 else 0, ha="right" if n > 4 else "center")
    ax.set_yticks(range(n), [f"{name} ({shares[i, i]:.0%})" for i, name in enumerate(names)])
    if n <= 30:
        for i in range(n):
            for j in range(n):
                ax.text(j, i, f"{int(counts[i, j])}", ha="center", va="center",
                        fontsize="small" if n > 12 else "medium",
                        color="white" if shares[i, j] > 0.5 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true class (recall)")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, shrink=0.8, label="share of the true class")
    return fig


def png_bytes(fig) -> bytes:
    """``fig`` as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


def write_confusion(report: dict, path) -> Path | None:
    """Write ``confusion.png`` for a classification report (:func:`skact.tuning.evaluate`)
    atomically; ``None`` (nothing written) for a regression report."""
    from skact.model_files.atomic import write_atomic

    confusion = report.get("confusion")
    if not confusion:
        return None
    title = f"Confusion matrix: {report.get('source', 'test set')} ({report.get('n_rows')} rows)"
    data = png_bytes(confusion_figure(confusion["labels"], confusion["matrix"], title))
    return write_atomic(Path(path), lambda fh: fh.write(data), mode="wb")
