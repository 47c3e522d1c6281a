"""``csmodel solve``: goal seek, the value of one assumption that makes a metric hit a target."""

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
    err,
    format_option,
    scenario_path,
)
from csmodel.render import SOLVE

Format = choices("SolveFormat", SOLVE)


def register(app: typer.Typer) -> None:
    @app.command("solve")
    @boundary
    def solve_cmd(
        file: Path = FILE_ARGUMENT,
        target: str = typer.Option(
            ...,
            "--target",
            help="METRIC=VALUE (solve continuously), or METRIC>=VALUE / METRIC<=VALUE for a "
            "whole-number assumption; METRIC may be segments.NAME.METRIC.",
        ),
        vary: str = typer.Option(
            ...,
            "--vary",
            help="Dotted path of the assumption to vary, e.g. segments.smb.expansion.rate.",
        ),
        range_: str = typer.Option(
            None,
            "--range",
            help="LOW..HIGH to search (default: 0..100% for rates, else 0 to "
            "10x the current value; whole numbers 0 to max(10, 4x)).",
        ),
        variant: str = VARIANT_OPTION,
        sets: list[str] = SET_OPTION,
        fmt: Format = format_option(SOLVE, "table"),
        output: Path = OUTPUT_OPTION,
        force: bool = FORCE_OPTION,
    ) -> int:
        """Goal seek: the value of one assumption that makes a metric hit a target."""
        from csmodel.loader import load_document
        from csmodel.overrides import parse_set, variant_overrides
        from csmodel.solve import Unreachable, parse_range, parse_target, solve

        doc = load_document(scenario_path(file))
        fixed = (variant_overrides(doc, variant) if variant else []) + [
            parse_set(s) for s in sets or []
        ]
        goal = parse_target(target, list(doc.scenario.segments))
        bounds = parse_range(range_) if range_ is not None else None
        try:
            sol = solve(doc, fixed, vary.strip(), goal, bounds)
        except Unreachable as exc:
            err(f"csmodel: unreachable: {exc}")
            if fmt.value == "json":
                emit(SOLVE.renderer("json")(exc.solution), output, force=force)
            return 1
        emit(SOLVE.renderer(fmt.value)(sol), output, force=force)
        return 0
