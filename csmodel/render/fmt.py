"""Number formatting for people: money with separators and currency, percents."""

from __future__ import annotations

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "AUD": "A$", "CAD": "C$"}


def money(x: float | None, currency: str = "USD", *, signed: bool = False) -> str:
    """``$1,234,567`` (whole units), ``-$1,234`` or ``+$1,234`` when ``signed``."""
    if x is None:
        return "n/a"
    sign = "-" if x < -0.5 else ("+" if signed and x > 0.5 else "")
    body = f"{abs(x):,.0f}"
    sym = _SYMBOLS.get(currency.upper())
    return f"{sign}{sym}{body}" if sym else f"{sign}{body} {currency}"


def pct(x: float | None, digits: int = 1, *, signed: bool = False) -> str:
    if x is None:
        return "n/a"
    return f"{x * 100:+.{digits}f}%" if signed else f"{x * 100:.{digits}f}%"


def num(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "n/a"
    return f"{x:,.{digits}f}"


def count(x: float | None) -> str:
    """Accounts and CSMs: whole numbers shown whole, expected values with one decimal."""
    if x is None:
        return "n/a"
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-6 else f"{x:,.1f}"


def compact_money(x: float, currency: str = "USD") -> str:
    """Axis labels: ``$2.52M``, ``$840k``."""
    sym = _SYMBOLS.get(currency.upper(), "")
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{sym}{x / div:.2f}{suffix}" if sym else f"{x / div:.2f}{suffix} {currency}"
    return f"{sym}{x:.0f}" if sym else f"{x:.0f} {currency}"


def currency_unit(currency: str = "USD", scale: str = "k") -> str:
    """The unit of scaled money in a header: ``$k``, ``€M``, ``CHF k``."""
    sym = _SYMBOLS.get(currency.upper())
    return f"{sym}{scale}" if sym else f"{currency} {scale}"


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
