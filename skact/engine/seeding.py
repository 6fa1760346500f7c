"""Seeded blocks on torch's process-wide random generator, safe across threads.

torch's default generator is shared by the whole process. Every change to it
(seeding, restoring, drawing initial weights) happens under one lock, so the
initial weights are a function of the seed alone even when fits run in
parallel threads (Optuna's n_jobs, a threading joblib backend). torch is
imported inside :func:`_seeded`, so importing this is cheap.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

_RNG_LOCK = threading.RLock()


@contextmanager
def _seeded(seed, device):
    """Seed torch for the block, then restore the caller's generator state.

    Dropout draws from a generator of its own (see ``SeededDropout``); other
    random modules (``rrelu``, custom ones) use torch's default generator, so
    with fits in parallel threads only they are not bit-for-bit reproducible.
    """
    import torch

    cuda = device.startswith("cuda")
    with _RNG_LOCK:
        saved = torch.get_rng_state()
        saved_cuda = torch.cuda.get_rng_state(device) if cuda else None
        # the CPU generator only: torch.manual_seed also queues seeds for every lazy
        # accelerator backend, which formats a stack trace each (~0.3 ms a call)
        torch.default_generator.manual_seed(seed)
        if cuda:
            torch.cuda.manual_seed_all(seed)
    try:
        yield
    finally:
        with _RNG_LOCK:
            torch.set_rng_state(saved)
            if cuda:
                torch.cuda.set_rng_state(saved_cuda, device)

