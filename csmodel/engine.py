"""The revenue engine (DOMAIN.md section 4): a scenario in, a :class:`Projection` out.

State is held per segment and per **cohort** (accounts sharing a renewal
anchor), as numpy arrays of shape ``(segments, cohorts)``; the engine loops
over months only. Cohorts are:

- the starting book: 1 cohort (``renewals: aligned``, anchor 0) or 12
  (``spread``, anchors 0, -1, ..., -11);
- new logos, grouped by join month modulo 12 (anchor ``j mod 12``). Every
  movement period (1, 3, 12 months) divides 12, so logos that joined 12 months
  apart are due on the same months and share a cohort exactly. Under
  ``timing: end`` logos joining in month j take no change that month (their
  first month of change is j + 1): they are added to their cohort *after* the
  month's movements; under ``start`` they are added before. The cohort count
  therefore stays at most 24 whatever the horizon.

Within a month (DOMAIN.md 4.4): new logos join; due expansion, churn and
contraction are computed on the opening MRR and applied together; a due price
increase then applies to the retained, expanded contract. Coverage below 1 (a
segment with ``csms`` set) raises churn and suppresses expansion (5.3).

Every array carries segments and cohorts as its last two axes so that a
leading ``paths`` axis (Monte Carlo) can be added without reshaping the maths.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from csmodel.ids import PERIODS
from csmodel.schema import Scenario

_PERIOD_INDEX = {1: 0, 3: 1, 12: 2}
_LENGTHS = np.array([1, 3, 12])


@dataclass(frozen=True)
class Projection:
    """Raw monthly results of one scenario. Arrays are read-only.

    Monthly arrays have shape ``(H + 1, segments)``: months ``0 .. H - 1`` are
    the horizon, month ``H`` is stepped only for the exit run-rate.
    Yearly arrays have shape ``(years, segments)`` for the complete years.
    Derived figures (metrics, yearly and per-period tables) live in
    ``csmodel.metrics`` and are cached on first use.
    """

    scenario: Scenario
    segments: tuple[str, ...]
    horizon: int
    mrr: np.ndarray
    accounts: np.ndarray
    new: np.ndarray
    expansion: np.ndarray
    price_increase: np.ndarray
    contraction: np.ndarray
    churn: np.ndarray
    coverage: np.ndarray
    fte_required: np.ndarray
    csm_cost: np.ndarray
    logos_signed: np.ndarray
    starting_book_mrr: np.ndarray
    flat_mrr: np.ndarray
    starting_mrr: np.ndarray
    starting_accounts: np.ndarray
    hours_per_account: np.ndarray
    year_open_mrr: np.ndarray
    year_close_mrr: np.ndarray
    year_close_gross: np.ndarray
    year_open_accounts: np.ndarray
    year_close_accounts: np.ndarray

    @cached_property
    def metrics(self) -> dict[str, float | None]:
        """Book-level metrics by id (DOMAIN.md 4.5)."""
        from csmodel.metrics import metrics_for

        return metrics_for(self, None)

    @cached_property
    def segment_metrics(self) -> dict[str, dict[str, float | None]]:
        """Metrics of each segment on its own."""
        from csmodel.metrics import metrics_for

        return {name: metrics_for(self, i) for i, name in enumerate(self.segments)}


@dataclass(frozen=True)
class _Params:
    """Per-segment inputs as arrays of shape ``(segments,)``."""

    churn: np.ndarray
    contraction: np.ndarray
    expansion: np.ndarray
    price: np.ndarray
    period_index: np.ndarray  # (4, segments): churn, contraction, expansion, price
    joiners_mrr: np.ndarray
    joiners_accounts: np.ndarray
    logos_signed: np.ndarray
    hours_per_account: np.ndarray  # 0 where a segment has no workload model
    onboarding_hours: np.ndarray
    csms: np.ndarray  # nan where not staffed
    start_mrr: np.ndarray
    start_accounts: np.ndarray


def segment_hours_per_account(scenario: Scenario, name: str) -> float:
    """Yearly CSM hours one account of ``name`` needs (0 without a workload model).

    With ``accounts_per_csm`` instead of meetings, the hours are those that
    give that ratio: productive hours / accounts_per_csm.
    """
    seg = scenario.segments[name]
    if seg.meetings:
        return float(seg.hours_per_account or 0.0)
    if seg.accounts_per_csm:
        return scenario.team.productive_hours / seg.accounts_per_csm
    return 0.0


def _params(sc: Scenario) -> _Params:
    segs = list(sc.segments.values())
    names = list(sc.segments)

    def arr(values) -> np.ndarray:
        return np.array(list(values), dtype=float)

    per = [
        [_PERIOD_INDEX[PERIODS[getattr(s, mv).every]] for s in segs]
        for mv in ("churn", "contraction", "expansion", "price_increase")
    ]
    return _Params(
        churn=arr(s.churn.rate for s in segs),
        contraction=arr(s.contraction.rate for s in segs),
        expansion=arr(s.expansion.rate * s.expansion.share for s in segs),
        price=arr(s.price_increase.rate * s.price_increase.share for s in segs),
        period_index=np.array(per, dtype=int),
        joiners_mrr=arr(
            s.new_logos.per_month * s.new_logos.onboarding_rate * s.new_logo_acv / 12 for s in segs
        ),
        joiners_accounts=arr(s.new_logos.per_month * s.new_logos.onboarding_rate for s in segs),
        logos_signed=arr(s.new_logos.per_month for s in segs),
        hours_per_account=arr(segment_hours_per_account(sc, n) for n in names),
        onboarding_hours=arr(s.onboarding_hours for s in segs),
        csms=arr(np.nan if s.csms is None else s.csms for s in segs),
        start_mrr=arr(s.accounts * s.acv / 12 for s in segs),
        start_accounts=arr(s.accounts for s in segs),
    )


def _due_table(horizon: int, anchors: np.ndarray, first_change: np.ndarray) -> np.ndarray:
    """``due[p, m, k]``: is a movement of period ``_LENGTHS[p]`` due for cohort k in month m."""
    months = np.arange(horizon + 1)[None, :, None]
    lengths = _LENGTHS[:, None, None]
    return ((months - anchors[None, None, :]) % lengths == 0) & (
        months >= first_change[None, None, :]
    )


def project(scenario: Scenario) -> Projection:
    """Project ``scenario`` month by month (see module docstring)."""
    sc = scenario
    p = _params(sc)
    n_seg = len(p.churn)
    horizon = sc.horizon_months
    start_timing = sc.timing == "start"

    n_start = 12 if sc.renewals == "spread" else 1
    has_new = bool(np.any(p.joiners_accounts > 0) or np.any(p.logos_signed > 0))
    n_new = 12 if has_new else 0
    n_coh = n_start + n_new
    anchors = np.concatenate([-np.arange(n_start), np.arange(n_new)])
    first_change = np.concatenate(
        [np.full(n_start, 0 if start_timing else 1), np.zeros(n_new, dtype=int)]
    )
    due = _due_table(horizon, anchors, first_change)  # (3, H+1, K)

    mrr = np.zeros((n_seg, n_coh))
    acc = np.zeros((n_seg, n_coh))
    mrr[:, :n_start] = (p.start_mrr / n_start)[:, None]
    acc[:, :n_start] = (p.start_accounts / n_start)[:, None]

    monthly_capacity = sc.team.productive_hours / 12.0
    staffed = ~np.isnan(p.csms)
    cs_sens = sc.understaffing.churn_sensitivity
    ex_sens = sc.understaffing.expansion_sensitivity

    shape = (horizon + 1, n_seg)
    out = {
        k: np.zeros(shape)
        for k in (
            "mrr",
            "accounts",
            "new",
            "expansion",
            "price_increase",
            "contraction",
            "churn",
            "coverage",
            "fte_required",
            "starting_book_mrr",
        )
    }
    n_years = horizon // 12
    y_open = np.zeros((n_years, n_seg))
    y_close = np.zeros((n_years, n_seg))
    y_gross = np.zeros((n_years, n_seg))
    y_open_acc = np.zeros((n_years, n_seg))
    y_close_acc = np.zeros((n_years, n_seg))
    # Trackers of the book that existed when the current year began (see _year_window).
    ex_mrr = np.zeros_like(mrr)
    ex_gross = np.zeros_like(mrr)
    ex_acc = np.zeros_like(acc)

    window_open = 0 if start_timing else 1  # first month of change of year 1
    for m in range(horizon + 1):
        r = n_start + (m % 12) if n_new else None
        # Year windows: twelve months of change each, starting at window_open.
        if (m - window_open) % 12 == 0 and (m - window_open) // 12 < n_years:
            ex_mrr, ex_acc = mrr.copy(), acc.copy()
            if not start_timing and m > 0 and n_new:
                # logos that joined last month belong to the new year, not the old book
                prev = n_start + ((m - 1) % 12)
                ex_mrr[:, prev] -= p.joiners_mrr
                ex_acc[:, prev] -= p.joiners_accounts
                np.maximum(ex_mrr, 0.0, out=ex_mrr)
                np.maximum(ex_acc, 0.0, out=ex_acc)
            ex_gross = ex_mrr.copy()
            y = (m - window_open) // 12
            y_open[y] = ex_mrr.sum(axis=-1)
            y_open_acc[y] = ex_acc.sum(axis=-1)

        # 1. New logos join (under `end` they are added after this month's changes).
        if n_new and start_timing:
            mrr[:, r] += p.joiners_mrr
            acc[:, r] += p.joiners_accounts
        opening_accounts = acc.sum(axis=-1) + (0.0 if start_timing else p.joiners_accounts)

        # Coverage: available CSM hours / hours the book needs this month.
        recent_logos = p.logos_signed * min(m + 1, 3)
        need_hours = (
            opening_accounts * p.hours_per_account / 12.0 + recent_logos * p.onboarding_hours / 3.0
        )
        fte = need_hours / monthly_capacity
        with np.errstate(divide="ignore", invalid="ignore"):
            kappa = np.where(staffed & (fte > 0), np.minimum(1.0, p.csms / fte), 1.0)
        gap = 1.0 - kappa
        churn_eff = np.minimum(1.0, p.churn * (1.0 + cs_sens * gap))
        exp_eff = p.expansion * np.maximum(0.0, 1.0 - ex_sens * gap)
        contr_eff = np.minimum(p.contraction, 1.0 - churn_eff)

        # 2. Due expansion, churn and contraction on the opening MRR, applied together.
        d_churn = due[p.period_index[0], m]  # (S, K)
        d_contr = due[p.period_index[1], m]
        d_exp = due[p.period_index[2], m]
        d_price = due[p.period_index[3], m]
        churn_rate = churn_eff[:, None] * d_churn
        contr_rate = contr_eff[:, None] * d_contr
        exp_rate = exp_eff[:, None] * d_exp
        price_rate = p.price[:, None] * d_price
        expansion = mrr * exp_rate
        churn = mrr * churn_rate
        contraction = mrr * contr_rate
        retained = mrr + expansion - churn - contraction
        # 3. A due price increase applies to the retained, expanded contract.
        price = retained * price_rate
        mrr = retained + price
        acc = acc * (1.0 - churn_rate)
        net = (1.0 + exp_rate - churn_rate - contr_rate) * (1.0 + price_rate)
        ex_mrr = ex_mrr * net
        ex_gross = ex_gross * (1.0 - churn_rate - contr_rate)
        ex_acc = ex_acc * (1.0 - churn_rate)

        if n_new and not start_timing:
            mrr[:, r] += p.joiners_mrr
            acc[:, r] += p.joiners_accounts

        # 4. The month's revenue is the resulting MRR.
        out["mrr"][m] = mrr.sum(axis=-1)
        out["accounts"][m] = acc.sum(axis=-1)
        out["new"][m] = p.joiners_mrr
        out["expansion"][m] = expansion.sum(axis=-1)
        out["price_increase"][m] = price.sum(axis=-1)
        out["contraction"][m] = contraction.sum(axis=-1)
        out["churn"][m] = churn.sum(axis=-1)
        out["coverage"][m] = kappa
        out["fte_required"][m] = fte
        out["starting_book_mrr"][m] = mrr[:, :n_start].sum(axis=-1)

        if (m - window_open + 1) % 12 == 0 and 0 <= (m - window_open + 1) // 12 - 1 < n_years:
            y = (m - window_open + 1) // 12 - 1
            y_close[y] = ex_mrr.sum(axis=-1)
            y_gross[y] = ex_gross.sum(axis=-1)
            y_close_acc[y] = ex_acc.sum(axis=-1)

    months = np.arange(horizon + 1)[:, None]
    flat = p.start_mrr[None, :] + p.joiners_mrr[None, :] * (months + 1)
    cost = sc.team.cost_per_csm / 12.0
    csm_cost = np.where(staffed[None, :], p.csms[None, :], out["fte_required"]) * cost
    logos = np.broadcast_to(p.logos_signed, shape).copy()

    def ro(a: np.ndarray) -> np.ndarray:
        a.setflags(write=False)
        return a

    return Projection(
        scenario=sc,
        segments=tuple(sc.segments),
        horizon=horizon,
        **{k: ro(v) for k, v in out.items()},
        csm_cost=ro(csm_cost),
        logos_signed=ro(logos),
        flat_mrr=ro(flat),
        starting_mrr=ro(p.start_mrr),
        starting_accounts=ro(p.start_accounts),
        hours_per_account=ro(p.hours_per_account),
        year_open_mrr=ro(y_open),
        year_close_mrr=ro(y_close),
        year_close_gross=ro(y_gross),
        year_open_accounts=ro(y_open_acc),
        year_close_accounts=ro(y_close_acc),
    )
