"""``csmodel project``: revenue month by month, NRR/GRR, uplift, CLV, profit."""

from __future__ import annotations

from pathlib import Path

import typer

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
from csmodel.render import PROJECT

By = choices("By", ("month", "quarter", "year"))
Format = choices("ProjectFormat", PROJECT)


def register(app: typer.Typer) -> None:
    @app.command("project")
    @boundary
    def project_cmd(
        file: Path = FILE_ARGUMENT,
        by: By = typer.Option("year", "--by", help="Period of the table."),
        fmt: Format = format_option(PROJECT, "table"),
        variant: str = VARIANT_OPTION,
        sets: list[str] = SET_OPTION,
        output: Path = OUTPUT_OPTION,
        force: bool = FORCE_OPTION,
        paths: int = typer.Option(
            0,
            "--simulate",
            min=0,
            max=100_000,
            help="Monte Carlo: draw every range this many times (DOMAIN 9) and add percentiles.",
        ),
        seed: int = typer.Option(
            None, "--seed", min=0, help="Seed of --simulate (drawn and printed when left out)."
        ),
    ) -> int:
        """Project revenue month by month: NRR, GRR, uplift, CLV, contribution, lifetime value."""
        from dataclasses import replace

        from csmodel.engine import project

        scenario = load(file, variant, sets)
        result = project(scenario)
        if paths:
            import sys

            from csmodel.simulate import new_seed, simulate

            if seed is None:
                seed = new_seed()
                print(
                    f"csmodel: --simulate seed {seed} (repeat with --seed {seed})", file=sys.stderr
                )
            result = replace(result, simulation=simulate(scenario, paths, seed))
        emit(PROJECT.renderer(fmt.value)(result, by.value), output, force=force)
        return 0
