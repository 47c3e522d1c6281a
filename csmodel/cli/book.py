"""``csmodel book``: the account export read back before any projection.

By segment (accounts, ARR, average ACV, hours and CSMs needed, owners), by owner
(hours and load against one CSM's productive hours, flagged over 100%), the renewal
calendar of the plan's first twelve months, and the fewest account moves within a
segment that bring every owner to at most 100% (``csmodel.bookview``).
"""

from __future__ import annotations

from pathlib import Path

import typer

from csmodel.cli.common import (
    DEFAULT_FILE,
    FILE_ARGUMENT,
    FORCE_OPTION,
    OUTPUT_OPTION,
    SET_OPTION,
    VARIANT_OPTION,
    boundary,
    choices,
    emit,
    format_option,
    load,
)
from csmodel.errors import UsageError
from csmodel.render import Registry

BOOK = Registry(
    table="csmodel.render.book:table",
    json="csmodel.render.book:book_json",
    csv="csmodel.render.book:book_csv",
    markdown="csmodel.render.book:markdown",
)
"""``csmodel book``: each renderer takes the ``BookView`` and the ``--table`` asked for.
(Kept here, not in ``csmodel.render``, only while that module is edited elsewhere.)"""

CSV_TABLES = ("owners", "segments", "renewals", "moves")
"""The tables ``--format csv --table`` may write (``csmodel.render.book.CSV_TABLES``)."""

Format = choices("BookFormat", BOOK)
Table = choices("BookTable", CSV_TABLES)


def no_book_message(file: Path | None) -> str:
    """What to say when the scenario names no account export."""
    name = "standard input" if str(file) == "-" else str(file or DEFAULT_FILE)
    return (
        f"{name} has no `book:`: `csmodel book` reads an account export (CSV) named by the "
        "scenario. Add one, with the plan's first month, e.g. `start: 2027-01` and "
        "`book: {file: accounts.csv, columns: {id: Account ID, segment: Segment, arr: ARR, "
        "renewal_date: Renewal Date, owner: CSM Owner}}` (the header names in your file; "
        "the file is relative to the scenario). Then remove `accounts` and `acv` from its "
        "segments: they come from the book."
    )


def register(app: typer.Typer) -> None:
    @app.command("book")
    @boundary
    def book_cmd(
        file: Path = FILE_ARGUMENT,
        fmt: Format = format_option(BOOK, "table"),
        table: Table = typer.Option(
            None,
            "--table",
            help=(
                "With --format csv, the table to write (one per run): owners (the default "
                "when the book has owners), segments (the default otherwise), renewals, moves."
            ),
            show_default=False,
        ),
        variant: str = VARIANT_OPTION,
        sets: list[str] = SET_OPTION,
        output: Path = OUTPUT_OPTION,
        force: bool = FORCE_OPTION,
    ) -> int:
        """Read the account book: by segment, by owner (load), renewal calendar, rebalancing.

        Owners over 100% load are flagged, and the fewest account moves within a segment
        that bring every owner to at most 100% are listed (or how many more CSMs a
        segment needs). The scenario must have a `book:` (an account export).
        """
        from csmodel.book import book_of
        from csmodel.bookview import view_book

        if table is not None and fmt.value != "csv":
            raise UsageError(
                f"--table picks the CSV table; --format {fmt.value} shows every section "
                "(leave --table out, or use --format csv)"
            )
        scenario = load(file, variant, sets)
        if book_of(scenario) is None:
            raise UsageError(no_book_message(file))
        view = view_book(scenario)
        if table is not None and table.value in ("owners", "moves") and view.owners is None:
            raise UsageError(
                f"--table {table.value}: the book has no owner column (`book.columns.owner`); "
                "choose --table segments or renewals"
            )
        rendered = BOOK.renderer(fmt.value)(view, None if table is None else table.value)
        emit(rendered, output, force=force)
        return 0
