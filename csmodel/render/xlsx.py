"""Excel workbooks (``--format xlsx``): one sheet per table, made from ``csmodel.records``.

Every number is the JSON record's under the same key, so a workbook, the JSON and
the CSV never disagree. Finance audits a plan by its formulas, so in the ARR bridge
and the by-year sheets closing ARR, the totals and NRR/GRR are **live formulas** over
the movement cells (``opening + new + expansion + price increase − contraction −
churn``), each written with csmodel's own number as its cached value: a reader that
does not recalculate shows csmodel's figure, one that does gets the same.

Cells carry number formats (money in the scenario's currency, percents, counts);
headers are frozen; columns are sized to their contents. Every sheet made from a
scenario ends with an Assumptions sheet: each input, its value, and where it came
from (``file:line``, a variant's line, a ``--set`` flag, or the schema default).

User text never becomes a formula: every text cell is written with ``write_string``
(the workbook is opened with ``strings_to_formulas`` off), so a segment named
``=cmd|' /C calc'!A0`` is data; control characters are made visible
(:func:`csmodel.render.safe.xlsx_text`).

XlsxWriter is imported here only (``--format xlsx``), never at start-up.
"""

from __future__ import annotations

import datetime
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from csmodel.render.safe import xlsx_text

MAX_ROWS = 1_048_576
"""Rows of one Excel sheet."""

CREATED = datetime.datetime(2000, 1, 1)
"""The workbook's creation date, fixed: the same plan gives the same bytes (XlsxWriter
writes the zip entries with a fixed date already; only this one comes from the clock)."""


@dataclass(frozen=True)
class Formula:
    """A live formula with csmodel's value as its cached result."""

    text: str
    value: float | None


@dataclass(frozen=True)
class Typed:
    """A cell whose number kind is its own, not its column's (a row of mixed inputs)."""

    value: Any
    kind: str


@dataclass(frozen=True)
class Col:
    """A column: header, number kind (``text``, ``money``, ``pct``, ``pct2``, ``num``,
    ``count``, ``int``, ``csms``: whole CSMs as ``int``, fractions as ``num``, ``general``:
    every digit as Excel shows a number), and whether it identifies the row (frozen with
    the header)."""

    header: str
    kind: str = "num"
    key: bool = False


def _money_format(currency: str) -> str:
    from csmodel.units import currency_symbol

    sym = currency_symbol(currency)
    if sym:
        return f'"{sym}"#,##0;-"{sym}"#,##0'
    if re.fullmatch(r"[A-Za-z]{1,8}", currency):
        return f'#,##0 "{currency}";-#,##0 "{currency}"'
    return "#,##0"


class Book:
    """An XlsxWriter workbook in memory, with the formats and the table writer."""

    def __init__(self, currency: str = "USD") -> None:
        import xlsxwriter

        self.buf = io.BytesIO()
        self.wb = xlsxwriter.Workbook(
            self.buf,
            {
                "in_memory": True,
                # user text is data: never a formula, number or link
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self.wb.set_properties(
            {"title": "csmodel workbook", "author": "csmodel", "created": CREATED}
        )
        self.names: set[str] = set()
        f = self.wb.add_format
        self.fmt = {
            "header": f({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"}),
            "title": f({"bold": True, "font_size": 13}),
            "note": f({"italic": True, "font_color": "#555555", "text_wrap": False}),
            "text": f({}),
            "money": f({"num_format": _money_format(currency)}),
            "pct": f({"num_format": "0.0%"}),
            "pct2": f({"num_format": "0.00%"}),
            "num": f({"num_format": "#,##0.00"}),
            "count": f({"num_format": "#,##0.0"}),
            "int": f({"num_format": "#,##0"}),
            "general": f({}),
            "total_money": f({"num_format": _money_format(currency), "bold": True, "top": 1}),
            "total_text": f({"bold": True, "top": 1}),
            "total_pct": f({"num_format": "0.0%", "bold": True, "top": 1}),
            "total_count": f({"num_format": "#,##0.0", "bold": True, "top": 1}),
            "total_num": f({"num_format": "#,##0.00", "bold": True, "top": 1}),
            "total_int": f({"num_format": "#,##0", "bold": True, "top": 1}),
        }

    def sheet(self, name: str) -> Any:
        """A new sheet; names are made valid (31 characters, no ``[]:*?/\\``) and unique."""
        base = re.sub(r"[\[\]:*?/\\]", "_", xlsx_text(name))[:31].strip("'") or "Sheet"
        title, n = base, 2
        while title.lower() in self.names:
            suffix = f" ({n})"
            title, n = base[: 31 - len(suffix)] + suffix, n + 1
        self.names.add(title.lower())
        return self.wb.add_worksheet(title)

    def write(self, ws: Any, r: int, c: int, value: Any, kind: str, total: bool = False) -> str:
        """Write one cell; returns its text as shown (for column widths)."""
        if isinstance(value, Typed):
            value, kind = value.value, value.kind
        if kind == "csms":
            whole = isinstance(value, (int, float)) and float(value).is_integer()
            kind = "int" if whole else "num"
        fmt = self.fmt[("total_" if total else "") + (kind if kind != "text" else "text")]
        if total and kind == "text":
            fmt = self.fmt["total_text"]
        if isinstance(value, Formula):
            cached = value.value
            if cached is None or (isinstance(cached, float) and not math.isfinite(cached)):
                ws.write_formula(r, c, value.text, fmt, "")
                return ""
            ws.write_formula(r, c, value.text, fmt, cached)
            return _shown(cached, kind)
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            ws.write_blank(r, c, None, fmt)
            return ""
        if isinstance(value, bool):
            ws.write_boolean(r, c, value, fmt)
            return str(value)
        if isinstance(value, (int, float)):
            ws.write_number(r, c, value, fmt)
            return _shown(value, kind)
        text = xlsx_text(value)
        ws.write_string(r, c, text, fmt)
        return text

    def table(
        self,
        ws: Any,
        cols: Sequence[Col],
        rows: Sequence[Sequence[Any]],
        *,
        top: int = 0,
        total: Sequence[Any] | None = None,
        note: str | None = None,
    ) -> int:
        """Write a table at row ``top``: header, rows, an optional bold total row, a note
        under it. Freezes the header (and key columns); sizes columns. Returns the row
        after the table."""
        from csmodel.errors import CsmodelError

        if top + len(rows) + 3 > MAX_ROWS:
            raise CsmodelError(
                f"{len(rows):,} rows do not fit in one Excel sheet (at most {MAX_ROWS:,}); "
                "use a longer period (--by year) or --format csv"
            )
        widths = [len(c.header) for c in cols]
        for j, col in enumerate(cols):
            ws.write_string(top, j, xlsx_text(col.header), self.fmt["header"])
        r = top + 1
        for row in rows:
            for j, (col, value) in enumerate(zip(cols, row, strict=True)):
                shown = self.write(ws, r, j, value, col.kind)
                widths[j] = max(widths[j], len(shown))
            r += 1
        if total is not None:
            for j, (col, value) in enumerate(zip(cols, total, strict=True)):
                shown = self.write(ws, r, j, value, col.kind, total=True)
                widths[j] = max(widths[j], len(shown))
            r += 1
        keys = sum(1 for c in cols if c.key)
        ws.freeze_panes(top + 1, keys)
        for j, w in enumerate(widths):
            ws.set_column(j, j, min(60, max(8, w + 2)))
        if note:
            ws.write_string(r + 1, 0, xlsx_text(note), self.fmt["note"])
            r += 2
        return r

    def close(self) -> bytes:
        self.wb.close()
        return self.buf.getvalue()


def _shown(x: float, kind: str) -> str:
    if kind == "pct":
        return f"{x * 100:.1f}%"
    if kind == "pct2":
        return f"{x * 100:.2f}%"
    if kind == "money":
        return f"-$ {abs(x):,.0f}"
    if kind == "int":
        return f"{x:,.0f}"
    if kind == "general":
        return input_text(x)
    return f"{x:,.2f}"


def cell(r: int, c: int) -> str:
    """A1 reference of 0-based row and column."""
    from xlsxwriter.utility import xl_rowcol_to_cell

    return xl_rowcol_to_cell(r, c)


# --- the ARR bridge and the years: live formulas ------------------------------------------

BRIDGE_COLS = (
    ("opening_arr", "Opening ARR"),
    ("new_arr", "New"),
    ("expansion_arr", "Expansion"),
    ("price_increase_arr", "Price increase"),
    ("contraction_arr", "Contraction"),
    ("churn_arr", "Churn"),
    ("closing_arr", "Closing ARR"),
)
"""The bridge's columns, JSON keys first: contraction and churn are amounts removed."""


def closing_formula(r: int, first: int) -> str:
    """``=open+new+expansion+price-contraction-churn`` of row ``r``, whose opening ARR is in
    column ``first`` and the movements in the five after it."""
    o, n, e, p, c, ch = (cell(r, first + i) for i in range(6))
    return f"={o}+{n}+{e}+{p}-{c}-{ch}"


def bridge_sheet(book: Book, title: str, rows: list[dict], lead: list[tuple[str, str]]) -> None:
    """An ARR bridge (``records`` period rows) with closing ARR as a formula per row and,
    when the rows are one book's periods in order, a total row: movements summed, opening
    the first period's, closing a formula; a period's opening ARR is the previous
    closing cell when they are equal (they are: DOMAIN 11.1)."""
    ws = book.sheet(title)
    lead_cols = [Col(h, "text", key=i == 0) for i, (_, h) in enumerate(lead)]
    cols = [*lead_cols, Col("Accounts", "count"), Col("Revenue", "money")]
    cols += [Col(h, "money") for _, h in BRIDGE_COLS]
    first = len(lead) + 2  # column of opening ARR
    out = []
    prev: dict | None = None
    for i, row in enumerate(rows):
        r = i + 1
        same_book = prev is not None and all(row.get(k) == prev.get(k) for k, _ in lead[:-1])
        opening: Any = row["opening_arr"]
        if same_book and _close(prev["closing_arr"], opening):
            opening = Formula(f"={cell(r - 1, first + 6)}", opening)
        cells = [row.get(k) for k, _ in lead] + [row["accounts"], row["revenue"], opening]
        cells += [row[k] for k, _ in BRIDGE_COLS[1:-1]]
        cells.append(Formula(closing_formula(r, first), row["closing_arr"]))
        out.append(cells)
        prev = row
    total = None
    if rows and len(lead) == 1:  # one book: the horizon's bridge
        n = len(rows)
        total = ["Total", rows[-1]["accounts"], _sum_formula(first - 1, 1, n, rows, "revenue")]
        total.append(Formula(f"={cell(1, first)}", rows[0]["opening_arr"]))
        for j, (k, _) in enumerate(BRIDGE_COLS[1:-1], 1):
            total.append(_sum_formula(first + j, 1, n, rows, k))
        total.append(Formula(closing_formula(n + 1, first), rows[-1]["closing_arr"]))
    from csmodel.render.project import BRIDGE_NOTE

    book.table(ws, cols, out, total=total, note=BRIDGE_NOTE)


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return False
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _sum_formula(c: int, r0: int, n: int, rows: list[dict], key: str) -> Formula:
    return Formula(f"=SUM({cell(r0, c)}:{cell(r0 + n - 1, c)})", sum(r[key] for r in rows))


YEAR_BOOK = (
    ("opening_arr", "Opening ARR"),
    ("expansion_arr", "Expansion"),
    ("price_increase_arr", "Price increase"),
    ("contraction_arr", "Contraction"),
    ("churn_arr", "Churn"),
    ("closing_arr", "Closing ARR"),
)


def years_sheet(book: Book, years: list[dict], title: str = "By year") -> None:
    """Plan years: revenue, exit ARR, and the bridge of the book that existed when each
    year opened, its closing ARR, NRR and GRR as formulas (closing ÷ opening; (opening −
    contraction − churn) ÷ opening)."""
    from csmodel.render.project import YEARS_NOTE

    ws = book.sheet(title)
    cols = [Col("Year", "text", key=True), Col("Months", "int"), Col("Revenue", "money")]
    cols += [Col(h, "money") for _, h in YEAR_BOOK]
    cols += [Col("NRR", "pct"), Col("GRR", "pct"), Col("Logos kept", "pct")]
    cols += [Col("Exit ARR", "money")]
    o = 3  # column of opening ARR
    out = []
    for i, y in enumerate(years):
        r = i + 1
        sb = y.get("starting_book") or None
        label = f"Y{y['year']}"
        if y.get("first_month"):  # a dated plan: which months the plan year holds
            label += f" ({y['first_month']} to {y['last_month']})"
        cells: list[Any] = [label, y["months"], y["revenue"]]
        if sb:
            oc, ec, pc, cc, chc = (cell(r, o + k) for k in range(5))
            cells += [sb[k] for k, _ in YEAR_BOOK[:-1]]
            cells.append(Formula(f"={oc}+{ec}+{pc}-{cc}-{chc}", sb["closing_arr"]))
            close = cell(r, o + 5)
            cells.append(Formula(f'=IF({oc}=0,"",{close}/{oc})', y["nrr"]))
            cells.append(Formula(f'=IF({oc}=0,"",({oc}-{cc}-{chc})/{oc})', y["grr"]))
        else:
            cells += [None] * len(YEAR_BOOK) + [y["nrr"], y["grr"]]
        cells += [y["logo_retention"], y["ending_arr"]]
        out.append(cells)
    book.table(ws, cols, out, note=YEARS_NOTE)


# --- inputs and their sources ---------------------------------------------------------------


def _leaves(data: Any, ranged: dict, path: tuple = ()) -> list[tuple[tuple, Any]]:
    """``(path, value)`` of every input in a scenario's plain data (the trees that are not
    inputs of the plan, ``sensitivity.SKIP_TREES``, left out); a range (``ranged``: by
    path, ``ranges.ranges_of``) is one input, not its low and high."""
    from csmodel.sensitivity import SKIP_TREES

    if path in ranged:
        return [(path, ranged[path])]
    out: list[tuple[tuple, Any]] = []
    if isinstance(data, dict):
        for k, v in data.items():
            if not path and k in SKIP_TREES:
                continue
            out += _leaves(v, ranged, (*path, k))
    elif isinstance(data, (list, tuple)):
        for i, v in enumerate(data):
            out += _leaves(v, ranged, (*path, i))
    else:
        out.append((path, data))
    return out


def _written(data: Any, path: tuple) -> tuple | None:
    """``path`` as the file's data spells it (a schedule's month ``1`` is written ``"1"``),
    when the file writes it; else its longest written prefix that ends at a value (a plain
    number written for what the schema holds as a schedule); else ``None`` (a default).
    Not ``Marks.locate``: that falls back to any written ancestor, which would cite a
    default's parent."""
    node, spelled = data, []
    for i, k in enumerate(path):
        if isinstance(node, dict):
            key = k if k in node else str(k) if str(k) in node else None
            if key is not None:
                node = node[key]
                spelled.append(key)
                continue
        elif isinstance(node, list) and isinstance(k, int) and k < len(node):
            node = node[k]
            spelled.append(k)
            continue
        return tuple(spelled) if i and not isinstance(node, (dict, list)) else None
    return tuple(spelled)


def input_kind(path: tuple) -> str:
    """How a workbook shows the input at ``path`` (a scenario key path), from the schema's
    validator of its field: ``pct2`` (a rate), ``money``, ``int`` (whole: months, accounts,
    the fiscal year's first month), ``csms`` (staffed CSMs), else ``general`` (every
    digit)."""
    import inspect

    from csmodel.document import model_at
    from csmodel.schema import MAX_MONEY

    for i in range(len(path), 0, -1):  # a schedule's month: the schedule's field
        fields = getattr(model_at(path[: i - 1]), "model_fields", None) or {}
        field = fields.get(str(path[i - 1]))
        if field is not None:
            break
    else:
        return "general"
    if path[i - 1] == "csms":  # staffed CSMs: whole as counts, a fraction as it is
        return "csms"
    for meta in field.metadata:
        func = getattr(meta, "func", None)
        while func is not None and func.__qualname__.split(".")[0] in _WRAPPERS:
            func = inspect.getclosurevars(func).nonlocals.get("fn")
        if func is None:
            continue
        name = func.__qualname__.split(".")[0]
        if name == "_rate":
            return "pct2"
        if name in ("_whole", "_fiscal_month"):
            return "int"
        if name == "_num":
            return (
                "money"
                if inspect.getclosurevars(func).nonlocals.get("hi") == MAX_MONEY
                else "general"
            )
    return "general"


_WRAPPERS = ("_optional", "_schedulable", "_ranged")
"""Validators that wrap another (``fn``): a value may be missing, scheduled or a range."""


def input_value(v: Any) -> Any:
    """An input as a cell holds it: a number as it is (a range: its median), ``true`` or
    ``false``, text; nothing is ``""``. :func:`input_text` is its text (the report)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return float(v)
    return v


def input_text(v: Any) -> str:
    """An input as text, with every digit it has (``1,234,567.891``, ``0.055``): never
    rounded, and without an exponent between 1e-9 and 1e15."""
    x = input_value(v)
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, int):
        return f"{x:,}"
    if not math.isfinite(x):
        return str(x)
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    if 1e-9 <= abs(x) < 1e15:
        import numpy as np

        whole, _, frac = np.format_float_positional(abs(x), trim="-").partition(".")
        return ("-" if x < 0 else "") + f"{int(whole):,}" + (f".{frac}" if frac else "")
    return repr(x)


def range_text(r: Any) -> str:
    """A range as written: ``low 0.05, high 0.15, logitnormal`` (its median is the value)."""
    parts = [f"low {input_text(r.low)}", f"high {input_text(r.high)}", r.dist]
    if r.mode is not None:
        parts.insert(2, f"mode {input_text(r.mode)}")
    if r.driver is not None:
        parts.append(f"driver {r.driver}")
    return ", ".join(parts)


def input_rows(scenario: Any, extra: dict[str, tuple[Any, str]] | None = None) -> list[dict]:
    """Every input of ``scenario`` (its plain data's leaves, variants and checks left out):
    ``input`` (dotted path), ``path``, ``value`` (a range's median), ``range`` (the
    :class:`~csmodel.ranges.Range`, else ``None``), ``kind`` (:func:`input_kind`) and
    ``source``: the override that set it (a variant's ``file:line``, a ``--set`` flag),
    else ``book: FILE`` (a segment's accounts and ACV taken from an account book), else
    its ``file:line``, else ``default`` (the schema's value); ``""`` when the scenario's
    origin is not known (:func:`csmodel.render.source_of`). ``extra`` gives inputs set
    by the command itself: ``{dotted path: (value, source)}`` (``headcount --csms``)."""
    from csmodel.book import book_of
    from csmodel.ranges import ranges_of
    from csmodel.render import source_of
    from csmodel.schema import plain
    from csmodel.yamlsrc import dotted

    origin = source_of(scenario)
    book = book_of(scenario)
    booked = set(book.segment) if book is not None else set()
    extra = extra or {}
    rows = []
    for path, value in _leaves(plain(scenario), dict(ranges_of(scenario))):
        name = dotted(path)
        where = ""
        if name in extra:
            value, where = extra[name]
        elif origin is not None:
            where = _source(origin, name, path, booked, book)
        rng = value if hasattr(value, "low") and hasattr(value, "dist") else None
        rows.append(
            {
                "input": name,
                "path": path,
                "value": float(value) if rng is not None else value,
                "range": rng,
                "kind": input_kind(path) if isinstance(value, (int, float)) else "text",
                "source": where,
            }
        )
    return rows


BOOK_INPUTS = (("segments", "accounts"), ("segments", "acv"))
"""What a segment of an account book takes from the book (``segments.NAME.accounts``,
``.acv``: the path with its segment name left out)."""


def _source(origin: Any, name: str, path: tuple, booked: set, book: Any) -> str:
    """Where the input ``name`` (at ``path``) of a scenario of ``origin`` was written."""
    doc = origin.document
    ov = next(
        (o for o in reversed(origin.overrides) if name == o.path or name.startswith(o.path + ".")),
        None,
    )
    if ov is not None:
        o = ov.origin
        return o.flag or (f"{o.file}:{o.line}" if o.line else o.file)
    if path[1:2] and path[1] in booked and path[::2] in BOOK_INPUTS:
        return f"book: {book.file}"
    at = _written(doc.source.data, path)
    pos = doc.source.marks.values.get(at) if at else None
    return f"{doc.file}:{pos[0]}" if pos is not None else "default"


INPUTS_NOTE = (
    "Every input of the plan as used (variants and --set applied), and where it was "
    "written: file:line, a variant's line, a --set flag, the account book, or default "
    "(the schema's value). A range is one input: its median, with its low and high."
)


def assumptions_sheet(
    book: Book,
    scenario: Any,
    title: str = "Assumptions",
    extra: dict[str, tuple[Any, str]] | None = None,
) -> None:
    """Every input (:func:`input_rows`): value in its number format, a range's low and
    high beside it, and its source."""
    from csmodel.render import source_of

    rows = input_rows(scenario, extra)
    ws = book.sheet(title)
    cols = [
        Col("Input", "text", key=True),
        Col("Value", "general"),
        Col("Low", "general"),
        Col("High", "general"),
        Col("Range", "text"),
        Col("Source", "text"),
    ]
    note = INPUTS_NOTE
    if source_of(scenario) is None:
        note += " The scenario's file is not known here, so sources are left blank."
    out = []
    for r in rows:
        rng, kind = r["range"], r["kind"]
        out.append(
            [
                r["input"],
                Typed(input_value(r["value"]), kind),
                Typed(rng.low, kind) if rng is not None else None,
                Typed(rng.high, kind) if rng is not None else None,
                rng.dist if rng is not None else None,
                r["source"],
            ]
        )
    book.table(ws, cols, out, note=note)


CONVENTION_INPUTS = {"cost_to_serve": ("economics", "cost_to_serve")}
"""Conventions named apart from the input they show (others are the input's own path)."""


def conventions_sheet(book: Book, conventions: dict[str, Any]) -> None:
    ws = book.sheet("Conventions")
    rows = []
    for path, value in _leaves(conventions, {}):
        at = CONVENTION_INPUTS.get(path[0], (path[0],)) + path[1:]
        kind = input_kind(at) if isinstance(value, (int, float)) else "text"
        rows.append([".".join(str(p) for p in path), Typed(input_value(value), kind)])
    book.table(ws, [Col("Convention", "text", key=True), Col("Value", "general")], rows)


def _kind(unit: str) -> str:
    return {"money": "money", "rate": "pct", "count": "count"}.get(unit, "num")


def _title(ws: Any, book: Book, text: str, row: int = 0) -> None:
    ws.write_string(row, 0, xlsx_text(text), book.fmt["title"])


# --- the commands ---------------------------------------------------------------------------


def project(pr: Any, by: str) -> bytes:
    """``csmodel project --format xlsx``: Summary, Simulation (with ``--simulate``), ARR
    bridge (whole book, by ``by``), Bridge by segment, By year, By segment, Owners (an
    account book with owners), Assumptions, Conventions."""
    from csmodel.ids import METRICS, metric_label, metric_unit
    from csmodel.records import project_record, simulation_label

    rec = project_record(pr, by)
    sc = pr.scenario
    book = Book(sc.currency)

    ws = book.sheet("Summary")
    _title(ws, book, sc.name + (f" — {sc.description}" if sc.description else ""))
    cols = [Col("Metric", "text", key=True), Col("Value", "num"), Col("Id", "text")]
    rows = [[metric_label(m), rec["metrics"].get(m), m] for m in METRICS]
    _metric_table(book, ws, cols, rows, [metric_unit(m) for m in METRICS], top=2)

    if "simulation" in rec:
        sim = rec["simulation"]
        ws = book.sheet("Simulation")
        label = simulation_label(sim["paths"], sim["seed"], sim["discrete"])
        _title(ws, book, f"Simulation: {label}")
        keys = ("p5", "p10", "p50", "p90", "p95", "mean")
        cols = [Col("Metric", "text", key=True), *(Col(k.upper(), "num") for k in keys)]
        names = list(sim["metrics"])
        rows = [[metric_label(m), *(sim["metrics"][m][k] for k in keys)] for m in names]
        _metric_table(book, ws, cols, rows, [metric_unit(m) for m in names], top=2)

    period = f"By {by}"
    bridge_sheet(book, "ARR bridge", rec["totals"], [("period", "Period")])
    bridge_sheet(
        book, "Bridge by segment", rec["periods"], [("segment", "Segment"), ("period", period)]
    )
    years_sheet(book, rec["years"])

    ws = book.sheet("By segment")
    cols = [Col("Segment", "text", key=True), Col("Accounts", "count")]
    seg_keys = (
        ("total_revenue", "Revenue", "money"),
        ("starting_arr", "Starting ARR", "money"),
        ("ending_arr", "Exit ARR", "money"),
        ("nrr", "NRR", "pct"),
        ("grr", "GRR", "pct"),
        ("contribution", "Contribution", "money"),
        ("csms_required", "CSMs required", "num"),
        ("coverage", "Coverage", "pct"),
    )
    cols += [Col(h, kind) for _, h, kind in seg_keys]
    rows = [
        [name, float(sc.segments[name].accounts), *(seg["metrics"][k] for k, _, _ in seg_keys)]
        for name, seg in rec["segments"].items()
    ]
    book.table(ws, cols, rows)

    if rec.get("owners"):
        ws = book.sheet("Owners")
        okeys = (
            ("segment", "Segment", "text"),
            ("owner", "Owner", "text"),
            ("accounts_start", "Accounts at start", "count"),
            ("accounts_end", "Accounts at end", "count"),
            ("peak_load", "Peak load", "num"),
            ("lowest_coverage", "Lowest coverage", "pct"),
            ("first_short_month", "First short month", "int"),
            ("months_short", "Months short", "int"),
        )
        cols = [Col(h, kind, key=i < 2) for i, (_, h, kind) in enumerate(okeys)]
        book.table(ws, cols, [[o[k] for k, _, _ in okeys] for o in rec["owners"]])

    assumptions_sheet(book, sc)
    conventions_sheet(book, rec["conventions"])
    return book.close()


def _metric_table(
    book: Book, ws: Any, cols: list[Col], rows: list[list[Any]], units: list[str], top: int
) -> None:
    """A table whose rows are metrics of different units: each value cell gets its row's
    number format."""
    book.table(ws, cols, [[r[0]] + [None] * (len(cols) - 1) for r in rows], top=top)
    for i, (row, unit) in enumerate(zip(rows, units, strict=True)):
        for j, value in enumerate(row[1:], 1):
            if cols[j].kind == "text":
                book.write(ws, top + 1 + i, j, value, "text")
            else:
                book.write(ws, top + 1 + i, j, value, _kind(unit))
    ws.set_column(0, 0, max(len(r[0]) for r in rows) + 2 if rows else 12)
    ws.set_column(1, len(cols) - 1, 16)


def headcount(report: Any) -> bytes:
    """``csmodel headcount --format xlsx``: Workload, Sweep, Verdicts, Staffing plan (a
    scheduled ``csms``), Hiring plan, Assumptions, Conventions."""
    from csmodel.records import BOOK_TOTAL, headcount_record

    rec = headcount_record(report)
    sc = report.scenario
    book = Book(sc.currency)

    ws = book.sheet("Workload")
    wkeys = (
        ("sized_by", "Sized by", "text"),
        ("hours_per_account", "Hours per account", "num"),
        ("productive_hours_per_csm", "Productive hours per CSM", "num"),
        ("accounts_per_csm", "Accounts per CSM", "num"),
        ("accounts_start", "Accounts at start", "count"),
        ("accounts_peak", "Accounts at peak", "count"),
        ("fte_required", "FTE required", "num"),
        ("recommended_csms", "Recommended CSMs", "int"),
        ("staffed_csms", "Staffed CSMs", "csms"),
        ("gap", "Gap", "csms"),
        ("coverage", "Lowest coverage", "pct"),
        ("accounts_covered", "Accounts covered", "count"),
    )
    cols = [Col("Segment", "text", key=True), *(Col(h, k) for _, h, k in wkeys)]
    rows = [
        [name, *(_scalar(seg[k]) for k, _, _ in wkeys)] for name, seg in rec["segments"].items()
    ]
    book.table(ws, cols, rows)

    skeys = [
        ("csms", "CSMs", "int"),
        ("accounts_per_csm", "Accounts per CSM", "num"),
        ("coverage", "Coverage", "pct"),
        ("total_revenue", "Revenue", "money"),
        ("csm_cost", "CSM cost", "money"),
        ("gross_profit", "Contribution", "money"),
        ("delta_gross_profit", "Δ contribution", "money"),
        ("break_even_churn_sensitivity", "Break-even churn sensitivity", "num"),
        ("exit_arr", "Exit ARR", "money"),
        ("exit_arr_delta", "Δ exit ARR", "money"),
        ("break_even_month", "Break-even month", "int"),
    ]
    if any("value" in r for rows_ in rec["sweep"].values() for r in rows_):
        skeys += [("value", "Value", "money"), ("value_delta", "Δ value", "money")]
    if rec["sweep"]:
        ws = book.sheet("Sweep")
        cols = [Col("Segment", "text", key=True), *(Col(h, k) for _, h, k in skeys)]
        rows = [
            [name, *(r.get(k) for k, _, _ in skeys)]
            for name, sweep in rec["sweep"].items()
            for r in sweep
        ]
        book.table(ws, cols, rows)

    verdicts = [
        (name, kind, seg[f"{kind}_verdict"])
        for name, seg in rec["segments"].items()
        for kind in ("cut", "plan")
        if seg.get(f"{kind}_verdict")
    ]
    if verdicts:
        ws = book.sheet("Verdicts")
        vkeys = (
            ("baseline_csms", "Baseline CSMs", "csms"),
            ("csms", "CSMs", "csms"),
            ("csm_cost_change", "CSM cost change", "money"),
            ("revenue_change", "Revenue change", "money"),
            ("gross_profit_change", "Contribution change", "money"),
            ("break_even_churn_sensitivity", "Break-even churn sensitivity", "num"),
            ("exit_arr_delta", "Δ exit ARR", "money"),
            ("break_even_month", "Break-even month", "int"),
            ("sentence", "Verdict", "text"),
        )
        cols = [Col("Segment", "text", key=True), Col("Kind", "text")]
        cols += [Col(h, k) for _, h, k in vkeys]
        rows = [[n, k, *(_scalar(v.get(key)) for key, _, _ in vkeys)] for n, k, v in verdicts]
        book.table(ws, cols, rows)

    plans = [(n, s["staffing_plan"]) for n, s in rec["segments"].items() if s["staffing_plan"]]
    if plans:
        ws = book.sheet("Staffing plan")
        cols = [Col("Segment", "text", key=True), Col("Month", "int"), Col("Date", "text")]
        cols += [Col("Planned CSMs", "csms"), Col("Required FTE", "num")]
        cols += [Col("Coverage", "pct"), Col("CSM cost", "money")]
        rows = []
        for name, p in plans:
            dates = p["dates"] or [None] * len(p["months"])
            for i, m in enumerate(p["months"]):
                rows.append(
                    [
                        name,
                        m,
                        dates[i],
                        p["planned"][i],
                        p["required_fte"][i],
                        p["coverage"][i],
                        p["csm_cost"][i],
                    ]
                )
        book.table(ws, cols, rows)

    if rec["hiring_plan"]:
        ws = book.sheet("Hiring plan")
        hkeys = (
            ("required_fte", "Required FTE", "num"),
            ("headcount_start", "Headcount start", "csms"),
            ("departures", "Expected departures", "num"),
            ("leavers", "Leavers", "int"),
            ("hires", "Hires", "int"),
            ("effective_fte", "Effective FTE", "num"),
            ("headcount_end", "Headcount end", "csms"),
            ("csm_cost", "CSM cost", "money"),
        )
        cols = [Col("Quarter", "text", key=True), Col("Segment", "text", key=True)]
        cols += [Col(h, k) for _, h, k in hkeys]
        rows = []
        for q in rec["hiring_plan"]:
            rows.append([q["quarter"], BOOK_TOTAL, *(q[k] for k, _, _ in hkeys)])
            for name, s in q.get("segments", {}).items():
                rows.append([q["quarter"], name, *(s[k] for k, _, _ in hkeys)])
        book.table(ws, cols, rows, note=rec["hiring_plan_rule"])

    assumptions_sheet(book, sc, extra=csms_given(report))
    conventions_sheet(book, rec["conventions"])
    return book.close()


def csms_given(report: Any) -> dict[str, tuple[Any, str]]:
    """The staffing ``headcount --csms SEG=N`` evaluated, as inputs (:func:`input_rows`'s
    ``extra``): each segment whose staffed CSMs are not the file's, with ``--csms SEG=N``
    as its source (a ``--csms`` equal to the file's value changes nothing and is cited
    from the file)."""
    from csmodel.capacity import staffing_point

    if not report.plan_given:
        return {}
    out = {}
    for seg in report.segments:
        staffed = seg.staffed_csms
        if staffed != staffing_point(report.scenario.segments[seg.name].csms):
            out[f"segments.{seg.name}.csms"] = (staffed, f"--csms {seg.name}={input_text(staffed)}")
    return out


def _scalar(x: Any) -> Any:
    """A JSON value for one cell: a schedule (``{"1": 3, "7": 4}``) as its text."""
    if isinstance(x, dict):
        return ", ".join(f"{k}: {v}" for k, v in x.items())
    if isinstance(x, list):
        return ", ".join(str(v) for v in x)
    return x


def compare(cols: Any, metrics: list[str], by_segment: bool = False) -> bytes:
    """``csmodel compare --format xlsx``: Compare (the CSV's rows: every metric of every
    column, with its delta against the first column), Assumptions (every input side by
    side, with its source in the first column's file) and Conventions (the first
    column's)."""
    from csmodel.ids import metric_unit
    from csmodel.records import COMPARE_CSV_COLUMNS, compare_record, compare_rows

    rec = compare_record(cols, metrics, by_segment)
    rows = compare_rows(cols, metrics, by_segment)
    currency = cols[0].projection.scenario.currency if cols else "USD"
    book = Book(currency)
    ws = book.sheet("Compare")
    header = [Col(k, "text", key=k in ("segment", "metric")) for k in COMPARE_CSV_COLUMNS]
    book.table(ws, header, [[r.get(k) for k in COMPARE_CSV_COLUMNS] for r in rows])
    for i, r in enumerate(rows):  # values in their metric's unit
        kind = _kind(metric_unit(r["metric"]))
        book.write(ws, i + 1, 5, r["value"], kind)
        book.write(ws, i + 1, 6, r["delta"], kind)
        book.write(ws, i + 1, 7, None if r["delta_pct"] is None else r["delta_pct"] / 100, "pct")

    if cols:
        _compare_inputs(book, cols)
        conventions_sheet(book, rec["columns"][0]["conventions"])
    return book.close()


def _compare_inputs(book: Book, cols: Any) -> None:
    """Every input of every column side by side, one row per input (a range: its median,
    its low and high in the Ranges column), with its source in the first column's file."""
    tables = [input_rows(c.projection.scenario) for c in cols]
    by_name = [{r["input"]: r for r in t} for t in tables]
    names = list(dict.fromkeys(r["input"] for t in tables for r in t))
    header = [Col("Input", "text", key=True)]
    header += [Col(c.label, "general") for c in cols]
    header += [Col("Source", "text"), Col("Ranges", "text")]
    out = []
    for n in names:
        rows = [t.get(n) for t in by_name]
        cells: list[Any] = [n]
        cells += [None if r is None else Typed(input_value(r["value"]), r["kind"]) for r in rows]
        cells.append(rows[0]["source"] if rows[0] is not None else "")
        ranged = [
            f"{c.label}: {range_text(r['range'])}"
            for c, r in zip(cols, rows, strict=True)
            if r is not None and r["range"] is not None
        ]
        cells.append("; ".join(ranged) or None)
        out.append(cells)
    ws = book.sheet("Assumptions")
    book.table(ws, header, out, note=INPUTS_NOTE)


def sensitivity(result: Any) -> bytes:
    """``csmodel sensitivity --format xlsx``: the tornado rows (largest swing first; swing
    a live ``ABS(high − low)``), Assumptions, Conventions."""
    from csmodel.ids import metric_label, metric_unit
    from csmodel.records import sensitivity_record

    rec = sensitivity_record(result)
    book = Book(result.scenario.currency)
    ws = book.sheet("Sensitivity")
    kind = _kind(metric_unit(rec["metric"]))
    base = rec["base"]
    _title(ws, book, f"Sensitivity of {metric_label(rec['metric'])} ({rec['metric']})")
    ws.write_string(1, 0, "Base", book.fmt["text"])
    book.write(ws, 1, 1, base, kind)
    cols = [
        Col("#", "int", key=True),
        Col("Assumption", "text", key=True),
        Col("Step", "text"),
        Col("Base input", "num"),
        Col("Low input", "num"),
        Col("High input", "num"),
        Col("At low", kind),
        Col("At high", kind),
        Col("Swing", kind),
        Col("Period", "text"),
    ]
    top = 3
    rows = []
    for i, r in enumerate(rec["rows"], 1):
        row = top + i
        swing: Any = r["swing"]
        if r["low"] is not None and r["high"] is not None and swing is not None:
            swing = Formula(f"=ABS({cell(row, 7)}-{cell(row, 6)})", swing)
        rows.append(
            [
                i,
                r["assumption"],
                r["step"],
                r["base_input"],
                r["low_input"],
                r["high_input"],
                r["low"],
                r["high"],
                swing,
                r["period"],
            ]
        )
    book.table(ws, cols, rows, top=top, note=result.method)
    assumptions_sheet(book, result.scenario)
    conventions_sheet(book, rec["conventions"])
    return book.close()
