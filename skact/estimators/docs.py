"""Docstring fragments shared by the estimators, so ``help()`` is the full manual."""

ACTIVATION = """\
activation : str, torch.nn.Module subclass or callable, default='relu'
        Activation after every hidden layer (the output layer has none).

        - a registered name: 'relu', 'leaky_relu', 'tanh', 'sigmoid' (alias
          'logistic'), 'identity', 'elu', 'selu', 'celu', 'gelu', 'silu'
          (alias 'swish'), 'mish', 'softplus', 'softsign', 'prelu', 'rrelu',
          'relu6', 'hardswish', 'hardtanh', 'tanhshrink', or one you added
          with ``skact.activations.register``;
        - a ``torch.nn.Module`` subclass or a callable returning a new module.
          A fresh module is built for every layer."""

TRAINING = """\
solver : {'adam', 'sgd', 'lbfgs'}, default='adam'
        - 'adam': torch.optim.Adam.
        - 'sgd': torch.optim.SGD with ``momentum``/``nesterovs_momentum``.
        - 'lbfgs': torch.optim.LBFGS, full batch, strong-Wolfe line search;
          often best on small data sets.

    alpha : float, default=0.0001
        Strength of the L2 penalty on the weights (not the biases), scaled
        as in scikit-learn by the batch's total sample weight.

    batch_size : int, 'auto', 'balanced' or 'adaptive', default='auto'
        Mini-batch size; 'auto' is ``min(200, n_samples)``, as in
        scikit-learn; 'balanced' is equal batches of at most 256 rows, so 300
        rows train as two batches of 150 rather than 256 and 44 (the Tabular
        estimators' default); 'adaptive' is about 8 even batches of 16 to
        256 rows, so small data sets still get several steps per epoch. Its
        batches are dealt by row content: copies of a row always share a
        batch and the cuts fall at equal shares of the sample weight, so an
        integer weight still trains as that many copies of the row (the
        number of batches counts distinct rows). Ignored by lbfgs.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning-rate schedule for ``solver='sgd'``:

        - 'constant': ``learning_rate_init`` throughout;
        - 'invscaling': ``learning_rate_init / (t + 1) ** power_t`` with ``t``
          the samples seen so far;
        - 'adaptive': divide by 5 whenever the loss (or validation score) has
          not improved by ``tol`` for ``n_iter_no_change`` epochs.

    learning_rate_init : float, default=0.001
        Initial step size (sgd and adam).

    power_t : float, default=0.5
        Exponent of 'invscaling'.

    max_iter : int, default=200
        Maximum number of epochs (sgd, adam) or of L-BFGS iterations.

    shuffle : bool, default=True
        Shuffle the samples every epoch (sgd, adam).

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation
        split. An int makes fits reproducible (same data, same predictions).

    tol : float, default=1e-4
        Improvement in loss or validation score below which an epoch counts
        as no improvement; for lbfgs the gradient tolerance.

    verbose : bool or int, default=False
        Print the activation in use and one line per epoch (loss, validation
        score, time).

    warm_start : bool, default=False
        Keep the previous weights and continue training on the next ``fit``.

    momentum : float, default=0.9
        Momentum for sgd, in [0, 1].

    nesterovs_momentum : bool, default=True
        Use Nesterov momentum (sgd with momentum > 0).

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data, score it every
        epoch (accuracy or R²), stop after ``n_iter_no_change`` epochs without
        an improvement of ``tol``, and restore the best weights.

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.

    validation_split : {'random', 'content'}, default='random'
        How early stopping picks its held-out rows. 'random': a seeded random
        split (stratified for classifiers), as in scikit-learn. 'content':
        rows ordered by a hash of their values, so copies of a row fall on
        the same side and an integer ``sample_weight`` holds out as repeated
        rows would (the Tabular and CNN estimators' default). With
        ``n_iter_no_change=np.inf``, a table of few distinct rows repeated
        many times (fewer than 20 distinct rows to hold out, most rows copies
        of a row repeated 4 times or more: a few coded columns; dense input
        only) holds out nothing: held-out rows would be a few kinds of row
        the network never saw, while the rows it predicts have copies among
        the training rows. The training rows then judge the epochs, the
        constant and linear models and ``repeated_rows``.

    constant_fallback : bool, default=False
        With early stopping: when the best epoch's validation score is no
        better than the constant model's on the same held-out rows (the class
        frequencies, or the mean), predict that constant instead (the output
        layer's weights become zero, its biases the constant) and warn. The
        Tabular estimators' default is True.

    beta_1 : float, default=0.9
        Adam's first-moment decay, in [0, 1).

    beta_2 : float, default=0.999
        Adam's second-moment decay, in [0, 1).

    epsilon : float, default=1e-8
        Adam's numerical stability term.

    n_iter_no_change : int or np.inf, default=10
        Epochs without improvement before stopping (sgd, adam).

    max_fun : int, default=15000
        Maximum number of loss evaluations (lbfgs only).

    dropout : float, list of float or 'auto', default=0.0
        Dropout probability after each hidden (dense) layer: one value for
        all, or exactly one per hidden layer. 'auto' (TabularMLPRegressor's
        default) is 0.15 for a fit on fewer than 5,000 rows (sample weights
        counted as copies, class weights not) and 0 from 5,000 rows: a large
        table needs less of it, and its fit runs a fifth faster without. The
        first fit decides: a warm start or a later ``partial_fit`` keeps its
        network's rate (a ``partial_fit`` the rows of its first batch).

    batch_norm : bool, default=False
        Batch normalisation after each hidden linear/convolution layer.

    activation_params : dict, default=None
        Keyword arguments for the activation, e.g. ``{'negative_slope': 0.1}``
        for 'leaky_relu' or ``{'alpha': 0.5}`` for 'elu'.

    weight_init : {'auto', 'kaiming', 'xavier', 'lecun', 'torch'} or callable, \
default='auto'
        'auto' picks He/Kaiming for the ReLU family, Glorot/Xavier for tanh
        and sigmoid, LeCun normal for SELU, and for an activation outside the
        registry scales He init on the training data so each hidden layer's
        outputs have unit variance (LSUV); 'torch' keeps torch's defaults; a
        callable is applied to every weight tensor in place. Biases start at
        zero (except with 'torch').

    diagnostics : bool, default=False
        Record, every epoch and per hidden layer, the fraction of dead units
        (ReLU family), of saturated units (tanh, sigmoid) and the gradient
        norm of the weights, into ``history_`` and ``diagnostics_``; warn
        when most units end up dead.

    device : {'cpu', 'cuda', 'cuda:N', 'auto'}, default='cpu'
        Where to train and predict; 'auto' takes a GPU when torch sees one."""

RECIPE = """\
lr_schedule : {'constant', 'cosine', 'flat_cosine', 'cosine_cycles'}, \
default='constant'
        Factor on ``learning_rate_init`` over the ``max_iter`` epochs, set
        before every step (sgd, adam):

        - 'constant': none (scikit-learn's behaviour);
        - 'cosine': a cosine decay from 1 to 0;
        - 'flat_cosine': 1 for the first half, then a cosine decay to 0;
        - 'cosine_cycles': four cosine cycles, each longer than the last
          (restarts let the weights leave a sharp minimum); starts at 0.

        With a schedule, reaching ``max_iter`` is the plan: no
        ConvergenceWarning is raised for it.

    warmup_fraction : float, default=0.0
        Ramp the learning rate up linearly over this share of the steps.

    weight_decay : float or 'auto', default=0.0
        Decoupled weight decay: with adam, torch's AdamW (every parameter
        shrinks by ``lr * weight_decay`` per step, apart from the gradient
        moments); with sgd, torch's weight decay. Independent of ``alpha``.
        'auto' (TabularMLPRegressor's default) is 4 per epoch, spread over
        the epoch's batches (``4 / n_batches`` per step): a data set of a few
        hundred rows, trained in one or two batches, is pulled firmly towards
        simple functions, one of many thousands hardly at all.

    learnable_activation : bool, default=False
        Blend every activation with the identity, ``x + a * (f(x) - x)``,
        with a learned ``a`` per unit (per channel in convolutions), starting
        at 1. Each unit tunes how much of the activation it uses; the learned
        values are in ``activation_blend_``."""

INPUT_LAYERS = """\
input_scaling : {None, 'robust'}, default=None
        'robust': inside the network, centre each feature on its training
        median, divide by its interquartile range / 1.349, and clip smoothly
        into (-3, 3) with ``z / sqrt(1 + (z / 3)**2)``, followed by a learned
        gain per feature. Outliers cannot dominate, and the saved model
        carries the statistics (no separate scaler needed).

    numeric_embedding : {None, 'periodic', 'piecewise_linear'}, default=None
        Give every feature with at least 20 distinct values 4 learned
        dimensions (its value and 3 more) before the first layer:

        - 'periodic': 16 learned frequencies ``cos(2 pi f x + phase)``, mapped
          linearly per feature;
        - 'piecewise_linear': 16 bins at the feature's training quantiles.

        Lets the network bend each feature's effect (thresholds, cycles).
        Wide inputs where more than 512 features qualify (spectra, signals) are
        left unembedded: the first layer would grow fourfold for no gain.
        Flags, one-hot codes and few-level codes pass through unchanged."""

LINEAR_BLEND = """\
linear_blend : bool, default=False
        With early stopping: also fit a linear model on the training rows
        (ridge regression for ``loss='squared_error'``, logistic regression
        for single-label classes; its penalty chosen on the held-out rows),
        on the features scaled as ``input_scaling='robust'`` scales them.
        Where the held-out rows cannot tell it from the network's best epoch,
        refit it on every row and predict with the average of the two
        models' logits (or standardised targets): ``linear_model_``. A
        classifier's logistic regression may score up to 1.6 / sqrt(rows)
        below the network in accuracy; a ridge regression may leave up to
        1 + 3.2 / sqrt(rows) times the network's error (1 - R²): the same
        band at R² 0.5, narrower where the network explains more (a ridge
        regression far behind it is left out), wider where it explains
        less. A regression that would hold out fewer than 20 rows (about 100
        rows in all) holds none out when ``n_iter_no_change=np.inf``: the
        network trains on every row (its epochs judged on them), and the
        ridge regression, its penalty chosen by 5-fold cross-validation over
        every row, is always averaged in. Not for sparse input or multilabel
        targets. The Tabular estimators' default is True.

    refit_on_all_rows : bool or 'small', default=False
        With early stopping: once the held-out rows have judged the network,
        train it again from the same seed on every row, the held-out ones
        too, with the same schedule, up to the end of the learning-rate cycle
        that held the best epoch (the whole schedule where it has no
        restarts), and keep that network. True: where the held-out rows left
        the network alone (no linear model averaged in, no constant kept: it
        is clearly the better model). 'small': wherever they kept the
        network, alone or averaged with the linear model, on fewer than 500
        rows (weights as copies; weights all below 1 scaled so that the
        lightest weighted row is one row). Never where the fit held out
        nothing (a regression on a few dozen rows, a table of few distinct
        rows: see ``validation_split``): it trained on every row already.
        ``validation_scores_``, ``best_validation_score_`` and
        ``linear_model_`` stay those of the first fit; ``n_iter_`` and
        ``loss_curve_`` are the second's. Up to twice the fit time where it
        acts. Not with ``warm_start``. TabularMLPClassifier's default is
        True, TabularMLPRegressor's 'small' (+0.011 R² on the broad
        benchmark's regressions of that size, 9 of 11 sets up).

    repeated_rows : bool, default=False
        With early stopping: where rows to predict have exact copies among
        the fitted rows (panel data, coded tables), predict
        ``(sum of the copies' targets + k * model's prediction) / (c + k)``
        for ``c`` copies (their total weight): the model's prediction is a
        prior worth ``k`` rows, on standardised targets or on class
        probabilities. ``k`` is chosen on the held-out rows (held-out copies
        predicting each other, the network having trained on none; where a
        table of few distinct rows held none out, the training rows, each
        predicted by its other copies) among
        0.5, 2, 8 and 32, and kept only where it lowers their squared error
        (or their errors, for a classifier) by two standard errors:
        ``repeated_rows_``, which then holds a hash and the summed targets of
        every distinct fitted row, not its features. Rows without copies are
        predicted as before. Not for the poisson loss. The Tabular
        estimators' default is True."""

LINEAR_MODEL = """\
linear_model_ : dict or None
        Only where ``linear_blend`` averaged a linear model in: ``center`` and
        ``inv_spread`` scale the features, ``coef`` (outputs x features) and
        ``intercept`` give its raw outputs, ``weight`` its share (0.5),
        ``validation_score`` its score on the held-out rows (compare
        ``best_validation_score_``) and ``held_out_rows`` their number (weights,
        class weights included, as copies; weights all below 1 scaled so that
        the lightest weighted row is one row); on a few dozen rows, its
        cross-validated R² and the number of rows; where a table of few
        distinct rows held none out, its score on the training rows and
        their number. None otherwise.

repeated_rows_ : dict or None
        Only where ``repeated_rows`` kept the fitted rows' targets: ``keys``
        (one 64-bit hash per distinct fitted row, sorted), ``sums`` (their
        targets summed, as the outputs see them: standardised values or
        one-hot classes), ``weights`` (their number, or total weight) and
        ``strength`` (``k``). None otherwise."""

LABEL_SMOOTHING = """\
label_smoothing : float, default=0.0
        Train towards ``1 - label_smoothing`` for the true class, the rest
        spread over all classes: less over-confident probabilities and a
        better-calibrated, often more accurate model."""

CLASS_WEIGHT = """\
class_weight : dict, 'balanced' or None, default=None
        Weights per class, multiplied into ``sample_weight``; 'balanced'
        uses ``n_samples / (n_classes * np.bincount(y))``."""

COMMON_ATTRIBUTES = """\
n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when X had string column names.

    loss_ : float
        The loss of the last epoch (sgd, adam) or the final loss (lbfgs).

    loss_curve_ : list of float
        Loss per epoch (sgd, adam).

    best_loss_ : float or None
        Lowest training loss seen; None with ``early_stopping=True``.

    validation_scores_ : list of float or None
        Validation score per epoch with ``early_stopping=True``, else None.

    best_validation_score_ : float or None
        Best validation score with ``early_stopping=True``, else None.

    n_iter_ : int
        Epochs run by the last call (L-BFGS iterations for lbfgs).

    t_ : int
        Training samples seen (sgd, adam).

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of outputs.

    out_activation_ : str
        Output function: 'softmax', 'logistic', 'identity' or 'exp'.

    module_ : torch.nn.Module
        The trained torch module.

    net_ : skorch.NeuralNet
        The skorch net that trained it.

    history_ : skorch.History
        One record per epoch: 'epoch', 'train_loss', 'dur', 'lr' and, with
        early stopping, 'valid_score' (with diagnostics also 'dead_fraction',
        'saturated_fraction', 'grad_norm', 'grad_ratio').

    diagnostics_ : dict
        Only with ``diagnostics=True``: the last epoch's dead and saturated
        fractions per hidden layer, gradient norms and first/last ratio.

    activation_blend_ : list of ndarray
        Only with ``learnable_activation=True``: the learned blend ``a`` of
        each hidden layer's units (1: the activation, 0: the identity)."""

NOTES = """\
The compute dtype follows the input, as in scikit-learn: float32 X trains
    and predicts in float32 (about twice as fast), anything else in float64.
    ``activation`` and every other parameter are checked in ``fit``;
    construction and ``set_params`` never raise.

    An integer ``sample_weight`` trains as that many copies of the row, and 0
    as no row (scikit-learn's ``check_sample_weight_equivalence``): dropout
    masks are keyed on each row's content, so copies of a row share them, and
    batch-norm statistics are weighted. The Tabular and CNN estimators also
    choose their early-stopping rows by content (copies of a row are held out
    together); the drop-in MLPs hold out a seeded random draw, as scikit-learn's."""


def fill(template):
    """Substitute the shared fragments into an estimator docstring."""
    return template.format(
        activation=ACTIVATION, training=TRAINING, class_weight=CLASS_WEIGHT,
        common_attributes=COMMON_ATTRIBUTES, notes=NOTES, recipe=RECIPE,
        input_layers=INPUT_LAYERS, label_smoothing=LABEL_SMOOTHING,
        linear_blend=LINEAR_BLEND, linear_model=LINEAR_MODEL,
    )
