"""PNG plots for activation comparisons and the activation registry (matplotlib, Agg).

Every function builds a :class:`matplotlib.figure.Figure` on an Agg canvas directly, never
through ``pyplot``: nothing here changes the global matplotlib backend or opens a window, so
it works on servers and CI, and from a notebook too (the returned figure displays inline).
matplotlib is imported when a function is called, not when skact is.

- :func:`loss_curves`: training loss per epoch, one line per activation (mean over runs)
  with a band of one standard deviation.
- :func:`score_plot`: held-out scores per activation as box plots with the runs as dots.
- :func:`fraction_curves`: dead and saturated units per epoch, one line per activation.
- :func:`activation_curves`: each activation and its derivative (``skact activations
  --plot``).

Pass ``path=`` to any of them to also write a PNG (atomically).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from skact.exceptions import counted

__all__ = [
    "activation_curves",
    "fraction_curves",
    "loss_curves",
    "save_figure",
    "score_plot",
]

_DPI = 110


def _figure(width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _colours(names):
    """A stable colour per activation (tab10, then tab20 beyond ten)."""
    from matplotlib import colormaps

    cmap = colormaps["tab10" if len(names) <= 10 else "tab20"]
    return {name: cmap(i % cmap.N) for i, name in enumerate(names)}


def save_figure(fig, path):
    """Write ``fig`` as a PNG at ``path`` atomically; returns the path."""
    from skact.model_files.atomic import write_atomic

    return write_atomic(path, lambda fh: fig.savefig(fh, format="png", dpi=_DPI), mode="wb")


def _finish(fig, path):
    if path is not None:
        save_figure(fig, path)
    return fig


def _stack(curves):
    """Ragged per-run curves -> (mean, std, epochs) over the runs that reached each epoch."""
    length = max(len(c) for c in curves)
    table = np.full((len(curves), length), np.nan)
    for i, c in enumerate(curves):
        table[i, :len(c)] = [np.nan if v is None else v for v in c]
    table[~np.isfinite(table)] = np.nan
    counts = np.sum(~np.isnan(table), axis=0)
    keep = counts > 0
    mean = np.nanmean(table[:, keep], axis=0)  # every kept column has a value
    std = np.nanstd(table[:, keep], axis=0)
    return mean, std, np.arange(1, length + 1)[keep]


def loss_curves(curves: Mapping[str, Sequence[Sequence[float]]], *, title="Training loss",
                ylabel="training loss", log=None, path=None):
    """Mean training loss per epoch for each activation, with a ±1 std band over runs.

    Parameters
    ----------
    curves : dict
        Activation -> list of per-run loss curves (lists of floats; runs may stop at
        different epochs, and each epoch averages the runs that reached it).
    log : bool, default=None
        Log-scale y axis; None picks it when the losses span more than a factor 20.
    path : path-like, default=None
        Also write the figure there as a PNG.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = _figure(7.0, 4.2)
    ax = fig.add_subplot()
    colours = _colours(list(curves))
    lows, highs = [], []
    for name, runs in curves.items():
        runs = [r for r in runs if r]
        if not runs:
            continue
        mean, std, epochs = _stack(runs)
        if not len(epochs):
            continue
        colour = colours[name]
        ax.plot(epochs, mean, color=colour, lw=1.8,
                label=f"{name} ({counted(len(runs), 'fit')})")
        low = np.maximum(mean - std, np.nanmin(mean) * 0.5 if np.nanmin(mean) > 0 else -np.inf)
        ax.fill_between(epochs, low, mean + std, color=colour, alpha=0.18, lw=0)
        lows.append(np.nanmin(mean))
        highs.append(np.nanmax(mean))
    if log is None and lows:
        log = min(lows) > 0 and max(highs) / min(lows) > 20
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if lows:
        ax.legend(fontsize="small", ncols=2 if len(curves) > 5 else 1)
    return _finish(fig, path)


def score_plot(scores: Mapping[str, Sequence[float]], *, scoring="score", best=None,
               title=None, path=None):
    """Held-out scores per activation: a box per activation, each fit as a dot.

    Parameters
    ----------
    scores : dict
        Activation -> list of scores (one per run and fold).
    scoring : str
        Axis label.
    best : str, default=None
        Activation to highlight.
    """
    names = list(scores)
    fig = _figure(max(4.5, 0.8 * len(names) + 2.0), 4.2)
    ax = fig.add_subplot()
    colours = _colours(names)
    data = [[s for s in scores[n] if s is not None and math.isfinite(s)] for n in names]
    positions = np.arange(1, len(names) + 1)
    shown = [i for i, d in enumerate(data) if d]
    if shown:
        boxes = ax.boxplot([data[i] for i in shown], positions=positions[shown], widths=0.55,
                           patch_artist=True, showmeans=True, showfliers=False,
                           medianprops={"color": "black"},
                           meanprops={"marker": "D", "markerfacecolor": "white",
                                      "markeredgecolor": "black", "markersize": 5})
        for i, patch in zip(shown, boxes["boxes"]):
            patch.set_facecolor(colours[names[i]])
            patch.set_alpha(0.45)
            if names[i] == best:
                patch.set_linewidth(2.5)
        rng = np.random.default_rng(0)
        for i in shown:
            jitter = rng.uniform(-0.12, 0.12, len(data[i]))
            ax.scatter(positions[i] + jitter, data[i], s=14, color=colours[names[i]],
                       edgecolor="black", linewidth=0.4, zorder=3)
    ax.set_xticks(positions, [f"{n}\n(best)" if n == best else n for n in names])
    for i in range(len(names)):
        if not data[i]:
            ax.text(positions[i], 0.5, "no score", rotation=90, ha="center", va="center",
                    transform=ax.get_xaxis_transform(), color="grey")
    ax.set_ylabel(scoring)
    ax.set_title(title or f"Held-out {scoring} per activation")
    ax.grid(axis="y", alpha=0.3)
    return _finish(fig, path)


def fraction_curves(dead: Mapping[str, Sequence[Sequence[float]]],
                    saturated: Mapping[str, Sequence[Sequence[float]]] | None = None, *,
                    path=None):
    """Dead and saturated units per epoch (fraction of all hidden units, mean over runs).

    ``dead`` and ``saturated`` map activation -> per-run curves, as in :func:`loss_curves`.
    Activations that never saturate (``relu``, ``gelu``, ...) have no saturation curve.
    The axis starts at 0 %; curves that stay at 0 % lie on top of each other, so they get
    markers at staggered epochs (every colour stays visible) and a note naming them.
    """
    from matplotlib.ticker import MaxNLocator

    saturated = saturated or {}
    names = list(dict.fromkeys([*dead, *saturated]))
    colours = _colours(names)
    fig = _figure(10.0, 4.0)
    # shared x: a panel with nothing recorded shows the epochs too, not matplotlib's 0-1
    axes = fig.subplots(1, 2, sharey=True, sharex=True)
    top = 0.0
    for ax, data, what in ((axes[0], dead, "dead units"),
                           (axes[1], saturated, "saturated units")):
        curves = {}
        for name in names:
            runs = [r for r in data.get(name, []) if r and any(v is not None for v in r)]
            stacked = _stack(runs) if runs else None
            if stacked is not None and len(stacked[2]):
                curves[name] = stacked
        at_zero = [n for n, (mean, std, _) in curves.items() if np.nanmax(mean + std) == 0]
        for name, (mean, std, epochs) in curves.items():
            style = {}
            if name in at_zero:  # markers at staggered epochs: no colour hides another
                style = {"marker": "o", "markersize": 4,
                         "markevery": (at_zero.index(name), len(at_zero))}
            ax.plot(epochs, 100 * mean, color=colours[name], lw=1.8, label=name,
                    clip_on=False, zorder=3, **style)
            top = max(top, float(np.nanmax(np.clip(mean + std, 0, 1))))
            ax.fill_between(epochs, 100 * np.clip(mean - std, 0, 1),
                            100 * np.clip(mean + std, 0, 1), color=colours[name],
                            alpha=0.15, lw=0)
        ax.set_title(f"{what.capitalize()} per epoch")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if curves:
            ax.legend(fontsize="small")
        else:
            ax.text(0.5, 0.5, f"no {what} recorded\n(none of these activations saturate)"
                    if what == "saturated units" else f"no {what} recorded",
                    ha="center", va="center", transform=ax.transAxes, color="grey")
        if len(at_zero) > 1:
            ax.text(0.02, 0.97, f"at 0 % throughout: {', '.join(at_zero)}",
                    transform=ax.transAxes, ha="left", va="top", fontsize="small",
                    color="dimgrey", wrap=True)
    axes[0].set_ylabel("% of hidden units")
    # from 0 (a fraction is never negative); zoomed in when every fraction is small, so
    # "0 %" and "3 %" are told apart
    axes[0].set_ylim(0, min(100.0, max(5.0, 110 * top)))
    return _finish(fig, path)


def activation_curves(names: Sequence[str] | None = None, *, x_range=(-8.0, 8.0),
                      columns=5, path=None):
    """Each activation (solid) and its derivative (dashed) on ``x_range``.

    Parameters
    ----------
    names : list of str, default=None
        Registry names; None draws every registered activation.
    x_range : (float, float), default=(-8, 8)
        Wide enough to show where the bounded ones stop (relu6 at 6, hardtanh at 1).
    columns : int, default=5
        Panels per row.
    path : path-like, default=None
        Also write a PNG.

    Derivatives come from autograd, with the module in eval mode (``rrelu`` uses its mean
    slope; ``prelu`` its initial slope of 0.25).
    """
    import torch

    from skact import activations as registry

    names = list(registry.names() if names is None else names)
    n = max(len(names), 1)
    columns = max(1, min(columns, n))
    rows = math.ceil(n / columns)
    fig = _figure(2.6 * columns, 2.2 * rows + 0.4)
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False)).ravel()
    x = torch.linspace(x_range[0], x_range[1], 401, dtype=torch.float64)
    for ax, name in zip(axes, names):
        try:
            module = registry.get(name)().to(torch.float64).eval()
            xs = x.clone().requires_grad_(True)
            ys = module(xs)
            (grad,) = torch.autograd.grad(ys.sum(), xs)
            ax.plot(x.numpy(), ys.detach().numpy(), color="tab:blue", lw=1.8, label="f(x)")
            ax.plot(x.numpy(), grad.numpy(), color="tab:orange", lw=1.4, ls="--",
                    label="f'(x)")
        except Exception as exc:  # a user-registered module that needs other inputs
            ax.text(0.5, 0.5, f"cannot plot:\n{type(exc).__name__}", ha="center",
                    va="center", transform=ax.transAxes, color="grey", fontsize="small")
        ax.axhline(0, color="grey", lw=0.6)
        ax.axvline(0, color="grey", lw=0.6)
        ax.set_title(name, fontsize="medium")
        ax.grid(alpha=0.25)
        ax.tick_params(labelsize="x-small")
    for ax in axes[len(names):]:
        ax.set_visible(False)
    if names:
        axes[0].legend(fontsize="x-small", loc="upper left")
    fig.suptitle("Activations f(x) (solid) and derivatives f'(x) (dashed)")
    return _finish(fig, path)
