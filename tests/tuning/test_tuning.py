"""skact.tuning and skact.engine.callbacks: search space, objective, pruning, records, files."""

import io
import json
import os
import signal

import numpy as np
import optuna
import pandas as pd
import pytest
from cli_fixtures import iris_frame
from optuna.storages import JournalStorage
from optuna.trial import TrialState

from skact.data import load_table
from skact.engine.callbacks import OptunaPruning
from skact.exceptions import ModelFileError, ScoringError, SpaceError, StudyError
from skact.tuning import (
    Choice,
    DeferredCtrlC,
    FloatRange,
    InterruptSafeLock,
    IntRange,
    Objective,
    OptunaSettings,
    SearchSpace,
    Tuner,
    activation_summary,
    base_params,
    best_epoch_params,
    check_activations,
    check_scoring,
    default_space,
    format_layers,
    leaderboard,
    load_model,
    load_space,
    mask_url,
    open_study,
    parse_layers,
    predict_frame,
    save_model,
    starting_trials,
    write_atomic,
    write_summary,
    write_trials_csv,
)

optuna.logging.set_verbosity(optuna.logging.WARNING)
pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore:Got `batch_size`:UserWarning"),
]



# ----------------------------------------------------------------------------- space
def test_layer_strings_round_trip():
    assert parse_layers("128-64") == (128, 64)
    assert parse_layers("32") == (32,)
    assert parse_layers([16, 8]) == (16, 8)
    assert format_layers((128, 64)) == "128-64"
    for bad in ("", "a-b", "0", "-3"):
        with pytest.raises(SpaceError, match="layer sizes"):
            parse_layers(bad)


def test_load_space_toml(fast_space):
    space = load_space(fast_space)
    assert space.params["activation"] == Choice(("relu", "tanh", "gelu"))
    assert space.params["hidden_layer_sizes"] == Choice(("8", "16"))
    assert space.params["learning_rate_init"] == FloatRange(0.005, 0.05, log=True)
    assert space.suggest(optuna.trial.FixedTrial(
        {"activation": "tanh", "hidden_layer_sizes": "16", "learning_rate_init": 0.01,
         "alpha": 1e-4}))["batch_size"] == 32


def test_load_space_json_layers_and_int_range(tmp_path):
    path = tmp_path / "space.json"
    path.write_text(json.dumps({
        "hidden_layer_sizes": [[64, 32], "128", 16],
        "n_iter_no_change": {"low": 2, "high": 6, "step": 2},
        "dropout": {"value": 0.1},
    }))
    space = load_space(path)
    assert space.params["hidden_layer_sizes"].choices == ("64-32", "128", "16")
    assert space.params["n_iter_no_change"] == IntRange(2, 6, step=2)
    assert space.grid()["n_iter_no_change"] == [2, 4, 6]
    assert space.grid()["dropout"] == [0.1]


@pytest.mark.parametrize(
    "text, match",
    [
        ("activation = [", "not valid TOML"),
        ("lr = { low = 1 }", "needs both 'low' and 'high'"),
        ("lr = { low = 1, high = 2, bogus = 3 }", "unknown keys"),
        ("activation = []", "empty list"),
        ("alpha = { low = 0.0, high = 1.0, log = true }", "low > 0"),
        ('activation = ["relu", "gleu"]', r"space.toml: unknown activation 'gleu' \(did you"),
        ('activation = "qqq"', "unknown activation 'qqq'; valid activations: .*gelu"),
        ("activation = [1, 2]", "unknown activation 1"),
        ("activation = { low = 0, high = 1 }", "activation must be a name or a list of names"),
    ],
)
def test_load_space_errors(tmp_path, text, match):
    path = tmp_path / "space.toml"
    path.write_text(text)
    with pytest.raises(SpaceError, match=match):
        load_space(path)


def test_load_space_missing_file(tmp_path):
    with pytest.raises(SpaceError, match="no such file"):
        load_space(tmp_path / "nope.toml")


def test_default_space_uses_layer_strings():
    space = default_space("mlp")
    assert all(isinstance(c, str) for c in space.params["hidden_layer_sizes"].choices)
    assert space.params["learning_rate_init"].log
    params = space.suggest(optuna.trial.FixedTrial({
        "activation": "gelu", "hidden_layer_sizes": "256-256", "learning_rate_init": 1e-3,
        "weight_decay": 1e-4, "dropout": 0.2, "batch_size": 64, "numeric_embedding": None,
    }))
    assert SearchSpace.to_estimator_params(params)["hidden_layer_sizes"] == (256, 256)


@pytest.mark.parametrize("model, task", [("mlp", "classification"), ("mlp", "regression"),
                                         ("cnn", "classification"), ("cnn", "regression")])
def test_default_space_starts_at_the_strong_defaults(model, task):
    """Every parameter the default space searches has the estimator's own default as one
    of its points, so the first trial is exactly the strong-default estimator."""
    from skact.tuning.objective import estimator_class

    defaults = estimator_class(model, task)().get_params()
    space = default_space(model, task)
    first, *others = starting_trials(space, defaults)
    assert set(first) == set(space.params)
    fitted = estimator_class(model, task)(**SearchSpace.to_estimator_params(first))
    assert fitted.get_params() == defaults
    assert [t["activation"] for t in others] == [
        a for a in space.activations if a != defaults["activation"]]
    assert all({k: v for k, v in t.items() if k != "activation"} ==
               {k: v for k, v in first.items() if k != "activation"} for t in others)


def test_starting_trials_leave_defaults_outside_the_space_to_the_sampler(fast_space):
    space = load_space(fast_space)  # layers 8/16, lr 0.005..0.05, batch_size fixed
    defaults = {"activation": "selu", "hidden_layer_sizes": (256,), "learning_rate_init": 0.004,
                "alpha": 0.0, "batch_size": 256}
    assert starting_trials(space, defaults) == [
        {"activation": "relu"}, {"activation": "tanh"}, {"activation": "gelu"}]
    defaults["learning_rate_init"] = 0.01
    assert starting_trials(space, defaults)[0] == {"activation": "relu",
                                                   "learning_rate_init": 0.01}


def test_tune_tries_every_activation_first(iris_csv, fast_space):
    """The first trials are one per activation of the space, whatever the sampler would
    draw; a resumed study does not queue them again."""
    ds = load_table(iris_csv, target="species")
    tuner = Tuner(ds, space=load_space(fast_space), n_trials=3, cv=2, max_epochs=3,
                  settings=OptunaSettings(seed=0), prune=False)
    result = tuner.run()
    assert [r["activation"] for r in result.records] == ["relu", "tanh", "gelu"]
    again = Tuner(ds, space=load_space(fast_space), n_trials=2, cv=2, max_epochs=3,
                  settings=OptunaSettings(seed=0), prune=False)
    again.study = tuner.study
    again.study_name = tuner.study_name
    result = again.run()
    assert len(result.records) == 5


def test_check_activations_lists_valid_names():
    assert check_activations(["relu", "swish"]) == ["relu", "swish"]
    with pytest.raises(SpaceError, match=r"unknown activation 'gelux' \(did you mean 'gelu'\?\)"
                                          r"; valid activations: .*relu.*tanh"):
        check_activations(["relu", "gelux"])


def test_check_scoring_lists_valid_names():
    assert check_scoring("r2") == "r2"
    with pytest.raises(ScoringError, match="unknown scorer 'uar'; valid scorers: .*accuracy"):
        check_scoring("uar")


def test_space_parameter_must_exist(iris_csv):
    ds = load_table(iris_csv)
    space = SearchSpace({"hidden_layer_size": Choice(("8",))})
    with pytest.raises(SpaceError, match="did you mean 'hidden_layer_sizes'"):
        Tuner(ds, space=space)


def test_grid_needs_lists(iris_csv):
    ds = load_table(iris_csv)
    space = SearchSpace({"learning_rate_init": FloatRange(1e-3, 1e-2, log=True)})
    with pytest.raises(SpaceError, match="grid search needs a list"):
        Tuner(ds, search="grid", space=space)


def test_classifier_trials_hold_out_rows_as_the_default_estimator_does(iris_csv):
    """tune's first trial is TabularMLPClassifier() itself: 20% of the fold held out to
    keep the best epoch; the CNNs train on every row of it, as they do by default."""
    from skact import TabularMLPClassifier
    from skact.tuning.objective import make_pipeline

    ds = load_table(iris_csv)
    params = base_params(ds, max_epochs=96, seed=3, cv=2)
    assert params == {"max_iter": 96, "random_state": 3, "early_stopping": True,
                      "n_iter_no_change": np.inf, "validation_fraction": 0.2}
    estimator = make_pipeline(ds, "mlp", {}, params)[-1]
    assert estimator.get_params() == TabularMLPClassifier(random_state=3).get_params()
    assert base_params(ds, max_epochs=7, seed=0, cv=2, model="cnn") == {
        "max_iter": 7, "random_state": 0}


def test_regressor_trials_keep_the_best_epoch_on_held_out_rows(diabetes_csv):
    ds = load_table(diabetes_csv)
    params = base_params(ds, max_epochs=7, seed=3, cv=2)
    assert params["max_iter"] == 7 and params["random_state"] == 3
    assert params["early_stopping"] is True and params["n_iter_no_change"] == np.inf
    assert best_epoch_params(7, n_train=1000)["validation_fraction"] == 0.2  # the recipe's
    # 30 training rows, 3 classes: enough held-out rows for every class
    assert best_epoch_params(7, n_train=30, n_classes=3)["validation_fraction"] * 30 >= 3
    assert best_epoch_params(7, n_train=10, n_classes=5)["validation_fraction"] == 0.3  # cap


# ----------------------------------------------------------------------------- callback
class _Net:
    def __init__(self):
        self.history = []


class _RecordingTrial:
    def __init__(self, prune_at=None):
        self.reports = []
        self.prune_at = prune_at

    def report(self, value, step):
        self.reports.append((step, value))

    def should_prune(self):
        return self.prune_at is not None and self.reports[-1][0] >= self.prune_at


def test_pruning_callback_reports_each_epoch_with_fold_offsets():
    trial = _RecordingTrial()
    cb = OptunaPruning(trial, steps_per_fit=10)
    for _fold in range(2):
        net = _Net()
        cb.on_train_begin(net)
        for epoch in (1, 2, 3):
            net.history.append({"epoch": epoch, "train_loss": 1.0, "valid_score": epoch / 10})
            cb.on_epoch_end(net)
    assert [s for s, _ in trial.reports] == [1, 2, 3, 11, 12, 13]
    assert trial.reports[2] == (3, 0.3)


def test_pruning_callback_raises_trial_pruned():
    cb = OptunaPruning(_RecordingTrial(prune_at=2), steps_per_fit=10)
    net = _Net()
    cb.on_train_begin(net)
    net.history.append({"epoch": 1, "valid_score": 0.5})
    cb.on_epoch_end(net)
    net.history.append({"epoch": 2, "valid_score": 0.4})
    with pytest.raises(optuna.TrialPruned, match="epoch 2"):
        cb.on_epoch_end(net)


def test_pruning_callback_skips_epochs_without_validation_score():
    trial = _RecordingTrial()
    cb = OptunaPruning(trial)
    net = _Net()
    net.history.append({"epoch": 1, "train_loss": 0.3})
    cb.on_epoch_end(net)
    assert trial.reports == []


# ----------------------------------------------------------------------------- objective
FIXED = {"activation": "tanh", "hidden_layer_sizes": "16", "learning_rate_init": 0.02,
         "alpha": 1e-4}


def _objective(ds, space_file, **kw):
    from sklearn.model_selection import StratifiedKFold

    return Objective(
        ds, load_space(space_file), "mlp", StratifiedKFold(2, shuffle=True, random_state=0),
        "balanced_accuracy", base_params(ds, max_epochs=10, seed=0, cv=2), **kw,
    )


def test_objective_with_fixed_trial(iris_csv, fast_space):
    ds = load_table(iris_csv)
    trial = optuna.trial.FixedTrial(FIXED)
    score = _objective(ds, fast_space)(trial)
    assert 0.0 <= score <= 1.0
    assert len(trial.user_attrs["cv_scores"]) == 2
    assert trial.user_attrs["fit_time"] > 0


class _PruneFromStep(optuna.pruners.BasePruner):
    def __init__(self, step):
        self.step = step

    def prune(self, study, trial):
        return trial.last_step >= self.step


def test_pruned_trial_is_pruned_not_failed(diabetes_csv, fast_space):
    """TrialPruned raised in the per-epoch callback (a regressor that holds rows out) must
    pass through fit and cross-validation."""
    from sklearn.model_selection import KFold

    ds = load_table(diabetes_csv)
    objective = Objective(ds, load_space(fast_space), "mlp", KFold(2, shuffle=True,
                          random_state=0), "r2", base_params(ds, max_epochs=10, seed=0, cv=2))
    study = optuna.create_study(direction="maximize", pruner=_PruneFromStep(2))
    study.optimize(objective, n_trials=1)
    trial = study.trials[0]
    assert trial.state == optuna.trial.TrialState.PRUNED
    assert list(trial.intermediate_values) == [1, 2]  # epochs 1 and 2 of the first fold


def test_a_trial_trained_on_every_row_is_pruned_between_folds(iris_csv, fast_space):
    """Trained on every row of the fold (no held-out rows to score each epoch on: the CNNs'
    default), a trial reports its mean score after each fold."""
    from sklearn.model_selection import StratifiedKFold

    ds = load_table(iris_csv)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    objective = Objective(ds, load_space(fast_space), "mlp", cv, "balanced_accuracy",
                          {"max_iter": 10, "random_state": 0, "early_stopping": False})
    def one_trial(pruner):  # the same sampled parameters each time
        study = optuna.create_study(direction="maximize", pruner=pruner,
                                    sampler=optuna.samplers.RandomSampler(seed=0))
        study.optimize(objective, n_trials=1)
        return study.trials[0]

    pruned = one_trial(_PruneFromStep(2))
    assert pruned.state == optuna.trial.TrialState.PRUNED
    assert list(pruned.intermediate_values) == [1, 2]
    # never pruned after its last fold: the scores are all in, and they are the trial's
    done = one_trial(_PruneFromStep(3))
    assert done.state == optuna.trial.TrialState.COMPLETE
    scores = done.user_attrs["cv_scores"]
    assert len(scores) == 3 and done.value == pytest.approx(np.mean(scores))
    assert done.intermediate_values == pytest.approx(
        {k: np.mean(scores[:k]) for k in (1, 2, 3)})
    assert pruned.intermediate_values == pytest.approx({1: scores[0], 2: np.mean(scores[:2])})


class _InterruptOnFourthTrial(optuna.pruners.BasePruner):
    """Ctrl-C while the pruner judges trial 3, the first the sampler proposes (the three
    seeded ones, one per activation of the fast space, are never judged)."""

    def prune(self, study, trial):
        if trial.number == 3:
            raise KeyboardInterrupt
        return False


def test_ctrl_c_keeps_finished_trials(iris_csv, fast_space):
    ds = load_table(iris_csv)
    tuner = Tuner(ds, space=load_space(fast_space), n_trials=5, cv=2, max_epochs=5,
                  settings=OptunaSettings(pruner=_InterruptOnFourthTrial()))
    result = tuner.run()
    assert result.interrupted
    states = [r["state"] for r in result.records]
    assert states == ["complete"] * 3 + ["interrupted"]
    assert result.best["number"] in (0, 1, 2)


def test_same_seed_same_trials(iris_csv, fast_space):
    ds = load_table(iris_csv)

    def run():
        tuner = Tuner(ds, space=load_space(fast_space), n_trials=3, cv=2, max_epochs=6,
                      settings=OptunaSettings(seed=7))
        return tuner.run()

    a, b = run(), run()
    strip = [{k: v for k, v in r.items() if k not in ("fit_time", "duration")}
             for r in a.records]
    assert strip == [{k: v for k, v in r.items() if k not in ("fit_time", "duration")}
                     for r in b.records]
    assert a.best_params == b.best_params


def test_optuna_run_and_refit_regression(diabetes_csv, tmp_path):
    ds = load_table(diabetes_csv)
    assert ds.task == "regression"
    space = SearchSpace({"activation": Choice(("relu", "tanh")),
                         "hidden_layer_sizes": Choice(("8",)),
                         "learning_rate_init": FloatRange(0.01, 0.05, log=True)})
    seen = []
    tuner = Tuner(ds, space=space, n_trials=2, cv=2, max_epochs=5)
    result = tuner.run(on_trial=lambda rec, best: seen.append((rec["number"], best)))
    assert tuner.scoring == "r2"
    assert [n for n, _ in seen] == [0, 1]
    assert seen[-1][1]["score"] == result.best["score"]
    pipe = tuner.refit(result)
    assert pipe.predict(ds.X).shape == (ds.n_rows,)


def test_grid_search_runs_every_activation(messy_csv):
    ds = load_table(messy_csv)
    space = SearchSpace({"activation": Choice(("relu", "tanh")),
                         "hidden_layer_sizes": Choice(("8", "4-4"))})
    fits = []
    tuner = Tuner(ds, search="grid", space=space, cv=2, max_epochs=4)
    result = tuner.run(on_trial=lambda rec, best: fits.append(rec))
    assert len(fits) == 4 * 2
    assert sorted((r["activation"], r["hidden_layer_sizes"]) for r in result.records) == [
        ("relu", "4-4"), ("relu", "8"), ("tanh", "4-4"), ("tanh", "8")]
    assert result.pipeline is not None and result.best is not None
    assert set(result.best_params) == {"activation", "hidden_layer_sizes"}


# ----------------------------------------------------------------------------- study
def test_open_study_resumes_and_refuses_mismatch(tmp_path):
    settings = OptunaSettings(storage=str(tmp_path / "j" / "study.journal"), seed=0)
    attrs = {"task": "classification", "target": "y", "scoring": "accuracy"}
    study = open_study(settings, "s", attrs)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    again = open_study(settings, "s", attrs)
    assert len(again.trials) == 2
    with pytest.raises(StudyError, match="scoring: study has 'accuracy', this run 'r2'"):
        open_study(settings, "s", {**attrs, "scoring": "r2"})


def test_a_storage_opened_early_is_kept_for_the_study(tmp_path, monkeypatch):
    """``skact tune`` opens a database first (its errors come before torch's imports)."""
    import skact.tuning.study

    opened, make_storage = [], skact.tuning.study.make_storage

    def counted(*args, **kwargs):
        opened.append(args)
        return make_storage(*args, **kwargs)

    monkeypatch.setattr(skact.tuning.study, "make_storage", counted)
    settings = OptunaSettings(storage=f"sqlite:///{tmp_path / 's.db'}")
    storage = settings.open_storage()
    assert settings.open_storage() is storage
    open_study(settings, "s", {}).optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert len(opened) == 1  # the study was opened on that storage, not a second one
    assert [s.study_name for s in storage.get_all_studies()] == ["s"]
    settings.storage = f"sqlite:///{tmp_path / 'other.db'}"  # changed settings: reopened
    assert settings.open_storage() is not storage and len(opened) == 2
    (tmp_path / "a_file").write_text("")
    with pytest.raises(StudyError, match="cannot open the storage in sqlite:///"):
        OptunaSettings(storage=f"sqlite:///{tmp_path / 'a_file' / 's.db'}").open_storage()


def test_open_study_bad_url():
    with pytest.raises(StudyError, match="cannot open study|database driver"):
        open_study(OptunaSettings(storage="nosuchdb://x/y"), "s", {})


@pytest.mark.parametrize("url, masked", [
    ("postgresql://u:pw@h:5432/db", "postgresql://***@h:5432/db"),
    ("postgresql://u:p@ss@h/db", "postgresql://***@h/db"),  # a raw '@' in the password
    ("postgresql+psycopg2://u@h/db?password=pw&sslmode=require",
     "postgresql+psycopg2://***@h/db?password=***&sslmode=require"),
    ("postgresql://h/db?user=u&password=p@ss", "postgresql://h/db?user=***&password=***"),
    ("sqlite:///x.db", "sqlite:///x.db"),
    ("runs.journal", "runs.journal"),
])
def test_mask_url(url, masked):
    assert mask_url(url) == masked


# ----------------------------------------------------------------------------- records
RECORDS = [
    {"number": 0, "state": "complete", "score": 0.7, "activation": "relu"},
    {"number": 1, "state": "pruned", "score": None, "activation": "tanh"},
    {"number": 2, "state": "complete", "score": 0.9, "activation": "tanh"},
    {"number": 3, "state": "fail", "score": None, "activation": "relu"},
    {"number": 4, "state": "complete", "score": 0.8, "activation": "relu"},
]


def test_leaderboard_order():
    assert [r["number"] for r in leaderboard(RECORDS)] == [2, 4, 0, 1, 3]


def test_activation_summary():
    rows = activation_summary(RECORDS)
    assert [r["activation"] for r in rows] == ["tanh", "relu"]
    tanh, relu = rows
    assert (tanh["best"], tanh["mean"], tanh["pruned"], tanh["trials"]) == (0.9, 0.9, 1, 2)
    assert (relu["best"], relu["mean"], relu["complete"]) == (0.8, 0.75, 2)


# ----------------------------------------------------------------------------- files
def test_write_atomic_never_leaves_partial_files(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")

    def fail(fh):
        fh.write("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, fail)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_trials_csv_and_summary(tmp_path):
    recs = [dict(r, cv_scores=[0.5, 0.6] if r["score"] else None) for r in RECORDS]
    write_trials_csv(tmp_path / "trials.csv", recs)
    df = pd.read_csv(tmp_path / "trials.csv")
    assert df.columns[:3].tolist() == ["number", "state", "score"]
    assert len(df) == 5 and "activation" in df.columns
    write_summary(tmp_path / "summary.json", {"x": np.float32(0.5), "t": (1, 2)})
    assert json.loads((tmp_path / "summary.json").read_text()) == {"x": 0.5, "t": [1, 2]}


def test_model_file_round_trip(tmp_path):
    from sklearn.pipeline import make_pipeline

    from skact import MLPClassifier
    from skact.data import make_preprocessor

    df = iris_frame()
    X, y = df.drop(columns="species"), df["species"]
    pipe = make_pipeline(make_preprocessor(list(X.columns), []),
                         MLPClassifier(hidden_layer_sizes=(4,), max_iter=5))
    pipe.fit(X, y)
    meta = {"feature_columns": list(X.columns), "target": "species", "task": "classification"}
    save_model(tmp_path / "model.skact", pipe, meta)
    bundle = load_model(tmp_path)  # the run directory works too
    preds = predict_frame(bundle, df, proba=True)  # target column present: ignored
    assert (preds["prediction"] == pipe.predict(X)).all()
    assert [c for c in preds.columns if c.startswith("proba_")] == [
        "proba_setosa", "proba_versicolor", "proba_virginica"]
    with pytest.raises(Exception, match="lacks feature columns .*'petal_width'"):
        predict_frame(bundle, df.drop(columns="petal_width"))


def test_load_model_errors(tmp_path):
    import joblib

    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "nope.joblib")
    junk = tmp_path / "junk.joblib"
    junk.write_bytes(b"not a pickle at all")
    with pytest.raises(ModelFileError, match="not a model file saved by skact"):
        load_model(junk)
    other = tmp_path / "other.joblib"
    joblib.dump({"something": 1}, other)
    with pytest.raises(ModelFileError, match="is a pickle"):
        load_model(other)
    with (pytest.warns(UserWarning, match="is a pickle"),
          pytest.raises(ModelFileError, match="not a model file saved by skact")):
        load_model(other, allow_pickle=True)


def test_rdb_url_is_passed_through(tmp_path):
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    study = open_study(OptunaSettings(storage=url), "rdb", {"task": "regression"})
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert (tmp_path / "optuna.db").exists()
    assert len(open_study(OptunaSettings(storage=url), "rdb", {"task": "regression"}).trials) == 1


def test_parallel_trials(iris_csv, fast_space):
    ds = load_table(iris_csv)
    tuner = Tuner(ds, space=load_space(fast_space), n_trials=2, cv=2, max_epochs=3, n_jobs=2)
    result = tuner.run()
    assert len(result.records) == 2 and result.best is not None


def test_fixed_values_of_a_space_reach_the_records_and_the_refit_model(iris_csv, tmp_path):
    path = tmp_path / "fixed.toml"
    path.write_text('activation = ["tanh", "gelu"]\nhidden_layer_sizes = "7-5"\n'
                    "batch_size = 16\nlearning_rate_init = 0.02\n")
    ds = load_table(iris_csv)
    tuner = Tuner(ds, space=load_space(path), n_trials=2, cv=2, max_epochs=3)
    result = tuner.run()
    assert all(r["hidden_layer_sizes"] == "7-5" and r["batch_size"] == 16
               for r in result.records)
    assert result.best_params["learning_rate_init"] == 0.02
    model = tuner.refit(result)[-1]
    assert model.hidden_layer_sizes == (7, 5) and model.batch_size == 16
    assert model.learning_rate_init == 0.02


def test_values_on_a_step_grid_are_recorded_as_the_grid_has_them(iris_csv, tmp_path):
    """Optuna computes 0.0 + 3 * 0.1 = 0.30000000000000004; records, trials.csv and the
    refit model show 0.3."""
    path = tmp_path / "steps.toml"
    path.write_text('activation = ["relu"]\nhidden_layer_sizes = "5"\nmax_iter = 3\n'
                    "dropout = { low = 0.0, high = 0.9, step = 0.1 }\n")
    tuner = Tuner(load_table(iris_csv), space=load_space(path), n_trials=12, cv=2,
                  max_epochs=3)
    result = tuner.run()
    grid = {round(0.1 * k, 1) for k in range(10)}
    shown = [r["dropout"] for r in result.records]
    assert set(shown) <= grid and len(set(shown)) > 3, shown
    assert all(len(repr(v)) == 3 for v in shown), shown
    assert tuner.refit(result)[-1].dropout in grid


def _codes_csv(tmp_path, with_gap=False):
    rng = np.random.RandomState(0)
    n = 60
    frame = pd.DataFrame({
        "x": rng.randn(n),
        "grade": rng.choice(["1", "2", "A"], n),
        "label": rng.choice([1, 2, 3], n),
    })
    if with_gap:
        frame["label"] = frame["label"].astype(float)
        frame.loc[3, "label"] = np.nan
    path = tmp_path / "codes.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_predict_reads_category_codes_that_look_numeric(tmp_path):
    from skact.tuning import make_pipeline

    path, frame = _codes_csv(tmp_path)
    ds = load_table(path)
    pipe = make_pipeline(ds, "mlp", {"hidden_layer_sizes": "8"}, {"max_iter": 5})
    pipe.fit(ds.X, ds.y)
    bundle = {"pipeline": pipe, "feature_columns": ds.feature_columns, "task": ds.task}
    numeric_only = frame[frame["grade"] != "A"].drop(columns="label")
    reread = pd.read_csv(io.StringIO(numeric_only.to_csv(index=False)))
    assert reread["grade"].dtype.kind == "i"  # the new file's codes come back as numbers
    encoded = pipe[0].transform(reread[ds.feature_columns])
    assert (encoded[:, 1:].sum(axis=1) == 1).all()  # each row still hits one known category
    ours = predict_frame(bundle, reread)["prediction"]
    expected = pipe.predict(frame[frame["grade"] != "A"][ds.feature_columns])
    np.testing.assert_array_equal(ours, expected)


def test_predict_names_a_non_numeric_value_in_a_numeric_column(tmp_path):
    from skact.exceptions import DataError
    from skact.tuning import make_pipeline

    path, frame = _codes_csv(tmp_path)
    ds = load_table(path)
    pipe = make_pipeline(ds, "mlp", {"hidden_layer_sizes": "8"}, {"max_iter": 2})
    pipe.fit(ds.X, ds.y)
    bundle = {"pipeline": pipe, "feature_columns": ds.feature_columns, "task": ds.task}
    bad = frame.drop(columns="label").astype({"x": object})
    bad.loc[1, "x"] = "?"
    with pytest.raises(DataError, match=r"column 'x' .* must hold numbers.*row 2 holds '\?'"):
        predict_frame(bundle, bad)


def test_integer_labels_stay_integers_when_the_target_has_gaps(tmp_path):
    path, _ = _codes_csv(tmp_path, with_gap=True)
    ds = load_table(path)
    assert ds.task == "classification"
    assert ds.y.dtype.kind == "i" and sorted(set(ds.y)) == [1, 2, 3]


def test_boolean_target_with_gaps_is_a_real_boolean(tmp_path):
    path = tmp_path / "flags.csv"
    path.write_text("x,flag\n" + "".join(
        f"{i},{'' if i == 5 else ('True' if i % 2 else 'False')}\n" for i in range(20)))
    ds = load_table(path)
    assert ds.task == "classification" and ds.y.dtype == bool


def test_write_atomic_errors_and_permissions(tmp_path):
    import os
    import stat

    from skact.exceptions import SkactError

    target = tmp_path / "out.csv"
    target.write_text("old\n")
    os.chmod(target, 0o644)
    write_atomic(target, lambda fh: fh.write("new\n"))
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o666 & ~_current_umask()
    with pytest.raises(SkactError, match="cannot write .*out.csv/inner.csv"):
        write_atomic(target / "inner.csv", lambda fh: fh.write("x"))


def _current_umask():
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_grid_search_scoring_failure_is_one_clear_error(iris_csv):
    ds = load_table(iris_csv)
    space = SearchSpace({"activation": Choice(["relu"])})
    tuner = Tuner(ds, search="grid", space=space, cv=2, max_epochs=2, scoring="roc_auc")
    with pytest.raises(SpaceError, match="grid search failed with scoring 'roc_auc'"):
        tuner.run()


def test_a_failing_combination_fails_its_trial_not_the_run(iris_csv):
    from skact.tuning import Fixed

    ds = load_table(iris_csv)
    # tanh takes no negative_slope: those trials fail, the leaky_relu ones complete
    space = SearchSpace({"activation": Choice(["leaky_relu", "tanh"]),
                         "activation_params": Fixed({"negative_slope": 0.1})})
    tuner = Tuner(ds, space=space, n_trials=6, cv=2, max_epochs=3,
                  settings=OptunaSettings(seed=0))
    result = tuner.run()
    states = {r["activation"]: r["state"] for r in result.records}
    assert states == {"leaky_relu": "complete", "tanh": "fail"}
    failed = [r for r in result.records if r["state"] == "fail"]
    assert all("not accepted by activation 'tanh'" in r["error"] for r in failed)
    assert result.best["activation"] == "leaky_relu"


# ------------------------------------------------------------------ Ctrl-C --
def press_ctrl_c(times=1):
    for _ in range(times):
        os.kill(os.getpid(), signal.SIGINT)


def journal_tuner(iris_csv, fast_space, tmp_path):
    """A 5-trial search stored in a journal file: the storage whose writes the tests cut."""
    settings = OptunaSettings(storage=str(tmp_path / "study.journal"), study_name="s")
    return Tuner(load_table(iris_csv), space=load_space(fast_space), n_trials=5, cv=2,
                 max_epochs=3, settings=settings)


def ctrl_c_while_recording(monkeypatch, presses):
    """Press Ctrl-C ``presses`` times as Optuna starts writing a completed trial."""
    write_state = JournalStorage.set_trial_state_values

    def write(self, trial_id, state, values=None):
        if state == TrialState.COMPLETE:
            press_ctrl_c(presses)
        return write_state(self, trial_id, state, values)

    monkeypatch.setattr(JournalStorage, "set_trial_state_values", write)


def test_journal_lock_holds_ctrl_c_until_released():
    """Optuna's symlink lock turns a badly timed Ctrl-C into FileNotFoundError; ours defers
    it to just after the release."""
    events = []

    class Inner:
        def acquire(self):
            press_ctrl_c()  # while taking the lock
            events.append("acquired")
            return True

        def release(self):
            events.append("released")

    lock = InterruptSafeLock(Inner())
    lock.acquire()
    events.append("wrote")
    with pytest.raises(KeyboardInterrupt):
        lock.release()
    assert events == ["acquired", "wrote", "released"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_while_optuna_records_a_trial_keeps_it_and_stops(iris_csv, fast_space, tmp_path,
                                                               monkeypatch):
    """A Ctrl-C that lands while Optuna writes a finished trial to the journal waits until the
    trial is recorded, then ends the search. (Raised inside Optuna's ``tell`` it would
    surface as an UnboundLocalError from Optuna and lose the interrupt.)"""
    ctrl_c_while_recording(monkeypatch, presses=1)
    result = journal_tuner(iris_csv, fast_space, tmp_path).run()
    assert result.interrupted
    assert [r["state"] for r in result.records] == ["complete"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_forced_ctrl_c_inside_optunas_bookkeeping_still_ends_the_search(
        iris_csv, fast_space, tmp_path, monkeypatch):
    ctrl_c_while_recording(monkeypatch, presses=2)
    result = journal_tuner(iris_csv, fast_space, tmp_path).run()
    assert result.interrupted
    # forced: the trial was cut before it was recorded, and is not left running
    assert [r["state"] for r in result.records] == ["fail"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def ctrl_c_when_the_second_trial_is_created(monkeypatch):
    """Press Ctrl-C inside the journal storage's second ``create_new_trial``; returns the
    original method."""
    create_trial = JournalStorage.create_new_trial
    calls = []

    def ctrl_c_while_creating(self, study_id, template_trial=None):
        calls.append(study_id)
        if len(calls) == 2:
            press_ctrl_c()
        return create_trial(self, study_id, template_trial)

    monkeypatch.setattr(JournalStorage, "create_new_trial", ctrl_c_while_creating)
    return create_trial


def test_ctrl_c_while_a_trial_is_being_created_interrupts_only_that_trial(iris_csv, fast_space,
                                                                    tmp_path, monkeypatch):
    """Ctrl-C inside Optuna's ``ask`` must not leave a trial RUNNING forever in the journal."""
    ctrl_c_when_the_second_trial_is_created(monkeypatch)
    monkeypatch.setattr(Tuner, "starting_trials", lambda self: [])  # trials made by ``ask``
    result = journal_tuner(iris_csv, fast_space, tmp_path).run()
    assert result.interrupted
    assert [r["state"] for r in result.records] == ["complete", "interrupted"]


def test_ctrl_c_while_the_first_trials_are_queued_loses_nothing(iris_csv, fast_space, tmp_path,
                                                                monkeypatch):
    """Ctrl-C while tune queues its first trials ends the run cleanly; the next run of the
    same study queues only what is missing and runs them."""
    create_trial = ctrl_c_when_the_second_trial_is_created(monkeypatch)  # queued, here
    result = journal_tuner(iris_csv, fast_space, tmp_path).run()
    assert result.interrupted and result.records == []
    monkeypatch.setattr(JournalStorage, "create_new_trial", create_trial)
    result = journal_tuner(iris_csv, fast_space, tmp_path).run()
    assert not result.interrupted and len(result.records) == 5
    assert sorted(r["activation"] for r in result.records[:3]) == ["gelu", "relu", "tanh"]


def test_ctrl_c_gate_defers_while_held_and_lets_through_while_lifted():
    gate = DeferredCtrlC()
    reached = []
    with pytest.raises(KeyboardInterrupt), gate.held():
        press_ctrl_c()  # held: only noted
        reached.append("after held ctrl-c")
        with gate.lifted():  # the noted one is raised on entry
            reached.append("lifted body")
    assert reached == ["after held ctrl-c"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    with gate.held():
        with pytest.raises(KeyboardInterrupt), gate.lifted():
            press_ctrl_c()  # lifted: raised at once
            reached.append("not reached")
        assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    assert reached == ["after held ctrl-c"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_second_ctrl_c_while_held_interrupts_at_once():
    """A held section may be stalled (a database over the network): pressing Ctrl-C again
    must not be ignored."""
    gate = DeferredCtrlC()
    reached = []
    with pytest.raises(KeyboardInterrupt), gate.held():
        press_ctrl_c()
        reached.append("first press held")
        press_ctrl_c()
        reached.append("second press held too")
    assert reached == ["first press held"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_second_ctrl_c_after_one_that_stopped_training_is_not_held():
    """The usual case: the first press stops the trial's training; while Optuna records the
    failed trial (perhaps stalled), the next press must act at once."""
    gate = DeferredCtrlC()
    reached = []
    with pytest.raises(KeyboardInterrupt), gate.held():
        with pytest.raises(KeyboardInterrupt), gate.lifted():
            press_ctrl_c()  # first press: training stops
        reached.append("recording the interrupted trial")
        press_ctrl_c()  # second press while held: at once
        reached.append("not reached")
    assert reached == ["recording the interrupted trial"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with pytest.raises(KeyboardInterrupt), gate.held():  # a new section starts afresh:
        press_ctrl_c()  # one press is held again, raised on leaving
        reached.append("held again")
    assert reached[-1] == "held again"


def test_layers_too_large_for_memory_are_refused_before_allocating():
    import numpy as np

    from skact import MLPRegressor

    X, y = np.random.default_rng(0).random((10, 2)), np.arange(10.0)
    with pytest.raises(ValueError, match=r"hidden_layer_sizes=\(1000000, 1000000\) needs at "
                                         r"least 7\.3 TiB of memory"):
        MLPRegressor(hidden_layer_sizes=(10**6, 10**6)).fit(X, y)


# ----------------------------------------------------------------- constant baseline
def test_constant_baseline_uses_the_search_folds_and_scorer(iris_csv):
    tuner = Tuner(load_table(iris_csv), cv=3, scoring="accuracy")
    baseline = tuner.constant_baseline()
    # balanced classes: predicting the class frequencies is right a third of the time
    assert baseline.score == pytest.approx(1 / 3, abs=0.05)
    assert baseline.predicts == "the class frequencies"


def test_a_model_no_better_than_a_constant_is_called_out():
    from skact.tuning.baseline import Baseline, constant_warning

    baseline = Baseline(-0.02, "the mean")
    message = constant_warning(-0.75, 0.3, baseline, "r2", n_rows=21)
    assert "no better than predicting the mean (-0.0200)" in message
    assert "r2 -0.7500" in message and "21 rows" in message
    assert "check that target names" in message  # the command line says --target
    # better than the constant by more than the fold noise: nothing to say
    assert constant_warning(0.40, 0.05, baseline, "r2", n_rows=500) is None
    # better on average but within one standard deviation across folds: not clearly better
    assert constant_warning(0.05, 0.10, baseline, "r2", n_rows=500) is not None
    assert constant_warning(0.9, 0.0, None, "r2", n_rows=500) is None
