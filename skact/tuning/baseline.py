"""Whether a tuned model beats a constant prediction: the check behind tune's and compare's
"no better than a constant" warning.

A score means little on its own: 0.45 balanced accuracy is chance on two classes and good
on ten, an R² of -0.75 is worse than predicting the mean. :func:`constant_baseline`
scores scikit-learn's ``DummyClassifier(strategy="prior")`` / ``DummyRegressor()`` with the
same scorer and folds as the search (so it works for every scorer, not only R² and
accuracy), and :func:`constant_warning` says plainly when the best model is no better,
with what to try.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from skact.exceptions import Message, param

__all__ = ["Baseline", "constant_baseline", "constant_warning"]


@dataclass(frozen=True)
class Baseline:
    """The cross-validated score of a constant prediction."""

    score: float
    #: What the constant is, for messages: "the class frequencies" or "the mean".
    predicts: str


def constant_baseline(X, y, task: str, cv, scoring: str) -> Baseline | None:
    """Score a constant prediction with ``scoring`` under ``cv`` (``None`` if the scorer
    cannot score one, e.g. a scorer that needs two predicted classes)."""
    import numpy as np
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.model_selection import cross_val_score

    if task == "classification":
        model, predicts = DummyClassifier(strategy="prior"), "the class frequencies"
    else:
        model, predicts = DummyRegressor(), "the mean"
    try:
        scores = cross_val_score(model, X, y, cv=cv, scoring=scoring, error_score="raise")
    except (ValueError, TypeError):
        return None
    score = float(np.mean(scores))
    return Baseline(score, predicts) if np.isfinite(score) else None


def constant_warning(best_score, best_std, baseline: Baseline | None, scoring: str,
                     n_rows: int, what: str = "The best model") -> str | None:
    """The warning to show when ``best_score`` is no better than the baseline beyond fold
    noise (within one standard deviation across folds), else ``None``."""
    if baseline is None or best_score is None:
        return None
    margin = best_std if best_std is not None and math.isfinite(best_std) else 0.0
    if best_score > baseline.score + margin:
        return None
    tips = Message("check that ", param("target"), " names the column to predict; try more ",
                   param("max_epochs"), " and ", param("n_trials"))
    if n_rows < 100:
        tips += f"; with {n_rows} rows, a linear model or gradient-boosted trees may do better"
    return (
        f"{what} scores {scoring} {best_score:.4f}, no better than predicting {baseline.predicts} "
        f"({baseline.score:.4f}): the features may not carry the target's signal, or the "
        "networks did not learn it. Do not use this model as it is; " + tips + "."
    )
