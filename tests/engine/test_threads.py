"""torch's thread count per fit (skact.engine.threads): small work on one thread, the caller's
setting given back, an explicit setting left alone, parallel fits not racing."""

import threading

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from skact import MLPClassifier
from skact.engine import threads as _threads

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X = np.random.RandomState(0).randn(60, 4)
y = np.arange(60) % 2


class RecordThreads(Callback):
    """Records torch's thread count in each epoch; raises in epoch ``fail_at`` if set."""

    def __init__(self, fail_at=None):
        self.fail_at = fail_at
        self.seen = []

    def on_epoch_begin(self, net, **kwargs):
        self.seen.append(torch.get_num_threads())
        if self.fail_at is not None and len(self.seen) >= self.fail_at:
            raise RuntimeError("stop here")


@pytest.fixture
def torch_default(monkeypatch):
    """torch at its default of 2 threads, with no thread setting in the environment (the
    suite's conftest sets OMP_NUM_THREADS=1)."""
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    monkeypatch.setattr(_threads, "_default", 2)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield 2
    torch.set_num_threads(before)


def fit(callback, **params):
    return MLPClassifier((8,), max_iter=3, random_state=0, **params).fit(
        X, y, callbacks=[callback])


def test_small_fit_runs_on_one_thread_and_restores_the_callers_count(torch_default):
    record = RecordThreads()
    model = fit(record)
    assert record.seen == [1, 1, 1]
    assert torch.get_num_threads() == torch_default
    model.predict(X)
    assert torch.get_num_threads() == torch_default


def test_the_count_is_restored_when_the_fit_raises(torch_default):
    record = RecordThreads(fail_at=2)
    with pytest.raises(RuntimeError, match="stop here"):
        fit(record)
    assert record.seen == [1, 1]
    assert torch.get_num_threads() == torch_default


@pytest.mark.parametrize("name", ["OMP_NUM_THREADS", "MKL_NUM_THREADS"])
def test_a_thread_count_in_the_environment_is_left_alone(torch_default, monkeypatch, name):
    monkeypatch.setenv(name, "2")
    record = RecordThreads()
    fit(record)
    assert record.seen == [2, 2, 2]


def test_a_count_the_caller_set_is_left_alone(torch_default, monkeypatch):
    monkeypatch.setattr(_threads, "_default", 3)  # torch's default differs from the 2 set
    record = RecordThreads()
    fit(record)
    assert record.seen == [2, 2, 2]
    assert torch.get_num_threads() == 2


def test_large_work_may_use_the_idle_cores(torch_default, monkeypatch):
    assert _threads.threads_for(_threads.SINGLE_THREAD_MACS - 1) == 1
    monkeypatch.setattr(_threads, "_idle_cores", lambda cores: cores)
    assert _threads.threads_for(_threads.SINGLE_THREAD_MACS) == torch_default
    monkeypatch.setattr(_threads, "_idle_cores", lambda cores: 1)  # the others are busy
    assert _threads.threads_for(_threads.SINGLE_THREAD_MACS) == 1


def test_idle_cores_reads_the_running_tasks(monkeypatch, tmp_path):
    import builtins

    real_open = builtins.open
    loadavg = tmp_path / "loadavg"

    def fake_open(path, *args, **kwargs):
        return real_open(loadavg if path == "/proc/loadavg" else path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    loadavg.write_text("0.50 0.40 0.30 1/200 12345\n")  # only the reader runs
    assert _threads._idle_cores(4) == 4
    loadavg.write_text("3.00 3.00 3.00 4/200 12345\n")
    assert _threads._idle_cores(4) == 1
    loadavg.write_text("9.00 9.00 9.00 9/200 12345\n")
    assert _threads._idle_cores(4) == 1
    loadavg.write_text("garbage")
    assert _threads._idle_cores(4) == 4


def test_a_fit_started_while_another_runs_leaves_the_count_alone(torch_default):
    inside, release = threading.Event(), threading.Event()

    def first():
        with _threads.fit_threads():
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=first)
    worker.start()
    try:
        assert inside.wait(10)
        with _threads.fit_threads() as choice:
            assert not choice.owner
            choice.use(0)
            assert torch.get_num_threads() == torch_default
    finally:
        release.set()
        worker.join()
    with _threads.fit_threads() as choice:  # alone again: this one may choose
        assert choice.owner and torch.get_num_threads() == 1
    assert torch.get_num_threads() == torch_default


def test_a_tuning_budget_holds_for_the_fits_inside(torch_default):
    from skact.tuning.tuner import _torch_threads_for

    with _torch_threads_for(2):
        assert torch.get_num_threads() == 1
        assert _threads.user_has_set_threads()
    assert torch.get_num_threads() == torch_default
    assert not _threads.user_has_set_threads()
