"""A PostgreSQL server that goes away under ``skact tune``: stopped or restarted while a
trial runs, away while a heartbeat is due, or taking connections without ever answering.

Each test that stops a server runs its own throwaway cluster (``private_postgres`` of
:mod:`pg_server`), never the one ``.ci/run`` shares with the rest of the suite.
"""

import contextlib
import socket
import sys
import threading
import time

import pandas as pd
import pytest
from cli_fixtures import messages, run_skact, start_skact
from test_tuning_faults import SLOW_SPACE_TOML  # trials of a few seconds: an outage lands in one

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="PostgreSQL tools")

def trials(url, name="s"):
    import optuna

    try:
        return optuna.load_study(study_name=name, storage=url).get_trials(deepcopy=False)
    except KeyError:
        return []


def one_finished_one_running(url):
    try:
        states = [t.state.name for t in trials(url)]
    except Exception:  # noqa: BLE001 - the tables may not exist yet
        return False
    return "RUNNING" in states and any(s in ("COMPLETE", "PRUNED") for s in states)


def wait_for(condition, proc, what, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc.poll() is not None:
            pytest.fail(f"skact ended before {what}: {proc.communicate()}")
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.parametrize("outage", ["stop", "restart"])
def test_a_server_outage_mid_trial_is_one_line_and_keeps_the_finished_trials(
        outage, private_postgres, iris_csv, tmp_path):
    url = f"{private_postgres.url}/postgres"
    space = tmp_path / "slow.toml"
    space.write_text(SLOW_SPACE_TOML)
    out = tmp_path / "run"
    proc = start_skact("tune", iris_csv, "--storage", url, "--study-name", "s", "--space",
                       space, "--n-trials", "3", "--cv", "2", "--max-epochs", "25",
                       "--out", out)
    try:
        wait_for(lambda: one_finished_one_running(url), proc, "a trial after a finished one")
        getattr(private_postgres, outage)()
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    if outage == "stop":
        private_postgres.start()
    # "Error: unexpected ..." is the CLI's catch-all; the driver's own text may well say
    # "closed the connection unexpectedly", which is the outage, named as it should be
    assert "Traceback" not in stderr and "Error: unexpected" not in stderr, stderr
    if outage == "stop" or proc.returncode != 0:
        # the restart may come before the worker's next write, which then simply goes on
        assert proc.returncode == 1, stderr
        errors = messages(stderr)
        assert len(errors) == 1, stderr
        assert "stopped answering" in errors[0] and "trials that finished are kept" in errors[0]
    finished = {t.number for t in trials(url) if t.state.name in ("COMPLETE", "PRUNED")}
    assert finished
    assert finished <= set(pd.read_csv(out / "trials.csv")["number"])


def test_a_heartbeat_during_an_outage_is_retried_quietly(private_postgres, capfd):
    """Optuna's heartbeat thread prints a traceback for every beat the database misses and
    then stops beating for the trial; skact's storage misses it quietly and beats again."""
    from skact.tuning import OptunaSettings, open_study

    settings = OptunaSettings(storage=f"{private_postgres.url}/postgres",
                              heartbeat_interval=1, grace_period=30)
    study = open_study(settings, "s", {})

    def objective(trial):
        private_postgres.stop()
        time.sleep(2.5)  # two heartbeats missed
        private_postgres.start()
        time.sleep(1.5)  # one that reaches the database again
        return 1.0

    study.optimize(objective, n_trials=1)
    assert [t.state.name for t in study.trials] == ["COMPLETE"]
    assert settings.open_storage().missed_heartbeats >= 1
    stderr = capfd.readouterr().err
    assert "Traceback" not in stderr and "Exception in thread" not in stderr


def test_the_end_of_a_trial_lost_with_the_server_is_a_storage_failure(private_postgres,
                                                                      iris_csv):
    """Optuna's trial runner, when recording a trial's end fails and reading it back fails
    too, raises UnboundLocalError (or StorageInternalError for a failed commit): both are
    the storage's failure, said in one line that tells what was kept."""
    import optuna

    from skact.data import load_table
    from skact.tuning import OptunaSettings, Tuner, open_study
    from skact.tuning.storages import is_storage_failure, storage_error

    url = f"{private_postgres.url}/postgres"
    study = open_study(OptunaSettings(storage=url), "s", {})
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    # what a worker asks after its refit (has another found a better trial meanwhile?)
    tuner = Tuner(load_table(iris_csv), settings=OptunaSettings(storage=url, study_name="t"))
    tuner.open()

    def objective(trial):
        private_postgres.stop()
        return 1.0

    with pytest.raises(Exception) as raised:
        study.optimize(objective, n_trials=1)
    assert is_storage_failure(raised.value), repr(raised.value)
    message = str(storage_error(url, "record a trial", raised.value))
    assert "stopped answering" in message and "trials that finished are kept" in message
    assert "invalid data" not in message
    assert tuner.best_trial_now() is None  # the saved model stands; no "unexpected" error

    private_postgres.start()
    states = [t.state.name for t in optuna.load_study(study_name="s", storage=url).trials]
    assert states[0] == "COMPLETE"
    internal = optuna.exceptions.StorageInternalError("An exception is raised during the "
                                                      "commit. This typically happens due to "
                                                      "invalid data in the commit")
    assert is_storage_failure(internal)
    assert not is_storage_failure(UnboundLocalError("cannot access local variable 'x'"))


class SilentServer:
    """A TCP server on 127.0.0.1 that accepts connections and never answers; it closes
    itself after ``lifetime`` seconds whatever happens."""

    def __init__(self, lifetime=60):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.held, self.deadline = [], time.monotonic() + lifetime
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while time.monotonic() < self.deadline:
            with contextlib.suppress(OSError):  # a timeout: look at the clock again
                self.held.append(self.sock.accept()[0])
        self.close()

    def close(self):
        self.deadline = 0
        for conn in self.held:
            conn.close()
        self.sock.close()


def test_a_server_that_never_answers_is_one_line_within_seconds(iris_csv, fast_space,
                                                                 tmp_path):
    server = SilentServer()
    try:
        started = time.monotonic()
        proc = run_skact("tune", iris_csv, "--storage",
                         f"postgresql://me:pw@127.0.0.1:{server.port}/db", "--space",
                         fast_space, "--out", tmp_path / "run", timeout=60)
        took = time.monotonic() - started
    finally:
        server.close()
    assert proc.returncode == 1, proc.stderr
    errors = messages(proc.stderr)
    assert len(errors) == 1 and "did not answer in time" in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr and "pw" not in errors[0]
    assert took < 20, f"{took:.1f} s to give up"
