"""``csmodel project`` for people: rich tables and a chart, or markdown."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text

from csmodel.dates import Calendar
from csmodel.render import safe
from csmodel.render.chart import Chart, horizon_labels
from csmodel.render.fmt import compact_money, count, money, num, pct
from csmodel.render.layout import Col, Fit, Grid, Money, md_table  # noqa: F401 (md_table: shared)
from csmodel.schedule import values_of


def headline_rows(pr: Any) -> list[tuple[str, str]]:
    """(label, value) pairs of the headline, shared by table and markdown. Labels name
    each figure's window; :func:`headline_note` says what each includes."""
    m = pr.metrics
    cur = pr.scenario.currency
    h = pr.horizon
    rows = [
        (f"Total revenue ({h} months)", money(m["total_revenue"], cur)),
        ("Revenue had nothing changed", money(m["flat_revenue"], cur)),
        (
            "Uplift (share of total)",
            f"{money(m['uplift'], cur, signed=True)} ({pct(m['uplift_share'])})",
        ),
        ("Uplift in years of starting ACV", num(m["equivalent_new_logos"])),
        (f"New logos to match the uplift ({h} months)", num(m["new_logos_to_match"])),
        (
            "Starting ARR → exit ARR",
            f"{money(m['starting_arr'], cur)} → {money(m['ending_arr'], cur)}",
        ),
        ("NRR (first 12 months)", pct(m["nrr"])),
        ("GRR (first 12 months)", pct(m["grr"])),
        ("Logo retention (first 12 months)", pct(m["logo_retention"])),
        (f"Revenue per starting account ({h} months)", money(m["revenue_per_account"], cur)),
        (f"CLV over {h} months", money(m["clv"], cur)),
        (
            "Lifetime value per starting account",
            money(m["lifetime_value"], cur) if m["lifetime_value"] is not None else "n/a",
        ),
        ("CSM cost", money(m["csm_cost"], cur)),
        (f"Contribution ({h} months)", money(m["contribution"], cur)),
    ]
    if m["ltv_to_cac"] is not None:
        rows += [
            ("Value of one new logo signed", money(m["new_logo_value"], cur)),
            ("LTV:CAC (one new logo)", f"{m['ltv_to_cac']:.2f}×"),
            ("CAC payback (months)", num(m["cac_payback_months"])),
            ("Acquisition cost avoided by the uplift", money(m["acquisition_cost_avoided"], cur)),
        ]
    if m["csms_required"] > 0:
        rows.append(
            (
                "CSMs required (peak FTE → headcount)",
                f"{num(m['csms_required'], 2)} → {m['csms_recommended']:.0f}",
            )
        )
        rows.append(("Lowest coverage", pct(m["coverage"])))
    return rows


def schedule_text(x: Any, show: Any, cal: Calendar) -> str:
    """A plain or scheduled input in words: ``$110,000``, or ``$90,000 in month 1, $95,000
    from month 13`` (``from Feb 2028`` with ``start``; ``linear`` schedules ramp between)."""
    from csmodel.schedule import Schedule

    if not isinstance(x, Schedule) or len(set(x.values)) == 1:
        return show(float(x))

    def when(k: int) -> str:
        return cal.month_label(k) if cal.dated else f"month {k}"

    later = "in" if x.linear else "from"
    parts = [
        f"{show(v)} {'in' if i == 0 else later} {when(k)}"
        for i, (k, v) in enumerate(zip(x.months(cal), x.values, strict=True))
    ]
    return ", ".join(parts) + (" (linear in between)" if x.linear else "")


def headline_note(pr: Any) -> str:
    """What each headline figure includes, its window and its horizon, in a paragraph."""
    m = pr.metrics
    sc = pr.scenario
    h = pr.horizon
    cts = f"{pct(sc.economics.cost_to_serve, 0)} cost to serve"
    if len(set(values_of(sc.economics.cost_to_serve))) > 1:
        spelled = schedule_text(sc.economics.cost_to_serve, lambda x: pct(x, 0), Calendar.of(sc))
        cts = f"cost to serve ({spelled})"
    disc = pct(sc.discount_rate, 0)
    lifetime = (
        "does not converge here: a surviving account grows at least as fast as the discount rate"
        if m["lifetime_value"] is None
        else "continues the file's rates past the horizon at full coverage"
    )
    text = (
        "Uplift in years of starting ACV is the paper's 'equivalent new logos'; new logos to "
        f"match counts logos signed in month 1 with the same {h}-month revenue (like for like). "
        "Exit ARR is the closing ARR of the last month. NRR and GRR are the starting book's, "
        "over its first twelve months of changes. "
        f"CLV and lifetime value are after {cts}, discounted at {disc} a year; "
        f"lifetime value {lifetime}. Contribution is revenue after cost to serve, less CSM "
        "and acquisition cost."
    )
    if m["ltv_to_cac"] is not None:
        text += (
            " A new logo's value is its lifetime value from signing; CAC payback is the "
            "months of its contribution that earn back its acquisition cost."
        )
    return text


def conventions_line(sc: Any) -> str:
    """The conventions of scenario ``sc`` as one sentence, for people."""
    from csmodel.records import conventions

    c = conventions(sc)
    months = "months are 1-based"
    if "calendar" in c:  # a dated plan: its first month and how fiscal years run
        from csmodel.dates import Calendar

        months = f"month 1 is {Calendar.of(sc).month_label(1)} · {c['calendar']}"
    text = (
        f"Conventions · timing {c['timing']}: {c['timing_note']} · renewals {c['renewals']}: "
        f"{c['renewals_note']} · horizon {c['horizon_months']} months · currency "
        f"{c['currency']} · {months} · each month: {c['order']}."
    )
    if "ranges" in c:
        text += f" · ranges: {c['ranges']}."
    if "understaffing" in c:
        u = c["understaffing"]
        text += (
            f" · understaffing sensitivities: churn {u['churn_sensitivity']:g}, expansion "
            f"{u['expansion_sensitivity']:g} ({u['note']})."
        )
    return text


BRIDGE_NOTE = (
    "ARR bridge: opening ARR + new + expansion + price increase − contraction − churn = closing "
    "ARR. Every change is dated to the month it happens in (under timing end, at the month's "
    "end); a period's movements are the changes dated in it, annualised (12 × MRR), and its "
    "closing ARR is the run-rate after all of them: the next period's opening ARR, and for the "
    "last period the exit ARR. Revenue is what the period bills; accounts are those at its close."
)

YEARS_NOTE = (
    "NRR, GRR and logos kept are read off the bridge of the book that existed when the year "
    "opened, over its twelve months of changes (JSON years[i].starting_book): NRR = closing ÷ "
    "opening; GRR = (opening − contraction − churn) ÷ opening, churn and contraction being the "
    "MRR they actually removed. Exit ARR is the year's closing ARR."
)

PLAN_YEARS_NOTE = (
    " Plan years run twelve months from the plan's first month, whatever the fiscal calendar."
)


BRIDGE_HEADERS = (
    "Opening ARR",
    "New",
    "Expansion",
    "Price incr.",
    "Contraction",
    "Churn",
    "Closing ARR",
)


def bridge_money(r: dict, cur: str) -> list[Money]:
    """Opening ARR, the five movements (annualised) and closing ARR of one period row."""
    return [
        Money(12 * r["opening_mrr"], cur),
        Money(12 * r["new"], cur, True),
        Money(12 * r["expansion"], cur, True),
        Money(12 * r["price_increase"], cur, True),
        Money(-12 * r["contraction"], cur, True),
        Money(-12 * r["churn"], cur, True),
        Money(12 * r["closing_mrr"], cur),
    ]


def headline_grid(pr: Any) -> Grid:
    sc = pr.scenario
    title = sc.name + (f" — {sc.description}" if sc.description else "")
    g = Grid(
        title,
        [Col("Metric", right=False, wrap=True, key=True), Col("Value")],
        caption=headline_note(pr),
    )
    for label, value in headline_rows(pr):
        g.add(label, value)
    return g


def period_grid(pr: Any, by: str) -> Grid:
    """The revenue and ARR bridge by period, whole book."""
    from csmodel.metrics import cut, periods

    cur = pr.scenario.currency
    cols = [Col("Period", right=False, key=True), Col("Accounts"), Col("Revenue", money=True)]
    cols += [Col(h, money=True) for h in BRIDGE_HEADERS]
    cuts = cut(pr, by)
    fiscal = "fiscal " if by != "month" and cuts and cuts[0].dated else ""
    title = f"Revenue and ARR bridge by {fiscal}{by} ({cur})"
    g = Grid(title, cols, caption=BRIDGE_NOTE, currency=cur)
    for p, r in zip(cuts, periods(pr, by), strict=True):
        g.add(p.row_label, count(r["accounts"]), Money(r["revenue"], cur), *bridge_money(r, cur))
    return g


YEAR_HEADERS = ("Year", "Revenue", "NRR", "GRR", "Logos kept", "Exit ARR")


def plan_year_label(cal: Any, y: dict) -> str:
    """A :func:`csmodel.metrics.yearly` row's name: ``Y1``, ``Y4 (4 months)`` when the
    horizon cuts it short, and in a dated plan its months: ``Y1 (Feb 2027–Jan 2028)``,
    ``Y4 (Feb–May 2030, 4 months)``."""
    first = 12 * (y["year"] - 1) + 1
    short = "" if y["months"] == 12 else f"{y['months']} months"
    if not cal.dated:
        return f"Y{y['year']}" + (f" ({short})" if short else "")
    span = cal.span(first, first + y["months"] - 1)
    return f"Y{y['year']} ({span}, {short})" if short else f"Y{y['year']} ({span})"


def years_grid(pr: Any) -> Grid:
    from csmodel.dates import Calendar
    from csmodel.metrics import yearly

    cur = pr.scenario.currency
    cal = Calendar.of(pr.scenario)
    cols = [Col("Year", right=False, key=True), Col("Revenue", money=True)]
    cols += [Col("NRR"), Col("GRR"), Col("Logos kept"), Col("Exit ARR", money=True)]
    # a dated plan's fiscal periods differ from its plan years: say which these are
    title, note = (
        ("By plan year", YEARS_NOTE + PLAN_YEARS_NOTE) if cal.dated else ("By year", YEARS_NOTE)
    )
    g = Grid(title, cols, caption=note, currency=cur)
    for y in yearly(pr):
        name = plan_year_label(cal, y)
        g.add(
            name,
            Money(y["revenue"], cur),
            pct(y["nrr"]),
            pct(y["grr"]),
            pct(y["logo_retention"]),
            Money(y["ending_arr"], cur),
        )
    return g


SEGMENT_HEADERS = (
    "Segment",
    "Accounts",
    "Revenue",
    "Starting ARR",
    "Exit ARR",
    "NRR",
    "GRR",
    "Contribution",
    "CSMs req.",
    "Coverage",
)


def segments_grid(pr: Any) -> Grid:
    cur = pr.scenario.currency
    money_cols = {"Revenue", "Starting ARR", "Exit ARR", "Contribution"}
    cols = [Col("Segment", right=False, wrap=True, key=True)]
    cols += [Col(h, money=h in money_cols) for h in SEGMENT_HEADERS[1:]]
    g = Grid("By segment", cols, currency=cur)
    for name, m in pr.segment_metrics.items():
        seg = pr.scenario.segments[name]
        g.add(
            name,
            count(seg.accounts),
            Money(m["total_revenue"], cur),
            Money(m["starting_arr"], cur),
            Money(m["ending_arr"], cur),
            pct(m["nrr"]),
            pct(m["grr"]),
            Money(m["contribution"], cur),
            num(m["csms_required"], 2),
            pct(m["coverage"]),
        )
    return g


OWNER_CAPTION = (
    "Each owner is one CSM (the book's owner column). Accounts at the start; peak load is "
    "the FTE their book needs at its peak (above 1.00 they are overloaded); low cov. is "
    "the lowest share of it one CSM covers; short from is the first month below 100%, "
    "for mo. short months. The segment pool (accounts without an owner, new logos) is "
    "not listed. `csmodel book` suggests which accounts to move."
)


def owners_grid(rows: list[dict], cal: Any, title: str = "CSM owners") -> Grid:
    """Each CSM owner's load (``metrics.owner_rows``), heaviest first."""
    cols = [
        Col("Segment", right=False, wrap=True, key=True),
        Col("Owner", right=False, wrap=True),
        Col("Accts"),
        Col("Peak load"),
        Col("Low cov."),
        Col("Short from", right=False),
        Col("Mo. short"),
    ]
    g = Grid(title, cols, caption=OWNER_CAPTION)
    for r in sorted(rows, key=lambda r: -r["peak_load"]):
        k = r["first_short_month"]
        g.add(
            r["segment"],
            r["owner"],
            count(r["accounts_start"]),
            num(r["peak_load"], 2),
            pct(r["lowest_coverage"]),
            "—" if k is None else (cal.month_label(k) if cal.dated else f"month {k}"),
            count(r["months_short"]),
            style="yellow" if r["peak_load"] > 1.0 + 1e-9 else None,
        )
    return g


def arr_chart(pr: Any) -> Chart:
    """Closing ARR of each month, from the starting ARR to exit ARR (its last point)."""
    from csmodel.dates import Calendar
    from csmodel.metrics import closing_arr_series

    cur = pr.scenario.currency
    start = 12.0 * float(pr.starting_mrr.sum())
    arr = [start, *closing_arr_series(pr)]
    series = [("ARR", arr)]
    if pr.simulation is not None:  # the fan: P10, P50 and P90 of the simulated paths
        bands = pr.simulation.arr_bands()
        series = [("Plan", arr)] + [(k.upper(), [start, *bands[k]]) for k in ("p90", "p50", "p10")]
    return Chart(
        series,
        label=lambda v: compact_money(v, cur),
        x_labels=horizon_labels(Calendar.of(pr.scenario), pr.horizon),
        max_points=min(60, max(12, pr.horizon + 1)),
    )


def grids(pr: Any, by: str) -> list[Grid]:
    """Every table of ``csmodel project``, in order (terminal and markdown alike)."""
    from csmodel.metrics import owner_rows

    out = [headline_grid(pr), period_grid(pr, by), years_grid(pr)]
    if len(pr.segments) > 1:
        out.append(segments_grid(pr))
    owners = owner_rows(pr)
    if owners:
        out.append(owners_grid(owners, Calendar.of(pr.scenario)))
    if pr.simulation is not None:
        out.insert(1, simulation_grid(pr))
    return out


def simulation_grid(pr: Any) -> Grid:
    """Mean and percentiles of every metric over the simulated paths (DOMAIN 9)."""
    from csmodel.ids import MONEY_METRICS, RATE_METRICS, metric_label
    from csmodel.records import simulation_label

    sim, cur = pr.simulation, pr.scenario.currency
    cols = [Col("Metric", right=False, wrap=True, key=True)]
    cols += [Col(h, money=True) for h in ("P5", "P10", "P50", "P90", "P95", "Mean")]
    g = Grid(
        f"Simulation: {simulation_label(sim.paths, sim.seed, sim.discrete)}",
        cols,
        currency=cur,
        caption="Each path draws every range once (it holds for the whole horizon)"
        + ("; whole accounts are drawn too" if sim.discrete else "")
        + f"; the figures above are the plan at every range's median. Repeat with --simulate "
        f"{sim.paths} --seed {sim.seed}" + (" --discrete." if sim.discrete else "."),
    )
    for m, values in sim.metrics.items():
        b = sim.bands(values)
        keys = ("p5", "p10", "p50", "p90", "p95", "mean")
        if m in MONEY_METRICS:
            cells = [Money(b[k], cur) for k in keys]
        elif m in RATE_METRICS:
            cells = [pct(b[k]) for k in keys]
        else:
            cells = [num(b[k], 2) for k in keys]
        g.add(metric_label(m), *cells)
    return g


def table(pr: Any, by: str) -> Group:
    parts: list[Any] = [Fit(g) for g in grids(pr, by)]
    parts.append(Text(_chart_title(pr), style="bold"))
    parts.append(arr_chart(pr))
    parts.append(safe.rich_text(project_conventions(pr), "dim"))
    return Group(*parts)


def _chart_title(pr: Any) -> str:
    if pr.simulation is None:
        return "ARR over the horizon"
    return "ARR over the horizon: the plan and the P10, P50 and P90 of the simulated paths"


def project_conventions(pr: Any) -> str:
    """The conventions line, with the seed and path count of a simulation."""
    from csmodel.records import simulation_note

    line = conventions_line(pr.scenario)
    if pr.simulation is not None:
        line += f" · {simulation_note(pr.simulation)}."
    return line


def markdown(pr: Any, by: str) -> str:
    head, *rest = grids(pr, by)
    out = [f"# {safe.md(head.title)}\n"]
    head.title = ""
    out.append(head.markdown())
    for g in rest:
        out.append("\n" + g.markdown())
    out.append(f"\n## {_chart_title(pr)}\n\n```text\n")
    out.append(arr_chart(pr).text(80).plain.rstrip("\n") + "\n```\n")
    out.append(f"\n_{safe.md(project_conventions(pr))}_\n")
    return "".join(out)
