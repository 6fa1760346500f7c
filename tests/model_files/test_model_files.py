"""Model files that can be shared: skact.save/load, skops, and what skact predict refuses.

A model file is data: loading one must never run code from it, must give the predictions
of the model that was saved, and must turn every kind of broken file into one line.
"""

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io as sio
import torch
from skact_cli.main import app
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from typer.testing import CliRunner

import skact
from skact import activations
from skact.data import make_preprocessor
from skact.exceptions import ModelFileError
from skact.model_files.format import MANIFEST, _digest
from skact.model_files.saving import convert, load_model, save_model

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TINY = {"hidden_layer_sizes": (5,), "max_iter": 3, "random_state": 0}
ESTIMATORS = [
    (skact.MLPClassifier, {"dropout": 0.1, "batch_norm": True}),
    (skact.MLPRegressor, {"activation": "gelu"}),
    (skact.CNNClassifier, {"conv_channels": (2,)}),
    (skact.CNNRegressor, {"conv_channels": (2,), "learnable_activation": True}),
    (skact.TabularMLPClassifier, {}),
    (skact.TabularMLPRegressor, {"numeric_embedding": "piecewise_linear"}),
]


def _data(classifier, n=48):
    rng = np.random.RandomState(0)
    X = rng.randn(n, 6).astype(np.float32)
    X[:, 5] = rng.randint(0, 2, n)  # a binary column: the embeddings leave it as it is
    y = np.where(X[:, 0] > 0, "yes", "no") if classifier else X[:, 1] * 3 + 100
    return X, y


def _fitted(cls, params):
    X, y = _data(cls.__name__.endswith("Classifier"))
    return cls(**{**TINY, **params}).fit(X, y), X, y


def _outputs(model, X):
    out = [model.predict(X)]
    if hasattr(model, "predict_proba"):
        out.append(model.predict_proba(X))
    return out


def _assert_same(model, loaded, X):
    for a, b in zip(_outputs(model, X), _outputs(loaded, X), strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)  # bit-identical, not approximately equal


@pytest.mark.parametrize("cls, params", ESTIMATORS, ids=lambda v: getattr(v, "__name__", ""))
def test_estimators_round_trip_through_skact_save(cls, params, tmp_path):
    model, X, y = _fitted(cls, params)
    path = skact.save(model, tmp_path / "m.skact")
    rng_before = torch.get_rng_state()
    loaded = skact.load(path)
    assert torch.equal(torch.get_rng_state(), rng_before)  # loading draws nothing
    assert type(loaded) is cls and loaded.get_params() == model.get_params()
    _assert_same(model, loaded, X)
    for name in ("n_features_in_", "n_outputs_", "n_iter_", "loss_curve_", "out_activation_",
                 "_sample_shape"):
        assert getattr(loaded, name) == getattr(model, name), name
    assert len(loaded.history_) == len(model.history_)
    if hasattr(model, "classes_"):
        np.testing.assert_array_equal(loaded.classes_, model.classes_)
    loaded.set_params(warm_start=True, max_iter=1).fit(X, y)  # still a working estimator


@pytest.mark.parametrize("cls, params", ESTIMATORS, ids=lambda v: getattr(v, "__name__", ""))
def test_estimators_round_trip_through_skops(cls, params):
    model, X, _ = _fitted(cls, params)
    data = sio.dumps(model)
    untrusted = sio.get_untrusted_types(data=data)
    assert untrusted == [f"{cls.__module__}.{cls.__name__}"]
    loaded = sio.loads(data, trusted=untrusted)
    _assert_same(model, loaded, X)
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.loads(data)


def _table(n=40):
    rng = np.random.RandomState(1)
    df = pd.DataFrame({"x": rng.randn(n), "size": rng.choice(["s", "m", "l"], n),
                       "z": rng.randn(n), "label": rng.choice(["a", "b", "c"], n)})
    df.loc[3, "x"] = np.nan
    df.loc[5, "size"] = np.nan
    return df


def _tune_pipeline(estimator):
    """The shape of what skact tune saves: preprocessing (skact.data) + a skact network."""
    df = _table()
    X = df.drop(columns="label")
    pipe = Pipeline([("preprocess", make_preprocessor(["x", "z"], ["size"])),
                     ("model", estimator)])
    return pipe.fit(X, df["label"]), X


@pytest.mark.parametrize("cls", [skact.MLPClassifier, skact.TabularMLPClassifier])
def test_tune_pipelines_round_trip(cls, tmp_path):
    pipe, X = _tune_pipeline(cls(**TINY))
    new = X.copy()
    new.loc[0, "size"] = "unseen"
    skact.save(pipe, tmp_path / "p.skact")
    _assert_same(pipe, skact.load(tmp_path / "p.skact"), new)

    data = sio.dumps(pipe)
    untrusted = sio.get_untrusted_types(data=data)
    # skops itself does not trust numpy dtypes (SimpleImputer keeps one); the rest is skact's
    assert {t for t in untrusted if not t.startswith("skact.")} <= {"numpy.dtype"}
    assert f"{cls.__module__}.{cls.__name__}" in untrusted
    _assert_same(pipe, sio.loads(data, trusted=untrusted), new)


def test_the_file_is_the_same_for_the_same_model_and_records_versions(tmp_path):
    model, _, _ = _fitted(skact.MLPClassifier, {})
    a, b = skact.save(model, tmp_path / "a.skact"), skact.save(model, tmp_path / "b.skact")
    assert a.read_bytes() == b.read_bytes()
    header = json.loads(zipfile.ZipFile(a).read(MANIFEST))
    assert header["format"] == "skact-model" and header["format_version"] == 2
    assert header["versions"]["skact"] == skact.__version__ and header["versions"]["torch"]
    assert header["checksum"].startswith("sha256:")


def test_a_model_for_a_gpu_loads_on_the_cpu(tmp_path):
    model, X, _ = _fitted(skact.MLPRegressor, {})
    model.device = "cuda"  # as if fitted on a GPU: the file does not depend on it
    loaded = skact.load(skact.save(model, tmp_path / "m.skact"))
    assert loaded.device == "cuda" and next(loaded.module_.parameters()).device.type == "cpu"
    model.device = "cpu"
    _assert_same(model, loaded, X)


def test_what_the_format_cannot_hold_is_refused_by_name(tmp_path):
    class Square(torch.nn.Module):
        def forward(self, x):
            return x * x

    X, y = _data(True)
    custom = skact.MLPClassifier(activation=Square, **{**TINY}).fit(X, y)
    with pytest.raises(ModelFileError, match="activation.*Square"):
        skact.save(custom, tmp_path / "m.skact")
    pipe = Pipeline([("pre", make_preprocessor(["a"], [])), ("lr", LogisticRegression())])
    pipe.fit(pd.DataFrame({"a": [0.0, 1, 2, 3]}), [0, 0, 1, 1])
    with pytest.raises(ModelFileError, match="LogisticRegression"):
        skact.save(pipe, tmp_path / "p.skact")
    assert not (tmp_path / "m.skact").exists() and not (tmp_path / "p.skact").exists()


def test_an_activation_registered_when_saving_must_be_registered_when_loading(tmp_path):
    activations.register("test_square", lambda: torch.nn.Tanh())
    try:
        model, _, _ = _fitted(skact.MLPClassifier, {"activation": "test_square"})
        path = skact.save(model, tmp_path / "m.skact")
    finally:
        activations.unregister("test_square")
    with pytest.raises(ModelFileError, match="cannot be loaded.*test_square"):
        skact.load(path)


# --- files that must not run code ----------------------------------------------------------


class _CreatesFile:
    """Unpickling this opens (creates) ``target``: a stand-in for any code a pickle runs."""

    def __init__(self, target):
        self.target = str(target)

    def __reduce__(self):
        return open, (self.target, "w")


def _entries(path):
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _write_entries(path, files):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)


def _rewrite(path, edit_header=None, entries=None):
    """Rewrite a model file as an attacker would: change entries, recompute the checksum."""
    files = _entries(path)
    files.update(entries or {})
    header = json.loads(files[MANIFEST])
    if edit_header:
        edit_header(header)
    header.pop("checksum")
    raw = {n[len("arrays/"):-4]: d for n, d in files.items() if n.startswith("arrays/")}
    header["checksum"] = _digest(header, raw)
    files[MANIFEST] = json.dumps(header).encode()
    _write_entries(path, files)


@pytest.fixture
def run_dir(tmp_path):
    """A run folder as skact tune leaves it, and a CSV to predict."""
    pipe, X = _tune_pipeline(skact.MLPClassifier(**TINY))
    run = tmp_path / "run"
    save_model(run / "model.skact", pipe, {"feature_columns": list(X.columns),
                                           "target": "label", "task": "classification"})
    X.to_csv(tmp_path / "new.csv", index=False)
    return run, pipe, X


def _predict(*args):
    return CliRunner().invoke(app, ["predict", *map(str, args)], catch_exceptions=False)


def _one_line_error(result, fragment):
    assert result.exit_code == 1, result.output
    # one message (wrapped at words to the terminal's width)
    line = " ".join(result.stderr.split())
    assert line.startswith("Error: ") and line.count("Error: ") == 1, result.stderr
    assert fragment in line, line
    return line


def test_a_pickle_is_refused_without_running_it(run_dir, tmp_path):
    run, pipe, X = run_dir
    target = tmp_path / "pwned.txt"
    bundle = load_model(run)
    bundle["notes"] = _CreatesFile(target)  # a real, working model with one harmful entry
    (run / "model.skact").unlink()
    joblib.dump(bundle, run / "model.joblib")
    for model in (run, run / "model.joblib"):
        with pytest.raises(ModelFileError, match="is a pickle.*allow_pickle=True"):
            skact.load(model)
        line = _one_line_error(_predict(model, tmp_path / "new.csv"), "is a pickle")
        assert "python -m skact.model_files" in line and "pass --allow-pickle," in line
    assert not target.exists()
    joblib.load(run / "model.joblib")  # the payload is live: unpickling does run it
    assert target.exists()


def test_allow_pickle_loads_an_old_model_with_a_warning_and_convert_makes_it_safe(run_dir,
                                                                                  tmp_path):
    run, pipe, X = run_dir
    bundle = load_model(run)
    (run / "model.skact").unlink()
    joblib.dump({**bundle, "format_version": 1}, run / "model.joblib")
    result = _predict(run, tmp_path / "new.csv", "--allow-pickle", "--out", tmp_path / "p.csv")
    assert result.exit_code == 0, result.output
    assert "Warning:" in result.stderr and "is a pickle" in result.stderr
    assert (pd.read_csv(tmp_path / "p.csv")["prediction"] == pipe.predict(X)).all()
    converted = convert(run / "model.joblib")
    assert converted == run / "model.skact"
    again = load_model(run)  # the run folder now finds the safe file first
    assert again["feature_columns"] == ["x", "size", "z"] and again["target"] == "label"
    _assert_same(pipe, again["pipeline"], X)


def test_a_pickle_hidden_inside_a_safe_file_is_never_unpickled(run_dir, tmp_path):
    run, _, _ = run_dir
    target = tmp_path / "pwned.txt"
    buffer = io.BytesIO()
    np.save(buffer, np.array([_CreatesFile(target)], dtype=object), allow_pickle=True)
    path = run / "model.skact"
    _rewrite(path, entries={"arrays/0.npy": buffer.getvalue()})
    with pytest.raises(ModelFileError, match="holds an array skact does not load"):
        skact.load(path)
    _one_line_error(_predict(run, tmp_path / "new.csv"), "holds an array skact does not load")
    assert not target.exists()


@pytest.mark.parametrize("tag", [{"__object__": ["os.system", {}]},
                                 {"__function__": "builtins.eval"},
                                 {"__object__": ["sklearn.linear_model.LogisticRegression", {}]}])
def test_a_file_naming_code_skact_does_not_load_is_refused(run_dir, tmp_path, tag):
    run, _, _ = run_dir

    def inject(header):
        header["model"]["__object__"][1]["memory"] = tag

    _rewrite(run / "model.skact", edit_header=inject)
    with pytest.raises(ModelFileError, match="which is not one skact loads"):
        skact.load(run)


def test_an_entry_the_manifest_does_not_list_is_refused(run_dir):
    run, _, _ = run_dir
    _rewrite(run / "model.skact", entries={"extra.pkl": b"\x80\x04."})
    with pytest.raises(ModelFileError, match="has been altered"):
        skact.load(run)


# --- broken files: one line each ------------------------------------------------------------


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _edit(path):
    """Change a weight and leave the checksum (and zip CRCs consistent, as a tool would)."""
    files = _entries(path)
    data = bytearray(files["arrays/0.npy"])
    data[-1] ^= 0x01
    _write_entries(path, {**files, "arrays/0.npy": bytes(data)})


def _future(path):
    def bump(header):
        header["format_version"] = 99

    _rewrite(path, edit_header=bump)


BROKEN = {
    "truncated": (_truncate, "is damaged or truncated"),
    "edited": (_edit, "has been edited or damaged"),
    "empty": (lambda p: p.write_bytes(b""), "is empty"),
    "csv": (lambda p: p.write_text("a,b\n1,2\n"),
            "is not a model file saved by skact: it holds text (it begins 'a,b')"),
    "excel csv": (lambda p: p.write_bytes("\ufeffa;b\n1;2\n".encode()),  # "CSV UTF-8"
                  "is not a model file saved by skact: it holds text (it begins 'a;b')"),
    "binary": (lambda p: p.write_bytes(bytes(range(256))), "is not a model file saved by skact"),
    "other zip": (lambda p: sio.dump({"a": 1}, p), "is not a model file saved by skact"),
    "bad json": (lambda p: _rewrite_manifest(p, b"{not json"), "is not valid JSON"),
    "future version": (_future, "was saved by a newer skact"),
}


def _rewrite_manifest(path, content):
    _write_entries(path, {**_entries(path), MANIFEST: content})


@pytest.mark.parametrize("kind", list(BROKEN))
def test_broken_files_get_one_line(kind, run_dir, tmp_path):
    run, _, _ = run_dir
    damage, fragment = BROKEN[kind]
    path = run / "model.skact"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    damage(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() != digest
    with pytest.raises(ModelFileError, match=re.escape(fragment)) as info:
        skact.load(path)
    assert "\n" not in str(info.value)
    if kind == "binary":
        assert "holds text" not in str(info.value)  # nothing readable to quote
    _one_line_error(_predict(path, tmp_path / "new.csv"), fragment)


def test_predict_needs_a_model_saved_by_tune(run_dir, tmp_path):
    _, pipe, _ = run_dir
    skact.save(pipe, tmp_path / "bare.skact")
    _one_line_error(_predict(tmp_path / "bare.skact", tmp_path / "new.csv"),
                    "holds no feature columns")
    with pytest.raises(ModelFileError, match="saves an estimator or a pipeline, not a dict"):
        skact.save({"a": 1}, tmp_path / "d.skact")


def test_missing_files_and_folders(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        skact.load(tmp_path / "nope.skact")
    with pytest.raises(ModelFileError, match="a directory without a model.skact"):
        skact.load(tmp_path)


def test_unfitted_estimators_keep_their_parameters(tmp_path):
    est = skact.MLPClassifier(hidden_layer_sizes=(3, 2), activation_params={"alpha": 0.5},
                              class_weight={"a": 2.0}, n_iter_no_change=np.inf)
    loaded = skact.load(skact.save(est, tmp_path / "m.skact"))
    assert loaded.get_params() == est.get_params() and not hasattr(loaded, "net_")


def test_paths_are_path_like(tmp_path):
    model, X, _ = _fitted(skact.MLPClassifier, {})
    skact.save(model, str(tmp_path / "s.skact"))
    assert isinstance(skact.save(model, tmp_path / "p.skact"), Path)
    _assert_same(model, skact.load(str(tmp_path / "s.skact")), X)
