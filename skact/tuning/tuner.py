"""The search loop behind ``skact tune``: Optuna trials or a ``GridSearchCV``, then the refit.

:class:`Tuner` checks its inputs before anything runs, runs the search (stopping cleanly on
Ctrl-C), turns the trials into records and refits the best pipeline on all training rows;
a run's outcome is a :class:`TuneResult`. Rows are folded as the study's design says
(:mod:`skact.tuning.folds`: by group when groups are given), and test rows given to it are
scored once, by the refit pipeline, after the search (:mod:`skact.tuning.evaluation`).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from skact.engine.devices import resolve_device
from skact.engine.threads import shared_by_jobs as _torch_threads_for
from skact.exceptions import DeviceError, SpaceError
from skact.model_files import MODEL_STEP
from skact.tuning.folds import fold_design
from skact.tuning.objective import (
    Objective,
    base_params,
    check_scoring,
    check_space,
    default_scoring,
    estimator_class,
    make_pipeline,
)
from skact.tuning.records import records_from_study, records_from_study_trial
from skact.tuning.space import (
    DEFAULT_ACTIVATIONS,
    MODELS,
    Fixed,
    FloatRange,
    check_activations,
    default_space,
    grid_space,
    starting_trials,
)
from skact.tuning.storages import is_storage_failure, storage_error
from skact.tuning.study import (
    CTRL_C,
    OptunaSettings,
    _fail_abandoned_trials,
    enqueue_trials,
    open_study,
)


@dataclass
class TuneResult:
    """What a search produced.

    ``records`` covers every trial in the study (including those of earlier runs and other
    workers); ``best`` is the best completed record or ``None``; ``pipeline`` the best
    pipeline refit on all rows (``None`` until :meth:`Tuner.refit`, or when interrupted).
    """

    records: list[dict]
    best: dict | None
    study_name: str | None = None
    interrupted: bool = False
    #: Trials this run (this worker) started; the others came from earlier runs or workers.
    n_new: int = 0
    #: Trials of other workers still running when this run ended: the study's best may
    #: still change after ``best`` was chosen.
    n_running_elsewhere: int = 0
    pipeline: Any = None
    #: The score of a constant prediction on the same folds (:meth:`Tuner.constant_baseline`).
    baseline: Any = None
    param_names: list[str] = field(default_factory=list)
    #: The refit pipeline's metrics on the test rows (:func:`~skact.tuning.evaluation.
    #: evaluate`), once they are scored; ``None`` without test rows.
    test: dict | None = None

    @property
    def best_params(self) -> dict | None:
        if self.best is None:
            return None
        return {k: self.best[k] for k in self.param_names if k in self.best}


class Tuner:
    """Run ``skact tune``: check the inputs, search, refit the best pipeline.

    Parameters
    ----------
    dataset : skact.data.Dataset
    model : {"mlp", "cnn"}
    search : {"optuna", "grid"}
    space : SearchSpace, default=None
        ``None``: :func:`default_space` (Optuna) or :func:`grid_space` (grid).
    activations : list of str, default=None
        Narrow the activation choices.
    n_trials, timeout : Optuna budget (per run; every worker runs its own ``n_trials``).
    cv : int
        Folds; stratified and shuffled for classification.
    groups : str or array-like, default=None
        Fold by group, so that no group is in a training and a validation fold at once
        (``StratifiedGroupKFold`` for classification, ``GroupKFold`` for regression): a
        feature column of ``dataset`` (it stops being a feature), or one id per row.
    test : skact.data.TestRows, default=None
        Rows held out (:func:`skact.data.set_aside_test`): never seen by the search or the
        refit, scored once by the refit pipeline (``TuneResult.test``).
    scoring : str, default=None
        A scikit-learn scorer name; ``None``: :func:`default_scoring`.
    max_epochs : int, default=None
        Epochs per fit; ``None``: the estimator's default (96 for the "mlp" classifier, 64
        for the "mlp" regressor, 60 for "cnn").
    n_jobs : int
        Parallel trials (Optuna) or parallel fits (grid), in threads; on a GPU they share
        it (a trial that runs out of its memory fails, saying so; the others go on).
    settings : OptunaSettings
    device : {"cpu", "cuda", "cuda:N", "auto"}, default="cpu"
        Where every fit trains (the estimators' ``device``), resolved once here
        (:func:`skact.engine.devices.resolve_device`): ``self.device`` is "cpu" or the GPU.
    """

    def __init__(
        self,
        dataset,
        *,
        model="mlp",
        search="optuna",
        space=None,
        activations=None,
        n_trials=20,
        timeout=None,
        cv=5,
        scoring=None,
        max_epochs=None,
        n_jobs=1,
        settings=None,
        prune=True,
        device="cpu",
        groups=None,
        test=None,
    ):
        if model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {model!r}")
        if search not in ("optuna", "grid"):
            raise ValueError(f"search must be 'optuna' or 'grid', got {search!r}")
        if isinstance(groups, str):
            from skact.data import take_groups

            dataset, groups = take_groups(dataset, groups)
        self.dataset = dataset
        self.test = test
        self.model = model
        self.search = search
        self.n_trials = n_trials
        self.timeout = timeout
        self.n_folds = cv
        self.scoring = check_scoring(scoring or default_scoring(dataset.task))
        #: The parameters of the estimator the search builds, at its defaults.
        self.estimator_defaults = estimator_class(model, dataset.task)().get_params()
        self.max_epochs = max_epochs or self.estimator_defaults["max_iter"]
        self.n_jobs = n_jobs
        self.settings = settings or OptunaSettings()
        self.prune = prune
        #: How the rows are folded (:class:`~skact.tuning.folds.FoldDesign`).
        self.folds = fold_design(dataset.task, cv, self.settings.seed, groups,
                                 n_rows=dataset.n_rows)
        if activations is not None:
            activations = check_activations(activations)
        if space is None:
            if search == "grid":
                space = grid_space(model, activations or DEFAULT_ACTIVATIONS)
            else:
                space = default_space(model, dataset.task)
        if activations is not None:
            space = space.with_activations(activations)
        self.space = check_space(space, model, dataset.task)
        if search == "grid":
            self.space.grid()  # ranges are an error before anything runs
        self.device = resolve_device(device)
        self.base_params = {
            **base_params(dataset, self.max_epochs, self.settings.seed, cv, model),
            "device": self.device,
        }
        self.study_name = self.settings.study_name
        self.study = None
        #: What opening the study repaired or cleaned up (a journal's half-written record,
        #: trials of dead workers), for the user.
        self.notes: list[str] = []

    def splitter(self):
        """The cross-validation splitter of :attr:`folds` (grouped when groups were given)."""
        return self.folds.splitter()

    def study_attrs(self) -> dict:
        ds = self.dataset
        return {
            "task": ds.task,
            "target": ds.target,
            "model": self.model,
            "scoring": self.scoring,
            "cv": self.n_folds,
            "max_epochs": self.max_epochs,
            "features": ds.feature_columns,
            "space": self.space.describe(),
            # only when set, so that studies created before these keys still match
            **({"groups": self.folds.study_key()} if self.folds.study_key() else {}),
            **({"test": self.test.source} if self.test is not None else {}),
        }

    def objective(self, on_epoch=None) -> Objective:
        return Objective(self.dataset, self.space, self.model, self.splitter(), self.scoring,
                         self.base_params, prune=self.prune, on_epoch=on_epoch)

    # -- runs --------------------------------------------------------------------------
    def run(self, on_trial: Callable[[dict, dict | None], None] | None = None,
            on_epoch: Callable | None = None) -> TuneResult:
        """Search. ``on_trial(record, best_record)`` is called after each finished trial
        (Optuna) or fit (grid); ``on_epoch(event)`` with a
        :class:`skact.engine.callbacks.EpochEvent` as each fit starts, trains an epoch and
        ends (``tag``: the trial number; for a grid, see
        :class:`skact.tuning.progress.GridEpochs`), from worker threads when
        ``n_jobs > 1``. Ctrl-C ends the search early: the result has ``interrupted=True``
        and holds what finished."""
        with _torch_threads_for(self.n_jobs):
            run = self._run_grid if self.search == "grid" else self._run_optuna
            result = run(on_trial, on_epoch)
        if result.best is not None and not result.interrupted:
            result.baseline = self.constant_baseline()
        return result

    def _result(self, records, **kw) -> TuneResult:
        # Optuna records only what it sampled: put the space's fixed values back, so
        # the best parameters, trials.csv and the refit model all carry them; values on a
        # step grid are shown as the grid has them (0.3, not 0.30000000000000004).
        fixed = {k: s.value for k, s in self.space.params.items() if isinstance(s, Fixed)}
        stepped = {k: s for k, s in self.space.params.items()
                   if isinstance(s, FloatRange) and s.step is not None}
        for record in records:
            for name, value in fixed.items():
                record.setdefault(name, value)
            for name, spec in stepped.items():
                if name in record:
                    record[name] = spec.tidy(record[name])
        complete = [
            r for r in records
            if r["state"] == "complete" and r["score"] is not None and math.isfinite(r["score"])
        ]
        best = max(complete, key=lambda r: (r["score"], -r["number"])) if complete else None
        return TuneResult(
            records=records, best=best, param_names=list(self.space.params), **kw
        )

    def open(self):
        """Create or join the Optuna study (see :func:`open_study`); returns it.

        :meth:`run` calls this when needed; calling it first surfaces storage errors before
        any progress display starts.
        """
        if self.study is None:
            self.study_name = self.study_name or "skact"
            self.study = open_study(self.settings, self.study_name, self.study_attrs(),
                                    notes=self.notes)
        return self.study

    def best_trial_now(self) -> int | None:
        """The number of the study's best trial now (other workers may have added one since
        the search ended); ``None`` without one."""
        if self.study is None:
            return None
        try:
            return self.study.best_trial.number
        except ValueError:
            return None
        except Exception as exc:  # the storage
            if is_storage_failure(exc):
                return None
            raise

    def records(self) -> list[dict]:
        """The records of every trial in the study now (fixed values filled in), e.g. to
        rewrite trials.csv after each trial."""
        if self.study is None:
            return []
        return self._result(records_from_study(self.study)).records

    def starting_trials(self) -> list[dict]:
        """The trials run before the sampler takes over: the estimator's defaults, then one
        per other activation (:func:`~skact.tuning.space.starting_trials`)."""
        return starting_trials(self.space, self.estimator_defaults)

    def constant_baseline(self):
        """The score of a constant prediction under this search's folds and scorer
        (:func:`~skact.tuning.baseline.constant_baseline`)."""
        from skact.tuning.baseline import constant_baseline

        ds = self.dataset
        return constant_baseline(ds.X, ds.y, ds.task, self.splitter(), self.scoring)

    def _run_optuna(self, on_trial, on_epoch=None) -> TuneResult:
        study = self.open()
        name = self.study_name

        def callback(study, frozen):
            if on_trial is None:
                return
            rec = records_from_study_trial(frozen)
            try:
                best_t = study.best_trial
                best = {"number": best_t.number, "score": best_t.value}
            except ValueError:
                best = None
            on_trial(rec, best)

        def stop_if_interrupted(study, frozen):
            # the trial is recorded: a Ctrl-C held through Optuna's bookkeeping ends it here
            CTRL_C.raise_if_pending()

        # One trial at a time runs in this (the main) thread: hold Ctrl-C through Optuna's
        # own code, let it through while a trial trains. Parallel trials run in worker
        # threads, which signals never reach.
        gate = CTRL_C.held() if self.n_jobs == 1 else contextlib.nullcontext()
        objective, started = self.objective(on_epoch), []

        def run_trial(trial):
            started.append(trial.number)
            return objective(trial)

        interrupted = False
        try:
            with gate:
                # no more than this run will run: none is left queued in a shared study
                first = self.starting_trials()[:self.n_trials]
                enqueue_trials(study, first, self.settings.storage)
                study.optimize(
                    run_trial,
                    n_trials=self.n_trials,
                    timeout=self.timeout,
                    n_jobs=self.n_jobs,
                    callbacks=[callback, stop_if_interrupted],
                    gc_after_trial=False,
                    # one impossible combination, or a trial the GPU had no memory left
                    # for, fails its trial, not the whole run (and the trials that
                    # finished are kept); the message is in "error"
                    catch=(SpaceError, DeviceError),
                )
        except KeyboardInterrupt:
            interrupted = True
        except UnboundLocalError as exc:
            # what Optuna's trial runner raises when a Ctrl-C (a forced second press) lands
            # inside Study.tell, or when the storage failed there (below)
            if not isinstance(exc.__context__, KeyboardInterrupt):
                self._storage_failed(study, started, exc)
            interrupted = True
        except Exception as exc:
            self._storage_failed(study, started, exc)
        if interrupted:
            _fail_abandoned_trials(study, started)
        records = records_from_study(study)
        mine = set(started)
        running = sum(r["state"] == "running" and r["number"] not in mine for r in records)
        return self._result(
            records, study_name=name, interrupted=interrupted, n_new=len(started),
            n_running_elsewhere=running,
        )

    def _storage_failed(self, study, started, exc):
        """Re-raise ``exc`` as one line when the storage failed (a full disk, a database
        gone; the finished trials stay in the storage), as it is otherwise."""
        if not is_storage_failure(exc):
            raise exc
        _fail_abandoned_trials(study, started)
        raise storage_error(self.settings.storage, "record a trial", exc) from None

    def _run_grid(self, on_trial, on_epoch=None) -> TuneResult:
        from skact.tuning.grid import run_grid

        result = run_grid(self, on_trial, on_epoch)
        self.score_test(result)
        return result

    def refit(self, result: TuneResult, on_epoch: Callable | None = None):
        """Fit the best parameters on all rows; sets and returns ``result.pipeline``.
        ``on_epoch`` as in :meth:`run`, with ``tag="refit"``."""
        if result.pipeline is not None or result.best is None:
            return result.pipeline
        pipe = make_pipeline(self.dataset, self.model, result.best_params, self.base_params)
        fit_params = {}
        if on_epoch is not None:
            from skact.engine.callbacks import EpochProgress

            fit_params[f"{MODEL_STEP}__callbacks"] = [
                EpochProgress(on_epoch, self.max_epochs, tag="refit")]
        pipe.fit(self.dataset.X, self.dataset.y, **fit_params)
        result.pipeline = pipe
        self.score_test(result)
        return pipe

    def score_test(self, result: TuneResult) -> dict | None:
        """Score the refit pipeline once on the test rows (``result.test``); ``None``
        without test rows or a pipeline. The test rows are used here and nowhere else."""
        if self.test is None or result.pipeline is None:
            return None
        if result.test is None:
            from skact.tuning.evaluation import evaluate

            X = self.test.X[self.dataset.feature_columns]
            result.test = evaluate(result.pipeline, X, self.test.y, self.dataset.task,
                                   self.scoring, source=self.test.source)
        return result.test
