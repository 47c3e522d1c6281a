"""``csmodel check`` for people: a table of results per file and a summary line."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text

from csmodel.render import safe
from csmodel.render.layout import Col, Fit, Grid
from csmodel.render.machine import check_summary

_STYLE = {"pass": "green", "fail": "bold red", "warn": "yellow"}


CHECK_HEADERS = ("Line", "ID", "Status", "Value", "Bound", "Message")


def check_grid(file: str, results: list[Any]) -> Grid:
    """One file's results: its path is the title (user text, escaped on output)."""
    cols = [
        Col("Line"),
        Col("ID", right=False, wrap=True),
        Col("Status", right=False),
        Col("Value"),
        Col("Bound", right=False, wrap=True, keep_words=True),
        Col("Message", right=False, wrap=True),
    ]
    g = Grid(file, cols)
    for r in results:
        g.add(
            "" if r.line is None else str(r.line),
            r.id,
            safe.rich_text(r.status, _STYLE[r.status]),
            r.value_text,
            r.bound_text,
            r.message,
        )
    return g


def text(report: Any) -> Group:
    """A table per file (its path as the title): each check result and lint finding with
    its line, status, value, bound and message; then the summary.

    Lints that found nothing count as passed (as in JSON and JUnit) but are not
    listed, to keep the tables about what matters.
    """
    parts: list[Any] = []
    quiet = 0
    for f in report.files:
        shown = [r for r in f.results if not (r.kind == "lint" and r.status == "pass")]
        quiet += len(f.results) - len(shown)
        if shown:
            parts.append(Fit(check_grid(f.file, shown)))
    if quiet:
        parts.append(
            Text(
                f"{quiet} lint {'run' if quiet == 1 else 'runs'} found nothing "
                "(counted as passed, not listed).",
                style="dim",
            )
        )
    verdict = "green" if report.exit_code == 0 else "bold red"
    parts.append(safe.rich_text(check_summary(report), verdict))
    return Group(*parts)
