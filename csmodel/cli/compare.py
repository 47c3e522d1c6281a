"""``csmodel compare`` and ``csmodel sensitivity``: scenarios side by side; what matters most."""

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
from csmodel.render import COMPARE, SENSITIVITY

CompareFormat = choices("CompareFormat", COMPARE)
SensitivityFormat = choices("SensitivityFormat", SENSITIVITY)


def register(app: typer.Typer) -> None:
    @app.command("compare")
    @boundary
    def compare_cmd(
        files: list[Path] = typer.Argument(..., help="Scenario YAML files."),
        variants: str = typer.Option(
            None,
            "--variants",
            help="Comma-separated variants to show, in order (`base` = the file's base "
            "scenario). Default: base and every variant of every file.",
        ),
        metrics: str = typer.Option(
            None, "--metrics", help="Comma-separated metric ids (default: all)."
        ),
        sets: list[str] = SET_OPTION,
        fmt: CompareFormat = format_option(COMPARE, "table"),
        output: Path = OUTPUT_OPTION,
        force: bool = FORCE_OPTION,
    ) -> int:
        """Scenarios and variants side by side, each against the first column."""
        from csmodel.compare import columns, parse_metrics
        from csmodel.overrides import parse_set

        ids = parse_metrics(metrics)
        names = [v.strip() for v in variants.split(",") if v.strip()] if variants else None
        cols = columns(list(files), names, [parse_set(s) for s in sets or []])
        emit(COMPARE.renderer(fmt.value)(cols, ids), output, force=force)
        return 0

    @app.command("sensitivity")
    @boundary
    def sensitivity_cmd(
        file: Path = FILE_ARGUMENT,
        metric: str = typer.Option("gross_profit", "--metric", help="Metric id to rank by."),
        variant: str = VARIANT_OPTION,
        sets: list[str] = SET_OPTION,
        fmt: SensitivityFormat = format_option(SENSITIVITY, "table"),
        output: Path = OUTPUT_OPTION,
        force: bool = FORCE_OPTION,
    ) -> int:
        """Which assumption matters most: each moved ±1 pt (rates) or ±10%, ranked by swing."""
        from csmodel.compare import parse_metrics
        from csmodel.sensitivity import sensitivity

        (metric_id,) = parse_metrics(metric, flag="--metric")
        result = sensitivity(load(file, variant, sets), metric_id)
        emit(SENSITIVITY.renderer(fmt.value)(result), output, force=force)
        return 0
