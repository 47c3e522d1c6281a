"""What every command shares: the error boundary, output writing, file lookup.

The boundary is the one place that maps exceptions to exit codes and prints
diagnostics (always on stderr, so stdout carries only the result). Text leaves
through :func:`out` (stdout), :func:`write_output` (``--output``, ``init``) and
:func:`err` (stderr); :mod:`csmodel.cli.encoding` makes every character
encodable on the way and every control character in a message visible.

Writing fails cleanly: an OS error on stdout or an output file is one line,
``csmodel: cannot write TARGET: REASON``, exit 4, and no partial file; a pipe
closed by its reader (``| head``) ends quietly with exit 141 (128 + SIGPIPE,
what a shell reports for tools killed by SIGPIPE), never 1, which ``check``
keeps for failed checks.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import functools
import io
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from csmodel.cli.encoding import ascii_document, is_utf, protect, visible
from csmodel.errors import CsmodelError, ScenarioError

DEFAULT_FILE = "csmodel.yaml"

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_CANNOT_WRITE = 4
"""An output (stdout, ``--output``, ``init``'s file) could not be written."""
EXIT_INTERRUPTED = 130
EXIT_PIPE_CLOSED = 141
"""The reader of stdout went away (``| head``): 128 + SIGPIPE, as a shell reports it."""

STDOUT = "<stdout>"
"""How messages name standard output."""


@dataclass
class _State:
    debug: bool = bool(os.environ.get("CSMODEL_DEBUG"))


STATE = _State()


class CannotWrite(Exception):
    """The system refused a write: ``target`` (a path or ``<stdout>``) and its ``reason``."""

    def __init__(self, target: str, reason: str):
        super().__init__(f"cannot write {target}: {reason}")
        self.target = target
        self.reason = reason


def _reason(exc: OSError) -> str:
    """``No space left on device`` -> ``no space left on device`` (messages are lower case)."""
    text = exc.strerror or str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]


def _silence(stream: Any) -> None:
    """Point a failed stream's descriptor at /dev/null.

    Python flushes stdout and stderr once more at exit; on a closed pipe or a
    full device that flush fails too and prints "Exception ignored" (and turns
    the exit code into 120). After this it succeeds, into nothing.
    """
    try:
        fd = stream.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError, AttributeError):
        return
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


def err(line: str) -> None:
    """Print one line on stderr, control characters shown as escapes (``\\x1b``)."""
    stream = sys.stderr
    protect(stream)
    try:
        stream.write(visible(line.rstrip("\n")) + "\n")
        stream.flush()
    except (OSError, ValueError):  # stderr itself is gone or full: nowhere left to say so
        _silence(stream)


def _to_stdout(write: Callable[[], Any]) -> None:
    """Run ``write`` (which writes to sys.stdout) and flush, mapping OS errors to exits."""
    protect(sys.stdout)
    try:
        write()
        sys.stdout.flush()
    except BrokenPipeError:
        _silence(sys.stdout)
        raise
    except OSError as exc:
        _silence(sys.stdout)
        raise CannotWrite(STDOUT, _reason(exc)) from None


def _pieces(text: Any) -> tuple[Iterable[str], str | None]:
    """(the pieces of a text or a ``Streamed`` document, its kind when streamed)."""
    if isinstance(text, str):
        return (text,), None
    return text.chunks, text.kind


def out(text: Any) -> None:
    """Write ``text`` (a str or a ``Streamed`` document) to stdout. JSON and XML go out as
    ASCII escapes on a non-UTF stream."""

    def write() -> None:
        pieces, kind = _pieces(text)
        utf = is_utf(sys.stdout)
        for piece in pieces:
            doc = None if utf else ascii_document(piece, kind)
            sys.stdout.write(piece if doc is None else doc)

    _to_stdout(write)


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
        except CannotWrite as exc:
            err(f"csmodel: {exc}")
            raise typer.Exit(EXIT_CANNOT_WRITE) from None
        except BrokenPipeError:
            # The reader has all it wanted (`| head`): end quietly, as Unix tools do.
            _silence(sys.stdout)
            raise typer.Exit(EXIT_PIPE_CLOSED) from None
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


_NAME_MAX = 255
"""Longest file name (in bytes) the common file systems accept."""


def _tmp_name(name: str) -> str:
    """The fixed temporary name for ``name``: a killed write's leftover is reclaimed next time."""
    tmp = f".{name}.csmodel-tmp"
    if len(os.fsencode(tmp)) <= _NAME_MAX:
        return tmp
    import zlib

    tag = f"~{zlib.crc32(os.fsencode(name)):08x}.csmodel-tmp"
    keep = os.fsencode(name)[: _NAME_MAX - 1 - len(tag)].decode(errors="ignore")
    return f".{keep}{tag}"


def _is_stdout(st: os.stat_result) -> bool:
    try:
        own = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino)


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _write_into(path: Path, text: Any) -> None:
    """Write into an existing node that is not a regular file (a device, a FIFO)."""
    fd = os.open(path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))  # never creates, never truncates
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        for piece in _pieces(text)[0]:
            fh.write(piece)


_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}


def write_output(path: Path, text: Any, *, force: bool) -> None:
    """Write ``text`` (UTF-8; a str or a ``Streamed`` document) to ``path``; never replace
    a file without ``force``.

    - A regular file is written atomically: the text goes to
      ``.NAME.csmodel-tmp`` beside it, which then takes the name in one step,
      so the target is whole or untouched. The temporary name is fixed, so a
      write killed midway leaves one file that the next write reclaims.
    - A symlink is written through: what it names is replaced, the link stays.
    - A device or FIFO (``/dev/stdout``, ``/dev/null``, a named pipe) is
      written into, never replaced, and needs no ``force``; stdout itself
      (``-o /dev/stdout``) is written through ``sys.stdout``.
    """
    from csmodel.errors import OutputError

    target = str(path)
    try:
        st: os.stat_result | None = os.stat(path)  # follows symlinks
    except FileNotFoundError:
        st = None
    except OSError as exc:  # name too long, a file where a directory should be, no access
        raise CannotWrite(target, _reason(exc)) from None
    if st is not None and _is_stdout(st):
        out(text)
        return
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise CannotWrite(target, "it is a directory")
    if st is not None and not stat.S_ISREG(st.st_mode):
        try:
            _write_into(path, text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise CannotWrite(target, _reason(exc)) from None
        return
    real = Path(os.path.realpath(path))
    if st is None and not real.parent.is_dir():
        raise CannotWrite(target, f"directory {path.parent} does not exist")
    if st is not None and not force:
        raise OutputError(f"{path} already exists; use --force to overwrite it")
    tmp = real.parent / _tmp_name(real.name)
    created = False
    try:
        _unlink(tmp)  # a leftover of a write that was killed
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        created = True
        if st is not None:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))  # keep the mode of the file it replaces
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            for piece in _pieces(text)[0]:
                fh.write(piece)
            fh.flush()
            os.fsync(fh.fileno())
        if force:
            os.replace(tmp, real)
        else:
            try:
                os.link(tmp, real)  # fails if the path appeared meanwhile: never clobber
            except FileExistsError:
                raise OutputError(f"{path} already exists; use --force to overwrite it") from None
            except OSError as exc:
                if exc.errno not in _NO_HARD_LINKS:
                    raise
                os.replace(tmp, real)  # a file system without hard links
    except OSError as exc:
        raise CannotWrite(target, _reason(exc)) from None
    finally:
        if created:
            with contextlib.suppress(OSError):
                _unlink(tmp)


def _pipe_width() -> int:
    """Width of tables written to a pipe or file: $COLUMNS, else 160 (wide tables stay whole)."""
    try:
        return max(60, int(os.environ.get("COLUMNS", "")))
    except ValueError:
        return 160


def emit(rendered: Any, output: Path | None, *, force: bool) -> None:
    """Send a renderer's result (text, a ``Streamed`` document or a rich renderable) to
    stdout or ``output``."""
    from csmodel.render.machine import Streamed

    if isinstance(rendered, (str, Streamed)):
        if output is None:
            out(rendered)
        else:
            write_output(output, rendered, force=force)
        return
    from rich.console import Console

    from csmodel.render.fmt import fit_tables

    fit_tables(rendered)
    if output is None:
        protect(sys.stdout)  # before rich reads the stream's encoding (ASCII borders if not UTF)
        like = Console(width=None if sys.stdout.isatty() else _pipe_width())  # what stdout is
        buf = _Capture(getattr(sys.stdout, "encoding", None) or "utf-8")
        Console(
            file=buf,
            width=like.width,
            color_system=like.color_system,
            force_terminal=like.is_terminal,
            legacy_windows=False,
        ).print(rendered)
        text = trim_lines(buf.getvalue())
        _to_stdout(lambda: sys.stdout.write(text))
        return
    buf = io.StringIO()
    Console(file=buf, width=_pipe_width(), color_system=None, force_terminal=False).print(rendered)
    write_output(output, trim_lines(buf.getvalue()), force=force)


class _Capture(io.StringIO):
    """Where rich renders for stdout: a string, with stdout's encoding (so rich picks
    ASCII borders where stdout cannot show box lines), written out in one piece."""

    def __init__(self, encoding: str):
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding


_TRAILING = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$", re.MULTILINE)


def trim_lines(text: str) -> str:
    """Rich's output without the spaces it leaves where a paragraph wraps or a table pads
    its last column (styles closing the line are kept): no line looks cut short."""
    return _TRAILING.sub(r"\1", text)


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
    help="Write to this file instead of stdout (a regular file is replaced atomically; "
    "a device or FIFO such as /dev/stdout is written into).",
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
    from csmodel.errors import UsageError
    from csmodel.loader import load_document
    from csmodel.overrides import parse_set, resolve

    if variant is not None and not variant.strip():
        raise UsageError(
            "--variant needs a variant name (got an empty one); "
            "leave the flag out to use the base scenario"
        )
    doc = load_document(scenario_path(file))
    return resolve(doc, variant, [parse_set(s) for s in sets or []])
