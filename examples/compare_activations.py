"""Compare activation functions on the same network and data.

Trains one MLP per activation (same layers, seed, optimiser and epochs) on
scikit-learn's digits and prints a table of held-out accuracy and training
time. Run: python examples/compare_activations.py
"""

import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skact import MLPClassifier

ACTIVATIONS = ["relu", "leaky_relu", "tanh", "sigmoid", "elu", "selu", "gelu", "silu", "mish"]


def main():
    X, y = load_digits(return_X_y=True)
    # float32 trains about twice as fast as float64
    X_train, X_test, y_train, y_test = train_test_split(
        X.astype(np.float32), y, test_size=0.25, stratify=y, random_state=0
    )
    print(f"{'activation':<12}{'accuracy':>10}{'fit time':>10}{'epochs':>8}")
    for activation in ACTIVATIONS:
        model = make_pipeline(
            StandardScaler(),
            MLPClassifier((128, 64), activation, max_iter=60, random_state=0),
        )
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, y_train)
        elapsed = time.perf_counter() - start
        accuracy = model.score(X_test, y_test)
        print(f"{activation:<12}{accuracy:>10.3f}{elapsed:>9.1f}s{model[-1].n_iter_:>8}")


if __name__ == "__main__":
    main()
