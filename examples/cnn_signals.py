"""CNNClassifier on images and on 1-D signals.

1. scikit-learn's digits as 8x8 images (``input_shape=(1, 8, 8)``).
2. A synthetic 1-D signal task: noisy traces that contain a short pulse of
   one of three shapes at a random position; a CNN finds the shape wherever it
   is, and an MLP on the same rows is shown for comparison.
Run: python examples/cnn_signals.py
"""

import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skact import CNNClassifier, MLPClassifier


def pulses(n_samples=1500, length=64, seed=0):
    """Noisy signals with a square, triangle or sine pulse at a random position."""
    rng = np.random.RandomState(seed)
    t = np.linspace(0, 1, 12)
    shapes = [np.ones(12), 1 - np.abs(2 * t - 1), np.sin(2 * np.pi * t)]
    X = rng.normal(scale=0.3, size=(n_samples, length)).astype(np.float32)
    y = rng.randint(0, 3, size=n_samples)
    for row, label in zip(X, y):
        start = rng.randint(0, length - 12)
        row[start:start + 12] += shapes[label]
    return X, y


def main():
    warnings.simplefilter("ignore", ConvergenceWarning)

    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    cnn = CNNClassifier(input_shape=(1, 8, 8), max_iter=60, random_state=0)
    accuracy = cnn.fit(X_train, y_train).score(X_test, y_test)
    print(f"digits as 8x8 images, CNN accuracy: {accuracy:.3f}")

    X, y = pulses()
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    cnn = CNNClassifier(max_iter=40, random_state=0).fit(X_train, y_train)
    mlp = MLPClassifier(max_iter=40, random_state=0).fit(X_train, y_train)
    print(f"1-D pulses, CNN accuracy: {cnn.score(X_test, y_test):.3f}   "
          f"MLP accuracy: {mlp.score(X_test, y_test):.3f}")


if __name__ == "__main__":
    main()
