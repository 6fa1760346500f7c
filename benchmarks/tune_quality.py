"""What ``skact tune --n-trials 10`` gets: the tuned model against the strong defaults,
gradient boosting and a linear model, under tune's own cross-validation.

For each data set the table is written to a CSV and loaded exactly as ``skact tune`` loads
it; the search is the CLI's (``Tuner``, default space, default scorer: balanced accuracy
or R², 5-fold, seed 0). The strong-default estimator (``TabularMLPClassifier`` /
``TabularMLPRegressor``), ``HistGradientBoosting`` and ``LogisticRegression`` /
``RidgeCV`` are cross-validated on the same folds with the same scorer and tune's own
preprocessing. Every set of ``quality.py``'s suite is here, and one more that a user had
trouble with (21 fermentation spectra, where nothing beats a constant by much). One thread
per process; ``--processes`` runs that many data sets side by side.

    python benchmarks/tune_quality.py --processes 2        # writes benchmarks/README.md
    python benchmarks/tune_quality.py --datasets iris --n-trials 3
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one thread each, before numpy/torch load

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
MARKER = "<!-- tune -->"
LARGEST = ["diamonds", "mnist1d", "digits"]


def _datasets():
    """The quality suite's sets and fermentation; the largest first, so that side-by-side
    processes fill the time they take with the small ones and finish close together."""
    from quality import DATASETS as SUITE

    return LARGEST + [name for name in SUITE if name not in LARGEST] + ["fermentation"]


def _suite_order():
    """The order of quality.py's table, for the README."""
    from quality import DATASETS as SUITE

    return [*SUITE, "fermentation"]


def tune_one(name, n_trials):
    """Scores (mean, std) of the tuned model and the yardsticks on one data set."""
    import numpy as np
    from quality import load, make_model
    from sklearn.model_selection import cross_val_score

    from skact.data import load_table
    from skact.tuning import OptunaSettings, Tuner
    from skact.tuning.objective import make_pipeline

    X, y, task = load(name)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.csv"
        X.assign(target=y).to_csv(path, index=False)
        dataset = load_table(path, target="target")
    tuner = Tuner(dataset, n_trials=n_trials, cv=5, settings=OptunaSettings(seed=0))
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = tuner.run()
        seconds = time.perf_counter() - start
        folds, scoring = tuner.splitter(), tuner.scoring

        def cv(model):
            s = cross_val_score(model, dataset.X, dataset.y, cv=folds, scoring=scoring)
            return float(np.mean(s)), float(np.std(s))

        rows = {
            "tune": (result.best["score"], result.best["score_std"]),
            "defaults": cv(make_pipeline(dataset, "mlp", {}, tuner.base_params)),
            "hgb": cv(make_model("hgb", task)),
            "linear": cv(make_model("linear", task)),
        }
    baseline = tuner.constant_baseline()
    rows["constant"] = (baseline.score, 0.0) if baseline else (float("nan"), 0.0)
    return {"rows": rows, "scoring": scoring, "n": len(dataset.X), "seconds": seconds}


COLUMNS = [("tune", "skact tune"), ("defaults", "Tabular* defaults"),
           ("hgb", "HistGradientBoosting"), ("linear", "linear"), ("constant", "constant")]


def table(results):
    lines = ["| data set | rows | scorer | " + " | ".join(c for _, c in COLUMNS) + " | tune s |",
             "|" + "---|" * (4 + len(COLUMNS))]
    for name, r in results.items():
        cells = [f"{r['rows'][k][0]:.4f} ± {r['rows'][k][1]:.3f}" for k, _ in COLUMNS]
        lines.append(f"| {name} | {r['n']} | {r['scoring']} | " + " | ".join(cells)
                     + f" | {r['seconds']:.0f} |")
    return "\n".join(lines)


def write_readme(text, n_trials, processes):
    section = (
        f"{MARKER}\n## `skact tune` against its own defaults (`python benchmarks/tune_quality.py`)"
        f"\n\n- date: {dt.date.today().isoformat()}; machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, one thread per process, {processes} at a time; "
        f"{n_trials} trials, 5-fold CV, seed 0, tune's default space and scorer; every "
        "column on the same folds.\n"
        "- `*`: `TabularMLPClassifier()` / `TabularMLPRegressor()` with `random_state=0`, "
        "in tune's preprocessing pipeline: tune's first trial; constant: predicting the "
        "class frequencies or the mean.\n\n"
        f"{text}\n{MARKER}\n"
    )
    from quality import replace_section

    replace_section(MARKER, section)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(_datasets()))
    parser.add_argument("--n-trials", type=int, default=10)
    parser.add_argument("--processes", type=int, default=1,
                        help="data sets tuned side by side, one thread each")
    args = parser.parse_args(argv)
    names = args.datasets.split(",")
    results = {}
    with concurrent.futures.ProcessPoolExecutor(args.processes, initializer=_one_thread) as pool:
        futures = {pool.submit(tune_one, name, args.n_trials): name for name in names}
        for future in concurrent.futures.as_completed(futures):
            name = futures[future]
            results[name] = future.result()
            print(table({name: results[name]}).splitlines()[-1], flush=True)
    order = _suite_order()  # the README's rows as in quality.py's table; others last
    rank = {name: order.index(name) if name in order else len(order) for name in names}
    text = table({name: results[name] for name in sorted(names, key=rank.get)})
    print(text)
    if set(names) == set(_datasets()) and args.n_trials == 10:
        write_readme(text, args.n_trials, args.processes)
    return 0


def _one_thread():
    import optuna
    import torch

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)


if __name__ == "__main__":
    sys.exit(main())
