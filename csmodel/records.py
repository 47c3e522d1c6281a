"""Plain-data records of results: the one form every machine format is made from.

JSON, CSV and markdown renderers all read these dictionaries, so they can
never disagree. Keys are public (documented in README) and versioned by
``schema_version``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from csmodel.engine import Projection
from csmodel.metrics import PERIOD_KEYS, periods, yearly

SCHEMA_VERSION = 1

ARR_BRIDGE_KEYS = (
    "opening_arr",
    "new_arr",
    "expansion_arr",
    "price_increase_arr",
    "contraction_arr",
    "churn_arr",
    "closing_arr",
)
PERIOD_COLUMNS = ("segment", *PERIOD_KEYS[:-3], *ARR_BRIDGE_KEYS, *PERIOD_KEYS[-3:])
"""Keys of ``periods`` and ``totals`` rows (JSON). The bridge is given twice: as MRR
changes under the movement names (``new`` ... ``churn``, ``opening_mrr`` to
``closing_mrr``) and annualised under ``*_arr`` names (the table's ARR bridge). A
dated plan adds ``csmodel.metrics.CALENDAR_KEYS`` after ``period``."""

PROJECT_CSV_COLUMNS = (
    "segment",
    "period",
    "month_start",
    "month",
    "accounts",
    "revenue",
    "opening_arr",
    "new_arr",
    "expansion_arr",
    "price_increase_arr",
    "contraction_arr",
    "churn_arr",
    "closing_arr",
    "coverage",
    "fte_required",
    "csm_cost",
)
"""Columns of ``csmodel project --format csv``: one row per segment and period, then the
book's rows (segment ``total``). Money is in the scenario's currency: the ARR bridge
annualised (contraction and churn as positive amounts removed), revenue and CSM cost as
billed and spent in the period."""


def project_csv_columns(pr: Projection, by: str) -> tuple[str, ...]:
    """:data:`PROJECT_CSV_COLUMNS`, with a dated plan's calendar columns after ``period``
    (``date`` by month, ``fiscal_year``, ``fiscal_quarter``: the JSON rows' keys)."""
    from csmodel.metrics import calendar_keys, cut

    periods_cut = cut(pr, by)
    extra = tuple(calendar_keys(periods_cut[0])) if periods_cut else ()
    i = PROJECT_CSV_COLUMNS.index("period") + 1
    return (*PROJECT_CSV_COLUMNS[:i], *extra, *PROJECT_CSV_COLUMNS[i:])


BOOK_TOTAL = "total"
"""The ``segment`` of the book-total rows in CSV output."""


TIMING_NOTES = {
    "end": "changes land after each full period; the first period runs at starting values",
    "start": "changes land at the start of each period, the first included",
}
RENEWAL_NOTES = {
    "aligned": "the starting book renews together (one anchor, month 0)",
    "spread": "the starting book's renewals are spread evenly over the year (12 cohorts)",
    "book": "each account renews in the month of its renewal date in the account book",
}


RANGES_NOTE = "every range at its median (low/high are P5/P95, min/max for uniform and triangular)"
"""What a deterministic result says of the scenario's ranges (DOMAIN 9)."""


def _has_ranges(sc: Any) -> bool:
    from csmodel.ranges import ranges_of

    return bool(ranges_of(sc))


def conventions(sc: Any, by: str | None = None) -> dict[str, Any]:
    """The conventions a scenario's results depend on, printed with every result."""
    from csmodel.book import book_of

    out: dict[str, Any] = {
        "timing": sc.timing,
        "timing_note": TIMING_NOTES[sc.timing],
        "renewals": "book" if book_of(sc) is not None else sc.renewals,
        "renewals_note": RENEWAL_NOTES["book" if book_of(sc) is not None else sc.renewals],
        **({"ranges": RANGES_NOTE} if _has_ranges(sc) else {}),
        "horizon_months": sc.horizon_months,
        "currency": sc.currency,
        "months": "1-based: month 1 is the plan's first month",
        "order": (
            "new logos join; expansion, churn, contraction on opening MRR; then price increase"
        ),
        "discount_rate": sc.discount_rate,
        "cost_to_serve": as_written(sc.economics.cost_to_serve),
    }
    if by:
        out["by"] = by
    if getattr(sc, "start", None):  # a dated plan: its calendar (DOMAIN 7)
        from csmodel.dates import Calendar

        cal = Calendar.of(sc)
        out["months"] = f"1-based: month 1 is {cal.month_label(1)}"
        out["start"] = sc.start
        out["fiscal_year_start"] = sc.fiscal_year_start
        out["fiscal_year_label"] = sc.fiscal_year_label
        out["calendar"] = cal.fiscal_note()
    if any(s.csms is not None for s in sc.segments.values()):
        out["understaffing"] = {
            "churn_sensitivity": sc.understaffing.churn_sensitivity,
            "expansion_sensitivity": sc.understaffing.expansion_sensitivity,
            "note": "planning assumptions the source paper does not quantify; calibrate them",
        }
    return out


def clean(x: Any) -> Any:
    """Non-finite floats become ``None`` (JSON ``null``); containers are walked."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    return x


_ARR_BRIDGE = {
    "opening_arr": "opening_mrr",
    "new_arr": "new",
    "expansion_arr": "expansion",
    "price_increase_arr": "price_increase",
    "contraction_arr": "contraction",
    "churn_arr": "churn",
    "closing_arr": "closing_mrr",
}


def _with_arr(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, **{arr: 12.0 * row[mrr] for arr, mrr in _ARR_BRIDGE.items()}}


def bridge_rows(pr: Projection, by: str, segment: int | None = None) -> list[dict[str, Any]]:
    """:func:`csmodel.metrics.periods` rows with the ARR bridge added (``*_arr`` = 12 x MRR)."""
    return [_with_arr(row) for row in periods(pr, by, segment)]


def iter_period_rows(pr: Projection, by: str) -> Iterator[dict[str, Any]]:
    """Per-segment period rows, segment by segment (``PERIOD_COLUMNS``), one at a time:
    a 1,000-segment, 600-month plan by month is 600,000 rows, never all in memory."""
    from csmodel.metrics import period_rows_of, period_table

    table = period_table(pr, by, book=False)
    for i, name in enumerate(pr.segments):
        for row in period_rows_of(table, i):
            yield {"segment": name, **_with_arr(row)}


def period_rows(pr: Projection, by: str) -> list[dict[str, Any]]:
    """Per-segment period rows, segment by segment (``PERIOD_COLUMNS``)."""
    return list(iter_period_rows(pr, by))


def project_csv_rows(pr: Projection, by: str) -> Iterator[dict[str, Any]]:
    """``csmodel project --format csv``: per-segment rows, then the book's (``BOOK_TOTAL``)."""
    yield from iter_period_rows(pr, by)
    for r in bridge_rows(pr, by):
        yield {"segment": BOOK_TOTAL, **r}


def project_record(pr: Projection, by: str = "year", *, periods_rows: Any = None) -> dict:
    """Everything ``csmodel project`` reports, as plain data.

    ``periods_rows`` replaces the (long) ``periods`` list, e.g. by a placeholder
    that a streaming writer fills row by row.
    """
    from csmodel.metrics import owner_rows

    sc = pr.scenario
    return clean(
        {
            "schema_version": SCHEMA_VERSION,
            "scenario": sc.name,
            "description": sc.description,
            "conventions": conventions(pr.scenario, by),
            "metrics": pr.metrics,
            "segments": {
                name: {"metrics": pr.segment_metrics[name], "years": yearly(pr, i)}
                for i, name in enumerate(pr.segments)
            },
            "years": yearly(pr),
            "periods": period_rows(pr, by) if periods_rows is None else periods_rows,
            "totals": bridge_rows(pr, by),
            **owners_entry(owner_rows(pr)),
            **({"simulation": simulation_record(pr.simulation)} if pr.simulation else {}),
        }
    )


def simulation_record(sim: Any) -> dict[str, Any]:
    """A Monte Carlo run as plain data (DOMAIN 9): paths, seed, the ranged inputs, and the
    mean and P5, P10, P50, P90, P95 of every metric over the paths, for the book, per
    segment and per plan year (``years[]``: ``year`` and the bands of ``revenue``,
    ``ending_arr``, ``nrr``, ``grr``, ``logo_retention``; ``None`` bands where a year
    has no value, e.g. NRR of a partial year), and ``arr``: the book's closing ARR of
    months 1 .. H at P10, P50 and P90 (the fan chart's lines)."""
    return {
        "paths": sim.paths,
        "seed": sim.seed,
        "discrete": sim.discrete,
        "inputs": sorted(sim.inputs),
        "metrics": {m: sim.bands(v) for m, v in sim.metrics.items()},
        "segments": {
            name: {"metrics": {m: sim.bands(v) for m, v in d.items()}}
            for name, d in sim.segments.items()
        },
        "years": [
            {"year": y + 1, **{k: sim.bands(v) for k, v in row.items()}}
            for y, row in enumerate(sim.years)
        ],
        "arr": sim.arr_bands(),
    }


def simulation_label(paths: int, seed: int, discrete: bool = False, per: str = "") -> str:
    """A simulation's size and seed, and whether whole accounts were drawn, for a title:
    ``1,000 paths, seed 7`` (``1,000 paths per column, ...``; ``...; whole accounts
    drawn``)."""
    size = f"{paths:,} paths" + (f" per {per}" if per else "")
    return f"{size}, seed {seed}" + ("; whole accounts drawn" if discrete else "")


def simulation_note(sim: Any) -> str:
    """What a simulated figure hinges on, for a conventions line."""
    discrete = getattr(sim, "discrete", False)
    accounts = (
        " and whole accounts drawn (binomial churn per cohort, each book account on its own; "
        "expansion share as Bernoulli)"
        if discrete
        else ""
    )
    return (
        f"simulated: {sim.paths:,} paths, seed {sim.seed}, every range drawn once per path "
        f"(drivers shared){accounts}; repeat with --simulate {sim.paths} --seed {sim.seed}"
        + (" --discrete" if discrete else "")
    )


def sample_rows(sim: Any) -> tuple[list[str], list[list[Any]]]:
    """``project --samples``: one row per path: ``path`` (1-based), the drawn value of each
    ranged input (its dotted path), then every metric of the book."""
    inputs = sorted(sim.inputs)
    header = ["path", *inputs, *sim.metrics]
    rows = []
    for i in range(sim.paths):
        row: list[Any] = [i + 1]
        row += [float(sim.inputs[k][i]) for k in inputs]
        row += [float(v[i]) for v in sim.metrics.values()]
        rows.append(row)
    return header, clean(rows)


def owners_entry(rows: list[dict] | None) -> dict[str, Any]:
    """``{"owners": [...]}`` when the account book names CSM owners, else nothing (the key
    is added, never null, so files without owners keep their documented keys)."""
    return {} if rows is None else {"owners": rows}


def money_text(currency: str) -> Any:
    """The money formatter verdict sentences are written with."""
    from functools import partial

    from csmodel.render.fmt import money

    return partial(money, currency=currency)


def as_written(x: Any) -> Any:
    """A plain or scheduled input for JSON: the number, or a schedule whose value changes
    as the file writes it (``{"1": 3, "7": 4}``, with ``"interpolate": "linear"``), so it
    is never reported as its first month alone. A schedule that never changes is its number."""
    from csmodel.schedule import Schedule

    if isinstance(x, Schedule):
        if len(set(x.values)) == 1:
            return float(x)
        return {str(k): v for k, v in x.plain().items()}
    return x


def staffing_plan_record(p: Any, sc: Any, valued: bool) -> dict[str, Any] | None:
    """A segment's staffing plan against the requirement (``capacity.PlannedStaffing``):
    months 1..H with their ``YYYY-MM`` dates (``None`` without ``start``), the planned
    CSMs, required FTE, coverage and CSM cost of each, the first month short of 100%
    coverage, and the plan's horizon figures and deltas against the recommended flat
    staffing (``baseline_csms``), as a sweep row's."""
    if p is None:
        return None
    from csmodel.dates import Calendar

    cal = Calendar.of(sc)
    k = p.first_short_month
    months = list(range(1, p.months + 1))
    return {
        "months": months,
        "dates": [cal.iso(m) for m in months] if cal.dated else None,
        "planned": [float(x) for x in p.planned],
        "required_fte": [float(x) for x in p.required_fte],
        "coverage": [float(x) for x in p.coverage],
        "csm_cost": [float(x) for x in p.csm_cost],
        "first_short_month": k,
        "first_short_date": cal.iso(k) if k is not None else None,
        "lowest_coverage": p.lowest_coverage,
        "total_revenue": p.total_revenue,
        "total_csm_cost": p.total_csm_cost,
        "contribution": p.contribution,
        "exit_arr": p.exit_arr,
        "baseline_csms": p.baseline_csms,
        "contribution_delta": p.contribution_delta,
        "exit_arr_delta": p.exit_arr_delta,
        "break_even_month": p.break_even_month,
        **({"value": p.value, "value_delta": p.value_delta} if valued else {}),
    }


OWNER_SIZING = (
    "The sizing below pools each segment's CSMs (any staffing level is the segment's, not "
    "its owners'; a segment without csms is sized as fully staffed) and renews every "
    "contract yearly on its renewal month (a multi-year term's churn spread over its "
    "years); `csmodel project` follows each owner's book and each contract's term."
)
"""What ``headcount`` says (table, markdown, JSON ``sizing_note``) when the scenario has an
account book with owners or other contract terms than a year."""


def _sweep_simulated(sim: Any, segment: str, csms: int) -> dict[str, Any]:
    """A sweep row's ``simulated`` entry under ``headcount --simulate``: the share of
    paths covered every month (``covered_share``) and the P10/P50/P90 of the segment's
    contribution; nothing without a simulation."""
    if sim is None:
        return {}
    return {"simulated": dict(sim.rows.get(segment, {}).get(csms, {}))}


def headcount_record(report: Any) -> dict[str, Any]:
    """Everything ``csmodel headcount`` reports, as plain data.

    A scheduled input is written as the file writes it (:func:`as_written`); a
    segment's ``staffing_plan`` (:func:`staffing_plan_record`) is ``None`` unless its
    staffed ``csms`` is a schedule that changes.
    """
    sc = report.scenario
    valued = getattr(sc, "valuation", None) is not None

    def plan_rows(rows: Any) -> list[dict[str, Any]]:
        return [
            {
                "quarter": q.quarter,
                "required_fte": q.required_fte,
                "headcount_start": q.headcount_start,
                "departures": q.departures,
                "hires": q.hires,
                "effective_fte": q.effective_fte,
                "headcount_end": q.headcount_end,
                "csm_cost": q.csm_cost,
                "leavers": q.leavers,
            }
            for q in rows
        ]

    def verdict(v: Any) -> dict[str, Any] | None:
        if v is None:
            return None
        return {
            "baseline_csms": v.baseline,
            "csms": as_written(v.csms),
            "csm_cost_change": v.csm_cost_change,
            "revenue_change": v.revenue_change,
            "gross_profit_change": v.gross_profit_change,
            "cost_to_serve_change": v.cost_to_serve_change,
            "break_even_churn_sensitivity": v.break_even_churn_sensitivity,
            "churn_sensitivity": v.churn_sensitivity,
            "expansion_sensitivity": v.expansion_sensitivity,
            "gain_at_zero": v.gain_at_zero,
            "gain_at_max": v.gain_at_max,
            "contribution_delta": v.contribution_delta,
            "exit_arr_delta": v.exit_arr_delta,
            "break_even_month": v.break_even_month,
            **({"value_delta": v.value_delta} if valued else {}),
            "sentence": v.sentence(money_text(sc.currency)),
        }

    return clean(
        {
            "schema_version": SCHEMA_VERSION,
            "scenario": sc.name,
            "conventions": conventions(sc),
            "assumptions": {
                "hours_per_year": as_written(sc.team.hours_per_year),
                "productivity": as_written(sc.team.productivity),
                "cost_per_csm": as_written(sc.team.cost_per_csm),
                "ramp_months": sc.team.ramp_months,
                "attrition": sc.team.attrition,
                "churn_sensitivity": sc.understaffing.churn_sensitivity,
                "expansion_sensitivity": sc.understaffing.expansion_sensitivity,
                "horizon_months": sc.horizon_months,
                "currency": sc.currency,
            },
            "segments": {
                s.name: {
                    "sized_by": s.sized_by,
                    "hours_per_account": s.hours_per_account,
                    "productive_hours_per_csm": s.productive_hours_per_csm,
                    "accounts_per_csm": s.accounts_per_csm,
                    "accounts_start": s.accounts_start,
                    "accounts_peak": s.accounts_peak,
                    "fte_required": s.fte_required,
                    "recommended_csms": s.recommended_csms,
                    "staffed_csms": as_written(s.staffed_csms),
                    "gap": s.gap,
                    "coverage": s.coverage,
                    "accounts_covered": s.accounts_covered,
                    "meetings": list(s.meetings),
                    "cut_verdict": verdict(s.cut_verdict),
                    "plan_verdict": verdict(s.plan_verdict),
                    "cost_per_csm": as_written(
                        sc.team.cost_per_csm
                        if sc.segments[s.name].cost_per_csm is None
                        else sc.segments[s.name].cost_per_csm
                    ),
                    "accounts_per_csm_range": None
                    if s.accounts_per_csm_range is None
                    else list(s.accounts_per_csm_range),
                    "staffing_plan": staffing_plan_record(s.staffing_plan, sc, valued),
                }
                for s in report.segments
            },
            "sweep": {
                s.name: [
                    {
                        "csms": r.csms,
                        "accounts_per_csm": r.accounts_per_csm,
                        "coverage": r.coverage,
                        "total_revenue": r.total_revenue,
                        "csm_cost": r.csm_cost,
                        "gross_profit": r.gross_profit,
                        "delta_gross_profit": r.delta_gross_profit,
                        "break_even_churn_sensitivity": r.break_even_churn_sensitivity,
                        "contribution_delta": r.contribution_delta,
                        "exit_arr": r.exit_arr,
                        "exit_arr_delta": r.exit_arr_delta,
                        "break_even_month": r.break_even_month,
                        **({"value": r.value, "value_delta": r.value_delta} if valued else {}),
                        **_sweep_simulated(report.simulation, s.name, r.csms),
                    }
                    for r in s.sweep
                ]
                for s in report.segments
                if s.sweep
            },
            "optimal_by": {s.name: s.optimal_by for s in report.segments if s.sweep},
            "profit_optimal_csms": {
                s.name: s.profit_optimal_csms
                for s in report.segments
                if s.profit_optimal_csms is not None
            },
            "hiring_plan_short_months": dict(report.hiring_plan.short_months),
            "hiring_plan_rule": report.hiring_plan.rule,
            "hiring_plan_csm_cost": dict(report.hiring_plan.plan_csm_cost),
            "hiring_plan_project_csm_cost": dict(report.hiring_plan.project_csm_cost),
            "hiring_plan_csm_cost_note": report.hiring_plan.csm_cost_note,
            "hiring_plan": [
                {
                    **row,
                    "segments": {
                        name: plan_rows(rows)[i]
                        for name, rows in report.hiring_plan.segments.items()
                    },
                }
                for i, row in enumerate(plan_rows(report.hiring_plan.quarters))
            ],
            **owners_entry(getattr(report, "owners", None)),
            **({"sizing_note": OWNER_SIZING} if getattr(report, "sized_apart", False) else {}),
            **_simulation_entry(getattr(report, "simulation", None)),
        }
    )


def _simulation_entry(sim: Any) -> dict[str, Any]:
    if sim is None:
        return {}
    return {"simulation": {"paths": sim.paths, "seed": sim.seed, "discrete": sim.discrete}}


COMPARE_CSV_COLUMNS = (
    "segment",
    "metric",
    "label",
    "file",
    "variant",
    "value",
    "delta",
    "delta_pct",
)
"""Columns of ``csmodel compare --format csv``: one row per metric and column, for the book
(segment ``total``) and, with ``--by segment``, for each segment."""


def compare_record(cols: list[Any], metrics: list[str], by_segment: bool = False) -> dict:
    """``csmodel compare`` as plain data; column 0 is the baseline."""

    def column(c: Any) -> dict[str, Any]:
        out = {
            "file": c.file,
            "variant": c.variant,
            "label": c.label,
            "conventions": conventions(c.projection.scenario),
            "metrics": {m: c.metrics[m] for m in metrics},
            "staffing_differs": c.staffing_differs,
            "break_even_month": c.break_even_month,
        }
        if c.simulation is not None:
            out["simulation"] = simulation_record(c.simulation)
        if by_segment:
            out["segments"] = {
                name: {m: values[m] for m in metrics} for name, values in c.segment_metrics.items()
            }
        return out

    return clean(
        {"schema_version": SCHEMA_VERSION, "columns": [column(c) for c in cols], "baseline": 0}
    )


def compare_rows(cols: list[Any], metrics: list[str], by_segment: bool = False) -> list[dict]:
    from csmodel.compare import delta, segment_rows

    table = [(BOOK_TOTAL, m, [c.metrics[m] for c in cols]) for m in metrics]
    if by_segment:
        table += segment_rows(cols, metrics)
    simulated = any(c.simulation is not None for c in cols)
    rows = []
    for segment, m, values in table:
        for c, value in zip(cols, values, strict=True):
            d, rel = delta(m, value, values[0])
            row = {
                "segment": segment,
                "metric": m,
                "label": c.label,
                "file": c.file,
                "variant": c.variant or "",
                "value": value,
                "delta": d,
                "delta_pct": None if rel is None else rel * 100.0,
            }
            if simulated:  # P10/P50/P90 of the column's simulated paths
                row.update(dict.fromkeys(COMPARE_BANDS))
                if c.simulation is not None:
                    sim = c.simulation
                    paths = (
                        sim.metrics.get(m)
                        if segment == BOOK_TOTAL
                        else sim.segments.get(segment, {}).get(m)
                    )
                    if paths is not None:
                        bands = sim.bands(paths)
                        row.update({k: bands[k] for k in COMPARE_BANDS})
            rows.append(row)
    return clean(rows)


COMPARE_BANDS = ("p10", "p50", "p90")
"""The percentiles ``compare --simulate`` shows per column."""


def sensitivity_record(result: Any) -> dict[str, Any]:
    """``csmodel sensitivity`` as plain data; rows sorted by swing, largest first."""
    return clean(
        {
            "schema_version": SCHEMA_VERSION,
            "metric": result.metric,
            "conventions": conventions(result.scenario),
            "base": result.base,
            "step": result.step,
            "relative_step": result.relative_step,
            "method": result.method,
            "top": result.top,
            "assumptions": result.assumptions,
            "rows": [
                {
                    "assumption": r.assumption,
                    "base_input": r.base_input,
                    "low_input": r.low_input,
                    "high_input": r.high_input,
                    "low": r.low,
                    "high": r.high,
                    "swing": r.swing,
                    "period": r.period,
                    "step": r.step,
                    "step_kind": r.step_kind,
                    "step_amount": r.step_amount,
                    "annual_base": r.annual_base,
                    "annual_low": r.annual_low,
                    "annual_high": r.annual_high,
                }
                for r in result.rows
            ],
        }
    )


CHECK_RESULT_KEYS = (
    "id",
    "kind",
    "status",
    "metric",
    "segment",
    "variant",
    "value",
    "min",
    "max",
    "message",
    "line",
)
"""Keys of each result of ``csmodel check --format json``, in order."""


def check_result_record(r: Any) -> dict[str, Any]:
    """One check or lint result: :data:`CHECK_RESULT_KEYS`; a probabilistic check adds
    ``probability`` and ``simulation`` (``paths``, ``seed``, ``discrete``, ``met``,
    ``share`` and its 95% Wilson interval ``share_low`` .. ``share_high``); its ``value``
    is the metric's median over the paths."""
    out = {k: getattr(r, k) for k in CHECK_RESULT_KEYS}
    if r.simulation is not None:
        sim = r.simulation
        lo, hi = sim.interval
        out["probability"] = r.probability
        out["simulation"] = {
            "paths": sim.paths,
            "seed": sim.seed,
            "discrete": sim.discrete,
            "met": sim.met,
            "share": sim.share,
            "share_low": lo,
            "share_high": hi,
        }
    return out


def check_record(report: Any) -> dict[str, Any]:
    """``csmodel check`` as plain data: files, their results, and counts by status.

    Files that could not be checked (invalid input) are not listed: their
    located errors go to stderr and the exit code is 2.
    """
    return clean(
        {
            "schema_version": SCHEMA_VERSION,
            "files": [
                {
                    "file": f.file,
                    "results": [check_result_record(r) for r in f.results],
                }
                for f in report.files
            ],
            "summary": dict(report.summary),
        }
    )


def book_record(view: Any) -> dict[str, Any]:
    """``csmodel book`` as plain data (a ``csmodel.bookview.BookView``).

    ``file`` is the book's CSV; ``segments`` one row per segment of the scenario;
    ``owners`` one row per owner, most loaded first (``None`` without an owner
    column); ``renewals`` the ARR renewing in each of the plan's first twelve months
    (``months`` 1..12, ``dates`` ``YYYY-MM`` or ``None`` without ``start``,
    ``by_segment`` and ``total`` ARR, ``accounts`` renewing); ``rebalancing`` per
    segment the suggested moves (``id``, ``arr``, ``from``, ``to``) and
    ``more_csms_needed`` (``None`` without owners), picked by ``rebalancing_rule``.
    A segment's ``owners`` counts named owners; ``pooled`` its accounts without one (the
    segment's pool, which is no owner: not in ``owners``, never moved).
    Hours are CSM hours a year; loads are fractions (1.0 = 100% of
    ``productive_hours_per_csm``).
    """
    sc, book, cal = view.scenario, view.book, view.renewals
    rebalancing = None
    if view.rebalancing is not None:
        rebalancing = {
            r.segment: {
                "moves": [
                    {"id": m.id, "arr": m.arr, "from": m.from_owner, "to": m.to_owner}
                    for m in r.moves
                ],
                "more_csms_needed": r.more_csms_needed,
                "accounts_short": r.accounts_short,
                "owners": r.owners,
                "owners_over": r.owners_over,
                "owners_over_after": r.owners_over_after,
            }
            for r in view.rebalancing
        }
    return clean(
        {
            "schema_version": SCHEMA_VERSION,
            "scenario": sc.name,
            "file": book.file,
            "currency": sc.currency,
            "accounts": len(book),
            "arr": float(book.arr.sum()),
            "productive_hours_per_csm": view.productive_hours,
            "segments": [
                {
                    "segment": s.name,
                    "accounts": s.accounts,
                    "arr": s.arr,
                    "average_acv": s.average_acv,
                    "sized_by": s.sized_by,
                    "hours_per_account": s.hours_per_account,
                    "hours_per_year": s.hours_per_year,
                    "fte_required": s.fte_required,
                    "csms_needed": s.csms_needed,
                    "owners": s.owners,
                    "pooled": s.pooled,
                }
                for s in view.segments
            ],
            "owners": None
            if view.owners is None
            else [
                {
                    "owner": o.owner,
                    "accounts": o.accounts,
                    "arr": o.arr,
                    "hours_per_year": o.hours_per_year,
                    "load": o.load,
                    "over": o.over,
                    "segments": list(o.segments),
                }
                for o in view.owners
            ],
            "renewals": {
                "months": list(cal.months),
                "dates": None if cal.dates is None else list(cal.dates),
                "by_segment": {name: [float(x) for x in v] for name, v in cal.by_segment.items()},
                "total": [float(x) for x in cal.total],
                "accounts": [int(x) for x in cal.accounts],
            },
            "rebalancing": rebalancing,
            "rebalancing_rule": None if view.rebalancing is None else view.rebalancing_rule,
        }
    )
