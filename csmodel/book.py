"""An account-level book from a CRM or billing export (DOMAIN.md section 8).

A scenario's ``book:`` names a CSV file (relative to the scenario), which
header holds each field, an optional segment relabelling and date format.
:func:`read_book` reads it into a :class:`Book` (one entry per account, numpy
arrays), every bad row located as ``accounts.csv:ROW:COL: error: column:
message`` (ROW counts the header as 1). Segments then take ``accounts`` and
``acv`` from the book (:func:`segment_totals`); rates, meetings and staffing
still come from ``segments:``. The engine starts each segment's book from its
accounts' renewal months (anchors) and, with an ``owner`` column, one CSM per
owner (``csmodel.engine``).

Renewal month: the plan month ``k`` (1-based) in which an account's renewal
date falls, dates before ``start`` rolled forward by its term; its anchor is
``k - 1``.
"""

from __future__ import annotations

import csv
import gc
import io
import itertools
import math
import os
import re
import stat
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np

from csmodel.errors import Problem, ScenarioError
from csmodel.suggest import did_you_mean

MAX_BOOK_BYTES = 50_000_000
"""Largest CSV file read as a book (50 MB: about a million accounts)."""
MAX_ROW_PROBLEMS = 100
"""Row problems reported before the rest are counted."""


_SEGMENT_INDEX: dict[int, tuple[tuple[str, ...], dict[str, np.ndarray]]] = {}
"""Each book's account indices by segment, keyed by the book's id (its ``segment`` tuple
checks the key still names that book)."""


@dataclass(frozen=True, eq=False)
class Book:
    """The accounts of a book, one entry per account, in file order.

    ``arr`` is annual recurring revenue (12 x MRR) whatever the file gave
    (``arr``, ``acv`` or ``mrr``); ``renewal_month`` is the plan month (1-based,
    at most ``term``; ``term + 1`` under ``timing: end`` for a contract signed in the
    plan's first month) of the first renewal on or after the plan's start;
    ``term`` the contract term in months (12 by default); ``owner`` the CSM of
    each account (``None`` without an owner column); ``start_date`` the
    contract start as ``(year, month, day)`` (``None`` without the column or
    the value); ``rows`` each account's line in the file (the header is 1).
    """

    file: str
    ids: tuple[str, ...]
    segment: tuple[str, ...]
    arr: np.ndarray
    renewal_month: np.ndarray
    term: np.ndarray
    owner: tuple[str, ...] | None
    start_date: tuple[tuple[int, int, int] | None, ...] | None
    rows: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def has_owners(self) -> bool:
        return self.owner is not None

    def of_segment(self, name: str) -> np.ndarray:
        """Indices of the accounts of segment ``name`` (computed once per book)."""
        index = _SEGMENT_INDEX.get(id(self))
        if index is None or index[0] is not self.segment:
            codes: dict[str, list[int]] = {}
            for i, s in enumerate(self.segment):
                codes.setdefault(s, []).append(i)
            index = (self.segment, {s: np.array(v, dtype=int) for s, v in codes.items()})
            _SEGMENT_INDEX[id(self)] = index
        return index[1].get(name, np.zeros(0, dtype=int))


def segment_totals(book: Book) -> dict[str, tuple[int, float]]:
    """``{segment: (accounts, acv)}``: what each segment of the scenario takes from the book
    (``acv`` is the average ARR of its accounts)."""
    out: dict[str, tuple[int, float]] = {}
    for name in dict.fromkeys(book.segment):
        idx = book.of_segment(name)
        out[name] = (len(idx), float(book.arr[idx].sum() / len(idx)))
    return out


def attach(scenario: Any, book: Book | None) -> Any:
    """``scenario`` carrying ``book`` (a private attribute that copies and edits keep)."""
    scenario._book = book
    return scenario


def without_owners(scenario: Any) -> Any:
    """A copy of ``scenario`` whose book names no owners (its CSMs are pooled per segment):
    what a staffing set by an analysis means (``headcount``'s sweep, ``--csms``)."""

    book = book_of(scenario)
    if book is None or book.owner is None:
        return scenario
    return attach(scenario.model_copy(), _pooled(book))


_POOLED: dict[tuple[int, bool], Book] = {}


def _pooled(book: Book, annual: bool = False) -> Book:
    from dataclasses import replace

    key = (id(book), annual)
    if key not in _POOLED or _POOLED[key].ids is not book.ids:
        update: dict[str, Any] = {"owner": None}
        if annual:
            update["term"] = np.full(len(book), 12)
        _POOLED[key] = replace(book, **update)
    return _POOLED[key]


def sizing_view(scenario: Any) -> Any:
    """The scenario as ``headcount`` sizes it: each segment's CSMs pooled (no owners: a
    segment without ``csms`` is sized as fully staffed, its owners listed apart) and every
    contract renewing yearly on its renewal month (a multi-year term's churn spread over
    its years), so that a segment is one engine column whatever its staffing."""
    book = book_of(scenario)
    if book is None or (book.owner is None and not np.any(book.term != 12)):
        return scenario
    return attach(scenario.model_copy(), _pooled(book, annual=True))


def account_tenures(book: Book, start: tuple[int, int], default: int) -> np.ndarray:
    """Years each account has renewed before its next renewal (sBG churn's tenure, DOMAIN
    10), ``(accounts,)`` ints: its next renewal (plan month ``renewal_month``, the plan
    starting in ``start`` (year, month)) is renewal ``t = ceil(months since the contract's
    start month / 12)``, at least 1, and its tenure ``t - 1``. Accounts without a start
    date (or a book without the column) take ``default`` (the segment's ``tenure_years``)."""
    out = np.full(len(book), int(default), dtype=np.int64)
    if book.start_date is None:
        return out
    dated = np.array([d is not None for d in book.start_date], dtype=bool)
    if not dated.any():
        return out
    began = np.array([d[0] * 12 + d[1] - 1 if d else 0 for d in book.start_date], np.int64)
    renews = start[0] * 12 + start[1] - 1 + (book.renewal_month - 1)
    t = np.maximum(1, -((began - renews) // 12))  # ceil((renews - began) / 12)
    return np.where(dated, t - 1, out)


def book_of(scenario: Any) -> Book | None:
    """The book a scenario was loaded with, or ``None``."""
    return getattr(scenario, "_book", None)


# --- reading a CSV export ------------------------------------------------------------------
#
# Speed: csv.reader does the per-row work. The rest is per column (``map`` over C callables,
# ``set``, numpy), or per distinct value: amounts, dates, terms, segments and owners repeat in
# an export, so each column is factorised (its distinct cells, and each cell's index among
# them), each distinct cell parsed once, and the results spread back with numpy. Python loops
# over rows run only to report problems.
#
# The reading of the file itself (:func:`read_csv_rows`), the row-problem collector
# (:class:`RowProblems`), bad cells (:class:`BadCell`), dates (:func:`parse_date`) and cells
# echoed in messages (:func:`show_cell`) are public: ``csmodel.fit`` reads its data files
# with them.

MAX_TERM_MONTHS = 120
"""Longest contract term read from ``term_months`` (ten years)."""
DEFAULT_TERM_MONTHS = 12
"""Contract term of an account without a ``term_months`` value."""
MAX_RENEWAL_MONTHS = 120
"""Latest next renewal: plan month 120, ten years after the plan's start."""
MAX_ARR = 1e12
"""Largest ARR of one account: a trillion (``schema.MAX_MONEY``)."""
SHOWN_CHARS = 40
"""Longest cell echoed whole in a message (``schema.SHOWN_CHARS``)."""
SHOWN_NAMES = 20
"""Most headers or segments listed in one message."""
DELIMITERS = (",", ";", "\t")
"""Field separators a book may use; the header line says which."""
CURRENCY_SIGNS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
"""Currency signs read in amounts, and the code each counts as (a file keeps to one
currency)."""
FIELDS = (
    *("id", "segment", "arr", "acv", "mrr"),
    *("renewal_date", "start_date", "owner", "term_months"),
)
"""The fields ``book.columns`` may map."""

# Digits are ASCII 0-9 only ([0-9], not \d: Python's \d, float() and int() also read other
# scripts' digits, so that "١٢٣" would be 123).
_AMOUNT = re.compile(
    r"(?P<sign>[-+\u2212])?\s*"
    r"(?:(?P<pre>[$€£¥]|[A-Z]{3})\s*)?"
    r"(?P<sign2>[-+\u2212])?\s*"
    r"(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
    r"(?:\s*(?P<post>[$€£¥]|[A-Z]{3}))?"
)
"""A decorated amount: ``36,000.00``, ``$36,000``, ``36000 USD``, ``USD 36,000``, ``-$5``."""
_DECIMAL_COMMA = re.compile(r"[^0-9]{0,4}[0-9]{1,3}(?:[. \u00a0][0-9]{3})*,[0-9]{1,2}[^0-9]{0,4}")
"""``36.000,50``: an amount with a decimal comma (refused, with a hint)."""
_ISO_DATE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?(?:Z|[+-]([0-9]{2}):?([0-9]{2}))?)?"
)
"""``YYYY-MM-DD``, optionally with a time of day, as CRMs export timestamps: the time is
ignored, but must be one (hours 00-23, minutes and seconds 00-59, an offset's likewise)."""
_WHOLE = re.compile(r"\+?[0-9]+(?:\.0*)?")
"""A whole number of months: ``12``, ``24.0`` (as spreadsheets write numbers)."""
FIRST_YEAR, LAST_YEAR = 1900, 2200
"""The years a date of a book may fall in: ``0001-01-01``, ``1899-12-31`` or ``9999-12-31``
stand for "no date" in many exports, and are refused rather than read as renewals."""


class BadCell(str):
    """What a cell parser returns for a bad cell: the problem's message."""


def read_book(
    spec: Any,
    base_dir: str,
    start: tuple[int, int],
    segments: list[str],
    *,
    timing: str | None = None,
) -> Book:
    """Read and validate the CSV ``spec.file`` (relative to ``base_dir``) as a :class:`Book`.

    ``spec`` is the scenario's ``schema.BookSpec``; ``start`` the plan's first
    month ``(year, month)``; ``segments`` the names under ``segments:``;
    ``timing`` the scenario's ``timing`` (``None``: not known, read as ``start``
    where they differ: a renewal one term after the first month). Raises
    ``csmodel.errors.ScenarioError`` with every located problem (at most
    :data:`MAX_ROW_PROBLEMS` row problems, then a count).

    What a file may hold:

    - ``book.file``: a path relative to the scenario's folder that stays in it
      (symbolic links followed) and names a regular file; anything else is
      refused before it is opened, and nothing of it shown.
    - Text: UTF-8 with or without a byte-order mark (UTF-16 with one, as
      Excel's "Unicode Text", too); at most :data:`MAX_BOOK_BYTES`. Fields
      separated by ``,``, ``;`` or tabs (whichever splits the header line into
      the mapped headers), quoted as spreadsheets quote them; CRLF, LF or CR
      line ends. Blank lines and rows of empty fields are skipped; a row may
      end with extra empty fields when every row does.
    - Headers match ``book.columns`` exactly (case and inner spaces), spaces
      around a header in the file aside. Cells are read without the spaces
      around them.
    - Amounts: ``36000``, ``36000.50``, ``36,000.00`` (commas in groups of
      three), with a currency sign or a three-letter code before or after
      (``$36,000``, ``36000 USD``, ``EUR 36,000``), one currency per file;
      more than 0 and ARR at most :data:`MAX_ARR`. Decimal commas
      (``36.000,50``), abbreviations (``36k``) and spaces between thousands
      are refused. ``acv`` is read as ARR, ``mrr`` times 12.
    - Numbers and dates are written in ASCII digits (``0``-``9``).
    - Dates: ``YYYY-MM-DD`` (a time of day after it, as in
      ``2027-03-01T09:30:00Z``, is ignored but must be a valid one), or as
      ``book.date_format`` says (``strptime``); from :data:`FIRST_YEAR` to
      :data:`LAST_YEAR` (``0001-01-01`` is a placeholder, not a date). A
      renewal date before the plan's start rolls forward by the account's
      term; the next renewal must fall within the account's term of the
      start (so within :data:`MAX_RENEWAL_MONTHS` months), or, under
      ``timing: end``, exactly one term after the plan's first month (a
      contract that began in that month: plan month ``term + 1``, kept as
      such; the engine's anchor ``term`` mod 12 is then due on the same
      months as anchor 0). Under ``timing: start`` such a renewal is refused:
      the engine's starting book takes an anchor-0 renewal in month 1, a term
      early (it needs a cohort whose first month of change is 1, as a new
      logo's).
    - ``start_date`` may be empty; it is not after the renewal date, nor after
      the plan's first month (the book is the accounts live at the start;
      later deals are new logos).
    - ``term_months``: a whole number of months from 1 to
      :data:`MAX_TERM_MONTHS`; empty means :data:`DEFAULT_TERM_MONTHS`.
    - ``owner``: the account's CSM; an empty cell is ``""``, an account of its
      segment's pool (no named CSM: covered by the segment's ``csms`` beyond its
      owners, as ``csmodel.engine`` staffs it), never an "unassigned" CSM.
    - Segments: a key of ``book.segment_map`` or a name under ``segments:``;
      an unknown value is reported once, at its first row, with its count.
    """
    # csv.reader's rows are lists, which the cyclic garbage collector tracks: its passes
    # over a growing list of them cost more than reading them. Nothing built here forms a
    # reference cycle, so the collector waits until the book is built.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read_book(spec, base_dir, start, segments, timing)
    finally:
        if collecting:
            gc.enable()


def _read_book(
    spec: Any, base_dir: str, start: tuple[int, int], segments: list[str], timing: str | None
) -> Book:
    file = str(Path(base_dir) / spec.file)
    real = _book_path(spec.file, base_dir, file)
    named = {f: getattr(spec.columns, f) for f in FIELDS if getattr(spec.columns, f) is not None}
    rows = read_csv_rows(file, wanted=list(named.values()), real=real)
    if not rows.body:
        raise ScenarioError(Problem(file, _HEADER_ONLY, rows.header_line, 1))
    header, header_line = rows.header, rows.header_line
    col_of = _locate_headers(header, header_line, named, file)

    problems = RowProblems(file, named, col_of)
    body, lines = check_widths(rows.body, rows.lines, len(header), rows.delimiter, problems)
    del rows

    def cells(field: str) -> list[str]:
        return list(map(itemgetter(col_of[field]), body))

    ids = list(map(str.strip, cells("id")))
    distinct_ids = set(ids)
    if "" in distinct_ids:  # rows of empty fields are skipped; any other row needs an id
        keep = []
        for i, v in enumerate(ids):
            if v:
                keep.append(i)
            elif any(map(str.strip, body[i])):
                problems.add(int(lines[i]), col_of["id"] + 1, named["id"], "no account id", "no id")
        body, lines, ids = [body[i] for i in keep], lines[keep], [ids[i] for i in keep]
        distinct_ids.discard("")
    if not body:
        problems.raise_any()
        raise ScenarioError(Problem(file, _HEADER_ONLY, header_line, 1))
    problems.lines = lines
    if len(distinct_ids) < len(ids):
        _report_duplicates(ids, problems)

    segment = _read_segments(cells("segment"), spec.segment_map, segments, problems)
    kind, _ = spec.columns.money
    arr = _read_amounts(cells(kind), kind, problems)
    n = len(ids)
    term = np.full(n, DEFAULT_TERM_MONTHS, dtype=np.int64)
    bad_term = np.zeros(n, dtype=bool)
    if "term_months" in col_of:
        term, bad_term = _read_terms(cells("term_months"), problems)
    renewals = _Column(cells("renewal_date"))
    renew_day, renew_month, bad_renew = _read_renewal_dates(
        renewals, spec.date_format, start, problems
    )
    renewal_month = _next_renewals(
        renew_month,
        term,
        bad_renew | bad_term,
        renewals,
        start,
        "term_months" in col_of,
        timing,
        problems,
    )
    start_date = None
    if "start_date" in col_of:
        start_date = _read_start_dates(
            _Column(cells("start_date")), spec.date_format, start, renew_day, renewals, problems
        )
    owner = None
    if "owner" in col_of:
        owner = _read_owners(cells("owner"))
    problems.raise_any()
    return Book(
        file=file,
        ids=tuple(ids),
        segment=segment,
        arr=_frozen(arr),
        renewal_month=_frozen(renewal_month),
        term=_frozen(term),
        owner=owner,
        start_date=start_date,
        rows=_frozen(lines),
    )


_HEADER_ONLY = "the file has a header but no accounts: expected one row per account after it"


def show_cell(text: str) -> str:
    """A cell echoed in a message: quoted, escaped (``repr``), a long one cut."""
    if len(text) > SHOWN_CHARS:
        return f"{text[: SHOWN_CHARS - 10]!r}... ({len(text):,} characters)"
    return repr(text)


def _listing(names: list[str], show: Any = str) -> str:
    shown = ", ".join(show(n) for n in names[:SHOWN_NAMES])
    more = len(names) - SHOWN_NAMES
    return shown + (f" and {more:,} more" if more > 0 else "")


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def _month_label(start: tuple[int, int]) -> str:
    return f"{start[0]:04d}-{start[1]:02d}"


class RowProblems:
    """Problems of a book's rows. Each check reports in row order and keeps its first
    :data:`MAX_ROW_PROBLEMS` (so the file's first problems are among those kept), the rest
    counted."""

    def __init__(self, file: str, named: dict[str, str], col_of: dict[str, int]):
        self.file = file
        self.named = named
        self.col_of = col_of
        self.lines: np.ndarray = np.zeros(0, dtype=np.int64)
        self.found: list[tuple[int, int, str | None, str]] = []
        self.per_check: Counter[str] = Counter()
        self.omitted = 0

    def add(self, line: int, col: int, key: str | None, message: str, check: str = "") -> None:
        self.per_check[check] += 1
        if self.per_check[check] > MAX_ROW_PROBLEMS:
            self.omitted += 1
        else:
            self.found.append((line, col, key, message))

    def at(self, i: int, field: str, message: str, check: str = "") -> None:
        """A problem with account ``i``'s cell of ``field``; ``check`` names the pass."""
        col = self.col_of[field] + 1
        self.add(int(self.lines[i]), col, self.named[field], message, check or field)

    def each(self, rows: Any, field: str, message: Any, check: str = "") -> None:
        """``message(i)`` at each account ``i`` of ``rows`` (in row order); only the first
        :data:`MAX_ROW_PROBLEMS` messages are written."""
        rows = [int(i) for i in rows]
        for i in rows[:MAX_ROW_PROBLEMS]:
            self.at(i, field, message(i), check)
        self.omitted += max(0, len(rows) - MAX_ROW_PROBLEMS)

    def raise_any(self) -> None:
        if not self.found:
            return
        self.found.sort(key=lambda p: (p[0], p[1]))
        kept = self.found[:MAX_ROW_PROBLEMS]
        omitted = len(self.found) - len(kept) + self.omitted
        problems = [Problem(self.file, msg, line, col, key) for line, col, key, msg in kept]
        raise ScenarioError(problems, omitted=omitted)


class _Column:
    """A column's cells factorised: ``distinct`` cells, ``codes`` (each cell's index in
    ``distinct``), and ``cells`` themselves."""

    def __init__(self, cells: list[str]):
        self.cells = cells
        self.distinct = list(set(cells))
        index = dict(zip(self.distinct, range(len(self.distinct)), strict=True))
        self.codes = np.fromiter(map(index.__getitem__, cells), dtype=np.intp, count=len(cells))

    def parse(self, parse: Any, field: str, problems: RowProblems) -> list[Any]:
        """``parse`` of each distinct cell (spaces around it removed); the cells it finds bad
        (a :class:`BadCell` message) are reported."""
        parsed = [parse(v.strip()) for v in self.distinct]
        bad = [j for j, x in enumerate(parsed) if type(x) is BadCell]
        if bad:
            rows = np.flatnonzero(np.isin(self.codes, bad))
            problems.each(rows, field, lambda i: parsed[self.codes[i]])
        return parsed

    def spread(self, values: list[Any], dtype: Any) -> np.ndarray:
        """Each cell's value, from ``values`` (one per distinct cell)."""
        return np.asarray(values, dtype=dtype)[self.codes]


# --- the file, its rows and its header -------------------------------------------------


@dataclass
class CsvRows:
    """A CSV file's rows as :func:`read_csv_rows` reads them: the header (each name without
    the spaces around it) and its line, the rows after it (blank lines left out; none when
    the file holds a header only), the line each row begins on (the first line is 1), and
    the delimiter."""

    file: str
    header: list[str]
    header_line: int
    body: list[list[str]]
    lines: np.ndarray
    delimiter: str


@dataclass(frozen=True)
class _Wording:
    """How the reader's messages name the file (:func:`read_csv_rows`'s ``noun``)."""

    path: str  # what "... is a folder, not a file" names
    cannot_read: str
    limit: str  # what the size limit is for
    empty: str  # what the file should hold


_WORDING = {
    "book": _Wording(
        "`book.file`",
        "cannot read the book",
        "for a book: export only the columns `book.columns` names",
        "a book is a header row naming its columns, then one row per account",
    ),
    "data file": _Wording(
        "the path",
        "cannot read the file",
        "for a data file",
        "expected a header row naming its columns, then rows of data",
    ),
}
STDIN = "<stdin>"
"""How messages name standard input (``-``)."""


def read_csv_rows(
    path: str,
    *,
    noun: str = "book",
    wanted: list[str] | tuple[str, ...] = (),
    real: str | None = None,
    text_only: bool = False,
) -> CsvRows:
    """The rows of the CSV file ``path`` (``-``: standard input, named ``<stdin>``), each
    with the line it begins on.

    A file may hold what a book may (:func:`read_book`: UTF-8 with or without a
    byte-order mark or UTF-16 with one, at most :data:`MAX_BOOK_BYTES`, ``,``, ``;`` or
    tab delimiters, spreadsheet quoting, any line ends). ``wanted``: the header names
    expected (the delimiter is the one that splits the header line into most of them).
    ``real``: the path to open, already checked to name a regular file (a book's:
    :func:`_book_path`); else ``path`` is checked here before anything opens it.
    ``noun`` (``"book"`` or ``"data file"``) is how messages name the file. ``text_only``
    refuses a file holding a NUL, located: UTF-16 without a byte-order mark, or no text
    at all (a book reads a NUL as any other character of a cell).

    Raises :class:`csmodel.errors.ScenarioError`, located, for a file that cannot be
    read, is empty, or leaves a quote open. A header without rows is no error
    here (``body`` is empty): the caller says so, before or after checking its names.
    """
    wording = _WORDING[noun]
    if str(path) == "-":
        file, source = STDIN, None
    else:
        file = str(path)
        source = real if real is not None else _regular_file(file, file, wording)
    data, encoding, head = _read_bytes(file, source, wording, text_only)
    delimiter = _sniff(head, list(wanted))
    rows, lines = _read_rows(data, encoding, file, delimiter)
    del data
    header, header_line, body, body_lines = _split_header(rows, lines, file)
    return CsvRows(file, header, header_line, body, body_lines, delimiter)


def _regular_file(file: str, real: str, wording: _Wording) -> str:
    """``real`` (shown as ``file``), checked to name a regular file before anything opens
    it: a named pipe would never end, a device never be a CSV file."""
    try:
        mode = os.stat(real).st_mode
    except OSError as exc:
        why = (exc.strerror or str(exc)).lower()
        raise ScenarioError(Problem(file, f"{wording.cannot_read}: {why}")) from None
    if not stat.S_ISREG(mode):
        message = f"{wording.path} is {_file_kind(mode)}, not a file: give the path of a CSV file"
        raise ScenarioError(Problem(file, message))
    return real


def _book_path(name: str, base_dir: str, file: str) -> str:
    """The resolved path of the book ``name`` (``book.file``; ``file`` as shown): a relative
    path that stays in the scenario's folder ``base_dir``, symbolic links followed, and
    names a regular file (checked before anything is opened: a named pipe would never end,
    a device never be a book). A refused file is never read, nor its content shown."""

    def refused(message: str, where: str = file) -> ScenarioError:
        return ScenarioError(Problem(where, f"`book.file` {message}"))

    if os.path.isabs(name):
        raise refused(
            "is an absolute path: give the book's path relative to the scenario's folder "
            "(the book sits in that folder or below it)",
            name,
        )
    try:
        root = os.path.realpath(base_dir)
        real = os.path.realpath(file)
        inside = os.path.commonpath([root, real]) == root
    except (OSError, ValueError) as exc:
        raise refused(f"cannot be read: {(getattr(exc, 'strerror', None) or exc)!s}") from None
    if not inside:
        raise refused(
            f"leads outside the scenario's folder ({root}): the book sits in that folder or "
            "below it (a symbolic link may not lead out of it either)"
        )
    return _regular_file(file, real, _WORDING["book"])


def _file_kind(mode: int) -> str:
    """What a path that is no regular file names (``os.stat``'s ``st_mode``)."""
    kinds = (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((what for test, what in kinds if test(mode)), "something")


def _read_bytes(
    file: str, real: str | None, wording: _Wording, text_only: bool = False
) -> tuple[bytes, str, str]:
    """``(content, encoding, its first 64 KiB as text)`` of ``file`` (at ``real``, a
    regular file: :func:`_regular_file`; ``None``: standard input): at most
    :data:`MAX_BOOK_BYTES` (a file refused before reading), not empty, without a NUL when
    ``text_only``."""
    limit = MAX_BOOK_BYTES  # read at call time: tests lower it
    over = f"over the {limit:,}-byte ({limit / 1e6:g} MB) limit {wording.limit}"

    def too_big(size: str) -> ScenarioError:
        return ScenarioError(Problem(file, f"the file is {size}, {over}"))

    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        if real is None:
            data = sys.stdin.buffer.read(limit + 1)
            if len(data) > limit:
                raise ScenarioError(Problem(file, f"the input is {over}"))
        else:
            # Non-blocking: should the path have become a named pipe since it was checked,
            # the open returns at once and fstat refuses it.
            fd = os.open(real, flags)
            with open(fd, "rb") as fh:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode):
                    kind = _file_kind(st.st_mode)
                    raise ScenarioError(Problem(file, f"{wording.path} is {kind}, not a file"))
                if st.st_size > limit:
                    raise too_big(f"{st.st_size:,} bytes")
                data = fh.read(limit + 1)
    except OSError as exc:
        why = (exc.strerror or str(exc)).lower()
        raise ScenarioError(Problem(file, f"{wording.cannot_read}: {why}")) from None
    if len(data) > limit:  # the file grew since its size was read
        raise too_big("larger than that")
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    if encoding == "utf-16":
        text = _decoded(data, encoding, file)
        if text_only:
            _refuse_nul(text, "\x00", data[:2], file)
        head = text[:65536]
    else:
        if text_only:
            _refuse_nul(data, b"\x00", data[:2], file)
        head = data[:65536].decode(encoding, errors="ignore")
    if not head.strip() and len(data) <= 65536:
        raise ScenarioError(Problem(file, f"the file is empty: {wording.empty}"))
    return data, encoding, head


def _refuse_nul(content: Any, nul: Any, start: bytes, file: str) -> None:
    """A NUL in ``content`` (bytes, or text decoded from UTF-16) is a problem at its line:
    no CSV text holds one. A NUL among the first two bytes is UTF-16 text without the
    byte-order mark that would say so."""
    at = content.find(nul)
    if at < 0:
        return
    line = content.count("\n" if isinstance(content, str) else b"\n", 0, at) + 1
    if isinstance(content, str):
        what = "holds a NUL character on this line: it is not UTF-16 text (UTF-32?)"
    elif 0 in start:
        what = (
            "is UTF-16 text without a byte-order mark (NUL bytes between its characters), "
            "which is not read"
        )
    else:
        what = "holds a NUL byte on this line: it is not CSV text"
    raise ScenarioError(Problem(file, f"the file {what}; save it as CSV UTF-8", line, None))


def _decoded(data: bytes, encoding: str, file: str) -> str:
    """``data`` as text; not text in ``encoding`` is a problem at its line."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        utf16 = encoding == "utf-16"
        line = None if utf16 else data.count(b"\n", 0, exc.start) + 1
        what = "UTF-16" if utf16 else f"UTF-8 (byte 0x{data[exc.start]:02x} on this line)"
        message = f"the file is not readable as {what}: save it as CSV UTF-8"
        raise ScenarioError(Problem(file, message, line, None)) from None


def _sniff(head: str, wanted: list[str]) -> str:
    """The delimiter that splits the first non-blank line into most of the ``wanted``
    headers (then: into most fields); ``,`` when the line has none of them."""
    first = next((ln for ln in head.splitlines() if ln.strip()), "")
    best, best_score = ",", (-1, -1)
    for d in DELIMITERS:
        if d not in first:
            continue
        names = {c.strip() for c in next(csv.reader([first], delimiter=d), [])}
        score = (sum(h in names for h in wanted), first.count(d))
        if score > best_score:
            best, best_score = d, score
    return best


def _read_rows(
    data: bytes, encoding: str, file: str, delimiter: str
) -> tuple[list[list[str]], np.ndarray]:
    """Every row of ``data`` (a blank line as ``[]``) and the line each begins on. A quote
    left open at the end of the file is a problem at the row it opens in (a quoted field
    may span lines: without its closing quote it takes in every row after it)."""

    def reader() -> Any:
        text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
        return csv.reader(itertools.chain(text, [_END]), delimiter=delimiter)

    rd = reader()
    try:
        rows = list(rd)
    except UnicodeDecodeError:
        _decoded(data, encoding, file)  # raises, at the line
        raise
    except csv.Error:
        rd, end = reader(), 0
        try:  # again, row by row: the problem is in the row after the last one read
            for _row in rd:
                end = rd.line_num
        except csv.Error as exc:
            raise ScenarioError(Problem(file, _csv_error(exc), end + 1, None)) from None
        raise  # (not raised twice: a bug)
    closed = rows[-1] == [_END]  # else the sentinel line was read into an open quoted field
    if closed and rd.line_num == len(rows):  # no field spans lines: row i is on line i + 1
        return rows[:-1], np.arange(1, len(rows), dtype=np.int64)
    rd, starts, end = reader(), [], 0
    for _row in rd:
        starts.append(end + 1)
        end = rd.line_num
    if not closed:
        _unclosed_quote(rows, starts[-1], end - 1, file)
    return rows[:-1], np.asarray(starts[:-1], dtype=np.int64)


_END = '\x1f"'
"""A line read after a file's last: the row it makes is ``[_END]``, unless the file ends
inside a quoted field, which then takes it in (``\x1f``) and closes (``"``)."""


def _unclosed_quote(rows: list[list[str]], line: int, last: int, file: str) -> None:
    """Raise the problem of a quote opened in the last row (on ``line``) and never closed:
    it took in every line after it, to the file's last (``last``), as one field."""
    col = len(rows[-1])
    header = next(r for r in rows if any(c.strip() for c in r))
    key = None  # (the header's name of the field, when the quote is not in the header)
    if header is not rows[-1] and col <= len(header):
        key = header[col - 1].strip() or None
    if last > line:
        taken = f"line {last:,}" if last == line + 1 else f"lines {line + 1:,} to {last:,}"
        swallowed = f"the rest of the file ({taken}) was read into this field"
    else:
        swallowed = "the rest of the line was read into this field, and the file ends in it"
    message = (
        f'a quote (") opens this field and is never closed: {swallowed}; close the quote, '
        'or double a quote meant inside a quoted field ("")'
    )
    raise ScenarioError(Problem(file, message, line, col, key))


def _csv_error(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return (
            f"a field runs past {csv.field_size_limit():,} characters: "
            'is a quote (") opened in this row and never closed?'
        )
    return f"cannot read this row as CSV: {text}"


def _split_header(
    rows: list[list[str]], lines: np.ndarray, file: str
) -> tuple[list[str], int, list[list[str]], np.ndarray]:
    """``(header, its line, the rows after it, their lines)``, blank lines left out (no
    rows when the file holds a header only)."""
    h = 0
    while h < len(rows) and not any(c.strip() for c in rows[h]):
        h += 1
    if h == len(rows):  # (blank lines only: refused as empty already)
        raise ScenarioError(Problem(file, "the file has no header row"))
    header = [c.strip() for c in rows[h]]
    body, body_lines = rows[h + 1 :], lines[h + 1 :]
    if [] in body:
        keep = [i for i, r in enumerate(body) if r]
        body, body_lines = [body[i] for i in keep], body_lines[keep]
    return header, int(lines[h]), body, body_lines


def _locate_headers(
    header: list[str], line: int, named: dict[str, str], file: str
) -> dict[str, int]:
    """``{field: column index}`` of each mapped header; a missing or repeated one is a
    problem at the header row."""
    first: dict[str, int] = {}
    repeated: dict[str, list[int]] = {}
    for j, name in enumerate(header):
        if name in first:
            repeated.setdefault(name, [first[name]]).append(j)
        else:
            first[name] = j
    problems = []
    col_of = {}
    for field, name in named.items():
        if name in repeated:
            cols = " and ".join(str(j + 1) for j in repeated[name])
            message = f"the header has this column more than once (columns {cols})"
            problems.append(Problem(file, message, line, repeated[name][1] + 1, name))
        elif name in first:
            col_of[field] = first[name]
        else:
            message = (
                f"no such column in the header (`book.columns.{field}`)"
                f"{did_you_mean(name, header)} (the header has {_listing(header, show_cell)})"
            )
            problems.append(Problem(file, message, line, 1, name))
    if problems:
        raise ScenarioError(problems)
    return col_of


def check_widths(
    body: list[list[str]],
    lines: np.ndarray,
    width: int,
    delimiter: str,
    problems: RowProblems,
) -> tuple[list[list[str]], np.ndarray]:
    """The rows with the header's number of fields; rows of empty fields are skipped, other
    rows are problems. Extra empty fields are allowed when every row has them (a delimiter
    at the end of each data row): a lone row with one more field is one whose fields
    shifted (an unquoted ``36,000``)."""
    widths = set(map(len, body))
    if not body or widths == {width}:
        return body, lines
    trailing = min(widths) > width
    keep = []
    for i, row in enumerate(body):
        n = len(row)
        if n == width or (trailing and not any(map(str.strip, row[width:]))):
            keep.append(i)
        elif any(map(str.strip, row)):
            message = f"the row has {n} fields, the header {width}"
            if n > width and delimiter == ",":
                message += ' (an amount such as 36,000 needs quotes: "36,000")'
            problems.add(int(lines[i]), min(n, width) + 1, None, message, "width")
    return [body[i] for i in keep], lines[keep]


# --- columns -------------------------------------------------------------------------------


def _report_duplicates(ids: list[str], problems: RowProblems) -> None:
    first: dict[str, int] = {}
    for i, v in enumerate(ids):
        j = first.setdefault(v, i)
        if j != i:
            problems.at(i, "id", f"duplicate id {show_cell(v)} (also on row {problems.lines[j]})")


def _read_segments(
    cells: list[str], segment_map: Any, segments: list[str], problems: RowProblems
) -> tuple[str, ...]:
    """Each account's segment name (``segment_map`` applied); an unknown value is reported
    once, at its first row, with how many rows have it."""
    known = set(segments)
    mapping = {}
    unknown = []
    for raw in set(cells):
        v = raw.strip()
        target = segment_map.get(v, v)
        if target in known:
            mapping[raw] = target
        else:
            unknown.append(raw)
    if unknown:
        first: dict[str, int] = {}
        counts: Counter[str] = Counter()
        for i, raw in enumerate(cells):
            if raw not in mapping:
                first.setdefault(raw.strip(), i)
                counts[raw.strip()] += 1
        listing = _listing(list(segments))
        for v, i in first.items():
            if not v:
                message = f"no segment given (segments: {listing})"
            elif v in segment_map:
                target = segment_map[v]
                message = (
                    f"{show_cell(v)} maps to `{target}` (`book.segment_map`), which is not under "
                    f"`segments:`{did_you_mean(target, segments)} (segments: {listing})"
                )
            else:
                hint = did_you_mean(v, [*segments, *segment_map])
                message = (
                    f"unknown segment {show_cell(v)}{hint} (segments: {listing}; "
                    "`book.segment_map` relabels the file's values)"
                )
            more = counts[v] - 1
            if more:
                message += f"; {more:,} more row{'s have' if more > 1 else ' has'} it"
            problems.at(i, "segment", message, f"segment {v}")
    return tuple(map(mapping.get, cells))


def _amount(text: str) -> float | tuple[float, str] | BadCell:
    """An amount cell: a number, ``(number, currency code)`` when the cell names its
    currency, or the problem."""
    try:
        x = float(text)  # the plain form, in C
        if math.isfinite(x) and "_" not in text and text.isascii():
            return x
    except ValueError:
        pass
    inner, negative = text, False
    if text.startswith("(") and text.endswith(")"):  # an accountant's negative
        inner, negative = text[1:-1].strip(), True
    m = _AMOUNT.fullmatch(inner)
    if m is None or (m["pre"] and m["post"]) or (m["sign"] and m["sign2"]):
        if not text:
            return BadCell("expected an amount (the cell is empty)")
        hint = digits_hint(text)
        if _DECIMAL_COMMA.fullmatch(text):
            hint = "; decimal commas are not read: write 36000.50 for 36.000,50"
        return BadCell(f"expected an amount (got {show_cell(text)}){hint}")
    x = float(m["num"].replace(",", ""))
    if negative or (m["sign"] or m["sign2"] or "+") in "-\u2212":
        x = -x
    currency = m["pre"] or m["post"]
    return (x, CURRENCY_SIGNS.get(currency, currency)) if currency else x


def _read_amounts(cells: list[str], kind: str, problems: RowProblems) -> np.ndarray:
    """ARR of each account from the money column ``kind`` (``arr``, ``acv``: as is;
    ``mrr``: times 12)."""
    factor = 12.0 if kind == "mrr" else 1.0
    limit = MAX_ARR / factor
    currency: dict[str, str] = {}

    def parse(text: str) -> float | BadCell:
        x = _amount(text)
        if isinstance(x, tuple):
            x, currency[text] = x
        if type(x) is BadCell:
            return x
        if not x > 0:
            return BadCell(f"must be more than 0 (got {show_cell(text)})")
        if x > limit:
            per = "a month" if kind == "mrr" else "a year"
            return BadCell(f"must be at most {limit:,.0f} {per} (got {show_cell(text)})")
        return x

    # One number per cell: looked up in the parsed distinct cells (no factorising: amounts
    # are many and mostly distinct).
    parsed = {v: parse(v.strip()) for v in set(cells)}
    if any(type(x) is BadCell for x in parsed.values()):
        bad = [i for i, v in enumerate(cells) if type(parsed[v]) is BadCell]
        problems.each(bad, kind, lambda i: parsed[cells[i]])
        parsed = {v: 1.0 if type(x) is BadCell else x for v, x in parsed.items()}
    if len(set(currency.values())) > 1:
        _check_one_currency(cells, currency, kind, problems)
    arr = np.fromiter(map(parsed.__getitem__, cells), dtype=np.float64, count=len(cells))
    return arr * factor if factor != 1.0 else arr


def _check_one_currency(
    cells: list[str], currency: dict[str, str], kind: str, problems: RowProblems
) -> None:
    """Amounts in a currency other than the one most rows name are problems."""
    per_row = [currency.get(v.strip()) for v in cells]
    counts = Counter(c for c in per_row if c is not None)
    main = counts.most_common(1)[0][0]
    row = problems.lines[per_row.index(main)]
    others = [i for i, c in enumerate(per_row) if c is not None and c != main]
    problems.each(
        others,
        kind,
        lambda i: (
            f"an amount in {per_row[i]}, but most are in {main} (as on row {row}): "
            "a book keeps to one currency"
        ),
        "currency",
    )


def _read_terms(cells: list[str], problems: RowProblems) -> tuple[np.ndarray, np.ndarray]:
    """Contract terms in months (empty: :data:`DEFAULT_TERM_MONTHS`), and which are bad."""

    def parse(text: str) -> int | BadCell:
        if not text:
            return DEFAULT_TERM_MONTHS
        if _WHOLE.fullmatch(text) and 1 <= float(text) <= MAX_TERM_MONTHS:
            return int(float(text))
        return BadCell(
            f"expected a whole number of months from 1 to {MAX_TERM_MONTHS} "
            f"(got {show_cell(text)}){digits_hint(text)}"
        )

    column = _Column(cells)
    parsed = column.parse(parse, "term_months", problems)
    bad = [type(x) is BadCell for x in parsed]
    terms = [DEFAULT_TERM_MONTHS if b else x for x, b in zip(parsed, bad, strict=True)]
    return column.spread(terms, np.int64), column.spread(bad, bool)


def digits_hint(text: str) -> str:
    """A hint when ``text`` holds digits other than ASCII 0-9 (which are not read)."""
    if text.isascii() or not any(c.isdigit() for c in text):
        return ""
    return "; digits are read as 0-9 only"


def parse_date(text: str, fmt: str | None) -> date | BadCell:
    """A date cell: ISO ``YYYY-MM-DD`` (a valid time of day after it ignored) or ``fmt``
    (strptime), in ASCII digits, from :data:`FIRST_YEAR` to :data:`LAST_YEAR`."""
    expected = "YYYY-MM-DD" if fmt is None else f"`{fmt}` (`book.date_format`)"
    if not text:
        return BadCell(f"expected a date as {expected} (the cell is empty)")
    if digits_hint(text):
        return BadCell(f"expected a date as {expected} (got {show_cell(text)}){digits_hint(text)}")
    if fmt is None:
        m = _ISO_DATE.fullmatch(text)
        if m is None:
            return BadCell(f"expected a date as {expected} (got {show_cell(text)})")
        hour, minute, second, off_hour, off_minute = (
            int(v) if v else 0 for v in m.group(4, 5, 6, 7, 8)
        )
        if hour > 23 or minute > 59 or second > 59 or off_hour > 23 or off_minute > 59:
            return BadCell(
                f"no such time of day: {show_cell(text)} (hours 00-23, minutes and seconds "
                "00-59; the time after a date is not used, but must be one)"
            )
        try:
            day = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError as exc:
            return BadCell(f"no such date: {show_cell(text)} ({exc})")
    else:
        try:
            day = datetime.strptime(text, fmt).date()
        except ValueError as exc:
            why = str(exc)
            if "does not match format" in why or "unconverted data" in why:
                return BadCell(f"expected a date as {expected} (got {show_cell(text)})")
            return BadCell(f"no such date: {show_cell(text)} ({why})")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return BadCell(
            f"the date {show_cell(text)} is outside {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31, the "
            "dates a book may hold (a placeholder for no date, such as 0001-01-01, is none)"
        )
    return day


def _plan_month(day: date, start: tuple[int, int]) -> int:
    """The plan month (1-based, not rolled forward) that ``day`` falls in."""
    return (day.year - start[0]) * 12 + day.month - start[1] + 1


def _read_renewal_dates(
    column: _Column, fmt: str | None, start: tuple[int, int], problems: RowProblems
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(day ordinals, plan months as written, which are bad)`` of the renewal dates."""
    parsed = column.parse(lambda text: parse_date(text, fmt), "renewal_date", problems)
    bad = [type(x) is BadCell for x in parsed]
    days = [0 if b else x.toordinal() for x, b in zip(parsed, bad, strict=True)]
    months = [1 if b else _plan_month(x, start) for x, b in zip(parsed, bad, strict=True)]
    return (
        column.spread(days, np.int64),
        column.spread(months, np.int64),
        column.spread(bad, bool),
    )


def _next_renewals(
    k: np.ndarray,
    term: np.ndarray,
    skip: np.ndarray,
    renewals: _Column,
    start: tuple[int, int],
    has_terms: bool,
    timing: str | None,
    problems: RowProblems,
) -> np.ndarray:
    """Plan month of each account's next renewal: a date before the start rolled forward
    by the term (DOMAIN.md 8). A next renewal beyond one term from the start, or beyond
    :data:`MAX_RENEWAL_MONTHS`, is a problem; one exactly a term after the plan's first
    month (``term + 1``: the contract began in that month) is read under ``timing: end``
    only (see :func:`read_book`)."""
    k = np.where(k < 1, k + term * ((term - k) // term), k)
    too_far = (k > MAX_RENEWAL_MONTHS) & ~skip
    one_term = (k == term + 1) & ~too_far & ~skip
    beyond = (k > term) & ~too_far & ~skip
    if timing == "end":
        beyond &= ~one_term
    plan = _month_label(start)
    fix = (
        "check the date or the term"
        if has_terms
        else "give contract terms in a column (`book.columns.term_months`)"
    )

    def message(i: int) -> str:
        shown = show_cell(renewals.cells[i].strip())
        if too_far[i]:
            return (
                f"renewal {shown} is more than {MAX_RENEWAL_MONTHS // 12} years "
                f"({MAX_RENEWAL_MONTHS} months) after the plan's start ({plan})"
            )
        if one_term[i]:
            return (
                f"renewal {shown} is in plan month {k[i]}, one {term[i]}-month term after the "
                f"plan's first month ({plan}): the contract began in that month. Under "
                "`timing: start` csmodel cannot yet project it: it would take this account's "
                "first renewal in month 1, a term early; `timing: end` reads it"
            )
        return (
            f"renewal {shown} is in plan month {k[i]}, beyond the account's {term[i]}-month "
            f"term from the plan's start ({plan}): {fix}"
        )

    problems.each(np.flatnonzero(too_far | beyond), "renewal_date", message, "next renewal")
    return k


def _read_start_dates(
    column: _Column,
    fmt: str | None,
    start: tuple[int, int],
    renew_day: np.ndarray,
    renewals: _Column,
    problems: RowProblems,
) -> tuple[tuple[int, int, int] | None, ...]:
    """Each account's contract start ``(year, month, day)`` (``None`` when empty); a start
    after its renewal date or after the plan's first month is a problem."""

    def parse(text: str) -> date | BadCell | None:
        return parse_date(text, fmt) if text else None

    parsed = column.parse(parse, "start_date", problems)
    dated = [type(x) is date for x in parsed]
    day = column.spread(
        [x.toordinal() if d else -1 for x, d in zip(parsed, dated, strict=True)], np.int64
    )
    late = [d and _plan_month(x, start) > 1 for x, d in zip(parsed, dated, strict=True)]
    renewal_ok = renew_day > 0
    after_renewal = (day > renew_day) & renewal_ok
    problems.each(
        np.flatnonzero(after_renewal),
        "start_date",
        lambda i: (
            f"the contract starts {show_cell(column.cells[i].strip())}, after its renewal "
            f"date {show_cell(renewals.cells[i].strip())}"
        ),
        "start after renewal",
    )
    plan = _month_label(start)
    problems.each(
        np.flatnonzero(column.spread(late, bool)),
        "start_date",
        lambda i: (
            f"the contract starts {show_cell(column.cells[i].strip())}, after the plan's "
            f"first month ({plan}): the book is the accounts live at the start (later deals "
            "are new logos)"
        ),
        "start after plan",
    )
    days = [(x.year, x.month, x.day) if d else None for x, d in zip(parsed, dated, strict=True)]
    return tuple(map(days.__getitem__, column.codes.tolist()))


def _read_owners(cells: list[str]) -> tuple[str, ...]:
    """Each account's owner (CSM), ``""`` for an account without one (the pool)."""
    names = {raw: raw.strip() for raw in set(cells)}
    return tuple(map(names.__getitem__, cells))
