"""``csmodel headcount``: CSMs from meeting workload, what cutting them costs, a hiring plan."""

from __future__ import annotations

from pathlib import Path

import typer

from csmodel.cli import complete, montecarlo
from csmodel.cli.common import (
    FILE_ARGUMENT,
    FORCE_OPTION,
    OUTPUT_OPTION,
    SET_OPTION,
    VARIANT_OPTION,
    boundary,
    choices,
    emit,
    format_option,
    load,
)
from csmodel.cli.montecarlo import DISCRETE_OPTION, SEED_OPTION, SIMULATE_OPTION
from csmodel.errors import UsageError
from csmodel.render import HEADCOUNT

Format = choices("HeadcountFormat", HEADCOUNT)


MAX_CSMS = 1_000_000
"""Most CSMs one segment may be given with ``--csms`` (0 to 1,000,000, fractions allowed).
This should be the schema's maximum for a segment's ``csms``: share one constant."""


def parse_csms(items: list[str], segments: list[str]) -> dict[str, float]:
    """``["mid-market=3", ...]`` -> ``{"mid-market": 3.0}``, with clear errors.

    Each value must be a number of CSMs from 0 to :data:`MAX_CSMS`; an empty
    entry, a missing name or value, and a segment named twice are usage errors.
    """
    from csmodel.suggest import did_you_mean

    plan: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not item.strip():
            raise UsageError("--csms: empty entry; expected SEGMENT=N, e.g. --csms mid-market=3")
        if not sep or not name or not value.strip():
            raise UsageError(f"--csms expects SEGMENT=N (got {item!r})")
        if name not in segments:
            raise UsageError(
                f"--csms {item}: unknown segment `{name}`{did_you_mean(name, segments)}; "
                f"segments are: {', '.join(segments)}"
            )
        try:
            n = float(value)
        except ValueError:
            raise UsageError(f"--csms {item}: expected a number of CSMs (got {value!r})") from None
        if not n >= 0 or n == float("inf"):
            raise UsageError(
                f"--csms {item}: the number of CSMs must be 0 or more, at most "
                f"{MAX_CSMS:,} (got {value.strip()})"
            )
        if n > MAX_CSMS:
            raise UsageError(
                f"--csms {item}: too many CSMs: at most {MAX_CSMS:,} per segment "
                f"(got {value.strip()})"
            )
        if name in plan:
            raise UsageError(f"--csms {item}: segment `{name}` is given twice")
        plan[name] = n
    return plan


def register(app: typer.Typer) -> None:
    @app.command("headcount")
    @boundary
    def headcount_cmd(
        file: Path = FILE_ARGUMENT,
        csms: list[str] = typer.Option(
            None,
            "--csms",
            help=(
                "Evaluate a flat staffing: SEGMENT=N (repeatable), e.g. --csms mid-market=3; "
                "it replaces the file's csms, a scheduled staffing plan included."
            ),
            autocompletion=complete.segment_assignments,
        ),
        fmt: Format = format_option(HEADCOUNT, "table"),
        variant: str = VARIANT_OPTION,
        sets: list[str] = SET_OPTION,
        output: Path = OUTPUT_OPTION,
        force: bool = FORCE_OPTION,
        paths: int = SIMULATE_OPTION,
        seed: int = SEED_OPTION,
        discrete: bool = DISCRETE_OPTION,
    ) -> int:
        """CSMs needed from meeting workload, what cutting them costs, and a hiring plan.

        A staffing plan (a scheduled csms) is compared with the requirement month by month.
        """
        from csmodel.capacity import headcount

        scenario = load(file, variant, sets)
        plan = parse_csms(list(csms or []), list(scenario.segments))
        report = headcount(scenario, plan)
        paths, seed, discrete = montecarlo.settings(scenario, paths, seed, discrete)
        if paths:
            from dataclasses import replace

            from csmodel.simulate import simulate_sweep

            levels = {s.name: [r.csms for r in s.sweep] for s in report.segments if s.sweep}
            sim = montecarlo.run(
                report.scenario,
                paths,
                seed,
                simulate=simulate_sweep,
                levels=levels,
                discrete=discrete,
            )
            report = replace(report, simulation=sim)
        emit(HEADCOUNT.renderer(fmt.value)(report), output, force=force)
        return 0
