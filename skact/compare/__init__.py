"""Comparing activations: train one network per activation and report what each did.

Layer 7, the top of the library (it drives :mod:`skact.tuning`'s pipelines). The public
entry points are re-exported here: ``skact.compare.compare(X, y, ...)``.

- :mod:`~skact.compare.running`: :func:`compare` and :func:`compare_dataset`.
- :mod:`~skact.compare.results`: the :class:`Comparison` and its files.
- :mod:`~skact.compare.plots`: the PNG plots (also of the activation registry).
"""

from skact.compare.results import CSV_COLUMNS, PLOT_FILES, Comparison, save_comparison
from skact.compare.running import compare, compare_dataset

__all__ = ["CSV_COLUMNS", "PLOT_FILES", "Comparison", "compare", "compare_dataset",
           "save_comparison"]
