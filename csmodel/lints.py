"""Built-in assumption lints: planning assumptions that are legal but probably wrong.

Each lint is a small pure function registered under a stable id with
:func:`lint`; its docstring's first line is its rationale (shown by
``csmodel check`` and listed in README). It receives the results of the
file's base scenario (``--set`` overrides applied; variants are what-ifs and
are not linted) and yields :class:`Hit` s, each pointing at the key of the file
it is about. Lints are warnings: they fail ``csmodel check`` only with
``--strict``. A file switches lints off with ``lint: {disable: [id, ...]}``, a
run with ``--disable id``; an unknown id is an error.

To add a lint: write a function here, decorate it with ``@lint("new-id")``,
give it a one-line docstring, and add a minimal scenario that triggers it to
``tests/scenarios/lint/new-id.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

from csmodel.errors import Problem, UsageError
from csmodel.results import PASS, WARN, Result, Results, show

PRODUCTIVITY_RANGE = (0.40, 0.85)
"""Productivity outside this range is flagged."""
MAX_ANNUAL_CHURN = 0.50
"""Churn losing more than this share of accounts a year (annualised) is flagged."""
MAX_ANNUAL_EXPANSION = 1.00
"""Expansion growing revenue by more than this a year (annualised, rate x share) is flagged:
best-in-class NRR is 120-150%, so expansion alone doubling the book every year is almost
always a yearly rate typed as monthly (4%/month, the paper's example, is 60% a year)."""
MAX_MONTHLY_SHARED_RATE = 0.10
"""A monthly movement above this rate with a ``share`` below 100% is flagged."""
NEW_LOGO_ACV_RANGE = (0.5, 2.0)
"""New-logo ACV outside this multiple of the segment's ACV is flagged."""
MIN_HORIZON = 12
"""Months of change NRR, GRR and logo retention need."""
MAX_SCHEDULE_STEP = 3.0
"""A schedule whose value grows or shrinks more than this factor from one key to the next
is flagged (a typo'd extra or missing zero is 10×); steps from or to zero are not."""

_RATE_FIELDS = frozenset({"rate", "share", "onboarding_rate", "productivity", "cost_to_serve"})
_MONEY_FIELDS = frozenset({"acv", "cost_per_csm", "cac_per_logo"})


@dataclass(frozen=True)
class Hit:
    """One finding of a lint: the key it is about (a path into the file) and what is wrong."""

    path: tuple[Any, ...]
    message: str
    segment: str | None = None
    value: float | None = None
    min: float | None = None
    max: float | None = None
    unit: str = "number"


@dataclass(frozen=True)
class Lint:
    id: str
    rationale: str
    find: Callable[[Results], Iterable[Hit]]


LINTS: dict[str, Lint] = {}
"""Every lint by id, in the order they run and are documented."""


def lint(lint_id: str) -> Callable[[Callable[[Results], Iterable[Hit]]], Any]:
    """Register a lint function under ``lint_id``; its docstring is the rationale."""

    def register(fn: Callable[[Results], Iterable[Hit]]) -> Callable[[Results], Iterable[Hit]]:
        doc = (fn.__doc__ or "").strip().splitlines()
        LINTS[lint_id] = Lint(lint_id, doc[0] if doc else lint_id, fn)
        return fn

    return register


def _segments(r: Results) -> Iterator[tuple[str, Any]]:
    yield from r.scenario.segments.items()


def _rate(x: float) -> str:
    return show(x, "rate")


def _csms(n: float) -> str:
    return f"{show(n, 'count')} CSM covers" if n == 1 else f"{show(n, 'count')} CSMs cover"


# --- the lints --------------------------------------------------------------------------


@lint("productivity-out-of-range")
def productivity(r: Results) -> Iterator[Hit]:
    """Productivity above 85% leaves no time for admin; below 40% inflates the CSMs needed."""
    p = r.scenario.team.productivity
    lo, hi = PRODUCTIVITY_RANGE
    if p > hi:
        why = f"above {_rate(hi)}: CSMs also need time for admin, training and internal work"
    elif p < lo:
        why = f"below {_rate(lo)}: it inflates the CSMs every account needs"
    else:
        return
    message = f"productivity {_rate(p)} is {why}"
    yield Hit(("team", "productivity"), message, None, p, lo, hi, "rate")


def annualised_loss(rate: float, period_months: int) -> float:
    """Share of accounts lost in a year to ``rate`` every L months: 1 - (1 - rate)^(12/L)."""
    return 1.0 - (1.0 - rate) ** (12.0 / period_months)


@lint("extreme-churn")
def extreme_churn(r: Results) -> Iterator[Hit]:
    """Churn that loses over half the book in a year is almost always a monthly/yearly mix-up."""
    for name, seg in _segments(r):
        c = seg.churn
        loss = annualised_loss(c.rate, c.period_months)
        if loss > MAX_ANNUAL_CHURN:
            hint = "; was `every: year` meant?" if c.every != "year" else ""
            yield Hit(
                ("segments", name, "churn", "rate"),
                f"{name}: churn of {_rate(c.rate)} every {c.every} loses {_rate(loss)} of the "
                f"accounts a year (over {_rate(MAX_ANNUAL_CHURN)}){hint}",
                name,
                loss,
                None,
                MAX_ANNUAL_CHURN,
                "rate",
            )


def annualised_growth(rate: float, period_months: int) -> float:
    """Growth in a year from ``rate`` every L months, compounded: (1 + rate)^(12/L) - 1."""
    return (1.0 + rate) ** (12.0 / period_months) - 1.0


@lint("extreme-expansion")
def extreme_expansion(r: Results) -> Iterator[Hit]:
    """Expansion that more than doubles revenue in a year is almost always a monthly/yearly slip."""
    for name, seg in _segments(r):
        ex = seg.expansion
        if ex.every == "month" and ex.rate > MAX_MONTHLY_SHARED_RATE and ex.share < 1.0:
            continue  # partial-share-monthly already names this slip, at the same key
        growth = annualised_growth(ex.rate * ex.share, ex.period_months)
        if growth > MAX_ANNUAL_EXPANSION:
            taken = f" taken by {_rate(ex.share)} of accounts" if ex.share < 1 else ""
            hint = "; was `every: year` meant?" if ex.every != "year" else ""
            yield Hit(
                ("segments", name, "expansion", "rate"),
                f"{name}: expansion of {_rate(ex.rate)} every {ex.every}{taken} grows revenue "
                f"{_rate(growth)} a year (over {_rate(MAX_ANNUAL_EXPANSION)}){hint}",
                name,
                growth,
                None,
                MAX_ANNUAL_EXPANSION,
                "rate",
            )


@lint("understaffed")
def understaffed(r: Results) -> Iterator[Hit]:
    """Staffed CSMs cover less than the workload in some month: churn rises and expansion falls."""
    from csmodel.metrics import round_up
    from csmodel.results import below

    if all(seg.csms is None for _, seg in _segments(r)):
        return  # fully staffed: nothing to project
    pr = r.projection
    h = pr.horizon
    for i, (name, seg) in enumerate(_segments(r)):
        if seg.csms is None:
            continue
        coverage = pr.coverage[:h, i]
        short = [m for m in range(h) if below(float(coverage[m]), 1.0)]
        if not short:
            continue
        lowest = float(coverage.min())
        rec = round_up(r.peak_fte[name])
        yield Hit(
            ("segments", name, "csms"),
            f"{name}: {_csms(seg.csms)} {_rate(lowest)} of the workload at "
            f"worst, short from month {short[0] + 1}; `csmodel headcount` recommends {rec}",
            name,
            lowest,
            1.0,
            None,
            "rate",
        )


@lint("meetings-exceed-capacity")
def meetings_exceed_capacity(r: Results) -> Iterator[Hit]:
    """Meetings needing more hours per account than one CSM has in a year cannot be delivered."""
    team = r.scenario.team
    productive = team.productive_hours
    for name, seg in _segments(r):
        hpa = seg.hours_per_account
        if hpa is not None and hpa > productive:
            yield Hit(
                ("segments", name, "meetings"),
                f"{name}: meetings need {show(hpa, 'hours')} per account a year, more than the "
                f"{show(productive, 'hours')} one CSM has ({team.hours_per_year:,.0f} h × "
                f"{_rate(team.productivity)} productivity)",
                name,
                hpa,
                None,
                productive,
                "hours",
            )


@lint("short-horizon")
def short_horizon(r: Results) -> Iterator[Hit]:
    """A horizon under 12 months leaves NRR, GRR and logo retention undefined."""
    h = r.scenario.horizon_months
    if h < MIN_HORIZON:
        yield Hit(
            ("horizon_months",),
            f"horizon of {h} months: NRR, GRR and logo retention need {MIN_HORIZON} months of "
            "change and are undefined",
            None,
            float(h),
            float(MIN_HORIZON),
            None,
            "months",
        )


@lint("partial-share-monthly")
def partial_share_monthly(r: Results) -> Iterator[Hit]:
    """A share below 100% on a monthly movement above 10% usually hides a yearly rate."""
    for name, seg in _segments(r):
        for movement in ("expansion", "price_increase"):
            mv = getattr(seg, movement)
            if mv.every == "month" and mv.rate > MAX_MONTHLY_SHARED_RATE and mv.share < 1.0:
                yield Hit(
                    ("segments", name, movement, "share"),
                    f"{name}: {movement} of {_rate(mv.rate)} every month taken by "
                    f"{_rate(mv.share)} of accounts (an expected {_rate(mv.rate * mv.share)} a "
                    f"month on the whole segment); a monthly rate above "
                    f"{_rate(MAX_MONTHLY_SHARED_RATE)} usually means a yearly one",
                    name,
                    mv.rate,
                    None,
                    MAX_MONTHLY_SHARED_RATE,
                    "rate",
                )


@lint("expansion-without-churn")
def expansion_without_churn(r: Results) -> Iterator[Hit]:
    """Expansion with no churn at all is an optimistic plan: every account renews forever."""
    for name, seg in _segments(r):
        ex = seg.expansion
        if ex.rate * ex.share > 0 and seg.churn.rate == 0:
            yield Hit(
                ("segments", name, "expansion"),
                f"{name}: expansion of {_rate(ex.rate)} every {ex.every} but no churn: every "
                "account renews forever; add `churn:` or disable this lint with a reason",
                name,
                ex.rate,
                None,
                None,
                "rate",
            )


@lint("new-logo-acv-mismatch")
def new_logo_acv_mismatch(r: Results) -> Iterator[Hit]:
    """New logos priced outside half to double the segment's ACV belong in another segment."""
    lo, hi = NEW_LOGO_ACV_RANGE
    cur = r.scenario.currency
    for name, seg in _segments(r):
        nl = seg.new_logos
        if nl.acv is None or nl.per_month <= 0:
            continue
        ratio = nl.acv / seg.acv
        if ratio < lo or ratio > hi:
            yield Hit(
                ("segments", name, "new_logos", "acv"),
                f"{name}: new logos at {show(nl.acv, 'money', cur)} ACV are "
                f"{show(ratio, 'ratio')} the segment's {show(seg.acv, 'money', cur)} (outside "
                f"{lo:g}× to {hi:g}×): another segment, or a typo?",
                name,
                ratio,
                lo,
                hi,
                "ratio",
            )


def _schedule_unit(path: tuple[Any, ...]) -> str:
    name = str(path[-1])
    if name in _RATE_FIELDS:
        return "rate"
    if name in _MONEY_FIELDS:
        return "money"
    return "hours" if name == "hours_per_year" else "count"


@lint("schedule-jump")
def schedule_jump(r: Results) -> Iterator[Hit]:
    """A schedule moving over 3× from one key to the next is usually an extra or missing zero."""
    from csmodel.document import schedules

    cur = r.scenario.currency
    for path, sched in schedules(r.scenario):
        if path[:1] in (("variants",), ("checks",)):
            continue
        segment = str(path[1]) if path[0] == "segments" else None
        field = ".".join(str(p) for p in (path[2:] if segment else path))
        unit = _schedule_unit(path)
        for (_, before), (key, after) in pairwise(sched.points):
            if before == 0 or after == 0:
                continue  # starting or stopping (0 -> 5 logos) is a plan, not a typo
            factor = max(after / before, before / after)
            if factor > MAX_SCHEDULE_STEP:
                moves = "jumps" if abs(after) > abs(before) else "drops"
                when = f"month {key}" if isinstance(key, int) else key
                yield Hit(
                    (*path, str(key)),
                    f"{segment + ': ' if segment else ''}{field} {moves} from "
                    f"{show(before, unit, cur)} to {show(after, unit, cur)} in {when} "
                    f"({show(factor, 'ratio')} in one step, over {MAX_SCHEDULE_STEP:g}×): "
                    f"an extra or missing zero?",
                    segment,
                    factor,
                    None,
                    MAX_SCHEDULE_STEP,
                    "ratio",
                )


# --- running them -------------------------------------------------------------------------


@lint("deprecated-metric")
def deprecated_metric(r: Results) -> Iterator[Hit]:
    """A check names a metric by a deprecated id (gross_profit is now contribution).

    Revenue after cost to serve, less CSM and acquisition cost, is a contribution, not a
    gross profit; the old id keeps working with the same value."""
    from csmodel.ids import DEPRECATED_METRICS

    for i, check in enumerate(r.scenario.checks):
        new = DEPRECATED_METRICS.get(check.metric)
        if new:
            yield Hit(
                ("checks", i, "metric"),
                f"`{check.metric}` is a deprecated metric id (same value): write `{new}`",
            )


MONTH_BY_MONTH = frozenset(
    {
        "productivity-out-of-range",
        "extreme-churn",
        "extreme-expansion",
        "meetings-exceed-capacity",
        "partial-share-monthly",
        "expansion-without-churn",
        "new-logo-acv-mismatch",
    }
)
"""Lints of input values: with schedules, they look at the inputs as they stand in every
month a schedule changes (:func:`_month_views`), not only the first."""


def _month_views(results: Results) -> list[tuple[str, Results]]:
    """The scenario as it stands in each month (after the first) where a schedule changes
    value, every schedule replaced by its value then: ``(label, results)`` pairs."""
    from csmodel.dates import Calendar
    from csmodel.document import schedules
    from csmodel.schedule import at
    from csmodel.schema import Scenario, plain

    sc = results.scenario
    found = schedules(sc)
    if not found:
        return []
    cal = Calendar.of(sc)
    months = sorted({k for _, s in found for k in s.months(cal) if k > 1})
    data = plain(sc, schedules=True)
    views = []
    for k in months:

        def fixed(x: Any, k: int = k) -> Any:
            if isinstance(x, dict):
                return {key: fixed(v) for key, v in x.items()}
            if isinstance(x, list):
                return [fixed(v) for v in x]
            return at(x, k, cal) if hasattr(x, "points") else x

        view = Scenario.model_validate(fixed(data))
        label = cal.month_label(k) if cal.dated else f"month {k}"
        views.append((label, Results(view)))
    return views


def run_lints(doc: Any, results: Results | Any, disabled: Iterable[str] = ()) -> list[Result]:
    """Every enabled lint on the document's base scenario, located in ``doc``.

    ``results`` are those of the base scenario (:class:`Results`, or the
    scenario itself). A lint that finds nothing gives one passing result (no
    line); one that finds something gives a warning per finding, at the line
    of the key.
    """
    off = set(disabled)
    if not isinstance(results, Results):
        results = Results(results)
    scenario = results.scenario
    out: list[Result] = []
    views = _month_views(results)
    for lint_id, spec in LINTS.items():
        if lint_id in off:
            continue
        hits = list(spec.find(results))
        if lint_id in MONTH_BY_MONTH:  # schedules: every month a value changes, once a key
            seen = {h.path for h in hits}
            for label, view in views:
                for hit in spec.find(view):
                    if hit.path not in seen:
                        seen.add(hit.path)
                        hits.append(replace(hit, message=f"{hit.message} (from {label})"))
        if not hits:
            out.append(Result(lint_id, "lint", PASS, spec.rationale, currency=scenario.currency))
            continue
        for hit in hits:
            pos = doc.source.marks.locate(hit.path, key=True)
            out.append(
                Result(
                    id=lint_id,
                    kind="lint",
                    status=WARN,
                    message=hit.message,
                    line=pos[0] if pos else None,
                    segment=hit.segment,
                    value=hit.value,
                    min=hit.min,
                    max=hit.max,
                    unit=hit.unit,
                    currency=scenario.currency,
                )
            )
    return out


def disable_problems(doc: Any) -> list[Problem]:
    """Located problems for ids in the file's ``lint.disable`` that name no lint."""
    from csmodel.loader import disable_problems as located

    return located(doc)


def check_disable_ids(ids: Iterable[str]) -> None:
    """Raise :class:`UsageError` for a ``--disable`` id that names no lint."""
    from csmodel.ids import unknown_lint

    for lint_id in ids:
        why = unknown_lint(lint_id)
        if why:
            raise UsageError(f"--disable {lint_id}: {why}")


__all__ = [
    "LINTS",
    "Hit",
    "Lint",
    "annualised_growth",
    "annualised_loss",
    "check_disable_ids",
    "disable_problems",
    "lint",
    "run_lints",
]
