"""Capacity and headcount (DOMAIN.md section 5): CSMs from meeting workload.

Owns the headcount report behind ``csmodel headcount``:

- workload by segment: hours per account from the meeting cadence, productive
  hours per CSM (``hours_per_year x productivity``), accounts per CSM, the
  peak required FTE over the horizon (the book as it grows and churns, with
  the onboarding load of new logos) and the recommended headcount;
- a staffing sweep: each whole CSM count from about half to one and a half
  times the recommendation (bounded: see :func:`sweep_range`), projected
  through the engine with coverage applied, so the revenue lost to
  understaffing is set against the cost saved;
- verdicts that say what they hinge on: revenue lost, the cost to serve it
  carried, CSM cost saved, the net, and the **break-even churn sensitivity**
  (the value of ``understaffing.churn_sensitivity`` at which a cut stops
  paying, found by root-finding over [0, 10]);
- every staffing alternative valued inside and past the horizon (DOMAIN.md
  11.2): its contribution delta over the horizon, its **exit ARR delta**, and
  its **break-even month** (the first horizon length, up to
  :data:`FAR_HORIZON` months, at which its cumulative contribution delta
  against the recommendation changes sign), from one projection of every
  alternative to :data:`FAR_HORIZON` months; with a ``valuation:`` block, its
  discounted value (:func:`value_of`);
- a hiring plan by quarter in whole people, with ramp and attrition
  (:data:`HIRING_RULE`), its CSM cost at each segment's own cost per CSM in
  force each month, by fiscal quarter when the scenario has ``start``;
- a staffing plan given as input (a scheduled ``csms``, DOMAIN.md 7) against
  the requirement month by month (:class:`PlannedStaffing`): the plan is
  projected as written and valued against the recommended flat staffing like
  a sweep row (the sweep's rows stay flat levels) and in its own verdict.

Schedules (DOMAIN.md 7): a staffed ``csms`` that changes over time is a
*plan*, never reduced to its first month; one that never changes is its
number (:func:`staffing_point`), so ``csms: {1: 4}`` reports exactly as
``csms: 4``. Cost per CSM, productive hours and ``accounts_per_csm`` are read
month by month where a month's value is meant (costs, coverage; a scheduled
cost to serve too, in what a verdict says the revenue change carried); the workload
table's per-CSM figures are those of the plan's first month, as ``project``'s
metrics, with their range over the horizon when a schedule moves them.

Work is bounded: a recommendation above :data:`MAX_RECOMMENDED_CSMS` is
refused with :class:`HeadcountTooLarge` (exit 2), and the sweep has at most
:data:`MAX_SWEEP_ROWS` rows.

Segments are independent in the engine (coverage is per segment), so each
staffing point is the one-segment scenario (:func:`only_segment`) with its
``csms`` set, and **every point of every segment runs in one batched engine
call** (:func:`csmodel.engine.project_batch`, chunked by :data:`BATCH_CHUNK`).
The break-even churn sensitivities are found the same way: each root-finding
step evaluates every still-open root's next point in one batch
(:func:`solve_roots`). :class:`_Evaluator` keeps the one-point-at-a-time
evaluation as the reference the batched one is tested against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from csmodel import schedule
from csmodel.dates import Calendar
from csmodel.engine import (
    ROW_CHURN_SENSITIVITY,
    Projection,
    params_from_rows,
    project,
    project_columns,
    run_batches,
    segment_hours_per_account,
    segment_row,
)
from csmodel.errors import CsmodelError
from csmodel.metrics import EPS, exit_arr, monthly_contribution, peak_fte, round_up
from csmodel.schedule import Schedule
from csmodel.schema import Scenario

MAX_RECOMMENDED_CSMS = 1_000_000
"""Largest recommendation csmodel sizes for one segment (the ``--csms`` maximum too).
Above it the workload inputs are almost surely a slip (``accounts_per_csm: 0.0000001``)."""
SWEEP_FULL_UP_TO = 25
"""Up to this recommendation the sweep holds every whole count from ~50% to ~150% of it."""
MAX_SWEEP_ROWS = 27
"""Most rows of a sweep: 27 at a recommendation of 25; above it, 11 (see sweep_range)."""
SWEEP_FRACTIONS = (0.5, 0.75, 1.25, 1.5)
SWEEP_NEAR = 3
BREAK_EVEN_MAX = 10.0
"""Break-even churn sensitivities are searched over [0, BREAK_EVEN_MAX]."""
BREAK_EVEN_XTOL = 1e-6
FAR_HORIZON = 240
"""Months a staffing alternative is projected to for its break-even month (DOMAIN 11.2)."""
BATCH_CHUNK = 2048
"""Most one-segment scenarios projected in one engine call (bounds memory at 240 months)."""

HIRING_RULE = (
    "Whole CSMs: expected departures (fractional) become a leaver each time their running "
    "total passes the next half person; csmodel hires only when the team, after those "
    "leavers, would fall short of the requirement by the time the hire is fully ramped."
)
"""The hiring plan's rule in one line (printed under the plan)."""
CSM_COST_NOTE = (
    "The plan's CSM cost counts the whole CSMs on staff each month, hires and leavers "
    "included; `project` charges a constant staffed `csms` (here: the plan's starting "
    "headcount), so the two differ by exactly the cost of hires net of leavers."
)
"""Why the plan's CSM cost can differ from ``project``'s, in one line."""


class HeadcountTooLarge(CsmodelError):
    """A segment's recommended headcount is beyond what csmodel sizes (exit 2)."""


def with_csms(scenario: Scenario, csms: dict[str, float | None]) -> Scenario:
    """The scenario with these segments' staffed CSMs replaced (``None`` = fully staffed),
    each through ``edit.edit``: validated like a file's ``csms`` (0 to 1,000,000). A
    staffing set here is a segment's pooled CSMs: an account book's owners (one CSM each,
    DOMAIN 8) no longer staff it."""
    from csmodel.book import without_owners
    from csmodel.edit import edit

    for name, n in csms.items():
        scenario = edit(scenario, ("segments", name, "csms"), n)
    return without_owners(scenario) if csms else scenario


def only_segment(scenario: Scenario, name: str) -> Scenario:
    """The scenario reduced to one segment (segments do not interact)."""
    return scenario.model_copy(
        update={"segments": MappingProxyType({name: scenario.segments[name]})}
    )


def fully_staffed(scenario: Scenario) -> Scenario:
    return with_csms(scenario, {name: None for name in scenario.segments})


def staffing_point(x: float | None) -> float | None:
    """A segment's staffing as the report keys and projects it: ``None`` (fully staffed),
    a float, or a :class:`~csmodel.schedule.Schedule` whose values change (a staffing plan).

    A schedule that never changes is its number, so ``csms: {1: 4}`` reports exactly as
    ``csms: 4``. A plan stays a ``Schedule``: hashable and never equal to a float, it keys
    its own projection and is never compared by its first month.
    """
    if x is None:
        return None
    if is_plan(x):
        return x
    return float(x)


def is_plan(x: Any) -> bool:
    """Whether a staffing is a plan that changes over time (a schedule of several values)."""
    return isinstance(x, Schedule) and len(set(x.values)) > 1


def month_words(cal: Calendar, k: int) -> str:
    """Plan month ``k`` in words: ``month 14 (Mar 2028)`` with ``start``, else ``month 14``."""
    return f"month {k} ({cal.month_label(k)})" if cal.dated else f"month {k}"


def plan_words(x: Schedule, cal: Calendar) -> str:
    """A staffing plan in a few words: ``3 CSMs in month 1, 4 from month 7, 5 from month 13``
    (``from Aug 2027`` with ``start``); with more than four keys, its first and last values
    and its range."""

    def when(k: int) -> str:
        return cal.month_label(k) if cal.dated else f"month {k}"

    pts = list(zip(x.months(cal), x.values, strict=True))
    later = "in" if x.linear else "from"
    if len(pts) > 4:
        (k0, v0), (k1, v1) = pts[0], pts[-1]
        text = (
            f"{_count(v0)} CSMs in {when(k0)} to {_count(v1)} {later} {when(k1)} in "
            f"{len(pts)} steps, between {_count(min(x.values))} and {_count(max(x.values))}"
        )
    else:
        text = ", ".join(
            f"{_count(v)} CSMs in {when(k)}" if i == 0 else f"{_count(v)} {later} {when(k)}"
            for i, (k, v) in enumerate(pts)
        )
    return text + (" (linear in between)" if x.linear else "")


@dataclass(frozen=True)
class SweepRow:
    """One staffing level; ``accounts_per_csm`` is the peak book over ``csms``."""

    csms: int
    accounts_per_csm: float | None
    coverage: float
    total_revenue: float
    csm_cost: float
    gross_profit: float
    delta_gross_profit: float
    break_even_churn_sensitivity: float | None = None
    """Rows below the recommendation: the churn sensitivity at which this staffing's gross
    profit equals the recommendation's (None above it, or when none in [0, 10] does)."""
    exit_arr: float | None = None
    """Closing ARR of month H (the ``ending_arr`` metric) with this staffing."""
    exit_arr_delta: float | None = None
    """``exit_arr`` minus the recommended row's."""
    break_even_month: int | None = None
    """First horizon length (months, past H, up to :data:`FAR_HORIZON`) at which the
    cumulative contribution delta against the recommendation has the opposite sign to
    its sign at H; None when it never turns (or the delta at H is zero)."""
    value: float | None = None
    """With a ``valuation:`` block, the staffing's value (:func:`value_of`); else None."""
    value_delta: float | None = None
    """``value`` minus the recommended row's (None without a ``valuation:`` block)."""

    @property
    def contribution(self) -> float:
        """The gross profit under its CFO name (DOMAIN.md 11.3)."""
        return self.gross_profit

    @property
    def contribution_delta(self) -> float:
        """Contribution over the horizon minus the recommended row's (DOMAIN.md 11.2)."""
        return self.delta_gross_profit


@dataclass(frozen=True)
class Verdict:
    """Plan ``csms`` against ``baseline`` CSMs for one segment, over the horizon.

    The changes are ``csms`` minus ``baseline``. ``cost_to_serve`` (the rate)
    and the understaffing sensitivities are the file's; ``cost_to_serve_change``
    is the cost to serve the revenue change carried (``revenue_change x
    cost_to_serve``). ``break_even_churn_sensitivity`` is the churn sensitivity
    (others as set) at which ``gross_profit_change`` is zero, or ``None`` when
    no value in [0, 10] makes it so; ``gain_at_zero``/``gain_at_max`` are the
    gross profit change at churn sensitivity 0 and 10, which say on which side
    it pays.
    """

    segment: str
    baseline: int
    csms: float
    csm_cost_change: float
    revenue_change: float
    gross_profit_change: float
    months: int
    cost_to_serve: float | None = None
    churn_sensitivity: float | None = None
    expansion_sensitivity: float | None = None
    break_even_churn_sensitivity: float | None = None
    gain_at_zero: float | None = None
    gain_at_max: float | None = None
    exit_arr_delta: float | None = None
    """Exit ARR with ``csms`` minus with ``baseline`` (DOMAIN.md 11.2)."""
    break_even_month: int | None = None
    """As :attr:`SweepRow.break_even_month`, for ``csms`` against ``baseline``."""
    value_delta: float | None = None
    """With a ``valuation:`` block, value with ``csms`` minus with ``baseline``."""
    search_months: int = FAR_HORIZON
    """How far past the horizon the break-even month was searched."""
    plan: str | None = None
    """When ``csms`` is a staffing plan (a schedule), the plan in words (:func:`plan_words`)."""
    cost_to_serve_carried: float | None = None
    """When cost to serve is a schedule that changes: the cost to serve the revenue change
    carried at the rate in force each month (revenue change - CSM cost change -
    contribution change, acquisition cost being the same); else ``None``."""

    @property
    def scheduled(self) -> bool:
        """Whether ``csms`` is a staffing plan that changes over time (not one number)."""
        return is_plan(self.csms)

    @property
    def contribution_delta(self) -> float:
        """Contribution over the horizon with ``csms`` minus with ``baseline``."""
        return self.gross_profit_change

    @property
    def cost_to_serve_change(self) -> float | None:
        """Change in cost to serve: the revenue change x the cost-to-serve rate (at the rate
        in force each month when it is scheduled: :attr:`cost_to_serve_carried`)."""
        if self.cost_to_serve_carried is not None:
            return self.cost_to_serve_carried
        if self.cost_to_serve is None:
            return None
        return self.revenue_change * self.cost_to_serve

    def _cts_share(self) -> str:
        """``15% of revenue``; with a scheduled cost to serve, the share the carried cost is
        of the revenue change: ``14.6% of it, at the rates in force``."""
        carried, dr = self.cost_to_serve_carried, self.revenue_change
        if carried is None or not dr:
            return f"{_share(self.cost_to_serve)} of revenue"
        return f"{_share(round(carried / dr, 4))} of it, at the rates in force"

    def _cts_rate(self) -> str:
        """The cost-to-serve rate the verdict rests on: ``15%`` or ``15% in month 1, scheduled``."""
        if self.cost_to_serve_carried is None:
            return _share(self.cost_to_serve)
        return f"{_share(self.cost_to_serve)} in month 1, scheduled"

    @property
    def contribution_change(self) -> float:
        """The gross profit change under its CFO name (DOMAIN.md 11.3)."""
        return self.gross_profit_change

    def sentence(self, money) -> str:
        """The plain-words lines, e.g. "Cutting mid-market from 4 to 3 CSMs saves ..."."""
        if self.scheduled:
            return self._plan_sentence(money)
        n = _count(self.csms)
        over = f"over {self.months} months"
        if self.csms == self.baseline:
            return f"{self.segment}: {n} CSMs is the recommended staffing."
        cts = self.cost_to_serve_change
        if self.csms < self.baseline:
            verb = "loses" if self.revenue_change < 0 else "keeps"
            net = (
                f"a net loss of {money(-self.gross_profit_change)} of contribution"
                if self.gross_profit_change < 0
                else f"a net gain of {money(self.gross_profit_change)} of contribution"
            )
            carried = ""
            if cts is not None and self.revenue_change < 0:
                carried = f", which carried {money(-cts)} of cost to serve ({self._cts_share()})"
            tail = f": {net} {over}." if carried else f" ({net}) {over}."
            head = (
                f"Cutting {self.segment} from {self.baseline} to {n} "
                f"{'CSM' if self.csms == 1 else 'CSMs'} saves "
                f"{money(-self.csm_cost_change)} of CSM cost and {verb} "
                f"{money(abs(self.revenue_change))} of revenue{carried}{tail}"
            )
            return head + self._past(money) + self._hinges("cut")
        net = (
            f"a net gain of {money(self.gross_profit_change)} of contribution"
            if self.gross_profit_change >= 0
            else f"a net loss of {money(-self.gross_profit_change)} of contribution"
        )
        carried = ""
        if cts is not None and self.revenue_change > 0:
            carried = f", which carries {money(cts)} of cost to serve ({self._cts_share()})"
        tail = f": {net} {over}." if carried else f" ({net}) {over}."
        head = (
            f"Staffing {self.segment} with {n} CSMs instead of {self.baseline} costs "
            f"{money(self.csm_cost_change)} more and adds {money(self.revenue_change)} of "
            f"revenue{carried}{tail}"
        )
        return head + self._past(money) + self._hinges("plan")

    def _plan_sentence(self, money) -> str:
        """A staffing plan (scheduled ``csms``) against the flat recommendation: CSM cost,
        revenue and contribution changes in words, by their signs (a plan may cut some
        months and add others, so it is neither a cut nor extra staffing)."""
        over = f"over {self.months} months"
        dc, dr, g = self.csm_cost_change, self.revenue_change, self.gross_profit_change
        cost = (
            f"costs {money(dc)} more in CSMs"
            if dc > 0.5
            else (f"saves {money(-dc)} of CSM cost" if dc < -0.5 else "costs the same in CSMs")
        )
        revenue = (
            f"adds {money(dr)} of revenue"
            if dr > 0.5
            else (f"loses {money(-dr)} of revenue" if dr < -0.5 else "keeps the same revenue")
        )
        cts = self.cost_to_serve_change
        carried = ""
        if cts is not None and abs(dr) > 0.5:
            carried = (
                f", which {'carries' if dr > 0 else 'carried'} {money(abs(cts))} of cost to "
                f"serve ({self._cts_share()})"
            )
        net = (
            f"a net gain of {money(g)} of contribution"
            if g >= 0
            else f"a net loss of {money(-g)} of contribution"
        )
        tail = f": {net} {over}." if carried else f" ({net}) {over}."
        head = (
            f"Following the {self.segment} staffing plan ({self.plan or 'scheduled csms'}) "
            f"instead of a flat {self.baseline} CSMs (the recommendation) {cost} and "
            f"{revenue}{carried}{tail}"
        )
        return head + self._past(money) + self._hinges("schedule")

    def _past(self, money) -> str:
        """Inside and past the horizon in one sentence (DOMAIN.md 11.2), e.g. "The cut gains
        $156,804 over 36 months but ends with $286,886 less exit ARR and is behind from
        month 49." """
        x = self.exit_arr_delta
        if x is None:
            return ""
        if self.scheduled:
            who = "The plan"
        else:
            who = "The cut" if self.csms < self.baseline else "The extra staffing"
        g = self.gross_profit_change
        gain = f"gains {money(g)}" if g >= 0 else f"loses {money(-g)}"
        if abs(x) < 0.5:
            ends, joint = "ends with the same exit ARR", "and"
        else:
            more = "more" if x > 0 else "less"
            ends = f"ends with {money(abs(x))} {more} exit ARR"
            joint = "but" if (g >= 0) != (x > 0) else "and"
        tail = ""
        month = self.break_even_month
        if self.months < self.search_months:
            if month is not None:
                side = "behind" if g > 0 else "ahead"
                tail = f" and is {side} from month {month}"
            elif g > 0:
                tail = f" and stays ahead through month {self.search_months}"
            elif g < 0:
                tail = f" and is still behind at month {self.search_months}"
        out = f" {who} {gain} over {self.months} months {joint} {ends}{tail}."
        if self.value_delta is not None:
            dv = self.value_delta
            out += (
                f" Its value (discounted contribution plus exit ARR at the terminal multiple) "
                f"is {money(abs(dv))} {'higher' if dv >= 0 else 'lower'}."
            )
        return out

    def _hinges(self, what: str) -> str:
        """What the result rests on, and the break-even churn sensitivity, in words."""
        if self.cost_to_serve is None or self.churn_sensitivity is None:
            return ""
        out = (
            f" This rests on cost to serve ({self._cts_rate()}) and the "
            f"understaffing sensitivities (churn {self.churn_sensitivity:g}, expansion "
            f"{self.expansion_sensitivity:g}), which the source paper does not quantify:"
        )
        this = {"cut": "this cut", "schedule": "this plan"}.get(what, "this staffing")
        be = self.break_even_churn_sensitivity
        file = f"the file assumes {self.churn_sensitivity:g}"
        if be is not None:
            side = "below" if (self.gain_at_zero or 0.0) > 0 else "above"
            return out + f" {this} pays only if churn sensitivity is {side} {be:.2f}; {file}."
        lo, hi = self.gain_at_zero, self.gain_at_max
        if lo is None or hi is None:
            return out[: -len(":")] + "."
        top = f"{BREAK_EVEN_MAX:g}"
        if abs(hi - lo) <= 0.005:
            return out + (
                f" churn sensitivity does not change {this}'s result (coverage stays full, "
                "or there is no churn for it to raise), "
                "so no value makes it break even."
            )
        if lo > 0 and hi > 0:
            return out + (
                f" {this} pays at every churn sensitivity from 0 to {top}, so no value in "
                f"that range makes it break even; {file}."
            )
        return out + (
            f" {this} does not pay at any churn sensitivity from 0 to {top}, so no value in "
            f"that range makes it break even; {file}."
        )


def _share(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:g}%"


def _count(x: float) -> str:
    """A CSM count as people write it: 3, 2.5, 1,000,000,000."""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,.2f}".rstrip("0")


@dataclass(frozen=True)
class PlannedStaffing:
    """A staffing plan given as input (a scheduled ``csms``) against the requirement.

    Monthly arrays have shape ``(H,)``, index ``m`` = plan month ``m + 1``, read off the
    segment projected with the plan as written: ``planned`` CSMs in force,
    ``required_fte`` the FTE the book needs that month as it evolves under the plan
    (so ``coverage = min(1, planned / required_fte)``, DOMAIN.md 5.3) and ``csm_cost``
    the planned CSMs at the segment's cost per CSM in force (``planned x cost / 12``).
    ``first_short_month`` is the first plan month (1-based) whose coverage is below
    100%, ``None`` when the plan covers every month. The horizon figures and the
    deltas against the recommended flat staffing (``baseline_csms``) are those of a
    sweep row (:class:`SweepRow`); the deltas are ``None`` when the segment is not swept.
    """

    planned: np.ndarray
    required_fte: np.ndarray
    coverage: np.ndarray
    csm_cost: np.ndarray
    first_short_month: int | None
    lowest_coverage: float
    total_revenue: float
    total_csm_cost: float
    contribution: float
    exit_arr: float
    baseline_csms: int | None = None
    contribution_delta: float | None = None
    exit_arr_delta: float | None = None
    break_even_month: int | None = None
    value: float | None = None
    value_delta: float | None = None

    @property
    def months(self) -> int:
        return int(self.planned.shape[0])


def planned_staffing(
    plan: Schedule, outcome: _Outcome, h: int, cal: Calendar, **deltas: Any
) -> PlannedStaffing:
    """:class:`PlannedStaffing` of a segment projected with staffing ``plan`` (``outcome``,
    projected to at least ``h`` months); ``deltas`` are its fields against the baseline."""
    coverage = np.asarray(outcome.coverage_by_month[:h], dtype=float)
    short = np.flatnonzero(coverage < 1.0 - EPS)
    return PlannedStaffing(
        planned=np.asarray(schedule.series(plan, h, cal), dtype=float),
        required_fte=np.asarray(outcome.fte_by_month[:h], dtype=float),
        coverage=coverage,
        csm_cost=np.asarray(outcome.csm_cost_by_month[:h], dtype=float),
        first_short_month=int(short[0]) + 1 if short.size else None,
        lowest_coverage=outcome.coverage,
        total_revenue=outcome.revenue,
        total_csm_cost=outcome.csm_cost,
        contribution=outcome.gross_profit,
        exit_arr=outcome.exit_arr,
        **deltas,
    )


@dataclass(frozen=True)
class SegmentHeadcount:
    """One segment's workload, recommendation, sweep and verdicts.

    ``staffed_csms`` is the staffing evaluated: ``None`` (not staffed), a number, or a
    :class:`~csmodel.schedule.Schedule` (a staffing plan, also in ``staffing_plan``).
    ``gap`` (staffed minus recommended) and ``accounts_covered`` (what the staffed CSMs
    cover in every month) are ``None`` for a plan: no one number says them.
    ``hours_per_account``, ``productive_hours_per_csm`` and ``accounts_per_csm`` are
    those of the plan's first month (as ``project``'s metrics); when schedules move
    accounts per CSM, ``accounts_per_csm_range`` is its lowest and highest value over
    the horizon (else ``None``).
    """

    name: str
    sized_by: str | None  # "meetings", "accounts_per_csm" or None (no workload model)
    meetings: tuple[dict[str, Any], ...]
    hours_per_account: float | None
    productive_hours_per_csm: float
    accounts_per_csm: float | None
    accounts_start: float
    accounts_peak: float
    fte_required: float
    recommended_csms: int
    staffed_csms: float | None
    gap: float | None
    coverage: float
    accounts_covered: float | None
    sweep: tuple[SweepRow, ...]
    profit_optimal_csms: int | None
    cut_verdict: Verdict | None
    plan_verdict: Verdict | None
    optimal_by: str = "contribution"
    """What ``profit_optimal_csms`` maximises: ``contribution`` over the horizon, or
    ``value`` when the file has a ``valuation:`` block."""
    staffing_plan: PlannedStaffing | None = None
    """The staffing plan against the requirement, when ``staffed_csms`` is a plan."""
    accounts_per_csm_range: tuple[float, float] | None = None


@dataclass(frozen=True)
class QuarterPlan:
    """One quarter of a hiring plan.

    ``headcount_start``/``headcount_end`` are whole CSMs on staff (when the plan
    starts from whole CSMs); ``departures`` are *expected* departures from
    yearly attrition (fractional); ``leavers`` the whole leavers booked from
    them (:data:`HIRING_RULE`), so ``headcount_end = headcount_start + hires -
    leavers``. ``csm_cost`` charges the CSMs on staff each month (hires from
    their first month, leavers to the end of their last).
    """

    quarter: str
    required_fte: float
    headcount_start: float
    departures: float
    hires: int
    effective_fte: float
    headcount_end: float
    csm_cost: float
    leavers: int = 0


@dataclass(frozen=True)
class HiringPlan:
    """Quarter rows for the whole team and per segment.

    ``project_csm_cost`` is, per segment, ``project``'s CSM cost over the
    horizon with ``csms`` set to the plan's starting headcount; ``plan_csm_cost``
    the plan's. They differ by exactly the cost of hires net of leavers
    (:data:`CSM_COST_NOTE`) and are equal when the plan keeps its headcount.
    """

    quarters: tuple[QuarterPlan, ...]
    segments: dict[str, tuple[QuarterPlan, ...]]
    short_months: dict[str, int] = field(default_factory=dict)
    """Per segment, months before the first hire can be ramped that are under-covered."""
    project_csm_cost: dict[str, float] = field(default_factory=dict)
    plan_csm_cost: dict[str, float] = field(default_factory=dict)
    rule: str = HIRING_RULE
    csm_cost_note: str = CSM_COST_NOTE


@dataclass(frozen=True)
class HeadcountReport:
    scenario: Scenario
    segments: tuple[SegmentHeadcount, ...]
    hiring_plan: HiringPlan
    plan_given: bool
    owners: list[dict[str, Any]] | None = None  # each CSM owner's load (an account book)
    sized_apart: bool = False  # a book sized pooled and yearly, unlike `project` (DOMAIN 8)
    simulation: Any = None  # `--simulate`: the sweep over the paths (simulate.SweepSimulation)


def _segment_result(pr: Projection, cts: float, cac: float) -> tuple[float, float, float, float]:
    """(revenue, CSM cost, gross profit, lowest coverage) of a one-segment projection."""
    return _window_result(pr, pr.horizon, cts, cac)


def _window_result(
    pr: Projection, h: int, cts: float, cac: float
) -> tuple[float, float, float, float]:
    """:func:`_segment_result` over the projection's first ``h`` months (``cts`` and
    ``cac`` are the projection's own, as ``metrics.monthly_contribution`` reads them)."""
    revenue = float(pr.mrr[:h].sum())
    cost = float(pr.csm_cost[:h].sum())
    gp = float(monthly_contribution(pr)[:h].sum())
    return revenue, cost, gp, float(pr.coverage[:h].min())


def sweep_range(recommended: int) -> range | tuple[int, ...]:
    """The staffing levels swept, at most :data:`MAX_SWEEP_ROWS` of them.

    Up to a recommendation of :data:`SWEEP_FULL_UP_TO`: every whole count from
    ~half to ~1.5x the recommendation, at least 7 rows. Above it, 11 rows: the
    recommendation +/- 1, 2 and 3, and 50%, 75%, 125% and 150% of it.
    """
    if recommended <= SWEEP_FULL_UP_TO:
        lo = max(0, math.floor(recommended * 0.5))
        hi = max(math.ceil(recommended * 1.5), lo + 6)
        return range(lo, hi + 1)
    near = {recommended + k for k in range(-SWEEP_NEAR, SWEEP_NEAR + 1)}
    far = {round(recommended * f) for f in SWEEP_FRACTIONS}
    return tuple(sorted(near | far))


def check_recommendation(name: str, recommended: int) -> None:
    """Refuse a recommendation above :data:`MAX_RECOMMENDED_CSMS` (a slip in the inputs)."""
    if recommended > MAX_RECOMMENDED_CSMS:
        raise HeadcountTooLarge(
            f"segment `{name}` would need {recommended:,} CSMs, more than the "
            f"{MAX_RECOMMENDED_CSMS:,} csmodel sizes for one segment; check its accounts, "
            "accounts_per_csm and meetings (hours per account), and team.hours_per_year "
            "and productivity"
        )


class _Evaluator:
    """Projects one segment at a given staffing, each staffing at most once."""

    def __init__(self, scenario: Scenario, name: str):
        self.scenario, self.name = scenario, name
        self.alone = only_segment(scenario, name)
        self.cache: dict[float | None, tuple[float, float, float, float]] = {}
        self.at_sensitivity: dict[float, _Evaluator] = {}

    def __call__(self, csms: float | None) -> tuple[float, float, float, float]:
        """(revenue, CSM cost, gross profit, lowest coverage) with ``csms`` staffed."""
        key = staffing_point(csms)  # a plan keys its own projection, never its first month
        if key not in self.cache:
            eco = self.scenario.economics
            with np.errstate(all="ignore"):
                pr = project(with_csms(self.alone, {self.name: csms}))
            self.cache[key] = _segment_result(pr, eco.cost_to_serve, eco.cac_per_logo)
        return self.cache[key]

    def with_churn_sensitivity(self, x: float) -> _Evaluator:
        """The same segment with ``understaffing.churn_sensitivity = x`` (cached)."""
        if x not in self.at_sensitivity:
            u = self.scenario.understaffing.model_copy(update={"churn_sensitivity": x})
            sc = self.scenario.model_copy(update={"understaffing": u})
            self.at_sensitivity[x] = _Evaluator(sc, self.name)
        return self.at_sensitivity[x]

    def gain(self, baseline: float, csms: float, x: float) -> float:
        """Gross profit with ``csms`` minus with ``baseline``, at churn sensitivity ``x``."""
        ev = self.with_churn_sensitivity(x)
        base = self(baseline)
        # a fully covered baseline does not depend on churn sensitivity: no need to re-project
        g0 = base[2] if base[3] >= 1.0 - EPS else ev(baseline)[2]
        return ev(csms)[2] - g0

    def break_even(
        self, baseline: float, csms: float
    ) -> tuple[float | None, float | None, float | None]:
        """(break-even churn sensitivity, gain at 0, gain at BREAK_EVEN_MAX); see module doc."""
        lo = self.gain(baseline, csms, 0.0)
        hi = self.gain(baseline, csms, BREAK_EVEN_MAX)
        root = break_even_root(lambda x: self.gain(baseline, csms, x), lo, hi)
        return root, lo, hi

    def verdict(self, baseline: int, csms: float) -> Verdict:
        r0, c0, g0, _ = self(baseline)
        r1, c1, g1, _ = self(csms)
        months = self.scenario.horizon_months
        carried = None
        if is_plan(self.scenario.economics.cost_to_serve):
            carried = (r1 - r0) - (c1 - c0) - (g1 - g0)
        be, at_zero, at_max = self.break_even(baseline, csms)
        u = self.scenario.understaffing
        return Verdict(
            self.name,
            baseline,
            csms,
            c1 - c0,
            r1 - r0,
            g1 - g0,
            months,
            cost_to_serve=self.scenario.economics.cost_to_serve,
            churn_sensitivity=u.churn_sensitivity,
            expansion_sensitivity=u.expansion_sensitivity,
            break_even_churn_sensitivity=be,
            gain_at_zero=at_zero,
            gain_at_max=at_max,
            plan=plan_words(csms, Calendar.of(self.scenario)) if is_plan(csms) else None,  # type: ignore[arg-type]
            cost_to_serve_carried=carried,
        )


def _illinois(f_lo: float, f_hi: float, lo: float, hi: float):
    """:func:`break_even_root` as a coroutine: yields each x to evaluate, is sent f(x),
    and returns the root (or None) -- so that many roots can share one batched evaluation."""
    tol = 1e-9 * max(1.0, abs(f_lo), abs(f_hi))
    if abs(f_lo) <= tol:
        return lo
    if abs(f_hi) <= tol:
        return hi
    if (f_lo > 0) == (f_hi > 0):
        return None
    a, b, fa, fb = lo, hi, f_lo, f_hi
    side = 0
    for _ in range(200):
        width = b - a
        if width <= BREAK_EVEN_XTOL:
            break
        c = (a * fb - b * fa) / (fb - fa) if fb != fa else (a + b) / 2
        if not a < c < b:
            c = (a + b) / 2
        fc = yield c
        if fc == 0:
            return c
        if (fc > 0) == (fb > 0):
            b, fb = c, fc
            if side == -1:
                fa /= 2
            side = -1
        else:
            a, fa = c, fc
            if side == 1:
                fb /= 2
            side = 1
        if b - a > width / 2:  # slow progress: bisect once
            m = (a + b) / 2
            fm = yield m
            if fm == 0:
                return m
            if (fm > 0) == (fb > 0):
                b, fb = m, fm
            else:
                a, fa = m, fm
            side = 0
    return (a + b) / 2


def break_even_root(
    f, f_lo: float, f_hi: float, lo: float = 0.0, hi: float = BREAK_EVEN_MAX
) -> float | None:
    """A root of ``f`` in [lo, hi] given ``f(lo)``, ``f(hi)``; None without a sign change.

    Illinois (modified regula falsi) with a bisection step whenever the bracket
    fails to halve, to :data:`BREAK_EVEN_XTOL`; at most 200 iterations.
    """
    return solve_roots([(f_lo, f_hi)], lambda xs: [f(x) for _, x in xs], lo, hi)[0]


def solve_roots(
    brackets: list[tuple[float, float]],
    evaluate,
    lo: float = 0.0,
    hi: float = BREAK_EVEN_MAX,
) -> list[float | None]:
    """:func:`break_even_root` of many functions at once, in lock step.

    ``brackets[k]`` is ``(f_k(lo), f_k(hi))``; ``evaluate(points)`` gets the
    list of ``(k, x)`` every still-open root asks for next and returns
    ``f_k(x)`` of each, so a caller evaluates each step in one batch. Each root
    follows exactly the steps :func:`break_even_root` takes alone.
    """
    out: list[float | None] = [None] * len(brackets)
    open_: dict[int, Any] = {}
    asks: dict[int, float] = {}
    for k, (f_lo, f_hi) in enumerate(brackets):
        gen = _illinois(f_lo, f_hi, lo, hi)
        try:
            asks[k] = next(gen)
            open_[k] = gen
        except StopIteration as done:
            out[k] = done.value
    while asks:
        points = list(asks.items())
        values = evaluate(points)
        asks = {}
        for (k, _), fx in zip(points, values, strict=True):
            try:
                asks[k] = open_[k].send(fx)
            except StopIteration as done:
                out[k] = done.value
    return out


def value_of(scenario: Scenario, contribution: np.ndarray, exit_arr_h: float) -> float | None:
    """A staffing's value under the file's ``valuation:`` block (DOMAIN.md 11.2), else None.

    ``contribution`` holds the contribution of months 1 .. H (at least H values);
    value = sum of month i's contribution x (1 + d)^(-i/12), i = 0 for the first
    month (as ``clv``), + ``terminal_arr_multiple`` x exit ARR x (1 + d)^(-H/12).
    ``d`` is ``valuation.discount_rate``, else the file's ``discount_rate``.
    """
    val = scenario.valuation
    if val is None:
        return None
    h = scenario.horizon_months
    d = scenario.discount_rate if val.discount_rate is None else val.discount_rate
    discount = (1.0 + d) ** (-np.arange(h) / 12.0)
    terminal = (val.terminal_arr_multiple or 0.0) * exit_arr_h * (1.0 + d) ** (-h / 12.0)
    return float((np.asarray(contribution[:h]) * discount).sum() + terminal)


def break_even_month(delta: np.ndarray, horizon: int) -> int | None:
    """First horizon length L in (H, len(delta)] at which the cumulative contribution delta
    has the opposite sign to its sign at H (DOMAIN.md 11.2); None if it never turns.

    ``delta`` is the monthly contribution delta, months 1 .. F (F >= H).
    """
    cum = np.cumsum(delta)
    at_h = cum[horizon - 1]
    if at_h == 0 or len(cum) <= horizon:
        return None
    turned = np.flatnonzero(cum[horizon:] * np.sign(at_h) < 0)
    return int(horizon + turned[0] + 1) if turned.size else None


@dataclass(frozen=True)
class _Outcome:
    """One staffing of one segment: horizon figures and monthly contribution to F."""

    revenue: float
    csm_cost: float
    gross_profit: float
    coverage: float
    exit_arr: float
    contribution: np.ndarray  # (F,), months 1 .. F
    coverage_by_month: np.ndarray  # (F,)
    fte_by_month: np.ndarray  # (F,): required FTE of the book as projected
    csm_cost_by_month: np.ndarray  # (F,)


def _outcomes(scenarios: list[Scenario], h: int, cts: float, cac: float) -> list[_Outcome]:
    """The :class:`_Outcome` of each one-segment scenario, over its first ``h`` months.

    Projected in batched engine calls of at most :data:`BATCH_CHUNK` scenarios;
    the figures are read off the batch's columns directly (one column per
    scenario), as :func:`_window_result` reads them off one projection.
    """
    out: list[_Outcome | None] = [None] * len(scenarios)
    with np.errstate(all="ignore"):
        for at in range(0, len(scenarios), BATCH_CHUNK):
            for b in run_batches(scenarios[at : at + BATCH_CHUNK]):
                cols = np.array([cs.start for cs in b.slices])
                for i, o in zip(b.members, read_outcomes(b.columns, cols, h), strict=True):
                    out[at + i] = o
    return out  # type: ignore[return-value]


def read_outcomes(pr: Projection, cols: np.ndarray, h: int) -> list[_Outcome]:
    """The :class:`_Outcome` of each column ``cols`` of a batch's projection."""
    f = pr.horizon
    mrr, cost = pr.mrr[:f, cols], pr.csm_cost[:f, cols]
    monthly = monthly_contribution(pr)[:f, cols]
    revenue = mrr[:h].sum(axis=0)
    csm_cost = cost[:h].sum(axis=0)
    gp = monthly[:h].sum(axis=0)
    coverage = pr.coverage[:h, cols].min(axis=0)
    cover, fte = pr.coverage[:f, cols], pr.fte_required[:f, cols]
    return [
        _Outcome(
            float(revenue[k]),
            float(csm_cost[k]),
            float(gp[k]),
            float(coverage[k]),
            exit_arr(pr, h, [int(c)]),
            monthly[:, k],
            cover[:, k],
            fte[:, k],
            cost[:, k],
        )
        for k, c in enumerate(cols)
    ]


def _outcomes_at_sensitivity(
    time_grid: Scenario, rows: list[tuple[float, ...]], h: int
) -> list[_Outcome]:
    """Outcomes of prepared engine columns (one-segment rows with their churn sensitivity
    set), over ``h`` months of ``time_grid``: no scenario object a point."""
    out: list[_Outcome] = []
    with np.errstate(all="ignore"):
        for at in range(0, len(rows), BATCH_CHUNK):
            chunk = rows[at : at + BATCH_CHUNK]
            pr = project_columns(time_grid, params_from_rows(chunk))
            out += read_outcomes(pr, np.arange(len(chunk)), h)
    return out


def _with_csms_alone(alone: Scenario, name: str, csms: float | None, **update: Any) -> Scenario:
    """``alone`` (a one-segment scenario) staffed with ``csms``, other fields updated."""
    seg = alone.segments[name].model_copy(update={"csms": csms})
    return alone.model_copy(update={"segments": MappingProxyType({name: seg}), **update})


class _Batch:
    """Every staffing point of every segment, projected in batched engine calls.

    ``far(points)`` projects ``(segment, csms)`` points to ``max(H, FAR_HORIZON)``
    months; ``gross_profit(points)`` projects ``(segment, csms, churn sensitivity)``
    points over the horizon. Both cache by point.
    """

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.h = scenario.horizon_months
        self.f = max(self.h, FAR_HORIZON)
        eco = scenario.economics
        self.cts, self.cac = eco.cost_to_serve, eco.cac_per_logo
        self.alone = {name: only_segment(scenario, name) for name in scenario.segments}
        self.outcomes: dict[tuple[str, float], _Outcome] = {}
        self.at_x: dict[tuple[str, float, float], tuple[float, float]] = {}
        self.understaffing: dict[float, Any] = {}
        self.staffed: dict[tuple[str, float], Scenario] = {}
        self.rows: dict[tuple[str, float], tuple[float, ...]] = {}

    def far(self, points: list[tuple[str, float]]) -> list[_Outcome]:
        todo = list(dict.fromkeys(p for p in points if p not in self.outcomes))
        if todo:  # most calls find every point projected already
            scs = [_with_csms_alone(self.alone[n], n, c, horizon_months=self.f) for n, c in todo]
            for p, o in zip(todo, _outcomes(scs, self.h, self.cts, self.cac), strict=True):
                self.outcomes[p] = o
        return [self.outcomes[p] for p in points]

    def _staffed(self, name: str, csms: float) -> Scenario:
        """The one-segment scenario staffed with ``csms`` (cached: roots revisit it)."""
        if (name, csms) not in self.staffed:
            self.staffed[(name, csms)] = _with_csms_alone(self.alone[name], name, csms)
        return self.staffed[(name, csms)]

    def _understaffing(self, x: float) -> Any:
        if x not in self.understaffing:
            u = self.scenario.understaffing.model_copy(update={"churn_sensitivity": x})
            self.understaffing[x] = u
        return self.understaffing[x]

    def at_sensitivity(self, points: list[tuple[str, float, float]]) -> list[tuple[float, float]]:
        """(gross profit, lowest coverage) over the horizon of each point."""
        todo = list(dict.fromkeys(p for p in points if p not in self.at_x))
        if not todo:
            return [self.at_x[p] for p in points]
        rows = []
        for n, c, x in todo:  # the staffed segment's engine column, its sensitivity set
            row = list(self._row(n, c))
            row[ROW_CHURN_SENSITIVITY] = x
            rows.append(tuple(row))
        for p, o in zip(todo, _outcomes_at_sensitivity(self.scenario, rows, self.h), strict=True):
            self.at_x[p] = (o.gross_profit, o.coverage)
        return [self.at_x[p] for p in points]

    def _row(self, name: str, csms: float) -> tuple[float, ...]:
        """The engine column of ``name`` staffed with ``csms`` (cached)."""
        key = (name, csms)
        if key not in self.rows:
            sc = self._staffed(name, csms)
            self.rows[key] = segment_row(sc, sc.segments[name], name)
        return self.rows[key]

    def gains(self, tasks: list[tuple[str, float, float]], xs: list[float]) -> list[float]:
        """Gross profit with ``csms`` minus with ``baseline`` at churn sensitivity x, for
        each ``(segment, baseline, csms)`` task (as :meth:`_Evaluator.gain`)."""
        bases = self.far([(n, b) for n, b, _ in tasks])
        need: list[tuple[str, float, float]] = []
        for (n, b, c), base, x in zip(tasks, bases, xs, strict=True):
            need.append((n, c, x))
            if base.coverage < 1.0 - EPS:  # a covered baseline does not depend on x
                need.append((n, b, x))
        self.at_sensitivity(need)
        out = []
        for (n, b, c), base, x in zip(tasks, bases, xs, strict=True):
            g0 = base.gross_profit if base.coverage >= 1.0 - EPS else self.at_x[(n, b, x)][0]
            out.append(self.at_x[(n, c, x)][0] - g0)
        return out

    def break_evens(
        self, tasks: list[tuple[str, float, float]]
    ) -> list[tuple[float | None, float, float]]:
        """(break-even churn sensitivity, gain at 0, gain at max) of each task, batched."""
        tasks = list(tasks)
        at_zero = self.gains(tasks, [0.0] * len(tasks))
        at_max = self.gains(tasks, [BREAK_EVEN_MAX] * len(tasks))
        roots = solve_roots(
            list(zip(at_zero, at_max, strict=True)),
            lambda asks: self.gains([tasks[k] for k, _ in asks], [x for _, x in asks]),
        )
        return list(zip(roots, at_zero, at_max, strict=True))

    def compare(self, name: str, baseline: float, csms: float) -> tuple[float, int | None]:
        """(exit ARR delta, break-even month) of ``csms`` against ``baseline``."""
        base, alt = self.far([(name, baseline), (name, csms)])
        month = break_even_month(alt.contribution - base.contribution, self.h)
        return alt.exit_arr - base.exit_arr, month

    def value(self, name: str, csms: float) -> float | None:
        o = self.far([(name, csms)])[0]
        return value_of(self.scenario, o.contribution, o.exit_arr)


def segment_headcount(
    scenario: Scenario, name: str, staffed: float | None, plan_given: bool
) -> SegmentHeadcount:
    """Workload, recommendation, sweep and verdicts for one segment (see :func:`headcount`)."""
    alone = only_segment(scenario, name)
    with np.errstate(all="ignore"):
        need = project(fully_staffed(alone))
    given = {name} if plan_given else set()
    return _segment_reports(alone, {name: staffing_point(staffed)}, given, need)[0]


def accounts_per_csm_series(scenario: Scenario, name: str, h: int) -> np.ndarray | None:
    """Accounts one CSM covers in each plan month 1..``h`` (``(h,)``), as the engine sizes
    them: productive hours in force / hours per account (meetings), or the
    ``accounts_per_csm`` in force (top down); ``None`` without a workload model."""
    seg, team, cal = scenario.segments[name], scenario.team, Calendar.of(scenario)
    if seg.meetings:
        hpa = float(seg.hours_per_account or 0.0)
        if hpa <= 0:
            return None
        hours = np.asarray(schedule.series(team.hours_per_year, h, cal))
        return hours * np.asarray(schedule.series(team.productivity, h, cal)) / hpa
    if seg.accounts_per_csm:
        return np.asarray(schedule.series(seg.accounts_per_csm, h, cal), dtype=float)
    return None


def _segment_reports(
    scenario: Scenario,
    staffed: dict[str, float | None],
    given: set[str],
    need: Projection,
) -> tuple[SegmentHeadcount, ...]:
    """Every segment's workload, sweep and verdicts, every staffing point in batched calls.

    ``need`` is the fully staffed projection of ``scenario`` (its segments in file
    order); ``given`` names the segments whose staffing came from ``--csms``.
    ``staffed`` values are :func:`staffing_point` s: a plan (a ``Schedule``) is
    projected as written and keyed by itself, never by its first month.
    """
    h = scenario.horizon_months
    cal = Calendar.of(scenario)
    batch = _Batch(scenario)
    productive = scenario.team.productive_hours
    peaks = peak_fte(need)
    sizes: dict[str, tuple[str | None, float, int, float, float]] = {}
    for i, name in enumerate(need.segments):
        seg = scenario.segments[name]
        hpa = segment_hours_per_account(scenario, name)
        sized_by = (
            "meetings" if seg.meetings else ("accounts_per_csm" if seg.accounts_per_csm else None)
        )
        peak = float(peaks[i])
        if not math.isfinite(peak):
            raise HeadcountTooLarge(f"segment `{name}`: the required FTE is not a finite number")
        recommended = round_up(peak)
        check_recommendation(name, recommended)
        accounts = need.accounts[:h, i]
        peak_accounts = max(float(seg.accounts), float(accounts.max()) if accounts.size else 0.0)
        sizes[name] = (sized_by, hpa, recommended, peak, peak_accounts)

    def swept(name: str) -> bool:
        return sizes[name][0] is not None and sizes[name][2] > 0

    def plan_of(name: str) -> bool:
        s, rec = staffed[name], sizes[name][2]
        if not swept(name) or s is None:
            return False
        return name in given or is_plan(s) or abs(s - rec) > EPS

    # 1. every staffing point of every segment, to FAR_HORIZON months, in one batch
    points: list[tuple[str, float]] = []
    for name in need.segments:
        if staffed[name] is not None:
            points.append((name, staffed[name]))  # type: ignore[arg-type]
        if swept(name):
            points += [(name, float(n)) for n in sweep_range(sizes[name][2])]
    batch.far(points)

    # 2. every break-even churn sensitivity, solved in lock step, batched
    tasks: list[tuple[str, float, float]] = []
    for name in need.segments:
        if not swept(name):
            continue
        rec = sizes[name][2]
        tasks += [(name, float(rec), float(n)) for n in sweep_range(rec) if n < rec]
        tasks.append((name, float(rec), float(rec - 1)))
        if plan_of(name):
            tasks.append((name, float(rec), staffed[name]))  # type: ignore[arg-type]
    tasks = list(dict.fromkeys(tasks))
    solved = dict(zip(tasks, batch.break_evens(tasks), strict=True))

    def verdict(name: str, baseline: int, csms: float) -> Verdict:
        csms = staffing_point(csms)  # type: ignore[assignment]
        o0, o1 = batch.far([(name, float(baseline)), (name, csms)])
        carried = None
        if is_plan(scenario.economics.cost_to_serve):  # the rate changes: sum it month by month
            carried = (o1.revenue - o0.revenue) - (o1.csm_cost - o0.csm_cost)
            carried -= o1.gross_profit - o0.gross_profit
        be, at_zero, at_max = solved[(name, float(baseline), csms)]
        dx, month = batch.compare(name, baseline, csms)
        v0, v1 = batch.value(name, baseline), batch.value(name, csms)
        u = scenario.understaffing
        return Verdict(
            name,
            baseline,
            csms,
            o1.csm_cost - o0.csm_cost,
            o1.revenue - o0.revenue,
            o1.gross_profit - o0.gross_profit,
            h,
            cost_to_serve=scenario.economics.cost_to_serve,
            churn_sensitivity=u.churn_sensitivity,
            expansion_sensitivity=u.expansion_sensitivity,
            break_even_churn_sensitivity=be,
            gain_at_zero=at_zero,
            gain_at_max=at_max,
            exit_arr_delta=dx,
            break_even_month=month,
            value_delta=None if v0 is None or v1 is None else v1 - v0,
            search_months=batch.f,
            plan=plan_words(csms, cal) if is_plan(csms) else None,  # type: ignore[arg-type]
            cost_to_serve_carried=carried,
        )

    out = []
    for i, name in enumerate(need.segments):
        seg = scenario.segments[name]
        sized_by, hpa, recommended, peak, peak_accounts = sizes[name]
        s = staffed[name]
        if s is None:
            coverage = float(need.coverage[:h, i].min())
        else:
            coverage = batch.far([(name, s)])[0].coverage
        accounts_per_csm = productive / hpa if hpa > 0 else None
        monthly_ratio = accounts_per_csm_series(scenario, name, h) if hpa > 0 else None
        ratio_range = None
        if monthly_ratio is not None and monthly_ratio.size and np.ptp(monthly_ratio) > EPS:
            ratio_range = (float(monthly_ratio.min()), float(monthly_ratio.max()))
        covered = None  # accounts the staffed CSMs cover in every month
        if s is not None and not is_plan(s) and accounts_per_csm:
            covered = s * (accounts_per_csm if ratio_range is None else ratio_range[0])
        rows: list[SweepRow] = []
        optimal = None
        cut = plan = None
        if swept(name):
            base = batch.far([(name, float(recommended))])[0]
            base_value = batch.value(name, recommended)
            for n in sweep_range(recommended):
                o = batch.far([(name, float(n))])[0]
                be = solved[(name, float(recommended), float(n))][0] if n < recommended else None
                dx, month = batch.compare(name, recommended, n)
                value = batch.value(name, n)
                rows.append(
                    SweepRow(
                        csms=n,
                        accounts_per_csm=(peak_accounts / n) if n > 0 else None,
                        coverage=o.coverage,
                        total_revenue=o.revenue,
                        csm_cost=o.csm_cost,
                        gross_profit=o.gross_profit,
                        delta_gross_profit=o.gross_profit - base.gross_profit,
                        break_even_churn_sensitivity=be,
                        exit_arr=o.exit_arr,
                        exit_arr_delta=dx,
                        break_even_month=month,
                        value=value,
                        value_delta=None if value is None else value - base_value,  # type: ignore[operator]
                    )
                )
            if scenario.valuation is not None:
                best = max(rows, key=lambda r: (round(r.value or 0.0, 6), -r.csms))
            else:
                best = max(rows, key=lambda r: (round(r.gross_profit, 6), -r.csms))
            optimal = best.csms
            cut = verdict(name, recommended, recommended - 1) if recommended >= 1 else None
            if plan_of(name):
                plan = verdict(name, recommended, s)  # type: ignore[arg-type]
        staffing_plan = None
        if is_plan(s) and sized_by is not None:
            o = batch.far([(name, s)])[0]  # type: ignore[list-item]
            deltas: dict[str, Any] = {}
            if swept(name):
                base = batch.far([(name, float(recommended))])[0]
                dx, month = batch.compare(name, recommended, s)  # type: ignore[arg-type]
                value, base_value = batch.value(name, s), batch.value(name, recommended)  # type: ignore[arg-type]
                deltas = {
                    "baseline_csms": recommended,
                    "contribution_delta": o.gross_profit - base.gross_profit,
                    "exit_arr_delta": dx,
                    "break_even_month": month,
                    "value": value,
                    "value_delta": None
                    if value is None or base_value is None
                    else value - base_value,
                }
            staffing_plan = planned_staffing(s, o, h, cal, **deltas)  # type: ignore[arg-type]
        out.append(
            SegmentHeadcount(
                name=name,
                sized_by=sized_by,
                meetings=tuple(
                    {
                        "meeting": mname,
                        "per_year": m.per_year,
                        "hours": m.hours,
                        "prep_hours": m.prep_hours,
                        "hours_per_account": m.hours_per_year,
                    }
                    for mname, m in seg.meetings.items()
                ),
                hours_per_account=hpa if hpa > 0 else None,
                productive_hours_per_csm=productive,
                accounts_per_csm=accounts_per_csm,
                accounts_start=float(seg.accounts),
                accounts_peak=peak_accounts,
                fte_required=peak,
                recommended_csms=recommended,
                staffed_csms=s,
                gap=None if s is None or is_plan(s) else s - recommended,
                coverage=coverage,
                accounts_covered=covered,
                sweep=tuple(rows),
                profit_optimal_csms=optimal,
                cut_verdict=cut,
                plan_verdict=plan,
                optimal_by="value" if scenario.valuation is not None else "contribution",
                staffing_plan=staffing_plan,
                accounts_per_csm_range=ratio_range,
            )
        )
    return tuple(out)


def ramp_factor(tenure: np.ndarray, ramp_months: int) -> np.ndarray:
    """Capacity of a hire in their ``tenure``-th month (0-based): linear up to 1."""
    if ramp_months <= 0:
        return np.ones_like(tenure, dtype=float)
    return np.minimum(1.0, (tenure + 1.0) / ramp_months)


@dataclass(frozen=True)
class StaffPlan:
    """A monthly hiring plan for one segment, arrays of shape ``(months,)``.

    ``on_staff`` are the CSMs paid in each month (after that month's hires,
    before its leavers); ``headcount`` those left at its end; ``effective`` the
    FTE they provide in it (ramping hires pro rata); ``departures`` expected
    departures; ``leavers`` the whole leavers booked at the month's end.
    """

    hires: np.ndarray
    on_staff: np.ndarray
    headcount: np.ndarray
    effective: np.ndarray
    departures: np.ndarray
    leavers: np.ndarray
    short_months: int


class _Team:
    """Whole-people team state: ramped CSMs, ramping cohorts, and the leaver tally."""

    def __init__(self, ramped: float, ramp_months: int, leave: float):
        self.ramped = float(ramped)
        self.cohorts: list[list[float]] = []  # [hire month, count]
        self.ramp_months, self.leave = ramp_months, leave
        self.expected = 0.0  # cumulative expected departures
        self.booked = 0  # whole leavers booked so far

    def copy(self) -> _Team:
        t = _Team(self.ramped, self.ramp_months, self.leave)
        t.cohorts = [list(c) for c in self.cohorts]
        t.expected, t.booked = self.expected, self.booked
        return t

    def size(self) -> float:
        return self.ramped + sum(c[1] for c in self.cohorts)

    def effective(self, m: int) -> float:
        ramp = self.ramp_months
        return self.ramped + sum(
            n * (min(1.0, (m - t + 1) / ramp) if ramp > 0 else 1.0) for t, n in self.cohorts
        )

    def step(self, m: int, hires: float) -> tuple[float, float, float, int]:
        """Month ``m``: hire, work, then book leavers; (on staff, effective, expected, leavers)."""
        if hires:
            self.cohorts.append([m, float(hires)])
        on_staff = self.size()
        eff = self.effective(m)
        expected = on_staff * self.leave
        self.expected += expected
        leavers = max(0, math.floor(self.expected + 0.5) - self.booked)
        leavers = min(leavers, math.floor(on_staff + EPS))
        self.booked += leavers
        self._remove(leavers)
        ramp = self.ramp_months
        done = [c for c in self.cohorts if ramp <= 0 or m - c[0] + 1 >= ramp]
        self.ramped += sum(c[1] for c in done)
        self.cohorts = [c for c in self.cohorts if c not in done]
        return on_staff, eff, expected, leavers

    def _remove(self, n: int) -> None:
        """Leavers come from the fully ramped first, then from the longest-serving hires."""
        take = min(float(n), self.ramped)
        self.ramped -= take
        rest = n - take
        for c in self.cohorts:
            if rest <= EPS:
                break
            out = min(c[1], rest)
            c[1] -= out
            rest -= out
        self.cohorts = [c for c in self.cohorts if c[1] > EPS]


def staff_plan(
    required: np.ndarray, start_headcount: float, ramp_months: int, attrition: float
) -> StaffPlan:
    """Monthly hiring plan for one segment in whole people (:data:`HIRING_RULE`).

    ``required`` is the required FTE of each month. Each CSM leaves with the
    monthly probability implied by the yearly ``attrition``; these *expected*
    departures accumulate, and a whole leaver is booked (at a month's end, from
    the fully ramped first) each time the running total passes the next half
    person. A hire made at the start of month t contributes
    ``min(1, (m - t + 1) / ramp_months)`` FTE in month m. In month t csmodel
    hires the fewest whole CSMs that make the effective FTE of month
    ``u = t + ramp_months - 1`` (when they are fully ramped; the last month at
    the end of the horizon) meet its requirement, after the leavers booked up
    to then; it hires nobody while the team meets it. Every month from
    ``ramp_months - 1`` on is thus covered; earlier shortfalls can only be met
    by hiring before the plan starts. Work is bounded: months x ramp_months.
    """
    h = len(required)
    leave = 1.0 - (1.0 - attrition) ** (1.0 / 12.0)
    lead = max(1, ramp_months)
    team = _Team(start_headcount, ramp_months, leave)
    out = {k: np.zeros(h) for k in ("hires", "on_staff", "headcount", "eff", "dep", "leavers")}

    def effective_at(u: int, t: int, k: float) -> float:
        """Effective FTE in month u with ``k`` hires in month t and none after."""
        if not k and not team.cohorts:  # nobody ramping, nobody hired: a few floats
            ramped, expected, booked, eff = team.ramped, team.expected, team.booked, 0.0
            for _ in range(t, u + 1):
                eff = ramped
                expected += ramped * team.leave
                leavers = max(0, math.floor(expected + 0.5) - booked)
                leavers = min(leavers, math.floor(ramped + EPS))
                booked += leavers
                ramped -= leavers
            return eff
        sim = team.copy()
        eff = 0.0
        for m in range(t, u + 1):
            _, eff, _, _ = sim.step(m, k if m == t else 0.0)
        return eff

    for t in range(h):
        u = min(h - 1, t + lead - 1)
        short = float(required[u]) - effective_at(u, t, 0.0)
        k = 0.0
        if short > EPS:
            per_hire = min(1.0, (u - t + 1) / ramp_months) if ramp_months > 0 else 1.0
            k = float(max(1, math.ceil(short / per_hire - EPS)))
            for _ in range(64):  # each extra hire adds >= 1/ramp_months FTE: few rounds
                gap = float(required[u]) - effective_at(u, t, k)
                if gap <= EPS:
                    break
                k += float(max(1, math.ceil(gap / per_hire - EPS)))
        on_staff, eff, dep, leavers = team.step(t, k)
        out["hires"][t] = k
        out["on_staff"][t] = on_staff
        out["eff"][t] = eff
        out["dep"][t] = dep
        out["leavers"][t] = leavers
        out["headcount"][t] = team.size()
    eff = out["eff"]
    short_months = int(np.sum(required[: lead - 1] - eff[: lead - 1] > EPS)) if lead > 1 else 0
    return StaffPlan(
        out["hires"],
        out["on_staff"],
        out["headcount"],
        eff,
        out["dep"],
        out["leavers"],
        short_months,
    )


def plan_hiring(
    required: np.ndarray, start_headcount: float, ramp_months: int, attrition: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """:func:`staff_plan` as ``(hires, headcount, effective_fte, departures, short months)``."""
    p = staff_plan(required, start_headcount, ramp_months, attrition)
    return p.hires, p.headcount, p.effective, p.departures, p.short_months


def quarter_periods(scenario: Scenario, h: int) -> list[tuple[str, int, int]]:
    """The hiring plan's quarters as ``(label, first, end)``, engine months ``first..end - 1``.

    Without ``start``: three-month quarters from the plan's first month, ``Y1 Q1``
    ... (the last may be short). With ``start``: fiscal quarters (``FY2028 Q1``),
    a quarter the plan cuts short labelled with its month count (``FY2027 Q4 (2 mo)``).
    """
    cal = Calendar.of(scenario)
    return [
        (p.shown if cal.dated else p.label, p.first - 1, p.last) for p in cal.periods("quarter", h)
    ]


def _quarters(
    required: np.ndarray,
    start: float,
    plan: StaffPlan,
    cost_per_csm: np.ndarray,
    quarters: list[tuple[str, int, int]],
) -> tuple[QuarterPlan, ...]:
    """Quarter rows of one segment's plan; ``cost_per_csm`` is ``(months,)``: the segment's
    cost per CSM in force each month, so a quarter's CSM cost is the sum over its months
    of CSMs on staff x that month's cost / 12."""
    rows = []
    for label, a, b in quarters:
        rows.append(
            QuarterPlan(
                quarter=label,
                required_fte=float(required[b - 1]),
                headcount_start=float(start if a == 0 else plan.headcount[a - 1]),
                departures=float(plan.departures[a:b].sum()),
                hires=int(plan.hires[a:b].sum()),
                effective_fte=float(plan.effective[b - 1]),
                headcount_end=float(plan.headcount[b - 1]),
                csm_cost=float((plan.on_staff[a:b] * cost_per_csm[a:b]).sum() / 12.0),
                leavers=int(plan.leavers[a:b].sum()),
            )
        )
    return tuple(rows)


def hiring_plan(
    scenario: Scenario, staffed: dict[str, float | None], need: Projection | None = None
) -> HiringPlan:
    """Quarter-by-quarter hiring plan per segment and for the whole team.

    The requirement is that of the fully staffed book (``need``, projected here
    when not given); the team starts from the staffed CSMs (``--csms`` or the
    file's ``csms``, a staffing plan's month-1 value: the plan proposes its own
    hires; where none are set, the whole CSMs month 1 requires). CSM cost is
    charged at the segment's own ``cost_per_csm`` (else ``team.cost_per_csm``) in
    force each month. ``project_csm_cost`` comes from one batched projection of
    every segment at its (constant) starting headcount.
    """
    if need is None:
        with np.errstate(all="ignore"):
            need = project(fully_staffed(scenario))
    h = need.horizon
    team = scenario.team
    cal = Calendar.of(scenario)
    quarters = quarter_periods(scenario, h)
    per_segment: dict[str, tuple[QuarterPlan, ...]] = {}
    short: dict[str, int] = {}
    starts: dict[str, float] = {}
    plan_cost: dict[str, float] = {}
    for i, name in enumerate(need.segments):
        required = need.fte_required[:h, i]
        if not np.any(required > 0):
            continue
        start = staffed.get(name)
        # a staffing plan starts the team from its month-1 value; unstaffed, from month 1's need
        start = float(round_up(float(required[0]))) if start is None else schedule.at(start, 1, cal)
        plan = staff_plan(required, start, team.ramp_months, team.attrition)
        own = scenario.segments[name].cost_per_csm
        cost = np.asarray(
            schedule.series(team.cost_per_csm if own is None else own, h, cal), dtype=float
        )
        per_segment[name] = _quarters(required, start, plan, cost, quarters)
        plan_cost[name] = float((plan.on_staff * cost).sum() / 12.0)
        starts[name] = start
        if plan.short_months:
            short[name] = plan.short_months
    alone = [with_csms(only_segment(scenario, n), {n: start}) for n, start in starts.items()]
    eco = scenario.economics
    outcomes = _outcomes(alone, h, eco.cost_to_serve, eco.cac_per_logo)
    project_cost = {n: o.csm_cost for n, o in zip(starts, outcomes, strict=True)}
    totals = []
    if per_segment:
        plans = list(per_segment.values())
        for q in range(len(plans[0])):
            rows = [p[q] for p in plans]
            totals.append(
                QuarterPlan(
                    quarter=rows[0].quarter,
                    required_fte=sum(r.required_fte for r in rows),
                    headcount_start=sum(r.headcount_start for r in rows),
                    departures=sum(r.departures for r in rows),
                    hires=sum(r.hires for r in rows),
                    effective_fte=sum(r.effective_fte for r in rows),
                    headcount_end=sum(r.headcount_end for r in rows),
                    csm_cost=sum(r.csm_cost for r in rows),
                    leavers=sum(r.leavers for r in rows),
                )
            )
    return HiringPlan(tuple(totals), per_segment, short, project_cost, plan_cost)


def headcount(scenario: Scenario, csms: dict[str, float] | None = None) -> HeadcountReport:
    """The full headcount report; ``csms`` overrides staffed CSMs per segment (a flat plan,
    which replaces a scheduled ``csms``)."""
    from csmodel.book import book_of, sizing_view
    from csmodel.metrics import owner_rows

    csms = dict(csms or {})
    owners = None
    if book_of(scenario) is not None and book_of(scenario).owner is not None:
        with np.errstate(all="ignore"):  # each owner's book as the file staffs it
            owners = owner_rows(project(scenario))
    sized = sizing_view(scenario)
    apart = sized is not scenario
    scenario = sized
    # --csms N replaces the file's csms (a flat plan replaces a schedule)
    staffed = {n: staffing_point(csms.get(n, s.csms)) for n, s in scenario.segments.items()}
    with np.errstate(all="ignore"):
        need = project(fully_staffed(scenario))
    segments = _segment_reports(scenario, staffed, set(csms), need)
    plan = hiring_plan(scenario, staffed, need)
    return HeadcountReport(scenario, segments, plan, bool(csms), owners, apart)
