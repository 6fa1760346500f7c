"""Regression for the estimators: float targets, target scaling, the R² used for early stopping.

:class:`RegressorTask` holds what ``skact.estimators.base.RegressorNet`` adds to the
shared fit/predict machinery of ``BaseNeuralNet``: the task hooks that machinery
calls (``_encode_targets``, ``_validation_scorer``, ``_stratify_validation``) and
the public ``fit``/``partial_fit``/``predict`` methods. It is a mixin:
``skact.estimators.base`` combines it with ``BaseNeuralNet`` as ``RegressorNet``, so this
module never imports ``skact.estimators.base`` (no import cycle).
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.metaestimators import available_if

from skact.estimators.refit import fit_then_refit
from skact.estimators.validation import _invalid, _stochastic_solver

__all__ = ["RegressorTask"]

#: a validation R²'s denominator at or below this share of sum(w * y²) is rounding, not
#: variance (float64's epsilon, times the few dozen additions of a small held-out set)
_ROUNDING = 64 * np.finfo(np.float64).eps


class RegressorTask:
    """Regression: float targets, one output per target column."""

    _is_classifier_net = False
    _out_activation = "identity"

    def _encode_targets(self, y, sample_weight, *, first_pass, incremental, classes):
        loss = self.loss
        if not isinstance(loss, str) or loss not in ("squared_error", "poisson"):
            raise _invalid(self, "loss", "one of 'squared_error', 'poisson'", loss)
        if self.target_scaling not in (None, "standard"):  # checked on every path
            raise ValueError(
                f"target_scaling must be None (train on y in its own units) or 'standard' "
                f"(train on (y - mean) / std), got {self.target_scaling!r}."
            )
        self._loss_kind = loss
        self._out_activation = "exp" if loss == "poisson" else "identity"
        y = np.asarray(y, dtype=np.float64)
        if loss == "poisson" and np.any(y < 0):
            raise ValueError(
                "Some value(s) of y are negative which is not allowed for Poisson regression."
            )
        y = y.reshape(-1, 1) if y.ndim == 1 else y
        if not first_pass and y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} target columns, but {type(self).__name__} was fitted "
                f"with {self.n_outputs_}."
            )
        if first_pass:
            self._y_mean, self._y_scale = self._target_scaling(y, sample_weight, incremental)
        # the scale chosen by the first fit (0 and 1 in the user's units), also for the
        # partial_fits after it, whatever target_scaling says now
        return (y - self._y_mean) / self._y_scale, sample_weight

    def _target_scaling(self, y, sample_weight, incremental):
        """Per-output (weighted) mean and std for squared error; identity for Poisson.

        Raw targets in the hundreds make the default network (Adam at lr 1e-3,
        200 epochs) fit badly: Adam moves each weight by about the learning rate
        per step, so an output bias needs ~mean/lr steps to reach the targets'
        mean (150,000 for load_diabetes). Two remedies, by ``target_scaling``:

        - 'standard' (the CNN and Tabular estimators' default): training on
          ``(y - mean) / std`` and mapping predictions back. Adam is blind to the
          loss's scale but not to the weights' scale: the output weights this
          needs are ``std`` times smaller than on the user's targets, so the same
          ``learning_rate_init`` moves the output ``std`` times faster, relative to
          the targets, than scikit-learn's MLP (and ``alpha``, ``tol`` and
          ``loss_`` change meaning by ``1/std**2``);
        - None (the drop-in MLPRegressor's default) keeps scikit-learn's problem
          exactly (the user's units, so every parameter means what it means
          there) and only starts the output bias at the (weighted) mean, which
          needs no rescaling (returned here as mean 0, scale 1; see
          ``_initial_output_bias``).

        ``partial_fit`` sees one batch first, too little to estimate from, so it
        trains on the raw targets from a zero bias, as scikit-learn does.
        """
        zeros, ones = np.zeros(y.shape[1]), np.ones(y.shape[1])
        if self._loss_kind == "poisson" or incremental or self.target_scaling is None:
            return zeros, ones  # None: the output bias starts at the mean instead
        mean = np.average(y, axis=0, weights=sample_weight)
        scale = np.sqrt(np.average((y - mean) ** 2, axis=0, weights=sample_weight))
        scale[~(scale > np.finfo(np.float64).eps * np.maximum(1.0, np.abs(mean)))] = 1.0
        return mean, scale

    def _initial_output_bias(self, y_train, sample_weight):
        """The output layer's starting biases for a new fit: the (weighted) mean of the
        targets it trains on when they are in the user's units (``target_scaling=None``);
        ``None`` (zeros) for standardised targets, whose mean is 0, and for Poisson."""
        if self._loss_kind == "poisson" or self.target_scaling is not None:
            return None
        return np.average(y_train, axis=0, weights=sample_weight)

    def _stratify_validation(self, y):
        return False

    def _validation_scorer(self, X_val, y_val, w_val):
        """R² on the held-out rows (averaged over outputs), computed on the device."""
        import torch

        poisson = self._loss_kind == "poisson"

        def score(module):
            was_training = module.training
            module.eval()
            with torch.inference_mode():
                pred = module(X_val)
                if poisson:
                    pred = torch.exp(pred)
                w = torch.ones_like(y_val[:, 0]) if w_val is None else w_val
                w = w[:, None]
                mean = (w * y_val).sum(0) / w.sum()
                num = (w * (y_val - pred) ** 2).sum(0)
                den = (w * (y_val - mean) ** 2).sum(0)
                # held-out targets that are all equal leave only rounding in ``den``: no
                # variance to explain (as scikit-learn's r2_score scores an exact zero)
                den = torch.where(den > _ROUNDING * (w * y_val**2).sum(0), den, 0)
                r2 = torch.where(den > 0, 1 - num / torch.where(den > 0, den, 1),
                                 (num == 0).to(num.dtype))
            module.train(was_training)
            return float(r2.mean())

        return score

    def fit(self, X, y, sample_weight=None, callbacks=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data. float32 input trains in float32 (faster); anything
            else in float64.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; weight 2 is the same as repeating a row.
        callbacks : list of skorch Callback, default=None
            Extra skorch callbacks for this fit only (e.g. a pruning callback
            bound to an Optuna trial).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return fit_then_refit(self, X, y, sample_weight, callbacks)  # refit_on_all_rows

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with a single epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predict using the trained model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values (1-D when there is one target).
        """
        pred = self._raw_predict(X)
        if self._loss_kind == "poisson":
            pred = np.exp(pred)
        else:
            pred = (pred * self._y_scale + self._y_mean).astype(pred.dtype, copy=False)
        return pred.ravel() if pred.shape[1] == 1 else pred
