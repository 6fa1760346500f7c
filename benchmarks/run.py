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
MLP; ``import skact`` / ``skact --help`` wall time; small data sets (iris, breast
cancer, digits; 1 and 200 epochs) against scikit-learn's MLP on a quiet machine and with busy
processes (started and stopped here) on all cores but one, then on every core.

The README's blocks between ``<!-- name -->`` marker pairs (quality.py's results,
hand-written notes) are kept as they are when the README is rewritten.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import multiprocessing
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def make_data(n_samples, n_features, dtype, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features).astype(dtype)
    w = rng.randn(n_features, 3)
    y = (X @ w).argmax(1)
    return X, y


# ---------------------------------------------------------------- contenders --
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
# untimed rounds before the timed ones; --smoke, which only checks that every case runs,
# sets it to 0
warmup_rounds = 1


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
    from skact.modules import CNN

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
from run import make_data, fit_skact, fit_torch_loop
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
    "for i in range(0, 150, 150):\n"
    "    opt.zero_grad(); torch.nn.functional.cross_entropy(net(X), y).backward(); opt.step()"
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
    probe = subprocess.run(
        [sys.executable, "-c",
         "import sys, skact; skact.MLPClassifier; print('torch' in sys.modules)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    dynamo = subprocess.run(
        [sys.executable, "-c", FIRST_FIT_SKACT + "; print('torch._dynamo' in sys.modules)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    rows = [(name, f"{s:.3f}") for name, s in medians.items()]
    rows.append(("torch imported by `skact.MLPClassifier` access", probe))
    rows.append(("torch._dynamo imported by skact's first fit", dynamo))
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
        global warmup_rounds
        cfg.update(rows=500, epochs=2)
        repeats, warmup_rounds = 1, 0
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
