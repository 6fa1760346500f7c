"""Tune the activation and the layer sizes like any scikit-learn hyperparameter.

StandardScaler + skact's MLPClassifier in a pipeline, searched with
GridSearchCV on the breast-cancer data; prints the score of every activation
and the best combination. Run: python examples/pipeline_gridsearch.py
"""

import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skact import MLPClassifier


def main():
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X.astype(np.float32), y, stratify=y, random_state=0
    )
    pipe = make_pipeline(
        StandardScaler(),
        MLPClassifier(random_state=0),
    )
    grid = {
        "mlpclassifier__activation": ["relu", "leaky_relu", "tanh", "gelu"],
        "mlpclassifier__hidden_layer_sizes": [(32,), (64, 32)],
    }
    warnings.simplefilter("ignore", ConvergenceWarning)
    search = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X_train, y_train)

    results = search.cv_results_
    print(f"{'activation':<12}{'layers':<10}{'cv accuracy':>12}")
    for params, mean, std in zip(results["params"], results["mean_test_score"],
                                 results["std_test_score"]):
        layers = "-".join(map(str, params["mlpclassifier__hidden_layer_sizes"]))
        print(f"{params['mlpclassifier__activation']:<12}{layers:<10}{mean:>8.3f} ± {std:.3f}")
    print("best:", search.best_params_)
    print(f"held-out accuracy of the refitted best pipeline: {search.score(X_test, y_test):.3f}")


if __name__ == "__main__":
    main()
