"""Training data as tensors in memory, served in mini-batches by slicing. Internal.

skorch's default loop gathers each batch row by row through a ``Dataset`` and collates it;
for a table already in memory, slicing tensors is the same batch at a fraction of the cost
(the speed benchmarks in benchmarks/README.md). :func:`to_tensor` converts without copying
where it can; :class:`Batches` shuffles with the fit's own generator, and
:class:`ContentBatches` (``batch_size='adaptive'``) deals rows by their content, so that a
weighted row and its copies train alike in any number of batches.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
import torch

__all__ = ["Batches", "ContentBatches", "batches_of", "outputs_in_chunks", "to_tensor"]

#: ``batch_size='adaptive'``: about this many steps an epoch on small data (one full batch
#: of 96 rows would give a 64-epoch fit only 64 steps), within these rows per batch
ADAPTIVE_STEPS, ADAPTIVE_ROWS = 8, (16, 256)


# Rows per forward pass at prediction time: bounds memory on big inputs while
# one-row calls take a single pass.
PREDICT_CHUNK = 16384


def outputs_in_chunks(module, X, macs_per_row):
    """``module``'s outputs for the rows of ``X`` (numpy or sparse), in evaluation mode and
    without gradients, ``PREDICT_CHUNK`` rows per pass, as numpy."""
    from skact.engine.threads import fit_threads

    param = next(module.parameters())
    if module.training:  # eval() walks every submodule: skip it when already set
        module.eval()
    outputs = []
    rows = min(X.shape[0], PREDICT_CHUNK)
    with torch.inference_mode(), fit_threads(rows * macs_per_row):
        for start in range(0, X.shape[0], PREDICT_CHUNK):
            chunk = to_tensor(X[start:start + PREDICT_CHUNK], param.dtype, param.device)
            outputs.append(module(chunk))
    return (outputs[0] if len(outputs) == 1 else torch.cat(outputs)).cpu().numpy()


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
            yield self._batch(slice(start, stop) if order is None else order[start:stop])

    def _batch(self, rows):
        """The batch ``(X, (y, w))`` of ``rows``, their keys left in ``batch_keys``."""
        self.batch_keys = self._take(self.keys, rows)
        return self._take(self.X, rows), (self._take(self.y, rows), self._take(self.w, rows))


def batches_of(X, y, w, batch_size, shuffle, generator=None, **options):
    """:class:`ContentBatches` for ``batch_size='adaptive'``, else :class:`Batches`."""
    if batch_size == "adaptive":
        return ContentBatches(X, y, w, shuffle, generator, **options)
    return Batches(X, y, w, batch_size, shuffle, generator, **options)


def _rows_of(array, rows):
    """The ``rows`` (a numpy index) of a tensor or sparse matrix, kept as it is."""
    if array is None or sp.issparse(array):
        return None if array is None else array[rows]
    return torch.index_select(array, 0, torch.as_tensor(rows, device=array.device))


class ContentBatches(Batches):
    """``batch_size='adaptive'``'s mini-batches, dealt by each row's content.

    scikit-learn's weight contract (see :mod:`skact.nn.row_noise`) asks that a row of
    weight k train as k copies of it. Shuffling row numbers breaks it as soon as there are
    two batches: the copies scatter, the weighted row does not. So each epoch orders the
    rows by a salted hash of their values (:func:`skact.nn.row_noise.salted`, the salt drawn
    from the fit's generator), where copies sit together, and cuts that order at equal
    shares of the total weight without ever splitting a group of copies. The number of
    batches counts distinct rows of positive weight, which a weighted table and its
    repeated form share and which no scaling of the weights changes: about
    ``ADAPTIVE_STEPS`` an epoch, within ``ADAPTIVE_ROWS`` rows each. Rows of weight 0 are
    left out; they would change nothing but the batches' row counts.
    """

    def __init__(self, X, y, w, shuffle, generator=None, **options):
        from skact.nn.row_noise import row_keys

        dropout_keys = options.get("keys")  # row_keys(X) already, where dropout reads them
        content = (row_keys(X) if dropout_keys is None else dropout_keys).cpu()
        if w is not None and bool((w > 0).any()) and not bool((w > 0).all()):
            kept = torch.nonzero(w.cpu() > 0).flatten().numpy()
            X, y, w, content = (_rows_of(a, kept) for a in (X, y, w, content))
            options["keys"] = _rows_of(dropout_keys, kept)
        distinct = int(torch.unique(content).numel())
        low, high = ADAPTIVE_ROWS
        self.n_batches = -(-distinct // int(np.clip(distinct // ADAPTIVE_STEPS, low, high)))
        super().__init__(X, y, w, -(-X.shape[0] // self.n_batches), shuffle, generator,
                         **options)
        self._content = content
        from skact.nn.layers import row_copies

        # as copies: uniform normalised weights cut the batches as no weights do
        self._weights = row_copies(w, X.shape[0])

    def __len__(self):
        return self.n_batches

    def _ranges(self):
        """``(start, stop)`` of each batch in this epoch's order of the rows, and the order."""
        from skact.nn.row_noise import salted

        salt = int(torch.randint(0, 2**62, (1,), generator=self.generator)) if self.shuffle \
            else 0  # no shuffling: the same order every epoch
        hashed = salted(self._content, salt)
        order = torch.argsort(hashed, stable=True).numpy()
        hashed = hashed.numpy()[order]
        first = np.r_[True, hashed[1:] != hashed[:-1]]  # where a group of copies starts
        group = np.cumsum(first) - 1
        group_weight = np.bincount(group, weights=self._weights[order])
        before = np.maximum(np.cumsum(group_weight) - group_weight, 0.0)
        # the batch of each group: the share of the total weight before it
        batch = np.minimum((before * self.n_batches / group_weight.sum()).astype(np.int64),
                           self.n_batches - 1)
        groups = np.bincount(batch, minlength=self.n_batches)
        stops = np.cumsum(np.bincount(batch[group], minlength=self.n_batches))
        ranges, start = [], 0
        for n_groups, stop in zip(groups, stops):
            if n_groups == 0:
                continue  # a group heavier than a batch's share leaves a batch empty
            if self.no_single_row and n_groups == 1:  # batch norm: one row and its copies
                if ranges:  # join the batch before
                    ranges[-1], start = (ranges[-1][0], stop), stop
                    continue
                if stop < self.n_samples:
                    continue  # a first batch joins the next (start stays where it is)
            ranges.append((start, stop))
            start = stop
        return ranges, order

    def __iter__(self):
        if self.n_batches == 1 and not sp.issparse(self.X):
            yield from super().__iter__()  # every row in one batch: the order is no matter
            return
        ranges, order = self._ranges()
        order = torch.as_tensor(order)
        if not sp.issparse(self.X):
            order = order.to(self.X.device)
        for start, stop in ranges:
            yield self._batch(order[start:stop])
