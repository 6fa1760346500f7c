"""The core of skact on whatever library versions are installed.

`.ci/lowest-versions` runs this file alone in an environment holding the lowest version of
every direct dependency that pyproject.toml allows; the main suite runs it on the newest. It
covers what broke at too-low floors before: every estimator fits, a fitted one survives
pickle, ``clone`` and a model file, ``check_estimator`` passes on one, a plot is written
(matplotlib), optuna-integration's ``OptunaSearchCV`` and ``SkorchPruningCallback`` work
with an estimator, and the CLI (``--help``, a 2-trial ``tune``, ``predict``) works in a real
subprocess.
"""

import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_fixtures import FAST_SPACE_TOML, iris_frame, run_skact
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import check_estimator

import skact
from skact import CNNRegressor, MLPClassifier

pytestmark = [pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
              pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")]

# every public estimator, as the package lists them
CLASSES = tuple(getattr(skact, name) for name in skact.__all__
                if name.endswith(("Classifier", "Regressor")))


ROOT = Path(__file__).resolve().parents[1]


def test_the_job_pins_every_floor_pyproject_declares():
    """.ci/lowest-versions installs what .ci/floors.py prints: each `>=X` as `==X`."""
    proc = subprocess.run([sys.executable, ROOT / ".ci" / "floors.py", ROOT / "pyproject.toml"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    pins = dict(line.split("==") for line in proc.stdout.split())
    assert {"numpy", "scikit-learn", "skorch", "typer"} <= set(pins)
    assert "torch" not in pins  # the CPU build of requirements-cpu.txt


def tiny(cls):
    params = {"hidden_layer_sizes": (8,), "max_iter": 3, "random_state": 0}
    if cls.__name__.startswith("CNN"):
        params["conv_channels"] = (2,)
    return cls(**params)


def tiny_data(cls):
    rng = np.random.RandomState(0)
    X = rng.rand(40, 8).astype(np.float32)
    y = (X[:, 0] > 0.5).astype(int) if "Classifier" in cls.__name__ else X @ rng.rand(8)
    return X, y


def quiet_fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_every_estimator_fits_and_predicts(cls):
    X, y = tiny_data(cls)
    model = quiet_fit(tiny(cls), X, y)
    assert model.predict(X).shape == (len(X),)


@pytest.mark.parametrize("cls", [MLPClassifier, CNNRegressor], ids=lambda cls: cls.__name__)
def test_a_fitted_estimator_survives_pickle_clone_and_a_model_file(cls, tmp_path):
    X, y = tiny_data(cls)
    model = quiet_fit(tiny(cls), X, y)
    expected = model.predict(X)

    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict(X), expected)
    np.testing.assert_array_equal(skact.load(skact.save(model, tmp_path / "m.skact")).predict(X),
                                  expected)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "n_iter_")


def test_check_estimator_passes_on_one_estimator():
    check_estimator(MLPClassifier(max_iter=100))


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")  # optuna.terminator, used inside
def test_optuna_integration_searches_and_prunes_an_estimator():
    import optuna
    from optuna.distributions import CategoricalDistribution
    from optuna_integration import OptunaSearchCV, SkorchPruningCallback

    X, y = tiny_data(MLPClassifier)
    search = OptunaSearchCV(tiny(MLPClassifier),
                            {"activation": CategoricalDistribution(["relu", "tanh"])},
                            n_trials=2, cv=2, random_state=0, error_score="raise").fit(X, y)
    assert search.best_params_["activation"] in ("relu", "tanh")

    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.ThresholdPruner(
        lower=2.0))  # no accuracy reaches 2: pruned at its first report
    def objective(trial):
        clf = MLPClassifier(hidden_layer_sizes=(8,), early_stopping=True, max_iter=20,
                            random_state=0)
        clf.fit(X, y, callbacks=[SkorchPruningCallback(trial, "valid_score")])
        return clf.best_validation_score_
    study.optimize(objective, n_trials=1)
    assert study.trials[0].state == optuna.trial.TrialState.PRUNED


# matplotlib 3.7 calls a pyparsing name that newer pyparsing deprecates
@pytest.mark.filterwarnings("ignore::DeprecationWarning:matplotlib")
def test_a_plot_is_written(tmp_path):
    from skact.compare.plots import loss_curves

    path = tmp_path / "loss.png"
    loss_curves({"relu": [[1.0, 0.5, 0.25]], "tanh": [[1.0, 0.7, 0.6]]}, path=path)
    assert path.read_bytes().startswith(b"\x89PNG")


def test_cli_help():
    proc = run_skact("--help")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "Traceback" not in output, output
    assert "tune" in proc.stdout, output


def test_cli_tune_then_predict(tmp_path):
    data = tmp_path / "iris.csv"
    iris_frame(n_per_class=10).to_csv(data, index=False)
    space = tmp_path / "space.toml"
    space.write_text(FAST_SPACE_TOML)
    out = tmp_path / "run"

    proc = run_skact("tune", data, "--target", "species", "--n-trials", "2", "--cv", "2",
                     "--max-epochs", "5", "--space", space, "--out", out)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "Traceback" not in output, output
    assert (out / "model.skact").is_file(), output
    assert len(pd.read_csv(out / "trials.csv")) == 2

    preds = tmp_path / "preds.csv"
    proc = run_skact("predict", out, data, "--out", preds)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "Traceback" not in output, output
    assert set(pd.read_csv(preds)["prediction"]) <= {"setosa", "versicolor", "virginica"}
