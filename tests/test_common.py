"""scikit-learn's estimator checks over every public estimator, with its default arguments.

Every estimator x the seed-set activations runs the full ``check_estimator`` suite as a
user constructs it (only ``activation`` set). The drop-in MLPs pass everything. The Tabular
and CNN estimators fail exactly one kind of check at their defaults,
``check_sample_weight_equivalence_*``: their dropout masks, their random held-out split
(Tabular) and batch statistics (CNN) depend on how many rows there are, so a weight of 2
cannot equal a repeated row. As scikit-learn does for its own MLPs (it runs this check
with ``solver='lbfgs'``), those checks run again on the same estimator with only those
parts switched off, and must pass there.
"""

import pytest
from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_dense_data,
    check_sample_weight_equivalence_on_sparse_data,
    parametrize_with_checks,
)

from skact import (
    CNNClassifier,
    CNNRegressor,
    MLPClassifier,
    MLPRegressor,
    TabularMLPClassifier,
    TabularMLPRegressor,
)

# the checks train default-sized networks on a few dozen rows for a few seconds: not
# converging there is expected, and says nothing about the checks
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ACTIVATIONS = ("relu", "tanh", "leaky_relu")
CLASSES = (MLPClassifier, MLPRegressor, CNNClassifier, CNNRegressor, TabularMLPClassifier,
           TabularMLPRegressor)
ESTIMATORS = [cls(activation=activation) for cls in CLASSES for activation in ACTIVATIONS]

#: what, per estimator family, makes a weight of 2 differ from a repeated row
ROW_COUNT_DEPENDENT = {
    "Tab": ("dropout masks (and the regressor's random early-stopping split) depend on the "
            "number of rows",
            {"dropout": 0.0, "early_stopping": False}),
    "CNN": ("dropout masks and batch-norm statistics depend on the number of rows",
            {"dropout": 0.0, "batch_norm": False}),
}
SAMPLE_WEIGHT_CHECKS = (check_sample_weight_equivalence_on_dense_data,
                        check_sample_weight_equivalence_on_sparse_data)


def expected_failed_checks(estimator):
    found = ROW_COUNT_DEPENDENT.get(type(estimator).__name__[:3])
    if found is None:  # the drop-in MLPs: no expected failures
        return {}
    return {check.__name__: found[0] for check in SAMPLE_WEIGHT_CHECKS}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("cls", [c for c in CLASSES if c.__name__[:3] in ROW_COUNT_DEPENDENT])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_sample_weights_equal_repeated_rows_without_the_row_count_dependent_parts(
        cls, activation):
    _, switched_off = ROW_COUNT_DEPENDENT[cls.__name__[:3]]
    estimator = cls(activation=activation, **switched_off)
    for check in SAMPLE_WEIGHT_CHECKS:
        if check is check_sample_weight_equivalence_on_sparse_data and cls.__name__[:3] == "CNN":
            continue  # the CNNs take dense input only (their tags say so; the suite skips it)
        check(cls.__name__, estimator)


def test_the_drop_in_mlps_expect_no_failures():
    assert all(expected_failed_checks(cls()) == {} for cls in (MLPClassifier, MLPRegressor))


@pytest.mark.parametrize("cls", CLASSES)
def test_no_poor_score_tag(cls):
    tags = cls().__sklearn_tags__()
    task_tags = tags.classifier_tags or tags.regressor_tags
    poor = task_tags.poor_score
    assert poor is False
