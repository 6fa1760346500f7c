"""Errors skact raises for problems a user can fix.

Every message is written for the person at the keyboard: it names the file, column, option or
value at fault and, where there is one, the fix. The command line prints it as one line and
exits with status 1; library users can catch :class:`SkactError` (or one of its
subclasses) to tell these apart from bugs.

A message that tells the user to change a parameter is a :class:`Message`: it reads
``target='species'`` in Python, and the command line respells the same message with its
flags (``--target species``), so the library never speaks of flags.

Input errors also subclass :class:`ValueError`, so code that already catches ``ValueError``
around data loading keeps working.
"""

from __future__ import annotations

__all__ = [
    "DataError",
    "DeviceError",
    "Message",
    "ModelFileError",
    "ScoringError",
    "SkactError",
    "SpaceError",
    "StudyError",
    "counted",
    "did_you_mean",
    "param",
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


def counted(n, noun: str) -> str:
    """A count and its noun in the number it takes, as every message and caption writes it.

    >>> counted(1, "trial"), counted(3, "fold")
    ('1 trial', '3 folds')
    """
    return f"{n} {noun}" + ("" if n == 1 else "s")


def did_you_mean(name: str, valid) -> str:
    """``" (did you mean 'x'?)"`` for the closest of ``valid`` to a misspelt ``name``, or
    ``""``: the suggestion every message about an unknown option, column or value makes.

    A name that begins exactly one valid name is taken for its abbreviation first
    (``'acc'`` is ``'accuracy'``, whose letters :mod:`difflib` finds closer to
    ``'jaccard'``); otherwise the closest by :func:`difflib.get_close_matches`.

    >>> did_you_mean("specis", ["island", "species"])
    " (did you mean 'species'?)"
    >>> did_you_mean("acc", ["jaccard", "accuracy", "balanced_accuracy"])
    " (did you mean 'accuracy'?)"
    """
    import difflib

    name, valid = str(name), [str(v) for v in valid]
    started = [v for v in valid if name and v.lower().startswith(name.lower())]
    match = started if len(started) == 1 else difflib.get_close_matches(name, valid, n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


_NO_VALUE = object()


class _Param:
    """A parameter named in a :class:`Message`, with the value to suggest (or none)."""

    __slots__ = ("name", "value")

    def __init__(self, name, value=_NO_VALUE):
        self.name, self.value = name, value

    def has_value(self):
        return self.value is not _NO_VALUE

    def __repr__(self):  # Python's spelling: ``target='species'``, or ``target``
        return f"{self.name}={self.value!r}" if self.has_value() else self.name


def param(name: str, value=_NO_VALUE) -> _Param:
    """A parameter for :class:`Message`: ``param("target", "species")``."""
    return _Param(name, value)


class Message(str):
    """A message that names parameters: ``str`` spells them as Python does.

    Built from pieces of text and :func:`param` s; ``+`` joins messages and text.
    :meth:`spelled` respells the parameters for another front end (the command line writes
    them as its flags).

    >>> m = Message("pass ", param("target", "species"), " or lower ", param("cv"))
    >>> str(m)
    "pass target='species' or lower cv"
    >>> m.spelled(lambda p: "--" + p.name)
    'pass --target or lower --cv'
    """

    def __new__(cls, *parts):
        text = "".join(repr(p) if isinstance(p, _Param) else str(p) for p in parts)
        message = super().__new__(cls, text)
        message.parts = parts
        return message

    def spelled(self, spell) -> str:
        """The message with each parameter written as ``spell(param)`` returns."""
        return "".join(spell(p) if isinstance(p, _Param) else str(p) for p in self.parts)

    def __add__(self, other):
        return Message(*self.parts, *_parts(other))

    def __radd__(self, other):
        return Message(*_parts(other), *self.parts)

    def __reduce__(self):  # pickles (exceptions crossing processes) keep the parameters
        return Message, self.parts


def _parts(text):
    return text.parts if isinstance(text, Message) else (str(text),)
