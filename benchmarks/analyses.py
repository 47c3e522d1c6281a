"""Whole-command ratios for the batched analyses and bounded memory (issues 10 and 20).

Every figure is a ratio of two commands timed in the same run, on the same
machine, moments apart (these machines are noisy): ``sensitivity``,
``headcount`` and ``solve`` against ``project`` on the same file; the peak
memory of ``project --format json --by month`` on a 1,000-segment, 600-month
plan. Only the standard library at module level: csmodel runs in subprocesses.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ANALYSIS_TARGET = 5.0  # sensitivity and headcount at most 5x project
SOLVE_TARGET = 3.0  # solve at most 3x project
MEMORY_TARGET_MB = 500.0


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "csmodel", *args]


def _time(cmd: list[str], runs: int) -> float:
    """Median wall time of ``cmd`` (after one warm-up run); its output is discarded."""
    times = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i:
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def write_synthetic(n_segments: int, horizon: int, folder: Path) -> Path:
    import yaml

    sys.path.insert(0, str(Path(__file__).parent))
    from run import synthetic_data

    path = folder / f"synthetic-{n_segments}x{horizon}.yaml"
    path.write_text(yaml.safe_dump(synthetic_data(n_segments, horizon), sort_keys=False))
    return path


def bench_analyses(sizes: tuple[int, ...] = (10, 100, 1000), runs: int = 3) -> dict[str, Any]:
    """sensitivity and headcount against project, whole commands, on generated files."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = str(write_synthetic(n, 36, Path(tmp)))
            k = 1 if n >= 1000 else runs
            base = _time(_cmd("project", path, "-f", "json"), k)
            row = {"segments": n, "project_s": base}
            for command in ("sensitivity", "headcount"):
                t = _time(_cmd(command, path, "-f", "json"), k)
                row[f"{command}_s"] = t
                row[f"{command}_ratio"] = t / base
            rows.append(row)
    return {"rows": rows, "target": ANALYSIS_TARGET}


def bench_solve(runs: int = 5) -> dict[str, Any]:
    """solve on the shipped multi-segment scenario against project of the same file."""
    path = str(ROOT / "scenarios" / "saas-company.yaml")
    base = _time(_cmd("project", path, "-f", "json"), runs)
    solve = _time(
        _cmd(
            "solve",
            path,
            "--target",
            "segments.smb.grr=85%",
            "--vary",
            "segments.smb.churn.rate",
            "-f",
            "json",
        ),
        runs,
    )
    return {"project_s": base, "solve_s": solve, "ratio": solve / base, "target": SOLVE_TARGET}


def bench_memory(n_segments: int = 1000, horizon: int = 600) -> dict[str, Any]:
    """Peak resident memory of project --format json --by month on a large plan."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_synthetic(n_segments, horizon, Path(tmp))
        out = Path(tmp) / "out.json"
        code = (
            "import resource, subprocess, sys;"
            "subprocess.run(sys.argv[1:], check=True);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        t0 = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                code,
                *_cmd("project", str(path), "-f", "json", "--by", "month", "-o", str(out)),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - t0
        size = out.stat().st_size
    peak_mb = int(done.stdout.strip().splitlines()[-1]) / 1024  # ru_maxrss is in KiB on Linux
    return {
        "segments": n_segments,
        "months": horizon,
        "peak_mb": peak_mb,
        "document_mb": size / 1e6,
        "wall_s": wall,
        "target_mb": MEMORY_TARGET_MB,
    }


def report(an: dict[str, Any] | None, so: dict[str, Any] | None, mem: dict[str, Any] | None) -> str:
    lines = []
    if an:
        lines.append("batched analyses, whole commands (--format json), generated 36-month files")
        for r in an["rows"]:
            lines.append(
                f"  {r['segments']:>5} segments: project {r['project_s'] * 1000:7.0f} ms, "
                f"sensitivity {r['sensitivity_ratio']:.2f}x, headcount {r['headcount_ratio']:.2f}x"
                f"  (target <= {an['target']:g}x)"
            )
    if so:
        lines.append(
            f"solve (saas-company, smb GRR = 85% by churn): {so['ratio']:.2f}x project "
            f"({so['solve_s'] * 1000:.0f} ms vs {so['project_s'] * 1000:.0f} ms; "
            f"target <= {so['target']:g}x)"
        )
    if mem:
        lines.append(
            f"memory: project --format json --by month, {mem['segments']:,} segments x "
            f"{mem['months']} months: peak {mem['peak_mb']:.0f} MB for a "
            f"{mem['document_mb']:.0f} MB document in {mem['wall_s']:.1f} s "
            f"(target < {mem['target_mb']:g} MB)"
        )
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - a quick look: python benchmarks/analyses.py
    os.environ.setdefault("PYTHONHASHSEED", "0")
    print(report(bench_analyses(), bench_solve(), bench_memory()))
