"""CNNClassifier and CNNRegressor: convolutional networks for signals and small images."""

from __future__ import annotations

import math
import numbers

from sklearn.base import ClassifierMixin, RegressorMixin

from skact.estimators import docs as _docs
from skact.estimators.base import ClassifierNet, RegressorNet, store_params
from skact.estimators.validation import _check_positive_ints, _invalid

__all__ = ["CNNClassifier", "CNNRegressor"]

_CNN_PARAMS = """\
input_shape : tuple of int or None, default=None
        How a row of X is laid out:

        - None: a 2-D X is a 1-channel 1-D signal over the features (spectra,
          sequences, sensor traces); a 3-D ``(n, C, L)`` or 4-D
          ``(n, C, H, W)`` X is used as given;
        - ``(C, L)``: each flat row is reshaped to C channels of length L;
        - ``(C, H, W)``: each flat row is an image, e.g. ``(1, 8, 8)`` for
          scikit-learn's digits.

    conv_channels : tuple of int, default=(32, 64, 128)
        Output channels of each convolution block (conv, batch norm,
        activation, max-pool).

    kernel_size : int, default=3
        Convolution kernel size; 'same' padding keeps every length valid.

    pool_size : int, default=2
        Max-pooling window after each block; dimensions shorter than it are
        not pooled, so any number of features from 1 up works.

    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units of the dense layers between the convolutions and the output."""


class _CNNArchitecture:
    """Reshaping of X and the convolutional module."""

    _allow_nd = True
    _accept_sparse = ()

    def _validate_architecture(self):
        channels = _check_positive_ints(self, "conv_channels", self.conv_channels)
        for name in ("kernel_size", "pool_size"):
            value = getattr(self, name)
            if not (isinstance(value, numbers.Integral) and not isinstance(value, bool)
                    and value >= 1):
                raise _invalid(self, name, "a positive int", value)
        shape = self.input_shape
        if shape is not None:
            ok = isinstance(shape, (tuple, list)) and len(shape) in (2, 3) and all(
                isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0
                for d in shape
            )
            if not ok:
                raise _invalid(
                    self, "input_shape",
                    "None, (channels, length) or (channels, height, width) with positive ints",
                    shape,
                )
        return {"conv_channels": channels}

    def _count_layers(self, plan):
        return len(plan.conv_channels) + len(plan.hidden) + 2

    def _prepare_input(self, X):
        shape = None if self.input_shape is None else tuple(int(d) for d in self.input_shape)
        if X.ndim == 2:
            if shape is None:
                return X.reshape(X.shape[0], 1, X.shape[1])
            if math.prod(shape) != X.shape[1]:
                raise ValueError(
                    f"input_shape={shape} needs {math.prod(shape)} features per row, but X "
                    f"has {X.shape[1]}. Pass the shape of one sample, e.g. (1, {X.shape[1]}) "
                    "for a 1-channel signal, or input_shape=None."
                )
            return X.reshape((X.shape[0],) + shape)
        if X.ndim in (3, 4):
            if shape is not None and tuple(X.shape[1:]) != shape:
                raise ValueError(
                    f"X has samples of shape {tuple(X.shape[1:])}, but input_shape={shape}. "
                    "Set input_shape=None to use X as given."
                )
            return X
        raise ValueError(
            f"{type(self).__name__} expects X of 2, 3 or 4 dimensions (n_samples, "
            f"features) / (n, C, L) / (n, C, H, W); got {X.ndim} dimensions."
        )

    def _build_module(self, input_shape, n_outputs, make_activation, plan, X):
        from skact.nn.modules import CNN

        return CNN(input_shape, plan.conv_channels, self.kernel_size, self.pool_size,
                   plan.hidden, n_outputs, make_activation, plan.dropout,
                   batch_norm=self.batch_norm, learnable_activation=self.learnable_activation)


class CNNClassifier(ClassifierMixin, _CNNArchitecture, ClassifierNet):
    """Convolutional network classifier for 1-D signals and small images.

    Same training parameters, fitted attributes and behaviour as
    :class:`MLPClassifier`; the hidden layers are convolution blocks followed
    by a dense head. Not bound to scikit-learn's MLP defaults, the CNNs default
    to a recipe that reaches published results (MNIST-1D's standard split:
    0.98): ``batch_norm=True``, ``learnable_activation=True``,
    ``learning_rate_init=0.003`` over ``lr_schedule='cosine'`` and
    ``max_iter=60``, ``dropout=0.2`` and ``label_smoothing=0.1``; the shared
    parameter list below shows the MLPs' defaults for the rest.

    Parameters
    ----------
    {cnn}

    {activation}

    {training}

    {recipe}

    {label_smoothing}

    {class_weight}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    {common_attributes}

    See Also
    --------
    MLPClassifier : The dense network.
    CNNRegressor : The regressor.

    Notes
    -----
    {notes}

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skact import CNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = CNNClassifier(input_shape=(1, 8, 8), max_iter=5, random_state=0)
    >>> clf.fit(X[:500] / 16, y[:500]).predict(X[:3] / 16).shape
    (3,)
    """

    __doc__ = _docs.fill(__doc__.replace("{cnn}", _CNN_PARAMS))

    def __init__(
        self,
        input_shape=None,
        conv_channels=(32, 64, 128),
        kernel_size=3,
        pool_size=2,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.003,
        power_t=0.5,
        max_iter=60,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.2,
        batch_norm=True,
        activation_params=None,
        weight_init="auto",
        diagnostics=False,
        class_weight=None,
        device="cpu",
        validation_split="content",
        constant_fallback=False,
        lr_schedule="cosine",
        warmup_fraction=0.0,
        weight_decay=0.0,
        learnable_activation=True,
        label_smoothing=0.1,
    ):
        store_params(self, locals())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        return tags


class CNNRegressor(RegressorMixin, _CNNArchitecture, RegressorNet):
    """Convolutional network regressor for 1-D signals and small images.

    Same training parameters, fitted attributes and behaviour as
    :class:`MLPRegressor`; the hidden layers are convolution blocks followed
    by a dense head. A typical use: predicting a concentration from a
    spectrum. The defaults differ from MLPRegressor's in ``batch_norm=True``,
    ``learnable_activation=True``, ``learning_rate_init=0.003`` over
    ``lr_schedule='cosine'`` and ``max_iter=60`` (the shared parameter list
    below shows the MLPs' defaults).

    Parameters
    ----------
    {cnn}

    loss : {{'squared_error', 'poisson'}}, default='squared_error'
        As in :class:`MLPRegressor`.

    target_scaling : {{None, 'standard'}}, default='standard'
        As in :class:`MLPRegressor`, whose default is None: 'standard' trains on
        ``(y - mean) / std``, so targets of any spread train as quickly as unit
        ones.

    {activation}

    {training}

    {recipe}

    Attributes
    ----------
    {common_attributes}

    See Also
    --------
    MLPRegressor : The dense network.
    CNNClassifier : The classifier.

    Notes
    -----
    {notes}

    With ``loss='squared_error'`` the targets are standardised internally by
    default (``target_scaling='standard'``: weighted mean and standard deviation
    from the first fit; not by ``partial_fit``, whose first batch is too small
    to tell) and predictions mapped back to your units, so the default network
    copes with targets in any range; ``loss_``, ``loss_curve_`` and the output
    layer's weights are on the standardised scale.
    """

    __doc__ = _docs.fill(__doc__.replace("{cnn}", _CNN_PARAMS))

    def __init__(
        self,
        input_shape=None,
        conv_channels=(32, 64, 128),
        kernel_size=3,
        pool_size=2,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        loss="squared_error",
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.003,
        power_t=0.5,
        max_iter=60,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        batch_norm=True,
        activation_params=None,
        weight_init="auto",
        diagnostics=False,
        device="cpu",
        validation_split="content",
        constant_fallback=False,
        lr_schedule="cosine",
        warmup_fraction=0.0,
        weight_decay=0.0,
        learnable_activation=True,
        target_scaling="standard",
    ):
        store_params(self, locals())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
