"""Paired statistics over data sets: is model A better than model B, beyond the noise?

Job: for two models scored on the same sets, the mean of the per-set differences with a 95%
t-interval over sets, the wins, losses and ties, and a two-sided sign test; and the Markdown
table that shows them for the development and the validation half side by side, with the gap
between the halves. Within one set, :func:`fold_interval` asks the same of two models' scores
on the same folds (the broad benchmark's flags carry it).

Reason: issue 29. Recipe changes were kept for mean gains below 0.02 that their own notes
called RNG noise. Over sets, a difference counts when its interval excludes zero; the sign test
asks the same without trusting the size of any one set's difference (a single R² of -5 on a
20-row set moves a mean, not a sign).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

TIE = 1e-9  # differences smaller than this are ties (identical predictions)


@dataclass(frozen=True)
class Paired:
    """A against B over ``n`` sets: ``diff`` = mean(A - B), ``low``/``high`` its interval."""

    n: int
    mean_a: float
    mean_b: float
    diff: float
    low: float
    high: float
    wins: int
    losses: int
    ties: int
    p_sign: float

    def text(self):
        """``+0.0123 [-0.0040, +0.0286] 9/4/1 p=0.27`` (wins/losses/ties)."""
        interval = (f" [{self.low:+.4f}, {self.high:+.4f}]" if math.isfinite(self.low)
                    else " [n/a]")
        return (f"{self.diff:+.4f}{interval} {self.wins}/{self.losses}/{self.ties} "
                f"p={self.p_sign:.2g}")


def t_interval(diffs, confidence=0.95):
    """(low, high) of the mean of ``diffs``: Student's t over sets (NaNs when n < 2)."""
    from scipy import stats

    n = len(diffs)
    if n < 2:
        return math.nan, math.nan
    mean = statistics.fmean(diffs)
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * statistics.stdev(diffs) / math.sqrt(n)
    return mean - half, mean + half


def fold_interval(diffs, folds_per_seed, confidence=0.95):
    """(low, high) of the mean of per-fold differences between two models scored on the same
    folds of ``folds_per_seed``-fold CV, repeated over seeds: Nadeau and Bengio's corrected
    resampled t-test (Machine Learning 52, 2003). The folds share training rows, so their
    differences are correlated and the plain variance over folds understates the mean's; it
    is taken as (1 / folds + test rows / training rows) times the folds' variance, not
    1 / folds times it. NaNs for fewer than two folds."""
    from scipy import stats

    n = len(diffs)
    if n < 2 or folds_per_seed < 2:
        return math.nan, math.nan
    mean = statistics.fmean(diffs)
    scale = math.sqrt((1 / n + 1 / (folds_per_seed - 1)) * statistics.variance(diffs))
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * scale
    return mean - half, mean + half


def sign_test(wins, losses):
    """Two-sided sign test p-value: exact binomial over the sets that are not ties."""
    from scipy import stats

    if wins + losses == 0:
        return 1.0
    return float(stats.binomtest(wins, wins + losses, 0.5).pvalue)


def paired(a, b, confidence=0.95):
    """:class:`Paired` for two equally long sequences of per-set scores."""
    if len(a) != len(b) or not a:
        raise ValueError(f"need the same sets for both models, got {len(a)} and {len(b)}")
    diffs = [x - y for x, y in zip(a, b)]
    wins = sum(d > TIE for d in diffs)
    losses = sum(d < -TIE for d in diffs)
    low, high = t_interval(diffs, confidence)
    return Paired(len(diffs), statistics.fmean(a), statistics.fmean(b), statistics.fmean(diffs),
                  low, high, wins, losses, len(diffs) - wins - losses,
                  sign_test(wins, losses))


def halves_table(scores, model, others, labels):
    """Markdown: ``model`` against each of ``others``, one column per half and the gap.

    ``scores[half][name]`` is the list of per-set scores of model ``name`` in that half (the
    same sets in the same order for every model; a third group, such as the fresh sets, gets
    a column too). The gap is validation minus development (the last half minus the first
    where those two are not named): a change that only learned the development sets shows
    as a negative gap.
    """
    halves = list(scores)
    head = ("| " + labels[model] + " against | "
            + " | ".join(f"{h} (n={len(scores[h][model])}): mean diff [95% CI] W/L/T sign p"
                         for h in halves) + " | gap |")
    lines = [head, "|" + "---|" * (len(halves) + 2)]
    named = {"development", "validation"} <= set(halves)
    first, last = ("development", "validation") if named else (halves[0], halves[-1])
    for other in others:
        results = {h: paired(scores[h][model], scores[h][other]) for h in halves}
        gap = (f"{results[last].diff - results[first].diff:+.4f}" if len(results) > 1
               else "n/a")
        lines.append(f"| {labels[other]} | " + " | ".join(r.text() for r in results.values())
                     + f" | {gap} |")
    means = " | ".join(", ".join(f"{labels[m]} {statistics.fmean(scores[h][m]):.4f}"
                                 for m in (model, *others)) for h in halves)
    lines.append(f"| mean scores | {means} | |")
    return "\n".join(lines)
