"""Monte Carlo benchmark (issue 13): ``--simulate`` against one deterministic run.

Every figure is a ratio of two things timed in the same run, moments apart:

- ``csmodel project scenarios/saas-company.yaml --simulate 1000 --seed 1 --format json``
  against ``csmodel project scenarios/saas-company.yaml --format json`` (whole commands,
  the median of several runs each; target at most 10x);
- the same for ``headcount --simulate 1000`` against ``headcount``, and ``check
  --simulate 1000`` on a plan with a probabilistic check against ``check`` (no target:
  reported so that a regression shows);
- the peak memory of one process simulating 20,000 paths of saas-company (target: under
  1 GB at any path count: paths are projected in chunks and only their metrics kept).

Run: ``.venv/bin/python benchmarks/simulate.py`` (``make bench`` runs it after run.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAAS = ROOT / "scenarios" / "saas-company.yaml"
CLI = [sys.executable, "-m", "csmodel"]

PROBABILISTIC = SAAS.read_text(encoding="utf-8") + (
    "  - {name: grr-floor-p80, metric: grr, min: 85%, probability: 80%}\n"
)


def _time(cmd: list[str], runs: int) -> float:
    return _time_ok(cmd, runs, allow=(0,))


def _pair(base: list[str], paths: int, runs: int) -> tuple[float, float]:
    _time(base, 1)  # warm the bytecode cache
    plain = _time(base, runs)
    simulated = _time([*base, "--simulate", str(paths), "--seed", "1"], runs)
    return plain, simulated


PEAK = """
import resource, sys
from csmodel.loader import load_scenario
from csmodel.simulate import simulate
sim = simulate(load_scenario(sys.argv[1]), int(sys.argv[2]), 1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_mb(paths: int, plan: Path = SAAS, code: str = PEAK) -> float:
    """Peak memory (MB) of a fresh process running ``code`` on ``plan`` and ``paths``."""
    out = subprocess.run(
        [sys.executable, "-c", code, str(plan), str(paths)],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip()) / 1024.0  # ru_maxrss is in KiB on Linux


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="timed runs per command (5)")
    ap.add_argument("--paths", type=int, default=1000, help="simulated paths (1000)")
    ap.add_argument("--peak-paths", type=int, default=20_000, help="paths for memory (20000)")
    args = ap.parse_args(argv)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    rows = []
    project = [*CLI, "project", str(SAAS), "--format", "json"]
    a, b = _pair(project, args.paths, args.runs)
    rows.append(("project", a, b, 10.0))
    headcount = [*CLI, "headcount", str(SAAS), "--format", "json"]
    a, b = _pair(headcount, args.paths, args.runs)
    rows.append(("headcount", a, b, None))
    with tempfile.TemporaryDirectory() as tmp:
        plan = Path(tmp) / "plan.yaml"
        plan.write_text(PROBABILISTIC, encoding="utf-8")
        check = [*CLI, "check", "--format", "json"]
        _time_ok([*check, str(SAAS)], 1, allow=(0, 1))  # warm
        plain = _time_ok([*check, str(SAAS)], args.runs, allow=(0, 1))
        simulated = _time_ok(
            [*check, str(plan), "--simulate", str(args.paths), "--seed", "1"],
            args.runs,
            allow=(0, 1),
        )
        rows.append(("check (+1 probabilistic)", plain, simulated, None))
    print(f"Monte Carlo, {args.paths:,} paths of {SAAS.relative_to(ROOT)} (median of {args.runs})")
    print(f"{'command':<24}{'plain':>10}{'simulated':>12}{'ratio':>9}  target")
    for name, plain, simulated, target in rows:
        ratio = simulated / plain
        goal = f"<= {target:g}x" if target else "-"
        print(f"{name:<24}{plain * 1000:>8.0f}ms{simulated * 1000:>10.0f}ms{ratio:>8.2f}x  {goal}")
    mb = peak_mb(args.peak_paths)
    print(f"peak memory, {args.peak_paths:,} paths in one process: {mb:,.0f} MB (target < 1 GB)")
    return 0


def _time_ok(cmd: list[str], runs: int, allow: tuple[int, ...]) -> float:
    """Median wall time of ``cmd`` whose exit code is one of ``allow``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
        if done.returncode not in allow:
            raise SystemExit(f"{' '.join(cmd)}: exit {done.returncode}")
    return statistics.median(times)


if __name__ == "__main__":
    sys.exit(main())
