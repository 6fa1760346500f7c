"""Speed benchmarks: skact against a hand-written torch loop, plain skorch and scikit-learn.

Every case times the same network on the same data in all contenders,
interleaved (A B C D, A B C D, ...) after one warm-up round, and reports
medians, so the ratios come from the same run on the same (noisy) machine.

    python benchmarks/run.py            # full run, rewrites benchmarks/README.md
    python benchmarks/run.py --smoke    # seconds-long run that only checks it works

Cases: fit (20,000 x 40, two hidden layers of 128, relu, Adam lr 0.01, batch
128, 10 epochs, shuffled; float32 and float64); fit scaling (10k, 100k, 1M rows
x 100 features: seconds per epoch and peak memory); predict latency for one row
and throughput for 100k rows; CNN fit on 1-D signals; GridSearchCV over 4
activations with n_jobs=1 and 2, skact's and the same search of scikit-learn's
MLP; ``import skact`` / ``skact --help`` / a fresh process's first fit wall time; small
data sets (iris, breast cancer, digits; 1 and 200 epochs) against scikit-learn's MLP on a
quiet machine and with busy processes (started and stopped here) on all cores but one, then
on every core (``small_data.py``). The contenders and the timing loop are in
``contenders.py``.

The README's blocks between ``<!-- name -->`` marker pairs (quality.py's results,
hand-written notes) are kept as they are when the README is rewritten.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import platform
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from contenders import (
    fit_skact,
    fit_sklearn,
    fit_skorch,
    fit_torch_loop,
    interleaved,
    make_data,
    one_thread,
    skip_warmup,
)
from small_data import cases_small_data

HERE = Path(__file__).resolve().parent


def case_fit(cfg, repeats):
    rows = []
    for dtype in (np.float32, np.float64):
        X, y = make_data(cfg["rows"], cfg["features"], dtype)
        contenders = {
            name: functools.partial(fn, X, y, cfg) for name, fn in [
                ("hand-written torch loop", fit_torch_loop),
                ("hand-written torch loop, 1 thread", one_thread(fit_torch_loop)),
                ("skact MLPClassifier", fit_skact),
                ("plain skorch", fit_skorch),
                ("scikit-learn MLPClassifier", fit_sklearn),
            ]
        }
        medians = interleaved(contenders, repeats)
        base = medians["hand-written torch loop"]
        for name, seconds in medians.items():
            rows.append((np.dtype(dtype).name, name, f"{seconds:.3f}", f"{seconds / base:.2f}x"))
    return ("fit", ["dtype", "contender", "median s", "vs torch loop"], rows)


def case_predict_one_row(cfg, repeats):
    import torch
    from sklearn.neural_network import MLPClassifier as SkMLP

    X, y = make_data(2000, cfg["features"], np.float32)
    ours = fit_skact(X, y, {**cfg, "epochs": 1})
    theirs = SkMLP(cfg["hidden"], max_iter=1).fit(X, y)
    net = fit_skorch(X, y, {**cfg, "epochs": 1})
    row = X[:1]
    calls = 200 if repeats > 1 else 10

    def per_call(fn):
        def run():
            for _ in range(calls):
                fn(row)
        return run

    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        medians = interleaved({
            "skact predict": per_call(ours.predict),
            "scikit-learn predict": per_call(theirs.predict),
            "plain skorch predict": per_call(net.predict),
        }, repeats)
    base = medians["scikit-learn predict"]
    rows = [(name, f"{s / calls * 1e6:.0f}", f"{s / base:.2f}x") for name, s in medians.items()]
    return ("predict one row", ["contender", "µs per call", "vs scikit-learn"], rows)


def case_cnn_fit(repeats, n_samples, epochs):
    """CNNClassifier against a hand-written loop over the same torch module."""
    import torch

    from skact import CNNClassifier
    from skact.nn.modules import CNN

    X, y = make_data(n_samples, 128, np.float32)
    arch = {"conv_channels": (16, 32), "kernel_size": 3, "pool_size": 2,
            "hidden_layer_sizes": (64,)}

    def skact_fit():
        return CNNClassifier(**arch, learning_rate_init=0.01, batch_size=128,
                             max_iter=epochs, tol=0.0, n_iter_no_change=np.inf, alpha=0.0,
                             random_state=0).fit(X, y)

    def loop_fit():
        torch.manual_seed(0)
        model = CNN((1, 128), arch["conv_channels"], 3, 2, arch["hidden_layer_sizes"], 3,
                    torch.nn.ReLU, [0.0])
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        X_t, y_t = torch.from_numpy(X).unsqueeze(1), torch.from_numpy(y).long()
        for _ in range(epochs):
            order = torch.randperm(len(X_t))
            for start in range(0, len(X_t), 128):
                idx = order[start:start + 128]
                opt.zero_grad(set_to_none=True)
                torch.nn.functional.cross_entropy(model(X_t[idx]), y_t[idx]).backward()
                opt.step()
        return model

    medians = interleaved({"hand-written torch loop": loop_fit, "skact CNNClassifier":
                           skact_fit}, repeats)
    base = medians["hand-written torch loop"]
    rows = [(name, f"{s:.3f}", f"{s / base:.2f}x") for name, s in medians.items()]
    return (f"CNN fit ({n_samples:,} signals of length 128, conv 16-32, dense 64, "
            f"{epochs} epochs, float32)", ["contender", "median s", "vs torch loop"], rows)


def case_predict_throughput(cfg, repeats, n_rows):
    from sklearn.neural_network import MLPClassifier as SkMLP

    X, y = make_data(n_rows, cfg["features"], np.float32)
    ours = fit_skact(X[:2000], y[:2000], {**cfg, "epochs": 1})
    theirs = SkMLP(cfg["hidden"], max_iter=1).fit(X[:2000], y[:2000])
    medians = interleaved({
        "skact predict": lambda: ours.predict(X),
        "scikit-learn predict": lambda: theirs.predict(X),
    }, repeats)
    base = medians["scikit-learn predict"]
    rows = [(name, f"{s:.3f}", f"{n_rows / s:,.0f}", f"{s / base:.2f}x")
            for name, s in medians.items()]
    return (f"predict {n_rows:,} rows", ["contender", "median s", "rows/s", "vs scikit-learn"],
            rows)


_SCALING_CHILD = """
import resource, sys, time, numpy as np
sys.path.insert(0, {here!r})
from contenders import make_data, fit_skact, fit_torch_loop
n = {n}
X, y = make_data(n, 100, np.float32)
cfg = dict(hidden={hidden!r}, lr=0.01, batch=128, epochs=1)
fit = fit_skact if {which!r} == "skact" else fit_torch_loop
fit(X[:512], y[:512], cfg)  # warm-up: torch's first-call costs are not per-row costs
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
fit(X, y, cfg)
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(elapsed, (peak - base) * 1024, X.nbytes)
"""


def case_fit_scaling(cfg, sizes):
    """One epoch per size and contender, each in a fresh process for its peak memory."""
    rows = []
    for n in sizes:
        for which in ("torch loop", "skact"):
            code = _SCALING_CHILD.format(here=str(HERE), n=n, hidden=cfg["hidden"],
                                         which="skact" if which == "skact" else "torch")
            out = subprocess.run([sys.executable, "-c", code], check=True,
                                 capture_output=True, text=True).stdout.split()
            seconds, extra, nbytes = float(out[0]), float(out[1]), float(out[2])
            rows.append((f"{n:,}", which, f"{seconds:.2f}", f"{seconds / n * 1e6:.1f}",
                         f"{extra / nbytes:.2f}"))
    return ("fit scaling (x 100 float32 features, 1 epoch)",
            ["rows", "contender", "s per epoch", "µs per row",
             "peak memory beyond X and imports, / size of X"], rows)


def case_gridsearch(repeats):
    """skact's search against the same search of scikit-learn's MLP (its own four
    activations): the ratio is mostly set by joblib's dispatch and the serial refit, so
    scikit-learn's ratio, measured in the same rounds, is the floor to read skact's against."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import GridSearchCV
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    from skact import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    searches = {
        "skact": (MLPClassifier((64,), max_iter=15, random_state=0),
                  {"activation": ["relu", "tanh", "gelu", "silu"]}),
        "scikit-learn": (SklearnMLP((64,), max_iter=15, random_state=0),
                         {"activation": ["relu", "tanh", "logistic", "identity"]}),
    }

    def search(est, grid, n_jobs):
        return lambda: GridSearchCV(est, grid, cv=3, n_jobs=n_jobs).fit(X, y)

    contenders = {(who, n_jobs): search(est, grid, n_jobs)
                  for who, (est, grid) in searches.items() for n_jobs in (1, 2)}
    medians = interleaved(contenders, repeats)
    rows = [(who, f"n_jobs={n_jobs}", f"{s:.2f}", f"{s / medians[who, 1]:.2f}x")
            for (who, n_jobs), s in medians.items()]
    return ("GridSearchCV over 4 activations (digits, 3 folds)",
            ["estimator", "n_jobs", "median s", "vs its n_jobs=1"], rows)


# a fresh process's first fit on iris (100 hidden units, Adam, one epoch of 150 rows)
FIRST_FIT_SKACT = (
    "import sys, warnings; warnings.simplefilter('ignore')\n"
    "from sklearn.datasets import load_iris; from skact import MLPClassifier\n"
    "MLPClassifier(max_iter=1).fit(*load_iris(return_X_y=True))"
)
FIRST_FIT_TORCH = (
    "import torch; from sklearn.datasets import load_iris\n"
    "X, y = load_iris(return_X_y=True); X = torch.tensor(X, dtype=torch.float32)\n"
    "y = torch.tensor(y); net = torch.nn.Sequential(torch.nn.Linear(4, 100), torch.nn.ReLU(),"
    " torch.nn.Linear(100, 3))\n"
    "opt = torch.optim.Adam(net.parameters(), lr=1e-3)\n"
    "opt.zero_grad(); torch.nn.functional.cross_entropy(net(X), y).backward(); opt.step()"
)


def case_startup(repeats):
    def run(code):
        return lambda: subprocess.run([sys.executable, "-c", code], check=True,
                                      capture_output=True)

    contenders = {
        "python -c pass": run("pass"),
        "import skact": run("import skact"),
        "import skact; skact.MLPClassifier": run("import skact; skact.MLPClassifier"),
        "skact --help": run("import sys; sys.argv=['skact','--help'];"
                            "from skact_cli.main import main; main()"),
        "first fit: skact MLPClassifier, 1 epoch": run(FIRST_FIT_SKACT),
        "first fit: hand-written torch loop, 1 epoch": run(FIRST_FIT_TORCH),
    }
    try:
        medians = interleaved(contenders, repeats)
    except subprocess.CalledProcessError:
        contenders.pop("skact --help")
        medians = interleaved(contenders, repeats)
    def printed(code):  # what a fresh interpreter running ``code`` prints
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True).stdout.strip()

    rows = [(name, f"{s:.3f}") for name, s in medians.items()]
    rows.append(("torch imported by `skact.MLPClassifier` access",
                 printed("import sys, skact; skact.MLPClassifier; print('torch' in sys.modules)")))
    rows.append(("torch._dynamo imported by skact's first fit",
                 printed(FIRST_FIT_SKACT + "; print('torch._dynamo' in sys.modules)")))
    return ("start-up", ["command", "median s"], rows)


# -------------------------------------------------------------------- report --
def markdown(cases, cfg, elapsed):
    import torch

    from skact.tuning import versions

    v = {k: "not installed" if ver is None else ver for k, ver in
         versions(("torch", "skorch", "scikit-learn", "joblib", "psutil")).items()}

    lines = [
        "# skact benchmarks",
        "",
        "Written by `python benchmarks/run.py`; medians of interleaved repetitions after a "
        "warm-up, so the ratios compare contenders measured in the same run.",
        "",
        f"- date: {dt.date.today().isoformat()}",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        f"- python {platform.python_version()}, torch {v['torch']} "
        f"({torch.get_num_threads()} threads), skorch {v['skorch']}, "
        f"scikit-learn {v['scikit-learn']}, joblib {v['joblib']}, psutil {v['psutil']}",
        f"- fit case: {cfg['rows']:,} x {cfg['features']}, hidden {cfg['hidden']}, relu, Adam "
        f"lr {cfg['lr']}, batch {cfg['batch']}, {cfg['epochs']} epochs, shuffled",
        f"- total run time: {elapsed:.0f} s",
        "",
    ]
    for title, header, rows in cases:
        lines += [f"## {title}", "", "| " + " | ".join(header) + " |",
                  "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes, one repetition, no README rewrite")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    cfg = {"rows": 20000, "features": 40, "hidden": (128, 128), "lr": 0.01, "batch": 128,
           "epochs": 10}
    repeats = args.repeats
    if args.smoke:
        cfg.update(rows=500, epochs=2)
        repeats = 1
        skip_warmup()
    warnings.simplefilter("ignore")
    started = time.perf_counter()
    sizes = (2000,) if args.smoke else (10_000, 100_000, 1_000_000)
    cases = [
        case_fit(cfg, repeats),
        case_fit_scaling(cfg, sizes),
        case_cnn_fit(repeats, 500 if args.smoke else 5000, 1 if args.smoke else 5),
        case_predict_one_row(cfg, repeats),
        case_predict_throughput(cfg, repeats, 2000 if args.smoke else 100_000),
        # one search is half a second, so scheduler noise moves a median of three by 0.1x
        case_gridsearch(1 if args.smoke else max(repeats, 7)),
        case_startup(repeats),
        # short fits on a loaded machine vary 2x from one to the next: more rounds
        *cases_small_data(repeats if args.smoke else max(repeats, 7), args.smoke),
    ]
    report = markdown(cases, cfg, time.perf_counter() - started)
    print(report)
    if not args.smoke:
        readme = HERE / "README.md"
        kept = kept_blocks(readme.read_text() if readme.exists() else "")
        readme.write_text(report + "".join(f"\n{block}\n" for block in kept))


def kept_blocks(text):
    """The README's ``<!-- name -->`` ... ``<!-- name -->`` blocks (written by other tools or
    by hand), verbatim, in order."""
    return [m.group(0) for m in re.finditer(r"<!-- (\w+) -->.*?<!-- \1 -->", text, re.S)]


if __name__ == "__main__":
    main()
