"""Trials as plain records: from an Optuna study or a ``GridSearchCV``, ranked and summarised.

A record is a dict (number, state, score, score_std, cv_scores, fit_time, duration, then every
parameter) that the tables, ``trials.csv`` and ``summary.json`` are made of.
"""

from __future__ import annotations

import math

import numpy as np

from skact.tuning.space import LAYER_PARAMS, format_layers


def _seconds(td):
    return None if td is None else round(td.total_seconds(), 3)


def records_from_study(study) -> list[dict]:
    """One plain dict per trial: number, state, score, score_std, cv_scores, fit_time,
    duration, then every parameter. Trials queued but not started (``skact tune``'s first
    trials, when a run ends before reaching them) are not records yet."""
    records = []
    for t in study.get_trials(deepcopy=False):
        state = t.state.name.lower()
        if state == "waiting":
            continue
        if state == "fail" and t.user_attrs.get("interrupted"):
            state = "interrupted"
        rec = {
            "number": t.number,
            "state": state,
            "score": t.value if state == "complete" else None,
            "score_std": t.user_attrs.get("score_std"),
            "cv_scores": t.user_attrs.get("cv_scores"),
            "fit_time": t.user_attrs.get("fit_time"),
            "duration": _seconds(t.duration),
            "error": t.user_attrs.get("error"),
        }
        rec.update(t.params)
        records.append(rec)
    return records


def records_from_grid(search) -> list[dict]:
    """One plain dict per candidate of a fitted ``GridSearchCV`` (layer tuples as strings)."""
    res = search.cv_results_
    n_splits = search.n_splits_
    records = []
    for i, params in enumerate(res["params"]):
        scores = [float(res[f"split{k}_test_score"][i]) for k in range(n_splits)]
        rec = {
            "number": i,
            "state": "complete" if np.all(np.isfinite(scores)) else "fail",
            "score": float(res["mean_test_score"][i]),
            "score_std": float(res["std_test_score"][i]),
            "cv_scores": scores,
            "fit_time": float(res["mean_fit_time"][i]),
            "duration": round(float((res["mean_fit_time"][i] + res["mean_score_time"][i])
                                    * n_splits), 3),
        }
        for key, value in params.items():
            name = key.split("__", 1)[1] if "__" in key else key
            rec[name] = format_layers(value) if name in LAYER_PARAMS else value
        records.append(rec)
    return records


_STATE_ORDER = {"complete": 0, "pruned": 1, "running": 2, "interrupted": 3, "fail": 4}


def leaderboard(records: list[dict]) -> list[dict]:
    """Records sorted best first: completed trials by score, then pruned, running, failed."""

    def key(r):
        score = r.get("score")
        finite = score is not None and math.isfinite(score)
        return (_STATE_ORDER.get(r["state"], 5), -(score if finite else -math.inf), r["number"])

    return sorted(records, key=key)


def activation_summary(records: list[dict]) -> list[dict]:
    """Per activation: trials, completed, pruned, best and mean score; best first.

    Examples
    --------
    >>> recs = [{"activation": "relu", "state": "complete", "score": 0.9},
    ...         {"activation": "relu", "state": "complete", "score": 0.7},
    ...         {"activation": "tanh", "state": "pruned", "score": None}]
    >>> [(r["activation"], r["best"], r["mean"], r["pruned"]) for r in activation_summary(recs)]
    [('relu', 0.9, 0.8, 0), ('tanh', None, None, 1)]
    """
    groups: dict[str, list[dict]] = {}
    for r in records:
        groups.setdefault(str(r.get("activation")), []).append(r)
    rows = []
    for act, recs in groups.items():
        scores = [
            r["score"]
            for r in recs
            if r["state"] == "complete" and r["score"] is not None and math.isfinite(r["score"])
        ]
        rows.append(
            {
                "activation": act,
                "trials": len(recs),
                "complete": len(scores),
                "pruned": sum(r["state"] == "pruned" for r in recs),
                "best": max(scores) if scores else None,
                "mean": round(float(np.mean(scores)), 12) if scores else None,
            }
        )
    rows.sort(key=lambda r: (r["best"] is None, -(r["best"] or 0.0), r["activation"]))
    return rows


def records_from_study_trial(t) -> dict:
    """The record of one frozen trial (see :func:`records_from_study`)."""

    class _One:
        def get_trials(self, deepcopy=False):
            return [t]

    return records_from_study(_One())[0]
