"""What an account is worth over its whole life, and what a new logo earns back (DOMAIN 11.3).

- ``lifetime_value`` (per starting account): Σ over every future month i of
  the starting book's expected MRR × (1 − cost_to_serve) × (1 + d)^(−i/12), i
  counted from the plan's first month. Inside the horizon it is the
  projection's own MRR (understaffing included); past it the file's rates
  continue as in force in month H at full coverage.
- ``new_logo_value``: the same for one logo signed (its expected onboarded
  MRR, ``onboarding_rate × acv / 12``, ``acv`` from ``new_logos.acv`` else the
  segment's), discounted to its signing month, at full coverage. Its first
  movements come one full period after it signs (DOMAIN 11.1).
- ``ltv_to_cac`` = new_logo_value ÷ cac_per_logo; ``cac_payback_months`` =
  cac_per_logo ÷ (that MRR × (1 − cost_to_serve)); both ``None`` without CAC.
- ``new_logos_to_match`` = Σ over segments of the segment's uplift ÷ the
  horizon revenue of one logo signed in month 1 under its assumptions;
  ``acquisition_cost_avoided`` = Σ of those counts × cac_per_logo.

Past the horizon every movement repeats on a twelve-month cycle, so a cohort's
MRR is multiplied by the same factor G each year. The sum is therefore exact in
closed form: the first twelve months simulated, then a geometric series of
ratio G × (1 + d)^(−1). It converges when that ratio is below 1; otherwise the
value is ``None`` with the reason (a surviving account grows at least as fast
as the discount rate). Book values weigh segments by starting accounts
(``lifetime_value``) or by logos signed a month (the new-logo figures; by
starting accounts when nothing is signed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # metrics (which the engine imports lazily) imports this module
    from csmodel.engine import Params, Projection

_LENGTHS = np.array([1, 3, 12])


@dataclass(frozen=True)
class Values:
    """Per-column values, arrays ``(columns,)``: ``inf`` where a series diverges, and why."""

    lifetime_value: np.ndarray  # per starting account
    book_lifetime_value: np.ndarray  # the column's whole starting book
    new_logo_value: np.ndarray
    new_logo_mrr: np.ndarray
    horizon_revenue_of_a_logo: np.ndarray
    reasons: dict[str, str]


def _month_factor(p: Params, months_since_anchor: np.ndarray) -> np.ndarray:
    """MRR factor of a month for cohorts ``(…, N)`` at full coverage (DOMAIN 4.4)."""
    lengths = _LENGTHS[p.period_index]  # (4, N): churn, contraction, expansion, price
    months = np.asarray(months_since_anchor)
    lengths = lengths.reshape((4,) + (1,) * (months.ndim - 1) + lengths.shape[-1:])
    due = (months[None, ...] % lengths) == 0
    churn = np.where(due[0], p.churn, 0.0)
    contraction = np.where(due[1], np.minimum(p.contraction, 1.0 - p.churn), 0.0)
    expansion = np.where(due[2], p.expansion, 0.0)
    price = np.where(due[3], p.price, 0.0)
    return (1.0 + expansion - churn - contraction) * (1.0 + price)


def _cycle(
    p: Params, mrr0: np.ndarray, since0: np.ndarray, t0: np.ndarray, v: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Twelve months of a cohort ``(…, N)`` from ``since0`` months after its anchor:
    (discounted MRR summed, month t weighed v^t from ``t0``; MRR after them)."""
    mrr = mrr0.copy()
    total = np.zeros_like(mrr)
    for k in range(12):
        mrr = mrr * _month_factor(p, since0 + k)
        total += mrr * v ** (t0 + k)
    return total, mrr


def _series(first: np.ndarray, growth: np.ndarray, v12: np.ndarray) -> np.ndarray:
    """first × Σ_k (growth × v12)^k, ``inf`` where it diverges (and ``first`` > 0)."""
    ratio = growth * v12
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(ratio < 1.0 - 1e-12, first / (1.0 - ratio), np.inf)
    return np.where(first > 0, out, 0.0)


DIVERGES = (
    "does not converge: a surviving account grows at least as fast as the discount rate; "
    "set discount_rate above that growth"
)


def _scheduled_logo_value(
    p: Params, logo: np.ndarray, h: int, v: np.ndarray, v12: np.ndarray
) -> np.ndarray:
    """:func:`values`' new-logo value when inputs follow schedules: the logo signed in
    month 1 under each month's assumptions over the horizon, then continued at month H's."""
    mrr = logo.copy()
    total = mrr * (1.0 - p.at(0).cost_to_serve)
    for i in range(1, h):
        q = p.at(i)
        mrr = mrr * _month_factor(q, np.full_like(mrr, i))
        total = total + mrr * (1.0 - q.cost_to_serve) * v**i
    p_h = p.at(h)
    since = np.full_like(mrr, h)
    block, after = _cycle(p_h, mrr, since, since, v)
    growth = np.divide(after, mrr, out=np.ones_like(after), where=mrr > 0)
    return total + (1.0 - p_h.cost_to_serve) * _series(block, growth, v12)


def values(pr: Projection) -> Values:
    """Lifetime and new-logo values of every column of ``pr`` (see the module docstring)."""
    p = pr.params
    h = pr.horizon
    # Schedules (DOMAIN 7): inside the horizon each month's own assumptions; past it
    # those in force in month H; a new logo is valued at the first month's.
    p0, p_h = p.at(0), p.at(h)
    cts = p.cost_to_serve if p.cost_to_serve.ndim == 1 else p.cost_to_serve[:h]
    v = (1.0 + p.discount_rate) ** (-1.0 / 12.0)  # (N,)
    v12 = v**12
    reasons: dict[str, str] = {}

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # Starting book: inside the horizon as projected, then continued at full coverage.
        net = pr.starting_book_mrr[:h] * (1.0 - cts)
        inside = (net * v ** np.arange(h)[:, None]).sum(axis=-2)
        at_h = pr.book_cohorts_at_h  # (K, N)
        since = (h + np.arange(at_h.shape[-2]))[:, None] * np.ones_like(at_h)  # anchors 0, -1…
        first, after = _cycle(p_h, at_h, since, np.full_like(since, h), v)
        growth = np.divide(after, at_h, out=np.ones_like(after), where=at_h > 0)
        book = inside + (1.0 - p_h.cost_to_serve) * _series(first, growth, v12).sum(axis=-2)
        ltv = np.where(pr.starting_accounts > 0, book / pr.starting_accounts, np.nan)

        # One logo signed, at month 0 of its own clock: its first change one period on.
        logo = p0.logo_mrr
        ones = np.ones_like(logo)
        if not p.timed:
            block, after1 = _cycle(p0, logo, ones, ones, v)
            growth1 = np.divide(after1, logo, out=np.ones_like(after1), where=logo > 0)
            logo_value = (1.0 - p0.cost_to_serve) * (logo + _series(block, growth1, v12))
        else:  # signed in month 1, each month at the assumptions then in force (schedules)
            logo_value = _scheduled_logo_value(p, logo, h, v, v12)

        # Horizon revenue of one logo signed in month 1, undiscounted.
        mrr, horizon_revenue = logo.copy(), logo.copy()
        for i in range(1, h):
            mrr = mrr * _month_factor(p.at(i), np.full_like(mrr, i))
            horizon_revenue = horizon_revenue + mrr
    if np.isinf(book).any():
        reasons["lifetime_value"] = DIVERGES
    if np.isinf(logo_value).any():
        reasons["new_logo_value"] = reasons["ltv_to_cac"] = DIVERGES
    if not (p.cac_per_logo > 0).any():
        reasons["ltv_to_cac"] = reasons["cac_payback_months"] = "cac_per_logo is 0"
    return Values(ltv, book, logo_value, logo, horizon_revenue, reasons)
