"""``csmodel compare`` and ``csmodel sensitivity`` for people."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text

from csmodel.ids import METRICS, MONEY_METRICS, RATE_METRICS, metric_label
from csmodel.render import safe
from csmodel.render.chart import Chart, horizon_labels
from csmodel.render.fmt import compact_money, money, num, pct
from csmodel.render.layout import Col, Fit, Grid, Money, plain


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


def _cells(cur: str, metric: str, values: list[float | None]) -> list[tuple[str, str, str]]:
    """Each column's value of ``metric``, its change against the first, and a style."""
    from csmodel.compare import delta

    cells = []
    for i, v in enumerate(values):
        d, rel = delta(metric, v, values[0])
        cells.append(
            (
                value_text(metric, v, cur),
                "" if i == 0 else delta_text(metric, d, rel, cur),
                _style(metric, d),
            )
        )
    return cells


def _row(label: Any, cells: list[tuple[str, str, str]], lead: list[Any] | None = None) -> list:
    row: list[Any] = [*(lead or []), label]
    for i, (v, d, style) in enumerate(cells):
        cell = Text(v)
        if i:
            cell.append("\n" + d, style=style)
        row.append(cell)
    return row


def compare_grid(cols: Any, metrics: list[str]) -> Grid:
    """The comparison table: a row per metric, a column per scenario or variant."""
    cur = cols[0].projection.scenario.currency
    columns = [Col("Metric", right=False, key=True, wrap=True)]
    columns += [Col(c.label, wrap=True, keep_words=True) for c in cols]
    g = Grid(f"Compared with {cols[0].label} (first column)", columns, currency=cur)
    for m in metrics:
        g.add(*_row(metric_label(m), _cells(cur, m, [c.metrics[m] for c in cols])))
    if any(c.staffing_differs for c in cols[1:]):
        g.add("Break-even month (staffing)", *(Text(break_even_text(c)) for c in cols))
    return g


def break_even_text(c: Any) -> str:
    """A column's break-even month against the first column, when its staffing differs."""
    from csmodel.capacity import FAR_HORIZON

    if not c.staffing_differs:
        return "—"
    return f"> {FAR_HORIZON}" if c.break_even_month is None else str(c.break_even_month)


BREAK_EVEN_NOTE = (
    "Break-even month (staffing): for a column staffed differently from the first, projecting "
    "both on with the same assumptions (up to 240 months), the first month at which its "
    "cumulative contribution difference has the opposite sign to its sign at the horizon."
)


def segment_grid(cols: Any, metrics: list[str]) -> Grid:
    """``--by segment``: the same comparison for each segment (n/a where a column lacks it)."""
    from csmodel.compare import segment_rows

    cur = cols[0].projection.scenario.currency
    columns = [Col("Segment", right=False, key=True, wrap=True)]
    columns.append(Col("Metric", right=False, key=True, wrap=True))
    columns += [Col(c.label, wrap=True, keep_words=True) for c in cols]
    g = Grid("By segment", columns, currency=cur)
    for name, m, values in segment_rows(cols, metrics):
        g.add(*_row(metric_label(m), _cells(cur, m, values), [safe.rich_text(name)]))
    return g


def simulation_grid(cols: Any, metrics: list[str]) -> Grid:
    """``--simulate``: P10, P50 and P90 of each metric over each column's paths."""
    from csmodel.records import COMPARE_BANDS, simulation_label

    cur = cols[0].projection.scenario.currency
    sims = [c.simulation for c in cols]
    s = sims[0]
    columns = [Col("Metric", right=False, key=True, wrap=True), Col("", right=False)]
    columns += [Col(c.label, wrap=True, keep_words=True) for c in cols]
    g = Grid(
        f"Simulated: {simulation_label(s.paths, s.seed, s.discrete, per='column')}",
        columns,
        currency=cur,
        caption="Every column draws its ranges with the same seed (common random numbers), "
        "so columns differ by their assumptions, not by their luck"
        + (
            "; whole accounts are drawn on top, with the same luck only where two columns "
            "hold the same accounts."
            if s.discrete
            else "."
        ),
    )
    for m in metrics:
        bands = [sim.bands(sim.metrics[m]) for sim in sims]
        for k in COMPARE_BANDS:
            g.add(
                metric_label(m) if k == "p10" else "",
                k.upper(),
                *(Text(value_text(m, b[k], cur)) for b in bands),
            )
    return g


def grids(cols: Any, metrics: list[str], by_segment: bool) -> list[Grid]:
    out = [compare_grid(cols, metrics)]
    if all(c.simulation is not None for c in cols):
        out.append(simulation_grid(cols, metrics))
    if by_segment:
        out.append(segment_grid(cols, metrics))
    return out


def table(cols: Any, metrics: list[str], by_segment: bool = False) -> Group:
    from csmodel.dates import Calendar
    from csmodel.metrics import closing_arr_series

    cur = cols[0].projection.scenario.currency
    horizon = max(c.projection.horizon for c in cols)
    # months are named only when every column starts in the same month
    calendars = {Calendar.of(c.projection.scenario) for c in cols}
    starts = {cal.start for cal in calendars}
    cal = next(iter(calendars)) if len(starts) == 1 else None
    series = [
        (
            c.label,
            [12.0 * float(c.projection.starting_mrr.sum()), *closing_arr_series(c.projection)],
        )
        for c in cols
    ]
    chart = Chart(
        series,
        label=lambda v: compact_money(v, cur),
        x_labels=horizon_labels(cal, horizon),
        max_points=min(60, max(12, horizon + 1)),
        height=10,
    )
    note = COMPARE_NOTE + (
        " " + BREAK_EVEN_NOTE if any(c.staffing_differs for c in cols[1:]) else ""
    )
    conv = safe.rich_text(note + " " + columns_conventions(cols), "dim")
    return Group(
        *(Fit(g) for g in grids(cols, metrics, by_segment)),
        Text("ARR over the horizon", style="bold"),
        chart,
        conv,
    )


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


def markdown(cols: Any, metrics: list[str], by_segment: bool = False) -> str:
    out = []
    for i, g in enumerate(grids(cols, metrics, by_segment)):
        g.rows = [
            [plain(x).replace("\n", " (") + (")" if "\n" in plain(x) else "") for x in r]
            for r in g.rows
        ]
        if i == 0:
            title, g.title = g.title, ""
            out.append(f"{safe.md(title)}\n")
        out.append(g.markdown())
    out.append(f"\n_{safe.md(COMPARE_NOTE + ' ' + columns_conventions(cols))}_\n")
    return "".join(out)


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

    shown = (
        f"The {len(result.rows)} largest swings of {result.assumptions} assumptions. "
        if result.top is not None and result.assumptions > len(result.rows)
        else ""
    )
    return (
        f"{shown}{result.method} {result.metric}: {METRICS.get(result.metric, '')}. "
        + conventions_line(result.scenario)
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
        r.step,
        _input_text(r, r.low_input),
        _input_text(r, r.high_input),
        value_text(m, r.low, cur),
        value_text(m, r.high, cur),
        swing,
    ]


SENSITIVITY_HEADERS = (
    "#",
    "Assumption",
    "Step",
    "Low input",
    "High input",
    "At low",
    "At high",
    "Swing",
)


def sensitivity_grid(result: Any, *, tornado: bool = True) -> Grid:
    """The sensitivity table: one row per assumption, largest swing first."""
    m, cur = result.metric, result.currency
    is_money = m in MONEY_METRICS
    cols = [Col("#", key=True), Col("Assumption", right=False, wrap=True, key=True)]
    cols.append(Col("Step", right=False))
    cols += [Col(h) for h in SENSITIVITY_HEADERS[3:5]]
    cols += [Col(h, money=is_money) for h in SENSITIVITY_HEADERS[5:]]
    if tornado:
        cols.append(Col("Tornado (− │ +)", right=False))
    g = Grid(
        f"Sensitivity of {m} (base {value_text(m, result.base, cur)}), largest swing first",
        cols,
        caption=sensitivity_note(result),
        currency=cur,
    )
    scale = 0.0
    if result.base is not None:
        for r in result.rows:
            if r.swing is not None:
                scale = max(scale, abs(r.low - result.base), abs(r.high - result.base))
    for i, r in enumerate(result.rows, 1):
        cells: list[Any] = sensitivity_cells(result, i, r)
        if is_money:
            cells[5:8] = [Money(r.low, cur), Money(r.high, cur), Money(r.swing, cur)]
        if tornado:
            drawable = r.swing is not None and result.base is not None
            cells.append(_tornado(r, result.base, scale) if drawable else Text(""))
        g.add(*cells)
    return g


def sensitivity_table(result: Any) -> Fit:
    return Fit(sensitivity_grid(result))


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
    g = sensitivity_grid(result, tornado=False)
    title, g.title = g.title, ""
    return f"{safe.md(title)}.\n" + g.markdown()
