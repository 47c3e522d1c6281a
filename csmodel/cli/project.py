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
    ) -> int:
        """Project revenue month by month: NRR, GRR, uplift, CLV, contribution, lifetime value."""
        from csmodel.engine import project

        result = project(load(file, variant, sets))
        emit(PROJECT.renderer(fmt.value)(result, by.value), output, force=force)
        return 0
