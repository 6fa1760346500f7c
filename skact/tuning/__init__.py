"""Search spaces, the Optuna objective, grid search, trial records and result files.

This is the library behind ``skact tune`` and ``skact predict``; the command line only parses
options and renders what these functions return. Import the names from here; the modules
below are how the package is organised, one concern each:

- :mod:`~skact.tuning.space`: :class:`SearchSpace` declares the hyperparameters in one place
  (:func:`default_space`). Layer sizes are stored in the study as strings such as
  ``"128-64"`` so persistent storages accept them.
- :mod:`~skact.tuning.space_file`: :func:`load_space` reads a space from a TOML or JSON
  file, checking every entry (activation names too) before anything heavy is imported.
- :mod:`~skact.tuning.storages`: journal files that survive shared use: a lock no dead
  worker can leave behind, journals that never keep half a record.
- :mod:`~skact.tuning.databases`: database storages: tables created safely by workers that
  start together, a heartbeat that outlives an outage, a default connect timeout.
- :mod:`~skact.tuning.storage_errors`: one line per storage failure (a full disk, a
  database gone), saying what was kept, with secrets masked (:func:`mask_url`).
- :mod:`~skact.tuning.liveness`: whether any other worker of a journal or SQLite file lives,
  so that no trial stays running for ever.
- :mod:`~skact.tuning.study`: creating or joining a study (:func:`open_study`), failing the
  trials of dead workers, and holding Ctrl-C and SIGTERM through Optuna's bookkeeping
  (:data:`CTRL_C`).
- :mod:`~skact.tuning.objective`: :class:`Objective` is a callable class for
  ``study.optimize``: it samples parameters, cross-validates a preprocessing + estimator
  pipeline on the training rows, and reports per-epoch validation scores for pruning through
  :class:`skact.engine.callbacks.OptunaPruning`. It works with ``optuna.trial.FixedTrial`` for
  testing.
- :mod:`~skact.tuning.tuner`: :class:`Tuner` runs a whole search (Optuna, or
  ``GridSearchCV`` through :mod:`~skact.tuning.grid`) and refits the best pipeline on all
  training rows.
- :mod:`~skact.tuning.folds`: the study's design: :func:`fold_design` folds by row, or by
  group (``StratifiedGroupKFold``/``GroupKFold``) when rows of one unit are not independent.
- :mod:`~skact.tuning.evaluation`: :func:`evaluate` scores a final model once on held-out
  rows (UAR, macro F1, per-class results, confusion matrix; R², MAE, RMSE);
  :func:`evaluate_model` does it for a saved model.
- :mod:`~skact.tuning.records`: trials as plain records, :func:`leaderboard`,
  :func:`activation_summary`.
- :mod:`~skact.tuning.results`: :func:`write_trials_csv` and :func:`write_summary` write
  files atomically (a temporary file in the same directory, then ``os.replace``), so an
  interrupted run never leaves a half-written file.

Model files (:func:`save_model`, :func:`load_model`, :func:`predict_frame`) live in
:mod:`skact.model_files` and :func:`write_atomic` in :mod:`skact.model_files.atomic`;
both are re-exported here.
"""

from importlib import import_module

# Each name is imported from its module on first use (PEP 562), so that a command that only
# checks its options or reads a CSV (``skact tune missing.csv``) answers without importing
# torch, skorch and Optuna first.
_MODULES = {
    "skact.model_files.atomic": (
        "write_atomic",
    ),
    "skact.model_files.saving": (
        "MODEL_FORMAT", "MODEL_FORMAT_VERSION", "MODEL_STEP", "load_model", "numeric_columns",
        "predict_frame", "save_model",
    ),
    "skact.tuning.evaluation": (
        "evaluate", "evaluate_model",
    ),
    "skact.tuning.folds": (
        "FoldDesign", "GroupFolds", "fold_design",
    ),
    "skact.tuning.objective": (
        "Objective", "base_params", "best_epoch_params", "check_scoring", "check_space",
        "default_scoring", "estimator_class", "make_pipeline",
    ),
    "skact.tuning.records": (
        "activation_summary", "leaderboard", "records_from_grid", "records_from_study",
        "records_from_study_trial",
    ),
    "skact.tuning.results": (
        "make_summary", "versions", "write_summary", "write_trials_csv",
    ),
    "skact.tuning.space": (
        "DEFAULT_ACTIVATIONS", "LAYER_PARAMS", "MODELS", "Choice", "Fixed", "FloatRange",
        "IntRange", "SearchSpace", "check_activations", "default_space", "format_layers",
        "grid_space", "parse_layers", "starting_trials",
    ),
    "skact.tuning.space_file": (
        "load_space",
    ),
    "skact.tuning.study": (
        "CTRL_C", "DeferredCtrlC", "InterruptSafeLock", "OptunaSettings", "make_storage",
        "mask_url", "open_study",
    ),
    "skact.tuning.tuner": (
        "Tuner", "TuneResult",
    ),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "CTRL_C",
    "DEFAULT_ACTIVATIONS",
    "LAYER_PARAMS",
    "MODELS",
    "MODEL_FORMAT",
    "MODEL_FORMAT_VERSION",
    "MODEL_STEP",
    "Choice",
    "DeferredCtrlC",
    "Fixed",
    "FloatRange",
    "FoldDesign",
    "GroupFolds",
    "IntRange",
    "InterruptSafeLock",
    "Objective",
    "OptunaSettings",
    "SearchSpace",
    "TuneResult",
    "Tuner",
    "activation_summary",
    "base_params",
    "best_epoch_params",
    "check_activations",
    "check_scoring",
    "check_space",
    "default_scoring",
    "default_space",
    "estimator_class",
    "evaluate",
    "evaluate_model",
    "fold_design",
    "format_layers",
    "grid_space",
    "leaderboard",
    "load_model",
    "load_space",
    "make_pipeline",
    "make_storage",
    "make_summary",
    "mask_url",
    "numeric_columns",
    "open_study",
    "parse_layers",
    "starting_trials",
    "predict_frame",
    "records_from_grid",
    "records_from_study",
    "records_from_study_trial",
    "save_model",
    "versions",
    "write_atomic",
    "write_summary",
    "write_trials_csv",
]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'skact.tuning' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
