"""Errors a person can act on.

A :class:`ScenarioError` carries one or more :class:`Problem` s, each located
in the user's file (``path:line:col``) and at a key path in the scenario
(``segments.mid-market.churn.rate``). The core raises these; only the CLI
boundary prints them and turns them into exit code 2.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_UNPRINTABLE_CLASS = (
    "\x00-\x1f\x7f-\x9f"  # control characters, line breaks included: one problem, one line
    "\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"  # separators, bidi marks
    "\ud800-\udfff"  # lone surrogates
)


@functools.lru_cache(maxsize=8)
def _unprintable(keep: str) -> re.Pattern[str]:
    kept = "".join(re.escape(ch) for ch in keep)
    lead = f"(?![{kept}])" if kept else ""
    return re.compile(f"{lead}[{_UNPRINTABLE_CLASS}]")


def printable(text: str, keep: str = "") -> str:
    """``text`` with control characters, line and bidirectional controls and lone
    surrogates shown as escapes (``\\x1b``, ``\\n``, ``\\u202e``, ``\\ud800``), so text a
    user wrote can neither drive a terminal nor fail to encode. ``keep`` names characters
    to leave as they are (``"\\n"`` for multi-line text).

    THE definition: ``csmodel.render.safe.visible`` (every output) and the CLI's
    messages use it.
    """
    return _unprintable(keep).sub(lambda m: ascii(m.group())[1:-1], text)


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file.

    ``line`` and ``col`` count from 1, as editors do; both are ``None`` when
    the problem has no position (a missing file, an empty one).
    """

    file: str
    message: str
    line: int | None = None
    col: int | None = None
    key: str | None = None

    def format(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}:{self.col or 1}"
        what = f"{self.key}: {self.message}" if self.key else self.message
        return printable(f"{where}: error: {what}")


class CsmodelError(Exception):
    """Base class of errors csmodel reports to the user (never internal bugs)."""


MAX_DESCRIBED = 100
"""Most schema problems described for one file; the rest are only counted."""


class ScenarioError(CsmodelError):
    """An input file (or an override of it) is unreadable or invalid."""

    def __init__(self, problems: list[Problem] | Problem, omitted: int = 0):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = sorted(
            problems, key=lambda p: (p.file, p.line or 0, p.col or 0)
        )
        self.omitted = omitted
        """Further problems found but not described (a file full of junk)."""
        super().__init__("\n".join(p.format() for p in self.problems))


class UsageError(CsmodelError):
    """A command-line argument is wrong (exit code 2)."""


class OutputError(CsmodelError):
    """An output file cannot be written as asked (exists, no directory...)."""
