"""``csmodel headcount`` for people: workload, staffing sweep, hiring plan."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from csmodel.render.fmt import count, money, num, pct
from csmodel.render.project import conventions_line


def assumptions_text(report: Any) -> str:
    sc = report.scenario
    t, u = sc.team, sc.understaffing
    return (
        f"Assumptions: {t.hours_per_year:,.0f} paid hours per CSM × {pct(t.productivity, 0)} "
        f"productivity = {t.productive_hours:,.0f} productive hours a year; CSM cost "
        f"{money(t.cost_per_csm, sc.currency)} a year; new hires ramp linearly over "
        f"{t.ramp_months} months; attrition {pct(t.attrition, 0)} a year. Understaffing: churn "
        f"sensitivity {u.churn_sensitivity:g}, expansion sensitivity {u.expansion_sensitivity:g} "
        "(coverage κ < 1 multiplies churn by 1 + churn_sensitivity × (1 − κ) and expansion by "
        "1 − expansion_sensitivity × (1 − κ)). These sensitivities are planning assumptions the "
        "source paper does not quantify: calibrate them against your own churn history, by "
        "editing `understaffing:` in the file or with "
        "`--set understaffing.churn_sensitivity=0.5`."
    )


HIRING_METHOD = (
    "Hiring method: the requirement is the fully staffed book's FTE each month (growth from new "
    "logos, shrinkage from churn, onboarding load). Departures are expected values from yearly "
    "attrition. A hire contributes (months since start + 1) / ramp_months FTE until fully "
    "ramped, so hires are made ramp_months ahead: in each month csmodel hires the fewest whole "
    "CSMs that make effective FTE meet the requirement of the month they are fully ramped."
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
MARKDOWN_WORKLOAD = (0, 1, 2, 4, 5, 6, 7, 9)
"""The workload columns the markdown report keeps (no start accounts, no gap)."""


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
        "—" if s.staffed_csms is None else count(s.staffed_csms),
        "—" if s.gap is None else (f"{s.gap:+g}" if s.gap else "0"),
        pct(s.coverage),
    ]


def _workload_table(report: Any) -> Table:
    t = Table(
        box=box.SIMPLE_HEAD, title="Workload by segment", title_justify="left", header_style="bold"
    )
    t.add_column(WORKLOAD_HEADERS[0], no_wrap=True)
    for col in WORKLOAD_HEADERS[1:]:
        t.add_column(col, justify="right")  # headers wrap; numbers never do (fit_tables)
    for s in report.segments:
        t.add_row(*workload_cells(s))
    t.caption = (
        f"Hours per account are CSM hours a year (meetings + prep); one CSM has "
        f"{report.scenario.team.productive_hours:,.0f} productive hours a year. FTE required is "
        "the peak over the horizon, with the onboarding load of new logos."
    )
    t.caption_justify = "left"
    return t


def _meetings_table(s: Any) -> Table:
    t = Table(
        box=box.SIMPLE_HEAD, title=f"{s.name}: meeting cadence per account", title_justify="left"
    )
    for col in ("Meeting", "Per year", "Hours", "Prep hours", "Hours/account/yr"):
        t.add_column(col, justify="right" if col != "Meeting" else "left")
    for m in s.meetings:
        t.add_row(
            m["meeting"],
            f"{m['per_year']:g}",
            f"{m['hours']:g}",
            f"{m['prep_hours']:g}",
            num(m["hours_per_account"]),
        )
    t.add_row("[bold]total[/]", "", "", "", f"[bold]{num(s.hours_per_account)}[/]")
    return t


def _sweep_table(s: Any, cur: str, horizon: int) -> Table:
    t = Table(
        box=box.SIMPLE_HEAD,
        title=f"{s.name}: what staffing earns and costs over {horizon} months",
        title_justify="left",
        header_style="bold",
    )
    for col in (
        "CSMs",
        "Accounts/CSM",
        "Coverage",
        "Revenue",
        "CSM cost",
        "Gross profit",
        "Δ gross profit",
        "",
    ):
        t.add_column(col, justify="right" if col else "left")
    for r in s.sweep:
        marks = []
        if r.csms == s.recommended_csms:
            marks.append("◀ recommended")
        if r.csms == s.profit_optimal_csms:
            marks.append("★ most profit")
        if s.staffed_csms is not None and abs(r.csms - s.staffed_csms) < 1e-9:
            marks.append("● staffed")
        style = "bold" if r.csms == s.recommended_csms else None
        delta = r.delta_gross_profit
        t.add_row(
            str(r.csms),
            num(r.accounts_per_csm),
            pct(r.coverage),
            money(r.total_revenue, cur),
            money(r.csm_cost, cur),
            money(r.gross_profit, cur),
            Text(
                money(delta, cur, signed=True),
                style="red" if delta < -0.5 else ("green" if delta > 0.5 else ""),
            ),
            " ".join(marks),
            style=style,
        )
    return t


PLAN_HEADERS = (
    "Quarter",
    "Required FTE",
    "Headcount start",
    "Departures",
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
        num(q.headcount_start),
        num(q.departures),
        str(q.hires),
        num(q.effective_fte, 2),
        num(q.headcount_end),
        money(q.csm_cost, cur),
    ]


def _plan_table(title: str, rows: Any, cur: str) -> Table:
    t = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left", header_style="bold")
    for col in PLAN_HEADERS:
        t.add_column(col, justify="right" if col != "Quarter" else "left")
    for q in rows:
        cells: list[Any] = plan_cells(q, cur)
        if q.effective_fte + 1e-9 < q.required_fte:  # short of the requirement
            cells[5] = Text(cells[5], style="red")
        t.add_row(*cells)
    return t


def table(report: Any) -> Group:
    sc = report.scenario
    cur = sc.currency
    parts: list[Any] = [Text(f"{sc.name} — CSM headcount", style="bold"), _workload_table(report)]
    for s in report.segments:
        if s.sized_by == "meetings":
            parts.append(_meetings_table(s))
        elif s.sized_by == "accounts_per_csm":
            parts.append(
                Text(
                    f"{s.name}: sized top-down by accounts_per_csm = "
                    f"{num(s.accounts_per_csm)} (no meeting cadence given).",
                    style="dim",
                )
            )
        else:
            parts.append(
                Text(
                    f"{s.name}: no workload model (add `meetings` or "
                    "`accounts_per_csm`); not sized.",
                    style="dim",
                )
            )
        if s.accounts_covered is not None:
            parts.append(
                Text(
                    f"{s.name}: the {count(s.staffed_csms)} staffed CSMs can fully cover "
                    f"{s.accounts_covered:,.0f} accounts (peak book {s.accounts_peak:,.0f})."
                )
            )
    for s in report.segments:
        if s.sweep:
            parts.append(_sweep_table(s, cur, sc.horizon_months))
    verdicts = _verdicts(report, cur)
    if verdicts:
        parts.append(Text("Verdict", style="bold"))
        parts += [Text(f"• {v}") for v in verdicts]
    plan = report.hiring_plan
    if plan.quarters:
        parts.append(_plan_table("Hiring plan by quarter (whole team)", plan.quarters, cur))
        if len(plan.segments) > 1:
            for name, rows in plan.segments.items():
                parts.append(_plan_table(f"Hiring plan: {name}", rows, cur))
        for name, n in plan.short_months.items():
            parts.append(
                Text(
                    f"{name}: the first {n} month(s) are short of the requirement: new hires take "
                    f"{sc.team.ramp_months} months to ramp, so hire before the plan starts.",
                    style="yellow",
                )
            )
        parts.append(Text(HIRING_METHOD, style="dim"))
    parts.append(Text(assumptions_text(report), style="dim"))
    parts.append(Text(conventions_line(report.scenario), style="dim"))
    return Group(*parts)


def markdown(report: Any) -> str:
    from csmodel.render.project import md_table

    sc = report.scenario
    cur = sc.currency
    out = [f"# {sc.name} — CSM headcount\n\n## Workload by segment\n"]
    out.append(
        md_table(
            [WORKLOAD_HEADERS[k] for k in MARKDOWN_WORKLOAD],
            [[workload_cells(s)[k] for k in MARKDOWN_WORKLOAD] for s in report.segments],
        )
    )
    for s in report.segments:
        if s.sweep:
            out.append(f"\n## {s.name}: staffing sweep over {sc.horizon_months} months\n")
            out.append(
                md_table(
                    [
                        "CSMs",
                        "Coverage",
                        "Revenue",
                        "CSM cost",
                        "Gross profit",
                        "Δ gross profit",
                        "",
                    ],
                    [
                        [
                            str(r.csms),
                            pct(r.coverage),
                            money(r.total_revenue, cur),
                            money(r.csm_cost, cur),
                            money(r.gross_profit, cur),
                            money(r.delta_gross_profit, cur, signed=True),
                            " ".join(
                                x
                                for x in (
                                    "recommended" if r.csms == s.recommended_csms else "",
                                    "most profit" if r.csms == s.profit_optimal_csms else "",
                                )
                                if x
                            ),
                        ]
                        for r in s.sweep
                    ],
                )
            )
    verdicts = _verdicts(report, cur)
    if verdicts:
        out.append("\n## Verdict\n\n" + "".join(f"- {v}\n" for v in verdicts))
    if report.hiring_plan.quarters:
        out.append("\n## Hiring plan by quarter\n")
        out.append(
            md_table(list(PLAN_HEADERS), [plan_cells(q, cur) for q in report.hiring_plan.quarters])
        )
        out.append(f"\n_{HIRING_METHOD}_\n")
    out.append(f"\n_{assumptions_text(report)}_\n")
    out.append(f"\n_{conventions_line(report.scenario)}_\n")
    return "".join(out)
