"""``csmodel compare`` and ``csmodel sensitivity``: scenarios side by side; what matters most."""

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
from csmodel.render import COMPARE, SENSITIVITY

CompareFormat = choices("CompareFormat", COMPARE)
SensitivityFormat = choices("SensitivityFormat", SENSITIVITY)


BY_CHOICES = ("segment",)
"""What ``compare --by`` accepts."""


def parse_by(by: str | None) -> bool:
    """``--by segment`` -> True; absent -> False; anything else is a usage error."""
    if by is None:
        return False
    if by.strip() not in BY_CHOICES:
        raise UsageError(f"--by: expected one of: {', '.join(BY_CHOICES)} (got {by!r})")
    return True


def accepts(fn: object, keyword: str) -> bool:
    """Does the renderer ``fn`` take the keyword argument ``keyword``?"""
    import inspect

    try:
        params = inspect.signature(fn).parameters  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return keyword in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def register(app: typer.Typer) -> None:
    @app.command("compare")
    @boundary
    def compare_cmd(
        files: list[Path] = typer.Argument(
            ..., help="Scenario YAML files.", autocompletion=complete.scenario_files
        ),
        variants: str = typer.Option(
            None,
            "--variants",
            help="Comma-separated variants to show, in order (`base` = the file's base "
            "scenario). Default: base and every variant of every file.",
            autocompletion=complete.variant_lists,
        ),
        metrics: str = typer.Option(
            None, "--metrics", help="Comma-separated metric ids (default: all)."
        ),
        by: str = typer.Option(
            None,
            "--by",
            help="`segment`: also show every metric for each segment (rows per segment).",
        ),
        sets: list[str] = SET_OPTION,
        fmt: CompareFormat = format_option(COMPARE, "table"),
        output: Path = OUTPUT_OPTION,
        force: bool = FORCE_OPTION,
        paths: int = SIMULATE_OPTION,
        seed: int = SEED_OPTION,
        discrete: bool = DISCRETE_OPTION,
    ) -> int:
        """Scenarios and variants side by side, each against the first column."""
        from csmodel.compare import columns, parse_metrics
        from csmodel.overrides import parse_set

        ids = parse_metrics(metrics)
        by_segment = parse_by(by)
        names = None
        if variants is not None:
            names = [v.strip() for v in variants.split(",") if v.strip()]
            if not names:
                raise UsageError(
                    f"--variants: no variant named (got {variants!r}); give names such as "
                    "`--variants base,monthly`, or leave the flag out for all"
                )
        render = COMPARE.renderer(fmt.value)
        if by_segment and not accepts(render, "by_segment"):
            raise UsageError(f"--by segment is not available with --format {fmt.value} yet")
        cols = columns(list(files), names, [parse_set(s) for s in sets or []])
        paths, seed, discrete = montecarlo.settings(
            cols[0].projection.scenario, paths, seed, discrete
        )
        if paths:
            from csmodel.compare import with_simulations

            cols = with_simulations(
                cols, lambda sc: montecarlo.run(sc, paths, seed, discrete=discrete)
            )
        if by_segment:
            emit(render(cols, ids, by_segment=True), output, force=force)
        else:
            emit(render(cols, ids), output, force=force)
        return 0

    @app.command("sensitivity")
    @boundary
    def sensitivity_cmd(
        file: Path = FILE_ARGUMENT,
        metric: str = typer.Option("contribution", "--metric", help="Metric id to rank by."),
        step: str = typer.Option(
            "1",
            "--step",
            help="Rate step in points a year (e.g. 2, 0.5 or 2%): movement rates move by this "
            "much annualised, converted to their own period; other rates by plain points.",
        ),
        top: int = typer.Option(
            None, "--top", help="Show only the N assumptions with the largest swings."
        ),
        variant: str = VARIANT_OPTION,
        sets: list[str] = SET_OPTION,
        fmt: SensitivityFormat = format_option(SENSITIVITY, "table"),
        output: Path = OUTPUT_OPTION,
        force: bool = FORCE_OPTION,
    ) -> int:
        """Which assumption matters most: each moved down and up, ranked by swing."""
        from csmodel.compare import parse_metrics
        from csmodel.sensitivity import parse_step, sensitivity

        ids = parse_metrics(metric, flag="--metric")
        if len(ids) != 1:
            raise UsageError(f"--metric takes one metric id (got {metric!r})")
        try:
            rate_step = parse_step(step)
        except ValueError as exc:
            raise UsageError(f"--step: {exc}") from None
        if top is not None and top < 1:
            raise UsageError(f"--top must be 1 or more (got {top})")
        result = sensitivity(load(file, variant, sets), ids[0], step=rate_step, top=top)
        emit(SENSITIVITY.renderer(fmt.value)(result), output, force=force)
        return 0
