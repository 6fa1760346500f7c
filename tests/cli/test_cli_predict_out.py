"""``skact predict --out``: through symbolic links, into devices and pipes, ``-`` for stdout;
its input from a pipe (``-`` for stdin, ``/dev/stdin``) in real processes; and a value
beyond float32 named with its column and row by predict and tune."""

import os
import shlex
import subprocess
import sys
import threading

import pandas as pd
import pytest
from cli_fixtures import FAST_TUNE, iris_frame, run_skact, skact_cmd, skact_env, write_csv
from skact_cli.main import app
from typer.testing import CliRunner

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def model_and_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("predict_out")
    data = write_csv(iris_frame(), root / "iris.csv")
    space = root / "space.toml"
    space.write_text('activation = "relu"\nhidden_layer_sizes = "8"\nbatch_size = 32\n')
    result = invoke("tune", data, *FAST_TUNE, "--n-trials", "1", "--space", space,
                    "--out", root / "run")
    assert result.exit_code == 0, result.output
    return root / "run", data


def test_dash_means_standard_output(model_and_data, tmp_path, monkeypatch):
    run, data = model_and_data
    monkeypatch.chdir(tmp_path)
    result = invoke("predict", run, data, "--out", "-")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "-").exists()
    assert result.stdout.startswith("prediction") and len(result.stdout.splitlines()) == 61


def test_a_symlink_is_written_through(model_and_data, tmp_path):
    run, data = model_and_data
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    result = invoke("predict", run, data, "--out", link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert len(pd.read_csv(real)) == 60


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes")
def test_a_named_pipe_is_written_into(model_and_data, tmp_path):
    run, data = model_and_data
    fifo = tmp_path / "preds.fifo"
    os.mkfifo(fifo)
    got = {}
    reader = threading.Thread(target=lambda: got.update(text=fifo.read_text()), daemon=True)
    reader.start()
    result = invoke("predict", run, data, "--out", fifo)
    reader.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert got["text"].startswith("prediction") and len(got["text"].splitlines()) == 61
    assert fifo.exists() and not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="no /dev/stdout")
def test_dev_stdout_is_written_not_replaced(model_and_data):
    run, data = model_and_data
    before = os.lstat("/dev/stdout")
    proc = run_skact("predict", run, data, "--out", "/dev/stdout")  # a pipe to this test
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("prediction") and len(proc.stdout.splitlines()) == 61
    assert os.lstat("/dev/stdout").st_ino == before.st_ino


def _predictions(proc, n_rows):
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "prediction" and len(lines) == n_rows + 1, proc.stdout
    return lines[1:]


@pytest.mark.skipif(sys.platform == "win32", reason="/dev/stdin and sh")
def test_input_from_stdin_and_from_a_pipe(model_and_data, tmp_path):
    run, data = model_and_data
    expected = _predictions(run_skact("predict", run, data), 60)
    with open(data, "rb") as stdin:  # skact predict RUN - < data.csv
        proc = subprocess.run(skact_cmd("predict", run, "-"), stdin=stdin, capture_output=True,
                              text=True, env=skact_env(), timeout=120, check=False)
    assert _predictions(proc, 60) == expected
    # head -5 data.csv | skact predict RUN /dev/stdin: the header and four rows, a real pipe
    predict = shlex.join(skact_cmd("predict", run, "/dev/stdin"))
    command = f"head -5 {shlex.quote(str(data))} | {predict}"
    proc = subprocess.run(["sh", "-c", command], capture_output=True, text=True,
                          env=skact_env(), timeout=120, check=False)
    assert _predictions(proc, 4) == expected[:4]


def test_empty_standard_input_is_named(model_and_data):
    run, _ = model_and_data
    proc = subprocess.run(skact_cmd("predict", run, "-"), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=skact_env(), timeout=120,
                          check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "Error: standard input is empty", proc.stderr


@pytest.mark.parametrize("value", ["inf", "1e308"])
def test_predict_and_tune_name_an_overflowing_value(model_and_data, tmp_path, value):
    run, data = model_and_data
    frame = pd.read_csv(data)
    frame["petal_width"] = frame["petal_width"].astype(object)
    frame.loc[4, "petal_width"] = value
    bad = write_csv(frame, tmp_path / "bad.csv")
    for result in (invoke("predict", run, bad),
                   invoke("tune", bad, *FAST_TUNE, "--out", tmp_path / "t")):
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        flat = " ".join(result.output.split())
        assert "column 'petal_width' holds" in flat and "in row 5" in flat
