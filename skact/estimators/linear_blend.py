"""``linear_blend=True``: average the network with a linear model where the held-out rows
cannot tell them apart.

On a few dozen rows, or on noisy labels that depend on the features almost linearly, a
regularised linear model predicts about as well as a 256-unit network, or better, and the
two err differently: their average often beats either alone. On the development half of
``benchmarks/broad.py`` the average beat the network on 16 of 22 sets, and choosing one of
the two on the held-out rows was a coin toss on a few dozen rows (benchmarks/README.md).
Where the network is clearly better (MNIST-1D, diamonds) averaging costs accuracy, and the
held-out rows show it.

So after a fit with early stopping the estimator fits a linear model on the same training
rows: ridge regression for squared-error regression, logistic regression for single-label
classes. It sees the features as the network's input layer does: centred on the median,
divided by a robust spread and smoothly clipped (``skact.nn.layers.RobustScaleClip``). The
held-out rows and the scorer that picked the best epoch choose its penalty (13 ridge
penalties, or 4 for the logistic regression, strongest first). Where the held-out rows
cannot tell it from the network (:func:`within_the_noise`), it is refitted on every row
with that penalty, and the predictions average the two models' raw outputs (logits, or
standardised targets): ``linear_model_``. For a classifier that is an accuracy at least
the network's best minus :data:`NOISE_ALLOWANCE` / sqrt(held-out rows) (four standard
errors of an accuracy near 0.8 on that many rows). For a regression it is an error
(1 - R²) at most the network's times 1 + :data:`RELATIVE_NOISE_ALLOWANCE` / sqrt(held-out
rows): a mean squared error on n rows is uncertain by about sqrt(2 / n) of itself, so the
band scales with the error, not with the variance of the targets. The two bands agree at
R² 0.5 (1.6 / sqrt(rows) was every regression's band until the eighteenth session). Where
the network explains 85% or more, the band in R² is under a third as wide, and a ridge
regression that leaves one and a half to three times the network's error is no longer
averaged in: boston +0.031 R², mpg +0.006, cpus +0.012. Below R² 0.5 it is wider (twice at
R² 0), so on noisy targets the ridge is averaged in more often: males +0.005, slid -0.003
(benchmarks/README.md, "A relative band for the regressions"). A regression with too few
rows to hold out trains on all of them and always averages the ridge regression in, its
penalty chosen by cross-validation instead (``small_data``). Weighted rows fit as repeated
rows would (``check_sample_weight_equivalence``). The network stays as it was
(``coefs_``, ``module_``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skact.estimators.repeated_rows import remember_repeated_rows, with_repeated_rows
from skact.estimators.small_data import count_rows, cross_validated_penalty, cross_validates

__all__ = ["NOISE_ALLOWANCE", "RELATIVE_NOISE_ALLOWANCE", "after_fit", "blend_in_a_linear_model",
           "blended_outputs", "within_the_noise"]

#: How far below the network's held-out accuracy a logistic regression may be and still be
#: averaged in, times 1 / sqrt(held-out rows). Chosen on the development half of
#: benchmarks/broad.py from 0, 0.2, 0.4, 0.8, 1.6 and infinity (``benchmarks/blend_choice.py``,
#: for both tasks then): 1.6 scored at least as well as 0.8 on every set; infinity (always
#: average) lost 0.03 on MNIST-1D and 0.013 on diamonds, where the network is far better.
#: Scaling it to the accuracy's binomial noise instead moved nothing beyond the noise.
NOISE_ALLOWANCE = 1.6
#: How far above the network's held-out error (1 - R²) a ridge regression's may be, as a
#: fraction of it, times 1 / sqrt(held-out rows): NOISE_ALLOWANCE's band at R² 0.5, where it
#: was chosen (about 2.3 standard errors of one mean squared error on that many rows).
RELATIVE_NOISE_ALLOWANCE = 3.2

# Penalties tried, strongest first (ties go to the stronger), on features scaled to about
# unit spread: ridge's alpha, and logistic regression's C (the inverse of a penalty).
_PENALTIES = {"squared_error": np.logspace(4, -2, 13), "logistic": (0.01, 0.1, 1.0, 10.0)}


def _as_numpy(value):
    if value is None:
        return None
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def _scaled(X, center, inv_spread):
    """What ``RobustScaleClip`` computes, in numpy."""
    from skact.nn.layers import CLIP_BOUND

    z = (X - center) * inv_spread
    return z / np.sqrt(1 + (z / CLIP_BOUND) ** 2)


def _scaler(X, w):
    from skact.nn.layers import RobustScaleClip

    scaler = RobustScaleClip(X, w)
    return (scaler.center.numpy().astype(np.float64),
            scaler.inv_spread.numpy().astype(np.float64))


def _fit(kind, X, y, w, scaling, penalty):
    """A linear model on (X, y, w) as plain arrays (``center``, ``inv_spread``, ``coef``
    of shape (outputs, features), ``intercept``) giving the network's raw outputs (logits,
    or standardised targets). Weighted rows fit as repeated rows would."""
    from sklearn.linear_model import LogisticRegression, Ridge

    Z = _scaled(X, *scaling)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if kind == "squared_error":
            model = Ridge(alpha=penalty).fit(Z, y, sample_weight=w)
        else:  # "cross_entropy": class indices; "binary": one 0/1 column, one logit
            labels = (y > 0.5).ravel() if kind == "binary" else y.astype(np.int64).ravel()
            model = LogisticRegression(C=penalty, max_iter=1000).fit(Z, labels,
                                                                     sample_weight=w)
    return {"center": scaling[0], "inv_spread": scaling[1],
            "coef": np.atleast_2d(np.asarray(model.coef_, np.float64)),
            "intercept": np.atleast_1d(np.asarray(model.intercept_, np.float64))}


def linear_outputs(linear, X):
    """The raw outputs (what the network's ``module_`` returns: logits, or standardised
    targets) of the linear model for the rows ``X``."""
    X = np.asarray(X, dtype=np.float64)
    out = _scaled(X, linear["center"], linear["inv_spread"]) @ linear["coef"].T
    return out + linear["intercept"]


def blended_outputs(linear, network_outputs, X):
    """The network's raw outputs for ``X`` averaged with the linear model's, by its weight."""
    weight = float(linear["weight"])
    blended = (1 - weight) * network_outputs + weight * linear_outputs(linear, X)
    return blended.astype(network_outputs.dtype, copy=False)


def _as_module(linear, like):
    """The linear model as a torch module of ``like``'s dtype and device (for the scorer)."""
    import torch

    param = next(like.parameters())

    class Linear(torch.nn.Module):
        def forward(self, X):
            raw = linear_outputs(linear, X.detach().cpu().numpy())
            return torch.as_tensor(raw, dtype=param.dtype, device=param.device)

    return Linear()


def after_fit(estimator, scorer, held_out, y_train, sample_weight):
    """After a fit: the constant model where ``constant_fallback`` asks and it does no
    worse than the network, then a linear model averaged in where ``linear_blend`` asks,
    then the fitted rows' targets blended in where ``repeated_rows`` asks."""
    from skact.estimators.constant_guard import keep_the_constant_if_better

    if estimator.constant_fallback:
        keep_the_constant_if_better(estimator, scorer, y_train, sample_weight)
    if getattr(estimator, "linear_blend", False):
        blend_in_a_linear_model(estimator, scorer, held_out)
    if getattr(estimator, "repeated_rows", False):
        remember_repeated_rows(estimator, scorer, held_out, estimator._predict_prepared)


def final_outputs(estimator, network_outputs, X):
    """What the estimator predicts from its network's raw outputs for ``X``: with the
    linear model (``linear_blend``) averaged in, and the fitted copies of ``X``'s rows
    (``repeated_rows``) blended in, where the fit kept either."""
    linear = estimator.__dict__.get("linear_model_")
    out = network_outputs if linear is None else blended_outputs(linear, network_outputs, X)
    return with_repeated_rows(estimator, out, X)


def blend_in_a_linear_model(estimator, scorer, held_out) -> None:
    """After a fit with early stopping: fit a linear model on the training rows, score it
    with ``scorer`` on the held-out rows, and where it is within their noise of the network's
    best validation score (:func:`within_the_noise`), refit it on every row and set it as
    ``linear_model_``, averaged in with weight 0.5.
    ``held_out``: ``((X, y, w) trained on, (X, y, w) held out)`` as the fit split them."""
    best = estimator.best_validation_score_
    kind = getattr(estimator, "_loss_kind", None)
    if kind == "binary" and (estimator._label_binarizer.y_type_ != "binary"
                             or len(estimator.classes_) != 2):
        kind = None  # multilabel, or one class: no single logistic regression
    if (scorer is None or held_out is None or best is None or not math.isfinite(best)
            or kind not in ("squared_error", "cross_entropy", "binary")):
        return
    (X_t, y_t, w_t), (X_v, y_v, w_v) = held_out
    if not hasattr(X_t, "detach") or X_t.ndim != 2:
        return  # sparse or multi-dimensional input: no linear model on it
    judged_on_training_rows = X_v is X_t  # too few rows to hold any out
    X_t, y_t, w_t = _as_numpy(X_t), _as_numpy(y_t), _as_numpy(w_t)
    if kind != "squared_error":
        classes = np.unique((y_t > 0.5) if kind == "binary" else y_t)
        if len(classes) < (estimator.n_outputs_ if kind == "cross_entropy" else 2):
            return  # a class missing from the training rows: no logit for it
    X_v, y_v, w_v = _as_numpy(X_v), _as_numpy(y_v), _as_numpy(w_v)
    from skact.nn.layers import weights_as_copies

    w_t, w_v = weights_as_copies(w_t, w_v)  # the penalties are in rows: weights as copies
    held_out_rows = count_rows(w_v, len(y_v))  # a weight of 2: two rows
    if judged_on_training_rows:
        X_all, y_all, w_all = X_t, y_t, w_t
    else:
        X_all, y_all = np.concatenate([X_t, X_v]), np.concatenate([y_t, y_v])
        w_all = None if w_t is None else np.concatenate([w_t, w_v])
    chosen = None
    if kind == "squared_error" and cross_validates(estimator, judged_on_training_rows,
                                                    held_out_rows):
        chosen = cross_validated_penalty(  # a few dozen rows: small_data says why
            X_all, y_all, w_all, penalties=_PENALTIES["squared_error"],
            linear_outputs=linear_outputs,
            fit_linear=lambda X, y, w, penalty: _fit(kind, X, y, w, _scaler(X, w), penalty))
    if chosen is None:
        weight, penalty, score = _held_out_choice(estimator, scorer, kind, X_t, y_t, w_t,
                                                  best, held_out_rows)
    else:  # always averaged in; every row was held out once
        (penalty, score), weight = chosen, 0.5
        held_out_rows = count_rows(w_all, len(y_all))
    if not weight:
        return
    linear = _fit(kind, X_all, y_all, w_all, _scaler(X_all, w_all), penalty)
    estimator.linear_model_ = {**linear, "weight": np.float64(weight),
                               "validation_score": np.float64(score),
                               "held_out_rows": np.float64(held_out_rows)}


def _held_out_choice(estimator, scorer, kind, X_t, y_t, w_t, best, held_out_rows):
    """``(weight, penalty, score)`` chosen on the held-out rows: the penalty the scorer
    likes best there, and weight 0.5 where that score is within the held-out rows' noise of
    the network's best (:func:`within_the_noise`; else 0)."""
    scaling = _scaler(X_t, w_t)
    score, penalty = -np.inf, None
    for candidate in _PENALTIES["squared_error" if kind == "squared_error" else "logistic"]:
        linear = _fit(kind, X_t, y_t, w_t, scaling, candidate)
        candidate_score = scorer(_as_module(linear, estimator.module_))
        if candidate_score > score:
            score, penalty = candidate_score, candidate
    return (0.5 if within_the_noise(kind, score, best, held_out_rows) else 0.0), penalty, score


def within_the_noise(kind, score, best, held_out_rows) -> bool:
    """Whether a linear model scoring ``score`` on ``held_out_rows`` held-out rows (counted
    as copies: :func:`skact.estimators.small_data.count_rows`) is within their noise of the
    network's ``best`` there, or above it: for a regression (``kind='squared_error'``, R²
    scores) its error 1 - R² at most the network's times 1 +
    :data:`RELATIVE_NOISE_ALLOWANCE` / sqrt(rows), for a classifier (accuracies) at least
    ``best`` - :data:`NOISE_ALLOWANCE` / sqrt(rows)."""
    if held_out_rows <= 0:
        return True  # no rows, no evidence against it
    if kind == "squared_error":
        band = 1 + RELATIVE_NOISE_ALLOWANCE / math.sqrt(held_out_rows)
        return bool(not math.isfinite(band) or 1 - score <= (1 - best) * band)
    return bool(score >= best - NOISE_ALLOWANCE / math.sqrt(held_out_rows))
