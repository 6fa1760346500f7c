"""The broad benchmark (issue 29): its statistics, its split rule, its flags, its smoke run."""

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
try:
    import broad
    import datasets
    import paired
    import quality
finally:
    sys.path.remove(str(ROOT / "benchmarks"))


def test_paired_mean_difference_and_t_interval_by_hand():
    # differences 1, 2, 3: mean 2, sd 1, t(0.975, 2 df) = 4.302653 -> half-width 2.48414
    r = paired.paired([3.0, 5.0, 7.0], [2.0, 3.0, 4.0])
    assert (r.n, r.mean_a, r.mean_b, r.diff) == (3, 5.0, 3.0, 2.0)
    assert r.low == pytest.approx(2 - 2.48414, abs=1e-5)
    assert r.high == pytest.approx(2 + 2.48414, abs=1e-5)
    assert (r.wins, r.losses, r.ties) == (3, 0, 0)
    assert r.p_sign == pytest.approx(0.25)  # 2 * 0.5**3


def test_sign_test_leaves_ties_out_and_is_two_sided():
    a = [1.0] * 9 + [0.0] + [0.5, 0.5]
    b = [0.0] * 9 + [1.0] + [0.5, 0.5]  # 9 wins, 1 loss, 2 ties
    r = paired.paired(a, b)
    assert (r.wins, r.losses, r.ties) == (9, 1, 2)
    assert r.p_sign == pytest.approx(2 * 11 / 1024)  # P(X <= 1 or X >= 9), X ~ B(10, 1/2)
    assert paired.sign_test(0, 0) == 1.0
    assert paired.paired([0.9, 0.1], [0.1, 0.9]).p_sign == 1.0


def test_one_set_has_no_interval_and_unequal_lists_are_refused():
    r = paired.paired([0.8], [0.7])
    assert math.isnan(r.low) and math.isnan(r.high)
    assert "[n/a]" in r.text()
    with pytest.raises(ValueError, match="same sets"):
        paired.paired([0.8, 0.9], [0.7])


def test_halves_table_reports_each_half_and_the_gap():
    scores = {"development": {"a": [0.9, 0.8, 0.7], "b": [0.8, 0.7, 0.6]},
              "validation": {"a": [0.5, 0.6], "b": [0.6, 0.7]}}
    text = paired.halves_table(scores, "a", ["b"], {"a": "A", "b": "B"})
    row = next(line for line in text.splitlines() if line.startswith("| B |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1].startswith("+0.1000") and "3/0/0" in cells[1]
    assert cells[2].startswith("-0.1000") and "0/2/0" in cells[2]
    assert cells[3] == "-0.2000"  # validation minus development
    assert "development (n=3)" in text and "validation (n=2)" in text


def test_split_rule_keeps_the_tuned_sets_in_development_and_mixes_both_halves():
    split = datasets.halves()
    dev, val = split["development"], split["validation"]
    assert set(quality.DATASETS) <= set(dev)
    assert sorted(dev + val) == sorted(e.name for e in datasets.ENTRIES)
    assert not set(dev) & set(val)
    assert len(datasets.ENTRIES) >= 30 and abs(len(dev) - len(val)) <= 2
    for names in (dev, val):
        entries = [datasets.REGISTRY[n] for n in names]
        kinds = {(e.task, datasets.band(e.rows)) for e in entries}
        assert len(kinds) == 6  # both tasks, every size band
    assert datasets.halves() == split  # a rule, not a draw


def test_fresh_sets_are_scored_apart_and_leave_both_halves_as_they_were():
    groups = datasets.groups()
    fresh = groups.pop("fresh")
    assert groups == datasets.halves()  # the sets found later move no set between halves
    assert fresh == [e.name for e in datasets.LATER] and len(fresh) >= 10
    assert not set(fresh) & {n for names in groups.values() for n in names}
    assert set(fresh) <= set(datasets.REGISTRY)  # --datasets and the cache know them
    assert {datasets.REGISTRY[n].task for n in fresh} == {"classification", "regression"}


def test_halves_table_keeps_the_gap_between_the_halves_with_a_fresh_column():
    scores = {"development": {"a": [0.9, 0.8], "b": [0.8, 0.8]},
              "validation": {"a": [0.7], "b": [0.8]},
              "fresh": {"a": [0.5, 0.6], "b": [0.4, 0.4]}}
    text = paired.halves_table(scores, "a", ["b"], {"a": "A", "b": "B"})
    row = next(line for line in text.splitlines() if line.startswith("| B |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1].startswith("+0.0500") and cells[3].startswith("+0.1500")
    assert cells[4] == "-0.1500"  # validation minus development, not fresh minus development
    assert "fresh (n=2)" in text


def test_split_rule_fills_each_stratum_in_hash_order():
    def entry(name, task, rows):
        return datasets.Entry(name, None, task, rows, "")

    # a stratum of 5 fresh sets: the 2 with the smallest hashes are development
    fresh = [entry(f"set{i}", "regression", 500) for i in range(5)]
    # a stratum where tuned sets already fill the development half
    tuned = [entry(n, "classification", 100) for n in ("iris", "wine", "coffee")]
    split = datasets.halves(fresh + tuned + [entry("extra", "classification", 50)])
    by_hash = sorted((e.name for e in fresh), key=datasets._hash)
    assert split["development"] == sorted(by_hash[:2]) + ["iris", "wine", "coffee"]
    assert set(split["validation"]) == set(by_hash[2:]) | {"extra"}


def test_clean_keeps_missing_text_as_a_category_and_drops_missing_numbers():
    X = pd.DataFrame({"n": [1.0, None, 3.0, 4.0], "t": ["a", "b", None, "a"]})
    X2, y2 = datasets._clean(X, [0, 1, 1, None])
    assert X2["n"].tolist() == [1.0, 3.0] and X2["t"].tolist() == ["a", "missing"]
    assert list(y2) == [0, 1]


def _results(task, rows, **scores):
    return {(m, "s"): {"task": task, "rows": rows, "score": v, "seconds": 1.0}
            for m, v in scores.items()}


def test_flags_name_the_floor_and_the_gap_to_the_best_reference():
    models = ["tabular", "hgb", "linear", "constant"]
    below = _results("classification", 4877, tabular=0.634, hgb=0.70, linear=0.69, constant=0.684)
    assert broad.flags(below, "s", models) == "below constant; -0.066 vs HGB"
    close = _results("classification", 4877, tabular=0.685, hgb=0.70, linear=0.69, constant=0.6)
    assert broad.flags(close, "s", models) == ""
    small = _results("regression", 21, tabular=-0.73, hgb=-0.2, linear=0.29, constant=-0.05)
    assert broad.flags(small, "s", models) == "below constant"  # R² < -0.1; < 200 rows
    fine = _results("regression", 21, tabular=-0.09, hgb=0.0, linear=0.0, constant=-0.05)
    assert broad.flags(fine, "s", models) == ""
    # 20 rows, 4 test rows a fold: the constant itself scores far below -0.1
    tiny = _results("regression", 20, tabular=-2.0, hgb=-2.8, linear=-2.3, constant=-2.8)
    assert broad.flags(tiny, "s", models) == ""
    tiny[("tabular", "s")]["score"] = -5.08
    assert broad.flags(tiny, "s", models) == "below constant"


def test_fold_interval_by_hand_widens_the_plain_t_interval_for_shared_training_rows():
    # 5-fold CV twice: 10 differences, mean 0.01, variance s2; the folds share training rows,
    # so the mean's variance is (1/10 + 1/4) s2, not s2 / 10
    diffs = [0.03, -0.01, 0.02, 0.00, 0.01, 0.04, -0.02, 0.01, 0.02, 0.00]
    s2 = sum((d - 0.01) ** 2 for d in diffs) / 9
    half = 2.262157 * math.sqrt((1 / 10 + 1 / 4) * s2)  # t(0.975, 9 df)
    low, high = paired.fold_interval(diffs, folds_per_seed=5)
    assert low == pytest.approx(0.01 - half, abs=1e-6)
    assert high == pytest.approx(0.01 + half, abs=1e-6)
    plain_low, _ = paired.t_interval(diffs)
    assert low < plain_low  # wider than treating the folds as independent sets
    assert all(math.isnan(v) for v in paired.fold_interval([0.1], folds_per_seed=5))


def test_flags_carry_the_interval_over_the_folds_where_the_folds_are_known():
    models = ["tabular", "hgb", "linear", "constant"]
    folds = {"tabular": [0.60, 0.62, 0.58, 0.61, 0.59], "hgb": [0.70, 0.66, 0.69, 0.65, 0.70],
             "linear": [0.6] * 5, "constant": [0.64, 0.60, 0.62, 0.63, 0.61]}
    results = _results("classification", 1421, **{m: sum(v) / 5 for m, v in folds.items()})
    for m, v in folds.items():
        results[m, "s"].update(folds=v, folds_per_seed=5)
    below, gap = broad.flags(results, "s", models).split("; ")
    assert below.startswith("below constant [") and gap.startswith("-0.080 vs HGB [")
    low, high = (float(v) for v in gap.split("[")[1].rstrip("]").split(", "))
    assert low < -0.080 < high < 0  # HGB wins every fold: the interval excludes 0
    low, high = (float(v) for v in below.split("[")[1].rstrip("]").split(", "))
    assert low < 0 < high  # 0.02 below the majority class over five folds: within their noise
    results["tabular", "s"]["folds"] = [0.6] * 4  # folds that do not pair up: no interval
    assert broad.flags(results, "s", models) == "below constant; -0.080 vs HGB"


def test_report_pairs_every_set_then_the_sets_of_200_rows_and_more():
    models = ["tabular", "hgb", "constant"]
    results = {}
    for name, rows, scores in (("big_a", 900, (0.80, 0.70, 0.5)), ("tiny_a", 20, (-5.0, 0.1, 0.0)),
                               ("big_b", 600, (0.90, 0.85, 0.5)), ("big_c", 300, (0.7, 0.6, 0.5))):
        for m, v in zip(models, scores):
            results[m, name] = {"task": "regression", "rows": rows, "score": v, "seconds": 2.0}
    text = broad.report(results, models, {"development": ["big_a", "tiny_a"],
                                          "validation": ["big_b", "big_c"]})
    every, big = text.split("#### Paired, every set")[1].split("#### Paired, sets of 200+ rows")
    assert "development (n=2)" in every and "development (n=1)" in big
    hgb = next(line for line in big.splitlines() if line.startswith("| HGB |"))
    assert hgb.split("|")[2].strip().startswith("+0.1000")  # big_a alone: 0.80 - 0.70
    assert "| tiny_a | 20 | R² |" in text and "below constant" in text
    assert "| skact Tabular | 4 | 4 | 8 | 1.00x |" in text  # fit seconds: 2 sets a half


def test_snapshot_freezes_the_recipe_before_a_change(tmp_path, monkeypatch):
    monkeypatch.setattr(broad, "CACHE", tmp_path / "cache.json")
    result = {"scores": [0.5, 0.7], "seconds": [1.0, 2.0], "task": "classification",
              "rows": 40, "columns": 3}
    quality._store("tabular/iris/seed0", dict(result, stamp=broad.stamp("tabular")), broad.CACHE)
    broad.snapshot("before", ["iris"], (0,))
    quality._store("tabular/iris/seed0", dict(result, scores=[0.9, 0.9],
                                              stamp=broad.stamp("tabular")), broad.CACHE)
    results = broad.run(["tabular", "tabular@before"], ["iris"])
    assert results["tabular@before", "iris"]["score"] == pytest.approx(0.6)
    assert results["tabular", "iris"]["score"] == pytest.approx(0.9)
    assert broad.label("tabular@before") == "Tabular @before"
    with pytest.raises(SystemExit, match="--snapshot after"):
        broad.run(["tabular@after"], ["iris"])
    assert broad.run(["tabular@after"], ["iris"], cached_only=True) == {}


def test_broad_smoke_run_reports_both_halves_side_by_side():
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "broad.py"), "--smoke"],
                            capture_output=True, text=True, timeout=300, check=True)
    out = result.stdout
    assert "development (n=1)" in out and "validation (n=1)" in out
    for who in ("HGB", "linear", "constant"):
        assert any(line.startswith(f"| {who} | ") and "p=" in line
                   for line in out.splitlines())
    rows = {line.split("|")[1].strip(): line for line in out.splitlines()
            if line.startswith(("| iris |", "| linnerud |"))}
    assert set(rows) == {"iris", "linnerud"}
    iris = [c.strip().strip("*") for c in rows["iris"].strip("|").split("|")]
    assert float(iris[3]) > 0.8 and float(iris[6]) == pytest.approx(1 / 3, abs=1e-4)
    assert "| skact Tabular |" in out and "vs HGB" in out
