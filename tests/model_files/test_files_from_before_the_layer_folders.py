"""Model files written before skact's modules moved into layer folders still load.

``data/tabular-before-layer-folders.*`` were written on 2026-12-06 by the last skact with
the flat layout (a StandardScaler and a small TabularMLPClassifier fitted on iris, float32):
the ``.joblib`` pickle names the old modules (``skact.tabular``, ``skact.modules``,
``skact._net``, ...), the ``.skact`` file is the safe data form. The pickle also holds the
probabilities that model gave on iris then.
"""

import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_iris

import skact
from skact.model_files import convert, load_model

DATA = Path(__file__).with_name("data")
X = load_iris(return_X_y=True)[0].astype(np.float32)


def _expected():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_model(DATA / "tabular-before-layer-folders.joblib",
                          allow_pickle=True)["expected_proba"]


def test_an_old_pickle_converts_and_predicts_as_it_did(tmp_path):
    with pytest.raises(ModuleNotFoundError):  # the modules it names are gone...
        joblib.load(DATA / "tabular-before-layer-folders.joblib")
    out = convert(DATA / "tabular-before-layer-folders.joblib", tmp_path / "model.skact")
    model = load_model(out)["pipeline"]  # ...but the converter finds their classes
    np.testing.assert_allclose(model.predict_proba(X), _expected(), rtol=1e-5, atol=1e-6)
    network = model[-1]
    # 'auto' meant equal batches of at most 256 rows for the Tabular estimators then
    assert network.batch_size == "balanced" and network.validation_split == "content"
    assert type(network).__module__ == "skact.estimators.tabular"


def test_an_old_safe_file_loads_and_predicts_as_it_did():
    model = skact.load(DATA / "tabular-before-layer-folders.skact")
    np.testing.assert_allclose(model.predict_proba(X), _expected(), rtol=1e-5, atol=1e-6)
    assert model[-1].get_params()["batch_size"] == "balanced"


def test_the_old_module_names_are_not_left_behind(tmp_path):
    import sys

    convert(DATA / "tabular-before-layer-folders.joblib", tmp_path / "model.skact")
    assert "skact.tabular" not in sys.modules and "skact.modules" not in sys.modules


@pytest.mark.parametrize("cls", [skact.TabularMLPClassifier, skact.TabularMLPRegressor])
def test_a_tabular_estimator_pickled_before_validation_split_keeps_balanced_batches(cls):
    """Before ``validation_split`` existed, the Tabular estimators' 'auto' batches were what
    'balanced' is now: such a file means 'balanced' (equal batches of at most 256 rows), as
    it was trained, whichever estimator it holds and whatever its default is today."""
    X_, y_ = np.random.default_rng(0).normal(size=(40, 3)), np.arange(40) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two epochs do not converge, and need not
        est = cls(max_iter=2, batch_size="auto", random_state=0).fit(X_, y_)
    state = est.__getstate__()
    state.pop("validation_split")  # what a file from then lacks
    old = cls.__new__(cls)
    old.__setstate__(state)
    assert old.batch_size == "balanced" and old.validation_split == cls().validation_split
