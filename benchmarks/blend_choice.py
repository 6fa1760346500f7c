"""How linear_blend's noise allowance was chosen: every fold's network and linear model,
then each allowance, and the rule as shipped, replayed on them.

Job: on the sets given (the development half by default), cross-validate the Tabular
estimators as ``broad.py`` does (same folds, one thread), with the linear model always
averaged in (the allowance set to infinity), and keep per fold the held-out scores of both
models, the number of held-out rows, and the test predictions of the network alone, the
linear model alone and their average. Then replay ``linear_blend``'s rule (average where
the linear model's held-out score is at least the network's minus k / sqrt(rows)) for each k
of a grid, and the rule as shipped (``linear_blend.within_the_noise``: that band for
classifiers, a band relative to the network's error for regressions, since the eighteenth
session), and print the mean test score per set for each policy.

Reason: issue 29. The allowance is chosen on the development half only, then the whole recipe
is checked once on the validation half with ``broad.py``.

    python benchmarks/blend_choice.py                      # the development half (~10 min)
    python benchmarks/blend_choice.py --datasets iris,tips
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one thread, before numpy/torch load

import datasets  # noqa: E402
import numpy as np  # noqa: E402
import quality  # noqa: E402

ALLOWANCES = (0.0, 0.2, 0.4, 0.8, 1.6, np.inf)


def _predictions(model, X, weight):
    """The pipeline's test predictions with the linear model at ``weight`` (0: the network
    alone, 1: the linear model alone)."""
    model = copy.deepcopy(model)
    est = model[-1]
    est.linear_model_ = {**est.linear_model_, "weight": np.float64(weight)}
    return model.predict(X)


def folds_of(name):
    """One record per fold: held-out scores, rows, and test scores of the three models."""
    from sklearn.base import is_classifier

    from skact.estimators import linear_blend, small_data

    X, y, task = datasets.load(name)
    records = []
    # every fold gets its linear model, judged on its held-out rows (the regime of a few
    # dozen rows, skact.estimators.small_data, is off here: it is the other rule)
    saved = (linear_blend.NOISE_ALLOWANCE, linear_blend.RELATIVE_NOISE_ALLOWANCE,
             small_data.FEW_HELD_OUT_ROWS)
    (linear_blend.NOISE_ALLOWANCE, linear_blend.RELATIVE_NOISE_ALLOWANCE,
     small_data.FEW_HELD_OUT_ROWS) = np.inf, np.inf, 0
    try:
        for train, test in quality.folds(X, y, task):  # broad.py's folds
            model = quality.make_model("tabular", task, 0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X.iloc[train], y[train])
            est = model[-1]
            if est.linear_model_ is None:  # sparse or multilabel: no linear model
                continue
            classes, truth = is_classifier(est), y[test]

            def scorer(predicted, truth=truth, classes=classes):
                if classes:
                    return float(np.mean(predicted == truth))
                return float(1 - np.sum((truth - predicted) ** 2)
                             / np.sum((truth - truth.mean()) ** 2))
            records.append({
                "kind": "cross_entropy" if classes else "squared_error",
                "network_val": est.best_validation_score_,
                "linear_val": float(est.linear_model_["validation_score"]),
                "rows": float(est.linear_model_["held_out_rows"]),
                "network": scorer(_predictions(model, X.iloc[test], 0.0)),
                "linear": scorer(_predictions(model, X.iloc[test], 1.0)),
                "average": scorer(_predictions(model, X.iloc[test], 0.5))})
    finally:
        (linear_blend.NOISE_ALLOWANCE, linear_blend.RELATIVE_NOISE_ALLOWANCE,
         small_data.FEW_HELD_OUT_ROWS) = saved
    return records


def replay(records, allowance):
    """Mean test score of the rule with this allowance over the folds."""
    return float(np.mean([
        r["average"] if r["linear_val"] >= r["network_val"] - allowance / np.sqrt(r["rows"])
        else r["network"] for r in records]))


def replay_shipped(records):
    """Mean test score of ``linear_blend``'s rule as it ships, over the folds."""
    from skact.estimators.linear_blend import within_the_noise

    return float(np.mean([
        r["average"] if within_the_noise(r["kind"], r["linear_val"], r["network_val"], r["rows"])
        else r["network"] for r in records]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", help="comma-separated names (default: development)")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    names = (args.datasets.split(",") if args.datasets
             else datasets.halves()["development"])
    names = sorted(names, key=lambda n: datasets.REGISTRY[n].rows)
    columns = ["network", "linear"] + [f"k={k:g}" for k in ALLOWANCES] + ["shipped"]
    print("| set | rows | " + " | ".join(columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    totals = {c: [] for c in columns}
    for name in names:
        records = folds_of(name)
        if not records:
            continue
        row = {"network": np.mean([r["network"] for r in records]),
               "linear": np.mean([r["linear"] for r in records])}
        row.update({f"k={k:g}": replay(records, k) for k in ALLOWANCES})
        row["shipped"] = replay_shipped(records)
        for c in columns:
            totals[c].append(row[c])
        print(f"| {name} | {datasets.REGISTRY[name].rows:,} | "
              + " | ".join(f"{row[c]:.4f}" for c in columns) + " |", flush=True)
    print("| mean | | " + " | ".join(f"{np.mean(totals[c]):.4f}" for c in columns) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
