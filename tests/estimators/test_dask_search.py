"""scikit-learn's searches on a cluster: ``GridSearchCV(n_jobs=-1)`` over skact estimators
under ``joblib.parallel_config(backend="dask")``, on a real ``dask.distributed.LocalCluster``
of two worker processes (each with its own torch; estimators and fitted models travel between
processes by pickle). The result equals the serial search's: skact seeds every fit from
``random_state``, whatever process runs it.
"""

import joblib
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skact import MLPClassifier

distributed = pytest.importorskip("dask.distributed")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_grid_search_on_a_dask_cluster_equals_the_serial_search():
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    pipe = make_pipeline(StandardScaler(), MLPClassifier((4,), max_iter=8, random_state=0))
    grid = {"mlpclassifier__activation": ["relu", "tanh"],
            "mlpclassifier__learning_rate_init": [0.001, 0.01]}
    serial = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client, \
            distributed.get_task_stream(client) as tasks, \
            joblib.parallel_config(backend="dask"):
        search = GridSearchCV(pipe, grid, cv=2, n_jobs=-1).fit(X, y)
    # the fits ran as tasks in the worker processes, not in this one
    assert tasks.data and all(task["worker"].startswith("tcp://") for task in tasks.data)
    assert search.best_params_ == serial.best_params_
    for key in ("mean_test_score", "std_test_score", "split0_test_score", "split1_test_score"):
        np.testing.assert_array_equal(search.cv_results_[key], serial.cv_results_[key])
    np.testing.assert_array_equal(search.predict_proba(X), serial.predict_proba(X))
