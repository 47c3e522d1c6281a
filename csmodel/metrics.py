"""Metrics, yearly and per-period tables derived from a :class:`Projection`.

One function, :func:`metrics_for`, computes every metric id of DOMAIN.md 4.5
for the whole book (``segment=None``) or for one segment, so book and segment
figures can never follow different formulas. Undefined values (NRR over a
horizon shorter than 12 months, ratios over an empty book) are ``None``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

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


def exit_arr(pr: Projection, month: int, sel: Any) -> float:
    """12 x MRR of ``month`` (0-based) after its due changes, without the logos it signs.

    The exit run-rate of the period that ends before ``month``: renewals and
    price changes due at the boundary count; logos signed after it do not.
    """
    return 12.0 * float(pr.mrr[month, sel].sum() - pr.joined_mrr[month, sel].sum())


def peak_fte(pr: Projection) -> np.ndarray:
    """Peak required FTE of each segment over the horizon, shape ``(segments,)``."""
    return pr.fte_required[: pr.horizon].max(axis=0)


def metrics_for(pr: Projection, segment: int | None) -> dict[str, float | None]:
    """Every metric id for the book (``segment=None``) or segment index ``segment``."""
    sc = pr.scenario
    h = pr.horizon
    sel = _select(pr, segment)
    cts = sc.economics.cost_to_serve

    revenue = float(pr.mrr[:h, sel].sum())
    flat = float(pr.flat_mrr[:h, sel].sum())
    uplift = revenue - flat
    start_accounts = float(pr.starting_accounts[sel].sum())
    starting_arr = 12.0 * float(pr.starting_mrr[sel].sum())
    avg_acv = _ratio(starting_arr, start_accounts)

    nrr = grr = logos = None
    if pr.year_open_mrr.shape[0] >= 1:
        opened = float(pr.year_open_mrr[0, sel].sum())
        nrr = _ratio(float(pr.year_close_mrr[0, sel].sum()), opened)
        grr = _ratio(float(pr.year_close_gross[0, sel].sum()), opened)
        logos = _ratio(
            float(pr.year_close_accounts[0, sel].sum()), float(pr.year_open_accounts[0, sel].sum())
        )

    book = pr.starting_book_mrr[:h, sel].sum(axis=-1)
    monthly_discount = (1.0 + sc.discount_rate) ** (-np.arange(h) / 12.0)
    csm_cost = float(pr.csm_cost[:h, sel].sum())
    cac = sc.economics.cac_per_logo * float(pr.logos_signed[:h, sel].sum())

    peaks = peak_fte(pr)[sel]
    hpa = pr.hours_per_account[sel]
    acc = pr.starting_accounts[sel]
    productive = sc.team.productive_hours
    with_workload = hpa > 0
    if float((acc * hpa).sum()) > EPS:
        accounts_per_csm = productive * float(acc[with_workload].sum()) / float((acc * hpa).sum())
    elif with_workload.any():
        accounts_per_csm = productive / float(hpa[with_workload].mean())
    else:
        accounts_per_csm = None

    return {
        "total_revenue": revenue,
        "flat_revenue": flat,
        "uplift": uplift,
        "uplift_share": _ratio(uplift, revenue) if revenue > 0 else None,
        "equivalent_new_logos": _ratio(uplift, avg_acv) if avg_acv else None,
        "starting_arr": starting_arr,
        "ending_arr": exit_arr(pr, h, sel),
        "nrr": nrr,
        "grr": grr,
        "logo_retention": logos,
        "revenue_per_account": _ratio(float(book.sum()), start_accounts),
        "clv": _ratio(float((book * (1.0 - cts) * monthly_discount).sum()), start_accounts),
        "gross_profit": revenue * (1.0 - cts) - csm_cost - cac,
        "csm_cost": csm_cost,
        "csms_required": float(peaks.sum()),
        "csms_recommended": float(sum(round_up(float(x)) for x in peaks)),
        "accounts_per_csm": accounts_per_csm,
        "coverage": float(pr.coverage[:h, sel].min()),
    }


def yearly(pr: Projection, segment: int | None = None) -> list[dict[str, Any]]:
    """One row per year of the horizon (the last may be partial).

    NRR, GRR and logo retention of year y are those of the book that existed
    when year y began, over its twelve months of change; ``None`` for a
    partial year.
    """
    sel = _select(pr, segment)
    h = pr.horizon
    rows = []
    for y in range(math.ceil(h / 12)):
        a, b = 12 * y, min(12 * y + 12, h)
        complete = y < pr.year_open_mrr.shape[0]
        opened = float(pr.year_open_mrr[y, sel].sum()) if complete else 0.0
        rows.append(
            {
                "year": y + 1,
                "months": b - a,
                "revenue": float(pr.mrr[a:b, sel].sum()),
                "nrr": _ratio(float(pr.year_close_mrr[y, sel].sum()), opened) if complete else None,
                "grr": _ratio(float(pr.year_close_gross[y, sel].sum()), opened)
                if complete
                else None,
                "logo_retention": _ratio(
                    float(pr.year_close_accounts[y, sel].sum()),
                    float(pr.year_open_accounts[y, sel].sum()),
                )
                if complete
                else None,
                "ending_arr": exit_arr(pr, b, sel),
            }
        )
    return rows


PERIOD_LENGTH = {"month": 1, "quarter": 3, "year": 12}
MOVEMENTS = ("new", "expansion", "price_increase", "contraction", "churn")


def _label(by: str, index: int) -> str:
    if by == "month":
        return f"M{index + 1}"
    if by == "quarter":
        return f"Y{index // 4 + 1} Q{index % 4 + 1}"
    return f"Y{index + 1}"


def periods(pr: Projection, by: str = "month", segment: int | None = None) -> list[dict[str, Any]]:
    """Rows of the per-period table for one segment or the whole book.

    ``month_start``/``month`` are 1-based (month 1 is the plan's first month);
    ``month`` is the period's last month. ``accounts`` and ``mrr`` are those of
    that month; ``ending_arr`` is the exit run-rate, 12 x MRR after the changes
    due at the period's end (the last period's equals the ``ending_arr``
    metric); flows (revenue, movements, CSM cost) are summed over the period;
    ``opening_mrr + new + expansion + price_increase - contraction - churn ==
    mrr`` holds on every row.
    """
    sel = _select(pr, segment)
    length = PERIOD_LENGTH[by]
    h = pr.horizon
    rows = []
    for i, a in enumerate(range(0, h, length)):
        b = min(a + length, h)
        opening = pr.starting_mrr[sel].sum() if a == 0 else pr.mrr[a - 1, sel].sum()
        row: dict[str, Any] = {
            "period": _label(by, i),
            "month_start": a + 1,
            "month": b,
            "accounts": float(pr.accounts[b - 1, sel].sum()),
            "opening_mrr": float(opening),
            "mrr": float(pr.mrr[b - 1, sel].sum()),
            "ending_arr": exit_arr(pr, b, sel),
            "revenue": float(pr.mrr[a:b, sel].sum()),
        }
        for mv in MOVEMENTS:
            row[mv] = float(getattr(pr, mv)[a:b, sel].sum())
        row["coverage"] = float(pr.coverage[a:b, sel].min())
        row["fte_required"] = float(pr.fte_required[a:b, sel].sum(axis=-1).max())
        row["csm_cost"] = float(pr.csm_cost[a:b, sel].sum())
        rows.append(row)
    return rows
