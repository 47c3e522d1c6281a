"""``csmodel book``: the account export read back by segment, by owner, by renewal month,
with a rebalancing suggestion.

Every renderer takes a :class:`csmodel.bookview.BookView` and the CSV table asked for
(``--table``, used by ``csv`` alone). The terminal and markdown renderers walk the same
:func:`sections`; JSON and CSV are made from ``csmodel.records.book_record``, so no two
formats disagree. Owner, segment and account names are user text: grids escape them
(``render.safe``) on the way out, and notes go through ``safe.rich_text`` / ``safe.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from csmodel.render import safe
from csmodel.render.fmt import count, money, num, pct
from csmodel.render.layout import Col, Fit, Grid, Money

OVER_STYLE = "bold red"
"""Style of an owner's row over 100% load (the Flag column says it in words too)."""


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def _verb(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _hours(x: float) -> str:
    return f"{x:,.0f}"


def headline(view: Any) -> str:
    """One sentence: the file, its accounts and ARR, and one CSM's productive hours."""
    sc, book = view.scenario, view.book
    cur = sc.currency
    line = f"{book.file}: {_plural(len(book), 'account')}, ARR {money(float(book.arr.sum()), cur)}"
    if view.owners is not None:
        line += f", {_plural(len(view.owners), 'named owner')}"
        pooled = sum(s.pooled or 0 for s in view.segments)
        if pooled:
            line += f" ({_plural(pooled, 'account')} without one, in the segments' pools)"
    line += f". One CSM has {view.productive_hours:,.0f} productive hours a year"
    if view.scheduled_capacity:
        line += " (the plan's first month: hours, productivity or accounts per CSM are scheduled)"
    return line + "."


# --- by segment -----------------------------------------------------------------------

SEGMENT_HEADERS = (
    "Segment",
    "Accounts",
    "ARR",
    "Average ACV",
    "Hours per account",
    "Hours per year",
    "FTE required",
    "CSMs needed",
    "Owners",
)


def segments_grid(view: Any) -> Grid:
    cur = view.scenario.currency
    owned = view.owners is not None
    headers = SEGMENT_HEADERS if owned else SEGMENT_HEADERS[:-1]
    cols = [Col(headers[0], right=False, wrap=True, key=True)]
    cols += [Col(h, money=h in ("ARR", "Average ACV")) for h in headers[1:]]
    caption = (
        "Hours are CSM hours a year: hours per account (meetings + prep, or productive hours ÷ "
        f"accounts per CSM) × accounts. FTE required = hours ÷ {view.productive_hours:,.0f} "
        "productive hours of one CSM; CSMs needed rounds it up."
    )
    bare = [s.name for s in view.segments if s.sized_by is None and s.accounts]
    if bare:
        caption += (
            f" No workload model (meetings or accounts_per_csm), so no hours: {', '.join(bare)}."
        )
    pools = [f"{s.name} {s.pooled:,}" for s in view.segments if s.pooled]
    if pools:
        caption += (
            " Owners are named CSMs; accounts without one are their segment's pool "
            f"({', '.join(pools)})."
        )
    g = Grid("By segment", cols, caption=caption, currency=cur)
    for s in view.segments:
        cells: list[Any] = [
            s.name,
            count(s.accounts),
            Money(s.arr, cur),
            Money(s.average_acv, cur) if s.average_acv is not None else "—",
            num(s.hours_per_account) if s.sized_by else "—",
            _hours(s.hours_per_year),
            num(s.fte_required, 2),
            str(s.csms_needed),
        ]
        if owned:
            cells.append(count(s.owners))
        g.add(*cells)
    return g


# --- by owner -------------------------------------------------------------------------

OWNER_HEADERS = ("Owner", "Segments", "Accounts", "ARR", "Hours per year", "Load", "Flag")
OVER_FLAG = "over 100%"


def owners_grid(view: Any) -> Grid:
    cur = view.scenario.currency
    cols = [
        Col("Owner", right=False, wrap=True, key=True),
        Col("Segments", right=False, wrap=True),
        Col("Accounts"),
        Col("ARR", money=True),
        Col("Hours per year"),
        Col("Load"),
        Col("Flag", right=False),
    ]
    over = sum(1 for o in view.owners if o.over)
    caption = (
        f"Load = hours needed a year (each account at its segment's hours per account) ÷ "
        f"{view.productive_hours:,.0f} productive hours of one CSM; "
        f"{over:,} of {_plural(len(view.owners), 'owner')} over 100%. Most loaded first."
    )
    pools = [f"{s.name} {s.pooled:,}" for s in view.segments if s.pooled]
    if pools:
        caption += f" Accounts without an owner (pooled: {', '.join(pools)}) are not listed."
    g = Grid("By owner", cols, caption=caption, currency=cur)
    for o in view.owners:
        g.add(
            o.owner,
            ", ".join(o.segments),
            count(o.accounts),
            Money(o.arr, cur),
            _hours(o.hours_per_year),
            pct(o.load),
            OVER_FLAG if o.over else "",
            style=OVER_STYLE if o.over else None,
        )
    return g


# --- renewal calendar -----------------------------------------------------------------

RENEWALS_CAPTION = (
    "ARR as exported (before any movement of the plan) renewing in each of the plan's first "
    "twelve months; a multi-year contract shows where its term ends."
)


def renewals_grid(view: Any) -> Grid:
    cur = view.scenario.currency
    cal = view.renewals
    names = list(cal.by_segment) if len(cal.by_segment) > 1 else []
    cols = [Col("Month", right=False, key=True)]
    cols += [Col(name, money=True) for name in names]
    cols += [Col("Total ARR", money=True), Col("Accounts")]
    g = Grid("Renewal calendar", cols, caption=RENEWALS_CAPTION, currency=cur)
    for j, label in enumerate(cal.labels):
        g.add(
            label,
            *(Money(float(cal.by_segment[n][j]), cur) for n in names),
            Money(float(cal.total[j]), cur),
            count(int(cal.accounts[j])),
        )
    g.add(
        "12 months",
        *(Money(float(cal.by_segment[n].sum()), cur) for n in names),
        Money(float(cal.total.sum()), cur),
        count(int(cal.accounts.sum())),
        style="bold",
    )
    return g


# --- rebalancing ----------------------------------------------------------------------


def rebalancing_sentence(r: Any, s: Any) -> str | None:
    """What the suggestion for one segment says (``None``: a segment without accounts)."""
    if not s.accounts:
        return None
    name = r.segment
    if not r.owners:
        return f"{name}: no named owner (its {_plural(s.accounts, 'account')} are pooled)."
    if s.sized_by is None:
        return f"{name}: no workload model (meetings or accounts_per_csm), so no load to balance."
    moves = len(r.moves)
    if r.more_csms_needed:
        room = r.room
        text = (
            f"{name}: needs {_plural(r.more_csms_needed, 'more CSM')}. Its "
            f"{_plural(s.accounts, 'account')} need {s.fte_required:,.2f} FTE and its "
            f"{_plural(r.owners, 'owner')} can hold {room:,} of them within 100%, so "
            f"{_plural(r.accounts_short, 'account does', 'accounts do')} not fit."
        )
        if moves:
            text += (
                f" Meanwhile {_plural(moves, 'move')} {_verb(moves, 'fills', 'fill')} the owners "
                "with room to 100% (listed below)."
            )
        else:
            text += " No owner has room to take accounts."
        return text
    if not moves:
        return f"{name}: every owner is within 100%; no moves needed."
    text = (
        f"{name}: {_plural(moves, 'move')} {_verb(moves, 'brings', 'bring')} every owner to "
        "at most 100% "
        f"({_plural(r.owners_over, 'owner')} over before); the fewest possible."
    )
    if r.owners_over_after:
        text += (
            f" {_plural(r.owners_over_after, 'owner')} still over 100% from hours in other "
            "segments (see those segments)."
        )
    return text


def moves_grid(r: Any, cur: str) -> Grid:
    cols = [
        Col("Account", right=False, wrap=True, key=True),
        Col("ARR", money=True),
        Col("From", right=False, wrap=True),
        Col("To", right=False, wrap=True),
    ]
    g = Grid(f"Moves: {r.segment}", cols, currency=cur)
    for m in r.moves:
        g.add(m.id, Money(m.arr, cur), m.from_owner, m.to_owner)
    return g


def sections(view: Any) -> list[tuple[str, Any, str]]:
    """Everything ``csmodel book`` shows, in order, as (kind, content, style): ``grid``,
    ``subgrid`` (a grid under a heading), ``heading`` or ``note``; the terminal and
    markdown renderers both walk this list."""
    cur = view.scenario.currency
    out: list[tuple[str, Any, str]] = [("note", headline(view), "")]
    out.append(("grid", segments_grid(view), ""))
    if view.owners:
        out.append(("grid", owners_grid(view), ""))
    elif view.owners is not None:
        out.append(("note", "By owner: no account of the book has a named owner.", "dim"))
    else:
        out.append(("note", "By owner: the book has no owner column (book.columns.owner).", "dim"))
    out.append(("grid", renewals_grid(view), ""))
    if view.rebalancing is None:
        return out
    out.append(("heading", "Rebalancing", "bold"))
    by_name = {s.name: s for s in view.segments}
    for r in view.rebalancing:
        line = rebalancing_sentence(r, by_name[r.segment])
        if line is None:
            continue
        style = "yellow" if r.more_csms_needed or r.owners_over else ""
        out.append(("note", line, style))
        if r.moves:
            out.append(("subgrid", moves_grid(r, cur), ""))
    out.append(("note", f"Rule: {view.rebalancing_rule}", "dim"))
    return out


def title(view: Any) -> str:
    return f"{view.scenario.name} — account book"


def table(view: Any, csv_table: str | None = None) -> Any:
    from rich.console import Group

    parts: list[Any] = [safe.rich_text(title(view), "bold")]
    for kind, content, style in sections(view):
        if kind in ("grid", "subgrid"):
            parts.append(Fit(content))
        else:
            parts.append(safe.rich_text(content, style))
    return Group(*parts)


def markdown(view: Any, csv_table: str | None = None) -> str:
    out = [f"# {safe.md(title(view))}\n"]
    for kind, content, _ in sections(view):
        if kind == "grid":
            out.append("\n" + content.markdown(2))
        elif kind == "subgrid":
            out.append("\n" + content.markdown(3))
        elif kind == "heading":
            out.append(f"\n## {safe.md(content)}\n\n")
        else:
            out.append(f"\n{safe.md(content)}\n")
    return "".join(out)


# --- machine formats ------------------------------------------------------------------


def book_json(view: Any, csv_table: str | None = None) -> str:
    from csmodel.records import book_record
    from csmodel.render.machine import dump_json

    return dump_json(book_record(view))


def _segment_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    return list(record["segments"])


def _owner_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {**o, "over": "true" if o["over"] else "false", "segments": "; ".join(o["segments"])}
        for o in record["owners"] or []
    ]


def _renewal_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    from csmodel.records import BOOK_TOTAL

    r = record["renewals"]
    rows = []
    for j, month in enumerate(r["months"]):
        date = r["dates"][j] if r["dates"] is not None else None
        for name, values in r["by_segment"].items():
            rows.append({"month": month, "date": date, "segment": name, "arr": values[j]})
        rows.append({"month": month, "date": date, "segment": BOOK_TOTAL, "arr": r["total"][j]})
    return rows


def _move_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"segment": name, **m}
        for name, r in (record["rebalancing"] or {}).items()
        for m in r["moves"]
    ]


CSV_TABLES: dict[str, tuple[Callable[[dict[str, Any]], list[dict]], tuple[str, ...], set]] = {
    "owners": (
        _owner_rows,
        ("owner", "accounts", "arr", "hours_per_year", "load", "over", "segments"),
        {"arr"},
    ),
    "segments": (
        _segment_rows,
        (
            "segment",
            "accounts",
            "arr",
            "average_acv",
            "sized_by",
            "hours_per_account",
            "hours_per_year",
            "fte_required",
            "csms_needed",
            "owners",
            "pooled",
        ),
        {"arr", "average_acv"},
    ),
    "renewals": (_renewal_rows, ("month", "date", "segment", "arr"), {"arr"}),
    "moves": (_move_rows, ("segment", "id", "arr", "from", "to"), {"arr"}),
}
"""``csmodel book --format csv --table NAME``: one table per run, each row the JSON
record's under the same keys. ``owners`` (the default when the book has owners;
``segments`` otherwise): one row per owner, most loaded first, ``segments`` joined with
``; `` and ``over`` as ``true``/``false`` (JSON's spelling); ``segments``: one row per
segment; ``renewals``: one row per month (1..12) and
segment, then the month's ``total``; ``moves``: the suggested moves, segment by segment."""


def default_csv_table(view: Any) -> str:
    return "owners" if view.owners is not None else "segments"


def book_csv(view: Any, csv_table: str | None = None) -> str:
    from csmodel.records import book_record
    from csmodel.render.machine import dump_csv

    rows_of, columns, money_cols = CSV_TABLES[csv_table or default_csv_table(view)]
    return dump_csv(rows_of(book_record(view)), columns, money_cols)
