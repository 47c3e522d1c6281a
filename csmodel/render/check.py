"""``csmodel check`` for people: a table of results per file and a summary line."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from csmodel.render.machine import check_summary

_STYLE = {"pass": "green", "fail": "bold red", "warn": "yellow"}


def _table(file: str, results: list[Any]) -> Table:
    t = Table(box=box.SIMPLE_HEAD, title=file, title_justify="left", header_style="bold")
    t.add_column("Line", justify="right", no_wrap=True)
    t.add_column("ID", overflow="fold")
    t.add_column("Status", no_wrap=True)
    t.add_column("Value", justify="right", no_wrap=True)
    t.add_column("Bound", overflow="fold")
    t.add_column("Message", overflow="fold")
    for r in results:
        t.add_row(
            "" if r.line is None else str(r.line),
            r.id,
            Text(r.status, style=_STYLE[r.status]),
            r.value_text,
            r.bound_text,
            r.message,
        )
    return t


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
            parts.append(_table(f.file, shown))
    if quiet:
        parts.append(
            Text(
                f"{quiet} lint {'run' if quiet == 1 else 'runs'} found nothing "
                "(counted as passed, not listed).",
                style="dim",
            )
        )
    verdict = "green" if report.exit_code == 0 else "bold red"
    parts.append(Text(check_summary(report), style=verdict))
    return Group(*parts)
