"""The revenue engine (DOMAIN.md section 4): a scenario in, a :class:`Projection` out.

State is held per segment and per **cohort** (accounts sharing a renewal
anchor), as numpy arrays of shape ``(cohorts, segments)`` (segments last, so
that every elementwise operation and every sum over cohorts runs over long
contiguous rows); the engine loops over months only. Cohorts are:

- the starting book: 1 cohort (``renewals: aligned``, anchor 0) or 12
  (``spread``, anchors 0, -1, ..., -11);
- new logos, grouped by join month modulo 12 (anchor ``j mod 12``). Every
  movement period (1, 3, 12 months) divides 12, so logos that joined 12 months
  apart are due on the same months and share a cohort exactly. Under
  ``timing: end`` logos joining in month j take no change that month (their
  first month of change is j + 1): they are added to their cohort *after* the
  month's movements; under ``start`` they are added before. The cohort count
  therefore stays at most 24 whatever the horizon.

Within a month (DOMAIN.md 4.4): new logos join; due expansion, churn and
contraction are computed on the opening MRR and applied together; a due price
increase then applies to the retained, expanded contract. Coverage below 1 (a
segment with ``csms`` set) raises churn and suppresses expansion (5.3).

Speed: within a month, a cohort's factors depend only on *which* periods are
due for it, and the periods nest (a yearly movement is due only where a
quarterly one would be, and a quarterly one only where a monthly one would
be). So each month the cohorts fall in four **classes** (nothing due, month,
month + quarter, all three); the rates and growth factors are computed per
segment x class (``(4, S)``), then gathered onto the cohorts for a single
in-place update of the whole state. Flows (expansion, churn, ...) are read off
the opening MRR summed per class. The per-month cost is then a handful of
passes over the ``(4, K, S)`` state plus a few dozen operations on ``(S,)`` and
``(4, S)`` arrays.

Tenure-based churn (sBG, DOMAIN 10): a cohort's churn at a renewal depends on how
many it has passed, so logos that joined a year apart no longer churn alike. When a
column has ``alpha``, the call's layout keeps a cohort per join month (``H + 1``,
:meth:`Layout.tenured`) and an account book's starting cohorts per (anchor, tenure
group); the classes still carry every other movement (and flat churn), and
:class:`TenureChurn` adds each cohort's own churn on top (:func:`_tenure_step`). Calls
without sBG columns take the class path unchanged.

Batches: segments never interact in the month loop, so a batch of scenarios
(sweep points, tornado steps, variants, later Monte Carlo paths) runs as one
loop over the concatenation of their segments, the **columns** (``Params``);
``project_batch`` splits the result back into one ``Projection`` each.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Protocol

import numpy as np

from csmodel.book import book_of
from csmodel.dates import Calendar
from csmodel.ids import PERIODS
from csmodel.schedule import Schedule
from csmodel.schema import Scenario

_PERIOD_INDEX = {1: 0, 3: 1, 12: 2}
_LENGTHS = np.array([1, 3, 12])


@dataclass(frozen=True)
class Projection:
    """Raw monthly results of one scenario. Arrays are read-only.

    Monthly arrays have shape ``(H + 1, segments)``: months ``0 .. H - 1`` are
    the horizon, month ``H`` is stepped only for the exit run-rate.
    ``joined_mrr`` / ``joined_accounts`` are what that month's new logos bring,
    so that a closing run-rate under ``timing: end`` can leave out logos signed
    after the period it closes (``csmodel.metrics.closing_mrr``).
    Yearly arrays have shape ``(years, segments)`` for the complete years: the
    book that existed when each year opened (DOMAIN 11.1), its MRR at the open
    and the close, its accounts, and the MRR its movements added and removed
    over the year (``year_expansion`` ... ``year_churn``), so that
    ``open + expansion + price_increase - contraction - churn == close``.
    ``book_cohorts_at_h`` ``(starting cohorts, segments)`` is the MRR of each
    starting-book cohort billed in month H (1-based; anchors 0, -1, ... -11),
    from which ``csmodel.value`` continues the book past the horizon;
    ``book_tenure_at_h`` (same shape) is the renewal ``t`` each of them comes to next
    (what sBG churn, DOMAIN 10, depends on).
    Derived figures (metrics, yearly and per-period tables) live in
    ``csmodel.metrics`` and are cached on first use.
    """

    scenario: Scenario
    segments: tuple[str, ...]
    horizon: int
    mrr: np.ndarray
    accounts: np.ndarray
    new: np.ndarray
    expansion: np.ndarray
    price_increase: np.ndarray
    contraction: np.ndarray
    churn: np.ndarray
    coverage: np.ndarray
    fte_required: np.ndarray
    csm_cost: np.ndarray
    logos_signed: np.ndarray
    starting_book_mrr: np.ndarray
    joined_mrr: np.ndarray
    joined_accounts: np.ndarray
    flat_mrr: np.ndarray
    starting_mrr: np.ndarray
    starting_accounts: np.ndarray
    hours_per_account: np.ndarray
    year_open_mrr: np.ndarray
    year_close_mrr: np.ndarray
    year_open_accounts: np.ndarray
    year_close_accounts: np.ndarray
    year_expansion: np.ndarray
    year_price_increase: np.ndarray
    year_contraction: np.ndarray
    year_churn: np.ndarray
    book_cohorts_at_h: np.ndarray
    params: Params
    owners: OwnerLoad | None = None
    book_tenure_at_h: np.ndarray | None = None
    simulation: Any = None  # a Monte Carlo run over the scenario's ranges (csmodel.simulate)

    @cached_property
    def parts(self) -> dict[str, np.ndarray]:
        """What every metric is made of, per column (``csmodel.metrics.column_parts``)."""
        from csmodel.metrics import column_parts

        return column_parts(self)

    @cached_property
    def metrics(self) -> dict[str, float | None]:
        """Book-level metrics by id (DOMAIN.md 4.5)."""
        from csmodel.metrics import metrics_for

        return metrics_for(self, None)

    @cached_property
    def segment_metrics(self) -> dict[str, dict[str, float | None]]:
        """Metrics of each segment on its own."""
        from csmodel.metrics import metrics_for

        return {name: metrics_for(self, i) for i, name in enumerate(self.segments)}


@dataclass(frozen=True)
class OwnerLoad:
    """Each CSM owner's book month by month (DOMAIN 8: one CSM per owner), arrays
    ``(H + 1, owners)``; ``names[i]`` is ``(segment, owner)``. The pool of a segment
    (accounts without an owner, new logos, CSMs beyond the owners) is not listed."""

    names: tuple[tuple[str, str], ...]
    accounts: np.ndarray
    fte_required: np.ndarray
    coverage: np.ndarray
    mrr: np.ndarray


@dataclass(frozen=True)
class Params:
    """Every input of the month loop, one value per **column**, arrays of shape ``(N,)``.

    A column is one segment of one scenario; a batch of scenarios is run as
    the concatenation of their columns (segments never interact in the
    engine), so a staffing sweep, a tornado or a set of variants is one call
    of the month loop whatever its size. Team, economics and understaffing
    values are per column too, so scenarios of a batch may differ in them.
    """

    churn: np.ndarray
    contraction: np.ndarray
    expansion: np.ndarray  # rate x share
    price: np.ndarray  # rate x share
    period_index: np.ndarray  # (4, N): churn, contraction, expansion, price
    joiners_mrr: np.ndarray
    joiners_accounts: np.ndarray
    logos_signed: np.ndarray
    hours_per_account: np.ndarray  # 0 where a segment has no workload model
    onboarding_hours: np.ndarray
    csms: np.ndarray  # nan where not staffed
    start_mrr: np.ndarray
    start_accounts: np.ndarray
    productive_hours: np.ndarray
    cost_per_csm: np.ndarray
    churn_sensitivity: np.ndarray
    expansion_sensitivity: np.ndarray
    cost_to_serve: np.ndarray  # the rest are not read by the month loop, only by metrics
    cac_per_logo: np.ndarray
    discount_rate: np.ndarray
    logo_mrr: np.ndarray  # expected MRR of one logo signed: onboarding rate x its ACV / 12
    book_mrr: np.ndarray  # (12, N): starting MRR by renewal anchor from an account book, else nan
    book_accounts: np.ndarray  # (12, N): starting accounts by renewal anchor, likewise
    cover_group: np.ndarray  # (N,): columns of a group share their CSMs (one owner's book)
    alpha: np.ndarray  # (N,): sBG churn's alpha (DOMAIN 10), nan where churn is a flat rate
    beta: np.ndarray  # (N,): sBG churn's beta, likewise
    tenure: np.ndarray  # (N,): years the starting book has renewed (``tenure_years``)
    book_tenure: np.ndarray  # (G, N): tenure of book cohorts 12g .. 12g + 11, nan: ``tenure``
    expansion_share: np.ndarray  # share of accounts expanding (``expansion`` is rate x share)

    @property
    def columns(self) -> int:
        return int(self.churn.shape[-1])

    @property
    def timed(self) -> bool:
        """Whether any input changes over time (a schedule, DOMAIN 7)."""
        return any(getattr(self, f).ndim == 2 for f in TIMED)

    def at(self, m: int) -> Params:
        """Every input as in force in engine month ``m`` (``(N,)`` arrays; past the last
        month of a schedule its last value holds)."""
        if not self.timed:
            return self
        return replace(self, **{f: _at(getattr(self, f), m) for f in TIMED})


TIMED = (
    "churn",
    "contraction",
    "expansion",
    "price",
    "joiners_mrr",
    "joiners_accounts",
    "logos_signed",
    "hours_per_account",
    "csms",
    "productive_hours",
    "cost_per_csm",
    "cost_to_serve",
    "cac_per_logo",
    "logo_mrr",
    "expansion_share",
)
"""The :class:`Params` fields that may change month by month: ``(N,)`` when constant,
``(H + 1, N)`` (engine months 0..H) when a schedule moves them."""


def _at(x: np.ndarray, m: int) -> np.ndarray:
    """``x`` as in force in engine month ``m``: itself when constant, else its row."""
    return x if x.ndim == 1 else x[min(m, x.shape[0] - 1)]


def hours_per_account(scenario: Scenario, seg: Any, productive: Any = None, ratio: Any = None):
    """Yearly CSM hours one account of segment ``seg`` needs (0 without a workload model):
    THE workload formula. With ``accounts_per_csm`` instead of meetings, the hours are
    those that give that ratio: productive hours / accounts_per_csm. ``productive`` and
    ``ratio`` (month-by-month arrays, from schedules) default to the plan's first month."""
    if seg.meetings:
        return float(seg.hours_per_account or 0.0)
    if seg.accounts_per_csm:
        if productive is None:
            productive = scenario.team.productive_hours
        return productive / (float(seg.accounts_per_csm) if ratio is None else ratio)
    return 0.0


def segment_hours_per_account(scenario: Scenario, name: str) -> float:
    """:func:`hours_per_account` of the segment named ``name``."""
    return hours_per_account(scenario, scenario.segments[name])


_EVERY_INDEX = {name: _PERIOD_INDEX[months] for name, months in PERIODS.items()}
_FIELDS = 32


def segment_row(sc: Scenario, s: Any, name: str | None = None) -> tuple[Any, ...]:
    """One column of :class:`Params`: segment ``s`` (a ``schema.Segment``) of scenario
    ``sc`` (whose team, economics and understaffing it takes), in field order.

    A scheduled input (DOMAIN 7) comes out as an array of its value in each engine
    month ``0 .. H`` (and so does every field computed from it); plain ones as floats.
    With an account book (DOMAIN 8), the segment (``name``; found in ``sc`` when not
    given) starts from its accounts' renewal months: :func:`book_anchors`. Tenure-based
    churn (sBG, DOMAIN 10) leaves the flat ``churn`` rate at 0 and gives ``alpha``,
    ``beta`` and the starting book's tenure instead.
    """
    team, und = sc.team, sc.understaffing
    ch, co, ex, pi, nl = s.churn, s.contraction, s.expansion, s.price_increase, s.new_logos
    t = _Timeline(sc)
    per_month, onboarding = t(nl.per_month), t(nl.onboarding_rate)
    acv = t(s.new_logo_acv)
    joiners = per_month * onboarding
    productive = t(team.hours_per_year) * t(team.productivity)
    ratio = t(s.accounts_per_csm) if s.accounts_per_csm is not None else None
    dated = t.dated  # movement rates by the month their changes are dated in
    sbg = s.sbg
    return (
        0.0 if sbg else dated(ch.rate),  # sBG churn: per cohort, by tenure (``alpha``...)
        dated(co.rate),
        dated(ex.rate) * dated(ex.share),
        dated(pi.rate) * dated(pi.share),
        _EVERY_INDEX[ch.every],
        _EVERY_INDEX[co.every],
        _EVERY_INDEX[ex.every],
        _EVERY_INDEX[pi.every],
        joiners * acv / 12,
        joiners,
        per_month,
        hours_per_account(sc, s, productive, ratio),
        s.onboarding_hours,
        np.nan if s.csms is None else t(s.csms),
        s.accounts * s.acv / 12,
        s.accounts,
        productive,
        t(team.cost_per_csm if s.cost_per_csm is None else s.cost_per_csm),
        und.churn_sensitivity,
        und.expansion_sensitivity,
        t(sc.economics.cost_to_serve),
        t(sc.economics.cac_per_logo),
        sc.discount_rate,
        onboarding * acv / 12,
        *book_anchors(sc, s, name),
        -1,  # its own coverage group
        float(ch.alpha) if sbg else np.nan,
        float(ch.beta) if sbg else np.nan,
        s.tenure_years,
        book_tenures(sc, s, name) if sbg else np.nan,
        dated(ex.share),
    )


def book_anchors(sc: Scenario, s: Any, name: str | None = None) -> tuple[Any, Any]:
    """The starting MRR and accounts of segment ``s`` by renewal anchor, ``(12,)`` arrays
    in engine cohort order (cohort ``i`` renews in months ``m`` with ``(m + i) mod 12 ==
    0``: an account renewing in plan month ``k`` is in cohort ``(1 - k) mod 12``), from the
    scenario's account book; ``(nan, nan)`` without one. An edited ``accounts`` or ``acv``
    (a sensitivity step, a variant) scales the book's own totals, keeping its calendar.
    With sBG churn and start dates the arrays are ``(12 G,)``: cohort ``12 g + i`` holds
    the accounts of anchor ``i`` whose tenure is the g-th of :func:`book_tenures`."""
    book = book_of(sc)
    if book is None:
        return np.nan, np.nan
    if name is None:
        name = _name_of(sc, s)
    mrr, acc, n, arr = _anchors(book, name, _tenure_key(sc, s))
    if n == 0:
        return np.zeros(len(mrr)), np.zeros(len(acc))
    acc_scale, mrr_scale = _book_scale(s, n, arr)
    return mrr * mrr_scale, acc * acc_scale


def book_tenures(sc: Scenario, s: Any, name: str | None = None) -> Any:
    """The tenures (years renewed) of the groups of :func:`book_anchors`, a ``(G,)``
    array, when segment ``s`` has sBG churn and a book with start dates; else nan (the
    segment's ``tenure_years`` holds for its whole starting book)."""
    key = _tenure_key(sc, s)
    if key is None:
        return np.nan
    return np.array(_tenure_groups(book_of(sc), _name_of(sc, s) if name is None else name, key)[0])


def _name_of(sc: Scenario, s: Any) -> str | None:
    return next((n for n, seg in sc.segments.items() if seg is s), None)


def _tenure_key(sc: Scenario, s: Any) -> tuple[str, int] | None:
    """What the tenure of a book segment's accounts depends on (the plan's start, the
    segment's ``tenure_years``), or ``None`` when tenure does not matter (flat churn) or
    the book has no start dates."""
    if not s.sbg:  # (first: reading the book off a scenario is a slow attribute)
        return None
    book = book_of(sc)
    if book is None or book.start_date is None or sc.start is None:
        return None
    return (sc.start, s.tenure_years)


@functools.lru_cache(maxsize=64)
def _tenure_groups(book: Any, name: str | None, key: tuple[str, int]) -> tuple[tuple, np.ndarray]:
    """The distinct tenures of a book segment's accounts (sorted) and each account's group
    (by position in ``book.of_segment(name)``)."""
    from csmodel.book import account_tenures
    from csmodel.dates import parse_year_month

    idx = book.of_segment(name)
    years = account_tenures(book, parse_year_month(key[0]), key[1])[idx]
    groups, which = np.unique(years, return_inverse=True)
    return tuple(int(g) for g in groups) or (key[1],), which.reshape(-1)


@functools.lru_cache(maxsize=64)
def _anchors(
    book: Any, name: str | None, tenures: tuple[str, int] | None = None
) -> tuple[np.ndarray, np.ndarray, int, float]:
    """A book segment's MRR and accounts by engine cohort, its account count and ARR."""
    idx = book.of_segment(name)
    mrr, acc = _cohorts(book, idx, _groups_of(book, name, tenures, idx))
    return mrr, acc, len(idx), float(book.arr[idx].sum())


def _groups_of(
    book: Any, name: str | None, tenures: tuple[str, int] | None, idx: np.ndarray
) -> tuple[int, np.ndarray] | None:
    """``(G, the group of each account idx)`` of a segment whose tenure matters, else None."""
    if tenures is None:
        return None
    groups, which = _tenure_groups(book, name, tenures)
    pos = np.searchsorted(book.of_segment(name), idx)
    return len(groups), which[pos]


class _Timeline:
    """Reads a plain or scheduled number of one scenario: a float, or an array of the
    value in force in each engine month ``0 .. H`` (``csmodel.schedule``)."""

    def __init__(self, sc: Scenario):
        self.sc = sc
        self.cal: Any = None

    def __call__(self, x: Any) -> Any:
        if not isinstance(x, Schedule):
            return float(x)
        if self.cal is None:
            self.cal = Calendar.of(self.sc)
        return np.array(x.series(self.sc.horizon_months + 1, self.cal))

    def dated(self, x: Any) -> Any:
        """A movement's rate or share for the changes the engine makes in month ``m``:
        under ``timing: end`` they are dated in plan month ``m`` (1-based, the month
        before: DOMAIN 11.1), so month ``m`` uses the value in force then."""
        a = self(x)
        if isinstance(a, float) or self.sc.timing == "start":
            return a
        return np.concatenate([a[:1], a[:-1]])


ROW_CSMS = 13
"""Where :func:`segment_row` holds the staffed ``csms`` (nan: not staffed)."""
ROW_CHURN_SENSITIVITY = 18
"""Where :func:`segment_row` holds ``churn_sensitivity`` (``_params_from`` reads it there)."""


def params_from_rows(rows: list[tuple[Any, ...]]) -> Params:
    """:class:`Params` of columns given as :func:`segment_row` tuples."""
    arrays = {i for row in rows for i in _MAY_BE_ARRAYS if isinstance(row[i], np.ndarray)}
    if not arrays:
        return _params_from(np.array(rows, dtype=float).reshape(-1, _FIELDS).T)
    plain = [[0.0 if i in arrays else v for i, v in enumerate(row)] for row in rows]
    p = _params_from(np.array(plain, dtype=float).reshape(-1, _FIELDS).T)
    names = list(_ROW_FIELDS)
    update = {}
    for i in arrays & _ANCHORED:  # (12 G, N) or (G, N): a column without a book is nan
        length = max(len(row[i]) for row in rows if isinstance(row[i], np.ndarray))
        a = np.full((length, len(rows)), np.nan)
        for j, row in enumerate(rows):
            if isinstance(row[i], np.ndarray):  # fewer tenure groups: the rest empty
                a[:, j] = 0.0
                a[: len(row[i]), j] = row[i]
        update[names[i]] = a
    for i in arrays - _ANCHORED:
        length = max(len(row[i]) for row in rows if isinstance(row[i], np.ndarray))
        a = np.empty((length, len(rows)))
        for j, row in enumerate(rows):
            a[:, j] = row[i]
        # a schedule that never moves is the plain number: 1-D, the fast path
        update[names[i]] = a[0].copy() if (a == a[:1]).all() else a
    return replace(p, **update)


def params(sc: Scenario) -> Params:
    """The engine's inputs of one scenario: one column per segment, in file order."""
    return params_from_rows([segment_row(sc, s, n) for n, s in sc.segments.items()])


_ROW_FIELDS = (
    "churn",
    "contraction",
    "expansion",
    "price",
    "_churn_every",
    "_contraction_every",
    "_expansion_every",
    "_price_every",
    "joiners_mrr",
    "joiners_accounts",
    "logos_signed",
    "hours_per_account",
    "onboarding_hours",
    "csms",
    "start_mrr",
    "start_accounts",
    "productive_hours",
    "cost_per_csm",
    "churn_sensitivity",
    "expansion_sensitivity",
    "cost_to_serve",
    "cac_per_logo",
    "discount_rate",
    "logo_mrr",
    "book_mrr",
    "book_accounts",
    "cover_group",
    "alpha",
    "beta",
    "tenure",
    "book_tenure",
    "expansion_share",
)
"""The :class:`Params` field of each position of a :func:`segment_row`."""
_ANCHORED = {_ROW_FIELDS.index(f) for f in ("book_mrr", "book_accounts", "book_tenure")}
"""Positions of a :func:`segment_row` that hold one value per renewal anchor (and
tenure group), or per tenure group."""
_MAY_BE_ARRAYS = tuple(sorted(_ANCHORED | {_ROW_FIELDS.index(f) for f in TIMED}))
"""Positions of a :func:`segment_row` that may hold an array (a schedule, a book)."""


def _params_from(a: np.ndarray) -> Params:
    return Params(
        churn=a[0],
        contraction=a[1],
        expansion=a[2],
        price=a[3],
        period_index=a[4:8].astype(int),
        joiners_mrr=a[8],
        joiners_accounts=a[9],
        logos_signed=a[10],
        hours_per_account=a[11],
        onboarding_hours=a[12],
        csms=a[13],
        start_mrr=a[14],
        start_accounts=a[15],
        productive_hours=a[16],
        cost_per_csm=a[17],
        churn_sensitivity=a[18],
        expansion_sensitivity=a[19],
        cost_to_serve=a[20],
        cac_per_logo=a[21],
        discount_rate=a[22],
        logo_mrr=a[23],
        book_mrr=np.broadcast_to(a[24], (12, a.shape[-1])),
        book_accounts=np.broadcast_to(a[25], (12, a.shape[-1])),
        cover_group=np.where(a[26] < 0, np.arange(a.shape[-1]), a[26]).astype(int),
        alpha=a[27],
        beta=a[28],
        tenure=a[29],
        book_tenure=np.broadcast_to(a[30], (1, a.shape[-1])),
        expansion_share=a[31],
    )


def concat(batch: list[Params]) -> Params:
    """The columns of every :class:`Params` of ``batch``, side by side (a field that
    changes over time in one member is ``(H + 1, N)`` for all)."""
    out = {}
    for f in Params.__dataclass_fields__:
        parts = [getattr(p, f) for p in batch]
        if f in TIMED and any(x.ndim == 2 for x in parts):
            length = max(x.shape[0] for x in parts if x.ndim == 2)
            parts = [np.broadcast_to(x, (length, x.shape[-1])) for x in parts]
        if f == "cover_group":  # group ids are column indices: offset by the columns before
            starts = np.cumsum([0, *(x.shape[-1] for x in parts[:-1])])
            parts = [x + at for x, at in zip(parts, starts, strict=True)]
        if f in _GROUPED and len({x.shape[0] for x in parts}) > 1:  # more tenure groups
            rows = max(x.shape[0] for x in parts)
            parts = [_pad_groups(x, rows) for x in parts]
        out[f] = np.concatenate(parts, axis=-1)
    return Params(**out)


_GROUPED = ("book_mrr", "book_accounts", "book_tenure")
"""The :class:`Params` fields with a row per book cohort or tenure group."""


def _pad_groups(x: np.ndarray, rows: int) -> np.ndarray:
    """``x`` ``(r, N)`` with rows added up to ``rows``: empty (0) for a column with a book,
    nan (no book) for one without."""
    out = np.where(np.isnan(x[:1]), np.nan, 0.0) * np.ones((rows, 1))
    out[: x.shape[0]] = x
    return out


@dataclass(frozen=True)
class Layout:
    """What every column of one engine call shares: the time grid and the cohorts.

    The starting book is 1 cohort (aligned) or 12 (spread); new logos are 12
    cohorts by join month mod 12 (none when no column signs any). With tenure-based
    churn (``by_join``: sBG, DOMAIN 10) logos that joined a year apart no longer churn
    alike, so each join month is its own cohort (``H + 1``), first due from that month;
    a book's starting cohorts may then come in tenure groups of 12 anchors each.
    """

    horizon: int
    start_timing: bool
    n_start: int
    n_new: int
    by_join: bool = False

    def tenured(self, n_start: int) -> Layout:
        """This layout for tenure-based churn, with ``n_start`` starting cohorts."""
        n_new = self.horizon + 1 if self.n_new else 0
        return replace(self, n_start=n_start, n_new=n_new, by_join=True)

    def new_cohort(self, m: int) -> int:
        """The cohort that logos joining in month ``m`` join."""
        return self.n_start + (m if self.by_join else m % 12)

    @classmethod
    def of(cls, sc: Scenario, has_new: bool) -> Layout:
        return cls(
            horizon=sc.horizon_months,
            start_timing=sc.timing == "start",
            n_start=starting_cohorts(sc),
            n_new=12 if has_new else 0,
        )

    @property
    def cohorts(self) -> int:
        return self.n_start + self.n_new

    def classes(self) -> np.ndarray:
        """``(H + 1, K)``: how many of (month, quarter, year) are due for each cohort."""
        anchors = np.concatenate([-np.arange(self.n_start), np.arange(self.n_new)])
        first = np.concatenate(
            [
                np.full(self.n_start, 0 if self.start_timing else 1),
                np.arange(self.n_new) if self.by_join else np.zeros(self.n_new, dtype=int),
            ]
        )
        months = np.arange(self.horizon + 1)[None, :, None]
        due = ((months - anchors[None, None, :]) % _LENGTHS[:, None, None] == 0) & (
            months >= first[None, None, :]
        )
        return due.sum(axis=0)


def starting_cohorts(sc: Scenario) -> int:
    """Cohorts of the starting book: 12 renewal anchors when renewals are spread or come
    from an account book (DOMAIN 8), else 1."""
    return 12 if sc.renewals == "spread" or book_of(sc) is not None else 1


_MONTHLY = (
    "mrr",
    "accounts",
    "new",
    "expansion",
    "price_increase",
    "contraction",
    "churn",
    "coverage",
    "fte_required",
    "starting_book_mrr",
    "joined_mrr",
    "joined_accounts",
)
_YEARLY = (
    "open",
    "close",
    "open_acc",
    "close_acc",
    "expansion",
    "price_increase",
    "contraction",
    "churn",
)


class _Coverage:
    """Required FTE and coverage each month (DOMAIN 5.3); unstaffed columns are covered.

    The staffed CSMs, hours and productive hours in force in month ``m`` set that
    month's coverage (schedules, DOMAIN 7); the onboarding load of month ``m`` is that
    of the logos signed in months ``m - 2 .. m`` (their first three months)."""

    def __init__(self, p: Params):
        with np.errstate(divide="ignore", invalid="ignore"):
            self.fte_per_account = p.hours_per_account / p.productive_hours
        self.staffed = np.where(np.isnan(p.csms), np.inf, p.csms)
        # Columns that share CSMs (one owner's accounts over several contract terms,
        # DOMAIN 8): coverage is the group's, from its summed staff and workload.
        self.group = p.cover_group
        self.grouped = not np.array_equal(self.group, np.arange(p.columns))
        if self.grouped:
            n = p.columns
            csms = p.csms if p.csms.ndim == 2 else p.csms[None, :]
            count = np.bincount(self.group, weights=np.ones(n), minlength=n)
            unstaffed = np.bincount(self.group, weights=np.isnan(csms[-1]) * 1.0, minlength=n)
            staff = np.stack([np.bincount(self.group, np.nan_to_num(c), minlength=n) for c in csms])
            staff[:, unstaffed == count] = np.inf  # a group nobody staffs is covered
            self.staffed = staff if p.csms.ndim == 2 else staff[0]
        monthly_hours = p.productive_hours / 12.0  # one CSM's productive hours in a month
        if p.logos_signed.ndim == 1 and monthly_hours.ndim == 1:
            self.onboarding = [
                p.logos_signed * k * p.onboarding_hours / 3.0 / monthly_hours for k in (1, 2, 3)
            ]
        else:
            logos = np.broadcast_to(p.logos_signed, (max(_len(p.logos_signed), 3), p.columns))
            recent = np.cumsum(logos, axis=0)
            recent[3:] -= recent[:-3].copy()
            load = recent * p.onboarding_hours / 3.0
            self.onboarding = [
                load[min(m, load.shape[0] - 1)] / _at(monthly_hours, m)
                for m in range(max(_len(p.logos_signed), _len(monthly_hours)))
            ]

    def __call__(self, m: int, opening_accounts: np.ndarray) -> tuple:
        onboarding_fte = self.onboarding[min(m, len(self.onboarding) - 1)]
        fte = opening_accounts * _at(self.fte_per_account, m) + onboarding_fte
        need = fte
        if self.grouped:
            need = np.bincount(self.group, weights=fte, minlength=fte.shape[-1])
        with np.errstate(divide="ignore", invalid="ignore"):
            kappa = np.fmin(1.0, _at(self.staffed, m) / need)  # 0 / 0 (nothing needed) is covered
        return fte, kappa[self.group] if self.grouped else kappa


def _len(x: np.ndarray) -> int:
    return x.shape[0] if x.ndim == 2 else 1


class RetentionModel(Protocol):
    """How much of a cohort class's MRR and accounts churn in a month: the retention seam.

    :class:`PeriodicChurn` is today's model (a rate due every month, quarter or year,
    the fast "due classes" path); a tenure-based model (shifted-beta-geometric, DOMAIN
    §10) implements the same call with the classes' tenure.
    """

    def churn(self, m: int, churn_eff: np.ndarray, due: np.ndarray) -> np.ndarray:
        """Churn rate of each due class ``(4, N)`` in month ``m``, given the coverage-
        adjusted rate ``churn_eff`` ``(N,)`` and whether churn is due per class ``(4, N)``."""
        ...


class PeriodicChurn:
    """Churn at the segment's rate whenever its period is due (DOMAIN 4.2-4.4)."""

    def churn(self, m: int, churn_eff: np.ndarray, due: np.ndarray) -> np.ndarray:
        return churn_eff * due


class TenureChurn(PeriodicChurn):
    """Shifted-beta-geometric churn (Fader & Hardie 2007; DOMAIN 10) for the columns with
    ``alpha`` (others churn at their flat rate, :class:`PeriodicChurn`, whose classes
    carry no churn for sBG columns). A cohort loses ``alpha / (alpha + beta + t - 1)`` of
    its accounts at its t-th yearly renewal: new logos renew for the first time (t = 1) a
    year after they join, the starting book at its tenure + 1. ``t`` of cohort ``k`` in
    month ``m`` is its offset plus the yearly renewals due for it up to ``m``
    (``(H + 1, K)``, shared by all columns); offsets ``(K, N)`` are the starting cohorts'
    tenures, and -1 for a logo cohort (due, empty, in its join month).
    """

    def __init__(self, p: Params, layout: Layout, cls: np.ndarray, start_tenure: np.ndarray):
        self.sbg = ~np.isnan(p.alpha)
        self.alpha = np.where(self.sbg, p.alpha, 0.0)
        self.base = np.where(self.sbg, p.alpha + p.beta - 1.0, 1.0)  # alpha + beta - 1
        self.yearly = cls == 3  # (H + 1, K): the yearly period is due (so all are)
        self.renewals = np.cumsum(self.yearly, axis=0)
        logos = np.full((layout.n_new, p.columns), -1.0)
        self.offset = np.concatenate([start_tenure, logos])  # (K, N)
        self.sensitivity = p.churn_sensitivity

    def renewal(self, m: int) -> np.ndarray:
        """``t`` of each cohort's renewal if one is due in month ``m``, ``(K, N)``."""
        return self.offset + self.renewals[m][:, None]

    def cohort_churn(self, m: int, gap: np.ndarray) -> np.ndarray:
        """Churn of each cohort ``(K, N)`` in month ``m`` (0 where none is due or churn is
        flat), raised by the coverage ``gap`` ``(N,)`` as a rate is (DOMAIN 5.3)."""
        t = np.maximum(self.renewal(m), 1.0)
        c = self.alpha / (self.base + t)
        c = np.minimum(1.0, c * (1.0 + self.sensitivity * gap))
        return c * self.yearly[m][:, None]


def run(
    p: Params, layout: Layout, retention: RetentionModel | None = None, discrete: Any = None
) -> dict[str, np.ndarray]:
    """The month loop over columns (see the module docstring): arrays ``(H + 1, N)``,
    and year windows ``(years, N)`` under ``year_*`` keys. ``retention`` says how cohorts
    churn (default: :class:`PeriodicChurn`). ``discrete`` (a ``csmodel.discrete.Draw``,
    its logos already whole: ``Draw.realize``) draws whole accounts (DOMAIN 9)."""
    booked = ~np.isnan(p.book_mrr[0])
    tenured = bool(np.any(~np.isnan(p.alpha)))
    if tenured:  # sBG: logos by join month; a book's cohorts by anchor and tenure group
        layout = layout.tenured(p.book_mrr.shape[0] if booked.any() else layout.n_start)
    coverage = _Coverage(p)
    n, h = p.columns, layout.horizon
    n_start, n_new, n_coh = layout.n_start, layout.n_new, layout.cohorts
    cls = layout.classes()
    start_tenure = _start_tenure(p, n_start, booked)
    churn_model = retention or (
        TenureChurn(p, layout, cls, start_tenure) if tenured else PeriodicChurn()
    )
    # Per-class sums of the opening state, starting book (0-3) and new logos (4-7) apart.
    col = cls + 4 * (np.arange(n_coh) >= n_start)
    class_sum = (col[:, None, :] == np.arange(8)[None, :, None]).astype(float)  # (H+1, 8, K)
    # due[c, n]: is a movement with period index q due in class c (c > q).
    classes = np.arange(4)[:, None]
    m_churn, m_contr, m_exp, m_price = (
        (classes > p.period_index[i][None, :]).astype(float) for i in range(4)
    )
    # (4, N); (H + 1, 4, N) when a schedule moves the price increase
    price_rate = p.price * m_price if p.price.ndim == 1 else p.price[:, None, :] * m_price[None]
    one_price = 1.0 + price_rate

    # State (4, K, N): MRR, accounts, and the trackers of the book that existed
    # when the current year began (see the year windows below).
    state = np.zeros((4, n_coh, n))
    mrr, acc, ex_mrr, ex_acc = state
    mrr[:n_start] = p.start_mrr / n_start
    acc[:n_start] = p.start_accounts / n_start
    if booked.any():  # an account book: each cohort its accounts' renewal anchor (DOMAIN 8)
        rows = p.book_mrr.shape[0]
        mrr[:rows, booked] = p.book_mrr[:, booked]
        acc[:rows, booked] = p.book_accounts[:, booked]
    kernel = None
    if discrete is not None:  # whole accounts (DOMAIN 9): csmodel.discrete
        kernel = discrete.kernel(p, layout, booked)
        kernel.start(state, p)
    per_cohort = tenured or kernel is not None  # totals read off the state
    factors = np.empty((4, 4, n))
    rates = np.empty((3, 4, n))  # churn, contraction, expansion per class
    churn_rate, contr_rate, exp_rate = rates
    growth = np.empty((4, n))
    priced = np.empty((4, n))
    timed = p.timed

    out = {k: np.zeros((h + 1, n)) for k in _MONTHLY}
    out["new"][:] = p.joiners_mrr if p.joiners_mrr.ndim == 1 else p.joiners_mrr[: h + 1]
    n_years = h // 12
    years = {k: np.zeros((n_years, n)) for k in _YEARLY}
    window_open = 0 if layout.start_timing else 1  # first month of change of year 1

    for m in range(h + 1):
        q = p.at(m) if timed else p  # the inputs in force this month (schedules, DOMAIN 7)
        pr_m, op_m = (price_rate[m], one_price[m]) if p.price.ndim == 2 else (price_rate, one_price)
        r = layout.new_cohort(m) if n_new else None
        # Year windows: twelve months of change each, starting at window_open.
        if (m - window_open) % 12 == 0 and (m - window_open) // 12 < n_years:
            _open_year(state, years, (m - window_open) // 12, m, layout, p.at(max(m - 1, 0)))

        # 1. New logos join after this month's changes (DOMAIN 11.1: they take no
        # change in the month they sign), but count in its coverage (DOMAIN 5.3).
        # (3, 8, N): opening MRR, accounts and year book by class; einsum, not a matmul
        # that would wake BLAS threads to fight the loop for a 2-core machine
        sums = np.einsum("ck,skn->scn", class_sum[m], state[:3])
        mrr_c = sums[0, :4] + sums[0, 4:]
        acc_c = sums[1, :4] + sums[1, 4:]
        fte, kappa = coverage(m, acc_c.sum(axis=0) + q.joiners_accounts)
        gap = 1.0 - kappa
        churn_eff = np.minimum(1.0, q.churn * (1.0 + p.churn_sensitivity * gap))
        exp_eff = q.expansion * np.maximum(0.0, 1.0 - p.expansion_sensitivity * gap)
        contr_eff = np.minimum(q.contraction, 1.0 - churn_eff)

        # 2. Due expansion, churn and contraction on the opening MRR, applied together;
        # 3. then a due price increase on the retained, expanded contract.
        churn_rate[...] = churn_model.churn(m, churn_eff, m_churn)
        np.multiply(contr_eff, m_contr, out=contr_rate)
        np.multiply(exp_eff, m_exp, out=exp_rate)
        np.add(exp_rate, 1.0, out=growth)
        growth -= churn_rate
        growth -= contr_rate
        np.multiply(growth, op_m, out=factors[0])  # MRR
        np.subtract(1.0, churn_rate, out=factors[1])  # accounts
        factors[2] = factors[0]  # the year's book moves as the MRR
        factors[3] = factors[1]  # and its accounts as the accounts
        if kernel is not None:  # whole accounts: every movement per cohort, drawn
            c = np.take(churn_rate, cls[m], axis=0)
            if tenured:
                c = c + churn_model.cohort_churn(m, gap)
            c = np.minimum(c, 1.0)
            d = np.minimum(np.take(contr_rate, cls[m], axis=0), 1.0 - c)
            es = np.take(exp_rate, cls[m], axis=0)
            op = np.take(op_m, cls[m], axis=0)
            moved = kernel.step(c, d, es, q.expansion_share, op, state)
        elif tenured:  # sBG columns: churn per cohort, by its tenure (TenureChurn)
            moved = _tenure_step(churn_model, m, cls[m], gap, factors, contr_rate, op_m, state)
        else:
            state *= np.take(factors, cls[m], axis=1)

        np.multiply(growth, pr_m, out=priced)
        if kernel is not None:
            flows, price_flow = moved[0][:3], moved[0][3]
        else:
            flows = (rates * mrr_c).sum(axis=1)
            price_flow = (priced * mrr_c).sum(axis=0)
        if tenured and kernel is None:
            flows = flows + moved[0][:3]
            price_flow = price_flow + moved[0][3]
        out["churn"][m], out["contraction"][m], out["expansion"][m] = flows[:3]
        out["price_increase"][m] = price_flow
        y = (m - window_open) // 12
        if m >= window_open and y < n_years:
            # the same movements on the book that existed when this year opened
            if kernel is not None:
                book_flows, book_price = moved[1][:3], moved[1][3]
            else:
                book_c = sums[2, :4] + sums[2, 4:]
                book_flows = (rates * book_c).sum(axis=1)
                book_price = (priced * book_c).sum(axis=0)
            if tenured and kernel is None:
                book_flows = book_flows + moved[1][:3]
                book_price = book_price + moved[1][3]
            years["churn"][y] += book_flows[0]
            years["contraction"][y] += book_flows[1]
            years["expansion"][y] += book_flows[2]
            years["price_increase"][y] += book_price
        if per_cohort:  # read off the state: its factors differ within a class
            book = mrr[:n_start].sum(axis=0)
            total = mrr.sum(axis=0)
            accounts = acc.sum(axis=0)
        else:
            book = (sums[0, :4] * factors[0]).sum(axis=0)
            total = (sums[0, 4:] * factors[0]).sum(axis=0) + book
            accounts = (acc_c * factors[1]).sum(axis=0)
        if n_new:
            mrr[r] += q.joiners_mrr
            acc[r] += q.joiners_accounts
            total += q.joiners_mrr
            accounts += q.joiners_accounts
            out["joined_mrr"][m] = q.joiners_mrr
            out["joined_accounts"][m] = q.joiners_accounts

        if m == h - 1:  # the starting book's cohorts as the horizon ends, for values past it
            book_at_h = mrr[:n_start].copy()
        # 4. The month's revenue is the resulting MRR.
        out["mrr"][m] = total
        out["accounts"][m] = accounts
        out["coverage"][m] = kappa
        out["fte_required"][m] = fte
        out["starting_book_mrr"][m] = book
        closed = (m - window_open + 1) // 12 - 1
        if (m - window_open + 1) % 12 == 0 and 0 <= closed < n_years:
            years["close"][closed] = ex_mrr.sum(axis=0)
            years["close_acc"][closed] = ex_acc.sum(axis=0)

    out.update({f"year_{k}": v for k, v in years.items()})
    out["book_cohorts_at_h"] = book_at_h
    # the renewal each starting cohort comes to next after the horizon (t, for sBG values)
    due = np.cumsum(cls[:h, :n_start] == 3, axis=0)[-1] if h else np.zeros(n_start)
    out["book_tenure_at_h"] = start_tenure + due[:, None] + 1.0
    return out


def _start_tenure(p: Params, n_start: int, booked: np.ndarray) -> np.ndarray:
    """Years each starting cohort has renewed, ``(n_start, N)``: its book tenure group's
    (cohort ``12 g + i`` is group g), else the column's ``tenure_years``."""
    out = np.broadcast_to(p.tenure, (n_start, p.columns)).copy()
    if booked.any() and not np.isnan(p.book_tenure).all():
        group = np.minimum(np.arange(n_start) // 12, p.book_tenure.shape[0] - 1)
        by_group = p.book_tenure[group]
        out = np.where(np.isnan(by_group), out, by_group)
    return out


def _tenure_step(
    model: TenureChurn,
    m: int,
    cls_m: np.ndarray,
    gap: np.ndarray,
    factors: np.ndarray,
    contr_rate: np.ndarray,
    one_price: np.ndarray,
    state: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Apply month ``m``'s factors to ``state`` with each sBG cohort's own churn (DOMAIN
    10), on top of its class's other movements (the classes carry no churn for sBG
    columns). As for a flat rate, contraction is capped at what churn leaves
    (``min(d, 1 - c)``). Returns what the cohort churn adds to the month's flows (churn,
    contraction, expansion, price increase; ``(4, N)``) on the whole book and on the
    year's book (the two opening MRRs, ``state[0]`` and ``state[2]``)."""
    f = np.take(factors, cls_m, axis=1)  # (4, K, N)
    c = model.cohort_churn(m, gap)  # (K, N)
    excess = np.maximum(0.0, c + np.take(contr_rate, cls_m, axis=0) - 1.0)
    op = np.take(one_price, cls_m, axis=0)
    lost = c - excess  # MRR share churn takes beyond the contraction it displaces
    f[0] -= lost * op
    f[2] = f[0]
    f[1] *= 1.0 - c
    f[3] = f[1]
    moved = []
    for opening in (state[0], state[2]):
        churned = (c * opening).sum(axis=0)
        uncontracted = (excess * opening).sum(axis=0)
        unpriced = (lost * (op - 1.0) * opening).sum(axis=0)
        moved.append(np.stack([churned, -uncontracted, np.zeros_like(churned), -unpriced]))
    state *= f
    return moved[0], moved[1]


def _open_year(state: np.ndarray, years: dict, y: int, m: int, layout: Layout, p: Params) -> None:
    """Start tracking the book that exists when year ``y`` opens (at month ``m``)."""
    mrr, acc, ex_mrr, ex_acc = state
    ex_mrr[...] = mrr
    ex_acc[...] = acc
    if not layout.start_timing and m > 0 and layout.n_new:
        # logos that joined last month are dated in the new year, not the old book
        prev = layout.new_cohort(m - 1)
        ex_mrr[prev] -= p.joiners_mrr
        ex_acc[prev] -= p.joiners_accounts
        np.maximum(ex_mrr, 0.0, out=ex_mrr)
        np.maximum(ex_acc, 0.0, out=ex_acc)
    years["open"][y] = ex_mrr.sum(axis=0)
    years["open_acc"][y] = ex_acc.sum(axis=0)


def _ro(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _assemble(
    sc: Scenario,
    p: Params,
    out: dict[str, np.ndarray],
    cols: slice,
    segments: tuple[str, ...] | None = None,
) -> Projection:
    """The :class:`Projection` of the columns ``cols`` of a batch's arrays (by default one
    scenario's, named by its segments)."""
    h = sc.horizon_months
    sel = {k: v[..., cols] for k, v in out.items()}
    q = Params(**{f: getattr(p, f)[..., cols] for f in Params.__dataclass_fields__})
    months = np.arange(h + 1)[:, None]
    if q.joiners_mrr.ndim == 1:
        flat = q.start_mrr[None, :] + q.joiners_mrr[None, :] * (months + 1)
    else:  # each month's logos at their onboarded MRR from their month on
        flat = q.start_mrr[None, :] + np.cumsum(q.joiners_mrr[: h + 1], axis=0)
    staffed = ~np.isnan(q.csms)
    csms = q.csms if q.csms.ndim == 1 else q.csms[: h + 1]
    cost = q.cost_per_csm if q.cost_per_csm.ndim == 1 else q.cost_per_csm[: h + 1]
    staffed = staffed if staffed.ndim == 2 else staffed[None, :]
    csm_cost = np.where(staffed, csms, sel["fte_required"]) * (cost / 12.0)
    logos = np.broadcast_to(
        q.logos_signed if q.logos_signed.ndim == 1 else q.logos_signed[: h + 1], (h + 1, q.columns)
    )
    return Projection(
        scenario=sc,
        segments=tuple(sc.segments) if segments is None else segments,
        horizon=h,
        **{k: _ro(sel[k]) for k in _MONTHLY},
        csm_cost=_ro(csm_cost),
        logos_signed=logos,
        flat_mrr=_ro(flat),
        starting_mrr=_ro(q.start_mrr),
        starting_accounts=_ro(q.start_accounts),
        hours_per_account=_ro(q.at(0).hours_per_account),
        year_open_mrr=_ro(sel["year_open"]),
        year_close_mrr=_ro(sel["year_close"]),
        year_open_accounts=_ro(sel["year_open_acc"]),
        year_close_accounts=_ro(sel["year_close_acc"]),
        year_expansion=_ro(sel["year_expansion"]),
        year_price_increase=_ro(sel["year_price_increase"]),
        year_contraction=_ro(sel["year_contraction"]),
        year_churn=_ro(sel["year_churn"]),
        book_cohorts_at_h=_ro(sel["book_cohorts_at_h"]),
        book_tenure_at_h=_ro(sel["book_tenure_at_h"]),
        params=q,
    )


def _slice(whole: Projection, sc: Scenario, cols: slice) -> Projection:
    """One scenario's projection, its columns copied out of a batch's."""
    fields = {f: getattr(whole, f) for f in Projection.__dataclass_fields__}
    for f, v in fields.items():
        if isinstance(v, np.ndarray):
            fields[f] = _ro(v[..., cols].copy())
    fields["params"] = Params(
        **{f: getattr(whole.params, f)[..., cols] for f in Params.__dataclass_fields__}
    )
    fields.update(scenario=sc, segments=tuple(sc.segments))
    return Projection(**fields)


@dataclass(frozen=True)
class Batch:
    """One month loop's worth of scenarios (same horizon, timing and renewals).

    ``columns`` is the projection of every column side by side (its ``segments``
    are the column indices; per-column figures such as ``metrics.column_parts``
    are meaningful, book totals are not); ``members[i]`` and ``slices[i]`` say
    which scenario of the caller's list owns which columns.
    """

    columns: Projection
    members: list[int]
    slices: list[slice]

    def projection(self, i: int, sc: Scenario) -> Projection:
        """The projection of member ``i`` (scenario ``sc``), its columns copied out."""
        return _slice(self.columns, sc, self.slices[i])


def project_columns(sc: Scenario, p: Params, discrete: Any = None) -> Projection:
    """Project prepared columns ``p`` on the time grid of ``sc`` (one month loop): a
    projection whose ``segments`` are the column indices (per-column figures only).
    ``discrete``: a ``csmodel.discrete.Draw`` whose logos ``p`` already holds whole."""
    has_new = bool(np.any(p.joiners_accounts > 0) or np.any(p.logos_signed > 0))
    out = run(p, Layout.of(sc, has_new), discrete=discrete)
    return _assemble(sc, p, out, slice(0, p.columns), tuple(str(k) for k in range(p.columns)))


def run_batches(
    scenarios: list[Scenario], discrete: tuple[int, list[int]] | None = None
) -> list[Batch]:
    """Project ``scenarios`` in as few month loops as their time grids allow.

    ``discrete`` = ``(seed, the path each scenario is)`` draws whole accounts
    (DOMAIN 9, ``csmodel.discrete``): a scenario's columns take the random stream of
    its path's block, and its book segments are drawn account by account."""
    groups: dict[tuple, list[int]] = {}
    for i, sc in enumerate(scenarios):
        groups.setdefault((sc.horizon_months, sc.timing, starting_cohorts(sc)), []).append(i)
    batches = []
    for members in groups.values():
        ps = [params(scenarios[i]) for i in members]
        batch = concat(ps)
        has_new = bool(np.any(batch.joiners_accounts > 0) or np.any(batch.logos_signed > 0))
        first = scenarios[members[0]]
        draw = None
        if discrete is not None:
            draw = _draw(
                discrete, [scenarios[i] for i in members], [discrete[1][i] for i in members]
            )
            batch = draw.realize(batch, first.horizon_months)
        out = run(batch, Layout.of(first, has_new), discrete=draw)
        slices, at = [], 0
        for q in ps:
            slices.append(slice(at, at + q.columns))
            at += q.columns
        whole = _assemble(first, batch, out, slice(0, at), tuple(str(k) for k in range(at)))
        batches.append(Batch(whole, members, slices))
    return batches


def _draw(discrete: tuple[int, list[int]], scenarios: list[Scenario], paths: list[int]) -> Any:
    """The ``csmodel.discrete.Draw`` of a batch of ``scenarios``, path ``paths[i]`` each."""
    from csmodel.discrete import Draw

    columns, ledgers = [], []
    for sc, path in zip(scenarios, paths, strict=True):
        for name, seg in sc.segments.items():
            columns.append(path)
            ledgers.append(book_ledger(sc, seg, name))
    return Draw.of(discrete[0], columns, ledgers)


def project_batch(scenarios: list[Scenario]) -> list[Projection]:
    """Project every scenario of ``scenarios``, as few month loops as their time grids allow.

    Scenarios that share horizon, timing and renewals run in one call of
    :func:`run` (their segments side by side as columns); results equal
    :func:`project` of each, to rounding. A scenario whose account book names CSM
    owners is projected owner by owner (:func:`project_owned`).
    """
    results: list[Projection | None] = [None] * len(scenarios)
    plain = []
    for i, sc in enumerate(scenarios):
        if owned_segments(sc):
            results[i] = project_owned(sc)
        else:
            plain.append(i)
    if len(plain) < len(scenarios):
        for i, pr in zip(plain, project_batch([scenarios[i] for i in plain]), strict=True):
            results[i] = pr
        return results  # type: ignore[return-value]
    for b in run_batches(scenarios):
        if len(b.members) == 1:  # the batch is this scenario: its arrays, not copies
            (i,) = b.members
            sc = scenarios[i]
            results[i] = replace(b.columns, scenario=sc, segments=tuple(sc.segments))
            continue
        for k, i in enumerate(b.members):
            results[i] = b.projection(k, scenarios[i])
    return results  # type: ignore[return-value]


def project(scenario: Scenario) -> Projection:
    """Project ``scenario`` month by month (see module docstring)."""
    return project_batch([scenario])[0]


# --- CSM owners (DOMAIN 8) ----------------------------------------------------------------


def owned_segments(sc: Scenario) -> list[str]:
    """Segments projected account group by account group (DOMAIN 8): those whose book
    accounts name CSM owners (with a workload to cover: each owner is one CSM, coverage per
    owner's book) or have multi-year terms (churn due only at term end)."""
    book = book_of(sc)
    if book is None:
        return []
    out = []
    for name, seg in sc.segments.items():
        idx = book.of_segment(name)
        owners = book.owner is not None and (seg.meetings or seg.accounts_per_csm)
        if (owners and any(book.owner[i] for i in idx)) or np.any(book.term[idx] != 12):
            out.append(name)
    return out


def segment_owners(book: Any, name: str) -> list[str]:
    """The distinct owners of segment ``name``'s accounts, in file order."""
    if book.owner is None:
        return []
    return list(dict.fromkeys(book.owner[i] for i in book.of_segment(name) if book.owner[i]))


_ROW = {f: i for i, f in enumerate(_ROW_FIELDS)}


def _owned_rows(sc: Scenario) -> tuple[list[tuple], list[list[int]], list[tuple], list]:
    """Engine columns of a scenario whose book has owners or multi-year terms.

    Each owner (one CSM, whatever segments their accounts are in) and each segment's pool
    (accounts without an owner, the new logos, and the segment's ``csms`` beyond its
    owners when ``csms`` exceeds them, else covered: hired as needed) is a **coverage
    group**: columns that share their CSMs. An edited ``accounts`` or ``acv`` scales the
    segment's accounts and MRR as :func:`book_anchors` does. A group's annual contracts
    are one column (their renewal anchors as cohorts); its contracts of another term T
    are one column per anchor ``a`` (mod T), whose churn is due only at term end
    (``(m - a) mod T == 0``) at ``1 - (1 - c)^(T / period)``, while its other yearly
    movements stay on the anniversary (``a`` mod 12). Other segments are one column.
    Returns the rows, each segment's columns, each owner's (segments, owner, the
    column that carries their CSM), and each row's accounts one by one
    (:func:`book_ledger`), for discrete paths.
    """
    book = book_of(sc)
    split = set(owned_segments(sc))
    rows: list[tuple] = []
    ledgers: list = []
    groups: list[list[int]] = []
    owner_first: dict[str, int] = {}  # each owner's group: the column that carries the CSM
    owner_segments: dict[str, list[str]] = {}
    for name, seg in sc.segments.items():
        row = segment_row(sc, seg, name)
        if name not in split:
            groups.append([len(rows)])
            rows.append(row)
            ledgers.append(book_ledger(sc, seg, name))
            continue
        cols: list[int] = []
        owners = segment_owners(book, name) if (seg.meetings or seg.accounts_per_csm) else []
        idx = book.of_segment(name)
        owner_of = np.array([book.owner[i] or "" if book.owner else "" for i in idx], dtype=object)
        scale = _book_scale(seg, len(idx), float(book.arr[idx].sum()))
        for owner in [*owners, None]:
            mine = idx[owner_of == (owner or "")] if owner else idx[~np.isin(owner_of, owners)]
            if owner is None:
                staff = _pool_staff(row[_ROW["csms"]], len(owners))
            else:  # one CSM per owner, counted once across segments
                staff = 0.0 if owner in owner_first else 1.0
            group = owner_first.setdefault(owner, len(rows)) if owner else len(rows)
            tenures = (name, _tenure_key(sc, seg))
            for r, ledger in _group_rows(sc, row, book, mine, staff, owner is None, scale, tenures):
                r[_ROW["cover_group"]] = group
                cols.append(len(rows))
                rows.append(tuple(r))
                ledgers.append(ledger)
            if owner:
                owner_segments.setdefault(owner, []).append(name)
        groups.append(cols)
    names = [(", ".join(owner_segments[o]), o, first) for o, first in owner_first.items()]
    return rows, groups, names, ledgers


def _book_scale(seg: Any, n: int, arr: float) -> tuple[float, float]:
    """How an edited ``accounts`` and ``acv`` scale the accounts and MRR of a book segment
    of ``n`` accounts and ``arr`` ARR (1 and 1 as loaded): THE rule of an edit on a book."""
    if n == 0:
        return 1.0, 1.0
    acc = 1.0 if seg.accounts == n else seg.accounts / n
    mrr = 1.0 if seg.accounts * seg.acv == arr else seg.accounts * seg.acv / arr
    return acc, mrr


def _pool_staff(staffed: Any, owners: int) -> Any:
    """The CSMs of a segment's pool: its ``csms`` beyond its owners; covered (nan: hired as
    needed) when ``csms`` is not set or does not exceed the owners."""
    if np.isscalar(staffed) and (np.isnan(staffed) or staffed <= owners):
        return np.nan
    extra = np.asarray(staffed, dtype=float) - owners
    if extra.ndim and np.any(extra <= 0):  # a schedule: covered in the months it adds none
        return np.where(extra > 0, extra, np.nan)
    return extra if extra.ndim else float(extra)


def _group_rows(
    sc: Scenario,
    row: tuple,
    book: Any,
    idx: np.ndarray,
    staff: Any,
    new_logos: bool,
    scale: tuple[float, float] = (1.0, 1.0),
    tenures: tuple[str, Any] | None = None,
) -> list[tuple[list, Any]]:
    """The columns of one coverage group (see :func:`_owned_rows`), each with its ledger
    (:func:`book_ledger`); ``staff`` on the first.
    ``tenures`` (segment name, :func:`_tenure_key`) groups sBG accounts by tenure."""
    terms = book.term[idx]
    out = []
    annual = idx[terms == 12]
    if len(annual) or new_logos:
        out.append(_book_row(row, book, annual, new_logos, scale, tenures))
    if not np.isnan(row[_ROW["alpha"]]) and np.any(terms != 12):
        from csmodel.errors import Problem, ScenarioError

        name = tenures[0] if tenures else "?"
        raise ScenarioError(
            Problem(
                book.file,
                f"segment `{name}` has tenure-based churn (model: sbg) and contracts of "
                f"{int(terms[terms != 12][0])} months: csmodel projects sBG churn at yearly "
                "renewals only; give the segment a flat churn rate, or 12-month terms",
            )
        )
    h = sc.horizon_months
    first = 0 if sc.timing == "start" else 1
    churn_every = _LENGTHS[int(row[_ROW["_churn_every"]])]
    for term in sorted(set(terms.tolist()) - {12}):
        of_term = idx[terms == term]
        anchors = (book.renewal_month[of_term] - 1) % term
        for a in sorted(set(anchors.tolist())):
            r, ledger = _book_row(row, book, of_term[anchors == a], False, scale)
            c = np.asarray(row[_ROW["churn"]], dtype=float)
            at_end = 1.0 - (1.0 - c) ** (term / churn_every)
            months = np.arange(h + 1)
            due = ((months - a) % term == 0) & (months >= first)
            r[_ROW["churn"]] = np.where(due, np.broadcast_to(at_end, (h + 1,)), 0.0)
            r[_ROW["_churn_every"]] = _PERIOD_INDEX[1]  # due in any month: the rate says when
            out.append((r, ledger))
    for j, (r, _) in enumerate(out):
        r[_ROW["csms"]] = staff if j == 0 else (np.nan if _unstaffed(staff) else 0.0)
    return out


def _unstaffed(staff: Any) -> bool:
    return bool(np.isscalar(staff) and np.isnan(staff))


def _book_row(
    row: tuple,
    book: Any,
    idx: np.ndarray,
    new_logos: bool,
    scale: tuple[float, float],
    tenures: tuple[str, Any] | None = None,
) -> tuple[list, tuple[np.ndarray, np.ndarray]]:
    """``row`` holding only the accounts ``idx`` of the book (and new logos or not), and
    those accounts one by one (:func:`book_ledger`)."""
    groups = None
    if tenures is not None and tenures[1] is not None:
        groups = _groups_of(book, tenures[0], tenures[1], idx)
    mrr, acc = _cohorts(book, idx, groups)
    ledger = (_account_cohorts(book, idx, groups)[0], book.arr[idx] / 12.0)
    if scale != (1.0, 1.0):
        acc, mrr = acc * scale[0], mrr * scale[1]
    r = list(row)
    r[_ROW["book_mrr"]], r[_ROW["book_accounts"]] = mrr, acc
    r[_ROW["start_mrr"]] = float(mrr.sum())
    r[_ROW["start_accounts"]] = float(acc.sum())
    if not new_logos:
        for f in ("joiners_mrr", "joiners_accounts", "logos_signed"):
            r[_ROW[f]] = 0.0
    return r, ledger


def _account_cohorts(
    book: Any, idx: np.ndarray, groups: tuple[int, np.ndarray] | None = None
) -> tuple[np.ndarray, int]:
    """The engine cohort of each of the accounts ``idx`` of a book, and the cohorts there
    are: its renewal anchor; with ``groups`` (G, each account's tenure group), cohort
    ``12 g + anchor``."""
    cohort = (1 - book.renewal_month[idx]) % 12
    if groups is None:
        return cohort, 12
    return cohort + 12 * groups[1], 12 * groups[0]


def _cohorts(
    book: Any, idx: np.ndarray, groups: tuple[int, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """MRR and accounts by engine cohort of the accounts ``idx`` of a book."""
    cohort, size = _account_cohorts(book, idx, groups)
    mrr = np.bincount(cohort, weights=book.arr[idx] / 12.0, minlength=size)
    return mrr, np.bincount(cohort, minlength=size).astype(float)


def book_ledger(sc: Scenario, s: Any, name: str | None = None) -> Any:
    """The accounts of segment ``s``'s book one by one, for discrete paths (DOMAIN 9):
    ``(engine cohort of each account, its MRR)`` in the cohorts of :func:`book_anchors`
    (an edit's scale left out: a discrete path uses their shares of their cohort), or
    ``None`` without a book."""
    book = book_of(sc)
    if book is None:
        return None
    if name is None:
        name = _name_of(sc, s)
    return _ledger(book, name, _tenure_key(sc, s))


@functools.lru_cache(maxsize=64)
def _ledger(
    book: Any, name: str | None, tenures: tuple[str, int] | None
) -> tuple[np.ndarray, np.ndarray]:
    idx = book.of_segment(name)
    cohort, _ = _account_cohorts(book, idx, _groups_of(book, name, tenures, idx))
    return cohort, book.arr[idx] / 12.0


_SUMMED = (
    "mrr", "accounts", "new", "expansion", "price_increase", "contraction", "churn",
    "fte_required", "csm_cost", "logos_signed", "starting_book_mrr", "joined_mrr",
    "joined_accounts", "flat_mrr", "starting_mrr", "starting_accounts", "year_open_mrr",
    "year_close_mrr", "year_open_accounts", "year_close_accounts", "year_expansion",
    "year_price_increase", "year_contraction", "year_churn", "book_cohorts_at_h",
)  # fmt: skip


def project_owned(sc: Scenario) -> Projection:
    """A scenario with CSM owners projected owner by owner, then summed per segment (the
    lowest owner's coverage is the segment's), with each owner's load kept in ``owners``."""
    return project_owned_batch([sc])[0]


def project_owned_batch(
    scenarios: list[Scenario], discrete: tuple[int, list[int]] | None = None
) -> list[Projection]:
    """:func:`project_owned` of each of ``scenarios`` (one time grid: a simulation's paths)
    in one month loop. ``discrete`` = ``(seed, the path each scenario is)`` draws whole
    accounts, as :func:`run_batches` does."""
    first = scenarios[0]
    owned = [_owned_rows(sc) for sc in scenarios]
    ps = [params_from_rows(rows) for rows, _, _, _ in owned]
    p = concat(ps)
    draw = None
    if discrete is not None:
        from csmodel.discrete import Draw

        columns = np.repeat(discrete[1], [q.columns for q in ps])
        ledgers = [led for _, _, _, ls in owned for led in ls]
        draw = Draw.of(discrete[0], columns, ledgers)
        p = draw.realize(p, first.horizon_months)
    whole = project_columns(first, p, discrete=draw)
    out, at = [], 0
    for sc, (_, groups, names, _), q in zip(scenarios, owned, ps, strict=True):
        cols = whole if len(scenarios) == 1 else _slice(whole, sc, slice(at, at + q.columns))
        at += q.columns
        out.append(_owned_projection(sc, cols, q, groups, names))
    return out


def _owned_projection(
    sc: Scenario, cols: Projection, p: Params, groups: list[list[int]], names: list[tuple]
) -> Projection:
    """``sc``'s projection from its owner-by-owner columns ``cols`` (inputs ``p``)."""
    fields = {f: getattr(cols, f) for f in Projection.__dataclass_fields__}
    for f in _SUMMED:
        a = fields[f]
        fields[f] = _ro(np.stack([a[..., g].sum(axis=-1) for g in groups], axis=-1))
    fields["coverage"] = _ro(np.stack([cols.coverage[..., g].min(axis=-1) for g in groups], -1))
    # a segment's columns share its tenure groups (_owned_rows): its first column's
    fields["book_tenure_at_h"] = _ro(cols.book_tenure_at_h[..., [g[0] for g in groups]])
    fields["hours_per_account"] = _ro(cols.hours_per_account[[g[0] for g in groups]])
    fields["params"] = params(sc)
    fields["owners"] = _owner_load(cols, p, names) if names else None
    fields.update(scenario=sc, segments=tuple(sc.segments))
    return Projection(**fields)


def _owner_load(cols: Projection, p: Params, names: list[tuple]) -> OwnerLoad:
    """Each owner's coverage group summed (its coverage is the group's)."""
    members = [np.flatnonzero(p.cover_group == first) for _, _, first in names]

    def summed(a: np.ndarray) -> np.ndarray:
        return _ro(np.stack([a[:, m].sum(axis=-1) for m in members], axis=-1))

    return OwnerLoad(
        names=tuple((segment, owner) for segment, owner, _ in names),
        accounts=summed(cols.accounts),
        fte_required=summed(cols.fte_required),
        coverage=_ro(np.stack([cols.coverage[:, m[0]] for m in members], axis=-1)),
        mrr=summed(cols.mrr),
    )
