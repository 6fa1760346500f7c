"""Search spaces from TOML or JSON files (``skact tune --space FILE``): :func:`load_space`.

Every entry is checked as it is read, activation names included, so a malformed or
misspelt file is reported before the search (and torch) is started.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from skact.exceptions import SpaceError
from skact.tuning.space import (
    LAYER_PARAMS,
    Choice,
    Fixed,
    FloatRange,
    IntRange,
    SearchSpace,
    check_activations,
    format_layers,
)

__all__ = ["load_space"]


def _spec_from_value(name, value):
    if isinstance(value, Mapping):
        unknown = set(value) - {"low", "high", "log", "step", "choices", "value"}
        if unknown:
            raise SpaceError(
                f"search space entry {name!r} has unknown keys {sorted(unknown)}; use "
                "low/high/log/step for a range, choices for a list, value for a fixed value"
            )
        if "choices" in value:
            return _spec_from_value(name, list(value["choices"]))
        if "value" in value:
            return _spec_from_value(name, value["value"])
        if "low" not in value or "high" not in value:
            raise SpaceError(f"search space range {name!r} needs both 'low' and 'high'")
        low, high = value["low"], value["high"]
        log = bool(value.get("log", False))
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high)):
            raise SpaceError(f"search space range {name!r} needs numbers for low and high")
        if low > high or (log and low <= 0):
            raise SpaceError(
                f"search space range {name!r} needs low <= high"
                + (" and low > 0 with log = true" if log else "")
                + f", got low={low}, high={high}"
            )
        step = value.get("step")
        if isinstance(low, int) and isinstance(high, int) and not isinstance(step, float):
            return IntRange(low, high, log=log, step=int(step or 1))
        return FloatRange(float(low), float(high), log=log, step=step)
    if isinstance(value, list):
        if not value:
            raise SpaceError(f"search space entry {name!r} is an empty list")
        if name in LAYER_PARAMS:
            value = [format_layers(v) for v in value]
        elif any(isinstance(v, (list, dict)) for v in value):
            raise SpaceError(
                f"search space entry {name!r}: choices must be strings, numbers or booleans"
            )
        return Choice(tuple(value))
    if name in LAYER_PARAMS:
        return Fixed(format_layers(value))
    return Fixed(value)


def load_space(path: str | os.PathLike) -> SearchSpace:
    """Read a search space from a TOML or JSON file.

    Each key is an estimator parameter. A list means "choose one of these", a table with
    ``low``/``high`` (and optionally ``log``, ``step``) a range (whole numbers give an integer
    range), and a plain value is fixed. Layer sizes are written as strings such as
    ``"128-64"``::

        activation = ["relu", "gelu", "silu"]
        hidden_layer_sizes = ["64", "128-64"]
        learning_rate_init = { low = 1e-4, high = 1e-2, log = true }
        dropout = { low = 0.0, high = 0.5, step = 0.1 }
        batch_size = 64

    Raises
    ------
    SpaceError
        The file is missing, does not parse, has an entry of the wrong shape, or names
        an activation that is not registered (the message lists the valid ones).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpaceError(f"search space file {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpaceError(f"search space file {path} cannot be read: {exc}") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpaceError(f"search space file {path} is not valid JSON: {exc}") from None
    else:
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10: the same parser, as a package
            import tomli as tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SpaceError(
                f"search space file {path} is not valid TOML: {exc} (use a .json suffix for "
                "JSON)"
            ) from None
    if not isinstance(data, dict) or not data:
        raise SpaceError(f"search space file {path} must hold a table of parameters")
    space = SearchSpace({str(k): _spec_from_value(str(k), v) for k, v in data.items()})
    _check_activation_entry(space, path)
    return space


def _check_activation_entry(space: SearchSpace, path: Path) -> None:
    """The file's ``activation`` entry names registered activations (checked here, where
    no torch is needed, so a misspelt name is reported before the search starts)."""
    spec = space.params.get("activation")
    if spec is None:
        return
    if not isinstance(spec, (Choice, Fixed)):
        raise SpaceError(f"search space file {path}: activation must be a name or a list of "
                         'names, e.g. activation = ["relu", "gelu"]')
    try:
        check_activations(space.activations)
    except SpaceError as exc:
        raise SpaceError(f"search space file {path}: {exc}") from None
