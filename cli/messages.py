"""Library messages as this command line says them: flags for parameters, wrapped at words.

:func:`spoken` respells a :class:`skact.exceptions.Message` with the command line's flags
(``target='species'`` becomes ``--target species``); :func:`wrap` breaks a message at spaces
only, so no word, path or flag is cut at the terminal's edge. :mod:`skact_cli.render`
prints through both.
"""

from __future__ import annotations


def spoken(message) -> str:
    """A library message (or error) with the parameters it names written as this command
    line's flags: ``target='species'`` becomes ``--target species``."""
    from skact.exceptions import Message

    if isinstance(message, BaseException):
        message = message.args[0] if len(message.args) == 1 else str(message)
    return message.spelled(_flag) if isinstance(message, Message) else str(message)


def _flag(param) -> str:
    flag = "--" + param.name.replace("_", "-")
    if not param.has_value() or param.value is True:
        return flag
    return f"{flag} {param.value}"


def wrap(text: str, width: int) -> str:
    """``text`` wrapped at spaces to ``width`` columns, its own line breaks kept.

    Only at spaces: Rich's wrapping (and a terminal's) cuts a word that reaches the edge
    (``'spec|ies'``), and a path or URL longer than a line would be cut too; here it stays
    whole on a line of its own, running past the edge rather than breaking."""
    import textwrap

    return "\n".join(
        textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False) or line
        for line in text.split("\n")
    )
