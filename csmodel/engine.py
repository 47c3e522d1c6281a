"""The revenue engine (DOMAIN.md section 4): a scenario in, a :class:`Projection` out.

State is held per segment and per **cohort** (accounts sharing a renewal
anchor), as numpy arrays of shape ``(cohorts, segments)`` (segments last, so
that every elementwise operation and every sum over cohorts runs over long
contiguous rows); the engine loops over months only. Cohorts are:

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

Speed: within a month, a cohort's factors depend only on *which* periods are
due for it, and the periods nest (a yearly movement is due only where a
quarterly one would be, and a quarterly one only where a monthly one would
be). So each month the cohorts fall in four **classes** (nothing due, month,
month + quarter, all three); the rates and growth factors are computed per
segment x class (``(4, S)``), then gathered onto the cohorts for a single
in-place update of the whole state. Flows (expansion, churn, ...) are read off
the opening MRR summed per class. The per-month cost is then a handful of
passes over the ``(5, K, S)`` state plus a few dozen operations on ``(S,)`` and
``(4, S)`` arrays.

Every array carries cohorts and segments as its last two axes so that a
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
    ``joined_mrr`` / ``joined_accounts`` are what that month's new logos bring,
    so that a closing run-rate under ``timing: end`` can leave out logos signed
    after the period it closes (``csmodel.metrics.closing_mrr``).
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
    joined_mrr: np.ndarray
    joined_accounts: np.ndarray
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


_EVERY_INDEX = {name: _PERIOD_INDEX[months] for name, months in PERIODS.items()}


def _params(sc: Scenario) -> _Params:
    productive = sc.team.productive_hours
    rows = []
    for s in sc.segments.values():
        ch, co, ex, pi, nl = s.churn, s.contraction, s.expansion, s.price_increase, s.new_logos
        if s.meetings:  # as segment_hours_per_account
            hpa = float(s.hours_per_account or 0.0)
        elif s.accounts_per_csm:
            hpa = productive / s.accounts_per_csm
        else:
            hpa = 0.0
        joiners = nl.per_month * nl.onboarding_rate
        rows.append(
            (
                ch.rate,
                co.rate,
                ex.rate * ex.share,
                pi.rate * pi.share,
                _EVERY_INDEX[ch.every],
                _EVERY_INDEX[co.every],
                _EVERY_INDEX[ex.every],
                _EVERY_INDEX[pi.every],
                joiners * s.new_logo_acv / 12,
                joiners,
                nl.per_month,
                hpa,
                s.onboarding_hours,
                np.nan if s.csms is None else s.csms,
                s.accounts * s.acv / 12,
                s.accounts,
            )
        )
    a = np.array(rows, dtype=float).reshape(-1, 16).T
    return _Params(
        churn=a[0],
        contraction=a[1],
        expansion=a[2],
        price=a[3],
        period_index=a[4:8].astype(int),
        joiners_mrr=a[8],
        joiners_accounts=a[9],
        logos_signed=a[10],
        hours_per_account=a[11],
        onboarding_hours=a[12],
        csms=a[13],
        start_mrr=a[14],
        start_accounts=a[15],
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
    # Class of each cohort each month: how many of (month, quarter, year) are due.
    cls = _due_table(horizon, anchors, first_change).sum(axis=0)  # (H+1, K), 0..3
    # Per-class sums of the opening state, starting book (0-3) and new logos (4-7) apart.
    col = cls + 4 * (np.arange(n_coh) >= n_start)
    class_sum = (col[:, None, :] == np.arange(8)[None, :, None]).astype(float)  # (H+1, 8, K)
    # due[c, s]: is a movement of segment s with period index q due in class c (c > q).
    classes = np.arange(4)[:, None]
    m_churn, m_contr, m_exp, m_price = (
        (classes > p.period_index[i][None, :]).astype(float) for i in range(4)
    )
    price_rate = p.price * m_price  # (4, S)
    one_price = 1.0 + price_rate

    # State (5, K, S): MRR, accounts, and the trackers of the book that existed
    # when the current year began (see the year windows below).
    state = np.zeros((5, n_coh, n_seg))
    mrr, acc, ex_mrr, ex_gross, ex_acc = state
    mrr[:n_start] = p.start_mrr / n_start
    acc[:n_start] = p.start_accounts / n_start
    factors = np.empty((5, 4, n_seg))  # the same five, per class
    rates = np.empty((3, 4, n_seg))  # churn, contraction, expansion per class
    churn_rate, contr_rate, exp_rate = rates
    growth = np.empty((4, n_seg))  # 1 + expansion - churn - contraction
    priced = np.empty((4, n_seg))

    fte_per_account = p.hours_per_account / 12.0 / (sc.team.productive_hours / 12.0)
    onboarding_fte = [
        p.logos_signed * k * p.onboarding_hours / 3.0 / (sc.team.productive_hours / 12.0)
        for k in (1, 2, 3)
    ]
    # Coverage = min(1, csms / fte): unstaffed segments get inf (coverage 1), and
    # fmin maps 0 / 0 (no CSMs, no need) to 1 too.
    csms_or_inf = np.where(np.isnan(p.csms), np.inf, p.csms)
    staffed = ~np.isnan(p.csms)
    cs_sens = sc.understaffing.churn_sensitivity
    ex_sens = sc.understaffing.expansion_sensitivity
    joiners = p.joiners_accounts  # in the month's coverage, though added after its changes

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
            "joined_mrr",
            "joined_accounts",
        )
    }
    out["new"][:] = p.joiners_mrr
    n_years = horizon // 12
    y_open = np.zeros((n_years, n_seg))
    y_close = np.zeros((n_years, n_seg))
    y_gross = np.zeros((n_years, n_seg))
    y_open_acc = np.zeros((n_years, n_seg))
    y_close_acc = np.zeros((n_years, n_seg))

    window_open = 0 if start_timing else 1  # first month of change of year 1
    with np.errstate(divide="ignore", invalid="ignore"):
        for m in range(horizon + 1):
            r = n_start + (m % 12) if n_new else None
            # Year windows: twelve months of change each, starting at window_open.
            if (m - window_open) % 12 == 0 and (m - window_open) // 12 < n_years:
                ex_mrr[...] = mrr
                ex_acc[...] = acc
                if not start_timing and m > 0 and n_new:
                    # logos that joined last month belong to the new year, not the old book
                    prev = n_start + ((m - 1) % 12)
                    ex_mrr[prev] -= p.joiners_mrr
                    ex_acc[prev] -= p.joiners_accounts
                    np.maximum(ex_mrr, 0.0, out=ex_mrr)
                    np.maximum(ex_acc, 0.0, out=ex_acc)
                ex_gross[...] = ex_mrr
                y = (m - window_open) // 12
                y_open[y] = ex_mrr.sum(axis=0)
                y_open_acc[y] = ex_acc.sum(axis=0)

            # 1. New logos join. They take no change in the month they sign (DOMAIN 11.1:
            # their first movements come one full period later, under both timings), so
            # they are added to their cohort after this month's changes, below.
            sums = class_sum[m] @ state[:2]  # (2, 8, S): opening MRR and accounts by class
            mrr_c = sums[0, :4] + sums[0, 4:]
            acc_c = sums[1, :4] + sums[1, 4:]

            # Coverage: available CSM hours / hours the book needs this month.
            fte = (acc_c.sum(axis=0) + joiners) * fte_per_account + onboarding_fte[min(m, 2)]
            kappa = np.fmin(1.0, csms_or_inf / fte)
            gap = 1.0 - kappa
            churn_eff = np.minimum(1.0, p.churn * (1.0 + cs_sens * gap))
            exp_eff = p.expansion * np.maximum(0.0, 1.0 - ex_sens * gap)
            contr_eff = np.minimum(p.contraction, 1.0 - churn_eff)

            # 2. Due expansion, churn and contraction on the opening MRR, applied together;
            # 3. then a due price increase on the retained, expanded contract.
            np.multiply(churn_eff, m_churn, out=churn_rate)
            np.multiply(contr_eff, m_contr, out=contr_rate)
            np.multiply(exp_eff, m_exp, out=exp_rate)
            np.add(exp_rate, 1.0, out=growth)
            growth -= churn_rate
            growth -= contr_rate
            np.multiply(growth, one_price, out=factors[0])  # MRR
            np.subtract(1.0, churn_rate, out=factors[1])  # accounts
            factors[2] = factors[0]
            np.subtract(factors[1], contr_rate, out=factors[3])  # gross: churn, contraction
            factors[4] = factors[1]
            state *= np.take(factors, cls[m], axis=1)

            flows = (rates * mrr_c).sum(axis=1)
            out["churn"][m], out["contraction"][m], out["expansion"][m] = flows
            np.multiply(growth, price_rate, out=priced)
            priced *= mrr_c
            out["price_increase"][m] = priced.sum(axis=0)
            book = (sums[0, :4] * factors[0]).sum(axis=0)
            total = (sums[0, 4:] * factors[0]).sum(axis=0) + book
            accounts = (acc_c * factors[1]).sum(axis=0)

            if n_new:
                mrr[r] += p.joiners_mrr
                acc[r] += p.joiners_accounts
                total += p.joiners_mrr
                accounts += p.joiners_accounts
                out["joined_mrr"][m] = p.joiners_mrr
                out["joined_accounts"][m] = p.joiners_accounts

            # 4. The month's revenue is the resulting MRR.
            out["mrr"][m] = total
            out["accounts"][m] = accounts
            out["coverage"][m] = kappa
            out["fte_required"][m] = fte
            out["starting_book_mrr"][m] = book

            if (m - window_open + 1) % 12 == 0 and 0 <= (m - window_open + 1) // 12 - 1 < n_years:
                y = (m - window_open + 1) // 12 - 1
                y_close[y] = ex_mrr.sum(axis=0)
                y_gross[y] = ex_gross.sum(axis=0)
                y_close_acc[y] = ex_acc.sum(axis=0)

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
