"""The benchmark suite must keep running; CI runs its seconds-long smoke mode."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_smoke_run_reports_every_case():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke"],
        capture_output=True, text=True, timeout=300, check=True,
    )
    for heading in ("## fit", "## fit scaling", "## CNN fit", "## predict one row",
                    "## predict 2,000 rows", "## GridSearchCV", "## start-up",
                    "## small data (", "## small data, all cores but one busy",
                    "## small data, every core busy"):
        assert heading in result.stdout
    assert "| float32 | skact MLPClassifier |" in result.stdout
    assert "| float32 | hand-written torch loop, 1 thread |" in result.stdout
    assert "| iris | 1 | skact, 1 thread (OMP_NUM_THREADS=1) |" in result.stdout
    for who in ("skact", "scikit-learn"):  # the search ratio is read against scikit-learn's
        assert f"| {who} | n_jobs=2 |" in result.stdout


def test_readme_rewrite_keeps_marked_blocks():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from run import kept_blocks
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    quality = "<!-- quality -->\n## Accuracy\n\n| a |\n<!-- quality -->"
    notes = "<!-- notes -->\n## Notes\n- kept\n<!-- notes -->"
    text = f"# skact benchmarks\n\n## fit\n\nold\n\n{quality}\n\n{notes}\n"
    assert kept_blocks(text) == [quality, notes]
    assert kept_blocks("# no blocks\n<!-- quality -->\nunterminated") == []


def test_quality_benchmark_smoke_run_scores_the_tabular_estimators():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "quality.py"), "--smoke"],
        capture_output=True, text=True, timeout=300, check=True,
    )
    assert "| data set | rows | task | skact Tabular* |" in result.stdout
    rows = {line.split("|")[1].strip(): line for line in result.stdout.splitlines()
            if line.startswith("| iris |") or line.startswith("| diabetes |")}
    assert set(rows) == {"iris", "diabetes"}
    # a score per model, each a number: the run trained and scored every model
    for line in rows.values():
        cells = [c.strip() for c in line.strip("|").split("|")][3:]
        assert len(cells) == 3 and all(float(c.strip("*").split(" ± ")[0]) > 0.2 for c in cells)


def test_quality_benchmark_pools_the_folds_of_every_seed(monkeypatch):
    """``--seeds 0,1``: each seed draws its own folds and models; a cell's score is the mean
    over all their folds, and fit seconds stay those of one run (so time ratios between
    models keep their meaning)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import quality
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    calls = []

    def fake_evaluate(model, dataset, folds_override=None, seed=0):
        calls.append((model, dataset, seed))
        return {"scores": [0.5 + seed, 0.5 + seed], "seconds": [1.0, 3.0],
                "task": "classification", "rows": 10, "columns": 2}

    monkeypatch.setattr(quality, "evaluate", fake_evaluate)
    results = quality.run(["linear"], ["iris"], smoke=True, seeds=(0, 1))
    assert calls == [("linear", "iris", 0), ("linear", "iris", 1)]
    assert results["linear/iris"]["scores"] == [0.5, 0.5, 1.5, 1.5]
    assert sum(results["linear/iris"]["seconds"]) == 4.0  # one run's 1 + 3


def test_tune_benchmark_covers_every_set_of_the_quality_suite():
    """Issue 8's tune target is read on every benchmark set: the tune benchmark's default
    run must not drift from the suite quality.py scores."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import quality
        import tune_quality
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    sets = tune_quality._datasets()
    assert len(sets) == len(set(sets))
    assert set(sets) == set(quality.DATASETS) | {"fermentation"}


def test_gpu_check_dry_run_runs_every_step_on_the_cpu(tmp_path):
    """benchmarks/gpu_check.py is ready for the day a GPU is lent: its dry run takes the
    same steps (each estimator on both sides, the large fit, `skact tune --device`, saving
    and loading without a GPU) on the CPU with tiny sizes, and every check passes."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "gpu_check.py"), "--dry-run", "--json",
         str(tmp_path / "gpu.json")],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for heading in ("## 1. Same predictions on the GPU as on the CPU", "## 2. 4,000 rows",
                    "## 3. skact tune on 400 rows", "## 4. Saved on the GPU, loaded on the CPU"):
        assert heading in result.stdout
    numbers = json.loads((tmp_path / "gpu.json").read_text())
    assert numbers["all_ok"] and numbers["meta"]["dry_run"]
    assert {r["estimator"] for r in numbers["agreement"]} == {
        "MLPClassifier", "MLPRegressor", "TabularMLPClassifier", "TabularMLPRegressor",
        "CNNClassifier", "CNNRegressor"}
    assert len(numbers["fit_1m"]) == 3 and all(r["cpu_epoch_s"] > 0 for r in numbers["fit_1m"])
    assert numbers["tune"][0]["device_line"] == "Device: cpu"
    assert len(numbers["save_load"]) == 7 and all(r["ok"] for r in numbers["save_load"])


def test_gpu_check_says_whether_the_speed_target_is_met_and_why_not():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from gpu_check import verdict
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))

    def row(gpu_ms, speedup):
        return {"rows": 1_000_000, "gpu_ms_per_step": gpu_ms, "speedup": speedup}

    assert verdict([row(0.4, 12.5), row(0.6, 40.0)])["met"]
    missed = verdict([row(0.5, 4.0), row(0.7, 35.0)])
    assert not missed["met"] and "4.0x as fast as the CPU (target 10x): not met" in missed["text"]
    assert "bound by their fixed cost per step" in missed["text"]
    assert "fixed cost" not in verdict([row(0.5, 4.0), row(5.0, 6.0)])["text"]


def test_blend_choice_replays_every_allowance_on_a_small_set():
    """benchmarks/blend_choice.py, how linear_blend's allowance was chosen, keeps running:
    on one bundled set, a row with the network, the linear model, every allowance and the
    rule as shipped."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "blend_choice.py"), "--datasets",
         "linnerud"], capture_output=True, text=True, timeout=300, check=True)
    header, row = (line for line in result.stdout.splitlines()
                   if line.startswith(("| set |", "| linnerud |")))
    assert "| network | linear | k=0 |" in header and "| k=1.6 | k=inf | shipped |" in header
    scores = [float(c) for c in row.strip("|").split("|")[2:]]
    assert len(scores) == 9 and all(np.isfinite(scores))


def test_same_run_time_ratios_add_up_by_half_and_size_band():
    """benchmarks/same_run.py's table (its runs need pytabkit, CI does not install it): the
    ratio of summed fit seconds, over every set and within each half and size band."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import datasets
        from same_run import report
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    split = datasets.halves()
    small, large = split["development"][0], split["validation"][-1]
    assert datasets.REGISTRY[small].rows < 200 <= 2000 <= datasets.REGISTRY[large].rows
    results = {small: {"tabular": {"seconds": 1.0}, "realmlp": {"seconds": 4.0}},
               large: {"tabular": {"seconds": 30.0}, "realmlp": {"seconds": 100.0}}}
    table = report(results)
    assert "| **all** | 2 | 31 | 104 | 0.298 |" in table
    assert "| development | 1 | 1 | 4 | 0.250 |" in table
    assert "| validation | 1 | 30 | 100 | 0.300 |" in table
    assert "| <200 rows | 1 | 1 | 4 | 0.250 |" in table
    assert "| 2,000+ rows | 1 | 30 | 100 | 0.300 |" in table
    assert "200-1,999" not in table
