"""MLPClassifier and MLPRegressor: scikit-learn's MLP, on torch, any activation."""

from __future__ import annotations

from sklearn.base import ClassifierMixin, RegressorMixin

from skact.estimators import docs as _docs
from skact.estimators.base import ClassifierNet, RegressorNet, store_params
from skact.estimators.sklearn_compat import weights_property

__all__ = ["MLPClassifier", "MLPRegressor"]


class _MLPArchitecture:
    """The dense network, and scikit-learn's ``coefs_``/``intercepts_`` views of it."""

    def _validate_architecture(self):
        from skact.estimators.validation import _check_input_layers

        return _check_input_layers(self)

    def _build_module(self, input_shape, n_outputs, make_activation, plan, X):
        from skact.nn.layers import input_layers
        from skact.nn.modules import MLP

        front = input_layers(X, plan.input_scaling, plan.numeric_embedding,
                             plan.sample_weight)
        return MLP(input_shape[0], plan.hidden, n_outputs, make_activation,
                   plan.dropout, batch_norm=self.batch_norm,
                   learnable_activation=self.learnable_activation, input_layers=front)

    coefs_ = weights_property(
        "coefs_", "Weight matrices, one per layer, shaped (n_in, n_out) as in scikit-learn: "
        "copies read from the torch module. Assigning a list sets the weights (before the "
        "first fit: the next ``partial_fit``, or ``fit`` with ``warm_start``, starts from "
        "them, as in scikit-learn), and so does ``coefs_[i] = W``.")
    intercepts_ = weights_property(
        "intercepts_", "Bias vectors, one per layer (copies; assigning sets them, as for "
        "``coefs_``).")

    @property
    def _optimizer(self):
        """scikit-learn's optimizer attribute, read-only: ``_optimizer.learning_rate``."""
        from skact.estimators.sklearn_compat import optimizer_view

        return optimizer_view(self)


class MLPClassifier(ClassifierMixin, _MLPArchitecture, ClassifierNet):
    """Multi-layer perceptron classifier on PyTorch, with any activation.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier`: the same
    parameters, defaults, fitted attributes and errors, plus dropout, batch
    normalisation, class weights, GPU training and the activation registry.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units in each hidden layer; ``()`` gives a linear model.

    {activation}

    {training}

    {recipe}

    {input_layers}

    {linear_blend}

    {label_smoothing}

    {class_weight}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (any type; predictions come from this array).

    {common_attributes}

    coefs_ : list of ndarray
        Weight matrix of each layer, shape (n_in, n_out).

    intercepts_ : list of ndarray
        Bias vector of each layer.

    {linear_model}

    See Also
    --------
    MLPRegressor : The regressor.
    CNNClassifier : Convolutional network for signals and images.
    sklearn.neural_network.MLPClassifier : scikit-learn's NumPy version.

    Notes
    -----
    {notes}

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skact import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(),
    ...                     MLPClassifier(activation="gelu", random_state=0))
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """

    __doc__ = _docs.fill(__doc__)

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
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
        batch_norm=False,
        activation_params=None,
        weight_init="auto",
        diagnostics=False,
        class_weight=None,
        device="cpu",
        validation_split="random",
        constant_fallback=False,
        linear_blend=False,
        refit_on_all_rows=False,
        repeated_rows=False,
        lr_schedule="constant",
        warmup_fraction=0.0,
        weight_decay=0.0,
        learnable_activation=False,
        input_scaling=None,
        numeric_embedding=None,
        label_smoothing=0.0,
    ):
        store_params(self, locals())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        return tags


class MLPRegressor(RegressorMixin, _MLPArchitecture, RegressorNet):
    """Multi-layer perceptron regressor on PyTorch, with any activation.

    A drop-in for :class:`sklearn.neural_network.MLPRegressor`: the same
    parameters, defaults, fitted attributes and errors, plus dropout, batch
    normalisation, GPU training and the activation registry.

    Parameters
    ----------
    loss : {{'squared_error', 'poisson'}}, default='squared_error'
        Half squared error with an identity output, or Poisson deviance with
        an exponential output (for counts; y must be non-negative).

    target_scaling : {{None, 'standard'}}, default=None
        None trains on ``y`` in its own units, as scikit-learn does, with the
        output bias starting at the (weighted) mean of ``y``. 'standard' trains
        on ``(y - mean) / std`` and maps predictions back: targets of any spread
        (grams in the thousands, fractions near 0) then train as quickly as unit
        ones, but the same ``learning_rate_init`` moves the fit ``std`` times
        faster relative to ``y``, and ``loss_`` is on the standardised scale.
        Ignored with ``loss='poisson'`` and by ``partial_fit`` (one batch is too
        little to estimate a scale from).

    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units in each hidden layer; ``()`` gives a linear model.

    {activation}

    {training}

    {recipe}

    {input_layers}

    {linear_blend}

    Attributes
    ----------
    {common_attributes}

    coefs_ : list of ndarray
        Weight matrix of each layer, shape (n_in, n_out).

    intercepts_ : list of ndarray
        Bias vector of each layer.

    {linear_model}

    See Also
    --------
    MLPClassifier : The classifier.
    CNNRegressor : Convolutional network for signals and images.
    sklearn.neural_network.MLPRegressor : scikit-learn's NumPy version.

    Notes
    -----
    {notes}

    With ``loss='squared_error'`` the output bias starts at the (weighted) mean
    of ``y`` (not in ``partial_fit``, whose first batch is too small to tell):
    scikit-learn's starts at 0 and Adam needs about ``mean / learning_rate_init``
    steps to get there, which is why its default network fails on targets in
    the hundreds. Everything else is scikit-learn's problem in your units
    (``loss_``, ``alpha``, ``tol`` and ``learning_rate_init`` mean the same).
    Targets whose spread is far from 1 (thousands, or fractions) train much
    faster standardised: ``target_scaling='standard'`` (the default of
    :class:`TabularMLPRegressor` and :class:`CNNRegressor`).

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skact import MLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = make_pipeline(StandardScaler(),
    ...                     MLPRegressor(activation="tanh", solver="lbfgs", max_iter=50,
    ...                                  random_state=0))
    >>> reg.fit(X, y).score(X, y) > 0.4
    True
    """

    __doc__ = _docs.fill(__doc__)

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
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
        batch_norm=False,
        activation_params=None,
        weight_init="auto",
        diagnostics=False,
        device="cpu",
        validation_split="random",
        constant_fallback=False,
        linear_blend=False,
        refit_on_all_rows=False,
        repeated_rows=False,
        lr_schedule="constant",
        warmup_fraction=0.0,
        weight_decay=0.0,
        learnable_activation=False,
        input_scaling=None,
        numeric_embedding=None,
        target_scaling=None,
    ):
        store_params(self, locals())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
