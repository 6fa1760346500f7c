"""One trial: check its inputs, build the pipeline, cross-validate it, report for pruning.

:class:`Objective` is the callable ``study.optimize`` runs (it also works with
``optuna.trial.FixedTrial`` for testing); :func:`make_pipeline` builds the preprocessing +
estimator pipeline every search and refit uses, and the ``check_*`` functions refuse unknown
activations, scorers and estimator parameters with a message that lists the valid ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import numpy as np

from skact.engine.devices import is_cuda_out_of_memory
from skact.exceptions import (
    DeviceError,
    Message,
    ScoringError,
    SpaceError,
    did_you_mean,
    param,
)
from skact.model_files import MODEL_STEP
from skact.tuning.space import SearchSpace, check_activations
from skact.tuning.study import CTRL_C, worker_identity


# --------------------------------------------------------------------------- checks
def default_scoring(task: str) -> str:
    """``"balanced_accuracy"`` (UAR) for classification, ``"r2"`` for regression."""
    return "balanced_accuracy" if task == "classification" else "r2"


def check_scoring(name: str) -> str:
    """Check a scikit-learn scorer name; return it.

    Raises
    ------
    ScoringError
        For an unknown name, listing the valid ones.

    Examples
    --------
    >>> check_scoring("f1_macro")
    'f1_macro'
    >>> check_scoring("acuracy")
    Traceback (most recent call last):
    ...
    skact.exceptions.ScoringError: unknown scorer 'acuracy' (did you mean 'accuracy'?); ...
    """
    from sklearn.metrics import get_scorer_names

    valid = sorted(get_scorer_names())
    if name not in valid:
        raise ScoringError(
            f"unknown scorer {name!r}{did_you_mean(name, valid)}; valid scorers: {', '.join(valid)}"
        )
    return name


# --------------------------------------------------------------------------- estimators
def estimator_class(model: str, task: str):
    """The skact estimator class for ``model`` ("mlp" or "cnn") and ``task``: the ones
    with strong defaults (``tune`` searches around them, and its first trial is them)."""
    import skact

    classes = {
        ("mlp", "classification"): "TabularMLPClassifier",
        ("mlp", "regression"): "TabularMLPRegressor",
        ("cnn", "classification"): "CNNClassifier",
        ("cnn", "regression"): "CNNRegressor",
    }
    try:
        return getattr(skact, classes[(model, task)])
    except KeyError:
        raise ValueError(f"unknown model/task {model!r}/{task!r}") from None


def check_space(space: SearchSpace, model: str, task: str) -> SearchSpace:
    """Check that every parameter of ``space`` is a parameter of the estimator.

    Raises
    ------
    SpaceError
        For an unknown parameter (listing the valid ones) or unknown activation.
    """
    valid = sorted(estimator_class(model, task)().get_params())
    for name in space.params:
        if name not in valid:
            raise SpaceError(
                f"search space parameter {name!r} is not a parameter of the {model} "
                f"estimator{did_you_mean(name, valid)}; valid parameters: {', '.join(valid)}"
            )
    if "device" in space.params:
        raise SpaceError(Message(
            "the search space sets 'device', which is where the fits run, not a "
            "hyperparameter: remove it and choose the device with ", param("device")))
    if "activation" in space.params:
        check_activations([a for a in space.activations if isinstance(a, str)])
    return space


def make_pipeline(dataset, model: str, params: Mapping, base_params: Mapping):
    """Preprocessing + estimator pipeline for ``dataset`` with stored-form ``params``.

    The estimator step is named ``"model"``; pass fit-time callbacks as
    ``pipe.fit(X, y, model__callbacks=[cb])``.
    """
    from sklearn.pipeline import Pipeline

    from skact.data import make_preprocessor

    kwargs = dict(base_params)
    kwargs.update(SearchSpace.to_estimator_params(params))
    estimator = estimator_class(model, dataset.task)(**kwargs)
    return Pipeline(
        [
            ("preprocess", make_preprocessor(dataset.numeric_columns, dataset.categorical_columns)),
            (MODEL_STEP, estimator),
        ]
    )


def best_epoch_params(max_epochs: int, n_train: int, n_classes: int | None = None) -> dict:
    """Estimator parameters for a fit that runs every epoch and keeps the best one.

    Every epoch is scored on held-out rows (for pruning, and to keep the best epoch's
    weights, as :class:`~skact.TabularMLPRegressor` does by default). The held-out share is
    the recipe's 20%, more on small classification data so that it can hold every class
    twice, at most 30%. Used by ``skact compare``'s fits (whose table reports the best epoch)
    and by ``skact tune``'s trials of an estimator that keeps its best epoch by default.
    """
    fraction = 0.2
    if n_classes:
        fraction = max(fraction, 2 * n_classes / max(n_train, 1))
    return {
        "max_iter": int(max_epochs),
        "early_stopping": True,
        "n_iter_no_change": np.inf,
        "validation_fraction": round(min(fraction, 0.3), 3),
    }


def base_params(dataset, max_epochs: int, seed: int | None, cv: int,
                model: str = "mlp") -> dict:
    """Estimator parameters shared by every trial and the refit: the epochs, the seed and,
    for an estimator that keeps its best epoch on held-out rows by default (the Tabular
    estimators), :func:`best_epoch_params` for a cross-validation training fold.

    The others (the CNNs) train on every row of the fold, as they do by default, so that
    tune's first trial is the strong-default estimator itself. Their trials are pruned
    between folds instead of between epochs.
    """
    if not estimator_class(model, dataset.task)().early_stopping:
        return {"max_iter": int(max_epochs), "random_state": seed}
    n_train = max(1, len(dataset.X) * (cv - 1) // cv)
    n_classes = int(dataset.y.nunique()) if dataset.task == "classification" else None
    return {**best_epoch_params(max_epochs, n_train, n_classes), "random_state": seed}


# --------------------------------------------------------------------------- the trial
class Objective:
    """Optuna objective: cross-validated score of a pipeline with sampled parameters.

    Parameters
    ----------
    dataset : skact.data.Dataset
        The training rows (all of them: hyperparameters are chosen by cross-validation on the
        training data, never on a test split).
    space : SearchSpace
    model : {"mlp", "cnn"}
    cv : cross-validation splitter
        E.g. ``StratifiedKFold(5, shuffle=True, random_state=seed)``.
    scoring : str
        A scikit-learn scorer name; greater is better.
    base_params : dict
        Estimator parameters shared by all trials (see :func:`base_params`).
    prune : bool, default=True
        Report scores as the trial goes and stop when the pruner says so: each epoch's
        score on the held-out rows of an estimator that holds rows out
        (``early_stopping=True``), otherwise the mean score over the folds done so far.
    on_epoch : callable, default=None
        Progress: called with a :class:`skact.engine.callbacks.EpochEvent` (``tag`` the trial
        number, ``fit`` the fold) when each fold's fit starts, after each epoch and when it
        ends. ``None`` adds no callback at all.

    Returns (when called)
    ---------------------
    float
        The mean cross-validated score. The trial's user attributes get ``score_std``,
        ``cv_scores`` and ``fit_time`` (mean seconds per fold).
    """

    def __init__(self, dataset, space, model, cv, scoring, base_params, prune=True,
                 on_epoch=None):
        self.dataset = dataset
        self.space = space
        self.model = model
        self.cv = cv
        self.scoring = scoring
        self.base_params = dict(base_params)
        self.prune = prune
        self.on_epoch = on_epoch

    def __call__(self, trial) -> float:
        # who runs the trial: a later run fails it if this process dies (kill -9, OOM)
        _set_user_attr(trial, "worker", worker_identity())
        try:
            # the search holds Ctrl-C through Optuna's bookkeeping; training may be cut
            with CTRL_C.lifted():
                return self._score(trial)
        except KeyboardInterrupt:
            _set_user_attr(trial, "interrupted", True)
            raise

    def _score(self, trial) -> float:
        from skact.engine.callbacks import EpochProgress, OptunaPruning

        params = self.space.suggest(trial)
        pipe = make_pipeline(self.dataset, self.model, params, self.base_params)
        # per-epoch pruning needs each epoch's score on held-out rows; a fit on every row
        # of the fold is pruned between folds
        held_out = bool(pipe.named_steps[MODEL_STEP].early_stopping)
        steps = int(self.base_params.get("max_iter", 1000))
        # a seeded first trial (the defaults, then each other activation) reports its
        # scores but runs every fold and epoch: the pruner judges only what the sampler
        # proposes, so every activation gets a complete score
        may_prune = not is_seeded(trial)
        callbacks = []
        if self.on_epoch is not None:  # first: it sees the epoch a pruning ends
            callbacks.append(EpochProgress(self.on_epoch, steps, tag=trial.number))
        if self.prune and held_out:
            callbacks.append(OptunaPruning(trial, steps_per_fit=steps, prune=may_prune))
        fit_params = {f"{MODEL_STEP}__callbacks": callbacks} if callbacks else {}
        shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
        out_of_memory = False
        try:
            result = self._cross_validate(
                pipe, fit_params, trial if self.prune and not held_out else None, may_prune)
        except ValueError as exc:
            # the estimators raise ValueError naming a bad hyperparameter: a user error when
            # the space came from a file
            if type(exc) is ValueError:
                message = f"trial with {shown} failed: {exc}"
                _set_user_attr(trial, "error", message)
                raise SpaceError(message) from exc
            raise
        except RuntimeError as exc:
            if not is_cuda_out_of_memory(exc):
                raise
            out_of_memory = True  # raised below, once this handler has let go of the
            # traceback, whose frames hold the trial's tensors on the GPU
        if out_of_memory:
            # kept in the study as text: worded without a parameter or flag to respell
            message = (f"trial with {shown} ran out of GPU memory; run fewer trials at once, "
                       "or smaller networks or batches")
            _set_user_attr(trial, "error", message)
            raise DeviceError(message)
        scores = np.asarray(result["test_score"], dtype=float)
        _set_user_attr(trial, "cv_scores", [float(s) for s in scores])
        _set_user_attr(trial, "score_std", float(scores.std()))
        _set_user_attr(trial, "fit_time", float(np.mean(result["fit_time"])))
        return float(scores.mean())

    def _cross_validate(self, pipe, fit_params, fold_trial=None, may_prune=True):
        """``cross_validate``'s scores and fit times; with ``fold_trial``, one fold at a
        time, reporting the mean score so far after each (step = folds done) and, with
        ``may_prune``, raising ``optuna.TrialPruned`` when the trial's pruner says so."""
        from sklearn.model_selection import cross_validate

        X, y = self.dataset.X, self.dataset.y
        run = partial(cross_validate, pipe, X, y, scoring=self.scoring, params=fit_params,
                      error_score="raise")
        if fold_trial is None:
            return run(cv=self.cv)
        folds = list(self.cv.split(X, y))
        scores, fit_times = [], []
        for done, fold in enumerate(folds, start=1):
            result = run(cv=[fold])
            scores.append(float(result["test_score"][0]))
            fit_times.append(float(result["fit_time"][0]))
            fold_trial.report(float(np.mean(scores)), done)
            if may_prune and done < len(folds) and fold_trial.should_prune():
                import optuna

                raise optuna.TrialPruned(
                    f"pruned after fold {done} of {len(folds)}: mean score "
                    f"{np.mean(scores):.4f}")
        return {"test_score": np.array(scores), "fit_time": np.array(fit_times)}


#: The user attribute that marks ``skact tune``'s seeded first trials (never pruned).
SEEDED = "seeded"


def is_seeded(trial) -> bool:
    """Whether ``trial`` is one of the seeded first trials (:func:`enqueue_trials` marks
    them), which the pruner must not stop."""
    return bool((getattr(trial, "user_attrs", None) or {}).get(SEEDED))


def _set_user_attr(trial, key, value):
    setter = getattr(trial, "set_user_attr", None)
    if setter is not None:
        setter(key, value)
