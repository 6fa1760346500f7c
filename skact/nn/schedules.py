"""Learning-rate schedules over a whole fit: the factor applied to ``learning_rate_init``.

A schedule is a function of ``t``, the fraction of the fit's optimizer steps already taken
(0 at the first step, 1 after the last), returning a factor in [0, 1]. The estimators'
``lr_schedule`` names one of :data:`SCHEDULES`; ``warmup_fraction`` ramps the factor up
linearly over the first part of the steps (so Adam's early, poorly estimated moments cannot
throw the weights far). The factor is set on the optimizer before every step, which costs a
few float operations per batch.

Examples
--------
>>> from skact.nn.schedules import factor
>>> factor("cosine", 0.5)
0.5
>>> factor("flat_cosine", 0.25), factor("flat_cosine", 1.0)
(1.0, 0.0)
>>> round(factor("cosine", 0.05, warmup_fraction=0.1), 3)
0.497
>>> round(end_of_cycle("cosine_cycles", 0.1), 3), end_of_cycle("cosine", 0.1)
(0.2, 1.0)
"""

from __future__ import annotations

import math

__all__ = ["SCHEDULES", "end_of_cycle", "factor"]


def _constant(t):
    return 1.0


def _cosine(t):
    return 0.5 * (1.0 + math.cos(math.pi * t))


def _flat_cosine(t):
    # full rate for the first half, then a cosine decay to zero
    return 1.0 if t < 0.5 else _cosine(2.0 * t - 1.0)


_CYCLES = 4


def _cosine_cycles(t):
    # Four cosine cycles that grow longer (evenly spaced in log2(1 + 15 t)): each restart
    # lets the weights leave a sharp minimum, and the last, longest cycle ends at zero.
    # This is RealMLP's "coslog4" schedule; it starts at zero, so it needs no warm-up.
    return 0.5 * (1.0 - math.cos(2.0 * math.pi * math.log2(1.0 + (2**_CYCLES - 1) * t)))


SCHEDULES = {
    "constant": _constant,
    "cosine": _cosine,
    "flat_cosine": _flat_cosine,
    "cosine_cycles": _cosine_cycles,
}


def factor(schedule: str, t: float, warmup_fraction: float = 0.0) -> float:
    """The learning-rate factor of ``schedule`` at progress ``t`` (clipped to [0, 1])."""
    t = min(max(t, 0.0), 1.0)
    value = SCHEDULES[schedule](t)
    if warmup_fraction > 0 and t < warmup_fraction:
        value *= t / warmup_fraction
    return value


def end_of_cycle(schedule: str, t: float) -> float:
    """Where the learning-rate cycle holding progress ``t`` ends, as a fraction of the
    schedule: for ``cosine_cycles`` the next restart (cycle k ends at (2^k - 1) / 15), for
    the schedules without restarts the end. A second fit that should stop where the first
    fit's best epoch lay (``refit_on_all_rows``) stops there, at a low rate."""
    if schedule != "cosine_cycles":
        return 1.0
    cycle = math.floor(math.log2(1.0 + (2**_CYCLES - 1) * min(max(t, 0.0), 1.0))) + 1
    return min((2**cycle - 1) / (2**_CYCLES - 1), 1.0)
