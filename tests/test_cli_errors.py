"""Failures of csmodel itself, interruptions, and files it writes (issue 6, items 2 and 3).

- an unexpected exception is one line naming it and "rerun with --debug for
  details", exit 3; ``--debug`` shows the traceback;
- Ctrl-C (KeyboardInterrupt) exits 130 with a short message and leaves no
  partial output file and no temporary file behind;
- every file csmodel writes (``--output``, ``init``) is written atomically and
  never replaces an existing file without ``--force``; a missing or unwritable
  output directory is one line ``csmodel: cannot write ...`` and exit 4 (not a
  crash, and not 2: the input was fine);
- ``csmodel init [PATH]`` writes the commented starter scenario, which loads
  and projects.

Internal errors are provoked by monkeypatching the core (``csmodel.engine.project``)
and the CLI is run in-process; one test runs a real subprocess to see the
traceback ``--debug`` prints.
"""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import SCENARIOS
from typer.testing import CliRunner

# Imported before any test patches `project`: these modules bind it at import time.
import csmodel.capacity
import csmodel.compare
import csmodel.engine
import csmodel.sensitivity
from csmodel.cli import app
from csmodel.cli.init import starter_text
from csmodel.loader import load_scenario

MIDMARKET = SCENARIOS / "midmarket.yaml"


def boom(*args, **kwargs):
    raise RuntimeError("the flux capacitor is empty")


def break_project(monkeypatch, replacement) -> None:
    """Make every command's call of the engine run ``replacement`` instead: every
    projection, single or batched, goes through the one month loop, ``engine.run``."""
    monkeypatch.setattr(csmodel.engine, "run", replacement)


def leftovers(directory: Path) -> list[str]:
    """Everything in ``directory`` (a partial output or a temporary file would show here)."""
    return sorted(p.name for p in directory.iterdir())


# --- internal errors ------------------------------------------------------------------------


def test_internal_error_is_one_line_and_exit_3(run_cli, monkeypatch):
    break_project(monkeypatch, boom)
    code, out, err = run_cli(["project", MIDMARKET])
    assert code == 3
    assert out == ""
    assert "Traceback" not in err
    (line,) = err.splitlines()
    assert line.startswith("csmodel: internal error: RuntimeError: the flux capacitor is empty")
    assert "rerun with --debug for details" in line


@pytest.mark.parametrize("command", [["headcount"], ["compare"], ["sensitivity"], ["check"]])
def test_internal_error_in_every_command(run_cli, monkeypatch, command):
    break_project(monkeypatch, boom)
    code, _, err = run_cli([*command, MIDMARKET])
    assert code == 3, err
    assert "Traceback" not in err
    (line,) = err.splitlines()
    assert "RuntimeError: the flux capacitor is empty" in line
    assert "rerun with --debug for details" in line


def test_internal_error_with_a_multiline_message_is_still_one_line(run_cli, monkeypatch):
    def multiline(*args, **kwargs):
        raise RuntimeError("3 validation errors\n  first\n  second")

    break_project(monkeypatch, multiline)
    code, _, err = run_cli(["project", MIDMARKET])
    assert code == 3
    (line,) = err.splitlines()
    assert "rerun with --debug for details" in line


def test_debug_lets_the_exception_through(monkeypatch):
    break_project(monkeypatch, boom)
    result = CliRunner().invoke(app, ["--debug", "project", str(MIDMARKET)])
    assert isinstance(result.exception, RuntimeError)
    assert str(result.exception) == "the flux capacitor is empty"
    assert result.exit_code != 0
    # --debug is per invocation: the next run without it is back to one line
    after = CliRunner().invoke(app, ["project", str(MIDMARKET)])
    assert after.exit_code == 3
    assert after.exception is None or isinstance(after.exception, SystemExit)


def test_debug_prints_the_traceback_in_a_real_process(tmp_path):
    script = textwrap.dedent(
        """
        import sys
        import csmodel.engine

        def boom(*args, **kwargs):
            raise RuntimeError("the flux capacitor is empty")

        csmodel.engine.project = boom
        from csmodel.cli import main

        sys.argv = ["csmodel", *sys.argv[1:]]
        main()
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "CSMODEL_DEBUG"}
    run = [sys.executable, "-c", script]
    plain = subprocess.run(
        [*run, "project", str(MIDMARKET)], capture_output=True, text=True, timeout=30, env=env
    )
    assert plain.returncode == 3
    assert "Traceback" not in plain.stderr
    assert "rerun with --debug for details" in plain.stderr

    debug = subprocess.run(
        [*run, "--debug", "project", str(MIDMARKET)],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )
    assert debug.returncode != 0
    assert "Traceback (most recent call last)" in debug.stderr
    assert "RuntimeError: the flux capacitor is empty" in debug.stderr
    assert "in boom" in debug.stderr


# --- Ctrl-C -----------------------------------------------------------------------------------


def interrupt(*args, **kwargs):
    raise KeyboardInterrupt


def test_interrupt_exits_130_with_a_short_message(run_cli, monkeypatch, tmp_path):
    break_project(monkeypatch, interrupt)
    target = tmp_path / "out" / "result.json"
    target.parent.mkdir()
    code, out, err = run_cli(["project", MIDMARKET, "-f", "json", "-o", target])
    assert code == 130
    assert out == ""
    assert err == "csmodel: interrupted\n"
    assert leftovers(target.parent) == []


class InterruptedFile:
    """A file whose ``write`` writes half of what it is given, then Ctrl-C."""

    def __init__(self, fh):
        self.fh = fh

    def write(self, text: str) -> int:
        self.fh.write(text[: len(text) // 2])
        self.fh.flush()
        raise KeyboardInterrupt

    def __getattr__(self, name):
        return getattr(self.fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()
        return False


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_interrupt_while_writing_leaves_no_partial_file(run_cli, monkeypatch, tmp_path, fmt):
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda *a, **k: InterruptedFile(real_fdopen(*a, **k)))
    target = tmp_path / "out" / "result.txt"
    target.parent.mkdir()
    code, _, err = run_cli(["project", MIDMARKET, "-f", fmt, "-o", target])
    assert code == 130
    assert err == "csmodel: interrupted\n"
    assert not target.exists()
    assert leftovers(target.parent) == []  # no .tmp file either


@pytest.mark.parametrize("force", [False, True])
def test_interrupt_before_the_rename_leaves_no_partial_file(run_cli, monkeypatch, tmp_path, force):
    # The temporary file is complete; Ctrl-C lands as it is moved into place.
    monkeypatch.setattr(os, "link", interrupt)
    monkeypatch.setattr(os, "replace", interrupt)
    target = tmp_path / "out" / "result.json"
    target.parent.mkdir()
    args = ["project", MIDMARKET, "-f", "json", "-o", target] + (["--force"] if force else [])
    code, _, err = run_cli(args)
    assert code == 130
    assert err == "csmodel: interrupted\n"
    assert leftovers(target.parent) == []


def test_interrupted_overwrite_keeps_the_old_file(run_cli, monkeypatch, tmp_path):
    target = tmp_path / "result.json"
    target.write_text("my work\n", encoding="utf-8")
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda *a, **k: InterruptedFile(real_fdopen(*a, **k)))
    code, _, _ = run_cli(["project", MIDMARKET, "-f", "json", "-o", target, "--force"])
    assert code == 130
    assert target.read_text(encoding="utf-8") == "my work\n"
    assert leftovers(tmp_path) == ["result.json"]


def test_interrupted_init_leaves_nothing(run_cli, monkeypatch, tmp_path):
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda *a, **k: InterruptedFile(real_fdopen(*a, **k)))
    code, _, err = run_cli(["init", tmp_path / "csmodel.yaml"])
    assert code == 130
    assert err == "csmodel: interrupted\n"
    assert leftovers(tmp_path) == []


# --- output files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["project", MIDMARKET, "-f", "json"],
        ["headcount", MIDMARKET],
        ["compare", MIDMARKET],
        ["sensitivity", MIDMARKET],
        ["schema"],
    ],
    ids=lambda c: c[0],
)
def test_output_into_a_missing_directory(run_cli, tmp_path, command):
    target = tmp_path / "missing" / "result.txt"
    code, out, err = run_cli([*command, "--output", target])
    assert code == 4
    assert out == ""
    assert err == f"csmodel: cannot write {target}: directory {target.parent} does not exist\n"
    assert leftovers(tmp_path) == []


def test_init_into_a_missing_directory(run_cli, tmp_path):
    target = tmp_path / "missing" / "csmodel.yaml"
    code, _, err = run_cli(["init", target])
    assert code == 4
    assert "does not exist" in err
    assert "Traceback" not in err
    assert leftovers(tmp_path) == []


def test_output_is_never_written_over_without_force(run_cli, tmp_path):
    target = tmp_path / "report.md"
    target.write_text("my notes\n", encoding="utf-8")
    code, out, err = run_cli(["headcount", MIDMARKET, "-o", target])
    assert code == 2
    assert out == ""
    assert err == f"csmodel: error: {target} already exists; use --force to overwrite it\n"
    assert target.read_text(encoding="utf-8") == "my notes\n"
    assert leftovers(tmp_path) == ["report.md"]


def deny_temporary_files(monkeypatch) -> None:
    """Make creating the temporary file beside the target fail as in a read-only directory."""
    real_open = os.open

    def deny(path, flags, *args, **kwargs):
        if str(path).endswith(".csmodel-tmp"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)


class FullDisk:
    def __init__(self, fh):
        self.fh = fh

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()
        return False


@pytest.mark.parametrize("failure", ["permission-denied", "disk-full"])
def test_output_the_system_refuses_is_a_clear_error(run_cli, monkeypatch, tmp_path, failure):
    if failure == "permission-denied":
        deny_temporary_files(monkeypatch)
    else:
        real_fdopen = os.fdopen
        monkeypatch.setattr(os, "fdopen", lambda *a, **k: FullDisk(real_fdopen(*a, **k)))
    target = tmp_path / "result.json"
    code, out, err = run_cli(["project", MIDMARKET, "-f", "json", "-o", target])
    assert code == 4, err
    assert out == ""
    (line,) = err.splitlines()
    reason = "permission denied" if failure == "permission-denied" else "no space left on device"
    assert line == f"csmodel: cannot write {target}: {reason}"
    assert leftovers(tmp_path) == []


def test_output_into_an_unwritable_directory(run_cli, tmp_path):
    directory = tmp_path / "ro"
    directory.mkdir()
    directory.chmod(0o500)
    try:
        if os.access(directory, os.W_OK):
            pytest.skip("running with privileges that write anywhere (root)")
        code, _, err = run_cli(["project", MIDMARKET, "-o", directory / "r.txt"])
    finally:
        directory.chmod(0o700)
    assert code == 4, err
    assert err == f"csmodel: cannot write {directory / 'r.txt'}: permission denied\n"


# --- csmodel init -----------------------------------------------------------------------------


def test_init_writes_the_starter(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["init"])
    assert code == 0, err
    assert out == ""
    assert err == "wrote csmodel.yaml; next: csmodel project csmodel.yaml\n"
    assert (tmp_path / "csmodel.yaml").read_text(encoding="utf-8") == starter_text()
    assert leftovers(tmp_path) == ["csmodel.yaml"]


def test_second_init_refuses_and_leaves_the_file_unchanged(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_cli(["init"])[0] == 0
    (tmp_path / "csmodel.yaml").write_text("name: my own work\n", encoding="utf-8")
    code, out, err = run_cli(["init"])
    assert code == 2
    assert out == ""
    assert err == "csmodel: error: csmodel.yaml already exists; use --force to overwrite it\n"
    assert (tmp_path / "csmodel.yaml").read_text(encoding="utf-8") == "name: my own work\n"
    assert leftovers(tmp_path) == ["csmodel.yaml"]


def test_init_force_overwrites(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "csmodel.yaml").write_text("name: my own work\n", encoding="utf-8")
    code, _, err = run_cli(["init", "--force"])
    assert code == 0, err
    assert (tmp_path / "csmodel.yaml").read_text(encoding="utf-8") == starter_text()
    assert leftovers(tmp_path) == ["csmodel.yaml"]


def test_init_elsewhere(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plans").mkdir()
    code, _, err = run_cli(["init", "plans/fy27.yaml"])
    assert code == 0, err
    assert "wrote plans/fy27.yaml" in err
    assert (tmp_path / "plans" / "fy27.yaml").read_text(encoding="utf-8") == starter_text()
    assert not (tmp_path / "csmodel.yaml").exists()
    assert leftovers(tmp_path / "plans") == ["fy27.yaml"]


def test_init_refuses_a_directory(run_cli, tmp_path):
    code, _, err = run_cli(["init", tmp_path])
    assert code == 4
    assert err == f"csmodel: cannot write {tmp_path}: it is a directory\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "command",
    [["project"], ["project", "-f", "json"], ["headcount"], ["compare"], ["validate"]],
    ids=" ".join,
)
def test_the_starter_loads_and_runs(run_cli, tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    assert run_cli(["init"])[0] == 0
    code, out, err = run_cli([*command, "csmodel.yaml"])
    assert code == 0, err
    assert out


def test_the_starter_is_the_multi_segment_example(tmp_path):
    path = tmp_path / "starter.yaml"
    path.write_text(starter_text(), encoding="utf-8")
    sc = load_scenario(path)
    assert len(sc.segments) >= 2
    assert sc.variants
    assert sc.checks
    assert any(seg.meetings for seg in sc.segments.values())
    assert any(seg.accounts_per_csm for seg in sc.segments.values())
    assert any(seg.csms is not None for seg in sc.segments.values())
    assert any(seg.new_logos.per_month for seg in sc.segments.values())


# Keys DOMAIN.md section 3 explains with a comment; the starter explains each of them too.
EXPLAINED = [
    "name",
    "horizon_months",
    "timing",
    "renewals",
    "currency",
    "discount_rate",
    "team",
    "hours_per_year",
    "productivity",
    "cost_per_csm",
    "ramp_months",
    "attrition",
    "cost_to_serve",
    "cac_per_logo",
    "understaffing",
    "churn_sensitivity",
    "expansion_sensitivity",
    "segments",
    "accounts",
    "acv",
    "csms",
    "churn",
    "contraction",
    "expansion",
    "price_increase",
    "new_logos",
    "meetings",
    "onboarding_hours",
    "accounts_per_csm",
    "variants",
    "checks",
]


def test_the_starter_carries_comments_explaining_its_keys():
    lines = starter_text().splitlines()
    assert lines[0].startswith("# ")
    header = " ".join(line for line in lines[:10] if line.startswith("#"))
    assert "percent" in header or "%" in header  # how rates are written
    unexplained = []
    for key in EXPLAINED:
        pattern = re.compile(rf"^\s*(?:{key}:|.*[{{,]\s*{key}:)")
        written = [line for line in lines if pattern.match(line)]
        assert written, f"`{key}` is not in the starter"
        if not any("#" in line for line in written):
            unexplained.append(key)
    assert unexplained == []


def test_the_starter_shows_every_key_of_the_schema():
    from csmodel import schema
    from csmodel.yamlsrc import parse_source

    written = {path[-1] for path in parse_source(starter_text(), "starter").marks.keys}
    models = [
        schema.Scenario,
        schema.Team,
        schema.Economics,
        schema.Understaffing,
        schema.Segment,
        schema.SharedMovement,
        schema.NewLogos,
        schema.Meeting,
        schema.Variant,
        schema.Check,
        schema.Lint,
    ]
    missing = sorted(
        f"{model.__name__}.{field}"
        for model in models
        for field in model.model_fields
        if field not in written
    )
    assert missing == []
