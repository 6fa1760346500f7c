"""The contenders and the timing loop the speed benchmarks share (``run.py``, ``small_data.py``).

The yardsticks are what a careful user would write: a hand-written torch loop, plain
skorch, scikit-learn's MLP; each fits the same network on the same data as skact.
:func:`interleaved` times them round-robin after a warm-up round, so a median compares
contenders measured under the same machine load.
"""

from __future__ import annotations

import contextlib
import functools
import os
import statistics
import time

import numpy as np


def make_data(n_samples, n_features, dtype, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features).astype(dtype)
    w = rng.randn(n_features, 3)
    y = (X @ w).argmax(1)
    return X, y


def fit_skact(X, y, cfg):
    from skact import MLPClassifier

    return MLPClassifier(cfg["hidden"], "relu", learning_rate_init=cfg["lr"],
                         batch_size=cfg["batch"], max_iter=cfg["epochs"], tol=0.0,
                         n_iter_no_change=np.inf, alpha=0.0, random_state=0).fit(X, y)


def fit_sklearn(X, y, cfg):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(cfg["hidden"], "relu", learning_rate_init=cfg["lr"],
                         batch_size=cfg["batch"], max_iter=cfg["epochs"], tol=0.0,
                         n_iter_no_change=cfg["epochs"] + 1, alpha=0.0,
                         random_state=0).fit(X, y)


def _torch_mlp(n_features, hidden, n_classes, dtype):
    import torch

    layers, n_in = [], n_features
    for units in hidden:
        layers += [torch.nn.Linear(n_in, units), torch.nn.ReLU()]
        n_in = units
    layers.append(torch.nn.Linear(n_in, n_classes))
    return torch.nn.Sequential(*layers).to(dtype)


def fit_torch_loop(X, y, cfg):
    """The yardstick: what a careful user would write by hand."""
    import torch

    torch.manual_seed(0)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y).long()
    model = _torch_mlp(X.shape[1], cfg["hidden"], 3, X_t.dtype)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    n = len(X_t)
    for _ in range(cfg["epochs"]):
        order = torch.randperm(n)
        for start in range(0, n, cfg["batch"]):
            idx = order[start:start + cfg["batch"]]
            opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(X_t[idx]), y_t[idx])
            loss.backward()
            opt.step()
    return model


def fit_skorch(X, y, cfg):
    import torch
    from skorch import NeuralNetClassifier

    torch.manual_seed(0)
    net = NeuralNetClassifier(
        _torch_mlp(X.shape[1], cfg["hidden"], 3, torch.float32 if X.dtype == np.float32
                   else torch.float64),
        criterion=torch.nn.CrossEntropyLoss, optimizer=torch.optim.Adam, lr=cfg["lr"],
        batch_size=cfg["batch"], max_epochs=cfg["epochs"], train_split=None,
        iterator_train__shuffle=True, verbose=0,
    )
    return net.fit(X, y.astype(np.int64))


@contextlib.contextmanager
def torch_threads(n):
    """torch's thread count set to ``n`` for the block (skact then leaves it alone)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def one_thread(fit):
    """``fit`` on one torch thread: what ``OMP_NUM_THREADS=1`` gives."""
    @functools.wraps(fit)
    def run(*args):
        with torch_threads(1):
            return fit(*args)
    return run


@contextlib.contextmanager
def torch_default_threads():
    """skact as before its per-fit thread choice: torch's default count, pinned through the
    environment (an explicit setting, which skact respects)."""
    import torch

    before = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = str(torch.get_num_threads())
    try:
        yield
    finally:
        if before is None:
            del os.environ["OMP_NUM_THREADS"]
        else:
            os.environ["OMP_NUM_THREADS"] = before


# -------------------------------------------------------------------- timing --
warmup_rounds = 1  # untimed rounds before the timed ones


def skip_warmup():
    """No warm-up round (``--smoke``, which only checks that every case runs)."""
    global warmup_rounds
    warmup_rounds = 0


def interleaved(contenders, repeats):
    """Median seconds per contender; warm-up rounds first, rounds interleaved."""
    times = {name: [] for name in contenders}
    for round_ in range(warmup_rounds + repeats):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            elapsed = time.perf_counter() - start
            if round_ >= warmup_rounds:
                times[name].append(elapsed)
    return {name: statistics.median(ts) for name, ts in times.items()}
