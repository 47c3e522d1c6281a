"""Capacity and headcount (DOMAIN.md section 5): CSMs from meeting workload.

Owns the headcount report behind ``csmodel headcount``:

- workload by segment: hours per account from the meeting cadence, productive
  hours per CSM (``hours_per_year x productivity``), accounts per CSM, the
  peak required FTE over the horizon (the book as it grows and churns, with
  the onboarding load of new logos) and the recommended headcount;
- a staffing sweep: each whole CSM count from about half to one and a half
  times the recommendation, projected through the engine with coverage
  applied, so the revenue lost to understaffing is set against the cost saved;
- a hiring plan by quarter with ramp and attrition.

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
from csmodel.metrics import EPS, peak_fte, round_up
from csmodel.schema import Scenario


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


@dataclass(frozen=True)
class Verdict:
    """Plan ``csms`` against ``baseline`` CSMs for one segment, over the horizon."""

    segment: str
    baseline: int
    csms: float
    csm_cost_change: float
    revenue_change: float
    gross_profit_change: float
    months: int

    def sentence(self, money) -> str:
        """The plain-words line, e.g. "Cutting mid-market from 4 to 3 CSMs saves ..."."""
        n = _count(self.csms)
        over = f"over {self.months} months"
        if self.csms == self.baseline:
            return f"{self.segment}: {n} CSMs is the recommended staffing."
        if self.csms < self.baseline:
            verb = "loses" if self.revenue_change < 0 else "keeps"
            net = (
                f"a net loss of {money(-self.gross_profit_change)} of gross profit"
                if self.gross_profit_change < 0
                else f"a net gain of {money(self.gross_profit_change)} of gross profit"
            )
            return (
                f"Cutting {self.segment} from {self.baseline} to {n} "
                f"{'CSM' if self.csms == 1 else 'CSMs'} saves "
                f"{money(-self.csm_cost_change)} of CSM cost and {verb} "
                f"{money(abs(self.revenue_change))} of revenue ({net}) {over}."
            )
        net = (
            f"a net gain of {money(self.gross_profit_change)} of gross profit"
            if self.gross_profit_change >= 0
            else f"a net loss of {money(-self.gross_profit_change)} of gross profit"
        )
        return (
            f"Staffing {self.segment} with {n} CSMs instead of {self.baseline} costs "
            f"{money(self.csm_cost_change)} more and adds {money(self.revenue_change)} of "
            f"revenue ({net}) {over}."
        )


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
    quarter: str
    required_fte: float
    headcount_start: float
    departures: float
    hires: int
    effective_fte: float
    headcount_end: float
    csm_cost: float


@dataclass(frozen=True)
class HiringPlan:
    quarters: tuple[QuarterPlan, ...]
    segments: dict[str, tuple[QuarterPlan, ...]]
    short_months: dict[str, int] = field(default_factory=dict)
    """Per segment, months before the first hire can be ramped that are under-covered."""


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


def sweep_range(recommended: int) -> range:
    """Every whole CSM count from ~half to ~1.5x the recommendation, at least 7 rows."""
    lo = max(0, math.floor(recommended * 0.5))
    hi = max(math.ceil(recommended * 1.5), lo + 6)
    return range(lo, hi + 1)


class _Evaluator:
    """Projects one segment at a given staffing, each staffing at most once."""

    def __init__(self, scenario: Scenario, name: str):
        self.scenario, self.name = scenario, name
        self.alone = only_segment(scenario, name)
        self.cache: dict[float, tuple[float, float, float, float]] = {}

    def __call__(self, csms: float | None) -> tuple[float, float, float, float]:
        """(revenue, CSM cost, gross profit, lowest coverage) with ``csms`` staffed."""
        key = -1.0 if csms is None else float(csms)
        if key not in self.cache:
            eco = self.scenario.economics
            pr = project(with_csms(self.alone, {self.name: csms}))
            self.cache[key] = _segment_result(pr, eco.cost_to_serve, eco.cac_per_logo)
        return self.cache[key]

    def verdict(self, baseline: int, csms: float) -> Verdict:
        r0, c0, g0, _ = self(baseline)
        r1, c1, g1, _ = self(csms)
        months = self.scenario.horizon_months
        return Verdict(self.name, baseline, csms, c1 - c0, r1 - r0, g1 - g0, months)


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
    need = project(fully_staffed(alone))
    peak = float(peak_fte(need)[0])
    recommended = round_up(peak)
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
            rows.append(
                SweepRow(
                    csms=n,
                    accounts_per_csm=(peak_accounts / n) if n > 0 else None,
                    coverage=cov,
                    total_revenue=rev,
                    csm_cost=cost,
                    gross_profit=gp,
                    delta_gross_profit=gp - base_gp,
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


def plan_hiring(
    required: np.ndarray, start_headcount: float, ramp_months: int, attrition: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Monthly hiring plan for one segment.

    ``required`` is the required FTE of each month. Each CSM leaves with the
    monthly probability implied by the yearly ``attrition``; counts are
    expected values. A hire made at the start of month t contributes
    ``min(1, (m - t + 1) / ramp_months)`` FTE in month m. Hires are whole
    people, made greedily: in month t we hire just enough that effective FTE
    meets the requirement of month ``t + ramp_months - 1``, when those hires
    are fully ramped. Every month from ``ramp_months - 1`` on is thus covered;
    earlier shortfalls can only be met by hiring before the plan starts.

    Returns monthly ``(hires, headcount, effective_fte, departures)`` and the
    number of leading months left short.
    """
    h = len(required)
    keep = (1.0 - attrition) ** (1.0 / 12.0)
    lead = max(1, ramp_months)
    hires = np.zeros(h)
    months = np.arange(h)

    def effective(u: int) -> float:
        survive_start = start_headcount * keep ** (u + 1)
        t = months[: u + 1]
        tenure = u - t
        return survive_start + float(
            (hires[: u + 1] * keep ** (tenure + 1) * ramp_factor(tenure, ramp_months)).sum()
        )

    for t in range(h):
        u = min(h - 1, t + lead - 1)
        short = required[u] - effective(u)
        if short > EPS:
            per_hire = keep ** (u - t + 1) * float(ramp_factor(np.array([u - t]), ramp_months)[0])
            hires[t] = math.ceil(short / per_hire - EPS)

    headcount = np.zeros(h)
    eff = np.zeros(h)
    departures = np.zeros(h)
    before = float(start_headcount)
    for m in range(h):
        departures[m] = (before + hires[m]) * (1.0 - keep)
        headcount[m] = before + hires[m] - departures[m]
        before = headcount[m]
        eff[m] = effective(m)
    short_months = int(np.sum(required[: lead - 1] - eff[: lead - 1] > EPS)) if lead > 1 else 0
    return hires, headcount, eff, departures, short_months


def _quarters(
    required: np.ndarray,
    start: float,
    hires: np.ndarray,
    headcount: np.ndarray,
    eff: np.ndarray,
    departures: np.ndarray,
    cost_per_csm: float,
) -> tuple[QuarterPlan, ...]:
    rows = []
    h = len(required)
    for q, a in enumerate(range(0, h, 3)):
        b = min(a + 3, h)
        rows.append(
            QuarterPlan(
                quarter=f"Y{q // 4 + 1} Q{q % 4 + 1}",
                required_fte=float(required[b - 1]),
                headcount_start=float(start if a == 0 else headcount[a - 1]),
                departures=float(departures[a:b].sum()),
                hires=int(hires[a:b].sum()),
                effective_fte=float(eff[b - 1]),
                headcount_end=float(headcount[b - 1]),
                csm_cost=float(headcount[a:b].sum() * cost_per_csm / 12.0),
            )
        )
    return tuple(rows)


def hiring_plan(scenario: Scenario, staffed: dict[str, float | None]) -> HiringPlan:
    """Quarter-by-quarter hiring plan per segment and for the whole team.

    The requirement is that of the fully staffed book; the team starts from the
    staffed CSMs (or, where none are set, the headcount month 1 requires).
    """
    need = project(fully_staffed(scenario))
    h = need.horizon
    team = scenario.team
    per_segment: dict[str, tuple[QuarterPlan, ...]] = {}
    short: dict[str, int] = {}
    for i, name in enumerate(need.segments):
        required = need.fte_required[:h, i]
        if not np.any(required > 0):
            continue
        start = staffed.get(name)
        if start is None:
            start = float(round_up(float(required[0])))
        hires, headcount, eff, departures, n_short = plan_hiring(
            required, start, team.ramp_months, team.attrition
        )
        per_segment[name] = _quarters(
            required, start, hires, headcount, eff, departures, team.cost_per_csm
        )
        if n_short:
            short[name] = n_short
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
                )
            )
    return HiringPlan(tuple(totals), per_segment, short)


def headcount(scenario: Scenario, csms: dict[str, float] | None = None) -> HeadcountReport:
    """The full headcount report; ``csms`` overrides staffed CSMs per segment (a plan)."""
    csms = dict(csms or {})
    staffed = {n: csms.get(n, s.csms) for n, s in scenario.segments.items()}
    segments = tuple(
        segment_headcount(scenario, name, staffed[name], name in csms) for name in scenario.segments
    )
    return HeadcountReport(scenario, segments, hiring_plan(scenario, staffed), bool(csms))
