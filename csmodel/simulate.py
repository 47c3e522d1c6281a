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

from dataclasses import dataclass
from typing import Any

import numpy as np

from csmodel.ids import METRICS

PERCENTILES = (5, 10, 50, 90, 95)
"""The percentiles reported, with the mean."""
MAX_PATHS = 100_000
"""Most paths one run draws."""
CHUNK_PATHS = 500
"""Paths projected in one engine call."""


@dataclass(frozen=True)
class Simulation:
    """The drawn inputs and every metric of every path.

    ``inputs[path]`` is ``(paths,)`` per range's dotted path; ``metrics[id]`` is
    ``(paths,)`` (nan where undefined), ``segments[name][id]`` likewise.
    """

    paths: int
    seed: int
    inputs: dict[str, np.ndarray]
    metrics: dict[str, np.ndarray]
    segments: dict[str, dict[str, np.ndarray]]

    def bands(self, values: np.ndarray) -> dict[str, float | None]:
        """Mean and percentiles of one metric over the paths (``None`` when undefined)."""
        if values.size == 0 or np.isnan(values).any():
            return {k: None for k in ("mean", *(f"p{p}" for p in PERCENTILES))}
        qs = np.percentile(values, PERCENTILES)
        out: dict[str, float | None] = {"mean": float(values.mean())}
        out.update({f"p{p}": float(q) for p, q in zip(PERCENTILES, qs, strict=True)})
        return out


def new_seed() -> int:
    """A fresh seed, printed so that a run can be repeated."""
    return int(np.random.SeedSequence().entropy % (2**31))


def draw_quantiles(ranges: list[tuple[tuple, Any]], paths: int, seed: int) -> np.ndarray:
    """``(paths, ranges)`` quantiles in (0, 1): one per range, one per driver."""
    rng = np.random.default_rng(seed)
    keys: list[str] = []
    for i, (_, r) in enumerate(ranges):
        key = r.driver or f"#{i}"
        if key not in keys:
            keys.append(key)
    u = rng.random((paths, len(keys)))
    cols = []
    for i, (_, r) in enumerate(ranges):
        q = u[:, keys.index(r.driver or f"#{i}")]
        cols.append(1.0 - q if r.sign < 0 else q)
    return np.stack(cols, axis=-1) if cols else np.zeros((paths, 0))


def simulate(scenario: Any, paths: int, seed: int, chunk: int = CHUNK_PATHS) -> Simulation:
    """Project ``paths`` draws of ``scenario``'s ranges (see the module docstring)."""
    from csmodel.edit import edit
    from csmodel.engine import owned_segments, project_batch, run_batches
    from csmodel.metrics import column_parts
    from csmodel.ranges import ranges_of

    ranges = ranges_of(scenario)
    u = draw_quantiles(ranges, paths, seed)
    values = (
        np.stack([r.quantile(u[:, i]) for i, (_, r) in enumerate(ranges)], axis=-1)
        if (ranges)
        else u
    )
    names = list(scenario.segments)
    book: dict[str, list[float]] = {m: [] for m in METRICS}
    per: dict[str, dict[str, list[float]]] = {n: {m: [] for m in METRICS} for n in names}
    split = bool(owned_segments(scenario))
    for at in range(0, paths, chunk):
        scs = []
        for p in range(at, min(paths, at + chunk)):
            sc = scenario
            for i, (path, _) in enumerate(ranges):
                sc = edit(sc, path, float(values[p, i]))
            scs.append(sc)
        with np.errstate(all="ignore"):
            if split:  # owners or other terms: each path as `project` does it
                for pr in project_batch(scs):
                    parts = column_parts(pr)
                    _collect(book, per, parts, [slice(i, i + 1) for i in range(len(names))], pr)
                continue
            for b in run_batches(scs):
                parts = column_parts(b.columns)
                for cols in b.slices:
                    segs = [slice(cols.start + i, cols.start + i + 1) for i in range(len(names))]
                    _collect(book, per, parts, segs, b.columns, cols)
    inputs = {".".join(map(str, path)): values[:, i] for i, (path, _) in enumerate(ranges)}
    return Simulation(
        paths=paths,
        seed=seed,
        inputs=inputs,
        metrics={m: np.array(v, dtype=float) for m, v in book.items()},
        segments={n: {m: np.array(v, dtype=float) for m, v in d.items()} for n, d in per.items()},
    )


def _collect(book, per, parts, segs, pr, cols: Any = slice(None)) -> None:
    from csmodel.metrics import combine, sum_parts

    has_year = pr.year_open_mrr.shape[0] >= 1
    for m, v in combine(sum_parts(parts, cols), has_year).items():
        if m in book:
            book[m].append(np.nan if v is None else v)
    for name, sel in zip(per, segs, strict=True):
        for m, v in combine(sum_parts(parts, sel), has_year).items():
            if m in per[name]:
                per[name][m].append(np.nan if v is None else v)
