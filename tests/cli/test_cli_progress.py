"""What a person sees while ``skact tune`` and ``skact compare`` run, and how they end.

The progress display (trial, fold, epoch of how many, best so far, an ETA from the first
finished fold, the refit's own line) is read from a real pseudo-terminal 80 columns wide, as
drawn by a small terminal model (wrapping at the last column, cursor-up and erase-line, which
is all Rich's live display uses). Ctrl-C is the key press itself, written to the terminal.
The closed-pipe cases use real pipes: ``| head -3`` and a reader that has gone.
"""

import os
import re
import select
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from cli_fixtures import FAST_SPACE_TOML, iris_frame, skact_cmd, skact_env, words_cut, write_csv

pty = pytest.importorskip("pty")  # POSIX only
import fcntl  # noqa: E402
import struct  # noqa: E402
import termios  # noqa: E402

WIDTH = 80
_ANSI = re.compile(r"\x1b\[[?0-9;]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b.")
_TOKEN = re.compile(r"\x1b\[([?0-9;]*)([A-Za-z])|\x1b[()][0-9A-Za-z]|\x1b.|\r|\n|[^\x1b\r\n]")
_CLOCK = r"\d+:\d\d:\d\d"


# ------------------------------------------------------------------- a terminal, in brief
def screen(raw, width=WIDTH, logical=False):
    """The lines a terminal of ``width`` columns shows after ``raw`` (scrollback kept); with
    ``logical``, a line the terminal wrapped is given as one."""
    lines, row, col, pending, wrapped = [[]], 0, 0, False, set()

    def line_at(r):
        while len(lines) <= r:
            lines.append([])
        return lines[r]

    for m in _TOKEN.finditer(raw):
        tok, kind = m.group(0), m.group(2)
        if kind:
            n = int(m.group(1)) if m.group(1).isdigit() else 1
            if kind == "A":
                row, pending = max(row - n, 0), False
            elif kind == "K":
                line = line_at(row)
                del line[(0 if m.group(1) == "2" else col):]
            elif kind == "G":
                col, pending = n - 1, False
        elif tok == "\r":
            col, pending = 0, False
        elif tok == "\n":
            row, pending = row + 1, False
        elif not tok.startswith("\x1b"):
            if pending:  # a character after the last column wraps to the next line
                wrapped.add(row)
                row, col, pending = row + 1, 0, False
            line = line_at(row)
            line.extend(" " * (col + 1 - len(line)))
            line[col] = tok
            pending = col == width - 1
            col = min(col + 1, width - 1)
    shown = ["".join(line) if i in wrapped else "".join(line).rstrip()
             for i, line in enumerate(lines)]
    if not logical:
        return [line.rstrip() for line in shown]
    joined = "".join(line + ("" if i in wrapped else "\n") for i, line in enumerate(shown))
    return joined.splitlines()


def frames(raw):
    """Every state of every line the display drew, colours and cursor moves removed."""
    return [f for f in re.split(r"[\r\n]", _ANSI.sub("", raw)) if f.strip()]


def run_in_pty(args, cwd, ctrl_c_when=None, timeout=240):
    """Run ``skact ARGS`` on a pseudo-terminal of 80x30; type Ctrl-C once the output
    contains ``ctrl_c_when``. Returns (exit status, everything the terminal received)."""
    env = {**skact_env(), "COLUMNS": str(WIDTH), "LINES": "30", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its controlling terminal, as in a shell
        try:
            os.chdir(cwd)
            os.execve(sys.executable, skact_cmd(*args), env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, WIDTH, 0, 0))
    raw, sent, deadline = b"", False, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: the child has closed the terminal
                    break
                if not chunk:
                    break
                raw += chunk
            text = raw.decode(errors="replace")
            if ctrl_c_when and not sent and ctrl_c_when in _ANSI.sub("", text):
                os.write(fd, b"\x03")  # the key: the terminal sends SIGINT and echoes ^C
                sent = True
        else:
            os.kill(pid, signal.SIGKILL)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), raw.decode(errors="replace")


@pytest.fixture(name="slow_csv", scope="module")
def slow_csv_fixture(tmp_path_factory):
    """Iris repeated to 1,500 rows: a fold of a 20-epoch fit takes long enough (about half a
    second) for the display, which redraws ten times a second, to show its epochs."""
    root = tmp_path_factory.mktemp("progress")
    df = iris_frame(n_per_class=50)
    rng = np.random.default_rng(0)
    big = df.sample(n=1500, replace=True, random_state=0).reset_index(drop=True)
    numeric = big.columns[:-1]
    big[numeric] = big[numeric] + rng.normal(0, 0.05, size=(len(big), len(numeric)))
    (root / "space.toml").write_text(FAST_SPACE_TOML)
    return write_csv(big, root / "flowers.csv")


# --------------------------------------------------------------------------- the display
def test_tune_shows_trial_fold_epoch_best_eta_and_a_refit_line(slow_csv, tmp_path):
    status, raw = run_in_pty(
        ["tune", slow_csv, "--n-trials", "2", "--max-epochs", "20", "--cv", "2",
         "--space", slow_csv.parent / "space.toml", "--out", tmp_path / "run"], tmp_path)
    seen = frames(raw)
    assert status == 0, "\n".join(screen(raw))
    assert any(re.search(r"trial 0 · fold 1/2 · epoch \d+/20", f) for f in seen), seen
    assert any(re.search(r"trial 0 · fold 2/2 · epoch \d+/20", f) for f in seen), seen
    # an ETA as soon as the first fold finished, while no trial has finished yet
    assert any(re.search(rf"0/2 trials .* ETA {_CLOCK}", f) for f in seen), seen
    assert any(re.search(r"1/2 trials best \d\.\d{4}", f) for f in seen), seen
    assert any(re.search(r"Refit of trial \d on all rows .*epoch \d+/20", f) for f in seen)
    # every line of the display fits 80 columns with room for an echoed ^C
    assert all(len(f) <= WIDTH - 2 for f in seen if "Tuning" in f or "epoch" in f), seen
    shown = screen(raw)
    assert sum("Tuning" in line for line in shown) == 1, shown
    assert any(re.match(r"\s*Refit of trial \d on all rows .*epoch \d+/20", line)
               for line in shown), shown
    assert (tmp_path / "run" / "model.skact").exists()


def test_compare_shows_activation_run_fold_epoch_best_and_eta(slow_csv, tmp_path):
    status, raw = run_in_pty(
        ["compare", slow_csv, "--activations", "relu,tanh", "--runs", "1", "--cv", "2",
         "--max-epochs", "20", "--layers", "8", "--out", tmp_path / "cmp"], tmp_path)
    seen = frames(raw)
    assert status == 0, "\n".join(screen(raw))
    assert any(re.search(r"relu · run 1/1 · fold 1/2 · epoch \d+/20", f) for f in seen), seen
    assert any(re.search(rf"1/4 fits best relu \d\.\d{{4}} .*ETA {_CLOCK}", f) for f in seen)
    assert all(len(f) <= WIDTH - 2 for f in seen if "Comparing" in f), seen


def test_ctrl_c_shows_the_progress_line_once_and_how_to_resume(slow_csv, tmp_path):
    journal = tmp_path / "study.journal"
    status, raw = run_in_pty(
        ["tune", slow_csv, "--n-trials", "20", "--max-epochs", "20", "--cv", "2",
         "--space", slow_csv.parent / "space.toml", "--out", tmp_path / "run",
         "--storage", journal], tmp_path, ctrl_c_when="fold 1/2 · epoch 2/")
    shown = screen(raw)
    text = "\n".join(screen(raw, logical=True))
    assert status == 130, text
    assert "^C" not in text, text  # the echo was drawn over, not left in a wrapped line
    assert sum(bool(re.search(r"Tuning .*trials", line)) for line in shown) == 1, text
    assert "Error: interrupted; the trials that finished are kept in study" in text, text
    # the command to copy whole on a line of its own (longer than the terminal: its wrap
    # is the terminal's, which copies as one line); every message before it cut at no word
    lines = screen(raw, logical=True)
    hint = lines.index("Resume (the finished trials count):")
    command = lines[hint + 1]
    assert command.startswith(f"skact tune {slow_csv} "), text
    assert f"--storage {journal} " in command and "--study-name skact-flowers" in command
    error = " ".join(lines[next(i for i, line in enumerate(lines)
                                if line.startswith("Error: interrupted")):hint])
    assert "and trials.csv" in error, text
    assert words_cut(error, "\n".join(shown[:shown.index(command[:WIDTH].rstrip())])) == [], text


def test_ctrl_c_without_storage_says_how_to_make_a_run_resumable(slow_csv, tmp_path):
    status, raw = run_in_pty(
        ["tune", slow_csv, "--n-trials", "20", "--max-epochs", "20", "--cv", "2",
         "--space", slow_csv.parent / "space.toml", "--out", tmp_path / "run"], tmp_path,
        ctrl_c_when="epoch 2/")
    flat = "\n".join(screen(raw, logical=True))
    assert status == 130, flat
    assert "This study was in memory, so it cannot be resumed" in flat, flat
    assert "--storage flowers.journal --study-name skact-flowers" in flat, flat


# --------------------------------------------------------------------------- closed pipes
@pytest.fixture(name="tuned_into_a_closed_pipe", scope="module")
def tuned_into_a_closed_pipe_fixture(slow_csv, tmp_path_factory):
    """``skact tune`` whose stdout reader has gone before the first table is printed."""
    out = tmp_path_factory.mktemp("closed") / "run"
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone: every write to stdout fails with EPIPE
    try:
        proc = subprocess.run(
            skact_cmd("tune", slow_csv, "--n-trials", "2", "--max-epochs", "5", "--cv", "2",
                      "--space", slow_csv.parent / "space.toml", "--out", out),
            stdout=write_end, stderr=subprocess.PIPE, text=True, env=skact_env(), timeout=300,
            check=False,
        )
    finally:
        os.close(write_end)
    return proc, out


def test_tune_into_a_closed_pipe_saves_its_model_and_exits_0(tuned_into_a_closed_pipe):
    proc, out = tuned_into_a_closed_pipe
    assert proc.returncode == 0, proc.stderr
    assert "Error" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr
    assert f"Saved model.skact, trials.csv, summary.json in {out}" in proc.stderr
    assert {"model.skact", "trials.csv", "summary.json"} <= {p.name for p in out.iterdir()}


@pytest.mark.parametrize("redirect, first_line", [
    ("", "Leaderboard"),  # the results, on stdout
    ("2>&1", "Read "),  # progress and messages too: the reader leaves in the middle of them
], ids=["stdout", "stdout-and-stderr"])
def test_tune_piped_into_head_1(slow_csv, tmp_path, redirect, first_line):
    out = tmp_path / "run"
    proc = subprocess.run(
        ["bash", "-c", f'set -o pipefail; "$@" {redirect} | head -1', "bash",
         *map(str, skact_cmd("tune", slow_csv, "--n-trials", "2", "--max-epochs", "5",
                             "--cv", "2", "--space", slow_csv.parent / "space.toml",
                             "--out", out))],
        capture_output=True, text=True, env=skact_env(), timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith(first_line) and proc.stdout.count("\n") == 1, proc.stdout
    assert "Error" not in proc.stderr, proc.stderr
    assert {"model.skact", "trials.csv", "summary.json"} <= {p.name for p in out.iterdir()}


def test_predict_piped_into_head_3_ends_quietly(tuned_into_a_closed_pipe, slow_csv):
    _, out = tuned_into_a_closed_pipe
    many = slow_csv.with_name("many.csv")
    import pandas as pd

    pd.concat([pd.read_csv(slow_csv)] * 20).to_csv(many, index=False)  # 30,000 rows
    proc = subprocess.run(
        ["bash", "-c", 'set -o pipefail; "$@" | head -3', "bash",
         *map(str, skact_cmd("predict", out, many, "--proba"))],
        capture_output=True, text=True, env=skact_env(), timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("prediction,proba_")
    assert len(proc.stdout.splitlines()) == 3
    assert proc.stderr == "", proc.stderr  # more output than a pipe holds: it did close


# ------------------------------------------------------------------ the pieces, directly
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 4 epochs
def test_epoch_progress_reports_every_epoch_of_every_fit():
    from sklearn.datasets import load_iris

    from skact import MLPClassifier
    from skact.engine.callbacks import EpochEvent, EpochProgress

    X, y = load_iris(return_X_y=True)
    events = []
    cb = EpochProgress(events.append, max_epochs=4, tag="t")
    est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=4, random_state=0)
    for _ in range(2):
        est.fit(X, y, callbacks=[cb])
    first = [e for e in events if e.fit == 1]
    assert [e.epoch for e in first] == [0, 1, 2, 3, 4, 4]
    assert [e.finished for e in first] == [False] * 5 + [True]
    assert events[-1] == EpochEvent(4, 4, True, 2, "t")
    assert not any(name.startswith("callback_") for name, _ in est.net_.callbacks_)


def test_trial_progress_lists_parallel_fits_and_estimates_from_folds():
    from skact_cli.progress import TrialProgress

    from skact.engine.callbacks import EpochEvent

    progress = TrialProgress(4, folds=2, describe=lambda e: f"trial {e.tag} · fold {e.fit}/2")
    assert progress.eta_text() == "-:--:--" and progress.activity_text() == ""
    progress.started -= 10  # the search began 10 s ago
    progress.on_epoch(EpochEvent(3, 20, False, 1, 0))
    progress.on_epoch(EpochEvent(7, 20, False, 2, 1))
    assert progress.activity_text() == (
        "  trial 0 · fold 1/2 · epoch 3/20; trial 1 · fold 2/2 · epoch 7/20")
    progress.on_epoch(EpochEvent(20, 20, True, 2, 1))  # one fold of 8 done after 10 s
    assert 65 <= progress.eta() <= 71
    progress.on_trial({"number": 1, "state": "pruned"}, {"score": 0.5})
    assert progress.pruned == 1 and progress.best == "0.5000"
    assert progress.activity_text() == "  trial 0 · fold 1/2 · epoch 3/20"


def test_every_fit_and_every_finished_trial_is_drawn_however_fast():
    # the display redraws on a 10 Hz tick; a fit that starts and ends between two ticks must
    # still be drawn once (it was missed on a busy CI machine), and so must each finished
    # trial's count, while epochs wait for the tick
    from skact_cli.progress import TrialProgress

    from skact.engine.callbacks import EpochEvent

    progress = TrialProgress(4, folds=2, describe=lambda e: f"trial {e.tag} · fold {e.fit}/2")
    drawn = []
    progress.progress.refresh = lambda: drawn.append(progress.activity_text())
    real_update = progress.progress.update

    def update(*args, refresh=False, **kwargs):
        real_update(*args, **kwargs)
        if refresh:
            drawn.append("count")

    progress.progress.update = update
    for epoch in (0, 1, 2):
        progress.on_epoch(EpochEvent(epoch, 20, False, 1, 0))
    progress.on_epoch(EpochEvent(2, 20, True, 1, 0))
    progress.on_epoch(EpochEvent(0, 20, False, 2, 0))
    progress.on_trial({"number": 0, "state": "complete"}, {"score": 0.9})
    assert drawn == ["  trial 0 · fold 1/2 · epoch 0/20", "  trial 0 · fold 2/2 · epoch 0/20",
                     "count"]


def test_grid_fit_counter_reports_the_best_candidate_once_its_folds_are_scored():
    from skact.tuning.progress import FitCounter

    class Fitted:
        def __init__(self, activation, score):
            self.activation, self.score = activation, score

        def get_params(self):
            return {"model__activation": self.activation}

    seen = []
    counter = FitCounter(lambda est, X, y: est.score, lambda rec, best: seen.append(best),
                         ["model__activation"], n_folds=2)
    for act, score in [("relu", 0.6), ("tanh", 0.9), ("relu", 0.8), ("tanh", 0.7)]:
        counter(Fitted(act, score), None, None)
    assert seen == [None, None, {"score": pytest.approx(0.7)}, {"score": pytest.approx(0.8)}]
