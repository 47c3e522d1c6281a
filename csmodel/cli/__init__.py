"""The command-line interface: parse arguments, call the core, render, exit.

Building the app imports typer (and rich, which typer uses for help) but not
numpy or pydantic: ``csmodel --help`` and ``--version`` stay fast. Each
command lives in a module of its own and imports the core when it runs.

Exit codes: 0 ok / all checks pass; 1 checks failed; 2 bad usage or input;
3 internal error (rerun with --debug); 4 cannot write the output (disk full,
permission denied, name too long...); 130 interrupted; 141 the reader of
stdout went away (``| head``; 128 + SIGPIPE, as shells report it).
"""

from __future__ import annotations

import sys

import typer

from csmodel import __version__
from csmodel.cli import common
from csmodel.cli.encoding import protect

EPILOG = (
    "Exit codes: 0 ok, 1 checks failed, 2 bad usage or invalid scenario, "
    "3 internal error (rerun with --debug), 4 cannot write the output, 130 interrupted, "
    "141 output pipe closed early (e.g. | head)."
)

app = typer.Typer(
    name="csmodel",
    help="Customer Success scenario modeler: revenue, NRR/GRR, CLV and CSM headcount "
    "from YAML scenario files.",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"csmodel {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Show the full traceback of internal errors."
    ),
) -> None:
    common.STATE.debug = debug


from csmodel.cli import book as _book  # noqa: E402
from csmodel.cli import check as _check  # noqa: E402
from csmodel.cli import compare as _compare  # noqa: E402
from csmodel.cli import fit as _fit  # noqa: E402
from csmodel.cli import headcount as _headcount  # noqa: E402
from csmodel.cli import init as _init  # noqa: E402
from csmodel.cli import project as _project  # noqa: E402
from csmodel.cli import report as _report  # noqa: E402
from csmodel.cli import solve as _solve  # noqa: E402

_project.register(app)
_headcount.register(app)
_compare.register(app)
_init.register(app)
_check.register(app)
_solve.register(app)
_book.register(app)
_fit.register(app)
_report.register(app)


def main() -> None:
    """Console-script entry point."""
    import gc

    # A short-lived process: no cyclic garbage collection while numpy and pydantic
    # import, and none of the import-time heap scanned again at exit (~40 ms).
    gc.disable()
    # Help and usage errors are printed by typer and click, outside any command:
    # make the streams degrade to ASCII stand-ins there too (PYTHONIOENCODING=ascii).
    protect(sys.stdout)
    protect(sys.stderr)
    try:
        app(prog_name="csmodel")
    except KeyboardInterrupt:  # pragma: no cover - outside a command
        sys.stderr.write("csmodel: interrupted\n")
        sys.exit(130)
    finally:
        gc.freeze()
