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


BINARY = (bytes, bytearray)
"""What a binary renderer (``--format xlsx``) returns: written as it is, never encoded."""


def refuse_terminal(stream: Any, what: str, example: str) -> None:
    """A document made to be opened as a file (a workbook, an HTML report) is never written
    to a terminal, which it would garble or flood: a usage error saying to use ``--output``
    (e.g. ``-o EXAMPLE``). ``what`` names the document (``this format is binary``)."""
    from csmodel.errors import UsageError

    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if tty:
        raise UsageError(
            f"{what} and stdout is a terminal: write it to a file with --output "
            f"(e.g. -o {example}), or redirect stdout"
        )


def out_bytes(data: bytes) -> None:
    """Write a binary document to stdout (refused when stdout is a terminal)."""
    refuse_terminal(sys.stdout, "this format is binary", "plan.xlsx")

    def write() -> None:
        sys.stdout.flush()
        target = getattr(sys.stdout, "buffer", None)
        if target is None:  # a text-only stdout (an embedding host): nowhere to put bytes
            raise OSError(errno.EINVAL, "Standard output takes text only")
        target.write(data)
        target.flush()

    _to_stdout(write)


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

    fmt_param = _format_parameter(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        ctx = kwargs.pop(_CONTEXT, None)
        try:
            if fmt_param is not None:
                name, kind, default, command = fmt_param
                _resolve_format(kwargs, name, kind, default, command_name(ctx, command))
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

    if fmt_param is not None:  # typer passes the context to a parameter typed as one
        import inspect

        sig = inspect.signature(fn)
        extra = inspect.Parameter(
            _CONTEXT, inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context
        )
        wrapper.__signature__ = sig.replace(parameters=[*sig.parameters.values(), extra])  # type: ignore[attr-defined]
    return wrapper


_CONTEXT = "csmodel_context"
"""The parameter :func:`boundary` adds for typer's context (the command's name in
messages, :func:`command_name`); the command itself never sees it."""


def _resolve_format(
    kwargs: dict[str, Any], name: str, kind: type[enum.Enum], default: str | None, command: str
) -> None:
    """Fill in ``kwargs[name]`` (``--format``) from ``--output``'s extension or the
    default (:func:`output_format`); a contradiction raises a usage error."""
    given = kwargs.get(name)
    value = given.value if isinstance(given, enum.Enum) else given
    chosen = output_format(value, kwargs.get("output"), [m.value for m in kind], command)
    if chosen is None:
        chosen = default
    kwargs[name] = None if chosen is None else kind(chosen)


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
    _write_fd(fd, text)


def _write_fd(fd: int, text: Any, *, sync: bool = False) -> None:
    """Write ``text`` (a str, a ``Streamed`` document or bytes) to the open descriptor
    ``fd``, then close it; ``sync`` waits for the disk (a file about to take a name)."""
    binary = isinstance(text, BINARY)
    with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        for piece in (text,) if binary else _pieces(text)[0]:
            fh.write(piece)
        fh.flush()
        if sync:
            os.fsync(fh.fileno())


_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}


def write_output(path: Path, text: Any, *, force: bool) -> None:
    """Write ``text`` (UTF-8; a str or a ``Streamed`` document; or bytes, written as they
    are) to ``path``; never replace a file without ``force``.

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
        if isinstance(text, BINARY):
            out_bytes(text)
        else:
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
        _write_fd(fd, text, sync=True)
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


def emit(rendered: Any, output: Path | None, *, force: bool, file_only: str | None = None) -> None:
    """Send a renderer's result (text, a ``Streamed`` document, a rich renderable, or bytes
    of a binary format) to stdout or ``output``. Bytes are never written to a terminal
    (:func:`out_bytes`), nor is a text document made to be opened as a file: ``file_only``
    is its example name (``report.html``), see :func:`refuse_terminal`."""
    from csmodel.render.machine import Streamed

    if file_only is not None and output is None and not isinstance(rendered, BINARY):
        refuse_terminal(
            sys.stdout, f"this is a document to open as a file ({file_only})", file_only
        )

    if isinstance(rendered, BINARY):
        if output is None:
            out_bytes(bytes(rendered))
        else:
            write_output(output, bytes(rendered), force=force)
        return
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
    """A ``--format`` option whose choices are the registry's keys.

    Left out, the format follows ``--output``'s file name (:data:`EXTENSION_FORMATS`),
    else ``default``: :func:`boundary` fills it in before the command runs, so a
    command always sees a format.
    """
    option = typer.Option(
        None,
        "--format",
        "-f",
        help=f"Output format (default: from --output's extension, else {default}).",
        show_default=False,
    )
    _FORMAT_DEFAULTS[id(option)] = (option, registry, default)
    return option


_FORMAT_DEFAULTS: dict[int, tuple[Any, dict, str]] = {}
"""``id(option)`` -> (the option, its registry, its default format), for every
:func:`format_option`."""

EXTENSION_FORMATS = {
    ".json": "json",
    ".csv": "csv",
    ".md": "markdown",
    ".xml": "junit",
    ".html": "html",
    ".htm": "html",
    ".xlsx": "xlsx",
}
"""The format an ``--output`` file name asks for (issue 19): ``-o plan.xlsx`` writes a
workbook without ``--format``. An extension of :data:`UNWRITABLE_EXTENSIONS` is refused;
any other (``.txt``) or none: the default."""

UNWRITABLE_EXTENSIONS = {
    ".xls": "write .xlsx",
    ".xlsm": "write .xlsx",
    ".ods": "write .xlsx",
    ".pdf": "print the HTML report (csmodel report -o report.html) to PDF from a browser",
    ".doc": "",
    ".docx": "",
    ".odt": "",
    ".ppt": "",
    ".pptx": "",
    ".png": "",
    ".jpg": "",
    ".jpeg": "",
    ".svg": "",
    ".zip": "",
}
"""Extensions of formats csmodel never writes, each with a hint: ``-o plan.pdf`` is a
usage error, not a table in a file named ``.pdf``."""


def output_format(
    given: str | None, output: Path | None, choices: Iterable[str], command: str = "this command"
) -> str | None:
    """The format to write: ``given`` (``--format``), else the one ``output``'s extension
    names, else ``None`` (the command's default).

    A ``--format`` that contradicts the extension, or an extension naming a format
    outside ``choices``, is a usage error naming both.
    """
    from csmodel.errors import UsageError

    ext = output.suffix.lower() if output is not None else ""
    names = list(choices)
    if ext in UNWRITABLE_EXTENSIONS:
        hint = UNWRITABLE_EXTENSIONS[ext]
        named = _extensions(names)
        raise UsageError(
            f"--output {output}: {command} cannot write {ext} files (--format choices: "
            f"{', '.join(names)}{'; by file name: ' + named if named else ''})"
            + (f"; {hint}" if hint else "")
        )
    wanted = EXTENSION_FORMATS.get(ext)
    if wanted is None:
        return given
    if given is not None and given != wanted:
        raise UsageError(
            f"--format {given} contradicts --output {output} ({ext} means --format "
            f"{wanted}); drop --format, or name the file for {given}"
        )
    if wanted not in names:
        raise UsageError(
            f"--output {output}: {command} cannot write {ext} files "
            f"(--format choices: {', '.join(names)})"
        )
    return wanted


def _extensions(formats: Iterable[str]) -> str:
    """The file names that pick ``formats``: ``.json, .csv``."""
    wanted = set(formats)
    return ", ".join(dict.fromkeys(ext for ext, f in EXTENSION_FORMATS.items() if f in wanted))


def command_name(ctx: Any, fallback: str = "this command") -> str:
    """The running command as people type it, in backticks (```csmodel fit retention```),
    from typer's context ``ctx`` (its parents' names); ``fallback`` without one."""
    if ctx is None:
        return fallback
    names = []
    while ctx.parent is not None:  # the root's own name is the program's: always csmodel
        names.append(ctx.info_name)
        ctx = ctx.parent
    return "`" + " ".join(["csmodel", *reversed(names)]) + "`"


def _format_parameter(
    fn: Callable[..., Any],
) -> tuple[str, type[enum.Enum], str | None, str] | None:
    """(name, choices enum, default, command) of ``fn``'s ``--format`` parameter, when it
    has one and an ``--output``: what :func:`boundary` resolves from the file name. The
    command is named from the function (``check_cmd`` -> ```csmodel check```) where
    click's context does not name it (:func:`command_name`)."""
    import inspect
    import typing

    params = inspect.signature(fn).parameters
    if "output" not in params:
        return None
    for name, p in params.items():
        decls = getattr(p.default, "param_decls", ()) or ()
        if "--format" not in decls:
            continue
        entry = _FORMAT_DEFAULTS.get(id(p.default))
        try:
            kind = typing.get_type_hints(fn).get(name)
        except Exception:  # an annotation that does not resolve: the registry's keys
            kind = None
        if not (isinstance(kind, type) and issubclass(kind, enum.Enum)):
            if entry is None:
                return None
            kind = choices("Format", entry[1])
        command = f"`csmodel {fn.__name__.removesuffix('_cmd').replace('_', '-')}`"
        return name, kind, entry[2] if entry else None, command
    return None


from csmodel.cli import complete  # noqa: E402  (shell completion of the options below)

FILE_ARGUMENT = typer.Argument(
    None,
    help=f"Scenario YAML file (default: ./{DEFAULT_FILE}; '-' reads stdin).",
    show_default=False,
    autocompletion=complete.scenario_files,
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
    None,
    "--variant",
    help="Use this variant of the scenario (see `variants:` in the file).",
    autocompletion=complete.variant_names,
)
SET_OPTION = typer.Option(
    None,
    "--set",
    help="Override a value: PATH=VALUE with a dotted path, e.g. "
    "--set segments.mid-market.churn.rate=3% (repeatable; applied last).",
    autocompletion=complete.set_paths,
)


def load(file: Path | None, variant: str | None = None, sets: list[str] | None = None) -> Any:
    """Load the scenario named on the command line, with its variant and ``--set`` overrides."""
    return load_with_source(file, variant, sets)[1]


def load_with_source(
    file: Path | None, variant: str | None = None, sets: list[str] | None = None
) -> tuple[Any, Any, list[Any]]:
    """(document, scenario, overrides applied: the variant's, then ``--set``) of
    :func:`load`. The scenario carries them too (``overrides.Provenance``), so a workbook
    or a report can cite each input's line."""
    from csmodel.errors import UsageError
    from csmodel.loader import load_document
    from csmodel.overrides import parse_set, resolve

    if variant is not None and not variant.strip():
        raise UsageError(
            "--variant needs a variant name (got an empty one); "
            "leave the flag out to use the base scenario"
        )
    doc = load_document(scenario_path(file))
    scenario = resolve(doc, variant, [parse_set(s) for s in sets or []])
    return doc, scenario, list(scenario._source.overrides)
