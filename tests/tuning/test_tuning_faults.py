"""``skact tune`` under the faults a shared cluster deals out, in real subprocesses.

SIGTERM and SIGINT mid-trial (exit 143/130, finished trials kept in the storage and in
trials.csv, the running trial failed), kill -9 (a later run fails the dead worker's trial
and does not wait on its lock; without --storage trials.csv already holds every finished
trial), and a disk that fills up under a journal (one line; the journal stays readable with
its trials).
"""

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from cli_fixtures import journal_trials, run_skact, skact_env, start_skact
from skact_cli.main import app
from typer.testing import CliRunner

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and flock")

#: Trials of a few seconds each, so a signal lands inside one.
SLOW_SPACE_TOML = """\
activation = ["relu", "tanh"]
hidden_layer_sizes = ["256-256"]
learning_rate_init = { low = 0.0005, high = 0.001, log = true }
batch_size = 8
"""
SLOW = ["--n-trials", "50", "--cv", "2", "--max-epochs", "40"]


@pytest.fixture(name="slow_space")
def slow_space_fixture(tmp_path):
    path = tmp_path / "slow.toml"
    path.write_text(SLOW_SPACE_TOML)
    return path


def wait_for(condition, proc, what, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"skact ended before {what}: {proc.communicate()}")
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def states(journal, name="s"):
    return [t.state.name for t in journal_trials(journal, name)]


def running_after_a_finished_one(journal):
    """The number of a RUNNING trial that is training (its worker recorded), once at least
    one trial has finished."""
    trials = journal_trials(journal, "s")
    if not any(t.state.is_finished() for t in trials):
        return None
    running = [t.number for t in trials
               if t.state.name == "RUNNING" and "worker" in t.user_attrs]
    return running[-1] + 1 if running else None  # +1: trial 0 would read as False


def csv_rows(path):
    try:
        return len(pd.read_csv(path))
    except (FileNotFoundError, pd.errors.EmptyDataError):
        return 0


@pytest.mark.parametrize("signum, status, said, model_file", [
    (signal.SIGTERM, 143, "terminated (SIGTERM)", None),  # a scheduler wants it gone: no refit
    (signal.SIGINT, 130, "interrupted", "model.skact"),  # Ctrl-C: the best so far is saved
])
def test_a_signal_mid_trial_keeps_finished_trials_and_fails_the_running_one(
        signum, status, said, model_file, iris_csv, slow_space, tmp_path):
    journal, out = tmp_path / "study.journal", tmp_path / "run"
    proc = start_skact("tune", iris_csv, "--storage", journal, "--study-name", "s",
                       "--space", slow_space, *SLOW, "--out", out)
    try:
        running = wait_for(lambda: running_after_a_finished_one(journal), proc,
                           "a trial to run after a finished one") - 1
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == status, stderr
    assert "Traceback" not in stderr and said in stderr and "Leaderboard" in stdout
    trials = {t.number: t for t in journal_trials(journal, "s")}
    assert trials[running].state.name == "FAIL"  # the trial the signal cut
    assert "RUNNING" not in [t.state.name for t in trials.values()]
    finished = [n for n, t in trials.items() if t.state.name in ("COMPLETE", "PRUNED")]
    assert finished
    kept = pd.read_csv(out / "trials.csv")
    assert set(finished) <= set(kept["number"])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["interrupted"] is True and summary["model_file"] == model_file
    assert not list(out.glob(".*.tmp"))  # no temporary file left behind
    if model_file is None:
        assert not (out / "model.skact").exists()
        return
    best = summary["best_trial"]
    flat = " ".join(stderr.split())
    assert (f"Interrupted: refitting the best finished trial, {best} (balanced_accuracy "
            f"{summary['best_score']:.4f}), on all rows to save it") in flat, stderr
    predicted = CliRunner().invoke(app, ["predict", str(out), str(iris_csv)])
    assert predicted.exit_code == 0, predicted.output
    assert len(pd.read_csv(io.StringIO(predicted.stdout))) == len(pd.read_csv(iris_csv))


def test_a_second_ctrl_c_during_the_refit_exits_at_once(iris_csv, slow_space, tmp_path):
    out = tmp_path / "run"
    # fits of some seconds, so that the refit is still training when the second press comes
    # (had it finished, the model would be saved)
    proc = start_skact("tune", iris_csv, "--space", slow_space, "--n-trials", "50", "--cv", "2",
                       "--max-epochs", "80", "--out", out)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    try:
        wait_for(lambda: csv_rows(out / "trials.csv"), proc, "a finished trial")
        proc.send_signal(signal.SIGINT)
        wait_for(lambda: "refitting the best finished trial" in " ".join(lines), proc,
                 "the refit after the first Ctrl-C")
        time.sleep(0.2)  # into the refit's training
        pressed = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        waited = time.monotonic() - pressed
        reader.join(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = " ".join("".join(lines).split())
    assert proc.returncode == 130, stderr
    assert waited < 5, waited  # at once, not after the refit's 80 epochs
    assert "Traceback" not in stderr and "Interrupted while refitting" in stderr
    assert not (out / "model.skact").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["interrupted"] is True and summary["model_file"] is None


def test_ctrl_c_before_any_trial_completed_says_there_is_no_model(iris_csv, slow_space,
                                                                    tmp_path):
    journal, out = tmp_path / "study.journal", tmp_path / "run"
    proc = start_skact("tune", iris_csv, "--storage", journal, "--study-name", "s",
                       "--space", slow_space, "--n-trials", "5", "--cv", "2",
                       "--max-epochs", "200", "--out", out)

    def training():  # the first trial runs, none has finished
        trials = journal_trials(journal, "s")
        return trials and "worker" in trials[0].user_attrs and "RUNNING" in states(journal)

    try:
        wait_for(training, proc, "the first trial to train")
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    flat = " ".join(stderr.split())
    assert proc.returncode == 130, stderr
    assert "No trial completed, so there is no model to save." in flat, stderr
    assert "refitting" not in flat and not (out / "model.skact").exists()
    assert states(journal)[0] == "FAIL" and "COMPLETE" not in states(journal)  # the cut trial


def test_kill_9_then_the_next_run_fails_the_dead_trial_without_waiting(
        iris_csv, slow_space, fast_space, tmp_path):
    journal = tmp_path / "study.journal"
    proc = start_skact("tune", iris_csv, "--storage", journal, "--study-name", "s",
                       "--space", slow_space, *SLOW, "--out", tmp_path / "killed")
    try:
        running = wait_for(lambda: running_after_a_finished_one(journal), proc,
                           "a trial to run after a finished one") - 1
    finally:
        proc.kill()  # SIGKILL: no handler runs, the trial stays RUNNING in the journal
        proc.communicate()
    assert journal_trials(journal, "s")[running].state.name == "RUNNING"
    # the next worker, on the same study (so the same space and settings)
    started = time.monotonic()
    again = start_skact("tune", iris_csv, "--storage", journal, "--study-name", "s",
                        "--space", slow_space, *SLOW[2:], "--n-trials", "1",
                        "--out", tmp_path / "next")
    try:
        lines = []
        for line in again.stderr:  # up to the study being opened, before any training
            lines.append(line)
            if line.startswith(("Note: marked", "Error")) or "adding 1" in line:
                break
        took = time.monotonic() - started
        _, rest = again.communicate(timeout=300)
    finally:
        if again.poll() is None:
            again.kill()
    stderr = "".join(lines) + rest
    assert again.returncode == 0, stderr
    assert "Note: marked 1 trial failed" in stderr
    assert took < 25, f"opening the study stalled ({took:.0f} s): a dead worker's lock?"
    trials = journal_trials(journal, "s")
    assert trials[running].state.name == "FAIL"
    assert "died" in trials[running].user_attrs["error"]
    assert "RUNNING" not in [t.state.name for t in trials]


def test_without_storage_trials_csv_grows_after_each_trial(iris_csv, fast_space, tmp_path):
    out = tmp_path / "run"
    proc = start_skact("tune", iris_csv, "--space", fast_space, "--n-trials", "200",
                       "--cv", "2", "--max-epochs", "5", "--out", out)
    try:
        wait_for(lambda: csv_rows(out / "trials.csv") >= 1, proc, "trials.csv")
        wait_for(lambda: csv_rows(out / "trials.csv") >= 2, proc, "a second row")
    finally:
        proc.kill()
        proc.communicate()
    kept = pd.read_csv(out / "trials.csv")
    assert len(kept) >= 2 and set(kept["state"]) <= {"complete", "pruned"}


def test_a_full_disk_under_a_journal_is_one_line_and_the_journal_stays_readable(
        iris_csv, fast_space, tmp_path):
    journal = tmp_path / "study.journal"
    common = [iris_csv, "--storage", journal, "--study-name", "s", "--space", fast_space,
              "--cv", "2", "--max-epochs", "3"]
    launcher = Path(__file__).parents[1] / "skact_launcher.py"
    env = {**skact_env(), "SKACT_TEST_FULL_AFTER": "40"}
    full = subprocess.run(
        [sys.executable, str(launcher), "tune", *map(str, common), "--n-trials", "50",
         "--out", str(tmp_path / "full")],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    output = full.stdout + full.stderr
    assert full.returncode == 1, output
    assert "Traceback" not in output
    # one message (wrapped at word boundaries), the last thing said
    error = " ".join(full.stderr[full.stderr.find("Error:"):].split())
    assert full.stderr.count("Error:") == 1 and "no space left" in error, full.stderr
    assert journal.read_bytes().endswith(b"\n")  # the half-written record was cut off
    finished = [s for s in states(journal) if s in ("COMPLETE", "PRUNED")]
    assert finished, "the trials that finished before the disk filled up are kept"

    # space freed: the study goes on
    proc = run_skact("tune", *common, "--n-trials", "1", "--out", tmp_path / "after")
    assert proc.returncode == 0, proc.stderr
    assert len([s for s in states(journal) if s in ("COMPLETE", "PRUNED")]) > len(finished)
    assert "RUNNING" not in states(journal)


def test_a_trial_that_could_not_record_its_start_is_not_left_running(
        iris_csv, fast_space, tmp_path):
    """The disk fills up just as a trial starts: the trial is in the journal, RUNNING, but
    not the worker running it. The next run, the only live worker, fails it (and does not
    wait for it as another worker's)."""
    journal = tmp_path / "study.journal"
    common = [iris_csv, "--storage", journal, "--study-name", "s", "--space", fast_space,
              "--cv", "2", "--max-epochs", "3"]
    launcher = Path(__file__).parents[1] / "skact_launcher.py"
    full = subprocess.run(
        [sys.executable, str(launcher), "tune", *map(str, common), "--n-trials", "3",
         "--out", str(tmp_path / "full")],
        capture_output=True, text=True, env={**skact_env(), "SKACT_TEST_FULL_AT": '"worker"'},
        timeout=300, check=False)
    assert full.returncode == 1 and "Traceback" not in full.stderr, full.stderr
    assert "no space left" in full.stderr
    trials = journal_trials(journal, "s")
    assert [t.state.name for t in trials][0] == "RUNNING"  # the others: queued, WAITING
    assert "worker" not in trials[0].user_attrs

    proc = run_skact("tune", *common, "--n-trials", "1", "--out", tmp_path / "after")
    assert proc.returncode == 0, proc.stderr
    assert "Note: marked 1 trial failed" in proc.stderr
    assert "still running" not in proc.stderr
    trials = journal_trials(journal, "s")
    assert trials[0].state.name == "FAIL" and "died" in trials[0].user_attrs["error"]
    assert "RUNNING" not in [t.state.name for t in trials]


def test_a_journal_left_half_written_by_optuna_is_repaired(tmp_path):
    """Optuna's own backend, after a failed write, leaves half a record that the next
    record is glued to: every reader then fails with JSONDecodeError. skact repairs it."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    from skact.tuning import OptunaSettings, open_study

    path = tmp_path / "old.journal"
    study = optuna.create_study(storage=JournalStorage(JournalFileBackend(str(path))),
                                study_name="s", direction="maximize")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    good = path.read_bytes()
    lines = good.splitlines()
    glued = lines[-2][: len(lines[-2]) // 2] + lines[-2]  # half a record, then the next one
    path.write_bytes(b"\n".join([*lines[:-2], glued, lines[-1]]) + b"\n")
    record = lines[-1]
    with pytest.raises(ValueError):
        optuna.load_study(study_name="s",
                          storage=JournalStorage(JournalFileBackend(str(path))))

    notes = []
    repaired = open_study(OptunaSettings(storage=str(path)), "s", {}, notes=notes)
    assert [t.state.name for t in repaired.trials] == ["COMPLETE"] * 3
    assert any("repaired" in n for n in notes)
    assert list(tmp_path.glob("old.journal.corrupt-*"))  # the original is kept

    path.write_bytes(path.read_bytes() + record[:10])  # half a record at the end
    notes = []
    open_study(OptunaSettings(storage=str(path)), "s", {}, notes=notes)
    assert path.read_bytes().endswith(b"\n") and "half-written" in notes[0]

    # opened early (skact tune does, before torch): the study's notes still say what it did
    path.write_bytes(path.read_bytes() + record[:10])
    settings, notes = OptunaSettings(storage=str(path)), []
    settings.open_storage()
    open_study(settings, "s", {}, notes=notes)
    assert path.read_bytes().endswith(b"\n") and "half-written" in notes[0]


def test_a_leftover_optuna_lock_file_does_not_stall(tmp_path):
    """A worker killed inside Optuna's symlink lock leaves ``<journal>.lock``: Optuna's
    next worker waits 30 s for it. skact locks with flock, which dies with its holder."""
    from skact.tuning import OptunaSettings, open_study

    path = tmp_path / "study.journal"
    os.symlink(path, f"{path}.lock")
    started = time.monotonic()
    study = open_study(OptunaSettings(storage=str(path)), "s", {})
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert time.monotonic() - started < 10
