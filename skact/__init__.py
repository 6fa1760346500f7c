"""skact: scikit-learn neural-network estimators where the activation is a hyperparameter.

>>> from skact import MLPClassifier
>>> MLPClassifier(activation="gelu")
MLPClassifier(activation='gelu')

The estimators are imported on first use, and torch only when a model is
built, so ``import skact`` stays cheap.
"""

from importlib import import_module

__version__ = "0.1.0"

_LAZY = {
    "MLPClassifier": "skact.estimators.mlp",
    "MLPRegressor": "skact.estimators.mlp",
    "CNNClassifier": "skact.estimators.cnn",
    "CNNRegressor": "skact.estimators.cnn",
    "TabularMLPClassifier": "skact.estimators.tabular",
    "TabularMLPRegressor": "skact.estimators.tabular",
    "TrainingDivergedWarning": "skact.estimators.base",
    "save": "skact.model_files",
    "load": "skact.model_files",
}

__all__ = ["CNNClassifier", "CNNRegressor", "MLPClassifier", "MLPRegressor",
           "TabularMLPClassifier", "TabularMLPRegressor", "TrainingDivergedWarning",
           "__version__", "activations", "load", "save"]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name == "activations":
        return import_module("skact.activations")
    raise AttributeError(f"module 'skact' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
