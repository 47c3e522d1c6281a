"""Discrete Monte Carlo paths (DOMAIN 9): whole accounts churn and expand.

The deterministic engine moves expected values: a cohort of 70 accounts at 2%
churn keeps 68.6 accounts. A discrete path draws what happens to whole
accounts instead, with the same expected value:

- **pooled cohorts** (a segment without an account book, and every new-logo
  cohort) hold whole accounts of equal MRR: at a due churn, ``Binomial(n, c)``
  of them leave; of those that stay, ``Binomial(n - lost, share)`` expand;
- **an account book** (DOMAIN 8) is drawn **per account**: each account due to
  renew churns with probability ``c`` and, if it stays, expands with
  probability ``share``; an account that leaves takes its own MRR (a large
  account's loss is a large loss), so a book's spread reflects its
  concentration;
- the starting accounts of a pooled segment split into its renewal cohorts, and
  the logos joining each month, are whole numbers with the expected values of
  the deterministic engine (systematic rounding: a uniform offset per path).

An account that churns takes its whole MRR, so expansion and contraction land
on the accounts that stay, at ``rate / (1 - c)``: the deterministic engine
computes them on the opening MRR (DOMAIN 4.4), and this keeps every expected
movement equal to it. The price increase stays the expected one.

Randomness comes in **blocks** of :data:`BLOCK_PATHS` paths, each with its own
generator seeded by ``(seed, block)``, and a block's draws depend only on its
own columns: a seed gives the same paths whatever the chunk size (callers
chunk in whole blocks).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

BLOCK_PATHS = 50
"""Paths that share one random stream; chunks of paths are whole blocks."""
_KEY = zlib.crc32(b"csmodel:discrete")
LEDGER_BUDGET = 200 * 2**20
"""Bytes of book accounts one engine call may hold (5 a path and account: float32 MRR
and whether it is alive): chunks of paths shrink to stay under it, down to one block."""
LEDGER = np.float32
"""Precision of a book's accounts on a path: single, as the engine's figures are read off
ratios of their sums (relative error about 1e-7, far below the spread of paths)."""


def chunk_paths(scenario: Any, chunk: int) -> int:
    """Paths projected in one engine call when drawing whole accounts: ``chunk`` in whole
    blocks, fewer when the scenario's account book would hold more than
    :data:`LEDGER_BUDGET` (one block at the least)."""
    from csmodel.book import book_of

    book = book_of(scenario)
    blocks = -(-max(1, chunk) // BLOCK_PATHS)
    if book is not None and len(book):
        blocks = min(blocks, LEDGER_BUDGET // (5 * len(book) * BLOCK_PATHS))
    return max(1, blocks) * BLOCK_PATHS


@dataclass(frozen=True)
class Draw:
    """How one engine call draws whole accounts.

    ``blocks[n]`` is the block of paths column ``n`` belongs to (equal blocks are
    contiguous); ``ledgers[n]`` is column ``n``'s account book as ``(cohort of each
    account, its MRR)`` (:func:`csmodel.engine.book_ledger`), ``None`` for a column
    without one (its cohorts are pooled)."""

    seed: int
    blocks: np.ndarray
    ledgers: tuple[tuple[np.ndarray, np.ndarray] | None, ...]

    @classmethod
    def of(cls, seed: int, paths: Any, ledgers: Any) -> Draw:
        """The draw of columns that are paths ``paths`` (one per column): each takes the
        random stream of its path's block."""
        return cls(seed, np.asarray(paths, dtype=int) // BLOCK_PATHS, tuple(ledgers))

    def runs(self) -> list[tuple[int, slice]]:
        """``(block, its columns)`` for each block of the call, in column order."""
        out: list[tuple[int, slice]] = []
        start = 0
        for n in range(1, len(self.blocks) + 1):
            if n == len(self.blocks) or self.blocks[n] != self.blocks[start]:
                out.append((int(self.blocks[start]), slice(start, n)))
                start = n
        return out

    def _offsets(self) -> np.ndarray:
        """``(2, N)`` uniforms per column, from each block's first stream: the joining
        logos' rounding offset and the starting accounts'."""
        u = np.empty((2, len(self.blocks)))
        for b, cols in self.runs():
            rng = np.random.default_rng([self.seed, _KEY, b, 0])
            u[:, cols] = rng.random((2, cols.stop - cols.start))
        return u

    def realize(self, p: Any, horizon: int) -> Any:
        """``p`` with whole logos joining each month (engine months ``0 .. H``): the
        expected joiners rounded systematically, each joining at the expected MRR of a
        logo of its month."""
        if not np.any(p.joiners_accounts > 0):
            return p
        rows = horizon + 1
        expected = np.broadcast_to(_rows(p.joiners_accounts, rows), (rows, p.columns))
        mrr = np.broadcast_to(_rows(p.joiners_mrr, rows), (rows, p.columns))
        u = self._offsets()[0]
        whole = np.floor(np.cumsum(expected, axis=0) + u)
        joins = np.diff(whole, axis=0, prepend=np.floor(u)[None, :])
        with np.errstate(divide="ignore", invalid="ignore"):
            each = np.where(expected > 0, mrr / expected, 0.0)
        return replace(p, joiners_accounts=joins, joiners_mrr=joins * each)

    def kernel(self, p: Any, layout: Any, booked: np.ndarray) -> Kernel:
        return Kernel(self, p, layout, booked)


def _rows(x: np.ndarray, rows: int) -> np.ndarray:
    """``x`` for engine months ``0 .. rows - 1``: ``(rows, N)`` or ``(1, N)``."""
    if x.ndim == 1:
        return x[None, :]
    if x.shape[0] >= rows:
        return x[:rows]
    return np.concatenate([x, np.repeat(x[-1:], rows - x.shape[0], axis=0)])


class _Book:
    """The accounts of the columns that hold one book (a segment's, or one owner's
    share of it, on every path of the call), one by one: ``mrr`` and ``alive``
    ``(rows, accounts)`` for the columns ``cols``, cohort ``k``'s accounts at
    ``offsets[k] .. offsets[k + 1]``, ``count`` ``(n_start, rows)`` alive per cohort;
    ``runs`` are the rows of each block of paths."""

    def __init__(self, cols: list[int], cohort: np.ndarray, mrr: np.ndarray, n_start: int):
        self.cols = np.array(cols)
        rows = len(cols)
        self.sizes = np.bincount(cohort, minlength=n_start)[:n_start]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)])
        self.slot_cohort = np.repeat(np.arange(n_start), self.sizes)
        order = np.argsort(cohort, kind="stable")
        row = np.asarray(mrr, dtype=LEDGER)[order]
        self.mrr = np.broadcast_to(row, (rows, len(row))).copy()
        self.alive = np.ones((rows, len(row)), dtype=bool)
        self.count = np.broadcast_to(self.sizes[:, None].astype(float), (n_start, rows)).copy()
        self.runs: list[tuple[int, slice]] = []


class Kernel:
    """The discrete state of one engine call: whole accounts in pooled cohorts (the
    engine's own account counts, kept whole) and each book's accounts one by one
    (:class:`_Book`, one per distinct book among the columns)."""

    def __init__(self, draw: Draw, p: Any, layout: Any, booked: np.ndarray):
        self.runs = draw.runs()
        self.rngs = {b: np.random.default_rng([draw.seed, _KEY, b, 1]) for b, _ in self.runs}
        self.n_start = layout.n_start
        self.booked = booked
        self.ledgered = np.array([led is not None for led in draw.ledgers], dtype=bool)
        self.books: list[_Book] = []
        by_id: dict[int, int] = {}
        by_content: dict[bytes, int] = {}
        members: list[list[int]] = []
        for i, led in enumerate(draw.ledgers):
            if led is None:
                continue
            at = by_id.get(id(led[0]))
            if at is None:  # paths of one plan hold the same books: one _Book each
                key = led[0].tobytes() + b"|" + np.asarray(led[1], dtype=float).tobytes()
                at = by_content.setdefault(key, len(members))
                by_id[id(led[0])] = at
                if at == len(members):
                    members.append([])
            members[at].append(i)
        for cols in members:
            cohort, mrr = draw.ledgers[cols[0]]
            book = _Book(cols, cohort, mrr, self.n_start)
            blocks = draw.blocks[book.cols]
            edges = np.flatnonzero(np.diff(blocks)) + 1
            starts = np.concatenate([[0], edges])
            ends = np.concatenate([edges, [len(cols)]])
            book.runs = [
                (int(blocks[a]), slice(int(a), int(b))) for a, b in zip(starts, ends, strict=True)
            ]
            self.books.append(book)
        self.start_u = draw._offsets()[1]

    def start(self, state: np.ndarray, p: Any) -> None:
        """Whole starting accounts in the pooled starting cohorts (columns without a
        book): ``start_accounts / n_start`` each, rounded systematically."""
        pooled = ~self.booked
        if not pooled.any():
            return
        k = self.n_start
        each = p.start_accounts / k
        cum = each[None, :] * np.arange(1, k + 1)[:, None]
        whole = np.floor(cum + self.start_u[None, :])
        counts = np.diff(whole, axis=0, prepend=np.floor(self.start_u)[None, :])
        with np.errstate(divide="ignore", invalid="ignore"):
            per = np.where(p.start_accounts > 0, p.start_mrr / p.start_accounts, 0.0)
        state[0, :k, pooled] = (counts * per[None, :])[:, pooled].T
        state[1, :k, pooled] = counts[:, pooled].T

    def step(
        self,
        c: np.ndarray,
        d: np.ndarray,
        es: np.ndarray,
        share: np.ndarray,
        op: np.ndarray,
        state: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """One month's due movements on whole accounts, per cohort ``(K, N)``: churn
        ``c``, contraction ``d`` (at most ``1 - c``), expected expansion ``es`` (rate x
        share) of accounts' ``share`` ``(N,)``, and the price factor ``op``. Updates
        ``state`` (the engine's MRR, accounts and the year's book) and returns what
        moved, ``(churn, contraction, expansion, price increase)`` ``(4, N)``, on the
        whole book and on the year's book."""
        share = np.broadcast_to(share, c.shape[1:])
        with np.errstate(divide="ignore", invalid="ignore"):
            e = np.where(share > 0, es / share, 0.0)
            keep = np.where(c < 1.0, 1.0 / (1.0 - c), 0.0)  # movements on those who stay
        n = np.rint(state[1]).astype(np.int64)
        n[: self.n_start, self.ledgered] = 0  # a book's accounts: drawn one by one
        lost = np.zeros_like(n)
        grown = np.zeros_like(n)
        s = np.broadcast_to(share, c.shape)
        for b, cols in self.runs:
            rng = self.rngs[b]
            drawn = n[:, cols] > 0
            if (drawn & (c[:, cols] > 0)).any():
                lost[:, cols] = rng.binomial(n[:, cols], np.clip(c[:, cols], 0.0, 1.0))
            if (drawn & (es[:, cols] > 0)).any():
                grown[:, cols] = rng.binomial(n[:, cols] - lost[:, cols], np.clip(s[:, cols], 0, 1))
        with np.errstate(divide="ignore", invalid="ignore"):
            whole = np.where(n > 0, 1.0 / n, 0.0)
        stay = np.where(n > 0, (n - lost) * whole, 1.0)  # accounts kept
        retained = stay.copy()  # MRR kept (the same share: a pooled cohort's are alike)
        frac = np.empty((4, *c.shape))
        frac[0] = lost * whole
        frac[1] = d * keep * retained
        frac[2] = e * keep * grown * whole
        rates = (c, d, e, s, keep)
        for book in self.books:
            self._book(book, rates, frac, stay, retained)
        after = retained - frac[1] + frac[2]  # not 1 - churn - ...: no digits cancel
        frac[3] = after * (op - 1.0)
        moved = tuple(np.einsum("fkn,kn->fn", frac, state[i]) for i in (0, 2))
        state[0] *= after + frac[3]
        state[2] *= after + frac[3]
        state[1] *= stay
        state[3] *= stay
        return moved

    def _book(self, book: _Book, rates: tuple, frac, stay, retained) -> None:
        """The accounts of ``book`` in the starting cohorts due this month, one by one:
        one uniform each decides churn (``u < c``) and, for one who stays, expansion
        (``u < c + share (1 - c)``). Each block of paths makes one draw a month, for its
        own due cohorts in cohort order, so its draws do not depend on the other paths
        of the call (the cohorts due elsewhere, or how they are grouped)."""
        c, _, e, _, _ = rates
        k_all, cols = self.n_start, book.cols
        due = (c[:k_all, cols] > 0) | (e[:k_all, cols] > 0)  # (n_start, rows)
        due[book.sizes == 0] = False
        wanted = due.any(axis=1)
        if not wanted.any():
            return
        edges = np.flatnonzero(np.diff(np.concatenate([[0], wanted.astype(int), [0]])))
        spans = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
        rows = len(cols)
        u = [
            np.ones((rows, int(book.offsets[b] - book.offsets[a])), dtype=np.float32)
            for a, b in spans
        ]  # u = 1 where a block has nothing due: neither churns nor grows
        for b, run in book.runs:
            mine = due[:, run].any(axis=1)  # this block's own due cohorts
            if not mine.any():
                continue
            rng = self.rngs[b]
            if len(spans) == 1 and np.array_equal(mine, wanted):  # the common case: in place
                rng.random(out=u[0][run], dtype=np.float32)  # the same draw as below
                continue
            draw = rng.random((run.stop - run.start, int(book.sizes[mine].sum())), np.float32)
            taken = 0
            for (k0, k1), part in zip(spans, u, strict=True):
                here = np.flatnonzero(mine[k0:k1]) + k0
                if not len(here):
                    continue
                at = (
                    np.concatenate([np.arange(book.offsets[k], book.offsets[k + 1]) for k in here])
                    - book.offsets[k0]
                )
                part[run, at] = draw[:, taken : taken + len(at)]
                taken += len(at)
        for (k0, k1), part in zip(spans, u, strict=True):
            self._cohorts(book, k0, k1, part, rates, frac, stay, retained)

    def _cohorts(self, book, k0, k1, u, rates, frac, stay, retained) -> None:
        """Due cohorts ``k0 .. k1 - 1`` of ``book`` (adjacent in its ledger), with their
        accounts' uniforms ``u`` ``(rows, accounts)``."""
        c, d, e, s, keep = (x[:, book.cols] for x in rates)
        lo, hi = int(book.offsets[k0]), int(book.offsets[k1])
        starts = book.offsets[k0:k1] - lo
        mrr, alive = book.mrr[:, lo:hi], book.alive[:, lo:hi]
        one = k1 - k0 == 1

        def slots(x: np.ndarray, dtype: Any = LEDGER) -> np.ndarray:  # (K, rows) -> (rows, w)
            x = x.astype(dtype)
            return x[k0][:, None] if one else x[book.slot_cohort[lo:hi]].T

        ends = starts + book.sizes[k0:k1]

        def per_cohort(x: np.ndarray) -> np.ndarray:  # (rows, w) -> (k1 - k0, rows), float64
            # cohort by cohort, the same sum whichever cohorts are due with it (a block's
            # figures must not depend on the other paths of the call); pairwise float32
            # sums are good to about 1e-7
            dtype = np.int32 if x.dtype == np.uint8 else x.dtype
            sums = [x[:, a:b].sum(axis=1, dtype=dtype) for a, b in zip(starts, ends, strict=True)]
            return np.stack(sums).astype(np.float64)

        ck = slots(c, np.float32)  # compared with the float32 uniforms
        kept_draw = u >= ck
        churned = np.greater(alive, kept_draw)  # alive and drawn to leave
        grows = u < ck + slots(s, np.float32) * (1 - ck)
        grows &= kept_draw  # a dead account's MRR is 0
        alive &= kept_draw
        ks = slice(k0, k1)
        gone = per_cohort(mrr * churned)
        kept_mrr = mrr * kept_draw
        kept = per_cohort(kept_mrr)  # not opening - gone: no digits cancel
        opening = kept + gone
        grown_mrr = mrr * grows
        grown = per_cohort(grown_mrr)
        left = per_cohort(churned.view(np.uint8))
        count = book.count[ks]
        with np.errstate(divide="ignore", invalid="ignore"):
            # divisions, not products with 1 / opening: a cohort with nothing drawn keeps
            # exactly 1 of its MRR, as when it is not due (its figures must not depend on
            # whether other paths of the call had it due)
            kept_share = np.where(opening > 0, kept / opening, 1.0)
            gone_share = np.where(opening > 0, gone / opening, 0.0)
            grown_share = np.where(opening > 0, grown / opening, 0.0)
            stayed = np.where(count > 0, 1.0 - left / count, 1.0)
        cut_all, lift_all = keep * d, keep * e
        cut, lift = cut_all[ks], lift_all[ks]
        cols = book.cols
        frac[0, ks][:, cols] = gone_share
        frac[1, ks][:, cols] = cut * kept_share
        frac[2, ks][:, cols] = lift * grown_share
        retained[ks][:, cols] = kept_share
        stay[ks][:, cols] = stayed
        book.count[ks] = count - left
        # stayers: x (1 - cut), growers + lift; leavers 0 (the dead are 0 already)
        np.multiply(kept_mrr, slots(1 - cut_all), out=mrr)
        grown_mrr *= slots(lift_all)
        mrr += grown_mrr
