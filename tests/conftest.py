"""Shared test helpers: scenarios from YAML text, a CLI runner, hypothesis profiles.

- ``make_scenario(text)`` validates YAML text with ``csmodel.loader.parse_scenario``
  (the text is dedented, so tests can indent their YAML with the code).
- ``run_cli(args)`` invokes the typer app in-process and returns
  ``(exit_code, stdout, stderr)``; this typer's ``CliRunner`` keeps the two
  streams apart by itself (``result.stdout`` / ``result.stderr``).
- hypothesis profiles: ``default`` (30 examples) and ``thorough`` (500), chosen
  with the environment variable ``HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
PAPER = SCENARIOS / "paper"
TEST_SCENARIOS = Path(__file__).resolve().parent / "scenarios"

settings.register_profile("default", max_examples=30, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def scenario_from(text: str, file: str = "<string>"):
    """A validated :class:`csmodel.schema.Scenario` from (dedented) YAML text."""
    from csmodel.loader import parse_scenario

    return parse_scenario(textwrap.dedent(text), file)


def invoke_cli(
    args: Sequence[str], input: str | None = None, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Run ``csmodel ARGS`` in-process: ``(exit_code, stdout, stderr)``."""
    from typer.testing import CliRunner

    from csmodel.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args], input=input, env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def make_scenario() -> Callable[..., object]:
    return scenario_from


@pytest.fixture
def run_cli() -> Callable[..., tuple[int, str, str]]:
    return invoke_cli
