"""``csmodel headcount`` for people: workload, staffing sweep, hiring plan."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text

from csmodel.capacity import FAR_HORIZON, is_plan, month_words
from csmodel.dates import Calendar
from csmodel.records import OWNER_SIZING
from csmodel.render import safe
from csmodel.render.fmt import count, money, num, pct
from csmodel.render.layout import Col, Fit, Grid, Money
from csmodel.render.project import conventions_line, owners_grid, schedule_text


def _moves(x: Any) -> bool:
    """Whether an input is a schedule whose value changes over the plan."""
    return is_plan(x)  # the same test as a staffing plan's: several values


def assumptions_text(report: Any) -> str:
    sc = report.scenario
    t, u = sc.team, sc.understaffing
    cal = Calendar.of(sc)

    def cost(x: Any) -> str:
        return money(x, sc.currency)

    productive = f"{t.productive_hours:,.0f} productive hours a year"
    if any(_moves(x) for x in (t.hours_per_year, t.productivity)):
        productive += " in month 1"
    own = "".join(
        f"; {name} CSMs {schedule_text(seg.cost_per_csm, cost, cal)}"
        for name, seg in sc.segments.items()
        if seg.cost_per_csm is not None
    )
    return (
        f"Assumptions: {schedule_text(t.hours_per_year, lambda x: f'{x:,.0f}', cal)} paid hours "
        f"per CSM × {schedule_text(t.productivity, lambda x: pct(x, 0), cal)} "
        f"productivity = {productive}; CSM cost "
        f"{schedule_text(t.cost_per_csm, cost, cal)} a year{own}; new hires ramp linearly over "
        f"{t.ramp_months} months; attrition {pct(t.attrition, 0)} a year. Understaffing: churn "
        f"sensitivity {u.churn_sensitivity:g}, expansion sensitivity {u.expansion_sensitivity:g} "
        "(coverage κ < 1 multiplies churn by 1 + churn_sensitivity × (1 − κ) and expansion by "
        "1 − expansion_sensitivity × (1 − κ)). These sensitivities are planning assumptions the "
        "source paper does not quantify: calibrate them against your own churn history, by "
        "editing `understaffing:` in the file or with "
        "`--set understaffing.churn_sensitivity=0.5`."
    )


HIRING_METHOD = (
    "The requirement is the fully staffed book's FTE each month (growth from new logos, "
    "shrinkage from churn, onboarding load); a hire contributes (months since start + 1) / "
    "ramp_months FTE until fully ramped, so hires are made ramp_months ahead."
)


def _verdicts(report: Any, cur: str) -> list[str]:
    lines: list[str] = []
    for s in report.segments:
        for v in (s.plan_verdict, s.cut_verdict):
            line = v.sentence(lambda x: money(x, cur)) if v is not None else None
            if line and line not in lines:
                lines.append(line)
    return lines


WORKLOAD_HEADERS = (
    "Segment",
    "Hours per account",
    "Accounts per CSM",
    "Accounts at start",
    "Accounts at peak",
    "FTE required",
    "Rec. CSMs",
    "Staffed",
    "Gap",
    "Lowest coverage",
)


def staffed_text(x: Any) -> str:
    """A staffed ``csms`` in a cell: ``3``, or a plan's range ``3–5 (plan)``; ``—`` unstaffed."""
    if x is None:
        return "—"
    if is_plan(x):
        lo, hi = min(x.values), max(x.values)
        return f"{count(lo)}–{count(hi)} (plan)"
    return count(x)


def workload_cells(s: Any) -> list[str]:
    """One segment's workload row as text, in WORKLOAD_HEADERS order."""
    return [
        s.name,
        num(s.hours_per_account),
        num(s.accounts_per_csm),
        count(s.accounts_start),
        count(s.accounts_peak),
        num(s.fte_required, 2),
        str(s.recommended_csms),
        staffed_text(s.staffed_csms),
        "—" if s.gap is None else (f"{s.gap:+g}" if s.gap else "0"),
        pct(s.coverage),
    ]


WORKLOAD_CAPTION = (
    "Hours per account are CSM hours a year (meetings + prep); one CSM has {hours:,.0f} "
    "productive hours a year. FTE required is the peak over the horizon, with the onboarding "
    "load of new logos."
)


def workload_grid(report: Any) -> Grid:
    cols = [Col(WORKLOAD_HEADERS[0], right=False, wrap=True, key=True)]
    cols += [Col(h) for h in WORKLOAD_HEADERS[1:]]
    team = report.scenario.team
    caption = WORKLOAD_CAPTION.format(hours=team.productive_hours)
    if _moves(team.hours_per_year) or _moves(team.productivity):
        caption = caption.replace("hours a year.", "hours a year in month 1 (scheduled).", 1)
    if any(is_plan(s.staffed_csms) for s in report.segments):
        caption += (
            " Staffed: a staffing plan (scheduled csms) shows its lowest and highest "
            "headcount; its month-by-month comparison with the requirement follows."
        )
    g = Grid("Workload by segment", cols, caption=caption)
    for s in report.segments:
        g.add(*workload_cells(s))
    return g


MEETING_HEADERS = ("Meeting", "Per year", "Hours", "Prep hours", "Hours/account/yr")


def meetings_grid(s: Any) -> Grid:
    cols = [Col(MEETING_HEADERS[0], right=False, wrap=True, key=True)]
    cols += [Col(h) for h in MEETING_HEADERS[1:]]
    g = Grid(f"{s.name}: meeting cadence per account", cols)
    for m in s.meetings:
        g.add(
            m["meeting"],
            f"{m['per_year']:g}",
            f"{m['hours']:g}",
            f"{m['prep_hours']:g}",
            num(m["hours_per_account"]),
        )
    g.add("total", "", "", "", num(s.hours_per_account), style="bold")
    return g


SWEEP_HEADERS = (
    "CSMs",
    "Accounts/CSM",
    "Coverage",
    "Revenue",
    "CSM cost",
    "Contribution",
    "Δ contribution",
    "Δ exit ARR",
    "Break-even month",
    "Break-even churn sens.",
    "Note",
)
VALUE_HEADERS = ("Value", "Δ value")
"""Sweep columns added (after ``Δ contribution``) when the file has a ``valuation:`` block."""
SWEEP_MARKS = {
    "recommended": "◀ recommended",
    "best": "★ {best}",
    "staffed": "● staffed",
}
"""The notes of a sweep row (column ``Note``); ``{best}`` is :func:`best_label`."""


def best_label(s: Any, horizon: int) -> str:
    """What the star marks: the highest value, or the most contribution over the horizon
    (``most contribution (36 mo)``: the sweep note spells the months out)."""
    if s.optimal_by == "value":
        return "highest value"
    return f"most contribution ({horizon} mo)"  # "over 36 months", short enough not to wrap


def sweep_marks(s: Any, r: Any) -> list[str]:
    """Which of recommended / best (the star) / staffed a sweep row is."""
    marks = []
    if r.csms == s.recommended_csms:
        marks.append("recommended")
    if r.csms == s.profit_optimal_csms:
        marks.append("best")
    staffed = s.staffed_csms  # a staffing plan is its own row, never a flat one
    if staffed is not None and not is_plan(staffed) and abs(r.csms - staffed) < 1e-9:
        marks.append("staffed")
    return marks


def break_even_text(s: Any, r: Any) -> str:
    """A cut's break-even churn sensitivity: ``< 0.52`` (the cut pays below it), or why not."""
    if r.csms >= s.recommended_csms:
        return "—"
    x = r.break_even_churn_sensitivity
    return "none in 0–10" if x is None else f"< {x:.2f}"


def break_even_month_text(s: Any, r: Any, horizon: int) -> str:
    """The month from which the row's cumulative contribution Δ turns: ``49``, or
    ``> 240`` when it never turns within the search, ``—`` for the recommended row."""
    if r.csms == s.recommended_csms or horizon >= FAR_HORIZON:
        return "—"
    if r.break_even_month is not None:
        return str(r.break_even_month)
    return "—" if not r.delta_gross_profit else f"> {FAR_HORIZON}"


SWEEP_NOTE = (
    "Δ columns are against the recommended row; ★ marks the most contribution over {h} "
    "months unless the file values staffing (`valuation:`). Δ contribution is the "
    "contribution over {h} months; Δ exit ARR the difference in closing ARR of month {h}. "
    "Break-even month: projecting on with the same assumptions (up to {far} months), the "
    "first month at which the row's cumulative contribution Δ has the opposite sign to its "
    "sign at month {h} (a cut falls behind, extra CSMs start paying); > {far}: it never "
    "turns. Break-even churn sens.: the understaffing churn sensitivity (others as set) "
    "below which a cut pays; the file's value is in the assumptions below."
)
VALUE_NOTE = (
    " Value: contribution of each month discounted at {rate} a year (the first month "
    "undiscounted) plus {multiple:g} × exit ARR discounted from month {h}; the star marks "
    "the highest value."
)


def sweep_note(sc: Any) -> str:
    """What the sweep's columns mean (printed once, under the sweeps)."""
    horizon, valuation = sc.horizon_months, getattr(sc, "valuation", None)
    note = SWEEP_NOTE.format(h=horizon, far=FAR_HORIZON)
    if valuation is not None:
        rate = sc.discount_rate if valuation.discount_rate is None else valuation.discount_rate
        note += VALUE_NOTE.format(
            rate=pct(rate), multiple=valuation.terminal_arr_multiple or 0.0, h=horizon
        )
    return note


def sweep_grid(s: Any, sc: Any) -> Grid:
    cur, horizon = sc.currency, sc.horizon_months
    valuation = getattr(sc, "valuation", None)
    cols = [Col("CSMs", key=True), Col("Accounts/CSM"), Col("Coverage")]
    cols += [Col(h, money=True) for h in ("Revenue", "CSM cost", "Contribution", "Δ contribution")]
    if valuation is not None:
        cols += [Col(h, money=True) for h in VALUE_HEADERS]
    cols.append(Col("Δ exit ARR", money=True))
    cols.append(Col("Break-even month"))
    cols.append(Col("Break-even churn sens."))
    cols.append(Col("Note", right=False, wrap=True))
    g = Grid(f"{s.name}: what staffing earns and costs over {horizon} months", cols, currency=cur)
    best = best_label(s, horizon)
    for r in s.sweep:
        cells: list[Any] = [
            str(r.csms),
            num(r.accounts_per_csm),
            pct(r.coverage),
            Money(r.total_revenue, cur),
            Money(r.csm_cost, cur),
            Money(r.gross_profit, cur),
            Money(r.delta_gross_profit, cur, True),
        ]
        if valuation is not None:
            cells += [Money(r.value, cur), Money(r.value_delta, cur, True)]
        cells += [
            Money(r.exit_arr_delta, cur, True),
            break_even_month_text(s, r, horizon),
            break_even_text(s, r),
            " ".join(SWEEP_MARKS[m].format(best=best) for m in sweep_marks(s, r)),
        ]
        g.add(*cells, style="bold" if r.csms == s.recommended_csms else None)
    return g


def plan_sweep_line(s: Any, sc: Any) -> str | None:
    """A staffing plan valued as a sweep row is, in one line under the sweep (the sweep's
    rows are flat staffing levels; the plan is its own reference): its lowest coverage,
    horizon figures and their Δ against the recommended flat staffing, and its break-even
    month. ``None`` when the segment has no plan or is not swept."""
    p, cur, horizon = s.staffing_plan, sc.currency, sc.horizon_months
    if p is None or p.baseline_csms is None:
        return None

    def delta(x: float | None) -> str:
        return money(x, cur, signed=True)

    out = (
        f"{s.name}, your staffing plan (schedule) against the recommended flat "
        f"{p.baseline_csms} CSMs: lowest coverage {pct(p.lowest_coverage)}; revenue "
        f"{money(p.total_revenue, cur)}; CSM cost {money(p.total_csm_cost, cur)}; contribution "
        f"{money(p.contribution, cur)} (Δ {delta(p.contribution_delta)}); "
    )
    if p.value is not None:
        out += f"value {money(p.value, cur)} (Δ {delta(p.value_delta)}); "
    out += f"exit ARR {money(p.exit_arr, cur)} (Δ {delta(p.exit_arr_delta)})"
    if horizon < FAR_HORIZON and p.contribution_delta:
        if p.break_even_month is not None:
            out += f"; break-even month {p.break_even_month}"
        else:
            out += f"; its cumulative contribution Δ never turns within {FAR_HORIZON} months"
    return out + "."


PLAN_HEADERS = (
    "Quarter",
    "Required FTE",
    "Headcount start",
    "Expected departures",
    "Leavers",
    "Hires",
    "Effective FTE",
    "Headcount end",
    "CSM cost",
)


def plan_cells(q: Any, cur: str) -> list[str]:
    """One hiring-plan quarter as text, in PLAN_HEADERS order."""
    return [
        q.quarter,
        num(q.required_fte, 2),
        count(q.headcount_start),
        num(q.departures, 2),
        str(q.leavers),
        str(q.hires),
        num(q.effective_fte, 2),
        count(q.headcount_end),
        money(q.csm_cost, cur),
    ]


def plan_grid(title: str, rows: Any, cur: str) -> Grid:
    cols = [Col("Quarter", right=False, key=True)]
    cols += [Col(h, money=h == "CSM cost") for h in PLAN_HEADERS[1:]]
    g = Grid(title, cols, currency=cur)
    for q in rows:
        cells: list[Any] = plan_cells(q, cur)
        cells[-1] = Money(q.csm_cost, cur)
        if q.effective_fte + 1e-9 < q.required_fte:  # short of the requirement
            cells[6] = Text(cells[6], style="red")
        g.add(*cells)
    return g


def sizing_note(s: Any) -> str | None:
    """How a segment is sized, when it is not by a meeting cadence (shown as a table)."""
    if s.sized_by == "meetings":
        return None
    if s.sized_by == "accounts_per_csm":
        return (
            f"{s.name}: sized top-down by accounts_per_csm = {num(s.accounts_per_csm)} "
            "(no meeting cadence given)."
        )
    return f"{s.name}: no workload model (add `meetings` or `accounts_per_csm`); not sized."


def covered_note(s: Any) -> str | None:
    if s.accounts_covered is None:
        return None
    every = " in every month" if s.accounts_per_csm_range else ""
    return (
        f"{s.name}: the {count(s.staffed_csms)} staffed CSMs can fully cover "
        f"{s.accounts_covered:,.0f} accounts{every} (peak book {s.accounts_peak:,.0f})."
    )


def ratio_note(s: Any) -> str | None:
    """When schedules move accounts per CSM: its range, and what the table shows."""
    if not s.accounts_per_csm_range:
        return None
    lo, hi = s.accounts_per_csm_range
    return (
        f"{s.name}: accounts per CSM follow the schedules, from {num(lo)} to {num(hi)} over "
        f"the plan (the table shows month 1's {num(s.accounts_per_csm)}); FTE required and "
        "coverage follow them month by month."
    )


STAFFING_HEADERS = ("Planned CSMs", "Required FTE", "Coverage", "CSM cost")
STAFFING_CAPTION = (
    "Planned CSMs are your plan's (the scheduled csms) in force; required FTE is what the "
    "book needs as it evolves under the plan (understaffing shrinks it), so coverage = "
    "planned ÷ required, at most 100%; CSM cost = planned CSMs × the cost per CSM in force "
    "÷ 12 each month."
)
QUARTER_CAPTION = (
    " By quarter: the planned CSMs month by month within the quarter (3→4: a change in it), "
    "the peak required FTE, the lowest coverage and the quarter's CSM cost."
)
MONTHLY_UP_TO = 24
"""Horizons up to this many months compare the plan month by month; longer ones by quarter."""


def _steps(values: Any) -> str:
    """CSMs planned over a period: ``4``, or each change in order: ``3→4``."""
    out: list[float] = []
    for v in values:
        if not out or abs(v - out[-1]) > 1e-9:
            out.append(float(v))
    return "→".join(count(v) for v in out)


def staffing_grid(s: Any, sc: Any) -> Grid:
    """A staffing plan against the requirement: by month, or by (fiscal) quarter when long."""
    p, cur = s.staffing_plan, sc.currency
    cal = Calendar.of(sc)
    h = p.months
    by = "month" if h <= MONTHLY_UP_TO else "quarter"
    cols = [Col("Period", right=False, key=True)]
    cols += [Col(x, money=x == "CSM cost") for x in STAFFING_HEADERS]
    caption = STAFFING_CAPTION + ("" if by == "month" else QUARTER_CAPTION)
    title = f"{s.name}: your staffing plan against the requirement, by {by}"
    g = Grid(title, cols, caption=caption, currency=cur)
    for period in cal.periods(by, h):
        a, b = period.first - 1, period.last
        low = float(p.coverage[a:b].min())
        cells: list[Any] = [
            period.shown,
            _steps(p.planned[a:b]),
            num(float(p.required_fte[a:b].max()), 2),
            pct(low),
            Money(float(p.csm_cost[a:b].sum()), cur),
        ]
        if low < 1.0 - 1e-9:
            cells[3] = Text(cells[3], style="red")
        g.add(*cells)
    return g


def _short(x: float) -> str:
    """A CSM count in a sentence: one decimal (``4.0``), more when it has them (``2.25``)."""
    for d in (1, 2, 3):
        if abs(round(x, d) - x) < 1e-9:
            return f"{x:,.{d}f}"
    return f"{x:,.3f}"


def staffing_line(s: Any, sc: Any) -> str:
    """When a staffing plan first falls short of the requirement, in plain words."""
    p = s.staffing_plan
    cal = Calendar.of(sc)
    k = p.first_short_month
    if k is None:
        return (
            f"{s.name}: coverage never drops below 100%: the plan covers the requirement "
            f"in every month through {month_words(cal, p.months)}."
        )
    planned, needed = float(p.planned[k - 1]), float(p.required_fte[k - 1])
    digits = 1  # enough digits that the need shows above what is planned
    while digits < 4 and round(needed, digits) <= round(planned, digits):
        digits += 1
    low = int(p.coverage.argmin()) + 1
    return (
        f"{s.name}: coverage first drops below 100% in {month_words(cal, k)}: "
        f"{_short(planned)} CSMs planned, {needed:,.{digits}f} needed; lowest coverage "
        f"{pct(float(p.coverage[low - 1]))} in {month_words(cal, low)}."
    )


def hiring_start_note(report: Any) -> str | None:
    """Where the hiring plan starts when a segment's staffing is a plan."""
    names = [s for s in report.segments if is_plan(s.staffed_csms)]
    if not names:
        return None
    starts = ", ".join(f"{s.name} {count(float(s.staffed_csms))}" for s in names)
    return (
        f"The hiring plan starts from your staffing plan's month-1 headcount ({starts}) "
        "and proposes its own hires; your plan is compared with the requirement above."
    )


def short_note(name: str, n: int, ramp_months: int) -> str:
    return (
        f"{name}: the first {n} month(s) are short of the requirement: new hires take "
        f"{ramp_months} months to ramp, so hire before the plan starts."
    )


def simulated_sweep_grid(s: Any, sim: Any, cur: str) -> Grid:
    """``--simulate``: each staffing level of a segment's sweep over the paths."""
    cols = [
        Col("CSMs"),
        Col("Covered every month"),
        Col("Contribution P10", money=True),
        Col("P50", money=True),
        Col("P90", money=True),
    ]
    g = Grid(f"{s.name}: staffing under uncertainty ({sim.paths:,} paths)", cols, currency=cur)
    for r in s.sweep:
        row = sim.rows[s.name][r.csms]
        g.add(
            str(r.csms),
            pct(row["covered_share"]) + " of paths",
            Money(row["contribution_p10"], cur),
            Money(row["contribution_p50"], cur),
            Money(row["contribution_p90"], cur),
        )
    return g


def simulated_sweep_note(sim: Any) -> str:
    from csmodel.records import simulation_note

    return (
        "Staffing under uncertainty: each path draws every range once and projects each "
        "segment alone at each staffing level of its sweep; 'covered every month' is the "
        "share of paths whose coverage stays at 100% in every month of the horizon, and the "
        "contribution percentiles are over the paths (the sweep above is the plan at every "
        f"range's median). {simulation_note(sim)}."
    )


def sections(report: Any) -> list[tuple[str, Any, str]]:
    """Everything ``csmodel headcount`` shows, in order, as (kind, content, style):
    ``grid`` (a :class:`Grid`), ``heading``, ``bullet`` or ``note`` (plain text).

    The terminal and markdown renderers both walk this list, so they show the same things.
    """
    sc = report.scenario
    cur = sc.currency
    out: list[tuple[str, Any, str]] = [("grid", workload_grid(report), "")]
    if report.owners:  # an account book with CSM owners: each owner's own book
        out.append(
            ("grid", owners_grid(report.owners, Calendar.of(sc), "CSM owners (as staffed)"), "")
        )
    if report.sized_apart:
        out.append(("note", OWNER_SIZING, "dim"))
    for s in report.segments:
        if s.sized_by == "meetings":
            out.append(("grid", meetings_grid(s), ""))
        else:
            out.append(("note", sizing_note(s), "dim"))
        covered = covered_note(s)
        if covered:
            out.append(("note", covered, ""))
        ratio = ratio_note(s)
        if ratio:
            out.append(("note", ratio, "dim"))
        if s.staffing_plan is not None:
            out.append(("grid", staffing_grid(s, sc), ""))
            short = s.staffing_plan.first_short_month is not None
            out.append(("note", staffing_line(s, sc), "yellow" if short else ""))
    swept = [s for s in report.segments if s.sweep]
    for s in swept:
        out.append(("grid", sweep_grid(s, sc), ""))
        line = plan_sweep_line(s, sc)
        if line:
            out.append(("note", line, ""))
    if swept:
        out.append(("note", sweep_note(sc), "dim"))
    if report.simulation is not None and swept:
        out += [("grid", simulated_sweep_grid(s, report.simulation, cur), "") for s in swept]
        out.append(("note", simulated_sweep_note(report.simulation), "dim"))
    verdicts = _verdicts(report, cur)
    if verdicts:
        out.append(("heading", "Verdict", "bold"))
        out += [("bullet", v, "") for v in verdicts]
    plan = report.hiring_plan
    if plan.quarters:
        out.append(
            ("grid", plan_grid("Hiring plan by quarter (whole team)", plan.quarters, cur), "")
        )
        if len(plan.segments) > 1:
            for name, rows in plan.segments.items():
                out.append(("grid", plan_grid(f"Hiring plan: {name}", rows, cur), ""))
        for name, n in plan.short_months.items():
            out.append(("note", short_note(name, n, sc.team.ramp_months), "yellow"))
        start = hiring_start_note(report)
        if start:
            out.append(("note", start, "dim"))
        out.append(("note", plan.rule, "dim"))
        out.append(("note", HIRING_METHOD, "dim"))
        out.append(("note", plan.csm_cost_note, "dim"))
    out.append(("note", assumptions_text(report), "dim"))
    out.append(("note", conventions_line(sc), "dim"))
    return out


def table(report: Any) -> Group:
    sc = report.scenario
    parts: list[Any] = [safe.rich_text(f"{sc.name} — CSM headcount", "bold")]
    for kind, content, style in sections(report):
        if kind == "grid":
            parts.append(Fit(content))
        elif kind == "bullet":
            parts.append(safe.rich_text(f"• {content}", style))
        else:
            parts.append(safe.rich_text(content, style))
    return Group(*parts)


def markdown(report: Any) -> str:
    sc = report.scenario
    out = [f"# {safe.md(sc.name)} — CSM headcount\n"]
    prev = ""
    for kind, content, _ in sections(report):
        if kind == "grid":
            out.append("\n" + content.markdown())
        elif kind == "heading":
            out.append(f"\n## {safe.md(content)}\n\n")
        elif kind == "bullet":
            out.append(("" if prev == "bullet" else "\n") + f"- {safe.md(content)}\n")
        else:
            out.append(f"\n_{safe.md(content)}_\n")
        prev = kind
    return "".join(out)
