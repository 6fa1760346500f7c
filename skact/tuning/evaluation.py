"""Scoring a final model on held-out labelled rows: the test set of ``skact tune --test``
and ``skact evaluate``.

:func:`evaluate` predicts once and returns plain, JSON-ready metrics: for classification the
search's scorer, accuracy, balanced accuracy (UAR: the mean recall over classes, what
speech and affect studies report), macro F1, per-class precision, recall, F1 and support,
and the confusion matrix (rows: true class, columns: predicted); for regression the scorer,
R², MAE and RMSE. :func:`evaluate_model` does the same for a model file's bundle on a CSV's
rows, read the way the model was trained.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["evaluate", "evaluate_model"]


def _plain(value):
    """A label or number as JSON has it (numpy scalars as Python ones)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _number(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _scorer_value(pipe, X, y, scoring):
    from sklearn.metrics import get_scorer

    try:
        return _number(get_scorer(scoring)(pipe, X, y))
    except (ValueError, TypeError, AttributeError):
        return None  # e.g. roc_auc on three classes: the other metrics still stand


def evaluate(pipe, X, y, task: str, scoring: str, source: str = "the test rows") -> dict:
    """Metrics of the fitted ``pipe`` on the labelled rows ``X``, ``y``.

    Returns
    -------
    dict
        ``source``, ``n_rows``, ``scoring`` and ``score`` (the scorer's value), then for
        classification ``accuracy``, ``balanced_accuracy``, ``f1_macro``, ``per_class``
        (one dict per class of the model: ``class``, ``precision``, ``recall``, ``f1``,
        ``support``) and ``confusion`` (``labels`` and ``matrix``, true classes as rows);
        for regression ``r2``, ``mae`` and ``rmse``.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> X, y = [[0], [1], [2], [3]], ["a", "a", "b", "b"]
    >>> model = DummyClassifier(strategy="most_frequent").fit(X, y)
    >>> m = evaluate(model, X, y, "classification", "balanced_accuracy")
    >>> m["score"], m["accuracy"], m["confusion"]["matrix"]
    (0.5, 0.5, [[2, 0], [2, 0]])
    >>> [(c["class"], c["recall"]) for c in m["per_class"]]
    [('a', 1.0), ('b', 0.0)]
    """
    from sklearn import metrics

    y_true = np.asarray(y)
    y_pred = pipe.predict(X)
    out = {"source": str(source), "n_rows": int(len(y_true)), "scoring": scoring,
           "score": _scorer_value(pipe, X, y, scoring)}
    if task != "classification":
        y_true, y_pred = y_true.astype(float), np.asarray(y_pred, dtype=float)
        out.update(
            r2=_number(metrics.r2_score(y_true, y_pred)) if len(y_true) > 1 else None,
            mae=_number(metrics.mean_absolute_error(y_true, y_pred)),
            rmse=_number(math.sqrt(metrics.mean_squared_error(y_true, y_pred))),
        )
        return out
    labels = list(getattr(pipe, "classes_", np.unique(np.concatenate([y_true, y_pred]))))
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0)
    present = [i for i, n in enumerate(support) if n > 0]
    out.update(
        accuracy=_number(metrics.accuracy_score(y_true, y_pred)),
        # UAR over the classes the rows hold (a class absent from them has no recall)
        balanced_accuracy=_number(np.mean(recall[present])) if present else None,
        f1_macro=_number(np.mean(f1[present])) if present else None,
        per_class=[
            {"class": _plain(c), "precision": _number(p), "recall": _number(r),
             "f1": _number(f), "support": int(n)}
            for c, p, r, f, n in zip(labels, precision, recall, f1, support)
        ],
        confusion={
            "labels": [_plain(c) for c in labels],
            "matrix": metrics.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        },
    )
    return out


def evaluate_model(bundle, df, source: str = "the data") -> dict:
    """:func:`evaluate` for a model file's bundle (:func:`skact.model_files.load_model`)
    on the labelled rows of ``df``: its target column is the model's, rows without one are
    left out (counted in ``n_rows_dropped``), classes the model never saw are refused.

    Raises
    ------
    DataError
        Missing feature columns, no target column, text where the model had numbers, or
        unseen classes.
    """
    from skact.data import labelled_rows
    from skact.model_files import numeric_columns

    numeric = numeric_columns(bundle)  # refuses a model saved without its columns
    pipe, task = bundle["pipeline"], bundle.get("task") or "classification"
    labels = getattr(pipe, "classes_", None) if task == "classification" else None
    X, y, dropped = labelled_rows(df, bundle["feature_columns"], bundle["target"], task,
                                  numeric, source=source, labels=labels)
    scoring = bundle.get("scoring") or ("balanced_accuracy" if task == "classification"
                                        else "r2")
    report = evaluate(pipe, X, y, task, scoring, source=source)
    report["n_rows_dropped"] = dropped
    return report
