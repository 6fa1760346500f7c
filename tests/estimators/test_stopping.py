"""The drop-in MLPs stop as scikit-learn's MLP does: on the same training losses, the same
no-improvement count after every epoch, the same best loss, and the same stopping epoch.

Why it matters: the README's quick start printed a ConvergenceWarning for each of its 21
fits. That was not skact stopping later than scikit-learn: on breast cancer, both MLPs are
still improving by more than ``tol`` per epoch at ``max_iter=200`` (scikit-learn's own MLP
warns in 19 of the 21 fits of the same search), so the example now gives ``max_iter=1000``.
The rule is checked here on fixed loss sequences against scikit-learn's own method.
"""

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier as SklearnMLP

from skact.engine.training import ConvergenceMonitor

LOSSES = {
    # falls, then creeps down by less than tol, with one small gain above tol in between
    "plateau": [0.7, 0.5, 0.4, 0.35, 0.34995, 0.3499, 0.34985, 0.3496, 0.34955, 0.3495,
                0.34945, 0.3494, 0.34935, 0.3493, 0.34925, 0.3492, 0.34915, 0.3491],
    # gets worse, then recovers past its best: the count restarts only on a real gain
    "bump": [0.5, 0.4, 0.45, 0.5, 0.41, 0.40005, 0.39, 0.3901, 0.395, 0.3899, 0.3898,
             0.38979, 0.38978, 0.38977, 0.38976, 0.38975, 0.38974, 0.38973],
}


def _sklearn_counts(losses, tol, n_iter_no_change):
    mlp = SklearnMLP(tol=tol, n_iter_no_change=n_iter_no_change)
    mlp.loss_curve_, mlp.best_loss_, mlp._no_improvement_count = [], np.inf, 0
    seen = []
    for loss in losses:
        mlp.loss_curve_.append(loss)
        mlp._update_no_improvement_count(False, None, None, None)
        seen.append((mlp._no_improvement_count, mlp.best_loss_))
        if mlp._no_improvement_count > mlp.n_iter_no_change:  # scikit-learn's stopping test
            break
    return seen


def _skact_counts(losses, tol, n_iter_no_change):
    monitor = ConvergenceMonitor(tol=tol, n_iter_no_change=n_iter_no_change,
                                 early_stopping=False, learning_rate="constant",
                                 learning_rate_init=0.001, power_t=0.5, solver="adam")
    seen = []
    for loss in losses:
        monitor.loss_curve_.append(loss)
        monitor._update_no_improvement_count(None, {})
        seen.append((monitor.no_improvement_count_, monitor.best_loss_))
        if monitor.no_improvement_count_ > monitor.n_iter_no_change:  # what on_epoch_end tests
            break
    return seen


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("tol, n_iter_no_change", [(1e-4, 10), (1e-4, 3), (1e-3, 2)])
def test_the_stopping_rule_is_scikit_learns(name, tol, n_iter_no_change):
    losses = LOSSES[name]
    expected = _sklearn_counts(losses, tol, n_iter_no_change)
    assert _skact_counts(losses, tol, n_iter_no_change) == expected
    assert max(count for count, _ in expected) > 1  # the sequences do exercise the rule
