"""Benchmarks for csmodel: CLI start-up and engine throughput.

Run from the repository root (``make bench``)::

    .venv/bin/python benchmarks/run.py [--runs 15] [--json bench.json]

1. Start-up: median wall time of ``csmodel project scenarios/saas-company.yaml
   --format json`` against a baseline that only imports the dependencies
   (``python -c "import typer, rich, numpy, yaml, pydantic"``); target <= 1.5x.
   ``csmodel --help`` and ``--version`` are timed too.
2. Engine throughput: a synthetic scenario (1,000 segments x 120 months by
   default) projected by ``csmodel.engine.project`` against a plain-Python
   reference written here with the same semantics (DOMAIN.md section 4); the
   two are checked to agree before any ratio is reported; target >= 50x.

Everything is printed as a plain text table; ``--json PATH`` also writes the
figures. Only the standard library is needed at the top level: numpy and
csmodel are imported by the engine benchmark itself, so the start-up
subprocesses are unaffected by this process.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "scenarios/saas-company.yaml"
DEPS = "import typer, rich, numpy, yaml, pydantic"
STARTUP_TARGET = 1.5  # csmodel project / bare dependency import, at most
ENGINE_TARGET = 50.0  # numpy engine / plain-Python reference, at least
REL_TOL = 1e-9
LENGTHS = {"month": 1, "quarter": 3, "year": 12}


# --- machine -----------------------------------------------------------------


def machine() -> dict[str, Any]:
    import numpy as np

    import csmodel

    cpu = platform.processor() or platform.machine()
    model = _cpu_model()
    return {
        "platform": platform.platform(),
        "cpu": model or cpu,
        "cpu_count": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "executable": sys.executable,
        "numpy": np.__version__,
        "csmodel": csmodel.__version__,
    }


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


# --- 1. start-up ---------------------------------------------------------------


def csmodel_command() -> list[str]:
    """The ``csmodel`` console script next to this Python, else ``python -m csmodel``."""
    bindir = Path(sys.executable).parent
    for name in ("csmodel", "csmodel.exe"):
        script = bindir / name
        if script.is_file() and os.access(script, os.X_OK):
            return [str(script)]
    return [sys.executable, "-m", "csmodel"]


def _run_once(cmd: list[str], env: dict[str, str] | None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip()
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n{err}")
    return elapsed


def startup_env(pycache: str | None) -> dict[str, str] | None:
    """The environment of the timed commands.

    With ``pycache`` (a scratch directory), bytecode is cached there for every
    command alike (``PYTHONPYCACHEPREFIX``), even where the environment sets
    ``PYTHONDONTWRITEBYTECODE``: the warm-up runs fill it, so neither csmodel
    nor its dependencies are recompiled in a timed run (what a user sees from
    the second run on), and nothing is written into the repository or the venv.
    """
    if pycache is None:
        return None
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def bench_startup(runs: int, warmup: int, *, own_cache: bool = True) -> dict[str, Any]:
    if own_cache:
        with tempfile.TemporaryDirectory(prefix="csmodel-bench-pycache-") as tmp:
            return _bench_startup(runs, max(warmup, 1), startup_env(tmp), own_cache)
    return _bench_startup(runs, warmup, None, own_cache)


def _bench_startup(
    runs: int, warmup: int, env: dict[str, str] | None, own_cache: bool
) -> dict[str, Any]:
    cli = csmodel_command()
    commands = {
        "project": [*cli, "project", SCENARIO, "--format", "json"],
        "baseline": [sys.executable, "-c", DEPS],
        "help": [*cli, "--help"],
        "version": [*cli, "--version"],
    }
    for cmd in commands.values():
        for _ in range(warmup):
            _run_once(cmd, env)
    times: dict[str, list[float]] = {k: [] for k in commands}
    # Round-robin, so that drift in machine load affects every command alike.
    for _ in range(runs):
        for key, cmd in commands.items():
            times[key].append(_run_once(cmd, env))
    out: dict[str, Any] = {
        "command": cli,
        "runs": runs,
        "warmup": warmup,
        "bytecode_cache": "scratch PYTHONPYCACHEPREFIX" if own_cache else "inherited environment",
        "env_dont_write_bytecode": bool(os.environ.get("PYTHONDONTWRITEBYTECODE")),
        "results": {},
    }
    for key, cmd in commands.items():
        ts = times[key]
        out["results"][key] = {
            "argv": cmd,
            "median_s": statistics.median(ts),
            "min_s": min(ts),
            "max_s": max(ts),
        }
    res = out["results"]
    ratio = res["project"]["median_s"] / res["baseline"]["median_s"]
    out["ratio"] = ratio
    out["ratio_of_minimums"] = res["project"]["min_s"] / res["baseline"]["min_s"]
    out["target"] = STARTUP_TARGET
    out["met"] = ratio <= STARTUP_TARGET
    return out


# --- 2. engine: synthetic scenario -----------------------------------------------


def synthetic_data(
    n_segments: int,
    horizon: int,
    *,
    timing: str = "end",
    renewals: str = "spread",
    seed: int = 2024,
) -> dict[str, Any]:
    """A scenario as plain data: varied rates, periods, shares, logos and staffing.

    Segment i cycles through workload models: meetings + ``csms`` (often
    understaffed, so coverage < 1 raises churn and cuts expansion), meetings
    alone, ``accounts_per_csm`` + ``csms``, and no workload model.
    """
    rng = random.Random(seed)
    every = list(LENGTHS)

    def pct(lo: float, hi: float) -> str:
        return f"{rng.uniform(lo, hi):.3f}%"

    segments: dict[str, Any] = {}
    for i in range(n_segments):
        accounts = rng.randint(5, 2000)
        acv = rng.choice([3000, 6000, 12000, 36000, 90000, 150000])
        seg: dict[str, Any] = {
            "accounts": accounts,
            "acv": acv,
            "churn": {"rate": pct(0.0, 8.0), "every": rng.choice(every)},
            "contraction": {"rate": pct(0.0, 5.0), "every": rng.choice(every)},
            "expansion": {
                "rate": pct(0.0, 15.0),
                "every": rng.choice(every),
                "share": pct(10.0, 100.0),
            },
            "price_increase": {
                "rate": pct(0.0, 6.0),
                "every": rng.choice(every),
                "share": pct(50.0, 100.0),
            },
        }
        if i % 5 != 4:  # most segments sign new logos
            seg["new_logos"] = {
                "per_month": round(rng.uniform(0.1, 20.0), 3),
                "acv": round(acv * rng.uniform(0.8, 1.2), 2),
                "onboarding_rate": pct(70.0, 100.0),
            }
            seg["onboarding_hours"] = round(rng.uniform(0.0, 40.0), 2)
        kind = i % 4
        if kind in (0, 1):
            seg["meetings"] = {
                "check_in": {
                    "per_year": rng.choice([4, 12, 24]),
                    "hours": rng.choice([0.5, 1.0]),
                    "prep_hours": rng.choice([0.0, 0.5, 1.0]),
                },
                "ebr": {"per_year": rng.choice([1, 2, 4]), "hours": 2, "prep_hours": 3},
            }
        elif kind == 2:
            seg["accounts_per_csm"] = rng.choice([50, 150, 500])
        if kind in (0, 2):
            # Staff somewhere between badly under and comfortably over the need.
            hours = 40.0 if kind == 0 else 2080 * 0.7 / seg["accounts_per_csm"]
            need = accounts * hours / (2080 * 0.7)
            seg["csms"] = round(max(0.0, need * rng.uniform(0.3, 1.4)), 2)
        segments[f"seg-{i:04d}"] = seg
    return {
        "name": f"synthetic {n_segments} segments x {horizon} months",
        "horizon_months": horizon,
        "timing": timing,
        "renewals": renewals,
        "team": {"hours_per_year": 2080, "productivity": "70%", "cost_per_csm": 120000},
        "understaffing": {"churn_sensitivity": 1.5, "expansion_sensitivity": 0.8},
        "segments": segments,
    }


def subset(data: dict[str, Any], n: int) -> dict[str, Any]:
    """The same scenario with only its first ``n`` segments."""
    return {**data, "segments": dict(list(data["segments"].items())[:n])}


def build(data: dict[str, Any]) -> Any:
    """Validate through the public loader (YAML text -> Scenario, with cross-checks)."""
    import yaml

    from csmodel.loader import parse_scenario

    return parse_scenario(yaml.safe_dump(data, sort_keys=False), "<synthetic>")


from reference import reference_project  # noqa: E402  (benchmarks/ is on sys.path)


def engine_figures(pr: Any) -> dict[str, dict[str, Any]]:
    """The same per-segment figures, read off an engine :class:`Projection`."""
    h = pr.horizon
    revenue = pr.mrr[:h].sum(axis=0)
    sums = {k: getattr(pr, k)[:h].sum(axis=0) for k in ("expansion", "price_increase")}
    sums.update({k: getattr(pr, k)[:h].sum(axis=0) for k in ("contraction", "churn")})
    min_cov = pr.coverage[:h].min(axis=0)
    peak = pr.fte_required[:h].max(axis=0)
    years = (
        "year_open_mrr",
        "year_close_mrr",
        "year_open_accounts",
        "year_close_accounts",
    )
    out = {}
    for i, name in enumerate(pr.segments):
        out[name] = {
            "total_revenue": float(revenue[i]),
            "ending_mrr": float(pr.mrr[h, i]),
            "ending_accounts": float(pr.accounts[h, i]),
            **{k: float(v[i]) for k, v in sums.items()},
            "min_coverage": float(min_cov[i]),
            "peak_fte": float(peak[i]),
            **{k: [float(x) for x in getattr(pr, k)[:, i]] for k in years},
        }
    return out


def compare(engine: dict[str, dict[str, Any]], ref: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Largest relative difference per figure, and every figure off by more than 1e-9.

    Figures are compared relatively; an absolute slack (1e-9 of the segment's
    revenue / 1000) only matters for figures that are zero or nearly so.
    """
    worst: dict[str, float] = {}
    failures: list[str] = []
    for name, figs in ref.items():
        eng = engine[name]
        scale = max(1.0, abs(figs["total_revenue"]) / 1e3)
        for key, want in figs.items():
            got = eng[key]
            pairs = zip(got, want, strict=True) if isinstance(want, list) else [(got, want)]
            for g, w in pairs:
                rel = abs(g - w) / abs(w) if w else abs(g - w) / scale
                worst[key] = max(worst.get(key, 0.0), rel)
                if not math.isclose(g, w, rel_tol=REL_TOL, abs_tol=REL_TOL * scale):
                    failures.append(f"{name}.{key}: engine {g!r} vs reference {w!r}")
    return {"segments": len(ref), "max_rel_diff": worst, "failures": failures}


def _median_time(fn: Any, runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def bench_engine(
    n_segments: int, horizon: int, ref_segments: int, engine_runs: int, ref_runs: int
) -> dict[str, Any]:
    from csmodel.engine import project
    from csmodel.loader import load_scenario

    ref_segments = min(ref_segments, n_segments)
    data = synthetic_data(n_segments, horizon)
    t0 = time.perf_counter()
    scenario = build(data)
    load_s = time.perf_counter() - t0

    # Correctness first: every timing x renewals convention, on a small book.
    checks = []
    for timing in ("end", "start"):
        for renewals in ("spread", "aligned"):
            small = build(synthetic_data(40, 30, timing=timing, renewals=renewals, seed=7))
            res = compare(engine_figures(project(small)), reference_project(small))
            res["case"] = f"timing={timing}, renewals={renewals}, 40 segments x 30 months"
            checks.append(res)

    project(scenario)  # warm-up
    engine_s, projection = _median_time(lambda: project(scenario), engine_runs)

    sub = scenario if ref_segments == n_segments else build(subset(data, ref_segments))
    ref_s, ref = _median_time(lambda: reference_project(sub), ref_runs)
    main_check = compare(engine_figures(projection), ref)
    main_check["case"] = (
        f"timing=end, renewals=spread, {ref_segments} of the {n_segments} segments"
        f" x {horizon} months"
    )
    checks.append(main_check)
    agree = not any(c["failures"] for c in checks)

    engine_sub_s, _ = _median_time(lambda: project(sub), engine_runs)

    # For scale: the shipped demo scenario (a few segments), where numpy cannot shine.
    shipped = load_scenario(ROOT / SCENARIO)
    project(shipped)
    small_engine_s, small_pr = _median_time(lambda: project(shipped), max(engine_runs, 21))
    small_ref_s, small_ref = _median_time(lambda: reference_project(shipped), max(ref_runs, 21))
    shipped_check = compare(engine_figures(small_pr), small_ref)
    shipped_check["case"] = f"{SCENARIO}"
    checks.append(shipped_check)
    agree = agree and not shipped_check["failures"]
    scale = n_segments / ref_segments
    ref_full_s = ref_s * scale
    cov = projection.coverage[:horizon]
    n_coh = (12 if scenario.renewals == "spread" else 1) + (
        12 if any(seg.new_logos.per_month > 0 for seg in scenario.segments.values()) else 0
    )
    return {
        "segments": n_segments,
        "horizon_months": horizon,
        "cohorts_per_segment": n_coh,
        "cohort_months": n_segments * n_coh * (horizon + 1),
        "understaffed_segments": int((cov.min(axis=0) < 1.0).sum()),
        "load_s": load_s,
        "engine_runs": engine_runs,
        "engine_s": engine_s,
        "engine_subset_s": engine_sub_s,
        "reference_runs": ref_runs,
        "reference_segments": ref_segments,
        "reference_subset_s": ref_s,
        "reference_s": ref_full_s,
        "reference_scaled": ref_segments != n_segments,
        "agree": agree,
        "checks": checks,
        "ratio": ref_full_s / engine_s if agree else None,
        "ratio_same_subset": ref_s / engine_sub_s if agree else None,
        "target": ENGINE_TARGET,
        "met": agree and ref_full_s / engine_s >= ENGINE_TARGET,
        "shipped": {
            "segments": len(shipped.segments),
            "horizon_months": shipped.horizon_months,
            "engine_s": small_engine_s,
            "reference_s": small_ref_s,
        },
    }


# --- report --------------------------------------------------------------------


def bench_compare(n_variants: int, runs: int) -> dict[str, Any]:
    """A compare of the shipped multi-segment scenario with ``n_variants`` variants.

    The variants (price increases, churn, CSM counts) are appended to a copy of
    scenarios/saas-company.yaml in a temporary file; timed are the in-process
    ``csmodel.compare.columns`` (load once, apply every variant, project each
    column) and the whole ``csmodel compare FILE --format json`` command.
    """
    import tempfile

    from csmodel.compare import columns

    base = (ROOT / "scenarios" / "saas-company.yaml").read_text(encoding="utf-8")
    base = base[: base.index("\nvariants:")] if "\nvariants:" in base else base
    lines = ["", "variants:"]
    for i in range(n_variants):
        lines += [
            f"  v{i:02d}:",
            "    set:",
            f"      segments.mid-market.price_increase.rate: {1 + i % 7}%",
            f"      segments.smb.churn.rate: {1 + (i % 5) / 4:.2f}%",
            f"      segments.enterprise.csms: {2 + i % 3}",
        ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "compare-bench.yaml"
        path.write_text(base.rstrip() + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
        inproc, cols = _median_time(lambda: columns([path]), runs)
        cmd = [*csmodel_command(), "compare", str(path), "--format", "json"]
        _run_once(cmd, None)
        wall = statistics.median(_run_once(cmd, None) for _ in range(runs))
    return {"variants": n_variants, "columns": len(cols), "in_process_s": inproc, "command_s": wall}


def report_compare(cp: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"compare: scenarios/saas-company.yaml with {cp['variants']} variants "
            f"({cp['columns']} columns)",
            f"  in process (load once, resolve and project every column): {ms(cp['in_process_s'])}",
            f"  whole command, csmodel compare --format json:               {ms(cp['command_s'])}",
            "  target: well under a second",
        ]
    )


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for j, row in enumerate(rows):
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms"


def report_machine(info: dict[str, Any]) -> str:
    return "\n".join(f"{k + ':':<12}{v}" for k, v in info.items())


def report_startup(st: dict[str, Any]) -> str:
    res = st["results"]
    labels = {
        "project": f"(a) csmodel project {SCENARIO} --format json",
        "baseline": f'(b) python -c "{DEPS}"',
        "help": "(c) csmodel --help",
        "version": "(c) csmodel --version",
    }
    rows = [("start-up", "median", "min", "max")]
    for key, label in labels.items():
        r = res[key]
        rows.append((label, ms(r["median_s"]), ms(r["min_s"]), ms(r["max_s"])))
    verdict = "met" if st["met"] else "NOT met"
    return "\n".join(
        [
            table(rows),
            f"ratio (a)/(b), medians: {st['ratio']:.2f}x  (target <= {st['target']}x: {verdict}); "
            f"of minimums: {st['ratio_of_minimums']:.2f}x",
            f"{st['runs']} timed runs each after {st['warmup']} warm-up runs, round-robin; "
            f"csmodel = {' '.join(st['command'])}",
            f"bytecode: {st['bytecode_cache']}"
            + (
                " (PYTHONDONTWRITEBYTECODE is set here: without the scratch cache csmodel's own "
                "modules would be recompiled on every run)"
                if st["env_dont_write_bytecode"]
                else ""
            ),
        ]
    )


def report_engine(en: dict[str, Any]) -> str:
    n, h, k = en["segments"], en["horizon_months"], en["cohorts_per_segment"]
    nr = en["reference_segments"]
    rows = [("engine throughput", "median", "cohort-months/s")]
    cm = en["cohort_months"]
    rows.append(
        (f"csmodel.engine.project, {n} segments x {h} months", ms(en["engine_s"]), _rate(cm, en))
    )
    ref_label = f"plain-Python reference, {n} segments"
    if en["reference_scaled"]:
        ref_label += f" (timed on {nr}, scaled x{n / nr:g})"
    rows.append((ref_label, ms(en["reference_s"]), f"{cm / en['reference_s']:,.0f}"))
    if en["reference_scaled"]:
        sub_cm = cm * nr / n
        rows.append(
            (
                f"csmodel.engine.project, same {nr} segments",
                ms(en["engine_subset_s"]),
                f"{sub_cm / en['engine_subset_s']:,.0f}",
            )
        )
        rows.append(
            (
                f"plain-Python reference, {nr} segments (measured)",
                ms(en["reference_subset_s"]),
                f"{sub_cm / en['reference_subset_s']:,.0f}",
            )
        )
    lines = [
        table(rows),
        f"scenario: {n} segments x {h} months (+1 exit month), {k} cohorts per segment, "
        f"renewals: spread, timing: end; {en['understaffed_segments']} segments understaffed "
        f"(coverage < 1); loaded via csmodel.loader.parse_scenario in {ms(en['load_s'])}",
        f"medians of {en['engine_runs']} engine runs (after 1 warm-up) and "
        f"{en['reference_runs']} reference runs",
    ]
    for c in en["checks"]:
        worst = max(c["max_rel_diff"].values(), default=0.0)
        status = "agree" if not c["failures"] else f"DISAGREE ({len(c['failures'])} figures)"
        lines.append(f"check {c['case']}: {status}, max rel diff {worst:.1e}")
        lines.extend(f"    {f}" for f in c["failures"][:5])
    if not en["agree"]:
        lines.append("engine and reference disagree: no ratio reported (target NOT met)")
        return "\n".join(lines)
    verdict = "met" if en["met"] else "NOT met"
    scaled = " (reference scaled linearly from its subset)" if en["reference_scaled"] else ""
    lines.append(
        f"ratio reference/engine: {en['ratio']:.0f}x{scaled}  "
        f"(target >= {en['target']:g}x: {verdict})"
    )
    if en["reference_scaled"]:
        same = en["ratio_same_subset"]
        lines.append(f"ratio on the same {nr} segments, both measured: {same:.0f}x")
    small = en["shipped"]
    lines.append(
        f"for scale: {SCENARIO} ({small['segments']} segments x {small['horizon_months']} "
        f"months): engine {ms(small['engine_s'])}, reference {ms(small['reference_s'])} "
        f"({small['reference_s'] / small['engine_s']:.2f}x); below a few hundred segments the "
        "engine's cost is numpy's per-call overhead, paid once per month"
    )
    return "\n".join(lines)


def _rate(cohort_months: int, en: dict[str, Any]) -> str:
    return f"{cohort_months / en['engine_s']:,.0f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=15, help="timed start-up runs (default 15)")
    ap.add_argument("--warmup", type=int, default=2, help="warm-up runs per command (default 2)")
    ap.add_argument("--segments", type=int, default=1000, help="synthetic segments (1000)")
    ap.add_argument("--months", type=int, default=120, help="synthetic horizon (120)")
    ap.add_argument(
        "--ref-segments",
        type=int,
        default=100,
        help="segments the plain-Python reference is timed on, scaled linearly (100); "
        "pass --segments' value to time it on the whole book",
    )
    ap.add_argument("--engine-runs", type=int, default=7, help="timed engine runs (7)")
    ap.add_argument("--ref-runs", type=int, default=3, help="timed reference runs (3)")
    ap.add_argument(
        "--inherit-bytecode-env",
        action="store_true",
        help="time start-up with this environment's bytecode settings as they are, instead of "
        "a scratch PYTHONPYCACHEPREFIX filled by the warm-up runs",
    )
    ap.add_argument("--skip-startup", action="store_true", help="only the engine benchmark")
    ap.add_argument("--skip-engine", action="store_true", help="skip the engine benchmark")
    ap.add_argument("--skip-compare", action="store_true", help="skip the compare benchmark")
    ap.add_argument(
        "--skip-analyses",
        action="store_true",
        help="skip sensitivity/headcount/solve ratios, loading and the memory measure",
    )
    ap.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    args = ap.parse_args(argv)
    for name in ("runs", "segments", "months", "ref_segments", "engine_runs", "ref_runs"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.warmup < 0:
        ap.error("--warmup must be at least 0")

    figures: dict[str, Any] = {"machine": machine()}
    print(report_machine(figures["machine"]), flush=True)
    if not args.skip_startup:
        figures["startup"] = bench_startup(
            args.runs, args.warmup, own_cache=not args.inherit_bytecode_env
        )
        print("\n" + report_startup(figures["startup"]), flush=True)
    if not args.skip_engine:
        figures["engine"] = bench_engine(
            args.segments, args.months, args.ref_segments, args.engine_runs, args.ref_runs
        )
        print("\n" + report_engine(figures["engine"]), flush=True)
    if not args.skip_compare:
        figures["compare"] = bench_compare(20, max(3, min(args.runs, 7)))
        print("\n" + report_compare(figures["compare"]), flush=True)
    if not args.skip_analyses:
        import analyses  # benchmarks/ is on sys.path

        figures["analyses"] = analyses.bench_analyses()
        figures["solve"] = analyses.bench_solve()
        figures["memory"] = analyses.bench_memory()
        print(
            "\n" + analyses.report(figures["analyses"], figures["solve"], figures["memory"]),
            flush=True,
        )
        try:
            import load
        except ImportError:  # pragma: no cover
            load = None
        if load is not None:
            figures["load"] = load.bench_load()
            figures["check_startup"] = load.bench_check_startup()
            print(
                "\n"
                + json.dumps(
                    {"load": figures["load"], "check_startup": figures["check_startup"]}, indent=2
                )
            )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    # Targets are reported, not enforced: a missed target is not a failed run.
    return 0


if __name__ == "__main__":
    sys.exit(main())
