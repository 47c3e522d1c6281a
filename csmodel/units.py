"""Numbers as people read them: money with its currency, percents, counts, hours.

Pure text formatting, the lowest layer with ``ids`` and ``errors``: the check
messages, the renderers and the goal-seek statement all format through here.
"""

from __future__ import annotations

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "AUD": "A$", "CAD": "C$"}


def currency_symbol(currency: str) -> str | None:
    """The symbol money in ``currency`` is shown with (``$``, ``€``), or ``None``: the
    currency's code is written after the amount instead (``1,234 CHF``)."""
    return _SYMBOLS.get(currency.upper())


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


def show(x: float | None, unit: str, currency: str = "USD", *, exact: bool = False) -> str:
    """A value in its unit: ``89.07%``, ``$1,234,567``, ``4``, ``73.0 h``, ``2.50×``, ``19.95``.

    With ``exact`` (bounds as the user wrote them), money keeps its cents when it has any.
    """
    if x is None:
        return "n/a"
    if unit == "rate":
        return pct(x, 2)
    if unit == "money":
        if exact and abs(x - round(x)) > 1e-6 and abs(x) < 1e12:
            whole = money(x, currency)
            return whole.replace(f"{abs(x):,.0f}", f"{abs(x):,.2f}")
        return money(x, currency)
    if unit == "count":
        return count(x)
    if unit == "hours":
        return f"{num(x, 1)} h"
    if unit == "months":
        return f"{x:g} months"
    if unit == "ratio":
        return f"{x:.2f}×"
    return num(x, 2)


def bound_text(lo: float | None, hi: float | None, unit: str, currency: str = "USD") -> str:
    """``min 90.00%``, ``max 25.00``, ``90.00% to 110.00%`` or empty."""

    def s(x: float) -> str:
        return show(x, unit, currency, exact=True)

    if lo is not None and hi is not None:
        return f"{s(lo)} to {s(hi)}"
    if lo is not None:
        return f"min {s(lo)}"
    if hi is not None:
        return f"max {s(hi)}"
    return ""
