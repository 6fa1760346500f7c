"""Compare activation functions on the same network and data, and see why they differ.

Two tasks, each network trained once per activation with everything else fixed
(layers, optimiser, epochs, early stopping, seeds and folds), repeated over seeds
and cross-validation folds:

1. scikit-learn's digits (8x8 images as 64 features) with a 4-layer MLP;
2. a 1-D signal task (noisy traces holding a square, triangle or sine pulse at
   a random position) with a small 1-D CNN.

For each activation it prints the held-out balanced accuracy (mean ± std), fit
time, the epoch of the best validation score, the final training loss, the dead
and saturated hidden units at the end and the first/last layer gradient ratio
(far below 1: the first layers barely learn). It saves compare.csv,
summary.json, loss.png, scores.png and diagnostics.png per task in a folder.

Run: python examples/compare_activations.py [OUT_DIR]   (default: comparison/)
"""

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skact.compare import compare, save_comparison

ACTIVATIONS = ["relu", "leaky_relu", "tanh", "sigmoid", "elu", "gelu"]


def pulses(n_samples=900, length=64, seed=0):
    """Noisy signals with a square, triangle or sine pulse at a random position."""
    rng = np.random.RandomState(seed)
    t = np.linspace(0, 1, 12)
    shapes = [np.ones(12), 1 - np.abs(2 * t - 1), np.sin(2 * np.pi * t)]
    X = rng.normal(scale=0.3, size=(n_samples, length)).astype(np.float32)
    y = rng.randint(0, 3, size=n_samples)
    for row, label in zip(X, y):
        start = rng.randint(0, length - 12)
        row[start:start + 12] += shapes[label]
    return X, y


def show(title, result):
    """Print the per-activation table, best first."""
    table = pd.DataFrame(result.summary()).sort_values("rank", na_position="last")
    table = pd.DataFrame({
        "activation": table["activation"],
        "score": [f"{m:.3f} ± {s:.3f}" if m is not None else "-"
                  for m, s in zip(table["score_mean"], table["score_std"])],
        "fit s": table["fit_time"].map("{:.2f}".format),
        "best epoch": table["best_epoch"].map("{:.0f}".format),
        "final loss": table["final_loss"].map("{:.3f}".format),
        "dead %": (100 * table["dead_fraction"]).map("{:.1f}".format),
        "saturated %": [("-" if v is None or v != v else f"{100 * v:.1f}")
                        for v in table["saturated_fraction"]],
        "grad 1st/last": table["grad_ratio"].map("{:.2g}".format),
    })
    runs = result.settings["runs"]
    print(f"\n{title} ({result.scoring}, {runs} run{'s' if runs != 1 else ''} x "
          f"{result.settings['cv']} folds; best: {result.best})")
    print(table.to_string(index=False))
    for line in result.advice_lines():  # once per activation, never against the best
        print(f"  {line}")


def digits_task():
    X, y = load_digits(return_X_y=True)
    result = compare(
        X.astype(np.float32), y, activations=ACTIVATIONS, layers=(64, 64, 64, 64),
        runs=2, cv=3, max_epochs=40, seed=0, preprocessor=StandardScaler(),
        params={"learning_rate_init": 0.003},
    )
    return "Digits, MLP 64-64-64-64", "digits", result, {"data": "sklearn digits"}


def signals_task():
    X, y = pulses()
    result = compare(
        X, y, activations=ACTIVATIONS, model="cnn", layers=(32,), runs=1, cv=3,
        max_epochs=25, seed=0,
        params={"conv_channels": (8, 16), "learning_rate_init": 0.003},
    )
    return "1-D pulses, CNN conv 8-16 + dense 32", "signals", result, {
        "data": "synthetic 1-D pulses"}


def run_task(task, out):
    title, name, result, extra = task()
    save_comparison(result, out / name, extra=extra)
    return title, result


def main(out_dir="comparison"):
    out = Path(out_dir)
    start = time.perf_counter()
    # the two tasks are independent: one process each where there are two cores
    tasks = (digits_task, signals_task)
    if (os.cpu_count() or 1) >= 2:
        with ProcessPoolExecutor(max_workers=2) as pool:
            done = [pool.submit(run_task, task, out) for task in tasks]
            results = [future.result() for future in done]
    else:
        results = [run_task(task, out) for task in tasks]
    for title, result in results:
        show(title, result)

    print(f"\nPlots and tables in {out}/digits and {out}/signals "
          f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main(*sys.argv[1:2])
