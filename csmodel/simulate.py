"""Monte Carlo over a scenario's ranges (DOMAIN.md section 9): paths on the batched engine.

Each path draws every range once (it holds for the whole horizon): a uniform
quantile per range, shared by ranges that name the same ``driver`` (``-NAME``
takes ``1 - u``), turned into a value by the range's quantile function. All
quantiles are drawn up front from one ``numpy.random.Generator`` seeded with
``seed``, path by path in a fixed order, so a seed gives the same paths
whatever the chunk size. Paths are projected in chunks as a batch of
scenarios (one engine call per chunk, ``engine.run_batches``), and every metric
of DOMAIN 4.5 is read per path from the batch's columns
(``metrics.column_parts``), for the book and per segment. With no ranges every
path is the deterministic plan, so every percentile equals its value.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from csmodel.ids import METRICS

PERCENTILES = (5, 10, 50, 90, 95)
"""The percentiles reported, with the mean."""
CHUNK_PATHS = 500
"""Paths projected in one engine call."""


YEAR_KEYS = ("revenue", "ending_arr", "nrr", "grr", "logo_retention")
"""What a simulation keeps of each plan year, per path (as ``metrics.yearly``'s rows)."""


@dataclass(frozen=True)
class Simulation:
    """The drawn inputs and every metric of every path.

    ``inputs[path]`` is ``(paths,)`` per range's dotted path; ``metrics[id]`` is
    ``(paths,)`` (nan where undefined), ``segments[name][id]`` likewise.
    ``arr`` is the book's closing ARR of months 1 .. H per path, ``(paths, H)`` (the fan
    chart); ``years[y][key]`` is plan year ``y + 1``'s value of each of
    :data:`YEAR_KEYS` per path (nan where undefined, e.g. NRR of a partial year);
    ``observed[name]`` is what each of the caller's observers read off each path
    (``simulate(observe=...)``, e.g. the value a probabilistic check bounds).
    """

    paths: int
    seed: int
    inputs: dict[str, np.ndarray]
    metrics: dict[str, np.ndarray]
    segments: dict[str, dict[str, np.ndarray]]
    arr: np.ndarray | None = None
    years: tuple[dict[str, np.ndarray], ...] = ()
    observed: dict[str, np.ndarray] = field(default_factory=dict)
    discrete: bool = False

    @staticmethod
    def bands(values: np.ndarray) -> dict[str, float | None]:
        """Mean and percentiles of one metric over the paths (``None`` when undefined)."""
        if values.size == 0 or np.isnan(values).any():
            return {k: None for k in ("mean", *(f"p{p}" for p in PERCENTILES))}
        qs = np.percentile(values, PERCENTILES)
        out: dict[str, float | None] = {"mean": float(values.mean())}
        out.update({f"p{p}": float(q) for p, q in zip(PERCENTILES, qs, strict=True)})
        return out

    def arr_bands(self) -> dict[str, list[float]]:
        """P10, P50 and P90 of the book's closing ARR each month: the fan chart's lines
        (``{"p10": [...H], "p50": [...], "p90": [...]}``)."""
        if self.arr is None or self.arr.size == 0:
            return {}
        qs = np.percentile(self.arr, (10, 50, 90), axis=0)
        return {f"p{k}": [float(x) for x in q] for k, q in zip((10, 50, 90), qs, strict=True)}


def new_seed() -> int:
    """A fresh seed, printed so that a run can be repeated."""
    return int(np.random.SeedSequence().entropy % (2**31))


def draw_quantiles(ranges: list[tuple[tuple, Any]], paths: int, seed: int) -> np.ndarray:
    """``(paths, ranges)`` quantiles in (0, 1): one stream per driver, else per range.

    Each stream is seeded by ``seed`` and its key (the driver's name, else the range's
    dotted path), so a range draws the same values whatever other ranges the scenario
    holds: two variants, or two compared files, meet the same luck wherever they share
    an assumption (common random numbers), and a seed repeats a run exactly.
    """
    streams: dict[str, np.ndarray] = {}
    cols = []
    for path, r in ranges:
        key = f"driver:{r.driver}" if r.driver else "range:" + ".".join(map(str, path))
        if key not in streams:
            rng = np.random.default_rng([seed, zlib.crc32(key.encode("utf-8"))])
            streams[key] = rng.random(paths)
        q = streams[key]
        cols.append(1.0 - q if r.sign < 0 else q)
    return np.stack(cols, axis=-1) if cols else np.zeros((paths, 0))


@dataclass(frozen=True)
class Draws:
    """Every range of ``scenario`` drawn for ``paths`` paths: ``values`` ``(paths, ranges)``
    in the order of ``ranges`` (``ranges.ranges_of``)."""

    scenario_: Any
    ranges: list[tuple[tuple, Any]]
    values: np.ndarray

    @classmethod
    def of(cls, scenario: Any, paths: int, seed: int) -> Draws:
        from csmodel.ranges import ranges_of

        ranges = ranges_of(scenario)
        u = draw_quantiles(ranges, paths, seed)
        cols = [r.quantile(u[:, i]) for i, (_, r) in enumerate(ranges)]
        return cls(scenario, ranges, np.stack(cols, axis=-1) if cols else u)

    @property
    def inputs(self) -> dict[str, np.ndarray]:
        """Each range's drawn values ``(paths,)`` by its dotted path."""
        return {".".join(map(str, p)): self.values[:, i] for i, (p, _) in enumerate(self.ranges)}

    def scenario(self, path: int) -> Any:
        """The scenario of path ``path``: every range at its drawn value (validated)."""
        from csmodel.edit import edit

        sc = self.scenario_
        for i, (where, _) in enumerate(self.ranges):
            sc = edit(sc, where, float(self.values[path, i]))
        return sc


Observer = Callable[[Any, Any], "float | None"]
"""Reads one number off a path: ``(the path's scenario, its Projection) -> value``."""


def simulate(
    scenario: Any,
    paths: int,
    seed: int,
    chunk: int = CHUNK_PATHS,
    *,
    observe: dict[str, Observer] | None = None,
    progress: Callable[[int], None] | None = None,
    discrete: bool = False,
) -> Simulation:
    """Project ``paths`` draws of ``scenario``'s ranges (see the module docstring).

    ``observe`` names functions read off every path (``Simulation.observed``);
    ``progress(done)`` is called after each chunk with the paths projected so far.
    ``discrete`` also draws whole accounts on each path (``csmodel.discrete``; chunks
    are then whole blocks of its paths).
    """
    from csmodel.discrete import chunk_paths
    from csmodel.engine import owned_segments, project_owned_batch, run_batches

    draws = Draws.of(scenario, paths, seed)
    out = _Paths(list(scenario.segments), dict(observe or {}))
    split = bool(owned_segments(scenario))
    if discrete:
        chunk = chunk_paths(scenario, chunk)
    for at in range(0, paths, chunk):
        scs = [draws.scenario(p) for p in range(at, min(paths, at + chunk))]
        with np.errstate(all="ignore"):
            luck = (seed, list(range(at, at + len(scs)))) if discrete else None
            if split:  # owners or other terms: each path as `project` does it
                for sc, pr in zip(scs, project_owned_batch(scs, discrete=luck), strict=True):
                    out.take(pr, [slice(0, len(pr.segments))], [lambda pr=pr: pr], [sc])
            else:
                for b in run_batches(scs, discrete=luck):
                    members = [scs[i] for i in b.members]
                    views = [
                        (lambda k=k, sc=sc, b=b: b.projection(k, sc))
                        for k, sc in enumerate(members)
                    ]
                    out.take(b.columns, b.slices, views, members)
        if progress is not None:
            progress(min(paths, at + chunk))
    return Simulation(
        paths=paths,
        seed=seed,
        inputs=draws.inputs,
        metrics={m: np.array(v, dtype=float) for m, v in out.book.items()},
        segments={
            n: {m: np.array(v, dtype=float) for m, v in d.items()} for n, d in out.per.items()
        },
        arr=np.array(out.arr, dtype=float).reshape(paths, -1),
        years=tuple(
            {k: np.array([row[k] for row in rows], dtype=float) for k in YEAR_KEYS}
            for rows in zip(*out.years, strict=True)
        )
        if out.years
        else (),
        observed={k: np.array(v, dtype=float) for k, v in out.observed.items()},
        discrete=discrete,
    )


def _nan(x: float | None) -> float:
    return np.nan if x is None else x


class _Paths:
    """What :func:`simulate` keeps of each path, appended path by path."""

    def __init__(self, names: list[str], observe: dict[str, Observer]):
        self.names = names
        self.observe = observe
        self.book: dict[str, list[float]] = {m: [] for m in METRICS}
        self.per = {n: {m: [] for m in METRICS} for n in names}
        self.arr: list[np.ndarray] = []
        self.years: list[list[dict[str, float]]] = []
        self.observed: dict[str, list[float]] = {k: [] for k in observe}

    def take(self, pr: Any, slices: list[slice], views: list, scenarios: list) -> None:
        """Paths whose columns in ``pr`` are ``slices`` (one per path, its segments in
        order, the paths side by side from column 0); ``views[i]()`` is path i's own
        Projection, made only for observers."""
        from csmodel.metrics import (
            closing_mrr_rows,
            column_parts,
            combine,
            group_parts,
            yearly_groups,
        )

        groups = len(slices)
        width = slices[0].stop - slices[0].start
        if any(c != slice(i * width, (i + 1) * width) for i, c in enumerate(slices)):
            raise ValueError("a simulation's paths are side by side, from column 0")
        parts = column_parts(pr)
        has_year = pr.year_open_mrr.shape[0] >= 1
        for t in group_parts(parts, groups, width):
            for m, v in combine(t, has_year).items():
                if m in self.book:
                    self.book[m].append(_nan(v))
        for i, name in enumerate(self.names):
            for t in group_parts(parts, groups, width, first=i, count=1):
                for m, v in combine(t, has_year).items():
                    if m in self.per[name]:
                        self.per[name][m].append(_nan(v))
        closing = closing_mrr_rows(pr, 1, pr.horizon)[:, : groups * width]
        arr = 12.0 * closing.reshape(pr.horizon, groups, width).sum(axis=2)
        self.arr.extend(arr.T)
        for rows in yearly_groups(pr, groups, width):
            self.years.append([{k: _nan(row[k]) for k in YEAR_KEYS} for row in rows])
        if self.observe:
            for view, sc in zip(views, scenarios, strict=True):
                own = view()
                for k, fn in self.observe.items():
                    self.observed[k].append(_nan(fn(sc, own)))


@dataclass(frozen=True)
class SweepSimulation:
    """``headcount --simulate``: for each segment and staffing level of its sweep, over the
    paths, the share of paths whose coverage stays at 100% every month of the horizon and
    the P10, P50 and P90 of the segment's contribution (``rows[segment][csms]``: keys
    ``covered_share``, ``contribution_p10``, ``contribution_p50``, ``contribution_p90``)."""

    paths: int
    seed: int
    rows: dict[str, dict[int, dict[str, float]]]
    discrete: bool = False


def simulate_sweep(
    scenario: Any,
    paths: int,
    seed: int,
    *,
    levels: dict[str, list[int]],
    progress: Callable[[int], None] | None = None,
    discrete: bool = False,
) -> SweepSimulation:
    """Each segment of ``scenario`` alone, staffed at each of its ``levels``, on every
    path (the ranges drawn as :func:`simulate` draws them): prepared engine columns, a
    path's segment row copied with its CSMs replaced, projected in batched calls.
    ``discrete`` draws whole accounts (``csmodel.discrete``), each staffing level of a
    path on its own draws (its share and percentiles are estimated independently)."""
    from csmodel.capacity import BATCH_CHUNK, only_segment, read_outcomes
    from csmodel.discrete import BLOCK_PATHS, LEDGER_BUDGET, Draw
    from csmodel.engine import (
        ROW_CSMS,
        book_ledger,
        params_from_rows,
        project_columns,
        segment_row,
    )

    draws = Draws.of(scenario, paths, seed)
    h = scenario.horizon_months
    keys = [(name, n) for name, ns in levels.items() for n in ns]
    covered = {k: np.zeros(paths, dtype=bool) for k in keys}
    contribution = {k: np.zeros(paths) for k in keys}
    rows: list[tuple] = []
    owner: list[tuple[int, tuple[str, int]]] = []
    ledgers: list = []
    held = [0]  # bytes of book accounts the rows hold (5 a path and account)

    def flush() -> None:
        if not rows:
            return
        with np.errstate(all="ignore"):
            p = params_from_rows(rows)
            draw = None
            if discrete:
                draw = Draw.of(seed, [path for path, _ in owner], ledgers)
                p = draw.realize(p, h)
            pr = project_columns(scenario, p, discrete=draw)
            for (p, k), o in zip(owner, read_outcomes(pr, np.arange(len(rows)), h), strict=True):
                covered[k][p] = o.coverage >= 1.0 - 1e-9
                contribution[k][p] = o.gross_profit
        rows.clear()
        owner.clear()
        ledgers.clear()
        held[0] = 0

    for p in range(paths):
        sc = draws.scenario(p)
        for name, ns in levels.items():
            alone = only_segment(sc, name)
            base = list(segment_row(alone, alone.segments[name], name))
            ledger = book_ledger(alone, alone.segments[name], name) if discrete else None
            for n in ns:
                row = list(base)
                row[ROW_CSMS] = float(n)
                rows.append(tuple(row))
                owner.append((p, (name, n)))
                ledgers.append(ledger)
                held[0] += 0 if ledger is None else 5 * len(ledger[0])
        whole_block = not discrete or (p + 1) % BLOCK_PATHS == 0
        if (len(rows) >= BATCH_CHUNK or held[0] >= LEDGER_BUDGET) and whole_block:
            flush()
            if progress is not None:
                progress(p + 1)
    flush()
    out: dict[str, dict[int, dict[str, float]]] = {name: {} for name in levels}
    for name, n in keys:
        q10, q50, q90 = np.percentile(contribution[(name, n)], (10, 50, 90))
        out[name][n] = {
            "covered_share": float(covered[(name, n)].mean()),
            "contribution_p10": float(q10),
            "contribution_p50": float(q50),
            "contribution_p90": float(q90),
        }
    return SweepSimulation(paths, seed, out, discrete)
