"""Small data sets (iris, breast cancer, digits) on a quiet and on a busy machine.

skact's default MLPClassifier against scikit-learn's, every epoch run, first on the machine
as it is, then with busy-loop processes (started and stopped here) on all cores but one
and on every core: the fixed cost of a short fit is what suffers most when the process is
descheduled.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import time

from contenders import interleaved, one_thread, torch_default_threads


def small_datasets(names):
    """Scaled (StandardScaler) small data sets from scikit-learn, float64 as loaded."""
    from sklearn import datasets
    from sklearn.preprocessing import StandardScaler

    loaders = {"iris": datasets.load_iris, "breast cancer": datasets.load_breast_cancer,
               "digits": datasets.load_digits}
    out = {}
    for name in names:
        X, y = loaders[name](return_X_y=True)
        out[name] = (StandardScaler().fit_transform(X), y)
    return out


def _busy_loop(parent):
    # spins until the benchmark that started it is gone: stopped by busy_cores, or, when the
    # benchmark itself is killed (its daemon children are then not terminated), re-parented
    while os.getppid() == parent:
        for _ in range(100_000):
            pass


@contextlib.contextmanager
def busy_cores(n):
    """``n`` processes spinning on the CPU for the block; always stopped afterwards."""
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    procs = [context.Process(target=_busy_loop, args=(os.getpid(),), daemon=True)
             for _ in range(n)]
    try:
        for proc in procs:
            proc.start()
        time.sleep(0.2)  # let the scheduler see them before timing starts
        yield
    finally:
        for proc in procs:
            if proc.pid is not None:
                proc.terminate()
        for proc in procs:
            if proc.pid is not None:
                proc.join()


def case_small_data(title, data, epochs_list, repeats, with_default_threads):
    """skact's default MLPClassifier against scikit-learn's, same parameters, on small data,
    each running exactly ``epochs`` epochs."""
    from sklearn.neural_network import MLPClassifier as SkMLP

    from skact import MLPClassifier

    def fit(cls, X, y, epochs):
        # every epoch runs for both: with their default stopping rule the two can stop at
        # different epochs (digits: 130 vs 147), which would time different work
        return lambda: cls(max_iter=epochs, n_iter_no_change=epochs, random_state=0).fit(X, y)

    def default_threads(fn):
        def run():
            with torch_default_threads():
                fn()
        return run

    rows = []
    for name, (X, y) in data.items():
        for epochs in epochs_list:
            contenders = {
                "scikit-learn MLPClassifier": fit(SkMLP, X, y, epochs),
                "skact MLPClassifier": fit(MLPClassifier, X, y, epochs),
                "skact, 1 thread (OMP_NUM_THREADS=1)": one_thread(
                    fit(MLPClassifier, X, y, epochs)),
            }
            if with_default_threads:
                contenders["skact, torch's default threads"] = default_threads(
                    fit(MLPClassifier, X, y, epochs))
            medians = interleaved(contenders, repeats)
            base = medians["scikit-learn MLPClassifier"]
            rows += [(name, epochs, contender, f"{s * 1000:.1f}", f"{s / base:.2f}x")
                     for contender, s in medians.items()]
    return (title, ["data", "epochs", "contender", "median ms", "vs scikit-learn"], rows)


def cases_small_data(repeats, smoke):
    """Small data on the machine as it is, then with all cores but one busy, then every core."""
    data = small_datasets(("iris",) if smoke else ("iris", "breast cancer", "digits"))
    epochs = (1, 5) if smoke else (1, 200)
    cores = os.cpu_count() or 1
    cases = [case_small_data("small data (default MLPClassifier, scaled inputs, every epoch run)",
                             data, epochs, repeats, with_default_threads=True)]
    for n_busy, label in ((cores - 1, "all cores but one busy"), (cores, "every core busy")):
        with busy_cores(n_busy):
            cases.append(case_small_data(
                f"small data, {label} ({n_busy} busy-loop processes)", data, epochs, repeats,
                with_default_threads=False))
    return cases
