"""``csmodel check``, ``csmodel validate`` and ``csmodel schema``: scenario files in CI.

- ``check`` evaluates every declared check and built-in lint of every file
  (directories give their ``*.yaml``/``*.yml``) and renders the report in
  the chosen format (``text``, ``json``, ``junit``, ``github``; ``github`` by
  default when ``GITHUB_ACTIONS=true``). Exit 0 when nothing fails, 1 when a
  check fails (or anything warns, with ``--strict``), 2 when a file is
  unreadable or invalid; files that can be checked still are.
- ``validate`` checks files against the schema only (no projection): fast,
  for editors and pre-commit. ``ok: FILE`` on stdout per valid file.
- ``schema`` prints the JSON Schema (draft 2020-12) of scenario files.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from csmodel.cli import complete, montecarlo
from csmodel.cli.common import (
    FORCE_OPTION,
    OUTPUT_OPTION,
    SET_OPTION,
    boundary,
    choices,
    emit,
    out,
    report_problems,
    scenario_path,
)
from csmodel.cli.encoding import visible
from csmodel.cli.montecarlo import DISCRETE_OPTION, SEED_OPTION, SIMULATE_OPTION
from csmodel.render import CHECK

Format = choices("CheckFormat", CHECK)

FILES_ARGUMENT = typer.Argument(
    None,
    help="Scenario files or directories (every *.yaml / *.yml in them, recursively). "
    "Default: ./csmodel.yaml.",
    show_default=False,
    autocompletion=complete.scenario_files,
)


def default_format(given: str | None) -> str:
    """The ``--format`` asked for; else ``github`` inside GitHub Actions; else ``text``."""
    if given:
        return given
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def _paths(files: list[Path] | None) -> list[Path]:
    return list(files) if files else [scenario_path(None)]


def register(app: typer.Typer) -> None:
    @app.command("check")
    @boundary
    def check_cmd(
        files: list[Path] = FILES_ARGUMENT,
        fmt: Format = typer.Option(
            None,
            "--format",
            "-f",
            help="Output format (default: text; github when GITHUB_ACTIONS=true).",
            show_default=False,
        ),
        strict: bool = typer.Option(
            False, "--strict", help="Warnings (lints, warning checks) fail too: exit 1."
        ),
        sets: list[str] = SET_OPTION,
        disable: list[str] = typer.Option(
            None, "--disable", help="Switch off a lint by id for this run (repeatable)."
        ),
        output: Path = OUTPUT_OPTION,
        force: bool = FORCE_OPTION,
        paths: int = SIMULATE_OPTION,
        seed: int = SEED_OPTION,
        discrete: bool = DISCRETE_OPTION,
    ) -> int:
        """Evaluate the checks and assumption lints of scenario files, for CI.

        Exit 0 when nothing fails, 1 when a check fails (or anything warns,
        with --strict), 2 when a file is unreadable or invalid.
        """
        from csmodel.checks import MonteCarlo, check_paths
        from csmodel.errors import UsageError
        from csmodel.lints import check_disable_ids
        from csmodel.overrides import parse_set

        if any(not d.strip() for d in disable or []):
            raise UsageError("--disable needs a lint id (got an empty one)")
        check_disable_ids(disable or [])
        if discrete and paths == 0:
            raise UsageError(
                "--discrete draws whole accounts on simulated paths: not with --simulate 0"
            )
        overrides = [parse_set(s) for s in sets or []]
        report = check_paths(
            _paths(files),
            overrides,
            disable or [],
            strict=strict,
            montecarlo=MonteCarlo(paths, seed, montecarlo.seed_once(), discrete),
        )
        name = default_format(fmt.value if fmt else None)
        emit(CHECK.renderer(name)(report), output, force=force)
        report_problems(report.problems)
        return report.exit_code

    @app.command("validate")
    @boundary
    def validate_cmd(files: list[Path] = FILES_ARGUMENT) -> int:
        """Check scenario files against the schema only (no projection): fast, for editors.

        Prints `ok: FILE` per valid file; errors go to stderr. Exit 0 when
        every file is valid, 2 otherwise.
        """
        from csmodel.checks import validate_paths

        valid, problems = validate_paths(_paths(files))
        out("".join(f"ok: {visible(str(file))}\n" for file in valid))
        report_problems(problems)
        return 2 if problems else 0

    @app.command("schema")
    @boundary
    def schema_cmd(output: Path = OUTPUT_OPTION, force: bool = FORCE_OPTION) -> int:
        """Print the JSON Schema (draft 2020-12) of scenario files, for editors."""
        from csmodel.jsonschema import dump_schema

        emit(dump_schema(), output, force=force)
        return 0
