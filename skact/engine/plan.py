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

__all__ = ["FitPlan"]


@dataclasses.dataclass(frozen=True)
class FitPlan:
    """The normalised, checked parameters of one fit."""

    #: hidden layer sizes, as a tuple of positive ints
    hidden: tuple[int, ...]
    #: dropout probability after each hidden layer
    dropout: tuple[float, ...]
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
