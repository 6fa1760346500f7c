"""One ``--out`` per run: a second run given the same folder fails at once, and a folder that
cannot be written is reported before anything trains."""

import fcntl
import os
import subprocess
import sys
import time

import pytest
from skact_cli.main import app
from skact_cli.runs import OUT_LOCK
from typer.testing import CliRunner

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="flock")

#: Another run holding an output folder: what ``skact tune`` does with its --out, then waits.
HOLDER = """
import sys, time
from pathlib import Path
from skact_cli.runs import make_out_dir
make_out_dir(Path(sys.argv[1]))
print("claimed", flush=True)
time.sleep(120)
"""


def test_a_second_run_on_the_same_out_fails_at_once(iris_csv, fast_space, tmp_path):
    out = tmp_path / "run"
    first = subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], stdout=subprocess.PIPE,
                             text=True)
    try:
        assert first.stdout.readline() == "claimed\n"
        started = time.monotonic()
        second = CliRunner().invoke(app, ["tune", str(iris_csv), "--space", str(fast_space),
                                          "--out", str(out)], catch_exceptions=False)
        took = time.monotonic() - started
        assert first.poll() is None  # still running: the second did not wait for it
    finally:
        first.kill()  # kill -9: no handler runs, the kernel drops the lock
        first.communicate()
    assert second.exit_code == 1, second.output
    errors = [line for line in second.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and f"(pid {first.pid}) is writing to" in errors[0], second.stderr
    assert "its own --out" in second.stderr and "Tuning" not in second.output
    assert took < 30, f"{took:.0f} s"
    with open(out / OUT_LOCK) as fh:  # released with the process that held it
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_an_out_folder_that_cannot_be_written_fails_before_training(
        iris_csv, fast_space, tmp_path, monkeypatch):
    out = tmp_path / "read-only"
    out.mkdir()
    os.chmod(out, 0o555)
    if os.access(out, os.W_OK):  # root writes anyway: make creating the lock fail as it would
        real_open = os.open

        def refuse(path, *args, **kwargs):
            if str(path).startswith(str(out)):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", refuse)
    try:
        result = CliRunner().invoke(app, ["tune", str(iris_csv), "--space", str(fast_space),
                                          "--n-trials", "1", "--out", str(out)],
                                    catch_exceptions=False)
    finally:
        monkeypatch.undo()
        os.chmod(out, 0o755)
    assert result.exit_code == 1, result.output
    said = " ".join(result.stderr.split())  # a message wraps at words, at the terminal's width
    assert f"cannot write to the output directory {out}: Permission denied" in said
    assert "Tuning" not in result.output and not list(out.iterdir())
