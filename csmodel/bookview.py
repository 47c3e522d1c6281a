"""What a CS leader asks of an account book before any projection (``csmodel book``).

Pure functions over a :class:`csmodel.book.Book` and the scenario it was loaded with
(DOMAIN.md sections 5 and 8), returning frozen dataclasses; nothing here prints:

- :func:`segment_summaries` — accounts, ARR, average ACV, hours needed a year,
  FTE and CSMs needed, owners, per segment;
- :func:`owner_loads` — each owner's accounts, ARR, hours and load against the
  productive hours of one CSM, most loaded first;
- :func:`renewal_calendar` — ARR renewing in each of the plan's first twelve
  months, by segment;
- :func:`rebalance` — per segment, the fewest account moves that bring every
  owner to at most 100% load, or how many more CSMs the segment needs.

Hours per account are THE workload formula (``csmodel.engine.hours_per_account``:
meetings, or productive hours ÷ ``accounts_per_csm``); productive hours per CSM are
``team.productive_hours``. Both take the plan's first month when scheduled.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from csmodel.book import Book, book_of
from csmodel.dates import Calendar
from csmodel.engine import hours_per_account
from csmodel.metrics import EPS, round_up

CALENDAR_MONTHS = 12
"""Months of the renewal calendar: the plan's first twelve."""

POOL = ""
"""The owner of an account without a named CSM (an empty cell): its segment's pool,
covered by the segment's ``csms`` beyond its owners (``csmodel.book.read_book``). The
pool is not a CSM: it has no load, is no owner, and neither gives nor takes accounts."""


def fits(hours: float, productive_hours: float) -> bool:
    """Whether ``hours`` a year are within one CSM's ``productive_hours`` (100% load),
    tolerant of floating-point noise (10 accounts of 145.6 h fit 1,456 h)."""
    return hours <= productive_hours * (1.0 + EPS)


# --- by segment -----------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentSummary:
    """One segment of the book.

    ``hours_per_account`` is yearly CSM hours per account (0 when the segment has no
    workload model: ``sized_by`` is then ``None``); ``hours_per_year`` = accounts ×
    hours per account; ``fte_required`` = hours ÷ productive hours of one CSM;
    ``csms_needed`` its rounding up; ``average_acv`` is ``None`` without accounts;
    ``owners`` the number of distinct named owners and ``pooled`` the accounts
    without one (both ``None`` without an owner column).
    """

    name: str
    accounts: int
    arr: float
    average_acv: float | None
    sized_by: str | None
    hours_per_account: float
    hours_per_year: float
    fte_required: float
    csms_needed: int
    owners: int | None
    pooled: int | None


def sized_by(seg: Any) -> str | None:
    """``meetings``, ``accounts_per_csm`` or ``None``: how a segment's workload is given."""
    if seg.meetings:
        return "meetings"
    if seg.accounts_per_csm:
        return "accounts_per_csm"
    return None


def segment_hours(scenario: Any) -> dict[str, float]:
    """``{segment: yearly hours per account}`` (THE workload formula)."""
    return {
        name: float(hours_per_account(scenario, seg)) for name, seg in scenario.segments.items()
    }


def segment_summaries(scenario: Any, book: Book) -> tuple[SegmentSummary, ...]:
    """Every segment of the scenario, in its order (a segment without accounts in the book,
    which only gains new logos, shows zeros)."""
    productive = scenario.team.productive_hours
    hours = segment_hours(scenario)
    out = []
    for name, seg in scenario.segments.items():
        idx = book.of_segment(name)
        n = len(idx)
        arr = float(book.arr[idx].sum()) if n else 0.0
        total_hours = n * hours[name]
        fte = total_hours / productive
        mine = None if book.owner is None else [book.owner[i] for i in idx]
        out.append(
            SegmentSummary(
                name=name,
                accounts=n,
                arr=arr,
                average_acv=arr / n if n else None,
                sized_by=sized_by(seg),
                hours_per_account=hours[name],
                hours_per_year=total_hours,
                fte_required=fte,
                csms_needed=round_up(fte),
                owners=None if mine is None else len(set(mine) - {POOL}),
                pooled=None if mine is None else mine.count(POOL),
            )
        )
    return tuple(out)


# --- by owner -------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnerLoad:
    """One owner (one CSM): their accounts over every segment, each at its segment's
    hours per account; ``load`` = hours ÷ productive hours of one CSM (1.0 = 100%)."""

    owner: str
    accounts: int
    arr: float
    hours_per_year: float
    load: float
    segments: tuple[str, ...]
    over: bool


def owner_loads(scenario: Any, book: Book) -> tuple[OwnerLoad, ...] | None:
    """Every named owner, most loaded first (then by name); ``None`` without an owner
    column. Accounts of the pool (:data:`POOL`) are left out."""
    if book.owner is None:
        return None
    productive = scenario.team.productive_hours
    hours = segment_hours(scenario)
    order = list(scenario.segments)
    per: dict[str, dict[str, Any]] = {}
    for i, (owner, seg) in enumerate(zip(book.owner, book.segment, strict=True)):
        if owner == POOL:
            continue
        o = per.setdefault(owner, {"accounts": 0, "arr": 0.0, "counts": {}})
        o["accounts"] += 1
        o["arr"] += float(book.arr[i])
        o["counts"][seg] = o["counts"].get(seg, 0) + 1
    out = []
    for owner, o in per.items():
        h = sum(n * hours[s] for s, n in o["counts"].items())
        out.append(
            OwnerLoad(
                owner=owner,
                accounts=o["accounts"],
                arr=o["arr"],
                hours_per_year=h,
                load=h / productive,
                segments=tuple(sorted(o["counts"], key=order.index)),
                over=not fits(h, productive),
            )
        )
    out.sort(key=lambda o: (-o.load, o.owner))
    return tuple(out)


# --- renewal calendar -----------------------------------------------------------------


@dataclass(frozen=True)
class RenewalCalendar:
    """ARR renewing in each of the plan's first twelve months.

    ``months`` are plan months 1..12, ``labels`` their names (``Jan 2027`` or
    ``M1``), ``dates`` ``YYYY-MM`` (``None`` without ``start``); ``by_segment``
    maps each segment to its ARR renewing each month, shape ``(12,)``; ``total``
    sums them and ``accounts`` counts the renewing accounts, shape ``(12,)``. ARR
    is as exported (before any movement of the plan).
    """

    months: tuple[int, ...]
    labels: tuple[str, ...]
    dates: tuple[str, ...] | None
    by_segment: dict[str, np.ndarray]
    total: np.ndarray
    accounts: np.ndarray


def renewal_calendar(scenario: Any, book: Book) -> RenewalCalendar:
    """An account of term T whose first renewal is in plan month k renews in months
    k, k + T, k + 2T ... : a multi-year contract shows only where its term ends."""
    cal = Calendar.of(scenario)
    months = tuple(range(1, CALENDAR_MONTHS + 1))
    names = list(scenario.segments)
    code = {name: i for i, name in enumerate(names)}
    seg = np.fromiter((code[s] for s in book.segment), dtype=np.int64, count=len(book))
    k = np.asarray(book.renewal_month, dtype=np.int64)
    term = np.maximum(np.asarray(book.term, dtype=np.int64), 1)
    arr = np.asarray(book.arr, dtype=float)
    table = np.zeros((len(names), CALENDAR_MONTHS))
    accounts = np.zeros(CALENDAR_MONTHS, dtype=np.int64)
    for j, m in enumerate(months):
        due = (m >= k) & ((m - k) % term == 0)
        table[:, j] = np.bincount(seg[due], weights=arr[due], minlength=len(names))
        accounts[j] = int(due.sum())
    for a in (table, accounts):
        a.setflags(write=False)
    total = table.sum(axis=0)
    total.setflags(write=False)
    return RenewalCalendar(
        months=months,
        labels=tuple(cal.month_label(m) for m in months),
        dates=tuple(cal.iso(m) or "" for m in months) if cal.dated else None,
        by_segment={name: table[i] for i, name in enumerate(names)},
        total=total,
        accounts=accounts,
    )


# --- rebalancing ----------------------------------------------------------------------

REBALANCING_RULE = (
    "Accounts move only within their segment, from overloaded owners to owners of the same "
    "segment with room. The most loaded owner gives first, its smallest-ARR accounts first "
    "(the largest relationships stay with their CSM), each to the least-loaded owner with "
    "room. An owner's load counts all their hours, in every segment. Segments are handled "
    "with the most hours per account first, so a CSM who spans segments sheds the accounts "
    "that free the most hours per move."
)
"""How :func:`rebalance` picks the moves, as the outputs state it."""


@dataclass(frozen=True)
class Move:
    """One account handed from one owner to another of the same segment."""

    id: str
    arr: float
    segment: str
    from_owner: str
    to_owner: str


@dataclass(frozen=True)
class Rebalancing:
    """The suggestion for one segment.

    ``moves`` bring every owner of the segment to at most 100% load when
    ``more_csms_needed`` is 0; otherwise they fill every owner with room to 100%
    (the most loaded give first) and ``more_csms_needed`` new CSMs take the
    ``accounts_short`` accounts that still do not fit. ``owners_over`` counts the
    segment's owners over 100% before any move, ``owners_over_after`` after every
    suggested move (of every segment). ``owned`` counts the segment's accounts held by
    its named owners: the accounts of its pool (no owner) are no owner's to hold, so
    :attr:`room`, what the owners can hold within 100%, is ``owned - accounts_short``.
    """

    segment: str
    hours_per_account: float
    owners: int
    owned: int
    moves: tuple[Move, ...]
    accounts_short: int
    more_csms_needed: int
    owners_over: int
    owners_over_after: int

    @property
    def room(self) -> int:
        """Accounts of the segment its owners hold within 100% after the moves: its owned
        accounts but the ``accounts_short`` (what a sentence says the owners "can hold"; the
        pool's accounts are not among them)."""
        return self.owned - self.accounts_short


def rebalance(scenario: Any, book: Book) -> tuple[Rebalancing, ...] | None:
    """Per segment (in the scenario's order), the fewest account moves within the segment
    that bring every owner to at most 100% load; ``None`` without an owner column.

    **Rule.** In segment s every account needs the same hours h. Let P be one
    CSM's productive hours and, for owner o of s with n_o accounts of s and X_o
    hours in other segments, k_o = max(0, ⌊(P − X_o) / h⌋) the most accounts of
    s that o can hold within 100%. Excess e_o = max(0, n_o − k_o), room
    r_o = max(0, k_o − n_o). While an owner has excess and another has room, the
    owner with the highest load gives its smallest-ARR remaining account of s to
    the owner with the lowest load that has room (ties by name, then file order).

    **Minimality.** A move takes one account from one owner, so it lowers one
    n_o by one: any set of moves within s that leaves every owner at most k_o
    accounts has at least Σ_o e_o moves. When Σ_o k_o ≥ N_s (the segment's
    accounts) the room Σ_o r_o = Σ_o e_o + (Σ_o k_o − N_s) is at least the
    excess, so the greedy, which only takes from owners still above k_o and only
    gives to owners still below it (never creating excess), ends after exactly
    Σ_o e_o moves: the lower bound, hence the fewest. Which accounts move and to
    whom does not change the count; the rule only picks among minimal answers.

    **Over capacity.** When Σ_o k_o < N_s no moves among the present owners can
    do it. The greedy then moves Σ_o r_o accounts, filling every owner with room
    to 100%, the most loaded giving first, and the N_s − Σ_o k_o accounts left
    over (``accounts_short``) go to ``more_csms_needed`` = ⌈short ÷ ⌊P / h⌋⌉ new
    CSMs (each holds ⌊P / h⌋ accounts within 100%). For owners who work only in
    s this is ⌈N_s h ÷ P⌉ − owners when one CSM holds a whole number of
    accounts, and never less: whole accounts keep it honest when P / h is
    fractional (two CSMs with the hours of 10.5 accounts each cannot hold 21
    accounts within 100%). If one account needs more than P (⌊P / h⌋ = 0), no
    owner can hold any within 100%: no moves, and ⌈N_s h ÷ P⌉ − owners more CSMs.

    **Segments together.** Moves stay within a segment, so segments are handled
    one after another, the most hours per account first (ties in the scenario's
    order), and X_o counts o's hours elsewhere as they stand (after the moves of
    segments already handled): a CSM who spans segments sheds the accounts that
    free the most hours per move. For a book where every owner works in one
    segment the total is the global minimum. An owner spanning segments makes
    each segment's moves the fewest given the others; the fewest over all
    segments at once is a knapsack-like problem (accounts of different hours)
    this does not attempt. The accounts short are counted once every segment is
    handled: an owner still over 100% by E hours hands ⌈E / h⌉ accounts of one
    segment to new CSMs, the heaviest of their segments whose accounts cover E
    (else the heaviest first, then the next). A segment without a workload
    model (0 hours) needs no moves; accounts of the pool (:data:`POOL`, no named
    owner) neither move nor count.
    """
    if book.owner is None:
        return None
    productive = scenario.team.productive_hours
    limit = productive * (1.0 + EPS)
    hours = segment_hours(scenario)
    names = list(scenario.segments)
    # counts[owner][segment]: accounts held, kept up to date as moves are made
    counts: dict[str, dict[str, int]] = {}
    for owner, seg in zip(book.owner, book.segment, strict=True):
        if owner == POOL:  # the pool is no CSM: its accounts stay where they are
            continue
        c = counts.setdefault(owner, {})
        c[seg] = c.get(seg, 0) + 1

    def owner_hours(o: str) -> float:
        return sum(n * hours[s] for s, n in counts[o].items())

    over_before = {o for o in counts if not fits(owner_hours(o), productive)}
    order = sorted(names, key=lambda s: -hours[s])  # stable: ties keep the scenario's order
    moves_of: dict[str, tuple[Move, ...]] = {s: () for s in names}
    short: dict[str, int] = dict.fromkeys(names, 0)
    more: dict[str, int] = dict.fromkeys(names, 0)
    members: dict[str, list[str]] = {}
    owned: dict[str, int] = dict.fromkeys(names, 0)  # accounts held by named owners
    heavy: set[str] = set()  # segments where one account needs more than a CSM's year
    for s in order:
        idx = book.of_segment(s)
        held: dict[str, list[int]] = {}
        for i in idx:
            if book.owner[i] != POOL:
                held.setdefault(book.owner[i], []).append(int(i))
        members[s] = sorted(held)
        owned[s] = sum(map(len, held.values()))
        h = hours[s]
        if h <= 0.0 or not held:
            continue
        if math.floor(limit / h) == 0:  # no one can hold a single account within 100%
            heavy.add(s)
            short[s] = sum(len(mine) for mine in held.values())
            more[s] = max(0, round_up(short[s] * h / productive) - len(held))
            continue
        excess: dict[str, int] = {}
        room: dict[str, int] = {}
        for o, mine in held.items():
            outside = owner_hours(o) - len(mine) * h
            k = max(0, math.floor((limit - outside) / h))
            excess[o] = max(0, len(mine) - k)
            room[o] = max(0, k - len(mine))
        # each giver's accounts, smallest ARR last so that pop() takes it (file order on ties)
        stacks = {
            o: sorted(held[o], key=lambda i: (float(book.arr[i]), i), reverse=True)
            for o in held
            if excess[o]
        }
        givers = [(-owner_hours(o), o) for o in held if excess[o]]
        takers = [(owner_hours(o), o) for o in held if room[o]]
        heapq.heapify(givers)
        heapq.heapify(takers)
        rank = {o: r for r, (_, o) in enumerate(sorted(givers))}
        moves: list[tuple[int, Move]] = []
        while givers and takers:
            _, giver = heapq.heappop(givers)
            _, taker = heapq.heappop(takers)
            i = stacks[giver].pop()
            moves.append((rank[giver], Move(book.ids[i], float(book.arr[i]), s, giver, taker)))
            counts[giver][s] -= 1
            counts[taker][s] += 1
            excess[giver] -= 1
            room[taker] -= 1
            if excess[giver]:
                heapq.heappush(givers, (-owner_hours(giver), giver))
            if room[taker]:
                heapq.heappush(takers, (owner_hours(taker), taker))
        # listed by giver (most loaded first), each giver's accounts smallest ARR first
        moves_of[s] = tuple(m for _, m in sorted(moves, key=lambda rm: rm[0]))
    # what still does not fit goes to new CSMs (accounts of "heavy" segments are counted)
    for o in sorted(counts):
        mine = [s for s in order if counts[o].get(s) and hours[s] > 0.0 and s not in heavy]
        over = sum(counts[o][s] * hours[s] for s in mine) - productive
        if over <= productive * EPS:  # within 100% (the tolerance of fits())
            continue
        cover = [s for s in mine if counts[o][s] * hours[s] >= over * (1.0 - EPS)]
        for s in cover[:1] or mine:
            n = min(counts[o][s], math.ceil(over / hours[s] - EPS))
            short[s] += n
            over -= n * hours[s]
            if over <= productive * EPS:
                break
    for s in names:
        if short[s] and s not in heavy:
            more[s] = -(-short[s] // math.floor(limit / hours[s]))
    return tuple(
        Rebalancing(
            segment=s,
            hours_per_account=hours[s],
            owners=len(members[s]),
            owned=owned[s],
            moves=moves_of[s],
            accounts_short=short[s],
            more_csms_needed=more[s],
            owners_over=sum(1 for o in members[s] if o in over_before),
            owners_over_after=sum(1 for o in members[s] if not fits(owner_hours(o), productive)),
        )
        for s in names
    )


# --- everything -----------------------------------------------------------------------


@dataclass(frozen=True)
class BookView:
    """Everything ``csmodel book`` reports on a scenario's book."""

    scenario: Any
    book: Book
    productive_hours: float
    segments: tuple[SegmentSummary, ...]
    owners: tuple[OwnerLoad, ...] | None
    renewals: RenewalCalendar
    rebalancing: tuple[Rebalancing, ...] | None

    @property
    def rebalancing_rule(self) -> str:
        return REBALANCING_RULE

    @property
    def scheduled_capacity(self) -> bool:
        """Whether hours, productivity or a segment's accounts_per_csm change over the plan
        (the figures then use the plan's first month)."""
        from csmodel.schedule import Schedule

        team = self.scenario.team
        values = [team.hours_per_year, team.productivity]
        values += [s.accounts_per_csm for s in self.scenario.segments.values()]
        return any(isinstance(v, Schedule) and len(set(v.values)) > 1 for v in values)


def view_book(scenario: Any, book: Book | None = None) -> BookView:
    """:class:`BookView` of ``book`` (default: the book the scenario was loaded with)."""
    book = book if book is not None else book_of(scenario)
    if book is None:
        raise ValueError("the scenario has no book")
    return BookView(
        scenario=scenario,
        book=book,
        productive_hours=float(scenario.team.productive_hours),
        segments=segment_summaries(scenario, book),
        owners=owner_loads(scenario, book),
        renewals=renewal_calendar(scenario, book),
        rebalancing=rebalance(scenario, book),
    )
