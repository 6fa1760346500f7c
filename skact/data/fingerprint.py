"""Whether a table to score is the one a model was tuned on, without keeping any of its rows.

``skact evaluate`` scores a saved model on labelled rows. Given the very file it was tuned
on, the score says how well the model remembers its training rows, not how it does on new
ones, and nothing said so. ``skact tune`` records the SHA-256 of the file it read
(:func:`file_digest`) in the model file; :func:`same_file_warning` compares a file to score
with it.

Why a digest of the whole file and not of its rows: a model file travels (to a colleague, a
ticket, a paper's supplement), and skact's first users hold clinical and speech data. Hashes
of single rows would let anyone holding the model test whether a given patient's row was in
training (and guess rows whose columns take few values); a digest of the whole file tells
nothing about any row. It catches the common mistake, the tuned file scored again (a copy
of it under another name too), and not a table that mixes training rows with new ones.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["file_digest", "same_file_warning"]

_CHUNK = 1 << 20


def file_digest(path) -> str | None:
    """The SHA-256 of the file at ``path`` as hex, or None where it cannot be read as a
    regular file (standard input, a pipe)."""
    path = Path(path)
    try:
        if not path.is_file():
            return None
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def same_file_warning(saved, path) -> str | None:
    """What to tell a user who scores a model on the file it was tuned on, or None.

    ``saved``: the digest the model file holds (None in model files saved before it was
    recorded, or not a string in one edited by hand: no check)."""
    if not isinstance(saved, str) or file_digest(path) != saved:
        return None
    return (f"{path} is the file this model was tuned on (the same bytes): the rows it was "
            "trained on are among those scored, so these scores overstate how it does on "
            "new rows; score it on rows it has not seen (skact tune --test sets some aside "
            "and scores them)")
