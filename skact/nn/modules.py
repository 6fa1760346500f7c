"""The torch modules behind the estimators: an MLP and a 1-D/2-D CNN.

Both take a ``make_activation`` factory and call it once per layer, so every
layer owns its activation module (a learned ``PReLU`` slope is per layer, never
shared). The output layer has no activation: it returns logits for
classification and raw values for regression.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from skact.nn.row_noise import WeightedBatchNorm1d, WeightedBatchNorm2d

__all__ = ["CNN", "MLP", "SeededDropout", "conv_output_shape", "init_weights", "seed_dropout",
           "weight_layers"]

#: The layers with a weight matrix: what initialisation sets, ``alpha`` penalises and
#: data-dependent scaling rescales (the last one found is the output layer).
WEIGHT_LAYER_TYPES = (nn.Linear, nn.Conv1d, nn.Conv2d)


def weight_layers(module) -> list:
    """The Linear and Conv layers of ``module``, in order."""
    return [m for m in module.modules() if isinstance(m, WEIGHT_LAYER_TYPES)]


class SeededDropout(nn.Dropout):
    """``nn.Dropout`` whose masks depend on the fit's seed alone.

    In a training step its masks are keyed on each row's content
    (:func:`skact.nn.row_noise.keyed_keep_mask`), so a row of weight 2 trains as two copies
    of it, as scikit-learn requires of ``sample_weight``. Outside one (a forward pass in
    training mode by other code) it draws from its own generator: torch's default one is
    process-wide, so fits running in parallel threads would interleave their draws.
    Without either (e.g. after unpickling) it behaves exactly like ``nn.Dropout``.
    """

    generator = None
    batch = None  # a skact.nn.row_noise.BatchRows while its net trains
    salt = 0  # this layer's share of the keys: each layer draws its own masks

    def forward(self, X):
        if not self.training or self.p == 0:
            return super().forward(X)
        rows = None if self.batch is None else self.batch.rows
        if rows is not None and rows.shape[0] == X.shape[0]:
            from skact.nn.row_noise import keyed_keep_mask

            return X * keyed_keep_mask(X, self.p, rows, self.salt, self.batch.columns)
        if self.generator is None:
            return super().forward(X)
        return X * keep_mask(X, self.p, self.generator)

    def __getstate__(self):
        state = super().__getstate__()
        # generators do not pickle, and the batch belongs to one fit: both set per fit
        state.pop("generator", None)
        state.pop("batch", None)
        return state


def keep_mask(X, p, generator):
    """A dropout mask shaped like ``X``: ``1 / (1 - p)`` with probability ``1 - p``, else 0.

    Drawn as 16-bit integers, four to each 64-bit draw: a float uniform per element cost
    0.46 ms for a 250 x 256 batch on one CPU thread, and with the comparison and scaling a
    dropout layer took 0.7 ms (three of them were 13% of a Tabular fit's step); this
    takes 0.3 ms. ``1 - p`` is rounded to a multiple of 1/65536 (0.85 stays within 1e-5)
    and the scale uses the rounded value, so the mask's mean is exactly 1; rates within
    1/1024 of 0 or 1, where that rounding would show, use float uniforms instead.
    """
    n = X.numel()
    if not 2**-10 <= p <= 1 - 2**-10:
        keep = torch.rand(X.shape, generator=generator, device=X.device, dtype=X.dtype)
        return (keep < 1.0 - p).to(X.dtype).mul_(1.0 / (1.0 - p))
    # every bit of a 64-bit draw is uniform over the full signed range (random_() leaves
    # the sign bit clear, which would bias one of the four 16-bit lanes)
    words = torch.randint(-2**63, 2**63 - 1, ((n + 3) // 4,), generator=generator,
                          device=X.device, dtype=torch.int64)
    lanes = words.view(torch.int16)[:n].view(X.shape)
    # a lane is uniform on [-2**15, 2**15): P(lane < threshold) = (threshold + 2**15) / 2**16
    threshold = round((1.0 - p) * 65536) - 32768
    return (lanes < threshold).to(X.dtype).mul_(65536 / (threshold + 32768))


def seed_dropout(module, seed, device):
    """Seed every :class:`SeededDropout` in ``module`` with ``seed``; link the batch layers.

    Returns the :class:`~skact.nn.row_noise.BatchRows` that its dropout and weighted
    batch-norm layers read during training steps, or None when it has neither.
    """
    from skact.nn.row_noise import BatchRows, _WeightedBatchNorm

    dropouts = [m for m in module.modules() if isinstance(m, SeededDropout)]
    norms = [m for m in module.modules() if isinstance(m, _WeightedBatchNorm)]
    if not dropouts and not norms:
        return None
    batch = BatchRows(seed, needs_keys=bool(dropouts))
    if dropouts:
        generator = torch.Generator(device=device).manual_seed(seed)
        for index, layer in enumerate(dropouts):
            layer.generator, layer.batch, layer.salt = generator, batch, batch.salt ^ (index + 1)
    for layer in norms:
        layer.batch = batch
    return batch


def _activation_layer(make_activation, n_units, learnable):
    """A fresh activation module; blended with the identity per unit when ``learnable``."""
    if learnable:
        from skact.nn.layers import LearnableActivation

        return LearnableActivation(make_activation(), n_units)
    return make_activation()


def _dense_stack(n_in, hidden_layer_sizes, make_activation, dropout, batch_norm,
                 learnable=False):
    """Linear [-> BatchNorm] -> activation [-> Dropout] for each hidden layer."""
    layers = []
    for units, p in zip(hidden_layer_sizes, dropout):
        layers.append(nn.Linear(n_in, units))
        if batch_norm:
            layers.append(WeightedBatchNorm1d(units))
        layers.append(_activation_layer(make_activation, units, learnable))
        if p > 0:
            layers.append(SeededDropout(p))
        n_in = units
    return layers, n_in


class MLP(nn.Module):
    """A multi-layer perceptron.

    Parameters
    ----------
    n_features : int
        Width of the input.
    hidden_layer_sizes : sequence of int
        Units per hidden layer (may be empty: a linear model).
    n_outputs : int
        Width of the output layer (logits or regression targets).
    make_activation : callable
        Returns a new activation module on each call.
    dropout : sequence of float
        Dropout probability after each hidden layer.
    batch_norm : bool
        Add batch norm after each hidden linear layer (``BatchNorm1d``, its statistics
        weighted by ``sample_weight``: :class:`~skact.nn.row_noise.WeightedBatchNorm1d`).
    learnable_activation : bool
        Wrap each activation in :class:`~skact.nn.layers.LearnableActivation`.
    input_layers : sequence of torch.nn.Module
        Applied to X before the first linear layer (scaling, embeddings); the last one's
        ``n_out`` attribute, where it has one, is the first linear layer's width.
    """

    def __init__(self, n_features, hidden_layer_sizes, n_outputs, make_activation,
                 dropout, batch_norm=False, learnable_activation=False, input_layers=()):
        super().__init__()
        for layer in input_layers:
            n_features = getattr(layer, "n_out", n_features)
        layers, n_last = _dense_stack(
            n_features, hidden_layer_sizes, make_activation, dropout, batch_norm,
            learnable_activation,
        )
        layers.append(nn.Linear(n_last, n_outputs))
        self.layers = nn.Sequential(*input_layers, *layers)

    def forward(self, X):
        return self.layers(X)


def conv_output_shape(spatial, n_blocks, pool_size):
    """Spatial shape after ``n_blocks`` conv blocks with 'same' padding.

    A dimension is pooled only while it is at least ``pool_size`` long, so
    any input length from 1 up works.
    """
    shape = list(spatial)
    for _ in range(n_blocks):
        shape = [d // pool_size if d >= pool_size else d for d in shape]
    return tuple(shape)


class CNN(nn.Module):
    """A small convolutional network for 1-D signals or 2-D images.

    ``conv_channels`` blocks of Conv (stride 1, 'same' padding) [-> BatchNorm]
    -> activation [-> MaxPool], then a dense head like :class:`MLP`.

    Parameters
    ----------
    input_shape : tuple
        ``(channels, length)`` or ``(channels, height, width)``.
    conv_channels : sequence of int
        Output channels of each convolution block.
    kernel_size : int
        Convolution kernel size (per spatial dimension).
    pool_size : int
        Max-pooling window; a dimension shorter than it is not pooled.
    hidden_layer_sizes, n_outputs, make_activation, dropout, batch_norm, learnable_activation
        As in :class:`MLP`, for the dense head.
    """

    def __init__(self, input_shape, conv_channels, kernel_size, pool_size,
                 hidden_layer_sizes, n_outputs, make_activation, dropout,
                 batch_norm=False, learnable_activation=False):
        super().__init__()
        n_spatial = len(input_shape) - 1
        conv = {1: nn.Conv1d, 2: nn.Conv2d}[n_spatial]
        norm = {1: WeightedBatchNorm1d, 2: WeightedBatchNorm2d}[n_spatial]
        pool = {1: nn.MaxPool1d, 2: nn.MaxPool2d}[n_spatial]

        blocks = []
        channels, spatial = input_shape[0], tuple(input_shape[1:])
        for out_channels in conv_channels:
            blocks.append(conv(channels, out_channels, kernel_size, padding="same"))
            if batch_norm:
                blocks.append(norm(out_channels))
            blocks.append(_activation_layer(make_activation, out_channels, learnable_activation))
            window = tuple(pool_size if d >= pool_size else 1 for d in spatial)
            if any(w > 1 for w in window):
                blocks.append(pool(window if n_spatial > 1 else window[0]))
            spatial = tuple(d // w for d, w in zip(spatial, window))
            channels = out_channels
        self.features = nn.Sequential(*blocks, nn.Flatten())

        n_flat = channels * math.prod(spatial)
        layers, n_last = _dense_stack(
            n_flat, hidden_layer_sizes, make_activation, dropout, batch_norm,
            learnable_activation,
        )
        layers.append(nn.Linear(n_last, n_outputs))
        self.head = nn.Sequential(*layers)

    def forward(self, X):
        return self.head(self.features(X))


def init_weights(module, scheme, activation_label=""):
    """Initialise every Linear/Conv weight of ``module`` in place; zero the biases.

    The hidden layers get ``scheme``; the output layer always gets Glorot.

    ``scheme``: "kaiming" (He, for the ReLU family), "xavier" (Glorot, for tanh
    and sigmoid), "lecun" (LeCun normal, for SELU), "torch" (leave torch's
    defaults), or a callable applied to each weight tensor.
    """
    if scheme == "torch":
        return
    layers = weight_layers(module)
    for layer in layers:
        weight = layer.weight
        if layer is layers[-1] and not callable(scheme):
            # The output layer feeds no activation: Glorot keeps the initial
            # logits small (a He-initialised output starts binary log-loss
            # near 1.6 instead of 0.7, and early stopping then gives up).
            nn.init.xavier_uniform_(weight)
        elif callable(scheme):
            scheme(weight)
        elif scheme == "kaiming":
            slope = 0.01 if "leaky" in activation_label else 0.0
            nn.init.kaiming_uniform_(weight, a=slope, nonlinearity="leaky_relu")
        elif scheme == "xavier":
            nn.init.xavier_uniform_(weight)
        elif scheme == "lecun":
            fan_in = weight.shape[1] * math.prod(weight.shape[2:])
            with torch.no_grad():
                weight.normal_(0.0, 1.0 / math.sqrt(fan_in))
        if layer.bias is not None:
            nn.init.zeros_(layer.bias)
