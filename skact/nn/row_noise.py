"""Randomness keyed on a row's content, so a weight of 2 trains as a repeated row. Internal.

scikit-learn's contract for ``sample_weight`` (its ``check_sample_weight_equivalence``): an
integer weight must fit exactly as that many copies of the row, and a weight of 0 as no row
at all. Whatever a fit draws per row must then depend on the row itself, not on where it
sits or how many rows there are. Four parts of training draw per row, and here each is
keyed on an exact hash of the row's values instead:

- dropout masks (:func:`keyed_keep_mask`): a row's mask is a hash of (row, step, layer,
  unit), so two copies of a row get the same mask, as one row of weight 2 does;
- the rows held out for early stopping (:func:`hold_out_by_content`): rows are ordered by
  their hash and taken until their weights reach ``validation_fraction``, so copies of a
  row fall on the same side (never one copy in each: no leak between the two sets);
- batch-norm statistics (:class:`WeightedBatchNorm1d` / ``2d``): means and variances are
  weighted by ``sample_weight``, as repeated rows would weigh them;
- ``batch_size='adaptive'``'s mini-batches (:class:`skact.engine.batches.ContentBatches`):
  each epoch orders the rows by :func:`salted` hashes, so copies of a row always share a
  batch, and cuts them at equal shares of the total weight.

Different rows still get independent draws: the hashes are 64-bit mixes (with the
splitmix64 finaliser's constants), so the masks are as random as a generator's, and about
as cheap (0.54 ms for 256 x 256 units on one busy CPU thread, against 0.37-0.51 ms for
:func:`skact.nn.modules.keep_mask`; the row hashes are computed once per fit). Since the
nineteenth session the mask multiplies in place and compares without shifting: 0.13 ms
against 0.16 ms for the same 256 x 256 mask on one quiet thread, bit for bit the same.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

__all__ = ["BatchRows", "WeightedBatchNorm1d", "WeightedBatchNorm2d", "hold_out_by_content",
           "keyed_keep_mask", "row_keys", "salted", "training_keys"]

_M1 = 0xBF58476D1CE4E5B9 - 2**64  # splitmix64's multipliers, as signed 64-bit integers
_M2 = 0x94D049BB133111EB - 2**64
_GOLDEN = 0x9E3779B97F4A7C15 - 2**64
_CHUNK_ROWS = 4096  # a sparse X is hashed this many densified rows at a time


def _wrap(value):
    """A Python integer as the signed 64-bit integer it wraps to."""
    return (int(value) + 2**63) % 2**64 - 2**63


def _shift(h, bits):
    """``h >> bits`` as on unsigned integers (torch shifts signed ones arithmetically,
    copying the sign bit: a xor-shift would then always clear it)."""
    return (h >> bits) & ((1 << (64 - bits)) - 1)


def _mix(h):
    """A 64-bit integer tensor with every bit depending on every input bit (wraps)."""
    h = h * _M1
    h = h ^ _shift(h, 31)
    h = h * _M2
    return h ^ _shift(h, 29)


def _column_keys(n_columns, salt, device):
    columns = torch.arange(n_columns, dtype=torch.int64, device=device)
    return _mix(columns * _GOLDEN + _wrap(salt))


def row_keys(X, salt=0):
    """One 64-bit hash per row of ``X`` (a tensor, or a scipy sparse matrix) from its values.

    Exact: integer arithmetic on the values' bits, so equal rows always get equal keys,
    whatever batch or order they come in. Zeros add nothing, so a sparse row and its dense
    copy agree.
    """
    if sp.issparse(X):  # densified a chunk of rows at a time
        X = sp.csr_matrix(X)
        chunks = [row_keys(torch.as_tensor(X[i:i + _CHUNK_ROWS].toarray()), salt)
                  for i in range(0, X.shape[0], _CHUNK_ROWS)]
        return torch.cat(chunks) if chunks else torch.zeros(0, dtype=torch.int64)
    flat = X.detach().reshape(X.shape[0], -1)
    if flat.dtype == torch.float64:
        bits = flat.contiguous().view(torch.int64)
    else:  # float32 (and smaller floats) through float32's bits
        bits = flat.to(torch.float32).contiguous().view(torch.int32).to(torch.int64)
    cells = _mix(bits ^ _column_keys(bits.shape[1], salt, bits.device)) * (bits != 0)
    return _mix(cells.sum(dim=1) + _wrap(salt))  # integer sums wrap: exact in any order


def salted(keys, salt):
    """``keys`` mixed again with ``salt``: a fresh uniform order of the rows for each salt,
    in which equal keys (copies of a row) stay equal."""
    return _mix(keys ^ _wrap(salt))


class BatchRows:
    """What the layers of one net may read about the batch being trained on.

    The net calls :meth:`begin` before each training forward pass and :meth:`end` after;
    between them, keyed dropout reads :attr:`rows` (this step's key per row) and weighted
    batch norm :attr:`weights`. Outside a training step both are None and the layers
    behave as torch's own. ``keys``, where the batches carry them, are the rows' content
    hashes computed once per fit (:class:`skact.engine.batches.Batches` slices them per batch).
    """

    def __init__(self, seed, needs_keys):
        self.salt = int(_mix(torch.tensor(int(seed), dtype=torch.int64)))
        self.needs_keys = needs_keys  # dropout reads keys; batch norm only weights
        self.step = 0
        self.rows = None
        self.weights = None
        self.columns = {}  # (layer salt, units, device): that layer's unit keys, made once

    def begin(self, X, weights, keys=None):
        self.step += 1
        if self.needs_keys:
            if keys is None or keys.shape[0] != X.shape[0]:
                keys = row_keys(X)
            self.rows = _mix(keys ^ _wrap(self.salt ^ (self.step * _GOLDEN)))
        self.weights = weights

    def end(self):
        self.rows = self.weights = None


def training_keys(batch_rows, X, device):
    """Every training row's content hash, once per fit, where the net's dropout reads them."""
    if batch_rows is None or not batch_rows.needs_keys:
        return None
    return row_keys(X).to(device)


def keyed_keep_mask(X, p, rows, layer_salt, columns=None):
    """A dropout mask like :func:`skact.nn.modules.keep_mask`, keyed on ``rows`` (per-row keys).

    ``rows`` and the column keys are fully mixed already, so one multiplication spreads a
    cell's key into its top 16 bits (taken signed, uniform on [-2**15, 2**15)): a few
    elementwise passes over the layer. ``1 - p`` is rounded to a multiple of 1/65536 and
    the scale uses the rounded value, so the mask's mean is exactly 1.
    """
    shape = X.shape
    units = math.prod(shape[1:])  # np.prod of a short tuple costs ~15 us a call
    columns = {} if columns is None else columns  # a cache of the unit keys, per layer
    found = columns.get((layer_salt, units, X.device))
    if found is None:
        found = columns[layer_salt, units, X.device] = _column_keys(units, layer_salt, X.device)
    cells = torch.bitwise_xor(rows[:, None], found).mul_(_M1)  # one new tensor, not two
    threshold = max(1, min(65535, round((1.0 - p) * 65536)))
    # top 16 bits < t, compared without the shift: (c >> 48) < t is c < t * 2**48
    keep = (cells < ((threshold - 32768) << 48)).to(X.dtype).mul_(65536 / threshold)
    return keep.view(shape)


class _WeightedBatchNorm:
    """Batch norm whose training statistics weigh each row by its ``sample_weight``.

    With weights, the mean and (biased) variance over rows and positions are weighted, and
    the running variance is corrected by ``N / (N - 1)`` for ``N`` = total weight x
    positions (what ``N`` copies would give). Without weights (none given, evaluation, a
    forward pass outside training), exactly torch's batch norm.
    """

    batch = None  # a BatchRows while this layer's net trains (not pickled)

    def forward(self, X):
        weights = None if self.batch is None else self.batch.weights
        if not self.training or weights is None or weights.shape[0] != X.shape[0]:
            return super().forward(X)
        self._check_input_dim(X)
        dims = [0, *range(2, X.dim())]
        positions = math.prod(X.shape[2:])
        w = weights.to(X.dtype).reshape(-1, *([1] * (X.dim() - 1)))
        total = weights.sum().to(X.dtype) * positions
        mean = (X * w).sum(dim=dims, keepdim=True) / total
        centred = X - mean
        var = (centred * centred * w).sum(dim=dims, keepdim=True) / total
        if self.track_running_stats and self.running_mean is not None:
            with torch.no_grad():
                self.num_batches_tracked += 1
                momentum = self.momentum if self.momentum is not None else (
                    1.0 / float(self.num_batches_tracked))
                n = float(total)
                unbiased = var.flatten() * (n / (n - 1) if n > 1 else 1.0)
                self.running_mean.mul_(1 - momentum).add_(momentum * mean.flatten())
                self.running_var.mul_(1 - momentum).add_(momentum * unbiased)
        shape = [1, -1, *([1] * (X.dim() - 2))]
        out = centred / torch.sqrt(var + self.eps)
        if self.affine:
            out = out * self.weight.view(shape) + self.bias.view(shape)
        return out

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("batch", None)  # per fit; set again by the next one
        return state


class WeightedBatchNorm1d(_WeightedBatchNorm, nn.BatchNorm1d):
    """``nn.BatchNorm1d`` with weighted training statistics (see :class:`_WeightedBatchNorm`)."""


class WeightedBatchNorm2d(_WeightedBatchNorm, nn.BatchNorm2d):
    """``nn.BatchNorm2d`` with weighted training statistics (see :class:`_WeightedBatchNorm`)."""


def _strata(stratify):
    """A stratum number per row: one per class label, or per label combination (rows of a
    multilabel indicator matrix). numpy before 2.0 has no ``axis`` for text labels."""
    labels = np.asarray(stratify)
    if labels.ndim == 1:
        return np.unique(labels, return_inverse=True)[1].reshape(-1)
    return np.unique(labels, return_inverse=True, axis=0)[1].reshape(-1)


def hold_out_by_content(X, w, *, fraction, stratify, seed):
    """Row indices ``(train, held_out)``: rows in a seeded order of their content hashes.

    Rows are taken in that order, whole groups of identical rows at a time, while the
    weight taken is below ``fraction`` of the total (per class when ``stratify`` is given),
    and until two different rows (one per class) are held, but never a class's last
    different row: so a row of weight 2 and two copies of it are held out alike, and every
    class keeps a row to train on. Zero-weight rows count for nothing either side.
    """
    from skact.nn.layers import row_copies

    keys = row_keys(X, int(seed)).cpu().numpy()
    weights = row_copies(w, len(keys))  # normalised weights split as unnormalised
    strata = np.zeros(len(keys), dtype=int) if stratify is None else _strata(stratify)
    held = np.zeros(len(keys), dtype=bool)
    # two different rows at least (one per class when stratified): a score on copies of one
    # row says nothing, and an R² on one target value is not defined
    at_least = 2 if stratify is None else 1
    for stratum in np.unique(strata):
        rows = np.flatnonzero(strata == stratum)
        rows = rows[np.argsort(keys[rows], kind="stable")]
        first = np.r_[True, keys[rows][1:] != keys[rows][:-1]]  # a group of equal rows starts
        group = np.cumsum(first) - 1
        group_weight = np.bincount(group, weights=weights[rows])
        taken = np.cumsum(group_weight) - group_weight  # the weight before each group
        positive = group_weight > 0
        before = np.cumsum(positive) - positive  # the weighted groups before each group
        take = (taken < fraction * group_weight.sum()) | (before < at_least)
        take &= before < positive.sum() - 1  # the last weighted group always trains
        held[rows] = take[group]
    return np.flatnonzero(~held), np.flatnonzero(held)
