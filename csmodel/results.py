"""What ``csmodel check`` finds, as data: results, the report, and the value of any
metric id for a scenario (the lower half of the check layer: lints and declared
checks both produce these).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from csmodel.errors import Problem
from csmodel.ids import DEPRECATED_METRICS, HEADCOUNT_METRICS, METRICS
from csmodel.units import bound_text, show

TOLERANCE = 1e-9
"""Relative slack of a bound: GRR computed as 0.9199999999999999 meets ``min: 92%``."""

PASS, FAIL, WARN = "pass", "fail", "warn"

_RETENTION = frozenset({"nrr", "grr", "logo_retention"})


def undefined_reason(metric: str, segment: str | None, scenario: Any) -> str | None:
    """Why ``metric`` has no value for this scenario, in words (``None`` if not known)."""
    if metric in _RETENTION:
        if scenario.horizon_months < 12:
            return "it needs a horizon of at least 12 months"
        return "the starting book is empty"
    if metric in ("hours_per_account", "accounts_per_csm"):
        if segment:
            return "the segment has no `meetings` or `accounts_per_csm`"
        return "no segment has `meetings` or `accounts_per_csm`"
    if metric == "staffed_csms":
        return "the segment does not set `csms`" if segment else "no segment sets `csms`"
    return None


# --- results ------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One outcome of ``csmodel check`` in one file: a declared check or a lint.

    ``value``, ``min`` and ``max`` are unrounded (fractions for rates);
    ``unit`` says how they are shown to people (``rate``, ``money``, ``count``,
    ``hours``, ``months``, ``ratio`` or ``number``) and ``currency`` which
    currency money is in. ``line`` counts from 1 (``None`` when the result is
    about the whole file, e.g. a lint that found nothing).
    """

    id: str
    kind: str  # "check" | "lint"
    status: str  # "pass" | "fail" | "warn"
    message: str
    line: int | None = None
    metric: str | None = None
    segment: str | None = None
    variant: str | None = None
    value: float | None = None
    min: float | None = None
    max: float | None = None
    unit: str = "number"
    currency: str = "USD"

    @property
    def value_text(self) -> str:
        """The value as people read it (``89.07%``, ``$1,234``, ``19.95``); empty when none."""
        return "" if self.value is None else show(self.value, self.unit, self.currency)

    @property
    def bound_text(self) -> str:
        """``min 90.00%``, ``max 25.00`` or ``90.00% to 110.00%``; empty when unbounded."""
        return bound_text(self.min, self.max, self.unit, self.currency)


@dataclass(frozen=True)
class FileReport:
    """Every result of one file, checks first (in file order), then lints."""

    file: str
    results: tuple[Result, ...]


@dataclass(frozen=True)
class Report:
    """The outcome of ``csmodel check``: files checked and problems of those that could not be.

    ``problems`` are located input errors (unreadable or invalid files, unknown
    lint ids); any of them makes the exit code 2.
    """

    files: tuple[FileReport, ...]
    problems: tuple[Problem, ...] = ()
    strict: bool = False

    @cached_property
    def summary(self) -> dict[str, int]:
        """Counts of results by status: ``{"passed", "failed", "warnings"}``."""
        statuses = [r.status for f in self.files for r in f.results]
        return {
            "passed": statuses.count(PASS),
            "failed": statuses.count(FAIL),
            "warnings": statuses.count(WARN),
        }

    @property
    def invalid_files(self) -> list[str]:
        return sorted({p.file for p in self.problems})

    @property
    def exit_code(self) -> int:
        """2 for invalid input; else 1 when a check failed (or, with ``strict``, warned); else 0."""
        if self.problems:
            return 2
        s = self.summary
        if s["failed"] or (self.strict and s["warnings"]):
            return 1
        return 0

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


# --- showing values -------------------------------------------------------------------


def below(value: float, bound: float) -> bool:
    """``value < bound`` beyond floating-point noise (see :data:`TOLERANCE`)."""
    return value < bound - TOLERANCE * max(1.0, abs(bound))


def above(value: float, bound: float) -> bool:
    """``value > bound`` beyond floating-point noise (see :data:`TOLERANCE`)."""
    return value > bound + TOLERANCE * max(1.0, abs(bound))


# --- metric values ----------------------------------------------------------------------


class Results:
    """Results of one scenario, computed on first use: its projection and, for the
    headcount ids, the projection of the same scenario fully staffed."""

    def __init__(self, scenario: Any):
        self.scenario = scenario

    @cached_property
    def projection(self) -> Any:
        from csmodel.engine import project

        return project(self.scenario)

    @cached_property
    def peak_fte(self) -> dict[str, float]:
        """Peak required FTE of each segment, fully staffed (as ``csmodel headcount``)."""
        from csmodel.capacity import fully_staffed
        from csmodel.engine import project
        from csmodel.metrics import peak_fte

        need = project(fully_staffed(self.scenario))
        return {name: float(x) for name, x in zip(need.segments, peak_fte(need), strict=True)}


def metric_value(results: Results, metric: str, segment: str | None = None) -> float | None:
    """The value of ``metric`` for the book (``segment=None``) or one segment.

    Metric ids of DOMAIN.md 4.5 are those of ``csmodel project`` (book-level
    ``Projection.metrics``, or ``segment_metrics``). The headcount ids are those
    of ``csmodel headcount`` for a segment; for the whole book:

    - ``hours_per_account``: yearly CSM hours per account, weighted by starting
      accounts over segments with a workload model (= productive hours /
      ``accounts_per_csm`` of the book);
    - ``fte_required``: the sum of the segments' peak FTE (fully staffed book);
    - ``recommended_csms``: the sum of the segments' recommended (rounded-up) CSMs;
    - ``staffed_csms``: the sum of ``csms`` over segments that set it (``None``
      when none does);
    - ``accounts_per_csm`` and ``coverage``: the book metrics (coverage is the
      lowest month of any segment).

    ``None`` when the value is undefined for this scenario.
    """
    from csmodel.engine import segment_hours_per_account
    from csmodel.metrics import round_up

    sc = results.scenario
    metric = DEPRECATED_METRICS.get(metric, metric)  # gross_profit: contribution's old id
    if metric in METRICS:
        pr = results.projection
        values = pr.metrics if segment is None else pr.segment_metrics[segment]
        return values[metric]
    if metric not in HEADCOUNT_METRICS:
        raise KeyError(metric)
    names = list(sc.segments) if segment is None else [segment]
    if metric == "hours_per_account":
        if segment is not None:
            hpa = segment_hours_per_account(sc, segment)
            return hpa if hpa > 0 else None
        per_csm = results.projection.metrics["accounts_per_csm"]
        return sc.team.productive_hours / per_csm if per_csm else None
    if metric == "fte_required":
        return sum(results.peak_fte[n] for n in names)
    if metric == "recommended_csms":
        return float(sum(round_up(results.peak_fte[n]) for n in names))
    if metric == "staffed_csms":
        staffed = [sc.segments[n].csms for n in names if sc.segments[n].csms is not None]
        return float(sum(staffed)) if staffed else None
    raise KeyError(metric)  # pragma: no cover - every headcount id is handled above
