"""``skact tune --search grid``: scikit-learn's ``GridSearchCV`` over the space's grid, in
threads, with its fits counted for the progress display; the best candidate is refit on all
training rows by the search itself.
"""

from __future__ import annotations

from skact.exceptions import SkactError, SpaceError
from skact.model_files import MODEL_STEP
from skact.tuning.objective import make_pipeline
from skact.tuning.progress import FitCounter, GridEpochs
from skact.tuning.records import records_from_grid
from skact.tuning.space import LAYER_PARAMS, parse_layers


def run_grid(tuner, on_trial, on_epoch=None):
    import joblib
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import GridSearchCV

    template = make_pipeline(tuner.dataset, tuner.model, {}, tuner.base_params)
    grid = {
        f"{MODEL_STEP}__{k}": [parse_layers(v) for v in vals] if k in LAYER_PARAMS else vals
        for k, vals in tuner.space.grid().items()
    }
    scorer = get_scorer(tuner.scoring)
    if on_trial is not None:
        scorer = FitCounter(scorer, on_trial, grid, tuner.n_folds)
    fit_params = {}
    if on_epoch is not None:
        n_fits = tuner.space.n_grid_points() * tuner.n_folds
        fit_params[f"{MODEL_STEP}__callbacks"] = [
            GridEpochs(on_epoch, tuner.max_epochs, n_fits)]
    search = GridSearchCV(
        template,
        grid,
        scoring=scorer,
        cv=tuner.splitter(),
        n_jobs=tuner.n_jobs,
        refit=True,
        error_score="raise",
    )
    try:
        # threads, not processes: torch releases the GIL in its kernels, workers need no
        # start-up (a process pays seconds to import torch), and progress can be counted
        with joblib.parallel_backend("threading", n_jobs=tuner.n_jobs):
            search.fit(tuner.dataset.X, tuner.dataset.y, **fit_params)
    except KeyboardInterrupt:
        return tuner._result([], interrupted=True)
    except (ValueError, TypeError) as exc:
        if isinstance(exc, SkactError):
            raise
        # a fit or the scorer failed (e.g. roc_auc on three classes): say so in one line
        raise SpaceError(
            f"grid search failed with scoring {tuner.scoring!r}: {exc}"
        ) from exc
    if isinstance(scorer, FitCounter):
        search.scoring = scorer.scorer  # keep the saved search picklable
    tuner.grid_search = search
    records = records_from_grid(search)
    result = tuner._result(records, n_new=len(records))
    result.pipeline = search.best_estimator_
    return result
