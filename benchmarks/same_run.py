"""Fit time of the Tabular estimators against RealMLP-TD over the whole broad suite, in one run.

Job: for every set of ``datasets.py`` (both halves), fit ``TabularMLPClassifier()`` /
``TabularMLPRegressor()`` and RealMLP-TD on ``broad.py``'s folds, one thread each, the two
models alternating set by set in the same process, so both see the same machine load; sum
the fit seconds and report the ratio (overall, per half, per size band) in README.md. Run
one process per half side by side to use two cores: each process still alternates its two
models, so the ratio stays a same-run ratio.

Reason: issue 29's target 2, fit time at most 0.25x RealMLP-TD's over the whole suite in
the same run. ``broad.py`` caches each model's results from different runs (and loads), so
its time ratio is only rough.

    python benchmarks/same_run.py --half development > dev.json &   # about 20 min each on
    python benchmarks/same_run.py --half validation > val.json      # a 2-core machine
    python benchmarks/same_run.py --report dev.json val.json        # table into README.md
    python benchmarks/same_run.py --smoke                           # seconds, two tiny sets
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one thread, before numpy/torch load

import datasets  # noqa: E402
import quality  # noqa: E402

MARKER = "<!-- same_run -->"
MODELS = ("tabular", "realmlp")
SMOKE = ("stackloss", "iris")


def measure(names, models=MODELS):
    """``{set: {model: {"seconds": fit seconds summed over folds, "score": mean}}}``."""
    import torch

    torch.set_num_threads(1)
    results = {}
    for name in names:
        data = datasets.load(name)
        results[name] = {}
        for model in models:  # alternating: both models fit under the same load
            r = quality.evaluate(model, name, data=data, seed=0)
            results[name][model] = {"seconds": sum(r["seconds"]),
                                    "score": sum(r["scores"]) / len(r["scores"])}
            print(f"{name:15s} {model:8s} {results[name][model]['seconds']:7.1f} s",
                  file=sys.stderr, flush=True)
    return results


def _ratio_row(label, results, names):
    tab = sum(results[n]["tabular"]["seconds"] for n in names)
    real = sum(results[n]["realmlp"]["seconds"] for n in names)
    return f"| {label} | {len(names)} | {tab:,.0f} | {real:,.0f} | {tab / real:.3f} |"


def report(results):
    """The Markdown table: fit seconds of both models and their ratio, overall and by
    half and size band."""
    split = datasets.halves()
    rows = ["| sets | n | Tabular s | RealMLP-TD s | ratio |", "|---|---|---|---|---|",
            _ratio_row("**all**", results, list(results))]
    for half, names in split.items():
        if [n for n in names if n in results]:
            rows.append(_ratio_row(half, results, [n for n in names if n in results]))
    for _, band in datasets.BANDS:  # the size bands of the split rule
        names = [n for n in results if datasets.band(datasets.REGISTRY[n].rows) == band]
        if names:
            rows.append(_ratio_row(f"{band} rows", results, names))
    return "\n".join(rows)


def write_readme(table):
    from skact.tuning import versions

    libs = ", ".join(f"{k} {v}" for k, v in versions(("skact", "torch", "pytabkit")).items())
    quality.replace_section(MARKER, (
        f"{MARKER}\n## Fit time against RealMLP-TD, same run (`python benchmarks/same_run.py`)"
        f"\n\n- date: {dt.date.today().isoformat()}; machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, one process per half side by side, one thread per model, "
        f"the two models alternating set by set; {libs}\n"
        "- fit seconds summed over `broad.py`'s folds of every set; ratio = Tabular / "
        "RealMLP-TD (issue 29's target: at most 0.25 over the whole suite)\n\n"
        f"{table}\n{MARKER}\n"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=("development", "validation", "both"))
    parser.add_argument("--report", nargs="+", metavar="JSON",
                        help="merge these runs' outputs and write the table to README.md")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.report:
        results = {}
        for path in args.report:
            with open(path) as f:
                results.update(json.load(f))
        table = report(results)
        print(table)
        write_readme(table)
        return 0
    if args.smoke:
        names = list(SMOKE)
    else:
        split = datasets.halves()
        names = [n for h, ns in split.items() if args.half in (h, "both", None) for n in ns]
    start = time.perf_counter()
    results = measure(sorted(names, key=lambda n: datasets.REGISTRY[n].rows))
    print(json.dumps(results, indent=1))
    print(report(results), f"\n({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
