"""``csmodel report``: one self-contained HTML file a CFO can open, print and forward.

Everything is inline (styles, SVG charts from :mod:`csmodel.render.charts`), nothing
is fetched when the file is opened and no script runs: it reads the same in a mail
client, a browser with JavaScript off, or on paper (A4 and Letter, ``@page``).

The tables are the views the terminal and markdown already draw (the ``Grid`` of
``render.project``, ``render.headcount``, ``render.compare``, ``render.check``), made
from the same results the JSON records are, and formatted by the same functions
(``units.money``, ``pct`` ...): a figure in the report is the JSON's figure as the
table shows it. Every user string (scenario, segment, variant and meeting names, file
names, ``--set`` text, the YAML appendix) passes :func:`csmodel.render.safe.html`.
The document is ASCII (other characters as references), whatever stdout's encoding.

Sections (each an ``<section id=...>``, listed in :data:`SECTIONS`): headline, ARR over
the horizon, ARR bridge, by year and segment, headcount, tornado, checks, assumptions
and conventions, and the scenario file in an appendix. A section whose analysis could
not be made for this plan says why instead of failing the report.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from csmodel.render.layout import Grid, Money, plain
from csmodel.render.safe import html as esc

SECTIONS = (
    ("headline", "Headline"),
    ("arr", "ARR over the horizon"),
    ("bridge", "ARR bridge"),
    ("years", "By year and segment"),
    ("headcount", "Headcount"),
    ("tornado", "Tornado"),
    ("checks", "Checks"),
    ("assumptions", "Assumptions and conventions"),
    ("appendix", "Appendix: the scenario file"),
)
"""(id, heading) of every section, in order."""

TORNADO_TOP = 15
"""Assumptions shown in the tornado (largest swings)."""


@dataclass(frozen=True)
class ReportData:
    """What ``csmodel report`` shows: the projection (with its simulation), the
    headcount report, the sensitivity result and the file's check results (each ``None``
    with a reason in ``missing`` when it could not be made), and where the plan came
    from: the document (file name and text), the SHA-256 of the file's bytes as on disk
    (``file_sha256``), variant and ``--set`` flags. The projection's scenario carries its
    overrides too (``render.source_of``): the Assumptions cite them."""

    projection: Any
    document: Any
    variant: str | None = None
    sets: tuple[str, ...] = ()
    headcount: Any = None
    sensitivity: Any = None
    checks: Any = None
    missing: dict[str, str] = field(default_factory=dict)
    version: str = ""
    file_sha256: str = ""


CSS = """
:root { --ink: #1a202c; --muted: #4a5568; --rule: #cbd5e0; --band: #f7fafc; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
  color: var(--ink); margin: 0 auto; padding: 24px; max-width: 1100px; }
h1 { font-size: 20pt; margin: 0 0 4px; }
h2 { font-size: 14pt; margin: 28px 0 8px; padding-bottom: 3px;
  border-bottom: 2px solid var(--ink); break-after: avoid; }
h3 { font-size: 11pt; margin: 16px 0 4px; break-after: avoid; }
p { margin: 4px 0 8px; }
.meta { color: var(--muted); font-size: 9pt; }
.meta dt { font-weight: 600; float: left; clear: left; width: 8.5em; }
.meta dd { margin: 0 0 0 9em; overflow-wrap: anywhere; }
nav ol { columns: 3; font-size: 9.5pt; padding-left: 1.2em; }
a { color: #2b6cb0; }
table { border-collapse: collapse; margin: 4px 0 6px; font-size: 9pt;
  font-variant-numeric: tabular-nums; }
th, td { padding: 2px 7px; border-bottom: 1px solid var(--rule); vertical-align: top; }
thead th { border-bottom: 1.5px solid var(--ink); text-align: left; }
th.num, td.num { text-align: right; }
td.num { white-space: nowrap; }
tbody th { text-align: left; font-weight: 600; }
td { min-width: 3em; }
tbody tr:nth-child(even) { background: var(--band); }
tr { break-inside: avoid; }
tr.warn td { background: #fefcbf; }
td.fail { color: #c53030; font-weight: 600; }
td.warn { color: #b7791f; }
td.pass { color: #2f855a; }
.note { color: var(--muted); font-size: 8.5pt; max-width: 60em; }
.missing { border-left: 3px solid #b7791f; padding-left: 8px; }
figure { margin: 8px 0; break-inside: avoid; }
figcaption { color: var(--muted); font-size: 8.5pt; }
svg.chart { max-width: 100%; height: auto; }
.wide { overflow-x: auto; }
pre.yaml { font: 8.5pt/1.35 ui-monospace, Menlo, Consolas, monospace; background: var(--band);
  padding: 8px; white-space: pre-wrap; overflow-wrap: anywhere; }
pre.yaml .ln { color: #a0aec0; user-select: none; }
ul.verdicts li { margin-bottom: 4px; }
@page { margin: 14mm 12mm; }
@media print {
  body { padding: 0; max-width: none; font-size: 9.5pt; }
  nav { display: none; }
  table { font-size: 7.5pt; }
  th, td { padding: 1px 4px; }
  .wide { overflow: visible; }
  section { break-before: auto; }
  #appendix { break-before: page; }
  a { color: inherit; text-decoration: none; }
}
"""
"""The report's one stylesheet: no web fonts, no images, fits A4 and Letter (their
common printable width, ~186 mm) in print."""


# --- tables -----------------------------------------------------------------------------


def _cell_text(cell: Any) -> str:
    return plain(cell) if isinstance(cell, (Money, str)) else getattr(cell, "plain", str(cell))


def grid(g: Grid, *, level: int = 3, table_id: str = "") -> str:
    """A :class:`Grid` as an HTML table: title as a heading, caption as a note under it.
    Money is shown in full (``$1,234,567``), as the JSON's value by ``units.money``."""
    out = []
    if g.title:
        out.append(f"<h{level}>{esc(g.title)}</h{level}>")
    ident = f' id="{esc(table_id)}"' if table_id else ""
    if g.title:
        ident += f' aria-label="{esc(g.title)}"'
    out.append(f'<div class="wide"><table{ident}><thead><tr>')
    for c in g.columns:
        out.append(f'<th scope="col"{_num(c.right)}>{esc(c.header)}</th>')
    out.append("</tr></thead><tbody>")
    styles = g.row_styles or [None] * len(g.rows)
    for row, style in zip(g.rows, styles, strict=False):
        out.append('<tr class="warn">' if style and "yellow" in style else "<tr>")
        for c, value in zip(g.columns, row, strict=True):
            text = _cell_text(value)
            status = _status_class(value)
            cls = " ".join(x for x in ("num" if c.right else "", status) if x)
            attr = f' class="{cls}"' if cls else ""
            tag = "th" if c.key else "td"
            scope = ' scope="row"' if c.key else ""
            out.append(f"<{tag}{scope}{attr}>{esc(text, keep=chr(10))}</{tag}>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    if g.caption:
        out.append(f'<p class="note">{esc(g.caption)}</p>')
    return "".join(out)


def _num(right: bool) -> str:
    return ' class="num"' if right else ""


def _status_class(cell: Any) -> str:
    """``pass``/``fail``/``warn`` for a check status cell (a styled rich Text)."""
    text = getattr(cell, "plain", None)
    if text in ("pass", "fail", "warn") and not isinstance(cell, str):
        return text
    return ""


def _note(text: str, cls: str = "note") -> str:
    return f'<p class="{cls}">{esc(text)}</p>'


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{esc(caption)}</figcaption></figure>"


def _missing(why: str) -> str:
    return f'<p class="missing">{esc(why)}</p>'


# --- sections ---------------------------------------------------------------------------


def _headline(data: ReportData) -> str:
    from csmodel.render.project import headline_grid, simulation_grid

    pr = data.projection
    g = headline_grid(pr)
    g.title = "Headline metrics"
    out = [grid(g, table_id="headline-metrics")]
    if pr.simulation is not None:
        out.append(grid(simulation_grid(pr), table_id="simulation"))
    return "".join(out)


def _arr(data: ReportData) -> str:
    from csmodel.dates import Calendar
    from csmodel.metrics import closing_arr_series
    from csmodel.render import charts
    from csmodel.render.chart import horizon_labels

    pr = data.projection
    sc = pr.scenario
    arr = [12.0 * float(pr.starting_mrr.sum()), *closing_arr_series(pr)]
    fan, band = None, None
    caption = "Closing ARR of each month, from the starting ARR to exit ARR (the last point)."
    if pr.simulation is not None:
        sim = pr.simulation
        fan = _monthly_bands(sim)
        if fan is None:
            b = sim.bands(sim.metrics["ending_arr"])
            if b["p10"] is not None:
                band = (b["p10"], b["p50"], b["p90"])
            caption += (
                f" Simulated ({_label(sim)}): exit ARR P10 to P90 with "
                "its P50 at the last month (the simulation keeps no monthly ARR per path)."
            )
        else:
            caption += f" Simulated ({_label(sim)}): P10–P90 fan, P50."
    svg = charts.arr_chart(
        arr, sc.currency, horizon_labels(Calendar.of(sc), pr.horizon), fan=fan, exit_band=band
    )
    return _figure(svg, caption)


def _monthly_bands(sim: Any) -> dict[str, list[float]] | None:
    """P10/P50/P90 of closing ARR for months 0..H: the simulation's monthly bands
    (``Simulation.arr_bands``, months 1..H) after the starting ARR's; ``None`` when the
    simulation keeps no monthly ARR."""
    bands = sim.arr_bands() if hasattr(sim, "arr_bands") else {}
    if not bands:
        return None
    start = sim.bands(sim.metrics["starting_arr"])
    return {k: [start[k] if start[k] is not None else v[0], *v] for k, v in bands.items()}


BRIDGE_STEPS = (
    ("new_arr", "New", 1),
    ("expansion_arr", "Expansion", 1),
    ("price_increase_arr", "Price increase", 1),
    ("contraction_arr", "Contraction", -1),
    ("churn_arr", "Churn", -1),
)


def _bridge(data: ReportData) -> str:
    from csmodel.records import bridge_rows
    from csmodel.render import charts
    from csmodel.render.project import period_grid

    pr = data.projection
    rows = bridge_rows(pr, "year")
    steps = [("Opening ARR", rows[0]["opening_arr"])]
    steps += [(name, sign * sum(r[k] for r in rows)) for k, name, sign in BRIDGE_STEPS]
    steps.append(("Exit ARR", rows[-1]["closing_arr"]))
    svg = charts.waterfall(steps, pr.scenario.currency)
    caption = (
        "The horizon's ARR bridge: starting ARR, each movement summed over the plan "
        "(annualised), exit ARR. The table gives each year's."
    )
    return _figure(svg, caption) + grid(period_grid(pr, "year"), table_id="bridge-table")


def _years(data: ReportData) -> str:
    from csmodel.dates import Calendar
    from csmodel.metrics import owner_rows, yearly
    from csmodel.render import charts
    from csmodel.render.project import owners_grid, plan_year_label, segments_grid, years_grid

    pr = data.projection
    sc = pr.scenario
    cal = Calendar.of(sc)
    out = [grid(years_grid(pr), table_id="years-table")]
    if len(pr.segments) > 1:
        out.append(grid(segments_grid(pr), table_id="segments-table"))
    years = yearly(pr)
    labels = [plan_year_label(cal, y).split(" (")[0] for y in years]
    stacks = {name: [y["ending_arr"] for y in yearly(pr, i)] for i, name in enumerate(pr.segments)}
    if len(pr.segments) <= 40:
        svg = charts.stacked_years(labels, stacks, sc.currency)
        out.append(_figure(svg, "Exit ARR of each plan year, by segment."))
    owners = owner_rows(pr)
    if owners:
        out.append(grid(owners_grid(owners, cal)))
    return "".join(out)


def _headcount(data: ReportData) -> str:
    if data.headcount is None:
        return _missing(data.missing.get("headcount", "No headcount report."))
    from csmodel.render import charts
    from csmodel.render.headcount import sections

    report = data.headcount
    out = []
    bullets: list[str] = []

    def flush() -> None:
        if bullets:
            out.append('<ul class="verdicts">' + "".join(bullets) + "</ul>")
            bullets.clear()

    for kind, content, _style in sections(report):
        if kind != "bullet":
            flush()
        if kind == "grid":
            out.append(grid(content))
        elif kind == "heading":
            out.append(f"<h3>{esc(content)}</h3>")
        elif kind == "bullet":
            bullets.append(f"<li>{esc(content)}</li>")
        else:
            out.append(_note(content))
    flush()
    plan = report.hiring_plan
    if plan.quarters:
        svg = charts.hiring(
            [q.quarter for q in plan.quarters],
            [q.required_fte for q in plan.quarters],
            [q.headcount_end for q in plan.quarters],
        )
        out.append(
            _figure(
                svg,
                "Whole team: CSMs on staff at each quarter's end and the FTE the book requires.",
            )
        )
    return "".join(out)


def _tornado(data: ReportData) -> str:
    if data.sensitivity is None:
        return _missing(data.missing.get("tornado", "No sensitivity result."))
    from csmodel.ids import metric_unit
    from csmodel.render import charts
    from csmodel.render.compare import sensitivity_grid, value_text
    from csmodel.units import compact_money

    result = data.sensitivity
    out = []
    drawable = [
        (r.assumption, r.low, r.high)
        for r in result.rows
        if r.low is not None and r.high is not None
    ]
    if drawable and result.base is not None:
        cur = result.currency

        def tick(v: float) -> str:
            if metric_unit(result.metric) == "money":
                return compact_money(v, cur)
            return value_text(result.metric, v, cur)

        svg = charts.tornado(drawable, result.base, tick, result.metric)
        out.append(
            _figure(
                svg,
                f"{result.metric} at each assumption's low and high input, from its base of "
                f"{value_text(result.metric, result.base, result.currency)}.",
            )
        )
    out.append(grid(sensitivity_grid(result, tornado=False), table_id="tornado-table"))
    return "".join(out)


def _checks(data: ReportData) -> str:
    if data.checks is None:
        return _missing(data.missing.get("checks", "No check results."))
    from csmodel.render.check import check_grid
    from csmodel.render.machine import check_summary
    from csmodel.results import Report

    file_report = data.checks
    shown = [r for r in file_report.results if not (r.kind == "lint" and r.status == "pass")]
    quiet = len(file_report.results) - len(shown)
    summary = check_summary(Report((file_report,)))
    if data.variant:
        summary = f"Variant {data.variant}: {summary}"
    out = [_note(summary, "summary")]
    if shown:
        g = check_grid(file_report.file, shown)
        g.title = "Checks and lint findings"
        out.append(grid(g, table_id="checks-table"))
    if quiet:
        out.append(_note(f"{quiet} lint runs found nothing (counted as passed, not listed)."))
    if data.variant:
        where = (
            f"Evaluated on variant {data.variant}, the plan this report shows (its "
            "--set flags applied): the file's checks of the base plan, of every variant (`*`) and "
            f"of {data.variant}, then the built-in assumption lints. Checks declared for "
            "other variants are left out: `csmodel check` reports them."
        )
    else:
        where = (
            "As `csmodel check` reports them for this file (with the same --set flags): every "
            "declared check on the base and the variants it names, then the built-in "
            "assumption lints."
        )
    out.append(_note(where))
    return "".join(out)


def _assumptions(data: ReportData) -> str:
    from csmodel.render.headcount import HIRING_METHOD, assumptions_text
    from csmodel.render.project import (
        BRIDGE_NOTE,
        YEARS_NOTE,
        conventions_line,
        headline_note,
    )
    from csmodel.render.xlsx import input_rows, input_text, range_text

    pr = data.projection
    sc = pr.scenario
    out = [_note(conventions_line(sc), "conventions")]
    if data.headcount is not None:
        out.append(_note(assumptions_text(data.headcount), "conventions"))
    out.append("<h3>What the figures mean</h3>")
    for text in (headline_note(pr), BRIDGE_NOTE, YEARS_NOTE, HIRING_METHOD):
        out.append(_note(text))
    if data.sensitivity is not None:
        out.append(_note(data.sensitivity.method))
    g = Grid(
        "Every input",
        [_col("Input", key=True), _col("Value"), _col("Source", right=False)],
        caption="Each input of the plan as used (its variant and --set applied), every digit "
        "as written, and where it was written: file:line (see the appendix), a variant's "
        "line, a --set flag, the account book, or default (the schema's value). A range "
        "shows its median, then its low and high.",
    )
    for r in input_rows(sc):
        value = input_text(r["value"])
        if r["range"] is not None:
            value += f" ({range_text(r['range'])})"
        g.add(r["input"], value, r["source"])
    out.append(grid(g, table_id="inputs-table"))
    return "".join(out)


def _col(header: str, *, key: bool = False, right: bool = False) -> Any:
    from csmodel.render.layout import Col

    return Col(header, right=right, wrap=True, key=key)


def _appendix(data: ReportData) -> str:
    doc = data.document
    text = doc.source.text
    lines = text.splitlines()  # CRLF and CR files too: no stray \r in a line
    width = len(str(len(lines)))
    body = "\n".join(
        f'<span class="ln">{i:>{width}}  </span>{esc(line, keep=chr(9))}'
        for i, line in enumerate(lines, 1)
    )
    note = f"{doc.file}, as read (line numbers are the sources cited above)."
    if getattr(doc.scenario, "book", None) is not None:
        note += " The account book it names is a separate CSV file, not reproduced here."
    return _note(note) + f'<pre class="yaml">{body}</pre>'


BUILDERS = {
    "headline": _headline,
    "arr": _arr,
    "bridge": _bridge,
    "years": _years,
    "headcount": _headcount,
    "tornado": _tornado,
    "checks": _checks,
    "assumptions": _assumptions,
    "appendix": _appendix,
}


def _meta(data: ReportData) -> str:
    pr = data.projection
    sc = pr.scenario
    doc = data.document
    digest = data.file_sha256 or hashlib.sha256(doc.source.text.encode("utf-8")).hexdigest()
    items = [("Scenario file", doc.file), ("File SHA-256", digest)]
    items.append(("Variant", data.variant or "base (no variant)"))
    if data.sets:
        items.append(("--set", " ".join(data.sets)))
    if pr.simulation is not None:
        sim = pr.simulation
        items.append(("Simulation", _label(sim)))
    items.append(("Horizon", f"{pr.horizon} months, {sc.currency}"))
    if data.version:
        items.append(("Made by", f"csmodel {data.version}"))
    rows = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items)
    return f'<dl class="meta">{rows}</dl>'


def report(data: ReportData) -> str:
    """The whole report as one HTML document (ASCII; see the module docstring)."""
    from csmodel.render import charts

    charts.reset_ids()
    pr = data.projection
    sc = pr.scenario
    title = f"{sc.name} — csmodel report"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="csmodel {esc(data.version)}">',
        f"<title>{esc(title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<header><h1>{esc(sc.name)}</h1>",
    ]
    if sc.description:
        parts.append(f'<p class="description">{esc(sc.description)}</p>')
    parts.append(_meta(data) + "</header>")
    parts.append("<nav><ol>")
    parts += [f'<li><a href="#{sid}">{esc(head)}</a></li>' for sid, head in SECTIONS]
    parts.append("</ol></nav><main>")
    for sid, head in SECTIONS:
        body = BUILDERS[sid](data)
        parts.append(f'<section id="{sid}"><h2>{esc(head)}</h2>{body}</section>')
    parts.append("</main></body></html>\n")
    text = "\n".join(parts)
    return text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _label(sim: Any) -> str:
    from csmodel.records import simulation_label

    return simulation_label(sim.paths, sim.seed, sim.discrete)
