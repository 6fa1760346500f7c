"""Where fits run: ``device=`` in the library and ``--device`` on the command line.

No test here needs a GPU. Where one must seem present, ``torch.cuda.is_available`` (and the
device's properties) are patched, and a stand-in makes the estimators train on the CPU while
their ``device`` parameter says "cuda", as a model trained on a GPU has it.
"""

import json
import subprocess
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
from cli_fixtures import FAST_TUNE, skact_cmd, skact_env
from optuna.trial import TrialState
from skact_cli.common import Device, use_device
from skact_cli.main import app
from typer.testing import CliRunner

import skact
from skact.data import load_table
from skact.engine.devices import describe_device, no_cuda_reason, resolve_device
from skact.exceptions import DeviceError, SpaceError
from skact.tuning import Tuner, load_space

runner = CliRunner()

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore:Got `batch_size`:UserWarning"),
]

GPU = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")



def one_message(stderr):
    """What stderr says, as one line: one error message, wrapped at words for the terminal."""
    assert stderr.count("Error:") == 1 and "Traceback" not in stderr, stderr
    return " ".join(stderr.split())

def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(name="no_gpu")
def no_gpu_fixture(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


@pytest.fixture(name="fake_gpu")
def fake_gpu_fixture(monkeypatch):
    """torch sees one GPU (it cannot run anything)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda device: SimpleNamespace(
        name="Stand-in GPU", total_memory=80 * 2**30))


@pytest.fixture(name="gpu_on_the_cpu")
def gpu_on_the_cpu_fixture(fake_gpu, monkeypatch):
    """As ``fake_gpu``, and estimators with ``device="cuda"`` train on the CPU."""
    import skact.estimators.validation as validation

    resolve = validation._resolve_device

    def stand_in(estimator):
        device = resolve(estimator)
        assert device == "cuda", device  # every fit was asked to run on the GPU
        return "cpu"

    monkeypatch.setattr(validation, "_resolve_device", stand_in)


# ------------------------------------------------------------------------ the library
def test_auto_takes_the_gpu_only_when_torch_sees_one(monkeypatch):
    assert resolve_device("cpu") == "cpu" and resolve_device(torch.device("cpu")) == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"


def test_a_gpu_where_torch_sees_none_is_refused_with_the_fix(no_gpu, monkeypatch):
    with pytest.raises(DeviceError, match=r"^device='cuda' was requested, but torch sees no "
                       r"CUDA GPU \(.*\); use device='cpu', or device='auto' to take"):
        resolve_device("cuda")
    with pytest.raises(DeviceError, match=r"^--device cuda was requested.*use --device cpu, "
                       r"or --device auto"):
        resolve_device("cuda", option="--device")
    # the reason: a torch built without CUDA, or where to look
    monkeypatch.setattr(torch.version, "cuda", None)
    assert no_cuda_reason() == f"torch {torch.__version__} is built without CUDA"
    monkeypatch.setattr(torch.version, "cuda", "12.4")
    assert no_cuda_reason() == "check the driver and CUDA_VISIBLE_DEVICES"
    with pytest.raises(ValueError, match="CUDA_VISIBLE_DEVICES"):  # DeviceError is one
        skact.MLPClassifier(device="cuda", max_iter=1).fit([[0.0], [1.0]], [0, 1])


def test_a_gpu_number_past_the_last_is_refused(fake_gpu):
    assert resolve_device("cuda:0") == "cuda:0"
    with pytest.raises(DeviceError, match=r"'cuda:1' was requested, but torch sees 1 CUDA "
                       r"GPU \(cuda:0 to cuda:0\)"):
        resolve_device("cuda:1")
    assert describe_device("cuda") == "cuda (Stand-in GPU, 80 GiB)"
    assert describe_device("cpu") == "cpu"


def test_the_tuner_resolves_auto_once_and_gives_every_fit_the_device(iris_csv, fake_gpu):
    tuner = Tuner(load_table(iris_csv), device="auto")
    assert tuner.device == "cuda" and tuner.base_params["device"] == "cuda"
    assert Tuner(load_table(iris_csv)).device == "cpu"  # the estimators' own default


def test_a_space_that_sets_the_device_is_refused(iris_csv, tmp_path):
    path = tmp_path / "space.toml"
    path.write_text('activation = ["relu"]\ndevice = "cuda"\n')
    with pytest.raises(SpaceError, match="sets 'device'.*choose the device with device$"):
        Tuner(load_table(iris_csv), space=load_space(path))
    result = invoke("tune", iris_csv, "--space", path, "--out", tmp_path / "run")
    assert result.exit_code == 1
    assert one_message(result.stderr).endswith("choose the device with --device")


def test_a_trial_the_gpu_has_no_memory_for_fails_alone(iris_csv, fast_space, monkeypatch):
    """Parallel trials share one GPU; one that runs out of its memory fails with a message
    saying what to do, and the others finish."""
    cls = skact.TabularMLPClassifier
    fit = cls.fit

    def fit_or_run_out(self, X, y, **kw):
        if self.activation == "tanh":
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return fit(self, X, y, **kw)

    monkeypatch.setattr(cls, "fit", fit_or_run_out)
    tuner = Tuner(load_table(iris_csv), space=load_space(fast_space), n_trials=3, cv=2,
                  max_epochs=2, n_jobs=2)
    result = tuner.run()
    states = {r["activation"]: r for r in result.records}
    assert set(states) == {"relu", "tanh", "gelu"}  # the first trials: one per activation
    assert states["tanh"]["state"] == "fail"
    assert "ran out of GPU memory; run fewer trials at once," in states["tanh"]["error"]
    assert states["relu"]["state"] == states["gelu"]["state"] == "complete"
    assert all(t.state != TrialState.RUNNING for t in tuner.study.trials)


# ------------------------------------------------------------------------ the command line
def test_the_device_line_says_which_and_why(fake_gpu, capsys):
    assert use_device(Device.auto, "4 parallel trials") == "cuda"
    assert use_device(Device.cuda) == "cuda"
    assert use_device(Device.cpu, "4 parallel trials") == "cpu"
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["Device: cuda (Stand-in GPU, 80 GiB), shared by 4 parallel trials",
                     "Device: cuda (Stand-in GPU, 80 GiB)", "Device: cpu"]


def test_a_gpu_out_of_memory_outside_a_trial_is_one_line(iris_csv, tmp_path, monkeypatch):
    """A grid search's fit (or a refit) that finds the GPU's memory full ends the run with
    one line saying what to try, not "unexpected OutOfMemoryError"."""
    def run_out(self, X, y, **kw):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(skact.TabularMLPClassifier, "fit", run_out)
    result = invoke("tune", iris_csv, "--search", "grid", "--activations", "relu", "--cv", "2",
                    "--device", "cpu", "--out", tmp_path / "run")
    assert result.exit_code == 1
    assert one_message(result.stderr).endswith(
        "Error: the GPU ran out of memory; try fewer --n-jobs, smaller networks (a --space "
        "with smaller hidden_layer_sizes), or --device cpu")


@pytest.mark.parametrize("device", ["cpu", "auto"])
def test_tune_runs_on_the_cpu_with_cpu_or_auto(device, iris_csv, fast_space, tmp_path,
                                               no_gpu):
    out = tmp_path / "run"
    result = invoke("tune", iris_csv, *FAST_TUNE, "--space", fast_space, "--out", out,
                    "--device", device)
    assert result.exit_code == 0, result.output
    expected = "Device: cpu" + ("" if device == "cpu" else f" (no CUDA GPU: {no_cuda_reason()})")
    assert expected in result.stderr.splitlines()
    assert max(len(line) for line in result.stderr.splitlines() if "Device" in line) <= 80
    summary = json.loads((out / "summary.json").read_text())
    assert summary["device"] == summary["estimator_params"]["device"] == "cpu"


@pytest.mark.parametrize("command", ["tune", "compare"])
def test_cuda_without_a_gpu_is_one_line_and_exit_2(command, iris_csv, tmp_path, no_gpu):
    result = invoke(command, iris_csv, "--device", "cuda", "--out", tmp_path / "run")
    assert result.exit_code == 2
    assert one_message(result.stderr) == (
        f"Error: --device cuda was requested, but torch sees no CUDA GPU ({no_cuda_reason()}); "
        "use --device cpu, or --device auto to take a GPU only when there is one")
    assert result.stdout == "" and not (tmp_path / "run").exists()  # before any work


def test_cuda_without_a_gpu_in_a_real_process(iris_csv, tmp_path):
    proc = subprocess.run(skact_cmd("tune", iris_csv, "--device", "cuda"), cwd=tmp_path,
                          capture_output=True, text=True, env=skact_env(), timeout=120)
    assert proc.returncode == 2
    assert one_message(proc.stderr).startswith(
        "Error: --device cuda was requested, but torch sees no CUDA GPU"), proc.stderr


def test_compare_passes_the_device_to_every_fit(iris_csv, tmp_path, no_gpu):
    out = tmp_path / "cmp"
    result = invoke("compare", iris_csv, "--activations", "relu", "--runs", "1", "--cv", "2",
                    "--max-epochs", "2", "--layers", "8", "--device", "cpu", "--out", out)
    assert result.exit_code == 0, result.output
    assert "Device: cpu" in result.stderr.splitlines()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["estimator_params"]["device"] == "cpu"


def test_parallel_trials_share_the_gpu_and_its_model_predicts_on_the_cpu(
        iris_csv, fast_space, tmp_path, gpu_on_the_cpu, monkeypatch):
    """``--device auto`` with a GPU: every fit gets device="cuda", the two parallel trials
    share it (and say so), and the saved model, whose estimator has device="cuda", loads and
    predicts on a machine without a GPU, through skact.load and `skact predict`."""
    out = tmp_path / "run"
    result = invoke("tune", iris_csv, *FAST_TUNE, "--space", fast_space, "--out", out,
                    "--n-jobs", "2")
    assert result.exit_code == 0, result.output
    assert ("Device: cuda (Stand-in GPU, 80 GiB), shared by 2 parallel trials"
            in result.stderr.splitlines())
    summary = json.loads((out / "summary.json").read_text())
    assert summary["device"] == summary["estimator_params"]["device"] == "cuda"
    assert summary["trials"].get("complete", 0) >= 2
    monkeypatch.undo()  # no GPU, and the estimators' own device check from here on

    pipe = skact.load(out / "model.skact")
    assert pipe[-1].device == "cuda"
    assert next(pipe[-1].module_.parameters()).device.type == "cpu"
    rows = pd.read_csv(iris_csv).drop(columns="species")
    expected = pipe.predict(rows)
    proc = subprocess.run(skact_cmd("predict", out, iris_csv, "--out", tmp_path / "p.csv"),
                          capture_output=True, text=True, env=skact_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    predicted = pd.read_csv(tmp_path / "p.csv")["prediction"]
    np.testing.assert_array_equal(predicted.to_numpy(), expected)
    assert (expected == pd.read_csv(iris_csv)["species"]).mean() > 0.5



@GPU
def test_tune_on_a_real_gpu_with_parallel_trials_and_its_model_on_the_cpu(
        iris_csv, fast_space, tmp_path):
    out = tmp_path / "run"
    result = invoke("tune", iris_csv, *FAST_TUNE, "--space", fast_space, "--out", out,
                    "--device", "cuda", "--n-jobs", "2")
    assert result.exit_code == 0, result.output
    assert any(line.startswith("Device: cuda (") and line.endswith("shared by 2 parallel trials")
               for line in result.stderr.splitlines())
    pipe = skact.load(out / "model.skact")
    assert pipe[-1].device == "cuda" and next(pipe[-1].module_.parameters()).device.type == "cpu"
    proc = subprocess.run(skact_cmd("predict", out, iris_csv, "--out", tmp_path / "p.csv"),
                          capture_output=True, text=True, env=skact_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    expected = pipe.predict(pd.read_csv(iris_csv).drop(columns="species"))
    np.testing.assert_array_equal(pd.read_csv(tmp_path / "p.csv")["prediction"], expected)
