"""How many threads torch's intra-op pool uses for one fit or predict call. Internal.

torch's thread pool makes every operation wait for all its threads. On small
networks an operation takes microseconds, so a pool thread that the OS has
descheduled (any other busy process will do it) stalls each step by a time
slice: a 200-epoch iris fit ran 67x slower than scikit-learn's MLP with a
second process busy, and 2.3x with ``OMP_NUM_THREADS=1``. :func:`fit_threads`
runs small work on one thread and lets large work use the idle cores, then
gives the caller back exactly the setting it had, even when the fit raises.

It leaves torch alone when the caller chose a setting: ``OMP_NUM_THREADS`` or
``MKL_NUM_THREADS`` in the environment (joblib's process workers get these),
a ``torch.set_num_threads`` value other than torch's default, or a budget from
:func:`thread_budget` (``skact tune --n-jobs``). ``torch.set_num_threads`` is
process-wide for threads started later, so while one skact fit is changing it,
fits running at the same time in other threads leave it as they find it.
"""

from __future__ import annotations

import contextlib
import os
import threading

__all__ = ["fit_threads", "module_macs", "shared_by_jobs", "thread_budget", "threads_for"]

#: Multiply-adds per forward pass of one batch below which one thread is fastest. Measured
#: on a 2-core VM (benchmarks/README.md): up to ~1e7 a one-thread step takes under ~3 ms,
#: a second thread saves at most part of that on a quiet machine, and costs 5-70x whenever
#: another process holds a core (2x128 relu at batch 128, 2.8e6: 1.7 ms vs 37 ms a step).
SINGLE_THREAD_MACS = 10_000_000

_LOCK = threading.Lock()
_active = 0  # skact fits/predicts now running in this process
_budgets = 0  # thread_budget contexts now open
_default = None  # torch's own default thread count, found on first use


def _torch_default_threads():
    """What torch picks without a setting: the physical cores (cpuinfo), else the CPUs."""
    global _default
    if _default is None:
        try:
            import psutil

            cores = psutil.cpu_count(logical=False)
        except ImportError:  # psutil is a dependency; this keeps the module importable
            cores = None
        _default = cores or os.cpu_count() or 1
    return _default


def user_has_set_threads():
    """Whether the thread count is the caller's choice rather than torch's default."""
    import torch

    if _budgets:
        return True
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(name, "").strip():
            return True
    return torch.get_num_threads() != _torch_default_threads()


def _idle_cores(cores):
    """Cores not taken by other runnable tasks now (Linux's instantaneous count), else all."""
    try:
        with open("/proc/loadavg") as f:
            running = int(f.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return cores
    return max(1, min(cores, cores - (running - 1)))  # less this thread, which is running


def threads_for(macs_per_batch):
    """The thread count for work of ``macs_per_batch`` multiply-adds a forward pass."""
    if macs_per_batch < SINGLE_THREAD_MACS:
        return 1
    return _idle_cores(_torch_default_threads())


def module_macs(module, sample_shape):
    """Multiply-adds of one row's forward pass through the module's Linear/Conv layers.

    Convolutions are counted at the input's full spatial size (pooling makes later
    ones cheaper): a rough size, which is all the thread choice needs.
    """
    import torch

    spatial = 1
    for n in sample_shape[1:]:
        spatial *= int(n)
    macs = 0
    for m in module.modules():
        if isinstance(m, torch.nn.Linear):
            macs += m.in_features * m.out_features
        elif isinstance(m, (torch.nn.Conv1d, torch.nn.Conv2d)):
            macs += m.weight.numel() * spatial
    return macs


class _Choice:
    """What :func:`fit_threads` yields: ``use(macs_per_batch)`` once the work size is known."""

    def __init__(self, owner):
        self.owner = owner
        self.before = None  # the caller's count, when this context changed it

    def use(self, macs_per_batch):
        if not self.owner:
            return
        import torch

        current = torch.get_num_threads()
        wanted = threads_for(macs_per_batch)
        if wanted != current:
            if self.before is None:
                self.before = current
            torch.set_num_threads(wanted)


@contextlib.contextmanager
def fit_threads(macs_per_batch=0):
    """Run the body with the thread count :func:`threads_for` picks; restore it after.

    Yields a :class:`_Choice`: a fit enters before its network exists (building it
    is small work: one thread) and calls ``use`` when its batches are known.
    """
    global _active
    with _LOCK:
        choice = _Choice(owner=_active == 0 and not user_has_set_threads())
        _active += 1
    try:
        choice.use(macs_per_batch)
        yield choice
    finally:
        if choice.before is not None:
            import torch

            torch.set_num_threads(choice.before)
        with _LOCK:
            _active -= 1


@contextlib.contextmanager
def thread_budget(n_threads):
    """Give the process ``n_threads`` torch threads (parallel fits share the cores); fits
    inside leave the count alone. Restored afterwards."""
    import torch

    global _budgets
    before = torch.get_num_threads()
    with _LOCK:
        _budgets += 1
    torch.set_num_threads(max(1, int(n_threads)))
    try:
        yield
    finally:
        torch.set_num_threads(before)
        with _LOCK:
            _budgets -= 1


@contextlib.contextmanager
def shared_by_jobs(n_jobs: int):
    """Share the CPU cores between ``n_jobs`` parallel fits instead of letting each fit's
    torch thread pool claim every core (tiny networks then run many times slower). With
    one job, each fit picks its own count from its size (:func:`fit_threads`)."""
    if n_jobs <= 1:
        yield
        return
    import torch

    # a budget: the fits inside (threads of this process) leave the count as set here
    with thread_budget(torch.get_num_threads() // n_jobs):
        yield
