"""``skact compare`` and the study's design: the plain recipe next to the strong one, folds
by group, and advice said once per activation and never against the best one."""

import json

import numpy as np
import pytest
from cli_fixtures import iris_frame, speech_frame, write_csv
from skact_cli.main import app
from typer.testing import CliRunner

from skact.compare import compare
from skact.compare.advice import advice_lines, collect_advice
from skact.compare.recipes import recipe_params

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

QUICK = dict(activations=["relu", "sigmoid"], layers=(8,), runs=1, cv=2, max_epochs=2)


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_the_plain_recipe_switches_the_strong_parts_off(model):
    from skact.tuning import estimator_class

    params = recipe_params("plain", estimator_class(model, "classification"))
    assert params["learnable_activation"] is False and params["lr_schedule"] == "constant"
    assert params["batch_norm"] is False and params["dropout"] == 0.0
    if model == "mlp":
        assert params["input_scaling"] is None and params["numeric_embedding"] is None
    with pytest.raises(ValueError, match="recipe must be one of 'strong', 'plain'"):
        recipe_params("fancy", estimator_class(model, "classification"))


def test_compare_records_the_recipe_and_the_fold_design():
    frame = speech_frame(n_speakers=8, rows=6, n_features=4)
    X, y = frame.filter(like="mfcc").to_numpy(np.float32), frame["emotion"].to_numpy()
    result = compare(X, y, recipe="plain", groups=frame["speaker"], **QUICK)
    assert result.recipe == "plain" and result.settings["recipe"] == "plain"
    assert result.settings["estimator_params"]["learnable_activation"] is False
    assert result.settings["folds"]["splitter"] == "StratifiedGroupKFold"
    assert result.settings["folds"]["n_groups"] == 8
    strong = compare(X, y, **QUICK)
    assert strong.recipe == "strong" and strong.settings["folds"]["groups"] is None
    assert strong.settings["estimator_params"].get("learnable_activation") is None


SATURATED = ("Most units are saturated (sigmoid a < 0.01 or a > 0.99 on most samples, so their "
             "gradients vanish) in layer 1 (8 units): {}%; scale the features (e.g. "
             "StandardScaler), lower learning_rate_init, or try a ReLU-family activation such "
             "as 'relu' or 'gelu'.")


def test_advice_is_said_once_per_activation():
    fits = [("sigmoid", [SATURATED.format(90)]), ("sigmoid", [SATURATED.format(95)]),
            ("sigmoid", []), ("relu", [])]
    advice = collect_advice(fits, {"sigmoid": 3, "relu": 1})
    assert list(advice) == ["sigmoid"] and len(advice["sigmoid"]) == 1
    (line,) = advice_lines(advice, best="relu")
    assert line.startswith("sigmoid: In 2 of 3 fits: Most units are saturated")


def test_advice_never_tells_to_move_away_from_the_best():
    advice = collect_advice([("sigmoid", [SATURATED.format(90)])], {"sigmoid": 1})
    (line,) = advice_lines(advice, best="sigmoid")
    assert "ReLU-family" not in line and "try" not in line
    assert line == ("sigmoid ranked best although most of its units ended saturated in 1 of "
                    "1 fits; its held-out scores are what count")


def test_the_command_says_which_recipe_ran(tmp_path):
    data = write_csv(iris_frame(n_per_class=10), tmp_path / "iris.csv")
    result = CliRunner().invoke(app, [
        "compare", str(data), "-t", "species", "--activations", "relu,tanh", "--runs", "1",
        "--cv", "2", "--max-epochs", "2", "--layers", "8", "--recipe", "plain",
        "--out", str(tmp_path / "c")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "plain recipe" in " ".join(result.stdout.split())
    summary = json.loads((tmp_path / "c" / "summary.json").read_text())
    assert summary["recipe"] == "plain" and summary["recipe_description"].startswith("plain:")
    assert (tmp_path / "c" / "report.html").exists()
