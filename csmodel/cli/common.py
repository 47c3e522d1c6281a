"""What every command shares: the error boundary, output writing, file lookup.

The boundary is the one place that maps exceptions to exit codes and prints
diagnostics (always on stderr, so stdout carries only the result).
"""

from __future__ import annotations

import enum
import functools
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from csmodel.errors import CsmodelError, ScenarioError

DEFAULT_FILE = "csmodel.yaml"

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


@dataclass
class _State:
    debug: bool = bool(os.environ.get("CSMODEL_DEBUG"))


STATE = _State()


def err(line: str) -> None:
    sys.stderr.write(line.rstrip("\n") + "\n")
    sys.stderr.flush()


MAX_PROBLEMS = 50
"""Most problems printed for one input; the rest are counted."""


def report_problems(problems: list, omitted: int = 0) -> None:
    """Print located problems on stderr, at most MAX_PROBLEMS of them."""
    for problem in problems[:MAX_PROBLEMS]:
        err(problem.format())
    more = max(0, len(problems) - MAX_PROBLEMS) + omitted
    if more:
        err(f"csmodel: {more:,} more problems not shown; fix these first")


def boundary(fn: Callable[..., int | None]) -> Callable[..., None]:
    """Run a command body, turning its return value and exceptions into exit codes."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            code = fn(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except ScenarioError as exc:
            report_problems(exc.problems, exc.omitted)
            raise typer.Exit(EXIT_INPUT) from None
        except CsmodelError as exc:
            err(f"csmodel: error: {exc}")
            raise typer.Exit(EXIT_INPUT) from None
        except KeyboardInterrupt:
            err("csmodel: interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Exception as exc:
            if STATE.debug:
                raise
            lines = str(exc).strip().splitlines() or [""]
            what = lines[0] + (" …" if len(lines) > 1 else "")
            err(
                f"csmodel: internal error: {type(exc).__name__}: {what} "
                "(this is a bug in csmodel; rerun with --debug for details)"
            )
            raise typer.Exit(EXIT_INTERNAL) from None
        raise typer.Exit(code or EXIT_OK)

    return wrapper


def scenario_path(file: Path | None) -> Path:
    """The scenario to use: ``file``, else ``./csmodel.yaml``, else a usage error."""
    from csmodel.errors import UsageError

    if file is not None:
        return file
    if Path(DEFAULT_FILE).exists():
        return Path(DEFAULT_FILE)
    raise UsageError(
        f"no scenario file given and no {DEFAULT_FILE} in this directory; "
        "name a file (e.g. `csmodel project scenarios/saas-company.yaml`) "
        "or run `csmodel init` to write a starter scenario"
    )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_output(path: Path, text: str, *, force: bool) -> None:
    """Write ``text`` to ``path`` atomically; never replace a file without ``force``."""
    from csmodel.errors import OutputError

    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: directory {parent} does not exist")
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a directory")
    if path.exists() and not force:
        raise OutputError(f"{path} already exists; use --force to overwrite it")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
        # mkstemp makes the file owner-only; give it the mode a plain open() would
        # (or keep the mode of the file it replaces).
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if the path appeared meanwhile: never clobber
            except FileExistsError:
                raise OutputError(f"{path} already exists; use --force to overwrite it") from None
            except OSError:
                os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)


def _pipe_width() -> int:
    """Width of tables written to a pipe or file: $COLUMNS, else 160 (wide tables stay whole)."""
    try:
        return max(60, int(os.environ.get("COLUMNS", "")))
    except ValueError:
        return 160


def emit(rendered: Any, output: Path | None, *, force: bool) -> None:
    """Send a renderer's result (text or rich renderable) to stdout or ``output``."""
    if isinstance(rendered, str):
        if output is None:
            sys.stdout.write(rendered)
            sys.stdout.flush()
        else:
            write_output(output, rendered, force=force)
        return
    from rich.console import Console

    from csmodel.render.fmt import fit_tables

    fit_tables(rendered)
    if output is None:
        Console(width=None if sys.stdout.isatty() else _pipe_width()).print(rendered)
        return
    import io

    buf = io.StringIO()
    Console(file=buf, width=_pipe_width(), color_system=None, force_terminal=False).print(rendered)
    write_output(output, buf.getvalue(), force=force)


def choices(name: str, values: Any) -> type[enum.Enum]:
    """An enum of string choices (how typer spells a closed set of values)."""
    return enum.Enum(name, {v: v for v in values}, type=str)


def format_option(registry: dict, default: str) -> Any:
    """A ``--format`` option whose choices are the registry's keys."""
    return typer.Option(default, "--format", "-f", help="Output format.")


FILE_ARGUMENT = typer.Argument(
    None,
    help=f"Scenario YAML file (default: ./{DEFAULT_FILE}; '-' reads stdin).",
    show_default=False,
)
OUTPUT_OPTION = typer.Option(
    None,
    "--output",
    "-o",
    help="Write to this file instead of stdout (atomically).",
    dir_okay=False,
)
FORCE_OPTION = typer.Option(False, "--force", help="Overwrite an existing --output file.")


VARIANT_OPTION = typer.Option(
    None, "--variant", help="Use this variant of the scenario (see `variants:` in the file)."
)
SET_OPTION = typer.Option(
    None,
    "--set",
    help="Override a value: PATH=VALUE with a dotted path, e.g. "
    "--set segments.mid-market.churn.rate=3% (repeatable; applied last).",
)


def load(file: Path | None, variant: str | None = None, sets: list[str] | None = None) -> Any:
    """Load the scenario named on the command line, with its variant and ``--set`` overrides."""
    from csmodel.loader import load_document
    from csmodel.overrides import parse_set, resolve

    doc = load_document(scenario_path(file))
    return resolve(doc, variant, [parse_set(s) for s in sets or []])
