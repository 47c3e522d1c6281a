"""Formatting for the renderers: numbers (from ``csmodel.units``) and table widths."""

from __future__ import annotations

from csmodel.units import (  # noqa: F401  (the renderers' formatting, re-exported)
    _SYMBOLS,
    compact_money,
    count,
    currency_unit,
    money,
    num,
    pct,
)


def fit_tables(renderable) -> None:
    """Give every column of every plain rich table in ``renderable`` a minimum width of its
    widest cell, so headers wrap before a number is cut short.

    The renderers draw their tables with :class:`csmodel.render.layout.Fit`, which
    chooses a layout at render time; this remains for any plain ``Table`` handed to
    ``emit``. Cells are measured as plain text: nothing here parses markup.
    """
    from rich.cells import cell_len
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    items = renderable.renderables if isinstance(renderable, Group) else [renderable]
    for item in items:
        if not isinstance(item, Table):
            continue
        for col in item.columns:
            if col.overflow == "fold":
                continue
            longest = 0
            for cell in col._cells:
                text = cell.plain if isinstance(cell, Text) else str(cell)
                longest = max([longest, *(cell_len(x) for x in text.split("\n"))])
            col.min_width = max(col.min_width or 0, longest)
