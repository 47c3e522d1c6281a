"""Tables that fit: one plain description of a table, laid out when the width is known.

A :class:`Grid` is the plain form of one table (title, columns, rows, caption)
that both the terminal and the markdown renderers read, so the two never
disagree. In a terminal a grid is drawn by :class:`Fit`, a rich renderable
that only learns the width when rich renders it (``options.max_width``) and
then picks the first layout that shows every column and every digit:

1. full headers, money in full (``$1,234,567``);
2. the documented abbreviations of the headers (:data:`ABBREVIATIONS`);
3. money in thousands (``1,234.6`` under ``Revenue $k``), then in millions
   (``1.23`` under ``Revenue $M``), the unit in each money header and the
   rounding stated under the table;
4. the table split into stacked tables, each repeating the key column(s)
   (the period, the segment, the metric).

Numbers never wrap and are never cut; only text columns marked ``wrap``
(names, messages) wrap, at word boundaries. Titles and captions are printed
as their own wrapping paragraphs. Every user string is escaped through
:mod:`csmodel.render.safe` on its way out (rich: :func:`safe.rich_text`;
markdown: :func:`safe.md`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from csmodel.render import safe
from csmodel.render.fmt import currency_unit, money

ABBREVIATIONS: dict[str, str] = {
    "Accounts": "Accts",
    "Revenue": "Rev.",
    "Opening ARR": "Open ARR",
    "Expansion": "Exp.",
    "Price incr.": "Price",
    "Contraction": "Contr.",
    "Closing ARR": "Close ARR",
    "Logos kept": "Logos",
    "Starting ARR": "Start ARR",
    "Contribution": "Contrib.",
    "Coverage": "Cov.",
    "Hours per account": "Hrs/acct",
    "Accounts per CSM": "Accts per CSM",
    "Accounts at start": "Accts start",
    "Accounts at peak": "Accts peak",
    "FTE required": "FTE req.",
    "Rec. CSMs": "Rec.",
    "Lowest coverage": "Low cov.",
    "Accounts/CSM": "Accts/CSM",
    "Δ contribution": "Δ contrib.",
    "Required FTE": "Req. FTE",
    "Headcount start": "HC start",
    "Expected departures": "Exp. depart.",
    "Break-even churn sens.": "BE sens.",
    "Break-even month": "BE month",
    "Δ exit ARR": "Δ exit",
    "Effective FTE": "Eff. FTE",
    "Headcount end": "HC end",
    "Per year": "/yr",
    "Prep hours": "Prep",
    "Hours/account/yr": "Hrs/acct/yr",
    "Low input": "Low in",
    "High input": "High in",
    "Tornado (− │ +)": "Tornado",
}
"""Short forms of column headers, used when the full headers do not fit (README lists them)."""

MONEY_SCALES = (
    ("full", 1.0, 0),
    ("k", 1e3, 1),
    ("M", 1e6, 2),
)
"""Money display modes tried in order: name, divisor, decimals (so the rounding is stated)."""

WRAP_MIN = 14
"""Narrowest a wrapping text column (a name, a message) is made."""

ROOMY_KEY = 30
"""Width a wrapping key column keeps (up to its natural width) when a table is split."""


@dataclass(frozen=True)
class Money:
    """A money cell, formatted when the layout (full, $k or $M) is chosen."""

    value: float | None
    currency: str
    signed: bool = False

    def text(self, scale: str = "full") -> str:
        if scale == "full" or self.value is None:
            return money(self.value, self.currency, signed=self.signed)
        _, div, digits = next(s for s in MONEY_SCALES if s[0] == scale)
        v = self.value / div
        if abs(v) < 0.5 * 10**-digits:
            v = 0.0
        return f"{v:+,.{digits}f}" if self.signed and v != 0 else f"{v:,.{digits}f}"


@dataclass(frozen=True)
class Col:
    """A column: header, alignment, whether it may wrap, whether split parts repeat it."""

    header: str
    right: bool = True
    wrap: bool = False
    key: bool = False
    money: bool = False
    keep_words: bool = False  # a wrapping column of figures: never narrower than its longest

    def title(self, short: bool, scale: str, currency: str) -> str:
        h = ABBREVIATIONS.get(self.header, self.header) if short else self.header
        if self.money and scale != "full":
            h = f"{h} {currency_unit(currency, scale)}"
        return h


Cell = Any
"""A cell: ``str`` (user or fixed text, escaped on output), :class:`Money`, or a rich
``Text`` already made safe (its ``.plain`` is what markdown shows)."""


@dataclass
class Grid:
    """The plain form of one table, read by the terminal and the markdown renderers."""

    title: str
    columns: list[Col]
    rows: list[list[Cell]] = field(default_factory=list)
    caption: str = ""
    currency: str = "USD"
    row_styles: list[str | None] = field(default_factory=list)

    def add(self, *cells: Cell, style: str | None = None) -> None:
        assert len(cells) == len(self.columns), (len(cells), len(self.columns))
        self.rows.append(list(cells))
        self.row_styles.append(style)

    def markdown(self, level: int = 2) -> str:
        """The grid as a markdown section: heading, table (blank lines around), caption."""
        out = []
        if self.title:
            out.append(f"{'#' * level} {safe.md(self.title)}\n\n")
        out.append(
            md_table(
                [c.header for c in self.columns],
                [[plain(x) for x in r] for r in self.rows],
                right={i for i, c in enumerate(self.columns) if c.right},
            )
        )
        if self.caption:
            out.append(f"\n_{safe.md(self.caption)}_\n")
        return "".join(out)


def plain(cell: Cell) -> str:
    """A cell as plain text (money in full)."""
    if isinstance(cell, Money):
        return cell.text()
    if isinstance(cell, str):
        return cell
    return cell.plain


def md_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int] | None = None
) -> str:
    """THE markdown table: every cell escaped with :func:`safe.md`, a blank line before and
    after (CommonMark/GFM and Python-Markdown both need the one before)."""
    right = right if right is not None else set(range(1, len(header)))

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(safe.md(c) if c != "" else " " for c in cells) + " |"

    out = ["", line(header)]
    out.append(
        "| " + " | ".join("---:" if i in right else "---" for i in range(len(header))) + " |"
    )
    out += [line(r) for r in rows]
    return "\n".join(out) + "\n\n"


# --- terminal layout ------------------------------------------------------------------


def _rich_cell(cell: Cell, scale: str, style: str = "") -> Any:
    from rich.text import Text

    if isinstance(cell, Money):
        return Text(cell.text(scale), style=style)
    if isinstance(cell, str):
        return safe.rich_text(cell, style)
    return cell


def _lines_width(text: Any) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in text.plain.split("\n")), default=0)


def _longest_word(text: Any) -> int:
    from rich.cells import cell_len

    return max((cell_len(w) for w in text.plain.split()), default=0)


class Fit:
    """A rich renderable drawing a :class:`Grid` in the first layout that fits the width."""

    def __init__(self, grid: Grid, *, title_style: str = "bold") -> None:
        self.grid = grid
        self.title_style = title_style
        self.chosen: tuple[str, bool, int] | None = None  # (scale, short, parts): for tests
        self._cache: dict[tuple[int, bool, str], tuple[int, int]] = {}

    def _scales(self) -> list[str]:
        has_money = any(c.money for c in self.grid.columns)
        return [s[0] for s in MONEY_SCALES] if has_money else ["full"]

    def _col_width(self, i: int, short: bool, scale: str) -> tuple[int, int]:
        """(natural, minimum) content width of column ``i`` (cached per layout)."""
        key = (i, short, scale)
        if key not in self._cache:
            g = self.grid
            col = g.columns[i]
            head = _lines_width(safe.rich_text(col.title(short, scale, g.currency)))
            natural = max([head, *(_lines_width(_rich_cell(r[i], scale)) for r in g.rows)])
            if not col.wrap:
                low = natural
            elif col.keep_words:  # figures wrap between words, never inside one
                words = max((_longest_word(_rich_cell(r[i], scale)) for r in g.rows), default=0)
                low = max(words, min(natural, WRAP_MIN))
            else:  # names and messages: fold when a word is longer than the column
                low = min(natural, max(head, WRAP_MIN))
            self._cache[key] = (natural, low)
        return self._cache[key]

    def _widths(self, idx: list[int], short: bool, scale: str) -> tuple[list[int], list[int]]:
        """(natural, minimum) content widths of the columns ``idx``."""
        pairs = [self._col_width(i, short, scale) for i in idx]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    @staticmethod
    def _total(widths: list[int]) -> int:
        # show_edge=False, pad_edge=False, padding (0, 1, 0, 0): one pad + one separator
        return sum(widths) + 2 * (len(widths) - 1)

    def _fit(
        self, idx: list[int], short: bool, scale: str, width: int, roomy: bool = False
    ) -> list[int] | None:
        nat, low = self._widths(idx, short, scale)
        if roomy:  # split parts: a wrapping key column (a name) keeps room to be read
            cols = self.grid.columns
            low = [
                min(n, max(lo, ROOMY_KEY)) if cols[i].key and cols[i].wrap else lo
                for i, n, lo in zip(idx, nat, low, strict=True)
            ]
        if self._total(low) > width:
            return None
        widths = list(low)
        spare = width - self._total(widths)
        for k in range(len(widths)):  # give wrapping columns room up to their natural width
            add = min(spare, nat[k] - widths[k])
            widths[k] += add
            spare -= add
        return widths

    def _pack(
        self, short: bool, scale: str, width: int, roomy: bool = True
    ) -> list[tuple[list[int], list[int]]] | None:
        """Split into parts, each the key columns plus as many others as fit."""
        cols = self.grid.columns
        keys = [i for i, c in enumerate(cols) if c.key] or [0]
        rest = [i for i in range(len(cols)) if i not in keys]
        parts: list[tuple[list[int], list[int]]] = []
        current: list[int] = []
        for i in rest:
            trial = sorted(keys + current + [i])
            if self._fit(trial, short, scale, width, roomy) is not None:
                current.append(i)
                continue
            if not current:
                return None
            idx = sorted(keys + current)
            parts.append((idx, self._fit(idx, short, scale, width, roomy) or []))
            current = [i]
            if self._fit(sorted(keys + current), short, scale, width, roomy) is None:
                return None
        if current:
            idx = sorted(keys + current)
            parts.append((idx, self._fit(idx, short, scale, width, roomy) or []))
        return parts

    def layout(self, width: int) -> tuple[str, bool, list[tuple[list[int], list[int]]]]:
        """(money scale, short headers?, parts as (column indexes, content widths)).

        Tried in order: one table in full figures, then in $k; two stacked tables in
        full figures, then in $k; one table in $M; as many stacked tables as needed
        ($k, then $M). Within each, full headers before abbreviations.
        """
        every = list(range(len(self.grid.columns)))
        shorts = [False, True] if self._has_short() else [False]
        scales = self._scales()

        def single(scale: str) -> Any:
            for short in shorts:
                widths = self._fit(every, short, scale, width)
                if widths is not None:
                    return scale, short, [(every, widths)]
            return None

        def split(scale: str, limit: int | None) -> Any:
            for roomy in (True, False):
                for short in shorts:
                    parts = self._pack(short, scale, width, roomy)
                    if parts and (limit is None or len(parts) <= limit):
                        return scale, short, parts
            return None

        plan = [(single, "full"), (single, "k"), (split, "full", 2), (split, "k", 2)]
        plan += [(single, "M"), (split, "full", None), (split, "k", None), (split, "M", None)]
        for how, scale, *limit in plan:
            if scale in scales or scale == "full":
                got = how(scale, *limit)
                if got is not None:
                    return got
        # Narrower than any layout (far below 60 columns): the shortest form, squeezed by rich.
        scale = scales[-1]
        _, low = self._widths(every, shorts[-1], scale)
        return scale, shorts[-1], [(every, low)]

    def _has_short(self) -> bool:
        return any(c.header in ABBREVIATIONS for c in self.grid.columns)

    def _table(self, idx: list[int], widths: list[int], short: bool, scale: str) -> Any:
        from rich import box
        from rich.table import Table

        g = self.grid
        t = Table(
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            padding=(0, 1, 0, 0),
            header_style="bold",
        )
        for i, w in zip(idx, widths, strict=True):
            col = g.columns[i]
            t.add_column(
                safe.rich_text(col.title(short, scale, g.currency)),
                justify="right" if col.right else "left",
                width=w,
                no_wrap=not col.wrap,
                overflow="fold",
            )
        for r, style in zip(g.rows, g.row_styles or [None] * len(g.rows), strict=False):
            t.add_row(*(_rich_cell(r[i], scale) for i in idx), style=style)
        return t

    def __rich_console__(self, console: Any, options: Any) -> Iterator[Any]:
        from rich.text import Text

        g = self.grid
        scale, short, parts = self.layout(options.max_width)
        self.chosen = (scale, short, len(parts))
        if g.title:
            yield safe.rich_text(g.title, self.title_style)
        for n, (idx, widths) in enumerate(parts):
            if n:
                yield Text("")
            yield self._table(idx, widths, short, scale)
        notes = []
        if scale != "full":
            notes.append(scale_note(scale, g.currency))
        if g.caption:
            notes.append(g.caption)
        if notes:
            yield safe.rich_text(" ".join(notes), "dim")
        yield Text("")

    def __rich_measure__(self, console: Any, options: Any) -> Any:
        from rich.measure import Measurement

        return Measurement(min(options.max_width, 20), options.max_width)


def scale_note(scale: str, currency: str) -> str:
    """The sentence stating a money scale and its rounding."""
    digits = next(s[2] for s in MONEY_SCALES if s[0] == scale)
    word = {"k": "thousands", "M": "millions"}[scale]
    return (
        f"Money in {currency_unit(currency, scale)} ({word} of {currency}, rounded to "
        f"{digits} decimal{'s' if digits != 1 else ''}) so that every column fits."
    )
