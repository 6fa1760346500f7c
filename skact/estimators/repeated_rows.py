"""``repeated_rows=True``: a row seen in training also predicts from its copies' targets.

Real tables repeat rows: a person's fixed traits over the years of a panel (randhie: 20,190
rows, 2,760 distinct), one price list over many purchases (yogurt: 2,412 rows, 486
distinct), a few categories (titanic: 12 distinct rows). Where a row to predict has copies
among the training rows, their targets are direct evidence about it; a network smooths over
its neighbours instead, while gradient boosting's deep splits isolate such rows, which is
much of its lead on those tables (benchmarks/README.md, "Repeated rows"). So a row whose
values the fitted rows hold with total weight ``c`` is predicted as

    (sum of those copies' targets + k * the model's prediction) / (c + k)

the model's prediction (the network's, with ``linear_blend``'s model averaged in) acting as
a prior worth ``k`` rows: on the targets the network's outputs stand for (standardised, for
a regression) or on the class probabilities. Rows without copies keep the model's
prediction.

``k`` is chosen on the held-out rows, which the network never trained on: they are held out
with every copy (``validation_split='content'``), so each held-out row with copies among the
other held-out rows is predicted from those (its own copy left out) and the model. Among
:data:`STRENGTHS`, the ``k`` that lowers their loss most (squared error, or errors for a
classifier, as its held-out score counts them) is kept only where that fall is clear, by
:data:`CLEAR_GAIN` standard errors taken over the groups of copies: on labels the copies
do not predict, the best of four strengths would otherwise pass about half the time. (A
log-loss passed too often: blending in copies' frequencies improves an over-confident
network's calibration even where they carry nothing about the label.) Then every fitted
row's targets are summed per distinct row, in ``repeated_rows_``, unless that would take
more than :data:`MAX_VALUES` numbers.

Where a table of a few distinct rows repeated many times held nothing out
(:func:`skact.estimators.small_data.few_distinct_rows`), ``k`` is chosen the same way on
the training rows, each row's companions being its other copies. The network trained on
those copies, which can only make them look less useful than they are; on tables of this
kind it still underfits some distinct rows (``amis``: 84 kinds of road site and period, R²
0.18 without the copies' targets, 0.35 with them, as gradient boosting).

Weights count as copies: an integer weight of 2 is the row twice, one of which is its own
companion; a fractional weight has no companion in itself.
"""

from __future__ import annotations

import numpy as np

__all__ = ["STRENGTHS", "remember_repeated_rows", "with_repeated_rows"]

#: The prior strengths ``k`` tried, in rows (units of weight).
STRENGTHS = (0.5, 2.0, 8.0, 32.0)
#: How many standard errors the held-out loss must fall by (a few percent of fits on noise).
CLEAR_GAIN = 2.0
#: Fewer held-out rows with copies than this say too little to choose ``k`` on.
MIN_ROWS_WITH_COPIES = 10
#: The most numbers ``repeated_rows_`` may keep (distinct rows x (outputs + 2)): 40 MB.
MAX_VALUES = 5_000_000
_KINDS = ("squared_error", "cross_entropy", "binary")

_MIX = (np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))  # splitmix64's
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_CHUNK_ROWS = 4096  # a sparse X is hashed this many densified rows at a time


def _mix(h):
    """splitmix64's finaliser on uint64 arrays (multiplications wrap, as intended)."""
    h = (h ^ (h >> np.uint64(30))) * _MIX[0]
    h = (h ^ (h >> np.uint64(27))) * _MIX[1]
    return h ^ (h >> np.uint64(31))


def row_hashes(X) -> np.ndarray:
    """One 64-bit hash per row of ``X`` (numpy, sparse or a tensor) from its values as
    float32, so a float64 row at predict meets its float32 training copy; zeros add
    nothing, so a sparse row meets its dense copy. numpy, not
    :func:`skact.nn.row_noise.row_keys`: one row hashes in microseconds, not a hundred."""
    import scipy.sparse as sp

    if sp.issparse(X):
        X = sp.csr_matrix(X)
        parts = [row_hashes(X[i:i + _CHUNK_ROWS].toarray())
                 for i in range(0, X.shape[0], _CHUNK_ROWS)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    if hasattr(X, "detach"):
        X = X.detach().cpu().numpy()
    bits = np.ascontiguousarray(X, dtype=np.float32).reshape(len(X), -1)
    bits = bits.view(np.uint32).astype(np.uint64)
    columns = _mix(np.arange(1, bits.shape[1] + 1, dtype=np.uint64) * _GOLDEN)
    with np.errstate(over="ignore"):
        cells = _mix(bits ^ columns) * (bits != 0)
        return _mix(cells.sum(axis=1, dtype=np.uint64)).view(np.int64)


def _targets(y, kind, width):
    """The targets on the scale the outputs stand for: values, or one-hot class indicators."""
    y = np.asarray(y.detach().cpu().numpy() if hasattr(y, "detach") else y)
    if kind == "cross_entropy":
        return np.eye(width)[y.astype(int).reshape(-1)]
    return y.reshape(len(y), -1).astype(np.float64)


def _to_prior(raw, kind):
    """Raw outputs (logits, or standardised targets) as the values averaged with copies."""
    raw = np.asarray(raw, dtype=np.float64)
    if kind == "cross_entropy":
        e = np.exp(raw - raw.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return 1.0 / (1.0 + np.exp(-raw)) if kind == "binary" else raw


def _to_raw(values, kind):
    if kind == "cross_entropy":
        return np.log(np.clip(values, 1e-12, None))
    if kind == "binary":
        p = np.clip(values, 1e-12, 1 - 1e-12)
        return np.log(p) - np.log1p(-p)
    return values


def _blend(sums, counts, prior, strength):
    return (sums + strength * prior) / (counts + strength)[:, None]


def _sums_per_row(keys, targets, counts):
    """``(distinct keys, each row's group, targets summed per group, weight per group)``:
    every row's copies gathered, weighted as copies."""
    distinct, group = np.unique(keys, return_inverse=True)
    group = group.reshape(-1)
    sums = np.stack([np.bincount(group, counts * t) for t in targets.T], axis=1)
    return distinct, group, sums, np.bincount(group, counts)


def _held_out_companions(keys, targets, counts):
    """For each held-out row, the targets' sum and total weight of its copies among the
    held-out rows, its own copy left out: one unit for an integer weight (the other units
    are copies), the whole row for a fractional one."""
    _, group, sums, totals = _sums_per_row(keys, targets, counts)
    own = np.where(counts == np.round(counts), np.minimum(counts, 1.0), counts)
    return sums[group] - own[:, None] * targets, totals[group] - own


def remember_repeated_rows(estimator, scorer, held_out, outputs_of) -> None:
    """After a fit with early stopping: choose ``k`` on the held-out rows and, where it
    helps, keep every fitted row's targets per distinct row as ``repeated_rows_``.
    ``outputs_of(X)``: the model's raw outputs for ``X`` (numpy)."""
    from skact.estimators.small_data import few_distinct_rows
    from skact.nn.layers import row_copies

    kind = getattr(estimator, "_loss_kind", None)
    if scorer is None or held_out is None or kind not in _KINDS:
        return
    (X_t, y_t, w_t), (X_v, y_v, w_v) = held_out
    if not hasattr(X_v, "detach") or X_v.ndim != 2:
        return  # not a table
    judged_on_training_rows = X_v is X_t
    if judged_on_training_rows and not few_distinct_rows(estimator, X_t, w_t):
        return  # too few rows to hold out: few copies to learn from either
    raw = outputs_of(X_v.detach().cpu().numpy())
    width = raw.shape[1]
    keys, targets = row_hashes(X_v), _targets(y_v, kind, width)
    counts = row_copies(w_v, len(keys))
    sums, companions = _held_out_companions(keys, targets, counts)
    has = companions > 1e-9
    if counts[has].sum() < MIN_ROWS_WITH_COPIES:  # rows as copies: a weight of 2 is two
        return
    prior = _to_prior(raw, kind)
    group = np.unique(keys[has], return_inverse=True)[1].reshape(-1)
    alone = _losses(raw[has], targets[has], kind)
    best, chosen = 0.0, None
    for strength in STRENGTHS:
        blended = _to_raw(_blend(sums[has], companions[has], prior[has], strength), kind)
        gain = _clear_gain(counts[has] * (alone - _losses(blended, targets[has], kind)), group)
        if gain > best:
            best, chosen = gain, strength
    if chosen is None:
        return
    fitted = (keys, targets, None if w_v is None else w_v.detach().cpu().numpy())
    if not judged_on_training_rows:  # the held-out rows and the training rows
        fitted = (np.concatenate([row_hashes(X_t), keys]),
                  np.concatenate([_targets(y_t, kind, width), targets]),
                  None if w_t is None else np.concatenate([w_t.detach().cpu().numpy(),
                                                           fitted[2]]))
    _keep(estimator, chosen, width, *fitted)


def _keep(estimator, strength, width, keys, targets, weights) -> None:
    """Sum every fitted row's ``targets`` per distinct row (their ``keys``; ``weights``
    for copies, or None)."""
    from skact.nn.layers import row_copies

    counts = row_copies(weights, len(keys))
    fitted = counts > 0
    distinct, _, sums, totals = _sums_per_row(keys[fitted], targets[fitted], counts[fitted])
    if len(distinct) * (width + 2) > MAX_VALUES:
        return
    estimator.repeated_rows_ = {"keys": distinct.astype(np.int64), "sums": sums,
                                "weights": totals, "strength": np.float64(strength)}


def _losses(raw, targets, kind):
    """Each row's loss as the held-out score counts it: squared error on the outputs'
    scale, or 1 for a wrong class (any wrong label), else 0."""
    if kind == "squared_error":
        return ((targets - raw) ** 2).sum(axis=1)
    if kind == "cross_entropy":
        return (raw.argmax(axis=1) != targets.argmax(axis=1)).astype(np.float64)
    return ((raw > 0) != (targets > 0.5)).any(axis=1).astype(np.float64)


def _clear_gain(gains, group):
    """The total of the rows' weighted loss reductions where it exceeds
    :data:`CLEAR_GAIN` standard errors, else 0. Copies' gains are correlated (they predict
    each other), so the error is taken over groups of copies, not rows."""
    per_group = np.bincount(group, gains)
    n_groups = len(per_group)
    total = per_group.sum()
    if n_groups < 2 or total <= 0:
        return 0.0
    spread = np.sqrt(n_groups / (n_groups - 1) * ((per_group - total / n_groups) ** 2).sum())
    return float(total) if total > CLEAR_GAIN * spread else 0.0


def with_repeated_rows(estimator, raw, X):
    """``raw`` (the model's outputs for ``X``) where ``X``'s rows have fitted copies: blended
    with those copies' targets by ``repeated_rows_``."""
    memory = estimator.__dict__.get("repeated_rows_")
    if memory is None or len(raw) == 0:
        return raw
    kind = estimator._loss_kind
    keys = row_hashes(X)
    at = np.minimum(np.searchsorted(memory["keys"], keys), len(memory["keys"]) - 1)
    seen = memory["keys"][at] == keys
    if not seen.any():
        return raw
    out = np.array(raw, copy=True)
    rows = at[seen]
    blended = _blend(memory["sums"][rows], memory["weights"][rows],
                     _to_prior(out[seen], kind), float(memory["strength"]))
    out[seen] = _to_raw(blended, kind)
    return out.astype(raw.dtype, copy=False)
