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

With tenure-based churn (sBG, DOMAIN 10) the yearly factor changes every year:
a cohort renewing for the t-th time loses ``α / (α + β + t − 1)``. The sum is
still exact in closed form, a Gauss hypergeometric series (:func:`_sbg_tail`),
each cohort from the renewal ``t`` it comes to next
(``Projection.book_tenure_at_h``; a new logo from t = 1). It converges when
G₀ × (1 + d)^(−1) < 1, G₀ the yearly factor of an account that no longer
churns: churn falls toward 0 with tenure. Otherwise the value is ``None`` with
:data:`SBG_DIVERGES` (the series diverges, or — no growth, no discounting,
α > 1 — converges only as a power of tenure: csmodel does not sum it). This is
Fader & Hardie's discounted expected residual lifetime value (DERL), with the
plan's other movements.
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


def _month_factor(
    p: Params, months_since_anchor: np.ndarray, renewal: np.ndarray | None = None
) -> np.ndarray:
    """MRR factor of a month for cohorts ``(…, N)`` at full coverage (DOMAIN 4.4).
    ``renewal`` is the ``t`` of a yearly renewal due that month, for sBG columns."""
    lengths = _LENGTHS[p.period_index]  # (4, N): churn, contraction, expansion, price
    months = np.asarray(months_since_anchor)
    lengths = lengths.reshape((4,) + (1,) * (months.ndim - 1) + lengths.shape[-1:])
    due = (months[None, ...] % lengths) == 0
    rate = cap = p.churn  # a flat churn caps contraction in every month, as in the engine
    if renewal is not None and _sbg(p).any():
        rate = np.where(_sbg(p), sbg_churn(p, np.maximum(renewal, 1.0)), p.churn)
    churn = np.where(due[0], rate, 0.0)
    if rate is not cap:
        cap = np.where(_sbg(p), churn, p.churn)
    contraction = np.where(due[1], np.minimum(p.contraction, 1.0 - cap), 0.0)
    expansion = np.where(due[2], p.expansion, 0.0)
    price = np.where(due[3], p.price, 0.0)
    return (1.0 + expansion - churn - contraction) * (1.0 + price)


def _sbg(p: Params) -> np.ndarray:
    """Which columns churn by tenure (sBG, DOMAIN 10), ``(N,)``."""
    return ~np.isnan(p.alpha)


def sbg_churn(p: Params, t: np.ndarray) -> np.ndarray:
    """sBG churn at renewal ``t``, ``α / (α + β + t − 1)`` (nan for flat-churn columns)."""
    return p.alpha / (p.alpha + p.beta + t - 1.0)


SBG_DIVERGES = (
    "not summed: with tenure-based (sBG) churn, churn falls toward 0 with tenure, so the "
    "value converges geometrically only when the discount rate exceeds the growth of an "
    "account that no longer churns (expansion and price increases less contraction); set "
    "discount_rate above that growth"
)
SBG_CAPPED_YEARS = 1000
"""Most years summed one by one while churn plus contraction exceed 100% at a renewal
(contraction is then capped, as in the engine); past them the closed form holds."""


def _sbg_tail(
    p: Params,
    mrr0: np.ndarray,
    since0: np.ndarray,
    t0: np.ndarray,
    renewal: np.ndarray,
    v: np.ndarray,
) -> np.ndarray:
    """Σ over every month from ``since0`` months after its anchor of an sBG cohort's MRR
    ``(…, N)`` (``mrr0`` before that month), month k weighed v^(t0 + k), its next yearly
    renewal the ``renewal``-th; ``inf`` where the sum is not geometric (see the module
    docstring).

    Each year is a 12-month block holding one renewal, so its MRR factor and its
    discounted sum are linear in that renewal's churn c: ``A(c) = a0 − a1 c``,
    ``B(c) = b0 − b1 c``. With ``c_n = α / (s + n)`` at the n-th year from now
    (``s = α + β + t − 1``), ``Π A(c_j) = a0^n (s − kα)_n / (s)_n`` (``k = a1 / a0``,
    Pochhammer symbols), so the sum is hypergeometric:
    ``b0 · ₂F₁(s − kα, 1; s; x) − b1 α / s · ₂F₁(s − kα, 1; s + 1; x)``, ``x = a0 v¹²``,
    convergent for ``x < 1``. Years whose churn plus contraction exceed 100% (contraction
    capped, not linear) are summed one by one first."""
    from scipy.special import hyp2f1

    since0 = np.broadcast_to(since0, mrr0.shape)
    at = (-since0) % 12  # the renewal's month within each 12-month block
    k = np.arange(12).reshape((12,) + (1,) * mrr0.ndim)
    months = since0[None] + k
    lengths = _LENGTHS[p.period_index].reshape((4,) + (1,) * mrr0.ndim + (-1,))
    due = (months[None] % lengths) == 0  # (4, 12, ...)
    e = np.where(due[2], p.expansion, 0.0)
    d = np.where(due[1], p.contraction, 0.0)
    pz = np.where(due[3], p.price, 0.0)
    weights = v ** (t0[None] + k)
    v12 = v**12
    # the block as (value at c = 0, minus its slope in c): a0, a1 and b0, b1
    a0, a1 = np.ones_like(mrr0, dtype=float), np.zeros_like(mrr0, dtype=float)
    b0, b1 = np.zeros_like(a0), np.zeros_like(a0)
    d_at = np.zeros_like(a0)
    for j in range(12):
        f = (1.0 + e[j] - d[j]) * (1.0 + pz[j])
        here = at == j
        a1 = np.where(here, a1 * f + a0 * (1.0 + pz[j]), a1 * f)
        a0 = a0 * f
        d_at = np.where(here, d[j], d_at)
        b0 = b0 + a0 * weights[j]
        b1 = b1 + a1 * weights[j]

    def capped(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The block's factor and sum when contraction is capped at ``1 − c``."""
        level, total = np.ones_like(c), np.zeros_like(c)
        for j in range(12):
            lost = np.where(at == j, c, 0.0)
            f = (1.0 + e[j] - lost - np.minimum(d[j], 1.0 - lost)) * (1.0 + pz[j])
            level = level * f
            total = total + level * weights[j]
        return level, total

    level = mrr0.astype(float).copy()
    total = np.zeros_like(level)
    t = np.asarray(renewal, dtype=float) + np.zeros_like(level)
    scale = np.ones_like(level)  # v12^(years summed one by one)
    for _ in range(SBG_CAPPED_YEARS):
        c = sbg_churn(p, t)
        over = (c + d_at > 1.0) & (level > 0)
        if not over.any():
            break
        factor, block = capped(np.where(over, c, 0.0))
        total = np.where(over, total + level * scale * block, total)
        level = np.where(over, level * factor, level)
        scale = np.where(over, scale * v12, scale)
        t = np.where(over, t + 1.0, t)
    else:
        return np.where(mrr0 > 0, np.inf, 0.0)
    x = a0 * v12
    s = p.alpha + p.beta + t - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        kay = np.where(a0 > 0, a1 / a0, 0.0)
        a = s - kay * p.alpha
        series = b0 * hyp2f1(a, 1.0, s, x) - b1 * p.alpha / s * hyp2f1(a, 1.0, s + 1.0, x)
    rest = np.where(x < 1.0 - 1e-12, level * scale * series, np.inf)
    rest = np.where(level > 0, rest, 0.0)
    return np.where(mrr0 > 0, total + rest, 0.0)


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
        mrr = mrr * _month_factor(q, np.full_like(mrr, i), np.full_like(mrr, i // 12))
        total = total + mrr * (1.0 - q.cost_to_serve) * v**i
    p_h = p.at(h)
    since = np.full_like(mrr, h)
    block, after = _cycle(p_h, mrr, since, since, v)
    growth = np.divide(after, mrr, out=np.ones_like(after), where=mrr > 0)
    rest = _series(block, growth, v12)
    if _sbg(p).any():  # its next renewal: the first anniversary from month h
        rest = np.where(_sbg(p), _sbg_tail(p_h, mrr, since, since, -(-since // 12), v), rest)
    return total + (1.0 - p_h.cost_to_serve) * rest


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
        rest = _series(first, growth, v12)
        sbg = _sbg(p)
        if sbg.any():  # each starting cohort from the renewal it comes to next
            t_next = pr.book_tenure_at_h
            h0 = np.full_like(since, h)
            rest = np.where(sbg, _sbg_tail(p_h, at_h, since, h0, t_next, v), rest)
        book = inside + (1.0 - p_h.cost_to_serve) * rest.sum(axis=-2)
        ltv = np.where(pr.starting_accounts > 0, book / pr.starting_accounts, np.nan)

        # One logo signed, at month 0 of its own clock: its first change one period on.
        logo = p0.logo_mrr
        ones = np.ones_like(logo)
        if not p.timed:
            block, after1 = _cycle(p0, logo, ones, ones, v)
            growth1 = np.divide(after1, logo, out=np.ones_like(after1), where=logo > 0)
            tail = _series(block, growth1, v12)
            if sbg.any():  # its first renewal (t = 1) a year after it signs
                tail = np.where(sbg, _sbg_tail(p0, logo, ones, ones, ones, v), tail)
            logo_value = (1.0 - p0.cost_to_serve) * (logo + tail)
        else:  # signed in month 1, each month at the assumptions then in force (schedules)
            logo_value = _scheduled_logo_value(p, logo, h, v, v12)

        # Horizon revenue of one logo signed in month 1, undiscounted.
        mrr, horizon_revenue = logo.copy(), logo.copy()
        for i in range(1, h):
            months = np.full_like(mrr, i)
            mrr = mrr * _month_factor(p.at(i), months, months // 12)
            horizon_revenue = horizon_revenue + mrr
    why = SBG_DIVERGES if sbg.any() else DIVERGES
    if np.isinf(book).any():
        reasons["lifetime_value"] = why
    if np.isinf(logo_value).any():
        reasons["new_logo_value"] = reasons["ltv_to_cac"] = why
    if not (p.cac_per_logo > 0).any():
        reasons["ltv_to_cac"] = reasons["cac_payback_months"] = "cac_per_logo is 0"
    return Values(ltv, book, logo_value, logo, horizon_revenue, reasons)
