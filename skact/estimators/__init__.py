"""The scikit-learn estimators: parameters, validation, fitted attributes, documentation.

Layer 3 (above the training engine). Each public estimator is here; ``from skact import
MLPClassifier`` is the way to import them.

- :mod:`~skact.estimators.base`: the shared ``fit``/``predict`` mechanics.
- :mod:`~skact.estimators.classifier`, :mod:`~skact.estimators.regressor`: the task halves.
- :mod:`~skact.estimators.mlp`, :mod:`~skact.estimators.cnn`,
  :mod:`~skact.estimators.tabular`: the public estimators.
- :mod:`~skact.estimators.validation`: parameter checks, building the fit plan.
- :mod:`~skact.estimators.sklearn_compat`: scikit-learn's MLP attributes on torch weights.
- :mod:`~skact.estimators.state`: what a fitted estimator pickles.
- :mod:`~skact.estimators.docs`: the shared numpydoc parameter texts.
"""
