"""``csmodel compare`` and ``csmodel sensitivity`` for people."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from csmodel.ids import METRICS, MONEY_METRICS, RATE_METRICS
from csmodel.render.chart import line_chart
from csmodel.render.fmt import compact_money, money, num, pct


def value_text(metric: str, x: float | None, currency: str) -> str:
    """A metric's value in its unit."""
    if metric in MONEY_METRICS:
        return money(x, currency)
    if metric in RATE_METRICS:
        return pct(x)
    return num(x, 2)


def delta_text(metric: str, d: float | None, rel: float | None, currency: str) -> str:
    if d is None:
        return "n/a"
    if metric in MONEY_METRICS:
        a = money(d, currency, signed=True)
    elif metric in RATE_METRICS:
        a = f"{d * 100:+.1f} pt"
    else:
        a = f"{d:+,.2f}"
    return f"{a} ({pct(rel, signed=True)})" if rel is not None else a


def _style(metric: str, d: float | None) -> str:
    from csmodel.compare import direction

    if d is None or abs(d) < 1e-9:
        return "dim"
    good = direction(metric) * d
    return "green" if good > 0 else ("red" if good < 0 else "")


def _cells(cols: Any, metrics: list[str]) -> list[tuple[str, list[tuple[str, str, str]]]]:
    from csmodel.compare import delta

    cur = cols[0].projection.scenario.currency
    rows = []
    for m in metrics:
        base = cols[0].metrics[m]
        cells = []
        for i, c in enumerate(cols):
            v = c.metrics[m]
            d, rel = delta(m, v, base)
            cells.append(
                (value_text(m, v, cur), "" if i == 0 else delta_text(m, d, rel, cur), _style(m, d))
            )
        rows.append((m, cells))
    return rows


def table(cols: Any, metrics: list[str]) -> Group:
    cur = cols[0].projection.scenario.currency
    t = Table(
        box=box.SIMPLE_HEAD,
        title=f"Compared with {cols[0].label} (first column)",
        title_justify="left",
        header_style="bold",
    )
    t.add_column("Metric")
    for c in cols:
        t.add_column(c.label, justify="right")
    for m, cells in _cells(cols, metrics):
        row = [Text(m)]
        for i, (v, d, style) in enumerate(cells):
            cell = Text(v)
            if i:
                cell.append("\n" + d, style=style)
            row.append(cell)
        t.add_row(*row)
    horizon = max(c.projection.horizon for c in cols)
    series = [(c.label, [12.0 * float(x) for x in c.projection.mrr.sum(axis=1)]) for c in cols]
    chart = line_chart(
        series,
        label=lambda v: compact_money(v, cur),
        x_labels=("month 1", f"exit (end of month {horizon})"),
        width=min(60, max(12, horizon + 1)),
        height=10,
    )
    conv = Text(COMPARE_NOTE + " " + columns_conventions(cols), style="dim")
    return Group(t, Text("ARR over the horizon", style="bold"), chart, conv)


COMPARE_NOTE = (
    "Every column after the first shows its change against the first (absolute and %, "
    "percentage points for rates); green is better."
)


def columns_conventions(cols: Any) -> str:
    """The conventions of the compared scenarios: once when shared, else per column."""
    from csmodel.render.project import conventions_line

    lines = {c.label: conventions_line(c.projection.scenario) for c in cols}
    if len(set(lines.values())) == 1:
        return next(iter(lines.values()))
    return " ".join(f"[{label}] {line}" for label, line in lines.items())


def markdown(cols: Any, metrics: list[str]) -> str:
    from csmodel.render.project import md_table

    rows = []
    for m, cells in _cells(cols, metrics):
        rows.append([m] + [v if not d else f"{v} ({d})" for v, d, _ in cells])
    return f"Compared with **{cols[0].label}** (first column).\n\n" + md_table(
        ["Metric", *[c.label for c in cols]], rows
    )


def _tornado(row: Any, base: float, scale: float, half: int = 12) -> Text:
    lo = min(v for v in (row.low, row.high) if v is not None) - base
    hi = max(v for v in (row.low, row.high) if v is not None) - base
    left = round(half * max(0.0, -lo) / scale) if scale else 0
    right = round(half * max(0.0, hi) / scale) if scale else 0
    out = Text(" " * (half - left))
    out.append("█" * left, "red")
    out.append("│", "dim")
    out.append("█" * right, "green")
    out.append(" " * (half - right))
    return out


def sensitivity_note(result: Any) -> str:
    from csmodel.render.project import conventions_line

    return (
        "Rates move ±1 percentage point of their own period (per month, quarter or year, as "
        "shown), clamped to 0–100%; every other number ±10%. "
        f"{result.metric}: {METRICS.get(result.metric, '')}. " + conventions_line(result.scenario)
    )


def sensitivity_cells(result: Any, rank: int, r: Any) -> list[str]:
    """One sensitivity row as text: rank, assumption, inputs, metric at low/high, swing."""
    m, cur = result.metric, result.currency
    swing = (
        ("n/a" if r.swing is None else f"{r.swing * 100:.2f} pt")
        if m in RATE_METRICS
        else value_text(m, r.swing, cur)
    )
    return [
        str(rank),
        r.assumption,
        _input_text(r, r.low_input),
        _input_text(r, r.high_input),
        value_text(m, r.low, cur),
        value_text(m, r.high, cur),
        swing,
    ]


def sensitivity_table(result: Any) -> Group:
    m = result.metric
    currency = result.currency
    t = Table(
        box=box.SIMPLE_HEAD,
        title=f"Sensitivity of {m} (base {value_text(m, result.base, currency)}), "
        "largest swing first",
        title_justify="left",
        header_style="bold",
    )
    t.add_column("#", justify="right", no_wrap=True)
    t.add_column("Assumption", overflow="fold", ratio=1)
    for col in ("Low input", "High input", "At low", "At high", "Swing"):
        t.add_column(col, justify="right", no_wrap=True)
    t.add_column("Tornado (− │ +)", no_wrap=True)
    swings = [r for r in result.rows if r.swing is not None]
    scale = 0.0
    if result.base is not None:
        for r in swings:
            scale = max(scale, abs(r.low - result.base), abs(r.high - result.base))
    for i, r in enumerate(result.rows, 1):
        drawable = r.swing is not None and result.base is not None
        bar = _tornado(r, result.base, scale) if drawable else Text("")
        t.add_row(*sensitivity_cells(result, i, r), bar)
    return Group(t, Text(sensitivity_note(result), style="dim"))


_PER = {"month": "/mo", "quarter": "/qtr", "year": "/yr"}


def _input_text(row: Any, x: float) -> str:
    """An input value in its unit: rates as percents, per period for movement rates."""
    from csmodel.sensitivity import RATE_KEYS

    key = row.assumption.rsplit(".", 1)[-1]
    if key == "rate" and row.period:
        return pct(x, 2) + _PER[row.period]
    if key in RATE_KEYS or key == "productivity":
        return pct(x, 2)
    return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.0f}"


def sensitivity_markdown(result: Any) -> str:
    from csmodel.render.project import md_table

    m = result.metric
    currency = result.currency
    rows = [sensitivity_cells(result, i, r) for i, r in enumerate(result.rows, 1)]
    return (
        f"Sensitivity of **{m}** (base {value_text(m, result.base, currency)}).\n\n"
        + md_table(
            ["#", "Assumption", "Low input", "High input", "At low", "At high", "Swing"],
            rows,
            right={0, 2, 3, 4, 5, 6},
        )
        + f"\n_{sensitivity_note(result)}_\n"
    )
