"""Randomness keyed on row content: still random across rows, identical for copies of a row.

What makes an integer ``sample_weight`` train as repeated rows (tests/estimators/test_common.py runs
scikit-learn's check on every estimator); here, that the keyed draws are as good as the
draws they replaced.
"""

import math

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from skact import TabularMLPRegressor
from skact.nn.row_noise import (
    _M1,
    BatchRows,
    _column_keys,
    hold_out_by_content,
    keyed_keep_mask,
    row_keys,
)


def test_row_keys_are_equal_for_equal_rows_only_and_sparse_rows_hash_as_dense():
    rng = np.random.RandomState(0)
    X = torch.as_tensor(rng.rand(500, 7))
    X[3] = X[10]
    keys = row_keys(X, salt=5)
    assert keys[3] == keys[10]
    assert len(torch.unique(keys)) == 499
    # another order, another batch: the same key per row
    order = torch.randperm(500, generator=torch.Generator().manual_seed(1))
    assert torch.equal(row_keys(X[order], salt=5), keys[order])
    assert not torch.equal(row_keys(X, salt=6), keys)
    dense = rng.rand(30, 9) * (rng.rand(30, 9) > 0.6)
    assert torch.equal(row_keys(sp.csr_matrix(dense), salt=2),
                       row_keys(torch.as_tensor(dense), salt=2))


@pytest.mark.parametrize("p", [0.15, 0.5, 0.9])
def test_keyed_masks_drop_at_the_rate_asked_independently_per_row_and_step(p):
    rows = row_keys(torch.as_tensor(np.random.RandomState(0).rand(2000, 3)), salt=1)
    X = torch.ones(2000, 1003, dtype=torch.float64)
    mask = keyed_keep_mask(X, p, rows, layer_salt=7)
    kept = (mask > 0).double()
    n = X.numel()
    assert set(torch.unique(mask).tolist()) <= {0.0, float(mask.max())}
    assert abs(kept.mean().item() - (1 - p)) < 5 * math.sqrt(p * (1 - p) / n) + 1e-5
    assert mask.mean().item() == pytest.approx(1.0, abs=5 * math.sqrt(p / (1 - p) / n))
    # neighbouring rows and units are uncorrelated, as independent draws are
    for a, b in ((kept[:-1], kept[1:]), (kept[:, :-1], kept[:, 1:])):
        correlation = np.corrcoef(a.flatten().numpy(), b.flatten().numpy())[0, 1]
        assert abs(correlation) < 5 / math.sqrt(a.numel())
    # another layer, or the same layer a step later, draws another mask
    other_layer = keyed_keep_mask(X, p, rows, layer_salt=8) > 0
    assert 0.4 < (other_layer == (mask > 0)).double().mean().item() < 1 - 0.4 * p * (1 - p)


@pytest.mark.parametrize("p", [0.15, 0.2, 0.5, 1e-3, 1e-6, 1 - 1e-6])  # and the clamped ends
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_keyed_masks_are_the_top_16_bits_of_each_cell_key_against_the_rate(p, dtype):
    """The mask as its docstring defines it (a model fitted before, and its digest, rely on
    these exact masks): keep a cell where the signed top 16 bits of (row key ^ unit key)
    times splitmix64's first multiplier fall below (1 - p) * 65536 - 32768."""
    rows = row_keys(torch.as_tensor(np.random.RandomState(1).rand(300, 4)), salt=3)
    X = torch.zeros(300, 8, 5, dtype=dtype)  # units counted over every trailing axis
    units = _column_keys(40, 9, X.device)
    threshold = max(1, min(65535, round((1 - p) * 65536)))
    lanes = ((rows[:, None] ^ units) * _M1) >> 48  # arithmetic shift: signed top bits
    expected = (lanes < threshold - 32768).to(dtype) * (65536 / threshold)
    assert torch.equal(keyed_keep_mask(X, p, rows, layer_salt=9), expected.view(X.shape))


def test_copies_of_a_row_get_one_mask_and_a_new_one_each_step():
    X = torch.as_tensor(np.random.RandomState(0).rand(6, 4))
    X[4] = X[1]
    batch = BatchRows(seed=3, needs_keys=True)
    hidden = torch.ones(6, 64)
    batch.begin(X, None)
    first = keyed_keep_mask(hidden, 0.5, batch.rows, 11)
    batch.begin(X, None)
    second = keyed_keep_mask(hidden, 0.5, batch.rows, 11)
    assert torch.equal(first[1], first[4]) and not torch.equal(first[1], first[2])
    assert not torch.equal(first, second)


def test_held_out_rows_keep_copies_together_and_weigh_rows():
    X = np.random.RandomState(0).rand(150, 5)
    copies = np.vstack([X, X[:50]])  # the first 50 rows twice
    train, held = hold_out_by_content(torch.as_tensor(copies), None, fraction=0.2,
                                      stratify=None, seed=4)
    assert len(set(train) | set(held)) == 200 and not set(train) & set(held)
    held_set = set(held)
    assert all((i in held_set) == (i + 150 in held_set) for i in range(50))
    assert 35 <= len(held) <= 45  # 20% of 200, give or take a pair of copies
    # a row of weight 2 is held out exactly where its two copies are
    weights = torch.ones(150, dtype=torch.float64)
    weights[:50] = 2
    _, held_weighted = hold_out_by_content(torch.as_tensor(X), weights, fraction=0.2,
                                           stratify=None, seed=4)
    assert set(held_weighted) == {i for i in held_set if i < 150}


def test_held_out_rows_follow_the_seed_and_cover_each_class():
    X = torch.as_tensor(np.random.RandomState(0).rand(100, 3))
    y = np.r_[np.zeros(90), np.ones(10)]
    _, a = hold_out_by_content(X, None, fraction=0.1, stratify=y, seed=1)
    _, b = hold_out_by_content(X, None, fraction=0.1, stratify=y, seed=2)
    assert set(a) != set(b)
    assert set(y[a]) == {0.0, 1.0}
    # a class of one (different) row keeps it for training
    y[95:] = 2
    y[94] = 3
    train, held = hold_out_by_content(X, None, fraction=0.1, stratify=y, seed=1)
    assert 94 in set(train) and set(y[train]) == {0.0, 1.0, 2.0, 3.0}


def test_a_weight_of_two_early_stops_as_a_repeated_row_from_the_public_api():
    rng = np.random.RandomState(0)
    X = rng.rand(120, 4)
    y = X @ [1.0, -2.0, 0.5, 3.0]
    weights = rng.randint(0, 3, 120)
    # the networks themselves, not the constant a 12-epoch fit would fall back to
    params = {"max_iter": 12, "random_state": 0, "hidden_layer_sizes": (32,),
              "constant_fallback": False}
    weighted = TabularMLPRegressor(**params).fit(X, y, sample_weight=weights)
    repeated = TabularMLPRegressor(**params).fit(X.repeat(weights, axis=0), y.repeat(weights))
    np.testing.assert_allclose(weighted.validation_scores_, repeated.validation_scores_,
                               rtol=1e-6)
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shape", [(6, 4), (6, 3, 5)])
def test_weighted_batch_norm_weighs_rows_as_copies_and_is_torchs_without_weights(shape):
    from skact.nn.row_noise import WeightedBatchNorm1d

    X = torch.as_tensor(np.random.RandomState(0).rand(*shape))
    weights = torch.tensor([2.0, 1.0, 0.0, 3.0, 1.0, 1.0], dtype=torch.float64)
    copies = X.repeat_interleave(weights.long(), dim=0)
    plain = torch.nn.BatchNorm1d(shape[1]).double()
    weighted, repeated = (WeightedBatchNorm1d(shape[1]).double() for _ in range(2))
    weighted.batch = BatchRows(seed=0, needs_keys=False)
    weighted.batch.begin(X, weights)
    out = weighted(X)
    expected = repeated(copies)  # torch's own batch norm over the copies
    np.testing.assert_allclose(out[weights > 0].detach().numpy(),
                               expected.unique_consecutive(dim=0).detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(weighted.running_var.numpy(), repeated.running_var.numpy(),
                               rtol=1e-10)
    np.testing.assert_allclose(weighted.running_mean.numpy(), repeated.running_mean.numpy(),
                               rtol=1e-10)
    weighted.batch.end()  # no weights: exactly torch's
    assert torch.equal(weighted(X), plain(X))


# the labels are coin flips: the constant fallback rightly says the network learnt nothing
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_pickled_model_does_not_carry_the_training_rows_keys():
    """Nor its held-out rows (the defaults hold 20% out for the best epoch)."""
    import pickle

    from skact import TabularMLPClassifier

    rng = np.random.RandomState(0)
    sizes = []
    for n in (200, 4000):
        X, y = rng.rand(n, 3), rng.randint(0, 2, n)
        clf = TabularMLPClassifier(max_iter=1, hidden_layer_sizes=(8,),
                                   random_state=0).fit(X, y)
        sizes.append(len(pickle.dumps(clf)))
    assert sizes[1] - sizes[0] < 3800 * 8  # 8 bytes a row would be the keys kept
