"""``csmodel project``: revenue month by month, NRR/GRR, uplift, CLV, profit."""

from __future__ import annotations

from pathlib import Path

import typer

from csmodel.cli import montecarlo
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
    write_output,
)
from csmodel.cli.montecarlo import DISCRETE_OPTION, SEED_OPTION, SIMULATE_OPTION
from csmodel.errors import UsageError
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
        paths: int = SIMULATE_OPTION,
        seed: int = SEED_OPTION,
        discrete: bool = DISCRETE_OPTION,
        samples: Path = typer.Option(
            None,
            "--samples",
            help="With --simulate: also write one CSV row per path (the drawn inputs and "
            "every metric) to this file.",
        ),
    ) -> int:
        """Project revenue month by month: NRR, GRR, uplift, CLV, contribution, lifetime value."""
        from dataclasses import replace

        from csmodel.engine import project

        scenario = load(file, variant, sets)
        result = project(scenario)
        paths, seed, discrete = montecarlo.settings(scenario, paths, seed, discrete)
        if samples is not None and not paths:
            raise UsageError("--samples needs simulated paths: add --simulate N")
        if paths:
            result = replace(
                result, simulation=montecarlo.run(scenario, paths, seed, discrete=discrete)
            )
        if samples is not None:
            from csmodel.render.machine import samples_csv

            write_output(samples, samples_csv(result.simulation), force=force)
        emit(PROJECT.renderer(fmt.value)(result, by.value), output, force=force)
        return 0
