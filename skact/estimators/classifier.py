"""Classification for the estimators: labels in and out, class weights, probabilities.

:class:`ClassifierTask` holds what ``skact.estimators.base.ClassifierNet`` adds to the
shared fit/predict machinery of ``BaseNeuralNet``: the task hooks that machinery
calls (``_encode_targets``, ``_validation_scorer``, ``_stratify_validation``) and
the public ``fit``/``partial_fit``/``predict*`` methods. It is a mixin:
``skact.estimators.base`` combines it with ``BaseNeuralNet`` as ``ClassifierNet``, so this
module never imports ``skact.estimators.base`` (no import cycle).
"""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import column_or_1d

from skact.estimators.refit import fit_then_refit
from skact.estimators.validation import _invalid, _stochastic_solver

__all__ = ["ClassifierTask"]


# Class frequencies the initial output biases are computed from are clipped to [1%, 99%]:
# the start leans towards the majority by at most log(99) = 4.6 logits, which the data can
# overturn within a few epochs (at 1e-6, a small CNN on unscaled inputs never did).
_PRIOR_CLIP = 1e-2


def _prior_logits(encoded, sample_weight, kind, n_classes):
    """The output biases of the best constant model: log (weighted) class frequencies.

    The network starts from the class balance it is trained on (with ``class_weight``,
    the reweighted one) instead of from uniform logits, which a heavy weighting
    (1000:1) takes many epochs to move away from; balanced classes give zeros, as
    before. ``None`` when there is no weight to count.
    """
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if kind == "cross_entropy":
        freq = np.bincount(encoded, weights=weights, minlength=n_classes)
        if not freq.sum() > 0:
            return None
        logits = np.log(np.clip(freq / freq.sum(), _PRIOR_CLIP, None))
        return logits - logits.mean()
    if weights is not None and not weights.sum() > 0:
        return None
    p = np.clip(np.average(encoded, axis=0, weights=weights), _PRIOR_CLIP, 1 - _PRIOR_CLIP)
    return np.log(p / (1 - p))


class ClassifierTask:
    """Classification: label encoding, probabilities, ``classes_``."""

    _is_classifier_net = True

    def _encode_targets(self, y, sample_weight, *, first_pass, incremental, classes):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if first_pass and not incremental:
            binarizer = LabelBinarizer().fit(y)
        elif incremental and not hasattr(self, "classes_"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            binarizer = LabelBinarizer().fit(y if y.ndim == 2 else classes)
            self._check_labels_known(y, binarizer.classes_)
        else:
            binarizer = self._label_binarizer
            if incremental and classes is not None and not np.array_equal(
                np.unique(classes), binarizer.classes_
            ):
                raise ValueError(
                    f"`classes={list(classes)!r}` is not the same as on the first call to "
                    f"partial_fit ({binarizer.classes_.tolist()!r})."
                )
            if self.warm_start and not incremental:
                seen = unique_labels(y)
                if set(seen) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as in "
                        f"the previous call to fit. Previously got {self.classes_}, `y` has "
                        f"{seen}"
                    )
            else:
                self._check_labels_known(y, binarizer.classes_)
        # one class in y: scikit-learn's MLP fits it (one logistic output trained towards
        # "not this class") and predicts that class for every row; so does skact
        self._label_binarizer = binarizer
        self.classes_ = binarizer.classes_
        if binarizer.y_type_ == "multiclass":
            self._loss_kind, self._out_activation = "cross_entropy", "softmax"
            encoded = np.searchsorted(self.classes_, y).astype(np.int64)
        else:
            self._loss_kind, self._out_activation = "binary", "logistic"
            encoded = self._encode_binary(y)
        if self.class_weight is not None:
            weights = self._class_weights(y)
            sample_weight = weights if sample_weight is None else sample_weight * weights
        return encoded, sample_weight

    def _initial_output_bias(self, y_train, sample_weight):
        """The output layer's starting biases for a new fit: see :func:`_prior_logits`."""
        return _prior_logits(y_train, sample_weight, self._loss_kind, len(self.classes_))

    def _encode_binary(self, y):
        """0/1 targets, one column per logistic output (LabelBinarizer's encoding)."""
        if self._label_binarizer.y_type_ == "binary" and y.ndim == 1:
            # LabelBinarizer.transform costs ~4 ms per fit here for what one comparison does
            if len(self.classes_) == 1:
                return np.zeros((y.shape[0], 1))
            return (y == self.classes_[1]).astype(np.float64)[:, None]
        return self._label_binarizer.transform(y).astype(np.float64)

    @staticmethod
    def _check_labels_known(y, classes):
        if y.ndim == 2:
            return
        seen = unique_labels(y)
        if np.setdiff1d(seen, classes).size:
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has {classes}. "
                f"'y' has {seen}."
            )

    def _class_weights(self, y):
        cw = self.class_weight
        if not (isinstance(cw, dict) or cw == "balanced"):
            raise _invalid(self, "class_weight", "None, 'balanced' or a dict {class: weight}",
                           cw)
        if isinstance(cw, dict):
            unknown = [c for c in cw if c not in set(self.classes_.tolist())]
            if unknown:
                raise ValueError(
                    f"class_weight has classes {unknown!r} that are not in y; the classes "
                    f"are {self.classes_.tolist()!r}."
                )
        return compute_sample_weight(cw, y)

    def _stratify_validation(self, y):
        return self._label_binarizer.y_type_ != "multilabel-indicator"

    def _validation_scorer(self, X_val, y_val, w_val):
        """Accuracy on the held-out rows, computed on the device (subset accuracy if multilabel)."""
        import torch

        kind = self._loss_kind

        def score(module):
            was_training = module.training
            module.eval()
            with torch.inference_mode():
                raw = module(X_val)
                if kind == "cross_entropy":
                    hit = raw.argmax(1) == y_val
                else:
                    hit = ((raw > 0) == (y_val > 0.5)).all(1)
                hit = hit.to(raw.dtype)
                acc = hit.mean() if w_val is None else (hit * w_val).sum() / w_val.sum()
            module.train(was_training)
            return float(acc)

        return score

    def fit(self, X, y, sample_weight=None, callbacks=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data. float32 input trains in float32 (faster); anything
            else in float64.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels (any type: strings round-trip through ``classes_``),
            or a binary indicator matrix for multilabel classification.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; weight 2 is the same as repeating a row.
        callbacks : list of skorch Callback, default=None
            Extra skorch callbacks for this fit only (e.g. a pruning callback
            bound to an Optuna trial). They are not stored as parameters, so
            ``clone`` never copies them.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return fit_then_refit(self, X, y, sample_weight, callbacks)  # refit_on_all_rows

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with a single epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            The target labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.
        classes : array of shape (n_classes,), default=None
            All classes that will ever appear. Required on the first call,
            ignored afterwards.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def predict_proba(self, X):
        """Probability estimates, one column per class in ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            For multilabel y, the independent probability of each label.
        """
        raw = self._raw_predict(X)
        if self._loss_kind == "cross_entropy":
            raw = raw - raw.max(axis=1, keepdims=True)
            np.exp(raw, out=raw)
            raw /= raw.sum(axis=1, keepdims=True)
            return raw
        proba = 1.0 / (1.0 + np.exp(-raw))
        if self._label_binarizer.y_type_ == "binary":
            if len(self.classes_) == 1:  # the one class seen in fit: certain
                return np.ones_like(proba)
            return np.hstack([1.0 - proba, proba])
        return proba

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predict class labels (or a label indicator matrix for multilabel y).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels from ``classes_``.
        """
        raw = self._raw_predict(X)
        if self._loss_kind == "cross_entropy":
            return self.classes_[raw.argmax(axis=1)]
        positive = raw > 0
        if self._label_binarizer.y_type_ == "binary":
            if len(self.classes_) == 1:
                return np.repeat(self.classes_, raw.shape[0])
            return self.classes_[positive[:, 0].astype(int)]
        return positive.astype(int)
