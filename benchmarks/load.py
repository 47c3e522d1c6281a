"""Benchmarks for loading scenarios: the YAML load and ``csmodel check`` start-up.

1. ``bench_load``: a generated scenario (1,000 segments by default) is loaded
   and validated by ``csmodel.loader.load_document`` (read, compose, convert
   with marks, schema, cross-checks, variants) and, in the same process, read
   by ``yaml.load(text, Loader=yaml.CSafeLoader)`` (libyaml, no checks, no
   marks); the two are timed alternately and the medians compared; target
   <= 1.5x.
2. ``bench_check_startup``: ``csmodel check`` on the shipped scenario files
   (``scenarios/*.yaml`` and ``scenarios/paper/``) against a bare import of
   the dependencies, both as subprocesses with this interpreter, alternately;
   target <= 1.5x.

Only the standard library is imported at the top level, so this module can be
imported by ``benchmarks/run.py`` without touching the start-up it measures.
Run alone: ``.venv/bin/python benchmarks/load.py``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOAD_TARGET = 1.5  # csmodel load + validate / CSafeLoader, at most
CHECK_TARGET = 1.5  # csmodel check on the shipped files / bare dependency import, at most
DEPS = "import typer, rich.table, numpy, yaml, pydantic"


def bench_load(n_segments: int = 1000, runs: int = 7) -> dict[str, Any]:
    """Median seconds of csmodel's full load and of CSafeLoader on one generated file."""
    import yaml

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run import synthetic_data

    from csmodel.loader import load_document

    text = yaml.safe_dump(synthetic_data(n_segments, 120), sort_keys=False)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"synthetic-{n_segments}.yaml"
        path.write_text(text, encoding="utf-8")
        doc = load_document(path)  # warm up (imports, schema build) and check it is valid
        assert len(doc.scenario.segments) == n_segments
        csmodel_s: list[float] = []
        csafe_s: list[float] = []
        for _ in range(runs):  # alternate, so a busy moment hits both
            start = time.perf_counter()
            load_document(path)
            csmodel_s.append(time.perf_counter() - start)
            start = time.perf_counter()
            yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
            csafe_s.append(time.perf_counter() - start)
    ours, theirs = statistics.median(csmodel_s), statistics.median(csafe_s)
    return {
        "n_segments": n_segments,
        "bytes": len(text.encode("utf-8")),
        "runs": runs,
        "csmodel_load_s": ours,
        "csafeloader_s": theirs,
        "ratio": ours / theirs,
        "target": LOAD_TARGET,
        "ok": ours / theirs <= LOAD_TARGET,
    }


def shipped_scenarios() -> list[str]:
    """The nine shipped scenario files, as ``csmodel check`` is given them in CI."""
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios").glob("*.yaml"))
    return [*files, "scenarios/paper/"]


def _scratch_env(pycache: str) -> dict[str, str]:
    """Bytecode cached in a scratch directory for both commands alike (as
    ``benchmarks/run.py``'s start-up bench): where the environment sets
    ``PYTHONDONTWRITEBYTECODE`` every csmodel module would otherwise be compiled
    again in each timed run, which no installed copy does."""
    import os

    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def bench_check_startup(runs: int = 15) -> dict[str, Any]:
    """Median wall time of ``csmodel check`` on the shipped files vs a bare import."""
    from importlib.metadata import version

    check = [sys.executable, "-m", "csmodel", "check", *shipped_scenarios()]
    bare = [sys.executable, "-c", DEPS]
    check_s: list[float] = []
    bare_s: list[float] = []
    with tempfile.TemporaryDirectory(prefix="csmodel-bench-pycache-") as tmp:
        env = _scratch_env(tmp)
        for cmd in (check, bare):  # warm the file cache and byte-code
            proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=False)
            if proc.returncode not in (0, 1):
                raise RuntimeError(
                    f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr[-500:]!r}"
                )
        for _ in range(runs):  # alternately, so drift in machine load hits both alike
            for cmd, times in ((check, check_s), (bare, bare_s)):
                start = time.perf_counter()
                subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=False)
                times.append(time.perf_counter() - start)
    ours, theirs = statistics.median(check_s), statistics.median(bare_s)
    return {
        "files": len(list((ROOT / "scenarios").glob("*.yaml")))
        + len(list((ROOT / "scenarios" / "paper").glob("*.yaml"))),
        "runs": runs,
        "typer": version("typer"),
        "check_s": ours,
        "bare_import_s": theirs,
        "ratio": ours / theirs,
        "target": CHECK_TARGET,
        "ok": ours / theirs <= CHECK_TARGET,
    }


if __name__ == "__main__":
    print(json.dumps({"load": bench_load(), "check_startup": bench_check_startup()}, indent=2))
