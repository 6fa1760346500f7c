"""``skact tune`` built on the strong defaults: its first trials, its default epochs, and
the warning when the best model is no better than a constant prediction."""

import json

import numpy as np
import pandas as pd
from cli_fixtures import run_skact, write_csv


def _strict_json(path):
    """Read ``path`` as strict JSON (jq, JavaScript): NaN and Infinity are refused."""
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


def test_tune_tries_every_activation_before_sampling(iris_csv, fast_space, tmp_path):
    out = tmp_path / "run"
    proc = run_skact("tune", iris_csv, "--target", "species", "--space", fast_space,
                     "--n-trials", "3", "--cv", "2", "--max-epochs", "4", "--out", out)
    assert proc.returncode == 0, proc.stderr
    trials = pd.read_csv(out / "trials.csv")
    assert sorted(trials["activation"]) == ["gelu", "relu", "tanh"]
    # the activation table says how many trials each activation had
    table = proc.stdout[proc.stdout.index("By activation"):]
    for act in ("relu", "tanh", "gelu"):
        assert act in table


def test_tune_fits_for_the_estimators_own_epochs_by_default(iris_csv, fast_space, tmp_path):
    out = tmp_path / "run"
    proc = run_skact("tune", iris_csv, "--target", "species", "--space", fast_space,
                     "--n-trials", "1", "--cv", "2", "--out", out)
    assert proc.returncode == 0, proc.stderr
    summary = _strict_json(out / "summary.json")
    params = summary["estimator_params"]
    assert params["max_iter"] == 96  # TabularMLPClassifier's default
    # its best epoch on 20% of each fold held out, as the estimator's default does
    assert params["early_stopping"] is True and params["validation_fraction"] == 0.2
    assert summary["no_better_than_constant"] is False
    assert 0 < summary["constant_score"] < summary["best_score"]
    assert "no better than" not in proc.stderr


def test_a_model_no_better_than_a_constant_is_not_presented_as_a_success(fast_space, tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(60, 4)), columns=list("abcd"))
    frame["noise"] = rng.normal(size=60)  # nothing in the features predicts it
    data = write_csv(frame, tmp_path / "noise.csv")
    out = tmp_path / "run"
    proc = run_skact("tune", data, "--space", fast_space, "--n-trials", "2", "--cv", "2",
                     "--max-epochs", "5", "--out", out)
    assert proc.returncode == 0, proc.stderr
    flat = " ".join(proc.stderr.split())
    assert "Warning: The best model scores r2" in flat
    assert "no better than predicting the mean" in flat
    assert "--target" in flat and "60 rows" in flat
    # strict JSON (jq, JavaScript): every epoch runs, n_iter_no_change=inf, written as "inf"
    summary = _strict_json(out / "summary.json")
    assert summary["estimator_params"]["n_iter_no_change"] == "inf"
    assert summary["no_better_than_constant"] is True
