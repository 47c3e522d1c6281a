"""Discrete Monte Carlo benchmark (issue 13): whole accounts against the floor.

An account-level book of 10,000 accounts (one segment, yearly renewals spread
over the year, lognormal ARR; churn, expansion with a share below 100% and a
price increase) is simulated for 60 months on 1,000 discrete paths
(``csmodel.simulate.simulate(..., discrete=True)``: the engine's projection of
every path and every metric read off it), and compared, in the same process and
alternately, with **the floor**: the least any account-level simulation must
do, one float32 pass over (paths x accounts) per month plus one uniform draw per
account renewal (``x *= f`` in place, ``rng.random`` for the accounts renewing
that month). Target: at most 3x, the medians of ``--runs`` runs each.

Peak memory is measured in fresh processes at two path counts (target: under
1 GB at any path count: paths are projected in chunks of
``csmodel.simulate.CHUNK_PATHS``, so the peak does not grow with the paths).

Run: ``.venv/bin/python benchmarks/discrete.py`` (``make bench`` runs it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET = 3.0
MONTHS = 60

PLAN = """
name: Discrete benchmark
start: 2027-01
horizon_months: {months}
book:
  file: accounts.csv
  columns: {{id: id, segment: segment, arr: arr, renewal_date: renewal_date}}
segments:
  book:
    churn:          {{rate: 10%, every: year}}
    contraction:    {{rate: 2%, every: year}}
    expansion:      {{rate: 8%, every: year, share: 40%}}
    price_increase: {{rate: 3%, every: year}}
"""


def write_book(folder: Path, accounts: int, seed: int = 1) -> Path:
    """A book of ``accounts`` accounts and its plan in ``folder``; returns the plan."""
    import numpy as np

    rng = np.random.default_rng(seed)
    arr = np.round(rng.lognormal(10, 1, accounts), 2)
    months = rng.integers(1, 13, accounts)
    days = rng.integers(1, 29, accounts)
    lines = ["id,segment,arr,renewal_date"]
    lines += [
        f"A{i},book,{a:.2f},2027-{m:02d}-{d:02d}"
        for i, (a, m, d) in enumerate(zip(arr, months, days, strict=True))
    ]
    (folder / "accounts.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = folder / "plan.yaml"
    plan.write_text(PLAN.format(months=MONTHS), encoding="utf-8")
    return plan


def floor(paths: int, renewing: list[int], accounts: int) -> None:
    """One float32 pass over (paths x accounts) per month, one uniform per renewal."""
    import numpy as np

    rng = np.random.default_rng(0)
    mrr = np.ones((paths, accounts), dtype=np.float32)
    step = np.float32(1.0001)
    for m in range(MONTHS):
        mrr *= step
        rng.random((paths, renewing[m % 12]), dtype=np.float32)


PEAK = """
import resource, sys
from csmodel.loader import load_scenario
from csmodel.simulate import simulate
simulate(load_scenario(sys.argv[1]), int(sys.argv[2]), 1, discrete=True)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--accounts", type=int, default=10_000, help="accounts (10000)")
    ap.add_argument("--paths", type=int, default=1000, help="discrete paths (1000)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each (5)")
    ap.add_argument("--peak-paths", type=int, nargs=2, default=(1000, 5000))
    args = ap.parse_args(argv)

    from simulate import peak_mb  # benchmarks/simulate.py: the script's own folder

    from csmodel.book import book_of
    from csmodel.loader import load_scenario
    from csmodel.simulate import simulate

    with tempfile.TemporaryDirectory() as tmp:
        plan = write_book(Path(tmp), args.accounts)
        scenario = load_scenario(plan)
        months = book_of(scenario).renewal_month
        renewing = [int((months == m + 1).sum()) for m in range(12)]
        simulate(scenario, 50, 1, discrete=True)  # warm: imports, caches
        floors, runs = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            floor(args.paths, renewing, args.accounts)
            floors.append(time.perf_counter() - start)
            start = time.perf_counter()
            simulate(scenario, args.paths, 1, discrete=True)
            runs.append(time.perf_counter() - start)
        f, s = statistics.median(floors), statistics.median(runs)
        print(
            f"Discrete Monte Carlo: {args.accounts:,} accounts x {MONTHS} months x "
            f"{args.paths:,} paths (median of {args.runs})"
        )
        print(f"{'floor':<34}{f * 1000:>8.0f}ms")
        print(f"{'simulate(discrete=True)':<34}{s * 1000:>8.0f}ms{s / f:>8.2f}x  <= {TARGET:g}x")
        for paths in args.peak_paths:
            mb = peak_mb(paths, plan, PEAK)
            print(f"peak memory, {paths:,} paths in one process: {mb:,.0f} MB (target < 1 GB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
