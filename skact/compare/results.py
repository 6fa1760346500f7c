"""The outcome of a comparison: :class:`Comparison` (per-fit records, curves, the summary
table) and :func:`save_comparison` (``compare.csv``, ``summary.json`` and the plots).

:func:`skact.compare.running.compare` builds a :class:`Comparison`; import both names from
:mod:`skact.compare.running`, which re-exports them.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from skact.exceptions import counted

__all__ = ["CSV_COLUMNS", "PLOT_FILES", "Comparison", "comparison_plots", "fits_description",
           "save_comparison"]

#: Columns of ``compare.csv``, one row per fit.
CSV_COLUMNS = (
    "activation", "run", "fold", "seed", "status", "score", "fit_time", "epochs",
    "best_epoch", "final_loss", "dead_fraction", "saturated_fraction", "grad_ratio",
    "dead_by_layer", "saturated_by_layer", "message",
)

#: Plot files :func:`save_comparison` writes.
PLOT_FILES = ("loss.png", "scores.png", "diagnostics.png")


def fits_description(settings: Mapping) -> str:
    """How many fits each activation got, from :attr:`Comparison.settings`.

    >>> fits_description({"runs": 1, "cv": 3})
    '1 run x 3 folds'
    """
    runs, cv = settings.get("runs", "?"), settings.get("cv", "?")
    return f"{counted(runs, 'run')} x {counted(cv, 'fold')}"


def _finite(x):
    """``x`` as a float, or None when missing or not finite."""
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _mean(values):
    values = [v for v in map(_finite, values) if v is not None]
    return statistics.fmean(values) if values else None


def _std(values):
    values = [v for v in map(_finite, values) if v is not None]
    return statistics.pstdev(values) if len(values) > 1 else (0.0 if values else None)


def _median(values):
    values = [v for v in map(_finite, values) if v is not None]
    return statistics.median(values) if values else None


@dataclass
class Comparison:
    """The outcome of :func:`compare`.

    Attributes
    ----------
    records : list of dict
        One per fit, with the keys of :data:`CSV_COLUMNS`. ``status`` is ``"ok"``,
        ``"diverged"`` (the loss became NaN or infinite) or ``"failed"`` (``message`` says
        why). Fractions are in [0, 1]; ``saturated_fraction`` is None for activations that do
        not saturate.
    curves : list of dict
        One per fit: ``activation``, ``run``, ``fold`` and per-epoch lists ``loss``,
        ``valid_score`` (accuracy or R² on the early-stopping hold-out), ``dead`` and
        ``saturated`` (fractions over all hidden units).
    activations : list of str
        In the order given.
    scoring : str
        The scikit-learn scorer used on the held-out folds (greater is better).
    task : {"classification", "regression"}
    settings : dict
        ``recipe`` (and ``recipe_description``), ``folds`` (the fold design), ``model``,
        ``layers``, ``runs``, ``cv``, ``max_epochs``, ``seed`` and the estimator parameters
        every fit shared.
    advice : dict
        Activation -> the diagnostics warnings its fits raised, one per kind (dead,
        saturated) with how many fits raised it (:func:`skact.compare.advice.collect_advice`);
        :meth:`advice_lines` is what to show.
    interrupted : bool
        True when Ctrl-C stopped :func:`compare` early: ``records`` and ``curves`` then hold
        only the fits that finished (possibly none), and some activations may have fewer
        than :attr:`n_planned` fits (see ``fits_planned`` in :meth:`summary`).
    """

    records: list[dict]
    curves: list[dict]
    activations: list[str]
    scoring: str
    task: str
    settings: dict = field(default_factory=dict)
    advice: dict = field(default_factory=dict)
    interrupted: bool = False

    @property
    def n_planned(self) -> int | None:
        """Fits each activation gets in a full run (``runs`` x ``cv``; None if unknown)."""
        runs, cv = self.settings.get("runs"), self.settings.get("cv")
        return runs * cv if runs is not None and cv is not None else None

    def incomplete(self) -> dict[str, int]:
        """Activation -> its number of fits, for the activations with fewer than
        :attr:`n_planned` (only after an interrupted run; empty otherwise)."""
        planned = self.n_planned
        if planned is None:
            return {}
        counts = {a: 0 for a in self.activations}
        for r in self.records:
            counts[r["activation"]] = counts.get(r["activation"], 0) + 1
        return {a: n for a, n in counts.items() if n < planned}

    def summary(self) -> list[dict]:
        """One row per activation (in the order given) with means over its fits.

        Keys: ``activation``, ``fits`` (fits that finished), ``fits_planned`` (``runs`` x
        ``cv``; more than ``fits`` only after an interrupted run), ``ok``, ``diverged``,
        ``failed``, ``score_mean``, ``score_std``, ``fit_time``, ``epochs``, ``best_epoch``,
        ``final_loss``, ``dead_fraction``, ``saturated_fraction`` (means), ``grad_ratio``
        (median, since it spans orders of magnitude), ``rank`` (1 = best mean score; None
        without a score) and ``best`` (True for rank 1).
        """
        rows = []
        for act in self.activations:
            mine = [r for r in self.records if r["activation"] == act]
            rows.append({
                "activation": act,
                "fits": len(mine),
                "fits_planned": self.n_planned,
                "ok": sum(r["status"] == "ok" for r in mine),
                "diverged": sum(r["status"] == "diverged" for r in mine),
                "failed": sum(r["status"] == "failed" for r in mine),
                "score_mean": _mean(r["score"] for r in mine),
                "score_std": _std(r["score"] for r in mine),
                "fit_time": _mean(r["fit_time"] for r in mine),
                "epochs": _mean(r["epochs"] for r in mine),
                "best_epoch": _mean(r["best_epoch"] for r in mine),
                "final_loss": _mean(r["final_loss"] for r in mine),
                "dead_fraction": _mean(r["dead_fraction"] for r in mine),
                "saturated_fraction": _mean(r["saturated_fraction"] for r in mine),
                "grad_ratio": _median(r["grad_ratio"] for r in mine),
            })
        scored = sorted((r for r in rows if r["score_mean"] is not None),
                        key=lambda r: -r["score_mean"])
        for row in rows:
            row["rank"] = None
            row["best"] = False
        for rank, row in enumerate(scored, start=1):
            row["rank"] = rank
            row["best"] = rank == 1
        return rows

    @property
    def best(self) -> str | None:
        """The activation with the highest mean score (None if no fit was scored)."""
        return next((r["activation"] for r in self.summary() if r["best"]), None)

    def advice_lines(self) -> list[str]:
        """The advice to show: at most one line per activation, none telling the user to
        move away from the best one (:func:`skact.compare.advice.advice_lines`)."""
        from skact.compare.advice import advice_lines

        return advice_lines(self.advice, self.best)

    @property
    def recipe(self) -> str:
        return self.settings.get("recipe", "strong")

    def curves_by_activation(self, key: str) -> dict[str, list[list[float]]]:
        """Activation -> one per-epoch list of ``key`` (``"loss"``, ``"valid_score"``,
        ``"dead"``, ``"saturated"``) per fit that has it."""
        out: dict[str, list[list[float]]] = {a: [] for a in self.activations}
        for c in self.curves:
            values = c.get(key)
            if values and any(v is not None for v in values):
                out[c["activation"]].append(values)
        return out

    def scores_by_activation(self) -> dict[str, list[float]]:
        """Activation -> the held-out scores of its fits (missing scores left out)."""
        return {
            a: [r["score"] for r in self.records
                if r["activation"] == a and _finite(r["score"]) is not None]
            for a in self.activations
        }

    def to_frame(self):
        """The per-fit records as a pandas DataFrame with the :data:`CSV_COLUMNS`."""
        import pandas as pd

        return pd.DataFrame(self.records, columns=list(CSV_COLUMNS))


def save_comparison(comparison: Comparison, out_dir, extra: Mapping | None = None,
                    plots: bool = True) -> list[Path]:
    """Write ``compare.csv``, ``summary.json`` and (with ``plots``) the PNG plots.

    Every file is written atomically (a temporary file, then a rename). ``extra`` is merged
    into ``summary.json`` (data path, command line, ...). ``summary.json`` has
    ``"interrupted"`` (:attr:`Comparison.interrupted`: the files then hold only the fits
    that finished) and ``"n_fits_planned"`` (``runs`` x ``cv`` x activations). Returns the
    paths written.
    """
    from skact.model_files.atomic import write_atomic
    from skact.tuning import versions, write_summary

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    frame = comparison.to_frame()
    written = [write_atomic(out_dir / "compare.csv", lambda fh: frame.to_csv(fh, index=False))]
    summary = {
        "best_activation": comparison.best,
        "scoring": comparison.scoring,
        "task": comparison.task,
        **comparison.settings,
        "activations": comparison.summary(),
        "advice": comparison.advice,
        "advice_shown": comparison.advice_lines(),
        "interrupted": comparison.interrupted,
        "n_fits": len(comparison.records),
        "n_fits_planned": (None if comparison.n_planned is None
                           else comparison.n_planned * len(comparison.activations)),
        "files": ["compare.csv", "summary.json", *(PLOT_FILES if plots else ())],
        "versions": versions(),
        **dict(extra or {}),
    }
    written.append(write_summary(out_dir / "summary.json", _json_safe(summary)))
    if plots:
        written += comparison_plots(comparison, out_dir)
    return written


def comparison_plots(comparison: Comparison, out_dir) -> list[Path]:
    """Write ``loss.png``, ``scores.png`` and ``diagnostics.png`` for a comparison.

    Returns the paths written.
    """
    from skact.compare.plots import fraction_curves, loss_curves, save_figure, score_plot

    out_dir = Path(out_dir)
    recipe = f"{comparison.recipe} recipe"
    loss = loss_curves(
        comparison.curves_by_activation("loss"),
        title=f"Training loss, {recipe} (mean ± std over "
              f"{fits_description(comparison.settings)})",
    )
    scores = score_plot(comparison.scores_by_activation(), scoring=comparison.scoring,
                        best=comparison.best,
                        title=f"Held-out {comparison.scoring} per activation ({recipe})")
    fractions = fraction_curves(comparison.curves_by_activation("dead"),
                                comparison.curves_by_activation("saturated"))
    fractions.suptitle(f"Dead and saturated hidden units ({recipe})")
    return [
        save_figure(loss, out_dir / "loss.png"),
        save_figure(scores, out_dir / "scores.png"),
        save_figure(fractions, out_dir / "diagnostics.png"),
    ]


def _json_safe(obj):
    """NaN and inf -> None, recursively (``summary.json`` is strict JSON)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, np.floating):
        return _json_safe(float(obj))
    if isinstance(obj, Mapping):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    return obj
