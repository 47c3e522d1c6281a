"""``csmodel init``: write a commented starter scenario (never over a user's file)."""

from __future__ import annotations

from pathlib import Path

import typer

from csmodel.cli.common import DEFAULT_FILE, boundary, err, write_output


def starter_text() -> str:
    """The starter scenario shipped with csmodel."""
    from importlib.resources import files

    return files("csmodel").joinpath("data/starter.yaml").read_text(encoding="utf-8")


def register(app: typer.Typer) -> None:
    @app.command("init")
    @boundary
    def init_cmd(
        path: Path = typer.Argument(
            Path(DEFAULT_FILE), help=f"Where to write the scenario (default: {DEFAULT_FILE})."
        ),
        force: bool = typer.Option(False, "--force", help="Overwrite an existing file at PATH."),
    ) -> int:
        """Write a commented starter scenario with every key explained."""
        write_output(path, starter_text(), force=force)
        err(f"wrote {path}; next: csmodel project {path}")
        return 0
