"""``csmodel project`` for people: rich tables and a chart, or markdown."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from csmodel.render.chart import line_chart
from csmodel.render.fmt import compact_money, count, money, num, pct


def headline_rows(pr: Any) -> list[tuple[str, str]]:
    """(label, value) pairs of the headline, shared by table and markdown."""
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
        ("Equivalent new logos", num(m["equivalent_new_logos"])),
        (
            "Starting ARR → exit ARR",
            f"{money(m['starting_arr'], cur)} → {money(m['ending_arr'], cur)}",
        ),
        ("NRR (first 12 months)", pct(m["nrr"])),
        ("GRR (first 12 months)", pct(m["grr"])),
        ("Logo retention (first 12 months)", pct(m["logo_retention"])),
        (f"Revenue per starting account ({h} months)", money(m["revenue_per_account"], cur)),
        (
            f"CLV (after {pct(pr.scenario.economics.cost_to_serve, 0)} cost to serve, "
            f"discounted at {pct(pr.scenario.discount_rate, 0)}/yr)",
            money(m["clv"], cur),
        ),
        ("CSM cost", money(m["csm_cost"], cur)),
        ("Gross profit", money(m["gross_profit"], cur)),
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


def conventions_line(sc: Any) -> str:
    """The conventions of scenario ``sc`` as one sentence, for people."""
    from csmodel.records import conventions

    c = conventions(sc)
    text = (
        f"Conventions · timing {c['timing']}: {c['timing_note']} · renewals {c['renewals']}: "
        f"{c['renewals_note']} · horizon {c['horizon_months']} months · currency "
        f"{c['currency']} · months are 1-based · each month: {c['order']}."
    )
    if "understaffing" in c:
        u = c["understaffing"]
        text += (
            f" · understaffing sensitivities: churn {u['churn_sensitivity']:g}, expansion "
            f"{u['expansion_sensitivity']:g} ({u['note']})."
        )
    return text


BRIDGE_NOTE = (
    "ARR bridge: opening ARR + new + expansion + price increase − contraction − churn = closing "
    "ARR (12 × the MRR of the period's last month); movements are changes in that run-rate "
    "summed over the period. Revenue is what the period recognises; accounts are those of its "
    "last month."
)


def bridge_cells(r: dict, cur: str) -> list[str]:
    """Opening ARR, the five movements (annualised) and closing ARR of one period row."""
    return [
        money(12 * r["opening_mrr"], cur),
        money(12 * r["new"], cur, signed=True),
        money(12 * r["expansion"], cur, signed=True),
        money(12 * r["price_increase"], cur, signed=True),
        money(-12 * r["contraction"], cur, signed=True),
        money(-12 * r["churn"], cur, signed=True),
        money(12 * r["mrr"], cur),
    ]


BRIDGE_HEADERS = (
    "Opening ARR",
    "New",
    "Expansion",
    "Price incr.",
    "Contraction",
    "Churn",
    "Closing ARR",
)


def _period_table(pr: Any, by: str) -> Table:
    from csmodel.metrics import PERIOD_LENGTH, periods

    cur = pr.scenario.currency
    rows = periods(pr, by)
    t = Table(
        box=box.SIMPLE_HEAD,
        title=f"Revenue and ARR bridge by {by} ({cur})",
        title_justify="left",
        header_style="bold",
    )
    t.add_column("Period", no_wrap=True)
    for col in ("Accounts", "Revenue", *BRIDGE_HEADERS):
        t.add_column(col, justify="right", no_wrap=True)
    length = PERIOD_LENGTH[by]
    for r in rows:
        partial = r["month"] - r["month_start"] + 1 < length
        label = f"{r['period']} (partial)" if partial else r["period"]
        t.add_row(label, count(r["accounts"]), money(r["revenue"], cur), *bridge_cells(r, cur))
    t.caption = BRIDGE_NOTE
    t.caption_justify = "left"
    return t


def _years_table(pr: Any) -> Table:
    from csmodel.metrics import yearly

    cur = pr.scenario.currency
    t = Table(box=box.SIMPLE_HEAD, title="By year", title_justify="left", header_style="bold")
    for col in ("Year", "Revenue", "NRR", "GRR", "Logos kept", "Exit ARR"):
        t.add_column(col, justify="right" if col != "Year" else "left")
    for y in yearly(pr):
        name = f"Y{y['year']}" + ("" if y["months"] == 12 else f" ({y['months']} months)")
        t.add_row(
            name,
            money(y["revenue"], cur),
            pct(y["nrr"]),
            pct(y["grr"]),
            pct(y["logo_retention"]),
            money(y["ending_arr"], cur),
        )
    return t


def _segments_table(pr: Any) -> Table:
    cur = pr.scenario.currency
    t = Table(box=box.SIMPLE_HEAD, title="By segment", title_justify="left", header_style="bold")
    t.add_column("Segment", no_wrap=True)
    for col in (
        "Accounts",
        "Revenue",
        "Starting ARR",
        "Exit ARR",
        "NRR",
        "GRR",
        "Gross profit",
        "CSMs req.",
        "Coverage",
    ):
        t.add_column(col, justify="right", no_wrap=True)
    for name, m in pr.segment_metrics.items():
        seg = pr.scenario.segments[name]
        t.add_row(
            name,
            count(seg.accounts),
            money(m["total_revenue"], cur),
            money(m["starting_arr"], cur),
            money(m["ending_arr"], cur),
            pct(m["nrr"]),
            pct(m["grr"]),
            money(m["gross_profit"], cur),
            num(m["csms_required"], 2),
            pct(m["coverage"]),
        )
    return t


def arr_chart(pr: Any) -> Text:
    cur = pr.scenario.currency
    arr = [12.0 * float(x) for x in pr.mrr.sum(axis=1)]
    return line_chart(
        [("ARR", arr)],
        label=lambda v: compact_money(v, cur),
        x_labels=("month 1", f"exit (end of month {pr.horizon})"),
        width=min(60, max(12, pr.horizon)),
    )


def table(pr: Any, by: str) -> Group:
    sc = pr.scenario
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column(justify="right", no_wrap=True)
    for label, value in headline_rows(pr):
        head.add_row(label, value)
    title = sc.name + (f" — {sc.description}" if sc.description else "")
    parts: list[Any] = [Panel(head, title=title, title_align="left", expand=False)]
    parts.append(_period_table(pr, by))
    parts.append(_years_table(pr))
    if len(pr.segments) > 1:
        parts.append(_segments_table(pr))
    parts.append(Text("ARR over the horizon", style="bold"))
    parts.append(arr_chart(pr))
    parts.append(Text(conventions_line(pr.scenario), style="dim"))
    return Group(*parts)


def md_table(header: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    right = right if right is not None else set(range(1, len(header)))
    out = ["| " + " | ".join(header) + " |"]
    out.append(
        "| " + " | ".join("---:" if i in right else "---" for i in range(len(header))) + " |"
    )
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def markdown(pr: Any, by: str) -> str:
    from csmodel.metrics import periods, yearly

    sc = pr.scenario
    cur = sc.currency
    out = [f"# {sc.name}\n"]
    if sc.description:
        out.append(f"{sc.description}\n")
    out.append(md_table(["Metric", "Value"], [list(r) for r in headline_rows(pr)]))
    rows = [
        [r["period"], count(r["accounts"]), money(r["revenue"], cur), *bridge_cells(r, cur)]
        for r in periods(pr, by)
    ]
    out.append(f"\n## Revenue and ARR bridge by {by}\n")
    out.append(md_table(["Period", "Accounts", "Revenue", *BRIDGE_HEADERS], rows))
    out.append(f"\n_{BRIDGE_NOTE}_\n")
    out.append("\n## By year\n")
    out.append(
        md_table(
            ["Year", "Revenue", "NRR", "GRR", "Logos kept", "Exit ARR"],
            [
                [
                    f"Y{y['year']}",
                    money(y["revenue"], cur),
                    pct(y["nrr"]),
                    pct(y["grr"]),
                    pct(y["logo_retention"]),
                    money(y["ending_arr"], cur),
                ]
                for y in yearly(pr)
            ],
        )
    )
    out.append(f"\n_{conventions_line(pr.scenario)}_\n")
    return "".join(out)
