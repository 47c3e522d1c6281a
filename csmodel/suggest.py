""" "Did you mean" hints for misspelt keys, metric ids and names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to ``word``, or ``None`` when none is close."""
    choices = list(choices)
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if match:
        return match[0]
    lowered = {c.lower().replace("-", "_"): c for c in choices}
    key = word.lower().replace("-", "_")
    return lowered.get(key)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean `churn`?"`` or an empty string."""
    best = closest(word, choices)
    return f"; did you mean `{best}`?" if best else ""
