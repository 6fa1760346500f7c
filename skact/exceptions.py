"""Errors skact raises for problems a user can fix.

Every message is written for the person at the keyboard: it names the file, column, option or
value at fault and, where there is one, the fix. The command line prints ``str(error)`` as one
line and exits with status 1; library users can catch :class:`SkactError` (or one of its
subclasses) to tell these apart from bugs.

Input errors also subclass :class:`ValueError`, so code that already catches ``ValueError``
around data loading keeps working.
"""

from __future__ import annotations

__all__ = [
    "DataError",
    "DeviceError",
    "ModelFileError",
    "ScoringError",
    "SkactError",
    "SpaceError",
    "StudyError",
]


class SkactError(Exception):
    """Base class of the errors skact raises with a user-facing message."""


class DataError(SkactError, ValueError):
    """A CSV file or table that cannot be used: missing, unreadable, malformed or unsuitable.

    Examples
    --------
    >>> from skact.exceptions import DataError, SkactError
    >>> issubclass(DataError, SkactError) and issubclass(DataError, ValueError)
    True
    """


class DeviceError(SkactError, ValueError):
    """A device torch cannot use here (``device="cuda"`` where torch sees no CUDA GPU, a GPU
    number past the last one), or a GPU that ran out of memory during a trial."""


class SpaceError(SkactError, ValueError):
    """A search space (or an ``--activations`` list) that names unknown or invalid values."""


class ScoringError(SkactError, ValueError):
    """An unknown scikit-learn scorer name."""


class StudyError(SkactError):
    """An Optuna storage or study that cannot be opened or does not match this run."""


class ModelFileError(SkactError):
    """A saved model file that is missing, unreadable or not written by ``skact tune``."""


def did_you_mean(name: str, valid) -> str:
    """``" (did you mean 'x'?)"`` for the closest of ``valid`` to a misspelt ``name``, or
    ``""``: the suggestion every message about an unknown option, column or value makes.

    >>> did_you_mean("specis", ["island", "species"])
    " (did you mean 'species'?)"
    """
    import difflib

    match = difflib.get_close_matches(str(name), [str(v) for v in valid], n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""
