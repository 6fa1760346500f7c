"""What ``diagnostics=True`` costs: fit time with and without it, interleaved.

Fits the same network on the same data with diagnostics off and on, alternating
(off, on, on, off, ...) after one warm-up pair, and prints the medians of wall
and process CPU time and their ratios. The budget is a ratio of at most 1.15;
the verdict uses CPU time, which another busy process on the machine disturbs
less than wall time (with one torch thread the two agree on a quiet machine).

    python benchmarks/diagnostics.py                 # both cases, 7 pairs each
    python benchmarks/diagnostics.py --repeats 3     # quicker
    OMP_NUM_THREADS=1 python benchmarks/diagnostics.py

Cases: synthetic 20,000 x 40 float32 (3 classes) and scikit-learn's digits
(1,797 x 64, float32), both with two hidden layers of 128 ReLU units, Adam,
batch 200, 10 epochs without early stopping.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings

import numpy as np


def synthetic(n_samples=20_000, n_features=40, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features).astype(np.float32)
    y = (X @ rng.randn(n_features, 3)).argmax(1)
    return X, y


def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y


def fit_seconds(X, y, diagnostics, activation="relu", epochs=10):
    from sklearn.exceptions import ConvergenceWarning

    from skact import MLPClassifier

    clf = MLPClassifier((128, 128), activation, max_iter=epochs, tol=0.0,
                        n_iter_no_change=np.inf, random_state=0, diagnostics=diagnostics)
    wall, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    return time.perf_counter() - wall, time.process_time() - cpu


def measure(X, y, repeats, activation="relu"):
    """Medians (off, on) of ``repeats`` interleaved pairs after one warm-up pair, each a
    ``(wall, cpu)`` pair of seconds."""
    fit_seconds(X, y, False, activation)
    fit_seconds(X, y, True, activation)
    off, on = [], []
    for i in range(repeats):
        # alternate which goes first, so drift on a busy machine hits both equally
        order = (False, True) if i % 2 == 0 else (True, False)
        for flag in order:
            (on if flag else off).append(fit_seconds(X, y, flag, activation))
    def medians(times):
        return tuple(statistics.median(t[k] for t in times) for k in (0, 1))

    return medians(off), medians(on)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="interleaved pairs per case")
    parser.add_argument("--activation", default="relu",
                        help="relu has no saturation check; tanh or sigmoid measure it too")
    args = parser.parse_args(argv)

    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); "
          f"{args.repeats} interleaved pairs per case; activation {args.activation}")
    print("medians; wall = elapsed time, cpu = process CPU time (steadier on a shared machine)")
    print(f"{'case':<28}{'wall off':>9}{'wall on':>9}{'ratio':>7}"
          f"{'cpu off':>9}{'cpu on':>9}{'ratio':>7}")
    worst = 0.0
    for name, (X, y) in (("synthetic 20000x40 float32", synthetic()), ("digits float32", digits())):
        off, on = measure(X, y, args.repeats, args.activation)
        wall, cpu = on[0] / off[0], on[1] / off[1]
        worst = max(worst, cpu)
        print(f"{name:<28}{off[0]:>9.3f}{on[0]:>9.3f}{wall:>7.3f}"
              f"{off[1]:>9.3f}{on[1]:>9.3f}{cpu:>7.3f}", flush=True)
    verdict = "within" if worst <= 1.15 else "OVER"
    print(f"worst CPU-time ratio {worst:.3f}: {verdict} the 1.15 budget")
    return 0 if worst <= 1.15 else 1


if __name__ == "__main__":
    sys.exit(main())
