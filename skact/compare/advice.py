"""The diagnostics' advice in a comparison, said once per activation and only where it
means it.

Every fit whose units end mostly dead or saturated raises a warning
(:meth:`skact.engine.diagnostics.DiagnosticsCallback.advice`); their wording differs from fit
to fit only by the percentages. :func:`collect_advice` keeps one message per kind and
activation with how many fits raised it, and :func:`advice_lines` turns that into at most
one line per activation. The activation the comparison ranked best gets no advice to move
away from it (telling a user whose sigmoid won to try a ReLU-family activation is wrong);
it gets a neutral note instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["ADVICE_PREFIX", "advice_lines", "collect_advice"]

#: How the diagnostics' advice warnings begin (see DiagnosticsCallback.advice).
ADVICE_PREFIX = "Most units are"

_KINDS = {"dead": "dead", "saturated": "saturated"}


def _kind(message: str) -> str:
    rest = message[len(ADVICE_PREFIX):].strip()
    return rest.split()[0] if rest else "other"


def collect_advice(fits: Iterable[tuple[str, list[str]]], n_fits: Mapping[str, int]):
    """``{activation: [message, ...]}``: per activation, the first message of each kind
    (dead, saturated) that its fits raised, starting with how many of its fits did.

    ``fits`` holds ``(activation, messages)`` per fit; ``n_fits`` the fits per activation.
    """
    first: dict[str, dict[str, str]] = {}
    counts: dict[tuple[str, str], int] = {}
    for activation, messages in fits:
        seen = set()
        for message in messages:
            kind = _kind(message)
            if kind in seen:
                continue
            seen.add(kind)
            first.setdefault(activation, {}).setdefault(kind, message)
            counts[activation, kind] = counts.get((activation, kind), 0) + 1
    return {
        activation: [f"In {counts[activation, kind]} of {n_fits.get(activation, '?')} fits: "
                     f"{message}" for kind, message in kinds.items()]
        for activation, kinds in first.items()
    }


def advice_lines(advice: Mapping[str, list[str]], best: str | None) -> list[str]:
    """At most one line per activation, in the order given; for ``best``, a note that
    does not tell the user to move away from it."""
    lines = []
    for activation, messages in advice.items():
        if not messages:
            continue
        if activation == best:
            kinds = " and ".join(dict.fromkeys(_kind(m.split(": ", 1)[-1]) for m in messages))
            fits = messages[0].split(":", 1)[0].replace("In ", "in ")
            lines.append(f"{activation} ranked best although most of its units ended "
                         f"{kinds} {fits}; its held-out scores are what count")
            continue
        lines.append(f"{activation}: " + " ".join(messages))
    return lines
