"""The torch layers of skact's tabular recipe: input scaling, numeric embeddings, learnable
activations.

Each layer is fitted to nothing by gradient descent alone: the input layers take statistics
of the training data (medians, quantiles) when they are built in ``fit``, and keep them as
buffers, so a saved model carries them and predicts from raw features. The ideas follow
RealMLP (Holzmüller et al., "Better by Default", NeurIPS 2024); the code is skact's own.

- :class:`RobustScaleClip`: centre on the median, divide by a robust spread, then squash
  smoothly into about (-3, 3), so outliers and heavy tails cannot dominate a layer.
- :class:`PeriodicEmbedding` and :class:`PiecewiseLinearEmbedding`: give each numeric
  feature a few learned dimensions, so the first layer can bend a feature's effect
  (thresholds, periodicity) instead of seeing one line per feature.
- :class:`FeatureScale`: one learned gain per input column, a cheap form of feature
  selection.
- :class:`LearnableActivation`: ``x + a * (f(x) - x)`` with one learned ``a`` per unit, so
  each unit moves between the identity and the chosen activation.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

__all__ = [
    "FeatureScale",
    "activation_blends",
    "input_layers",
    "LearnableActivation",
    "PeriodicEmbedding",
    "PiecewiseLinearEmbedding",
    "RobustScaleClip",
    "embedded_columns",
]

CLIP_BOUND = 3.0  # smooth clipping maps |x| -> 3 as x grows: ~0.95x at 1, 2.1 at 3
# Medians and quantiles from this many evenly spaced rows at most: as good as all rows for
# the statistics, and a fit on a million rows does not sort a million values per column.
STATISTICS_ROWS = 100_000


def input_layers(X, scaling, embedding, sample_weight=None) -> list[nn.Module]:
    """The layers an MLP puts before its first linear layer for these options.

    ``scaling`` None or "robust"; ``embedding`` None, "periodic" or "piecewise_linear".
    Either one adds a learned per-column gain at the end. Statistics are weighted by
    ``sample_weight`` (a weight of 2 counts a row twice, 0 leaves it out). Initial values
    come from torch's global generator, which the estimators seed for each fit.
    """
    if scaling is None and embedding is None:
        return []
    step = max(1, X.shape[0] // STATISTICS_ROWS)
    sample = X[::step]
    sample = sample.toarray() if sp.issparse(sample) else np.asarray(sample)
    sample = sample.astype(np.float64)
    weight = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)[::step]
    if weight is not None:
        sample, weight = sample[weight > 0], weight[weight > 0]
    layers, n_out = [], sample.shape[1]
    if scaling == "robust":
        layers.append(RobustScaleClip(sample, weight))
    mask = embedded_columns(sample) if embedding is not None else None
    if mask is not None and mask.any():
        if embedding == "periodic":
            layers.append(PeriodicEmbedding(mask))
        else:
            # the bins sit at the quantiles of what the embedding sees: the scaled values
            scaled = sample
            if scaling == "robust":
                with torch.no_grad():
                    scaled = layers[0](torch.as_tensor(sample)).numpy()
            layers.append(PiecewiseLinearEmbedding(mask, scaled, sample_weight=weight))
        n_out = layers[-1].n_out
    layers.append(FeatureScale(n_out))
    return layers


def weights_as_counts(sample_weight) -> np.ndarray:
    """Sample weights as numbers of copies: unchanged from 1 up (integer weights keep their
    exact meaning), else scaled so that the lightest weighted row counts as one row."""
    sample_weight = np.asarray(sample_weight, dtype=np.float64)
    lightest = sample_weight[sample_weight > 0].min(initial=1.0)
    return sample_weight / lightest if lightest < 1.0 else sample_weight


def weights_as_copies(*parts) -> list:
    """One fit's sample weights (all of them, or its parts: the rows trained on and those
    held out; arrays, tensors or None) as numbers of copies, numpy arrays (None stays None),
    for wherever skact counts rows: unchanged where any positive weight is 1 or more (a
    weight of 2 is two copies); where every one is below 1 (weights normalised, say to sum
    to 1), all scaled so that the lightest weighted row is one row, as
    :func:`weights_as_counts` does (normalised counts are then the counts again).
    Normalised weights never count as a table of one row, uniform ones fit exactly as no
    weights, and one light row among weights of 1 or more changes nothing (where
    :func:`weights_as_counts`, made for quantiles, would make every other row many
    copies)."""
    arrays = [None if w is None else
              np.asarray(w.detach().cpu().numpy() if hasattr(w, "detach") else w,
                         dtype=np.float64).reshape(-1)
              for w in parts]
    positive = np.concatenate([a[a > 0] for a in arrays if a is not None] + [np.zeros(0)])
    if positive.size == 0 or positive.max() >= 1.0:
        return arrays
    lightest = float(positive.min())
    return [None if a is None else a / lightest for a in arrays]


def row_copies(sample_weight, n_rows) -> np.ndarray:
    """How many copies each of ``n_rows`` rows stands for: ones without weights, else
    :func:`weights_as_copies` of ``sample_weight`` (an array or tensor)."""
    if sample_weight is None:
        return np.ones(n_rows)
    return weights_as_copies(sample_weight)[0]


def weighted_quantiles(X, q, sample_weight=None) -> np.ndarray:
    """Per-column quantiles ``q`` (shape (len(q), columns)), rows weighted.

    With integer weights this is exactly ``np.quantile`` of the data with each row repeated
    ``weight`` times (linear interpolation), so a weight and a repetition mean the same.
    Weights below 1 are first scaled so that the lightest weighted row counts as one row:
    weights that sum to 1 would otherwise put every quantile at the column's minimum.
    Weights as counts and the same weights normalised then give the same quantiles.
    """
    X = np.asarray(X, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if sample_weight is None:
        return np.quantile(X, q, axis=0)
    sample_weight = weights_as_counts(sample_weight)
    out = np.empty((len(q), X.shape[1]))
    for j in range(X.shape[1]):
        order = np.argsort(X[:, j], kind="stable")
        values, counts = X[order, j], np.cumsum(sample_weight[order])
        position = q * (counts[-1] - 1)
        # the k-th value of the repeated data is the first whose cumulative weight exceeds k
        low, high = (values[np.minimum(np.searchsorted(counts, k, side="right"), len(values) - 1)]
                     for k in (np.floor(position), np.ceil(position)))
        out[:, j] = low + (position - np.floor(position)) * (high - low)
    return out


# A column needs this many distinct values to be embedded. Binary flags and one-hot codes
# carry one bit, and ordinal codes with a handful of levels (ratings, pixel intensities
# 0-16) are read best as one number: expanding them adds parameters the network overfits
# with (benchmarks/README.md, "Recipe choices").
MIN_EMBEDDED_VALUES = 20


# Wide inputs (spectra, signals, pixels: hundreds of columns, each one value of a smooth
# whole) are not embedded column by column: four dimensions per column would make the first
# layer four times as wide for no gain (coffee spectra, 1,841 columns: accuracy 1.0 either
# way, the fit 4x slower with embeddings).
MAX_EMBEDDED_COLUMNS = 512


def embedded_columns(X) -> np.ndarray:
    """Which columns a numeric embedding expands: those with many distinct values, and
    none when more than ``MAX_EMBEDDED_COLUMNS`` would be."""
    X = np.asarray(X)
    sample = X if X.shape[0] <= 5000 else X[:: max(1, X.shape[0] // 5000)]
    mask = np.array([np.unique(sample[:, j]).size >= MIN_EMBEDDED_VALUES
                     for j in range(X.shape[1])], dtype=bool)
    return mask if mask.sum() <= MAX_EMBEDDED_COLUMNS else np.zeros_like(mask)


class RobustScaleClip(nn.Module):
    """``clip((x - median) / spread)`` with a smooth clip ``z / sqrt(1 + (z / 3)**2)``.

    ``spread`` is the interquartile range / 1.349 (the standard deviation for normal data);
    where a column's quartiles coincide (mostly-constant or binary columns) half its range
    is used, and 1 for a constant column, so no column is divided by zero.
    """

    def __init__(self, X, sample_weight=None):
        super().__init__()
        X = np.asarray(X, dtype=np.float64)
        q1, center, q3 = weighted_quantiles(X, [0.25, 0.5, 0.75], sample_weight)
        spread = (q3 - q1) / 1.349
        half_range = (X.max(axis=0) - X.min(axis=0)) / 2
        spread = np.where(spread > 0, spread, half_range)
        spread = np.where(spread > 0, spread, 1.0)
        self.register_buffer("center", torch.as_tensor(center))
        self.register_buffer("inv_spread", torch.as_tensor(1.0 / spread))

    def forward(self, X):
        z = (X - self.center) * self.inv_spread
        return z * torch.rsqrt(1 + (z / CLIP_BOUND).square())


class FeatureScale(nn.Module):
    """One learned gain per input column, starting at 1."""

    def __init__(self, n_features):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n_features))

    def forward(self, X):
        return X * self.weight


class _ColumnEmbedding(nn.Module):
    """Expand the chosen columns to ``n_embed`` learned dimensions each, keep the others.

    Subclasses give ``_features(x_t)``: for the embedded columns as ``(columns, rows)``, a
    ``(columns, rows, k)`` encoding, mapped by a per-column linear layer to ``n_embed - 1``
    dimensions; the raw value is kept as the remaining dimension, so the network can still
    read it directly. Columns first, because the per-column map is then one batched matrix
    product over contiguous blocks (``baddbmm``, its bias fused), which with its backward
    pass took a sixth less time than the same contraction over ``(rows, columns, k)``.
    """

    def __init__(self, mask, n_inputs, n_embed, generator):
        super().__init__()
        mask = torch.as_tensor(np.asarray(mask, dtype=bool))
        self.register_buffer("embedded", mask.nonzero().flatten())
        self.register_buffer("plain", (~mask).nonzero().flatten())
        n_columns = int(mask.sum())
        bound = 1 / math.sqrt(n_inputs)
        self.weight = nn.Parameter(
            (torch.rand(n_columns, n_inputs, n_embed - 1, generator=generator) * 2 - 1) * bound
        )
        self.bias = nn.Parameter(
            (torch.rand(n_columns, n_embed - 1, generator=generator) * 2 - 1) * bound
        )
        self.n_out = int((~mask).sum()) + n_columns * n_embed

    def forward(self, X):
        x = X.index_select(1, self.embedded)
        learned = torch.baddbmm(self.bias.unsqueeze(1), self._features(x.t()), self.weight)
        parts = [x.unsqueeze(2), learned.transpose(0, 1)]  # (rows, columns, 1 + n_embed - 1)
        embedded = torch.cat(parts, dim=2).flatten(1)
        if self.plain.numel() == 0:
            return embedded
        return torch.cat([X.index_select(1, self.plain), embedded], dim=1)


class PeriodicEmbedding(_ColumnEmbedding):
    """Periodic features ``cos(2 pi f x + phase)`` per column, then a per-column linear map.

    ``n_frequencies`` frequencies per column are drawn from N(0, ``sigma``^2) and learned;
    a small ``sigma`` starts the embedding smooth (near-linear) in the scaled feature.
    """

    def __init__(self, mask, *, n_frequencies=16, n_embed=4, sigma=0.1, generator=None):
        super().__init__(mask, n_frequencies, n_embed, generator)
        n_columns = self.weight.shape[0]
        self.frequency = nn.Parameter(
            torch.randn(n_columns, n_frequencies, generator=generator) * sigma
        )
        self.phase = nn.Parameter(
            (torch.rand(n_columns, n_frequencies, generator=generator) * 2 - 1) * math.pi
        )

    def _features(self, x_t):
        return _PeriodicFeatures.apply(x_t, self.frequency, self.phase)


class _PeriodicFeatures(torch.autograd.Function):
    """``cos(2 pi x f + phase)`` for ``x`` of shape (columns, rows) and ``f``, ``phase`` of
    shape (columns, k), with a backward pass of its own.

    These (columns, rows, k) tensors are the largest of a Tabular network's step (a
    40-column batch of 250 rows: 160,000 values, 2.5x a 256-unit layer's). Autograd's
    backward takes ``sin``, negates it, multiplies by the gradient and again by ``x``
    before summing; this one multiplies ``sin`` by the gradient in place and gets the
    frequencies' gradient as a batched product with ``x`` (forward and backward together
    1.12 ms against 1.36 ms, best of 30 on one thread). The result is autograd's to float
    rounding (tested).
    """

    @staticmethod
    def forward(ctx, x_t, frequency, phase):
        z = torch.addcmul(phase.unsqueeze(1), x_t.unsqueeze(2), frequency.unsqueeze(1),
                          value=2 * math.pi)
        ctx.save_for_backward(x_t, frequency, z)
        return torch.cos(z)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        x_t, frequency, z = ctx.saved_tensors
        minus_grad_z = torch.sin(z).mul_(grad)  # d cos(z) / dz = -sin(z)
        grad_x = grad_frequency = grad_phase = None
        if ctx.needs_input_grad[0]:  # only when a trained layer comes before (none by default)
            grad_x = torch.bmm(minus_grad_z, frequency.unsqueeze(2)).squeeze(2).mul_(-2 * math.pi)
        if ctx.needs_input_grad[1]:
            grad_frequency = torch.bmm(x_t.unsqueeze(1), minus_grad_z).squeeze(1)
            grad_frequency.mul_(-2 * math.pi)
        if ctx.needs_input_grad[2]:
            grad_phase = minus_grad_z.sum(1).neg_()
        return grad_x, grad_frequency, grad_phase


class PiecewiseLinearEmbedding(_ColumnEmbedding):
    """A feature as how far it has run through each of ``n_bins`` quantile bins.

    Bin ``t`` contributes ``clip((x - edge[t]) / width[t], 0, 1)``, so the per-column
    linear map draws a piecewise-linear function of the feature with knots at its
    training quantiles. The edges are computed on the (scaled) training data.
    """

    def __init__(self, mask, X_scaled, *, n_bins=16, n_embed=4, generator=None,
                 sample_weight=None):
        super().__init__(mask, n_bins, n_embed, generator)
        X_scaled = np.asarray(X_scaled, dtype=np.float64)[:, np.asarray(mask, dtype=bool)]
        quantiles = np.linspace(0, 1, n_bins + 1)
        edges = weighted_quantiles(X_scaled, quantiles, sample_weight).T  # (columns, bins + 1)
        widths = np.diff(edges, axis=1)
        # repeated quantiles (ties) would give zero-width bins: make them steps instead
        widths = np.where(widths > 1e-12, widths, 1e-12)
        self.register_buffer("left", torch.as_tensor(edges[:, :-1].copy()))
        self.register_buffer("inv_width", torch.as_tensor(1.0 / widths))

    def _features(self, x_t):
        return ((x_t.unsqueeze(2) - self.left.unsqueeze(1))
                * self.inv_width.unsqueeze(1)).clamp(0.0, 1.0)


class LearnableActivation(nn.Module):
    """``x + a * (f(x) - x)``, with a learned ``a`` per unit (per channel for convolutions).

    ``a`` starts at 1 (the plain activation). Training can move a unit towards the identity
    (``a`` near 0), beyond the activation (``a`` > 1) or to its mirror image, so "which
    activation" becomes a continuum the network tunes itself; ``a`` is reported by the
    estimators' ``activation_blend_`` attribute.
    """

    def __init__(self, activation: nn.Module, n_units: int):
        super().__init__()
        self.activation = activation
        self.blend = nn.Parameter(torch.ones(n_units))

    def forward(self, X):
        shape = (1, -1) + (1,) * (X.dim() - 2)  # channels of (rows, C, ...) or units of (rows, C)
        a = self.blend.view(shape)
        return torch.lerp(X, self.activation(X), a)  # X + a * (f(X) - X), one op

    def extra_repr(self):
        return f"n_units={self.blend.numel()}"


def activation_blends(module, owner="The estimator") -> list[np.ndarray]:
    """The learned ``a`` of every :class:`LearnableActivation` in ``module``, in layer order."""
    blends = [m.blend.detach().cpu().numpy().copy() for m in module.modules()
              if isinstance(m, LearnableActivation)]
    if not blends:
        raise AttributeError(
            f"{owner} has no activation_blend_: it was fitted with learnable_activation=False."
        )
    return blends
