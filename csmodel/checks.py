"""Declared checks and the ``check`` report: scenario files in, pass/fail/warn results out.

A check (``checks:`` in a scenario, DOMAIN.md section 3) bounds one metric of
the results: ``metric`` (any id of ``ids.METRICS`` or ``ids.HEADCOUNT_METRICS``),
optionally for one ``segment`` and one ``variant`` (``"*"`` = the base scenario
and every variant), with ``min`` and/or ``max``. This module owns

- the value of a metric id for a scenario (book or segment), including the
  headcount ids, whose book-level values are defined here (see
  :func:`metric_value`);
- evaluating each declared check into a :class:`Result` (status, message and
  the line of the check in the file);
- the whole report of ``csmodel check``: files (directories expanded), each
  file's check results plus its lint findings (``csmodel.lints``), located
  problems of the files that could not be checked, and the exit code.

Plain functions over plain data: nothing here prints or exits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from csmodel.errors import Problem, ScenarioError
from csmodel.ids import HEADCOUNT_METRICS, METRICS, MONEY_METRICS, RATE_METRICS

TOLERANCE = 1e-9
"""Relative slack of a bound: GRR computed as 0.9199999999999999 meets ``min: 92%``."""

PASS, FAIL, WARN = "pass", "fail", "warn"

_COUNT_METRICS = frozenset({"recommended_csms", "staffed_csms", "csms_recommended"})
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


def metric_unit(metric: str) -> str:
    """How values of ``metric`` are shown."""
    if metric in MONEY_METRICS:
        return "money"
    if metric in RATE_METRICS:
        return "rate"
    if metric in _COUNT_METRICS:
        return "count"
    if metric == "hours_per_account":
        return "hours"
    return "number"


def show(x: float | None, unit: str, currency: str = "USD", *, exact: bool = False) -> str:
    """A value in its unit: ``89.07%``, ``$1,234,567``, ``4``, ``73.0 h``, ``2.50×``, ``19.95``.

    With ``exact`` (bounds as the user wrote them), money keeps its cents when it has any.
    """
    from csmodel.render.fmt import count, money, num, pct

    if x is None:
        return "n/a"
    if unit == "rate":
        return pct(x, 2)
    if unit == "money":
        if exact and abs(x - round(x)) > 1e-6 and abs(x) < 1e12:
            whole = money(x, currency)
            return whole.replace(f"{abs(x):,.0f}", f"{abs(x):,.2f}")
        return money(x, currency)
    if unit == "count":
        return count(x)
    if unit == "hours":
        return f"{num(x, 1)} h"
    if unit == "months":
        return f"{x:g} months"
    if unit == "ratio":
        return f"{x:.2f}×"
    return num(x, 2)


def bound_text(lo: float | None, hi: float | None, unit: str, currency: str = "USD") -> str:
    """``min 90.00%``, ``max 25.00``, ``90.00% to 110.00%`` or empty."""

    def s(x: float) -> str:
        return show(x, unit, currency, exact=True)

    if lo is not None and hi is not None:
        return f"{s(lo)} to {s(hi)}"
    if lo is not None:
        return f"min {s(lo)}"
    if hi is not None:
        return f"max {s(hi)}"
    return ""


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


# --- declared checks --------------------------------------------------------------------


def check_id(check: Any, variant: str | None) -> str:
    """A stable id: the check's ``name``, else ``[segment.]metric-min|max|range[@variant]``."""
    if check.name:
        base = check.name
    else:
        kind = (
            "range"
            if check.min is not None and check.max is not None
            else ("min" if check.min is not None else "max")
        )
        base = f"{check.segment + '.' if check.segment else ''}{check.metric}-{kind}"
    if variant is not None and (check.variant == "*" or not check.name):
        base = f"{base}@{variant}"
    return base


def _subject(metric: str, segment: str | None, variant: str | None) -> str:
    out = metric
    if segment:
        out += f" of {segment}"
    if variant:
        out += f" in variant {variant}"
    return out


def evaluate_check(
    check: Any, value: float | None, variant: str | None, scenario: Any
) -> tuple[str, str]:
    """``(status, message)`` of ``check`` given the metric's ``value`` in ``scenario``."""
    unit = metric_unit(check.metric)
    currency = scenario.currency
    subject = _subject(check.metric, check.segment, variant)
    bad = FAIL if check.severity == "error" else WARN

    def s(x: float) -> str:
        return show(x, unit, currency, exact=True)

    if value is None or not math.isfinite(value):
        why = undefined_reason(check.metric, check.segment, scenario)
        because = f" ({why})" if why else ""
        return bad, f"{subject} is undefined{because}, so the check cannot pass"
    v = show(value, unit, currency)
    if check.min is not None and below(value, check.min):
        return bad, f"{subject} = {v}, below the minimum of {s(check.min)}"
    if check.max is not None and above(value, check.max):
        return bad, f"{subject} = {v}, above the maximum of {s(check.max)}"
    return PASS, f"{subject} = {v} ({bound_text(check.min, check.max, unit, currency)})"


def run_checks(
    doc: Any,
    scenario_for: Callable[[str | None], Any],
    cache: dict[str | None, Results] | None = None,
) -> list[Result]:
    """Every declared check of ``doc`` against the results of the scenario of each variant.

    ``scenario_for(variant)`` gives the (validated) scenario of a variant,
    ``None`` being the base; each is projected at most once (``cache`` keeps
    the :class:`Results` by variant, and may be shared with the lints).
    """
    base = scenario_for(None)
    checks = base.checks
    cache = {} if cache is None else cache

    def results_for(variant: str | None) -> Results:
        if variant not in cache:
            cache[variant] = Results(base if variant is None else scenario_for(variant))
        return cache[variant]

    out: list[Result] = []
    seen: dict[str, int] = {}
    for i, check in enumerate(checks):
        pos = doc.source.marks.locate(("checks", i))
        line = pos[0] if pos else None
        if check.variant == "*":
            variants: list[str | None] = [None, *base.variants]
        else:
            variants = [check.variant]
        for variant in variants:
            res = results_for(variant)
            value = metric_value(res, check.metric, check.segment)
            status, message = evaluate_check(check, value, variant, res.scenario)
            rid = check_id(check, variant)
            seen[rid] = seen.get(rid, 0) + 1
            if seen[rid] > 1:  # two checks on the same metric and bound: keep ids unique
                rid = f"{rid}-{seen[rid]}"
            out.append(
                Result(
                    id=rid,
                    kind="check",
                    status=status,
                    message=message,
                    line=line,
                    metric=check.metric,
                    segment=check.segment,
                    variant=variant,
                    value=value,
                    min=check.min,
                    max=check.max,
                    unit=metric_unit(check.metric),
                    currency=res.scenario.currency,
                )
            )
    return out


# --- files and the report -------------------------------------------------------------------


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[str], list[Problem]]:
    """Files to check: each path as given; a directory gives every ``*.yaml``/``*.yml``
    below it (recursively, sorted, skipping hidden directories).

    Returns the files and a problem for each directory that holds none.
    """
    files: list[str] = []
    problems: list[Problem] = []
    for path in paths:
        p = Path(path)
        if str(path) != "-" and p.is_dir():
            found = sorted(
                str(f)
                for f in p.rglob("*")
                if f.suffix in (".yaml", ".yml")
                and f.is_file()
                and not any(part.startswith(".") for part in f.relative_to(p).parts[:-1])
            )
            if not found:
                problems.append(Problem(str(path), "directory holds no *.yaml or *.yml files"))
            files.extend(found)
        else:
            files.append(str(path))
    seen: set[str] = set()
    unique = [f for f in files if not (f in seen or seen.add(f))]
    return unique, problems


def load_checked(path: str | Path) -> Any:
    """Load and validate a scenario file, including its ``lint.disable`` ids."""
    from csmodel.lints import disable_problems
    from csmodel.loader import load_document

    doc = load_document(path)
    problems = disable_problems(doc)
    if problems:
        raise ScenarioError(problems)
    return doc


def check_document(doc: Any, sets: Sequence[Any] = (), disable: Iterable[str] = ()) -> FileReport:
    """Every declared check and every enabled lint of one loaded document.

    ``sets`` are ``--set`` overrides (applied to the base and to every
    variant); ``disable`` are lint ids switched off for this run (the file's
    ``lint.disable`` ids are switched off too). Raises :class:`ScenarioError`
    when an override makes the scenario invalid.
    """
    from csmodel.lints import run_lints
    from csmodel.overrides import resolve

    scenarios: dict[str | None, Any] = {}

    def scenario_for(variant: str | None) -> Any:
        if variant not in scenarios:
            scenarios[variant] = resolve(doc, variant, list(sets))
        return scenarios[variant]

    base = scenario_for(None)
    cache = {None: Results(base)}  # the base is projected once, for checks and lints
    results = run_checks(doc, scenario_for, cache)
    off = set(disable) | set(base.lint.disable)
    results += run_lints(doc, cache[None], off)
    return FileReport(doc.file, tuple(results))


def check_paths(
    paths: Iterable[str | Path],
    sets: Sequence[Any] = (),
    disable: Iterable[str] = (),
    *,
    strict: bool = False,
) -> Report:
    """``csmodel check``: every file (directories expanded), all problems collected."""
    files, problems = expand_paths(paths)
    disable = tuple(disable)
    reports: list[FileReport] = []
    for file in files:
        try:
            reports.append(check_document(load_checked(file), sets, disable))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    return Report(tuple(reports), tuple(problems), strict)


def validate_paths(paths: Iterable[str | Path]) -> tuple[list[str], list[Problem]]:
    """``csmodel validate``: the files that are valid scenarios, and the problems of the rest.

    Schema only (load and cross-key rules, variants, lint ids): nothing is projected.
    """
    files, problems = expand_paths(paths)
    valid: list[str] = []
    for file in files:
        try:
            load_checked(file)
        except ScenarioError as exc:
            problems.extend(exc.problems)
        else:
            valid.append(file)
    return valid, problems


__all__ = [
    "FileReport",
    "Report",
    "Result",
    "Results",
    "check_document",
    "check_id",
    "check_paths",
    "evaluate_check",
    "expand_paths",
    "metric_value",
    "run_checks",
    "validate_paths",
]
