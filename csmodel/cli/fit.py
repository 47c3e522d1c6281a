"""``csmodel fit``: assumptions fitted to your data (``csmodel.fit``).

``fit retention DATA`` fits the shifted-beta-geometric retention curve of Fader
& Hardie (2007) to a survival table or an account list; ``fit understaffing
HISTORY`` fits the churn sensitivity of DOMAIN.md 5.3 to a staffing history.
A fit the data cannot support (no under-covered book, churn that does not fall
with tenure...) is refused with the reason on stderr and exit code 1; a
malformed file is exit 2, its problems located ``file:line:col``. ``-`` reads
the data from standard input, as the other commands read a scenario.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from csmodel.cli import complete
from csmodel.cli.common import (
    FORCE_OPTION,
    OUTPUT_OPTION,
    boundary,
    choices,
    emit,
    err,
    format_option,
)
from csmodel.render import FIT_RETENTION, FIT_UNDERSTAFFING

RetentionFormat = choices("FitRetentionFormat", FIT_RETENTION)
UnderstaffingFormat = choices("FitUnderstaffingFormat", FIT_UNDERSTAFFING)

EXIT_CANNOT_FIT = 1

fit_app = typer.Typer(
    name="fit",
    help="Fit assumptions to your data: sBG retention curves, the understaffing churn sensitivity.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _as_of(text: str | None):  # -> date | None
    """``--as-of YYYY-MM-DD`` as a date."""
    if text is None:
        return None
    from datetime import date

    from csmodel.errors import UsageError

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--as-of expects a date as YYYY-MM-DD (got {text!r})") from None


def _baseline(text: str | None) -> float | None:
    """``--churn 8%`` (or ``0.08``) as a fraction, more than 0 and below 1."""
    if text is None:
        return None
    from csmodel.errors import UsageError
    from csmodel.schema import to_rate

    try:
        x = to_rate(text.strip())
    except ValueError as exc:
        raise UsageError(f"--churn: {exc}") from None
    if not 0 < x < 1:
        raise UsageError(
            f"--churn is the yearly churn of a fully covered book: more than 0% and below "
            f"100% (got {text})"
        )
    return x


@fit_app.command("retention")
@boundary
def retention_cmd(
    data: Path = typer.Argument(
        ...,
        help="Survival table CSV (period,alive[,cohort]; period 0 = starting count) or "
        "account list CSV (start_date, churn_date or end_date; yearly renewals); '-' reads "
        "stdin.",
        show_default=False,
        autocompletion=complete.data_files,
    ),
    periods: int = typer.Option(
        None,
        "--periods",
        help="Fit on the first N renewals only (N from 2, the fewest an sBG fit takes, to "
        "the renewals observed) and report the error on the rest.",
        show_default=False,
    ),
    as_of: str = typer.Option(
        None,
        "--as-of",
        help="Account lists: the date the list was exported (default: its latest date).",
        show_default=False,
    ),
    fmt: RetentionFormat = format_option(FIT_RETENTION, "table"),
    output: Path = OUTPUT_OPTION,
    force: bool = FORCE_OPTION,
) -> int:
    """Fit an sBG retention curve (Fader & Hardie 2007) to survival data.

    Prints alpha and beta with standard errors, the log-likelihood, observed and
    fitted survival per period, the holdout error with --periods, and the line to
    paste into a scenario: churn: {model: sbg, alpha: ..., beta: ...}. Exit 1 when
    the data cannot be fitted (say why), 2 for a malformed file.
    """
    from csmodel.fit import fit_retention, read_survival

    source = read_survival(str(data), _as_of(as_of))
    return _report(lambda: fit_retention(source, periods), FIT_RETENTION, fmt, output, force)


@fit_app.command("understaffing")
@boundary
def understaffing_cmd(
    history: Path = typer.Argument(
        ...,
        help="Staffing history CSV: per CSM book and year, accounts, churned, and coverage "
        "or hours_needed and hours_available (book, year optional); '-' reads stdin.",
        show_default=False,
        autocompletion=complete.data_files,
    ),
    churn: str = typer.Option(
        None,
        "--churn",
        help="Yearly churn of a fully covered book, e.g. 8% (default: fitted jointly).",
        show_default=False,
    ),
    fmt: UnderstaffingFormat = format_option(FIT_UNDERSTAFFING, "table"),
    output: Path = OUTPUT_OPTION,
    force: bool = FORCE_OPTION,
) -> int:
    """Fit understaffing.churn_sensitivity to a staffing history.

    Churn at coverage k is min(1, c x (1 + s x (1 - k))) (the engine's formula); s is
    fitted by maximum likelihood with a 95% profile-likelihood interval. Exit 1 when
    the history cannot tell it (no under-covered book-year to learn from, a likelihood
    flat or rising to the largest sensitivity searched), 2 for a malformed file.
    """
    from csmodel.fit import fit_understaffing, read_history

    baseline = _baseline(churn)
    staffing = read_history(str(history))
    return _report(
        lambda: fit_understaffing(staffing, baseline), FIT_UNDERSTAFFING, fmt, output, force
    )


def _report(fit: Callable[[], Any], registry: Any, fmt: Any, output: Path, force: bool) -> int:
    """Run ``fit`` and write its result in ``fmt`` (a key of ``registry``), or say on
    stderr why the data cannot be fitted (exit 1)."""
    from csmodel.fit import CannotFit

    try:
        result = fit()
    except CannotFit as exc:
        err(f"csmodel: cannot fit: {exc}")
        return EXIT_CANNOT_FIT
    emit(registry.renderer(fmt.value)(result), output, force=force)
    return 0


def register(app: typer.Typer) -> None:
    """Add ``csmodel fit`` and its subcommands to the app."""
    app.add_typer(fit_app, name="fit")
