"""``--simulate N`` and ``--seed S``: the Monte Carlo options every command shares.

The file's ``simulate:`` block (DOMAIN 9) gives defaults; the command line wins
(``--simulate 0`` turns a file's simulation off). Without a seed one is drawn and
printed on stderr so the run can be repeated. A run that takes more than about a
second shows a progress bar on stderr when stderr is a terminal (never on stdout,
never in a pipe or CI log).
"""

from __future__ import annotations

import sys
import time
from typing import Any

import typer

MAX_SEED = 2**32 - 1

SIMULATE_OPTION = typer.Option(
    None,
    "--simulate",
    min=0,
    max=100_000,
    show_default=False,
    help="Monte Carlo: draw every range this many times and report percentiles "
    "(default: the file's simulate.paths, if any; 0 turns it off).",
)
SEED_OPTION = typer.Option(
    None,
    "--seed",
    min=0,
    max=MAX_SEED,
    show_default=False,
    help="Seed of --simulate (default: the file's simulate.seed; else drawn and printed).",
)


DISCRETE_OPTION = typer.Option(
    None,
    "--discrete/--no-discrete",
    show_default=False,
    help="With --simulate: also draw whole accounts on each path (binomial churn per "
    "cohort, each account of a book on its own; expansion share as Bernoulli). Default: "
    "the file's simulate.discrete.",
)


def settings(
    scenario: Any, paths: int | None, seed: int | None, discrete: bool | None = None
) -> tuple[int, int | None, bool]:
    """``(paths, seed, discrete)`` of a run: the command line's, else the file's
    ``simulate:`` (``checks.MonteCarlo``, the one rule); ``paths == 0`` means no
    simulation. The seed is drawn and printed when neither gives one. ``--discrete``
    without paths is a usage error."""
    from csmodel.checks import MonteCarlo
    from csmodel.errors import UsageError

    mc = MonteCarlo(paths, seed, seed_once(), discrete)
    paths, seed = mc.of(scenario)
    if discrete and not paths:
        raise UsageError("--discrete draws whole accounts on simulated paths: add --simulate N")
    return paths, seed if paths else None, bool(paths) and mc.whole_accounts(scenario)


def seed_once() -> Any:
    """A function giving one drawn seed, printed on stderr the first time it is asked
    for (``check`` over many files: one seed for the run)."""
    drawn: list[int] = []

    def seed() -> int:
        if not drawn:
            from csmodel.simulate import new_seed

            drawn.append(new_seed())
            _say_seed(drawn[0])
        return drawn[0]

    return seed


def _say_seed(seed: int) -> None:
    print(f"csmodel: --simulate seed {seed} (repeat with --seed {seed})", file=sys.stderr)


def run(scenario: Any, paths: int, seed: int, simulate: Any = None, **kwargs: Any) -> Any:
    """``simulate(scenario, paths, seed, progress=..., **kwargs)`` (by default
    ``csmodel.simulate.simulate``; ``discrete=`` among the keywords) with a progress bar
    on a terminal's stderr."""
    if simulate is None:
        from csmodel.simulate import simulate

    with _Progress(paths) as progress:
        return simulate(scenario, paths, seed, progress=progress, **kwargs)


class _Progress:
    """Calls from the simulation after each chunk; a bar appears once a second has
    passed, on stderr only when it is a terminal."""

    AFTER_SECONDS = 1.0

    def __init__(self, total: int, label: str = "Simulating"):
        self.total = total
        self.label = label
        self.started = _now()
        self.bar: Any = None
        self.task: Any = None
        self.shown = _stderr_is_terminal()

    def __enter__(self) -> _Progress:
        return self

    def __call__(self, done: int) -> None:
        if not self.shown:
            return
        if self.bar is None:
            if _now() - self.started < self.AFTER_SECONDS or done >= self.total:
                return
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(f"{self.label} {self.total:,} paths", total=self.total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.stop()


def _now() -> float:
    return time.monotonic()


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
