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
- a hiring plan by quarter in whole people, with ramp and attrition
  (:data:`HIRING_RULE`).

Work is bounded: a recommendation above :data:`MAX_RECOMMENDED_CSMS` is
refused with :class:`HeadcountTooLarge` (exit 2), and the sweep has at most
:data:`MAX_SWEEP_ROWS` rows.

Segments are independent in the engine (coverage is per segment), so each
segment's sweep projects that segment alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from csmodel.engine import Projection, project, segment_hours_per_account
from csmodel.errors import CsmodelError
from csmodel.metrics import EPS, peak_fte, round_up
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
    """The scenario with these segments' staffed CSMs replaced (``None`` = fully staffed)."""
    segments = dict(scenario.segments)
    for name, n in csms.items():
        segments[name] = segments[name].model_copy(update={"csms": n})
    return scenario.model_copy(update={"segments": MappingProxyType(segments)})


def only_segment(scenario: Scenario, name: str) -> Scenario:
    """The scenario reduced to one segment (segments do not interact)."""
    return scenario.model_copy(
        update={"segments": MappingProxyType({name: scenario.segments[name]})}
    )


def fully_staffed(scenario: Scenario) -> Scenario:
    return with_csms(scenario, {name: None for name in scenario.segments})


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

    @property
    def cost_to_serve_change(self) -> float | None:
        """Change in cost to serve: the revenue change x the cost-to-serve rate."""
        if self.cost_to_serve is None:
            return None
        return self.revenue_change * self.cost_to_serve

    @property
    def contribution_change(self) -> float:
        """The gross profit change under its CFO name (DOMAIN.md 11.3)."""
        return self.gross_profit_change

    def sentence(self, money) -> str:
        """The plain-words lines, e.g. "Cutting mid-market from 4 to 3 CSMs saves ..."."""
        n = _count(self.csms)
        over = f"over {self.months} months"
        if self.csms == self.baseline:
            return f"{self.segment}: {n} CSMs is the recommended staffing."
        cts = self.cost_to_serve_change
        if self.csms < self.baseline:
            verb = "loses" if self.revenue_change < 0 else "keeps"
            net = (
                f"a net loss of {money(-self.gross_profit_change)} of gross profit"
                if self.gross_profit_change < 0
                else f"a net gain of {money(self.gross_profit_change)} of gross profit"
            )
            carried = ""
            if cts is not None and self.revenue_change < 0:
                carried = (
                    f", which carried {money(-cts)} of cost to serve "
                    f"({_share(self.cost_to_serve)} of revenue)"
                )
            tail = f": {net} {over}." if carried else f" ({net}) {over}."
            head = (
                f"Cutting {self.segment} from {self.baseline} to {n} "
                f"{'CSM' if self.csms == 1 else 'CSMs'} saves "
                f"{money(-self.csm_cost_change)} of CSM cost and {verb} "
                f"{money(abs(self.revenue_change))} of revenue{carried}{tail}"
            )
            return head + self._hinges("cut")
        net = (
            f"a net gain of {money(self.gross_profit_change)} of gross profit"
            if self.gross_profit_change >= 0
            else f"a net loss of {money(-self.gross_profit_change)} of gross profit"
        )
        carried = ""
        if cts is not None and self.revenue_change > 0:
            carried = (
                f", which carries {money(cts)} of cost to serve "
                f"({_share(self.cost_to_serve)} of revenue)"
            )
        tail = f": {net} {over}." if carried else f" ({net}) {over}."
        head = (
            f"Staffing {self.segment} with {n} CSMs instead of {self.baseline} costs "
            f"{money(self.csm_cost_change)} more and adds {money(self.revenue_change)} of "
            f"revenue{carried}{tail}"
        )
        return head + self._hinges("plan")

    def _hinges(self, what: str) -> str:
        """What the result rests on, and the break-even churn sensitivity, in words."""
        if self.cost_to_serve is None or self.churn_sensitivity is None:
            return ""
        out = (
            f" This rests on cost to serve ({_share(self.cost_to_serve)}) and the "
            f"understaffing sensitivities (churn {self.churn_sensitivity:g}, expansion "
            f"{self.expansion_sensitivity:g}), which the source paper does not quantify:"
        )
        this = "this cut" if what == "cut" else "this staffing"
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
                f" churn sensitivity does not change {this}'s result (coverage stays full), "
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
class SegmentHeadcount:
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


def _segment_result(pr: Projection, cts: float, cac: float) -> tuple[float, float, float, float]:
    """(revenue, CSM cost, gross profit, lowest coverage) of a one-segment projection."""
    h = pr.horizon
    revenue = float(pr.mrr[:h].sum())
    cost = float(pr.csm_cost[:h].sum())
    gp = revenue * (1 - cts) - cost - cac * float(pr.logos_signed[:h].sum())
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
        self.cache: dict[float, tuple[float, float, float, float]] = {}
        self.at_sensitivity: dict[float, _Evaluator] = {}

    def __call__(self, csms: float | None) -> tuple[float, float, float, float]:
        """(revenue, CSM cost, gross profit, lowest coverage) with ``csms`` staffed."""
        key = -1.0 if csms is None else float(csms)
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
        )


def break_even_root(
    f, f_lo: float, f_hi: float, lo: float = 0.0, hi: float = BREAK_EVEN_MAX
) -> float | None:
    """A root of ``f`` in [lo, hi] given ``f(lo)``, ``f(hi)``; None without a sign change.

    Illinois (modified regula falsi) with a bisection step whenever the bracket
    fails to halve, to :data:`BREAK_EVEN_XTOL`; at most 200 evaluations.
    """
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
        fc = f(c)
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
            fm = f(m)
            if fm == 0:
                return m
            if (fm > 0) == (fb > 0):
                b, fb = m, fm
            else:
                a, fa = m, fm
            side = 0
    return (a + b) / 2


def segment_headcount(
    scenario: Scenario, name: str, staffed: float | None, plan_given: bool
) -> SegmentHeadcount:
    """Workload, recommendation, sweep and verdicts for one segment."""
    seg = scenario.segments[name]
    productive = scenario.team.productive_hours
    hpa = segment_hours_per_account(scenario, name)
    sized_by = (
        "meetings" if seg.meetings else ("accounts_per_csm" if seg.accounts_per_csm else None)
    )
    alone = only_segment(scenario, name)
    with np.errstate(all="ignore"):
        need = project(fully_staffed(alone))
    peak = float(peak_fte(need)[0])
    if not math.isfinite(peak):
        raise HeadcountTooLarge(f"segment `{name}`: the required FTE is not a finite number")
    recommended = round_up(peak)
    check_recommendation(name, recommended)
    accounts = need.accounts[: need.horizon, 0]
    peak_accounts = max(float(seg.accounts), float(accounts.max()) if accounts.size else 0.0)
    evaluate = _Evaluator(scenario, name)
    coverage = evaluate(staffed)[3]
    accounts_per_csm = productive / hpa if hpa > 0 else None

    rows: list[SweepRow] = []
    optimal = None
    cut = plan = None
    if sized_by is not None and recommended > 0:
        results = {n: evaluate(n) for n in sweep_range(recommended)}
        base_gp = evaluate(recommended)[2]
        for n, (rev, cost, gp, cov) in results.items():
            be = evaluate.break_even(recommended, n)[0] if n < recommended else None
            rows.append(
                SweepRow(
                    csms=n,
                    accounts_per_csm=(peak_accounts / n) if n > 0 else None,
                    coverage=cov,
                    total_revenue=rev,
                    csm_cost=cost,
                    gross_profit=gp,
                    delta_gross_profit=gp - base_gp,
                    break_even_churn_sensitivity=be,
                )
            )
        best = max(rows, key=lambda r: (round(r.gross_profit, 6), -r.csms))
        optimal = best.csms
        cut = evaluate.verdict(recommended, recommended - 1) if recommended >= 1 else None
        if staffed is not None and (plan_given or abs(staffed - recommended) > EPS):
            plan = evaluate.verdict(recommended, staffed)

    return SegmentHeadcount(
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
        staffed_csms=staffed,
        gap=None if staffed is None else staffed - recommended,
        coverage=coverage,
        accounts_covered=(staffed * accounts_per_csm)
        if staffed is not None and accounts_per_csm
        else None,
        sweep=tuple(rows),
        profit_optimal_csms=optimal,
        cut_verdict=cut,
        plan_verdict=plan,
    )


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


def _quarters(
    required: np.ndarray, start: float, plan: StaffPlan, cost_per_csm: float
) -> tuple[QuarterPlan, ...]:
    rows = []
    h = len(required)
    for q, a in enumerate(range(0, h, 3)):
        b = min(a + 3, h)
        rows.append(
            QuarterPlan(
                quarter=f"Y{q // 4 + 1} Q{q % 4 + 1}",
                required_fte=float(required[b - 1]),
                headcount_start=float(start if a == 0 else plan.headcount[a - 1]),
                departures=float(plan.departures[a:b].sum()),
                hires=int(plan.hires[a:b].sum()),
                effective_fte=float(plan.effective[b - 1]),
                headcount_end=float(plan.headcount[b - 1]),
                csm_cost=float(plan.on_staff[a:b].sum() * cost_per_csm / 12.0),
                leavers=int(plan.leavers[a:b].sum()),
            )
        )
    return tuple(rows)


def hiring_plan(scenario: Scenario, staffed: dict[str, float | None]) -> HiringPlan:
    """Quarter-by-quarter hiring plan per segment and for the whole team.

    The requirement is that of the fully staffed book; the team starts from the
    staffed CSMs (or, where none are set, the whole CSMs month 1 requires).
    """
    with np.errstate(all="ignore"):
        need = project(fully_staffed(scenario))
    h = need.horizon
    team = scenario.team
    per_segment: dict[str, tuple[QuarterPlan, ...]] = {}
    short: dict[str, int] = {}
    project_cost: dict[str, float] = {}
    plan_cost: dict[str, float] = {}
    for i, name in enumerate(need.segments):
        required = need.fte_required[:h, i]
        if not np.any(required > 0):
            continue
        start = staffed.get(name)
        if start is None:
            start = float(round_up(float(required[0])))
        plan = staff_plan(required, start, team.ramp_months, team.attrition)
        per_segment[name] = _quarters(required, start, plan, team.cost_per_csm)
        plan_cost[name] = float(plan.on_staff.sum() * team.cost_per_csm / 12.0)
        with np.errstate(all="ignore"):
            alone = project(with_csms(only_segment(scenario, name), {name: start}))
        project_cost[name] = float(alone.csm_cost[:h].sum())
        if plan.short_months:
            short[name] = plan.short_months
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
    """The full headcount report; ``csms`` overrides staffed CSMs per segment (a plan)."""
    csms = dict(csms or {})
    staffed = {n: csms.get(n, s.csms) for n, s in scenario.segments.items()}
    segments = tuple(
        segment_headcount(scenario, name, staffed[name], name in csms) for name in scenario.segments
    )
    return HeadcountReport(scenario, segments, hiring_plan(scenario, staffed), bool(csms))
