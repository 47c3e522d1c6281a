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

import numpy as np

from csmodel.engine import Params, Projection, params

_LENGTHS = np.array([1, 3, 12])


@dataclass(frozen=True)
class Values:
    """Per-segment values, arrays ``(segments,)`` (``nan`` where undefined), and why."""

    lifetime_value: np.ndarray
    new_logo_value: np.ndarray
    new_logo_mrr: np.ndarray
    ltv_to_cac: np.ndarray
    cac_payback_months: np.ndarray
    new_logos_to_match: np.ndarray
    acquisition_cost_avoided: np.ndarray
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
    p: Params, mrr0: np.ndarray, since0: np.ndarray, t0: np.ndarray, v: float
) -> tuple[np.ndarray, np.ndarray]:
    """Twelve months of a cohort ``(…, N)`` from ``since0`` months after its anchor:
    (discounted MRR summed, with month t weighed v^t from ``t0``; MRR after them)."""
    mrr = mrr0.copy()
    total = np.zeros_like(mrr)
    for k in range(12):
        mrr = mrr * _month_factor(p, since0 + k)
        total += mrr * v ** (t0 + k)
    return total, mrr


def _series(first: np.ndarray, growth: np.ndarray, v12: float) -> np.ndarray:
    """first × Σ_k (growth × v12)^k, ``inf`` where it diverges (and ``first`` > 0)."""
    ratio = growth * v12
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(ratio < 1.0 - 1e-12, first / (1.0 - ratio), np.inf)
    return np.where(first > 0, out, 0.0)


def values(pr: Projection) -> Values:
    """Every value of DOMAIN 11.3 for each segment of ``pr``."""
    sc = pr.scenario
    p = params(sc)
    h = pr.horizon
    cts = sc.economics.cost_to_serve
    cac = sc.economics.cac_per_logo
    v = (1.0 + sc.discount_rate) ** (-1.0 / 12.0)
    v12 = v**12
    reasons: dict[str, str] = {}

    # Starting book: inside the horizon as projected, then continued at full coverage.
    inside = (pr.starting_book_mrr[:h] * v ** np.arange(h)[:, None]).sum(axis=-2)
    n_start = pr.book_cohorts_at_h.shape[-2]
    anchors = -np.arange(n_start)[:, None]  # (K, 1)
    since = (h - anchors) * np.ones_like(pr.book_cohorts_at_h)  # month H (0-based) onwards
    # the twelve months after the horizon (0-based H .. H + 11), then whole years
    first, after = _cycle(p, pr.book_cohorts_at_h, since, np.full_like(since, h), v)
    growth = np.divide(
        after, pr.book_cohorts_at_h, out=np.ones_like(after), where=pr.book_cohorts_at_h > 0
    )
    tail = _series(first, growth, v12).sum(axis=-2)
    book_total = (1.0 - cts) * (inside + tail)
    with np.errstate(divide="ignore", invalid="ignore"):
        ltv = np.where(pr.starting_accounts > 0, book_total / pr.starting_accounts, np.nan)
    if np.isinf(ltv).any():
        reasons["lifetime_value"] = (
            "does not converge: a surviving account grows at least as fast as the discount "
            f"rate ({sc.discount_rate:.1%} a year); set discount_rate above that growth"
        )
    ltv = np.where(np.isinf(ltv), np.nan, ltv)

    # One new logo, signed at month 0 of its own clock.
    logo_mrr = np.array(
        [s.new_logos.onboarding_rate * s.new_logo_acv / 12.0 for s in sc.segments.values()]
    )
    since1 = np.ones_like(logo_mrr)  # its first possible change is one month after signing
    block, after1 = _cycle(p, logo_mrr, since1, np.ones_like(logo_mrr), v)
    growth1 = np.divide(after1, logo_mrr, out=np.ones_like(after1), where=logo_mrr > 0)
    logo_value = (1.0 - cts) * (logo_mrr + _series(block, growth1, v12))
    if np.isinf(logo_value).any():
        reasons["new_logo_value"] = reasons.get(
            "lifetime_value",
            "does not converge: a surviving account grows at least as fast as the discount rate",
        )
    logo_value = np.where(np.isinf(logo_value), np.nan, logo_value)

    # Horizon revenue of one logo signed in month 1, undiscounted.
    mrr, horizon_revenue = logo_mrr.copy(), logo_mrr.copy()
    for i in range(1, h):
        mrr = mrr * _month_factor(p, np.full_like(mrr, i))
        horizon_revenue = horizon_revenue + mrr
    uplift = np.array([pr.segment_metrics[n]["uplift"] for n in pr.segments])
    with np.errstate(divide="ignore", invalid="ignore"):
        to_match = np.where(horizon_revenue > 0, uplift / horizon_revenue, np.nan)
    if cac > 0:
        ratio = logo_value / cac
        payback = np.where(logo_mrr > 0, cac / (logo_mrr * (1.0 - cts)), np.nan)
        avoided = to_match * cac
    else:
        ratio = payback = np.full_like(logo_mrr, np.nan)
        avoided = np.where(np.isnan(to_match), np.nan, 0.0)
        reasons["ltv_to_cac"] = reasons["cac_payback_months"] = "cac_per_logo is 0"
    return Values(ltv, logo_value, logo_mrr, ratio, payback, to_match, avoided, reasons)


def _weighted(x: np.ndarray, w: np.ndarray) -> float | None:
    ok = ~np.isnan(x)
    if not ok.any() or w[ok].sum() <= 0 or np.isnan(x).any():
        return None
    return float((x * w).sum() / w.sum())


def book_values(pr: Projection, vals: Values) -> dict[str, float | None]:
    """Book-level figures: account-weighted values, summed counts and dollars."""
    sc = pr.scenario
    cac = sc.economics.cac_per_logo
    cts = sc.economics.cost_to_serve
    logos = np.array([s.new_logos.per_month for s in sc.segments.values()])
    w = logos if logos.sum() > 0 else pr.starting_accounts
    logo_value = _weighted(vals.new_logo_value, w)
    logo_mrr = _weighted(vals.new_logo_mrr, w)
    to_match = (
        None if np.isnan(vals.new_logos_to_match).any() else float(vals.new_logos_to_match.sum())
    )
    return {
        "lifetime_value": _weighted(vals.lifetime_value, pr.starting_accounts),
        "new_logo_value": logo_value,
        "ltv_to_cac": logo_value / cac if cac > 0 and logo_value is not None else None,
        "cac_payback_months": (
            cac / (logo_mrr * (1.0 - cts)) if cac > 0 and logo_mrr and cts < 1 else None
        ),
        "new_logos_to_match": to_match,
        "acquisition_cost_avoided": None
        if to_match is None
        else float((vals.new_logos_to_match * cac).sum()),
    }


def segment_values(vals: Values, i: int) -> dict[str, float | None]:
    """Segment ``i``'s figures, ``None`` where undefined."""

    def f(x: np.ndarray) -> float | None:
        return None if np.isnan(x[i]) else float(x[i])

    return {
        "lifetime_value": f(vals.lifetime_value),
        "new_logo_value": f(vals.new_logo_value),
        "ltv_to_cac": f(vals.ltv_to_cac),
        "cac_payback_months": f(vals.cac_payback_months),
        "new_logos_to_match": f(vals.new_logos_to_match),
        "acquisition_cost_avoided": f(vals.acquisition_cost_avoided),
    }
