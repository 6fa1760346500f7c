"""Training data as tensors in memory, served in mini-batches by slicing. Internal.

skorch's default loop gathers each batch row by row through a ``Dataset`` and collates it;
for a table already in memory, slicing tensors is the same batch at a fraction of the cost
(the speed benchmarks in benchmarks/README.md). :func:`to_tensor` converts without copying
where it can; :class:`Batches` shuffles with the fit's own generator.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
import torch

__all__ = ["Batches", "to_tensor"]


def to_tensor(array, dtype, device):
    """A numpy array (or sparse matrix) as a tensor; no copy when none is needed."""
    if sp.issparse(array):
        array = array.toarray()
    array = np.asarray(array)
    if any(stride < 0 for stride in array.strides):
        array = np.ascontiguousarray(array)  # torch cannot view reversed arrays
    with warnings.catch_warnings():
        # Read-only inputs (memmaps) are fine: skact never writes to its inputs.
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        tensor = torch.as_tensor(array)
    return tensor.to(device=device, dtype=dtype)


class Batches:
    """Mini-batches ``(X, (y, w))`` sliced from data already in memory.

    ``X`` is a tensor, or a scipy sparse matrix densified one batch at a time
    (so sparse inputs never need their dense size in memory). ``w`` may be
    None. Shuffling uses its own seeded generator, so the global torch RNG is
    untouched and runs are reproducible.
    """

    def __init__(self, X, y, w, batch_size, shuffle, generator=None, dtype=None,
                 device="cpu", no_single_row=False, keys=None):
        self.X, self.y, self.w = X, y, w
        # each row's content hash (skact.nn.row_noise.row_keys), for keyed dropout: sliced
        # like the rows and left in ``batch_keys`` while a batch is out
        self.keys, self.batch_keys = keys, None
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.generator = generator
        self.dtype, self.device = dtype, device
        self.n_samples = X.shape[0]
        # batch norm cannot train on one row: a last batch of one joins the batch before
        self.no_single_row = no_single_row

    def _starts(self):
        starts = list(range(0, self.n_samples, self.batch_size))
        if self.no_single_row and len(starts) > 1 and self.n_samples - starts[-1] == 1:
            starts.pop()
        return starts

    def __len__(self):
        return len(self._starts())

    def _take(self, array, rows):
        if array is None:
            return None
        if sp.issparse(array):
            if isinstance(rows, torch.Tensor):
                rows = rows.cpu().numpy()
            return to_tensor(array[rows], self.dtype, self.device)
        if isinstance(rows, torch.Tensor):  # index_select: half the cost of array[rows]
            # (a sparse X keeps the order on the CPU; its targets may sit on a GPU)
            return torch.index_select(array, 0, rows.to(array.device))
        return array[rows]

    def __iter__(self):
        n = self.n_samples
        order = None
        # one batch of every row: its gradient is a sum over rows, the same in any order,
        # so it is not gathered in a shuffled order on every epoch
        if self.shuffle and n > self.batch_size:
            order = torch.randperm(n, generator=self.generator)
            if not sp.issparse(self.X):
                order = order.to(self.X.device)
        starts = self._starts()
        if order is None and len(starts) == 1 and not sp.issparse(self.X):
            self.batch_keys = self.keys
            yield self.X, (self.y, self.w)  # every row, in order: no views to make
            return
        for start, stop in zip(starts, [*starts[1:], n]):
            rows = slice(start, stop) if order is None else order[start:stop]
            self.batch_keys = self._take(self.keys, rows)
            yield self._take(self.X, rows), (self._take(self.y, rows), self._take(self.w, rows))
