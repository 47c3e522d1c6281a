"""Metrics, yearly and per-period tables derived from a :class:`Projection`.

One function, :func:`metrics_for`, computes every metric id of DOMAIN.md 4.5
for the whole book (``segment=None``) or for one segment, so book and segment
figures can never follow different formulas. Undefined values (NRR over a
horizon shorter than 12 months, ratios over an empty book) are ``None``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # the engine imports this module lazily (Projection.metrics)
    from csmodel.dates import Period
    from csmodel.engine import Projection

EPS = 1e-9
"""Slack when rounding FTE up: 3.0000000001 FTE is 3 CSMs, not 4."""


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den > EPS else None


def round_up(fte: float) -> int:
    """CSMs needed for ``fte`` (ceil, tolerant of floating-point noise)."""
    return max(0, math.ceil(fte - EPS))


def _select(pr: Projection, segment: int | None) -> Any:
    return slice(None) if segment is None else [segment]


def closing_mrr(pr: Projection, month: int, sel: Any = slice(None)) -> float:
    """MRR after every change dated in months ``1 .. month`` (1-based): a closing run-rate.

    DOMAIN 11.1. Under ``timing: start`` a change lands at the start of its
    month, so the closing run-rate of month k is month k's MRR. Under ``end`` it
    lands at the end: the changes the engine bills from month k + 1 are dated
    month k, so the closing run-rate is month k + 1's MRR without the logos
    signed in month k + 1. ``month = 0`` is the starting book. Sums over ``sel``.
    """
    if month == 0:
        return float(pr.starting_mrr[sel].sum())
    return float(closing_mrr_rows(pr, month, month)[0][sel].sum())


def exit_arr(pr: Projection, month: int, sel: Any = slice(None)) -> float:
    """Closing ARR of month ``month`` (1-based): 12 x :func:`closing_mrr` (DOMAIN 11.1)."""
    return 12.0 * closing_mrr(pr, month, sel)


def closing_arr_series(pr: Projection, sel: Any = slice(None)) -> list[float]:
    """Closing ARR of months 1 .. H: the ARR chart's points (the last is exit ARR)."""
    return [exit_arr(pr, k, sel) for k in range(1, pr.horizon + 1)]


def closing_mrr_rows(pr: Projection, first: int, last: int) -> np.ndarray:
    """:func:`closing_mrr` of months ``first .. last`` (1-based) for each column,
    ``(months, columns)``: the one formula, read a month at a time or, by a simulation,
    the whole horizon in one array operation."""
    if pr.scenario.timing == "start":
        return pr.mrr[first - 1 : last]
    return pr.mrr[first : last + 1] - pr.joined_mrr[first : last + 1]


def peak_fte(pr: Projection) -> np.ndarray:
    """Peak required FTE of each segment over the horizon, shape ``(segments,)``."""
    return pr.fte_required[: pr.horizon].max(axis=0)


PART_KEYS = (
    "revenue",
    "flat",
    "start_accounts",
    "start_mrr",
    "closing_mrr",
    "y_open",
    "y_close",
    "y_added",
    "y_acc_open",
    "y_acc_close",
    "book_revenue",
    "book_value",
    "csm_cost",
    "contribution",
    "peak_fte",
    "recommended",
    "acc_workload_hours",
    "acc_hours",
    "workload_hours",
    "hours_sum",
    "ltv_book",
    "logos",
    "nlv_logos",
    "nlv_acc",
    "cac_logos",
    "cac_acc",
    "net_logos",
    "net_acc",
    "to_match",
    "avoided",
    "coverage",
)
"""What the metrics of any set of columns are made of: sums over columns, except
``coverage``, the lowest (see :func:`combine`)."""


def monthly_contribution(pr: Projection) -> np.ndarray:
    """Contribution of each month and column, ``(H + 1, columns)``: THE formula (DOMAIN
    11.3) — revenue × (1 − cost to serve) − CSM cost − acquisition cost of the logos
    signed that month. Metrics, the staffing sweep and compare all sum it."""
    p = pr.params
    n = pr.mrr.shape[0]  # schedules: each month at its own cost to serve and CAC
    cts = p.cost_to_serve if p.cost_to_serve.ndim == 1 else p.cost_to_serve[:n]
    cac = p.cac_per_logo if p.cac_per_logo.ndim == 1 else p.cac_per_logo[:n]
    return pr.mrr * (1.0 - cts) - pr.csm_cost - pr.logos_signed * cac


def column_parts(pr: Projection) -> dict[str, np.ndarray]:
    """Every part of :data:`PART_KEYS` for each column of ``pr``, arrays ``(columns,)``.

    Book and segment metrics, and a sensitivity point that replaces one segment
    of the book, are all :func:`combine` of sums of these: one formula each.
    """
    p_all = pr.params
    p = p_all.at(0)  # per-logo and per-CSM figures: the plan's first month (schedules)
    cts_h = p_all.cost_to_serve
    cts_h = cts_h if cts_h.ndim == 1 else cts_h[: pr.horizon]
    h = pr.horizon
    n_years = pr.year_open_mrr.shape[0]
    v = (1.0 + p.discount_rate[None, :]) ** (-np.arange(h)[:, None] / 12.0)
    revenue = pr.mrr[:h].sum(axis=0)
    csm_cost = pr.csm_cost[:h].sum(axis=0)
    peaks = pr.fte_required[:h].max(axis=0)
    hpa, acc = pr.hours_per_account, pr.starting_accounts
    workload = hpa > 0
    zeros = np.zeros_like(revenue)

    def year0(a: np.ndarray) -> np.ndarray:
        return a[0] if n_years else zeros

    from csmodel.value import values

    val = values(pr)
    logos, cac = p.logos_signed, p.cac_per_logo
    if p_all.timed:  # schedules: logos a month on average, CAC per logo as the plan pays it
        signed = pr.logos_signed[:h]
        logos = signed.mean(axis=0)
        paid = (
            (signed * p_all.cac_per_logo[:h]).sum(axis=0)
            if p_all.cac_per_logo.ndim == 2
            else (signed.sum(axis=0) * p_all.cac_per_logo)
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            cac = np.where(signed.sum(axis=0) > 0, paid / signed.sum(axis=0), p.cac_per_logo)
    net = val.new_logo_mrr * (1.0 - p.cost_to_serve)
    with np.errstate(divide="ignore", invalid="ignore"):
        to_match = np.where(
            val.horizon_revenue_of_a_logo > 0,
            (revenue - pr.flat_mrr[:h].sum(axis=0)) / val.horizon_revenue_of_a_logo,
            np.nan,
        )

    with np.errstate(invalid="ignore"):  # inf x 0 (a diverging value, no weight) is nan
        weighted = {
            "nlv_logos": val.new_logo_value * logos,
            "nlv_acc": val.new_logo_value * acc,
        }
    return {
        "revenue": revenue,
        "flat": pr.flat_mrr[:h].sum(axis=0),
        "start_accounts": acc,
        "start_mrr": pr.starting_mrr,
        "closing_mrr": closing_mrr_rows(pr, h, h)[0],
        "y_open": year0(pr.year_open_mrr),
        "y_close": year0(pr.year_close_mrr),
        "y_added": year0(pr.year_expansion) + year0(pr.year_price_increase),
        "y_acc_open": year0(pr.year_open_accounts),
        "y_acc_close": year0(pr.year_close_accounts),
        "book_revenue": pr.starting_book_mrr[:h].sum(axis=0),
        "book_value": (pr.starting_book_mrr[:h] * (1.0 - cts_h) * v).sum(axis=0),
        "csm_cost": csm_cost,
        "contribution": monthly_contribution(pr)[:h].sum(axis=0),
        "peak_fte": peaks,
        "recommended": np.maximum(0.0, np.ceil(peaks - EPS)),
        "acc_workload_hours": np.where(workload, acc * p.productive_hours, 0.0),
        "acc_hours": acc * hpa,
        "workload_hours": np.where(workload, p.productive_hours, 0.0),
        "hours_sum": np.where(workload, hpa, 0.0),
        "ltv_book": val.book_lifetime_value,
        "logos": logos,
        **weighted,
        "cac_logos": cac * logos,
        "cac_acc": cac * acc,
        "net_logos": net * logos,
        "net_acc": net * acc,
        "to_match": to_match,
        "avoided": to_match * cac,
        "coverage": pr.coverage[:h].min(axis=0),
    }


def _together(key: str, a: np.ndarray, axis: int | None = None) -> Any:
    """Columns' part ``key`` together: the lowest coverage, else the sum."""
    return a.min(axis=axis) if key == "coverage" else a.sum(axis=axis)


def sum_parts(parts: dict[str, np.ndarray], sel: Any = slice(None)) -> dict[str, float]:
    """The parts of the columns ``sel`` together (sums; the lowest coverage)."""
    return {k: float(_together(k, np.asarray(v[sel]))) for k, v in parts.items()}


def group_parts(
    parts: dict[str, np.ndarray], groups: int, width: int, first: int = 0, count: int | None = None
) -> list[dict[str, float]]:
    """:func:`sum_parts` of ``groups`` runs of ``width`` adjacent columns (a simulation's
    paths side by side), taking ``count`` columns of each run from its ``first`` (all by
    default): one array operation per part, not one per group."""
    count = width if count is None else count
    cols = slice(first, first + count)
    summed = {
        k: _together(k, v[: groups * width].reshape(groups, width)[:, cols], axis=1).tolist()
        for k, v in parts.items()
    }
    return [{k: v[i] for k, v in summed.items()} for i in range(groups)]


def combine(t: dict[str, float], has_year: bool) -> dict[str, float | None]:
    """Every metric id of DOMAIN 4.5 from summed parts (see :func:`column_parts`)."""
    revenue, flat = t["revenue"], t["flat"]
    uplift = revenue - flat
    start_accounts = t["start_accounts"]
    starting_arr = 12.0 * t["start_mrr"]
    avg_acv = _ratio(starting_arr, start_accounts)
    nrr = grr = logos = None
    if has_year:
        nrr, grr, logos = retention(
            {
                "opening_arr": t["y_open"],
                "closing_arr": t["y_close"],
                "expansion_arr": t["y_added"],
                "price_increase_arr": 0.0,
                "accounts_open": t["y_acc_open"],
                "accounts_close": t["y_acc_close"],
            }
        )
    finite = math.isfinite
    by_logos = t["logos"] > 0  # new-logo figures weigh segments by logos signed, else accounts
    value_w = t["nlv_logos"] if by_logos else t["nlv_acc"]
    weight = t["logos"] if by_logos else start_accounts
    cac_w = t["cac_logos"] if by_logos else t["cac_acc"]
    net_w = t["net_logos"] if by_logos else t["net_acc"]
    new_logo_value = _ratio(value_w, weight) if finite(value_w) else None
    if t["acc_hours"] > EPS:
        accounts_per_csm = t["acc_workload_hours"] / t["acc_hours"]
    elif t["hours_sum"] > 0:
        accounts_per_csm = t["workload_hours"] / t["hours_sum"]
    else:
        accounts_per_csm = None
    return {
        "total_revenue": revenue,
        "flat_revenue": flat,
        "uplift": uplift,
        "uplift_share": _ratio(uplift, revenue) if revenue > 0 else None,
        "equivalent_new_logos": _ratio(uplift, avg_acv) if avg_acv else None,
        "starting_arr": starting_arr,
        "ending_arr": 12.0 * t["closing_mrr"],
        "nrr": nrr,
        "grr": grr,
        "logo_retention": logos,
        "revenue_per_account": _ratio(t["book_revenue"], start_accounts),
        "clv": _ratio(t["book_value"], start_accounts),
        "gross_profit": t["contribution"],
        "contribution": t["contribution"],
        "csm_cost": t["csm_cost"],
        "csms_required": t["peak_fte"],
        "csms_recommended": t["recommended"],
        "accounts_per_csm": accounts_per_csm,
        "coverage": t["coverage"],
        "lifetime_value": _ratio(t["ltv_book"], start_accounts) if finite(t["ltv_book"]) else None,
        "new_logo_value": new_logo_value,
        "ltv_to_cac": value_w / cac_w if cac_w > 0 and new_logo_value is not None else None,
        "cac_payback_months": cac_w / net_w if cac_w > 0 and net_w > 0 else None,
        "new_logos_to_match": t["to_match"] if finite(t["to_match"]) else None,
        "acquisition_cost_avoided": t["avoided"] if finite(t["avoided"]) else None,
    }


def metrics_for(pr: Projection, segment: int | None) -> dict[str, float | None]:
    """Every metric id for the book (``segment=None``) or segment index ``segment``."""
    parts = pr.parts
    sel = slice(None) if segment is None else [segment]
    return combine(sum_parts(parts, sel), pr.year_open_mrr.shape[0] >= 1)


def _bridge(pr: Projection) -> dict[str, np.ndarray]:
    """The year windows' bridge of the book that existed when each year opened: MRR
    ``(years, columns)`` by :func:`starting_book` key."""
    return {
        "opening_arr": pr.year_open_mrr,
        "expansion_arr": pr.year_expansion,
        "price_increase_arr": pr.year_price_increase,
        "contraction_arr": pr.year_contraction,
        "churn_arr": pr.year_churn,
        "closing_arr": pr.year_close_mrr,
    }


def starting_book(pr: Projection, year: int, sel: Any = slice(None)) -> dict[str, float]:
    """The bridge of the book that existed when year ``year`` (0-based) opened, over its
    twelve months of dated changes (DOMAIN 11.1), as ARR and accounts."""
    out = {k: 12.0 * float(v[year, sel].sum()) for k, v in _bridge(pr).items()}
    out["accounts_open"] = float(pr.year_open_accounts[year, sel].sum())
    out["accounts_close"] = float(pr.year_close_accounts[year, sel].sum())
    return out


def retention(book: dict[str, float]) -> tuple[float | None, float | None, float | None]:
    """(NRR, GRR, logo retention) of a :func:`starting_book` bridge (DOMAIN 11.1):
    closing / opening; (opening - contraction - churn) / opening, with churn and
    contraction the MRR they actually removed (at least 0); accounts at close / at open."""
    opened = book["opening_arr"]
    # opening - contraction - churn, computed as closing - expansion - price increase (the
    # same by the bridge): when little is kept, subtracting the removals from the opening
    # cancels digits, and with no growth it must equal NRR to the last bit. Floored at 0:
    # removals exceed the opening only when price increases keep re-adding what monthly
    # contraction takes; GRR stays a share.
    kept = max(0.0, book["closing_arr"] - book["expansion_arr"] - book["price_increase_arr"])
    return (
        _ratio(book["closing_arr"], opened),
        _ratio(kept, opened),
        _ratio(book["accounts_close"], book["accounts_open"]),
    )


def year_windows(h: int) -> list[tuple[int, int, int]]:
    """``(y, first, end)`` of each plan year of a horizon of ``h`` months: months
    ``first .. end - 1`` (0-based), twelve from the plan's first month (the last may be
    partial)."""
    return [(y, 12 * y, min(12 * y + 12, h)) for y in range(math.ceil(h / 12))]


def yearly_groups(pr: Projection, groups: int, width: int) -> list[list[dict[str, Any]]]:
    """:func:`yearly`'s ``revenue``, ``ending_arr``, ``nrr``, ``grr`` and
    ``logo_retention`` for each of ``groups`` runs of ``width`` adjacent columns (a
    simulation's paths): the sums in array operations, the ratios by :func:`retention`."""
    n = groups * width

    def per_group(a: np.ndarray) -> np.ndarray:  # (..., columns) -> (..., groups)
        return a[..., :n].reshape(*a.shape[:-1], groups, width).sum(axis=-1)

    h = pr.horizon
    windows = year_windows(h)
    closing = per_group(closing_mrr_rows(pr, 1, h))
    books = {k: (12.0 * per_group(v)).tolist() for k, v in _bridge(pr).items()}
    books["accounts_open"] = per_group(pr.year_open_accounts).tolist()
    books["accounts_close"] = per_group(pr.year_close_accounts).tolist()
    revenue = [per_group(pr.mrr[a:b].sum(axis=0)).tolist() for _, a, b in windows]
    ending = [(12.0 * closing[b - 1]).tolist() for _, _, b in windows]
    complete = pr.year_open_mrr.shape[0]
    out = []
    for g in range(groups):
        rows = []
        for y, _, _ in windows:
            book = {k: v[y][g] for k, v in books.items()} if y < complete else None
            nrr, grr, logos = retention(book) if book else (None, None, None)
            rows.append(
                {
                    "revenue": revenue[y][g],
                    "ending_arr": ending[y][g],
                    "nrr": nrr,
                    "grr": grr,
                    "logo_retention": logos,
                }
            )
        out.append(rows)
    return out


def yearly(pr: Projection, segment: int | None = None, sel: Any = None) -> list[dict[str, Any]]:
    """One row per plan year of the horizon: twelve months from the plan's first month,
    fiscal calendar or not (DOMAIN 7; the last may be partial). A dated plan's rows say
    which months they hold: ``first_month`` and ``last_month`` (``2027-02``, ``2028-01``).

    NRR, GRR and logo retention of year y are read off the bridge of the book
    that existed when year y began, over its twelve months of dated changes
    (``starting_book``); ``None`` for a partial year. ``ending_arr`` is the
    year's closing ARR (exit ARR for the last). ``sel`` (columns) replaces ``segment``
    where a caller holds several books side by side (a simulation's paths).
    """
    from csmodel.dates import Calendar

    sel = _select(pr, segment) if sel is None else sel
    h = pr.horizon
    cal = Calendar.of(pr.scenario)
    rows = []
    for y, a, b in year_windows(h):
        complete = y < pr.year_open_mrr.shape[0]
        book = starting_book(pr, y, sel) if complete else None
        nrr, grr, logos = retention(book) if book else (None, None, None)
        dated = {"first_month": cal.iso(a + 1), "last_month": cal.iso(b)} if cal.dated else {}
        rows.append(
            {
                "year": y + 1,
                "months": b - a,
                **dated,
                "revenue": float(pr.mrr[a:b, sel].sum()),
                "nrr": nrr,
                "grr": grr,
                "logo_retention": logos,
                "ending_arr": exit_arr(pr, b, sel),
                "starting_book": book,
            }
        )
    return rows


PERIOD_LENGTH = {"month": 1, "quarter": 3, "year": 12}
MOVEMENTS = ("new", "expansion", "price_increase", "contraction", "churn")


CALENDAR_KEYS = ("date", "fiscal_year", "fiscal_quarter")
"""Keys a dated plan (``start``) adds to period rows, after ``period``: ``date``
(``2027-02``, monthly rows only), ``fiscal_year`` (2028 for FY2028) and
``fiscal_quarter`` (1-4; ``None`` on yearly rows)."""


def calendar_keys(period: Period) -> dict[str, Any]:
    """The :data:`CALENDAR_KEYS` of one period row: none for an undated plan."""
    if not period.dated:
        return {}
    date = {"date": period.date} if period.full_length == 1 else {}
    return {**date, "fiscal_year": period.fiscal_year, "fiscal_quarter": period.fiscal_quarter}


def cut(pr: Projection, by: str) -> list[Period]:
    """The periods ``by`` month, quarter or year of ``pr``'s horizon (DOMAIN 7): plan
    months, quarters and years from the start, or calendar months and fiscal periods."""
    from csmodel.dates import Calendar

    return Calendar.of(pr.scenario).periods(by, pr.horizon)


def period_table(pr: Projection, by: str, book: bool) -> dict[str, Any]:
    """The per-period table as arrays ``(periods, columns)``: one column per segment, or
    one for the whole book (``book``: sums over segments first, so the book's peak FTE is
    the peak of the sum). See :func:`periods` for what each key holds; ``cut`` holds the
    :class:`~csmodel.dates.Period` of each row and ``calendar`` its :func:`calendar_keys`."""
    h = pr.horizon
    cuts = cut(pr, by)
    starts = np.array([p.first - 1 for p in cuts], dtype=np.intp)  # reduceat: uneven is fine
    ends = np.array([p.last for p in cuts], dtype=np.intp)

    def arr(name: str) -> np.ndarray:
        a = getattr(pr, name)
        return a.sum(axis=-1, keepdims=True) if book else a

    start_mrr = pr.starting_mrr.sum(keepdims=True) if book else pr.starting_mrr
    start_acc = pr.starting_accounts.sum(keepdims=True) if book else pr.starting_accounts
    mrr, accounts = arr("mrr"), arr("accounts")
    if pr.scenario.timing == "start":  # closing after month k (1-based) = month k's MRR
        close_mrr = np.vstack([start_mrr[None, :], mrr[:h]])
        close_acc = np.vstack([start_acc[None, :], accounts[:h]])
        shift = 0
    else:  # month k's end-of-month changes are billed from month k + 1
        close_mrr = np.vstack([start_mrr[None, :], (mrr - arr("joined_mrr"))[1 : h + 1]])
        close_acc = np.vstack([start_acc[None, :], (accounts - arr("joined_accounts"))[1 : h + 1]])
        shift = 1
    table: dict[str, Any] = {
        "cut": cuts,
        "period": [p.title for p in cuts],
        "calendar": [calendar_keys(p) for p in cuts],
        "month_start": starts + 1,
        "month": ends,
        "accounts": close_acc[ends],
        "opening_mrr": close_mrr[starts],
        "mrr": mrr[ends - 1],
        "closing_mrr": close_mrr[ends],
        "ending_arr": 12.0 * close_mrr[ends],
        "revenue": np.add.reduceat(mrr[:h], starts, axis=0),
    }
    for mv in MOVEMENTS:
        lag = 0 if mv == "new" else shift
        table[mv] = np.add.reduceat(arr(mv)[lag : h + lag], starts, axis=0)
    table["coverage"] = np.minimum.reduceat(
        pr.coverage[:h].min(axis=-1, keepdims=True) if book else pr.coverage[:h], starts, axis=0
    )
    table["fte_required"] = np.maximum.reduceat(arr("fte_required")[:h], starts, axis=0)
    table["csm_cost"] = np.add.reduceat(arr("csm_cost")[:h], starts, axis=0)
    return table


PERIOD_KEYS = (
    "period",
    "month_start",
    "month",
    "accounts",
    "opening_mrr",
    "mrr",
    "closing_mrr",
    "ending_arr",
    "revenue",
    *MOVEMENTS,
    "coverage",
    "fte_required",
    "csm_cost",
)


def period_rows_of(table: dict[str, Any], column: int) -> list[dict[str, Any]]:
    """The rows of one column of a :func:`period_table`, as plain numbers."""
    cols = {
        key: table[key].tolist()
        if key in ("month_start", "month")
        else table[key][:, column].tolist()
        for key in PERIOD_KEYS[1:]
    }
    return [
        {"period": label, **dated, **{key: cols[key][i] for key in PERIOD_KEYS[1:]}}
        for i, (label, dated) in enumerate(zip(table["period"], table["calendar"], strict=True))
    ]


def periods(pr: Projection, by: str = "month", segment: int | None = None) -> list[dict[str, Any]]:
    """Rows of the per-period table for one segment or the whole book.

    ``month_start``/``month`` are 1-based (month 1 is the plan's first month);
    ``month`` is the period's last month. The bridge follows DOMAIN 11.1: the
    movements are the changes dated in the period, ``closing_mrr`` is the
    run-rate after all of them (``ending_arr`` = 12 x it; the last period's
    equals the ``ending_arr`` metric) and the next period's ``opening_mrr``;
    ``opening_mrr + new + expansion + price_increase - contraction - churn ==
    closing_mrr`` holds on every row. A dated plan (``start``) cuts calendar months and
    fiscal quarters and years (the first and last may be partial, ``FY2027 (11 mo)``) and
    adds :data:`CALENDAR_KEYS` after ``period``. ``accounts`` are those at the close;
    ``mrr`` is the MRR billed in the period's last month; revenue and CSM cost
    are what the period bills and spends; coverage is the period's lowest and
    FTE its peak.
    """
    if segment is None:
        return period_rows_of(period_table(pr, by, book=True), 0)
    return period_rows_of(period_table(pr, by, book=False), segment)


def owner_rows(pr: Projection) -> list[dict[str, Any]] | None:
    """Each CSM owner's load over the horizon (DOMAIN 8: one CSM per owner), or ``None``
    without owners: accounts at the start and at the end, the peak load (the FTE their
    book needs; above 1 they are overloaded), the lowest coverage, the first month it is
    below 100% (1-based; ``None`` when never) and how many months it is."""
    own = pr.owners
    if own is None:
        return None
    h = pr.horizon
    rows = []
    for i, (segment, owner) in enumerate(own.names):
        cov = own.coverage[:h, i]
        short = np.flatnonzero(cov < 1.0 - 1e-9)
        rows.append(
            {
                "segment": segment,
                "owner": owner,
                "accounts_start": float(own.accounts[0, i]),
                "accounts_end": float(own.accounts[h - 1, i]),
                "peak_load": float(own.fte_required[:h, i].max()),
                "lowest_coverage": float(cov.min()),
                "first_short_month": int(short[0]) + 1 if short.size else None,
                "months_short": int(short.size),
            }
        )
    return rows
