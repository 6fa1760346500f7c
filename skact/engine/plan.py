"""What one fit needs, checked once: :class:`FitPlan`.

An estimator's ``fit`` checks its parameters before any state changes (scikit-learn's rule:
``__init__`` stores, ``fit`` validates) and turns them into a plan: normalised layer sizes,
dropout per layer, the activation's factory and its weight initialisation, the device. The
engine reads the plan's fields instead of looking up string keys in a dict that grew in
three places, and a frozen plan cannot be changed behind a reader's back:
:meth:`FitPlan.with_sample_weight` returns a new one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["AUTO_DROPOUT", "AUTO_DROPOUT_ROWS", "FitPlan"]

#: ``dropout='auto'``: this rate after each hidden layer on fits of fewer than
#: ``AUTO_DROPOUT_ROWS`` rows (counted as copies), no dropout from there. Dropout guards a
#: few hundred noisy rows against overfitting (TabularMLPRegressor without it: tips -0.04,
#: statecrime -0.04 R²); on the regressions of 5,000 rows and more of benchmarks/broad.py
#: it bought nothing (diamonds -0.001, randhie +0.001, cpsch3 +0.003, amis 0.000) and
#: cost a fifth of their fit time (benchmarks/README.md, "Trained again on every row by
#: default, paid for by dropout by rows").
AUTO_DROPOUT, AUTO_DROPOUT_ROWS = 0.15, 5000


@dataclasses.dataclass(frozen=True)
class FitPlan:
    """The normalised, checked parameters of one fit."""

    #: hidden layer sizes, as a tuple of positive ints
    hidden: tuple[int, ...]
    #: dropout probability after each hidden layer ('auto' until :meth:`for_rows`)
    dropout: tuple[float, ...] | str
    #: builds a fresh activation module per layer
    make_activation: Callable[[], Any]
    #: weight initialisation scheme ("kaiming", "xavier", "lecun", "data") or a callable
    init: Any
    #: the activation's name in messages
    activation_label: str
    #: torch device name the fit trains on
    device: str
    #: skorch callbacks added for this fit only
    callbacks: tuple = ()
    #: MLPs: "robust" scaling inside the network, or None
    input_scaling: str | None = None
    #: MLPs: "periodic", "piecewise_linear" or None
    numeric_embedding: str | None = None
    #: CNNs: channels of each convolution block
    conv_channels: tuple[int, ...] = ()
    #: the fit's sample weights, for statistics that input layers take from the data
    sample_weight: Sequence[float] | None = None

    def with_sample_weight(self, sample_weight) -> FitPlan:
        """The same plan for data weighted by ``sample_weight``."""
        return dataclasses.replace(self, sample_weight=sample_weight)

    def for_rows(self, rows: float) -> FitPlan:
        """The same plan for a fit on ``rows`` rows (counted as copies): ``dropout='auto'``
        becomes :data:`AUTO_DROPOUT` per hidden layer below :data:`AUTO_DROPOUT_ROWS`
        rows, and none from there."""
        if self.dropout != "auto":
            return self
        rate = AUTO_DROPOUT if rows < AUTO_DROPOUT_ROWS else 0.0
        return dataclasses.replace(self, dropout=(rate,) * len(self.hidden))

    def with_fitted_dropout(self, rates) -> FitPlan:
        """The plan of a saved model whose fit resolved ``dropout='auto'`` to ``rates``
        (its rows are not saved; the rates set which layers its network has). Raises
        ValueError for anything but one rate in [0, 1) per hidden layer (a model file is
        untrusted input)."""
        if self.dropout != "auto":
            return self
        try:
            rates = tuple(float(r) for r in rates)
        except (TypeError, ValueError):
            rates = ()
        if len(rates) != len(self.hidden) or not all(0.0 <= r < 1.0 for r in rates):
            raise ValueError("its dropout='auto' has no valid rates from its fit (one in "
                             "[0, 1) per hidden layer): save the model again")
        return dataclasses.replace(self, dropout=rates)
