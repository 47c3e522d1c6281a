"""What ``csmodel check`` finds, as data: results, the report, and the value of any
metric id for a scenario, over the horizon or in one plan or fiscal year (the lower
half of the check layer: lints and declared checks both produce these). The rule for
a check's ``year`` is written once, at :data:`YEAR_METRICS`.
"""

from __future__ import annotations

import math
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


def undefined_reason(
    metric: str, segment: str | None, scenario: Any, year: int | str | None = None
) -> str | None:
    """Why ``metric`` (in ``year``, when given) has no value for this scenario, in words
    (``None`` if not known)."""
    if year is not None:
        why = year_problem(scenario, metric, year)
        if why or metric not in _RETENTION:
            return why
        y = year_of(scenario, year)
        return f"the book is empty when {y.label if y else year} opens"
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
    currency money is in. ``year`` is a check's ``year`` (a plan year ``2`` or a
    fiscal year ``"FY2028"``; ``None`` over the horizon). ``line`` counts from 1
    (``None`` when the result is about the whole file, e.g. a lint that found nothing).
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
    year: int | str | None = None
    probability: float | None = None
    simulation: Share | None = None

    @property
    def value_text(self) -> str:
        """The value as people read it (``89.07%``, ``$1,234``, ``19.95``); empty when none.
        A probabilistic check shows the share of paths that met the bound."""
        if self.simulation is not None:
            return f"{show(self.simulation.share, 'rate')} of paths"
        return "" if self.value is None else show(self.value, self.unit, self.currency)

    @property
    def bound_text(self) -> str:
        """``min 90.00%``, ``max 25.00`` or ``90.00% to 110.00%``; empty when unbounded;
        a probabilistic check adds ``in >= 80.00% of paths``."""
        text = bound_text(self.min, self.max, self.unit, self.currency)
        if self.probability is not None:
            text += f" in >= {show(self.probability, 'rate', exact=True)} of paths"
        return text


Z95 = 1.959963984540054
"""The standard normal's 97.5th percentile: a two-sided 95% interval."""


@dataclass(frozen=True)
class Share:
    """How many of a simulation's paths met a probabilistic check's bound: ``met`` of
    ``paths`` (seed ``seed``; ``discrete``: whole accounts drawn), with the 95% Wilson
    score interval ``low .. high`` of the share (Wilson 1927; it stays inside [0, 1] and
    is honest at 0 and ``paths``)."""

    met: int
    paths: int
    seed: int
    discrete: bool = False

    @property
    def share(self) -> float:
        return self.met / self.paths

    @property
    def interval(self) -> tuple[float, float]:
        n, p, z2 = self.paths, self.share, Z95 * Z95
        centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        half = Z95 / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
        return max(0.0, centre - half), min(1.0, centre + half)


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

    def __init__(self, scenario: Any, projection: Any = None):
        self.scenario = scenario
        if projection is not None:  # already projected (e.g. one path of a simulation)
            self.__dict__["projection"] = projection

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


def metric_value(
    results: Results, metric: str, segment: str | None = None, year: int | str | None = None
) -> float | None:
    """The value of ``metric`` for the book (``segment=None``) or one segment, over the
    horizon or, given ``year`` (a plan year ``2`` or a fiscal year ``"FY2028"``), in that
    year (:func:`year_value`, :data:`YEAR_METRICS`).

    Metric ids of DOMAIN.md 4.5 are those of ``csmodel project`` (book-level
    ``Projection.metrics``, or ``segment_metrics``). The headcount ids are those
    of ``csmodel headcount`` for a segment; for the whole book:

    - ``hours_per_account``: yearly CSM hours per account, weighted by starting
      accounts over segments with a workload model (= productive hours /
      ``accounts_per_csm`` of the book);
    - ``fte_required``: the sum of the segments' peak FTE (fully staffed book);
    - ``recommended_csms``: the sum of the segments' recommended (rounded-up) CSMs;
    - ``staffed_csms``: the sum of ``csms`` over segments that set it, in the month
      the most are on staff when ``csms`` are schedules (``None``
      when none does);
    - ``accounts_per_csm`` and ``coverage``: the book metrics (coverage is the
      lowest month of any segment).

    ``None`` when the value is undefined for this scenario.
    """
    from csmodel.engine import segment_hours_per_account
    from csmodel.metrics import round_up

    if year is not None:
        return year_value(results, metric, segment, year)
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
    if metric == "staffed_csms":  # a staffing plan (schedule): the most on staff in any month
        from csmodel.dates import Calendar
        from csmodel.schedule import series

        staffed = [sc.segments[n].csms for n in names if sc.segments[n].csms is not None]
        if not staffed:
            return None
        h, cal = sc.horizon_months, Calendar.of(sc)
        months = zip(*(series(x, h, cal) for x in staffed), strict=True)
        return float(max(sum(month) for month in months))
    raise KeyError(metric)  # pragma: no cover - every headcount id is handled above


# --- checks on one year -------------------------------------------------------------------

YEAR_METRICS: dict[str, str] = {
    "total_revenue": "revenue recognised in the year's months",
    "csm_cost": "CSM cost of the year's months",
    "contribution": "contribution of the year's months (revenue after cost to serve, less "
    "CSM and acquisition cost)",
    "ending_arr": "the year's closing ARR: 12 x MRR after every change dated in its last month",
    "coverage": "lowest monthly coverage in the year",
    "nrr": "NRR of the book there when the plan year opened, over its twelve months",
    "grr": "GRR of that book over the plan year",
    "logo_retention": "logo retention of that book over the plan year",
}
"""Metric ids a check may bound in one ``year`` (DOMAIN 7 and 11.1), with what each means
for a year. ``gross_profit`` (deprecated) is ``contribution``.

The rule for a year, plan or fiscal: sums (revenue, CSM cost, contribution) and the
lowest coverage are over the year's months, so the whole year must lie inside the plan:
a total the plan only partly knows is not reported as the year's. The closing ARR is a
point figure, known whenever the year's last month is inside the plan (a fiscal year the
plan starts part-way through has one). NRR, GRR and logo retention follow the book that
was there when a *plan* year opened over its twelve months of change (DOMAIN 11.1), so
a fiscal year takes them only when it is a plan year (its first month is plan month 1,
13, 25, ...); otherwise the check is refused, naming the plan year to write instead.
"""

_YEAR_RETENTION = frozenset({"nrr", "grr", "logo_retention"})


@dataclass(frozen=True)
class Year:
    """A check's ``year`` placed on the plan: plan months ``first .. last`` (1-based).

    A fiscal year may open before the plan starts (``first < 1``) or close after it ends
    (``last > horizon``); ``plan_year`` is the plan year it is (1, 2, ...) when its first
    month is a plan year's, else ``None``.
    """

    label: str  # in messages: "plan year 2", "FY2028"
    first: int
    last: int
    plan_year: int | None


def year_of(scenario: Any, year: int | str) -> Year | None:
    """Where ``year`` (a plan year ``2`` or a fiscal year ``"FY2028"``) lies in the plan;
    ``None`` for a fiscal year of a plan without ``start``."""
    from csmodel.dates import Calendar

    if isinstance(year, int):
        return Year(f"plan year {year}", 12 * year - 11, 12 * year, year)
    cal = Calendar.of(scenario)
    if not cal.dated:
        return None
    fy = int(year[2:])
    fys = cal.fiscal_year_start
    # the calendar year FY`fy` opens in (see Calendar.fiscal_year)
    opens = fy if fys == 1 or not cal.label_end else fy - 1
    first = cal.plan_month(opens, fys)
    n = (first - 1) // 12 + 1 if first >= 1 and (first - 1) % 12 == 0 else None
    return Year(year, first, first + 11, n)


def year_text(scenario: Any, year: int | str) -> str:
    """How a check's year reads in its message: ``FY2028``, ``plan year 2`` or, in a
    dated plan (where fiscal and plan years may differ), ``plan year 2 (Feb 2028 to
    Jan 2029)``."""
    from csmodel.dates import Calendar

    y = year_of(scenario, year)
    if y is None:
        return str(year)
    cal = Calendar.of(scenario)
    if y.plan_year is not None and isinstance(year, int) and cal.dated:
        return f"{y.label} ({_span(cal, y.first, y.last)})"
    return y.label


def _span(cal: Any, first: int, last: int) -> str:
    return f"{cal.month_label(first)} to {cal.month_label(last)}"


def _plan_years(whole: int) -> str:
    if whole == 0:
        return "no whole plan year"
    return "plan year 1" if whole == 1 else f"plan years 1 to {whole}"


def _whole_fiscal_years(cal: Any, horizon: int) -> str:
    whole = [p.label for p in cal.periods("year", horizon) if not p.partial]
    if not whole:
        return "the plan holds no whole fiscal year"
    if len(whole) == 1:
        return f"the one whole fiscal year in the plan is {whole[0]}"
    return f"whole fiscal years in the plan: {whole[0]} to {whole[-1]}"


def year_problem(scenario: Any, metric: str, year: int | str) -> str | None:
    """Why a check cannot bound ``metric`` in ``year`` for ``scenario``, in words; ``None``
    when it can (the rule: :data:`YEAR_METRICS`). The same text is the located error
    when the file is validated and the reason a check is undefined at run time (a
    variant or ``--set`` may change the horizon or the calendar)."""
    from csmodel.dates import Calendar

    metric = DEPRECATED_METRICS.get(metric, metric)
    if metric not in YEAR_METRICS:
        return (
            f"`{metric}` has no value per year; with `year`, a check bounds one of "
            f"{', '.join(YEAR_METRICS)}"
        )
    h = scenario.horizon_months
    whole = h // 12
    y = year_of(scenario, year)
    if y is None:
        return (
            f"a fiscal year ({year}) needs the plan's `start` (e.g. start: 2027-01) to place "
            "it; without one, name a plan year: `year: 1` is the plan's first twelve months"
        )
    if isinstance(year, int):
        if y.first > h:
            return (
                f"{y.label} is outside the plan: the {h}-month horizon holds {_plan_years(whole)}"
            )
        if y.last > h:
            return (
                f"{y.label} (months {y.first} to {y.last}) ends after the plan's {h} months: "
                f"a year check needs the whole year; the plan holds {_plan_years(whole)}"
            )
        return None
    cal = Calendar.of(scenario)
    if y.last < 1 or y.first > h:
        return f"{y.label} is outside the plan ({_span(cal, 1, h)}); {_whole_fiscal_years(cal, h)}"
    if metric in _YEAR_RETENTION and y.plan_year is None:
        # the whole plan year that overlaps this fiscal year most
        n = (y.first - 1) // 12 + 1  # the plan year it opens in (0: before the plan)
        into = (y.first - 1) % 12  # its months in plan year n + 1 are `into`
        best = min(max(n + 1 if into > 6 or n < 1 else n, 1), whole)
        hint = (
            f"write `year: {best}` ({_span(cal, 12 * best - 11, 12 * best)}), the closest, or"
            if whole
            else "or"
        )
        back = (cal.year_month(1)[1] - cal.fiscal_year_start) % 12  # plan month 1 into its FY
        return (
            f"`{metric}` follows the book there when a plan year opens (twelve months from "
            f"`start`, {cal.month_label(1)}), so a fiscal year has one only if it is a plan "
            f"year, and {y.label} ({_span(cal, y.first, y.last)}) is not: the plan holds "
            f"{_plan_years(whole)}; {hint} start the plan on a fiscal year's first month "
            f"(start: {cal.iso(1 - back)})"
        )
    if y.last > h:
        return (
            f"{y.label} closes in {cal.month_label(y.last)}, after the plan ends "
            f"({cal.month_label(h)}): a year check needs the year's last month inside the "
            f"plan; {_whole_fiscal_years(cal, h)}"
        )
    if y.first < 1 and metric != "ending_arr":
        return (
            f"{y.label} opens in {cal.month_label(y.first)}, before the plan starts "
            f"({cal.month_label(1)}): the plan knows {y.last} of its 12 months, so its "
            f"`{metric}` is not known; it takes only `ending_arr` (its closing ARR); "
            f"{_whole_fiscal_years(cal, h)}"
        )
    return None


def year_value(results: Results, metric: str, segment: str | None, year: int | str) -> float | None:
    """The value of ``metric`` in ``year`` for the book or one segment (see
    :data:`YEAR_METRICS`); ``None`` when the year cannot be checked (:func:`year_problem`)
    or the value is undefined (a ratio over an empty book).

    Sums over the year's plan months ``first .. last`` of the projection's monthly
    arrays (revenue is the MRR billed each month; contribution is
    ``metrics.monthly_contribution``); coverage is the lowest month of any segment;
    ending ARR is ``metrics.exit_arr`` of the year's last month; NRR, GRR and logo
    retention are ``metrics.retention`` of ``metrics.starting_book`` of the plan year.
    """
    from csmodel.metrics import exit_arr, monthly_contribution, retention, starting_book

    sc = results.scenario
    if year_problem(sc, metric, year) is not None:
        return None
    metric = DEPRECATED_METRICS.get(metric, metric)
    y = year_of(sc, year)
    assert y is not None
    pr = results.projection
    sel: Any = slice(None) if segment is None else [pr.segments.index(segment)]
    a, b = max(y.first, 1) - 1, y.last  # engine months a .. b - 1
    if metric in _YEAR_RETENTION:
        assert y.plan_year is not None
        if y.plan_year > pr.year_open_mrr.shape[0]:
            return None  # pragma: no cover - year_problem refuses a partial plan year
        nrr, grr, logos = retention(starting_book(pr, y.plan_year - 1, sel))
        return {"nrr": nrr, "grr": grr, "logo_retention": logos}[metric]
    if metric == "ending_arr":
        return exit_arr(pr, b, sel)
    if metric == "total_revenue":
        return float(pr.mrr[a:b, sel].sum())
    if metric == "csm_cost":
        return float(pr.csm_cost[a:b, sel].sum())
    if metric == "contribution":
        return float(monthly_contribution(pr)[a:b, sel].sum())
    if metric == "coverage":
        return float(pr.coverage[a:b, sel].min())
    raise KeyError(metric)  # pragma: no cover - every id of YEAR_METRICS is handled above
