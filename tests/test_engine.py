"""The revenue engine (DOMAIN.md 4) and capacity (5.1, 5.3) against closed forms.

Each expected value is computed here from the contract's formulas (geometric
series, per-cohort renewal counts), never copied from csmodel's output.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from dataclasses import FrozenInstanceError
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import SCENARIOS, scenario_from
from hypothesis import given
from hypothesis import strategies as st

from csmodel.engine import project
from csmodel.loader import load_scenario
from csmodel.metrics import periods, yearly

CENT = 0.005
LENGTH = {"month": 1, "quarter": 3, "year": 12}
MOVEMENTS = ("new", "expansion", "price_increase", "contraction", "churn")


def one_segment(
    *,
    horizon: int = 36,
    timing: str = "end",
    renewals: str = "aligned",
    accounts: int = 10,
    acv: float = 12_000,
    extra: str = "",
    top: str = "",
):
    """A one-segment scenario named ``s``; ``extra`` holds more segment keys (4-space indent)."""
    text = (
        f"name: t\nhorizon_months: {horizon}\ntiming: {timing}\nrenewals: {renewals}\n{top}"
        f"segments:\n  s:\n    accounts: {accounts}\n    acv: {acv}\n"
    )
    lines = textwrap.dedent(extra).splitlines()
    text += "".join(f"    {line}\n" for line in lines if line.strip())
    return scenario_from(text)


def changes(m: int, length: int, timing: str, join: int | None = None) -> int:
    """How many times a movement of period ``length`` has landed on a cohort by month ``m``.

    The cohort is the aligned starting book (``join=None``, anchor 0) or new logos
    of month ``join`` (anchor ``join``). The starting book's first change is one
    full period after the anchor under ``end`` and at the anchor itself under
    ``start``; new logos' first change is one full period after they sign under
    both timings (DOMAIN 11.1).
    """
    if join is not None:
        return 0 if m < join else (m - join) // length
    if m < 0:
        return 0
    return m // length + (1 if timing == "start" else 0)


# --- single movements: geometric series -----------------------------------------


@pytest.mark.parametrize("timing", ["end", "start"])
@pytest.mark.parametrize("every", ["month", "quarter", "year"])
def test_expansion_only_is_a_geometric_series(every, timing):
    r, mrr0, h = 0.05, 10 * 12_000 / 12, 36
    pr = project(one_segment(timing=timing, extra=f"expansion: {{rate: {r}, every: {every}}}"))
    n = LENGTH[every]
    expected = np.array([mrr0 * (1 + r) ** changes(m, n, timing) for m in range(h + 1)])
    assert pr.mrr[:, 0] == pytest.approx(expected, rel=1e-12)
    assert pr.metrics["total_revenue"] == pytest.approx(expected[:h].sum(), abs=CENT)
    assert pr.metrics["flat_revenue"] == pytest.approx(mrr0 * h, abs=CENT)
    # exit ARR (DOMAIN 11.1): under `end` month H's end-of-month change counts (billed
    # from month H + 1); under `start` it is 12 x month H's MRR
    exit_month = h if timing == "end" else h - 1
    assert pr.metrics["ending_arr"] == pytest.approx(12 * expected[exit_month], abs=CENT)
    # expansion is booked in exactly the due months, as r x the opening MRR
    opening = np.concatenate([[mrr0], expected[:-1]])
    due = np.array([changes(m, n, timing) > changes(m - 1, n, timing) for m in range(h + 1)])
    assert pr.expansion[:, 0] == pytest.approx(np.where(due, r * opening, 0.0), abs=1e-9)
    assert pr.accounts[:, 0] == pytest.approx(np.full(h + 1, 10.0))


def test_expansion_total_closed_form_monthly_end():
    # 10,000 MRR, 1% a month, timing end: sum of 10,000 x 1.01^m for m = 0..35
    pr = project(one_segment(extra="expansion: {rate: 1%, every: month}"))
    assert pr.metrics["total_revenue"] == pytest.approx(10_000 * (1.01**36 - 1) / 0.01, abs=CENT)


@pytest.mark.parametrize("timing", ["end", "start"])
@pytest.mark.parametrize("every", ["month", "quarter", "year"])
def test_churn_only_decays_accounts_and_mrr(every, timing):
    c, h = 0.10, 36
    pr = project(
        one_segment(timing=timing, accounts=100, extra=f"churn: {{rate: {c}, every: {every}}}")
    )
    n = LENGTH[every]
    factor = np.array([(1 - c) ** changes(m, n, timing) for m in range(h + 1)])
    assert pr.accounts[:, 0] == pytest.approx(100 * factor, rel=1e-12)
    assert pr.mrr[:, 0] == pytest.approx(100_000 * factor, rel=1e-12)
    assert pr.metrics["total_revenue"] == pytest.approx(100_000 * factor[:h].sum(), abs=CENT)
    assert pr.metrics["logo_retention"] == pytest.approx((1 - c) ** (12 // n), rel=1e-12)


def test_order_of_movements_within_a_month():
    """Expansion, churn and contraction on the opening MRR together; then the price increase."""
    e, c, d, p = 0.10, 0.05, 0.03, 0.04
    pr = project(
        one_segment(
            accounts=100,
            extra=f"""
            expansion: {{rate: {e}}}
            churn: {{rate: {c}}}
            contraction: {{rate: {d}}}
            price_increase: {{rate: {p}}}
            """,
        )
    )
    mrr0 = 100_000.0
    yearly_factor = (1 + e - c - d) * (1 + p)  # 1.0608
    expected = [mrr0 * yearly_factor ** (m // 12) for m in range(37)]
    assert pr.mrr[:, 0] == pytest.approx(expected, rel=1e-12)
    # the first renewal (month 12) books each movement on the opening MRR ...
    assert pr.expansion[12, 0] == pytest.approx(e * mrr0, rel=1e-12)
    assert pr.churn[12, 0] == pytest.approx(c * mrr0, rel=1e-12)
    assert pr.contraction[12, 0] == pytest.approx(d * mrr0, rel=1e-12)
    # ... and the price increase on the retained, expanded contract
    assert pr.price_increase[12, 0] == pytest.approx(p * (1 + e - c - d) * mrr0, rel=1e-12)
    assert pr.accounts[12, 0] == pytest.approx(95.0, rel=1e-12)
    assert pr.metrics["total_revenue"] == pytest.approx(
        12 * mrr0 * (1 + yearly_factor + yearly_factor**2), abs=CENT
    )


def test_share_gives_rate_times_share():
    pr = project(
        one_segment(
            extra="""
            expansion: {rate: 8%, share: 25%}
            price_increase: {rate: 6%, share: 50%}
            """
        )
    )
    g = (1 + 0.08 * 0.25) * (1 + 0.06 * 0.5)  # 1.02 x 1.03
    assert pr.metrics["total_revenue"] == pytest.approx(120_000 * (1 + g + g**2), abs=CENT)


# --- renewals: aligned vs spread ----------------------------------------------------


def spread_total(mrr0: float, rate: float, timing: str, h: int = 36) -> float:
    """Revenue of 12 cohorts (anchors 0, -1, ..., -11) each growing ``rate`` at its renewals."""
    first = 0 if timing == "start" else 1
    total = 0.0
    for k in range(12):
        renewals = [m for m in range(first, h) if (m + k) % 12 == 0]
        total += sum(mrr0 / 12 * (1 + rate) ** sum(r <= m for r in renewals) for m in range(h))
    return total


@pytest.mark.parametrize("timing", ["end", "start"])
def test_spread_renewals_with_annual_movements(timing):
    e = 0.12
    aligned = project(one_segment(timing=timing, extra=f"expansion: {{rate: {e}}}"))
    spread = project(
        one_segment(timing=timing, renewals="spread", extra=f"expansion: {{rate: {e}}}")
    )
    assert spread.metrics["total_revenue"] == pytest.approx(
        spread_total(10_000, e, timing), abs=CENT
    )
    assert spread.metrics["total_revenue"] != pytest.approx(
        aligned.metrics["total_revenue"], abs=1.0
    )
    # every cohort renews exactly once in its first twelve months of change
    assert spread.metrics["nrr"] == pytest.approx(1 + e, rel=1e-12)
    assert aligned.metrics["nrr"] == pytest.approx(1 + e, rel=1e-12)


@pytest.mark.parametrize("timing", ["end", "start"])
def test_spread_equals_aligned_when_every_movement_is_monthly(timing):
    extra = """
    churn: {rate: 1%, every: month}
    contraction: {rate: 0.5%, every: month}
    expansion: {rate: 2%, every: month, share: 50%}
    price_increase: {rate: 0.3%, every: month}
    """
    a = project(one_segment(timing=timing, extra=extra))
    s = project(one_segment(timing=timing, renewals="spread", extra=extra))
    assert s.mrr == pytest.approx(a.mrr, rel=1e-12)
    assert s.metrics["total_revenue"] == pytest.approx(a.metrics["total_revenue"], abs=CENT)


# --- new logos ----------------------------------------------------------------------


NEW_LOGOS = "new_logos: {per_month: 2, acv: 24000, onboarding_rate: 50%}"
JOINERS, JOINER_MRR = 2 * 0.5, 2 * 0.5 * 24_000 / 12  # 1 account and 2,000 MRR a month


@pytest.mark.parametrize("timing", ["end", "start"])
def test_new_logos_without_movements_are_flat(timing):
    h = 36
    pr = project(one_segment(timing=timing, extra=NEW_LOGOS))
    months = np.arange(h + 1)
    assert pr.mrr[:, 0] == pytest.approx(10_000 + JOINER_MRR * (months + 1), rel=1e-12)
    assert pr.accounts[:, 0] == pytest.approx(10 + JOINERS * (months + 1), rel=1e-12)
    assert pr.new[:h, 0] == pytest.approx(np.full(h, JOINER_MRR))
    flat = 10_000 * h + sum(JOINER_MRR * (h - j) for j in range(h))
    assert pr.metrics["flat_revenue"] == pytest.approx(flat, abs=CENT)
    assert pr.metrics["total_revenue"] == pytest.approx(flat, abs=CENT)
    assert pr.metrics["uplift"] == pytest.approx(0.0, abs=CENT)


@pytest.mark.parametrize("timing", ["end", "start"])
@pytest.mark.parametrize("every", ["month", "quarter", "year"])
def test_new_logo_cohorts_change_from_their_own_anchor(every, timing):
    r, h = 0.05, 36
    n = LENGTH[every]
    pr = project(
        one_segment(timing=timing, extra=f"expansion: {{rate: {r}, every: {every}}}\n{NEW_LOGOS}")
    )
    expected = [
        10_000 * (1 + r) ** changes(m, n, timing)
        + sum(JOINER_MRR * (1 + r) ** changes(m, n, timing, join=j) for j in range(m + 1))
        for m in range(h + 1)
    ]
    assert pr.mrr[:, 0] == pytest.approx(expected, rel=1e-12)
    flat = 10_000 * h + sum(JOINER_MRR * (h - j) for j in range(h))
    assert pr.metrics["flat_revenue"] == pytest.approx(flat, abs=CENT)
    assert pr.metrics["uplift"] == pytest.approx(sum(expected[:h]) - flat, abs=CENT)


def test_new_logos_do_not_enter_the_starting_book_metrics():
    base = project(one_segment(extra="expansion: {rate: 6%}\nchurn: {rate: 3%}"))
    grown = project(one_segment(extra=f"expansion: {{rate: 6%}}\nchurn: {{rate: 3%}}\n{NEW_LOGOS}"))
    for key in ("nrr", "grr", "logo_retention", "revenue_per_account", "clv"):
        assert grown.metrics[key] == pytest.approx(base.metrics[key], rel=1e-12), key
    assert grown.metrics["nrr"] == pytest.approx(1.03, rel=1e-12)


# --- reconciliation on every shipped scenario ---------------------------------------


SHIPPED = sorted(SCENARIOS.glob("**/*.yaml"))


def shipped_id(path: Path) -> str:
    return str(path.relative_to(SCENARIOS))


@pytest.mark.parametrize("path", SHIPPED, ids=shipped_id)
def test_movements_reconcile_every_month(path):
    pr = project(load_scenario(path))
    previous = np.concatenate([pr.starting_mrr[None, :], pr.mrr[:-1]])
    flows = pr.new + pr.expansion + pr.price_increase - pr.contraction - pr.churn
    assert pr.mrr == pytest.approx(previous + flows, rel=1e-9)


@pytest.mark.parametrize("by", ["month", "quarter", "year"])
@pytest.mark.parametrize("path", SHIPPED, ids=shipped_id)
def test_period_rows_reconcile_and_sum_to_total(path, by):
    pr = project(load_scenario(path))
    h = pr.horizon
    for segment in [None, *range(len(pr.segments))]:
        rows = periods(pr, by, segment)
        if pr.scenario.start is None:
            assert len(rows) == math.ceil(h / LENGTH[by])
        # the periods cut the horizon into consecutive months, none left out
        assert [r["month_start"] for r in rows] == [1] + [r["month"] + 1 for r in rows[:-1]]
        assert rows[-1]["month"] == h
        for row in rows:
            flows = (
                row["new"]
                + row["expansion"]
                + row["price_increase"]
                - row["contraction"]
                - row["churn"]
            )
            assert row["opening_mrr"] + flows == pytest.approx(row["closing_mrr"], rel=1e-9)
            assert 12 * row["closing_mrr"] == pytest.approx(row["ending_arr"], rel=1e-12)
        for before, after in itertools.pairwise(rows):
            assert after["opening_mrr"] == pytest.approx(before["closing_mrr"], rel=1e-12)
        total = pr.metrics if segment is None else pr.segment_metrics[pr.segments[segment]]
        assert sum(r["revenue"] for r in rows) == pytest.approx(total["total_revenue"], rel=1e-9)
        assert rows[-1]["ending_arr"] == pytest.approx(total["ending_arr"], rel=1e-12)


@pytest.mark.parametrize("path", SHIPPED, ids=shipped_id)
def test_segments_add_up_to_the_book(path):
    pr = project(load_scenario(path))
    for key in ("total_revenue", "flat_revenue", "uplift", "starting_arr", "ending_arr"):
        parts = sum(m[key] for m in pr.segment_metrics.values())
        assert pr.metrics[key] == pytest.approx(parts, rel=1e-9), key


@pytest.mark.parametrize("path", SHIPPED, ids=shipped_id)
def test_results_are_identical_across_runs(path):
    a, b = project(load_scenario(path)), project(load_scenario(path))
    assert a.metrics == b.metrics
    assert np.array_equal(a.mrr, b.mrr)
    assert np.array_equal(a.coverage, b.coverage)


# --- capacity and understaffing (5.1, 5.3) --------------------------------------------

# hours_per_account = 10 x (1 + 1) = 20 h; productive hours = 2000 x 50% = 1000 h:
# 100 accounts need 100 x 20 / 1000 = 2 FTE, and 50 accounts per CSM.
TEAM = "team: {hours_per_year: 2000, productivity: 50%, cost_per_csm: 120000}\n"
MEETINGS = """
meetings:
  review: {per_year: 10, hours: 1, prep_hours: 1}
"""


def staffed(*, csms, cs=1.0, es=1.0, extra="", top_extra="", **kw):
    top = (
        TEAM
        + top_extra
        + f"understaffing: {{churn_sensitivity: {cs}, expansion_sensitivity: {es}}}\n"
    )
    csms_line = "" if csms is None else f"csms: {csms}\n"
    return one_segment(accounts=100, top=top, extra=csms_line + MEETINGS + extra, **kw)


def test_hours_per_account_and_accounts_per_csm():
    pr = project(staffed(csms=None))
    assert pr.hours_per_account[0] == pytest.approx(20.0)
    assert pr.metrics["accounts_per_csm"] == pytest.approx(50.0)
    assert pr.fte_required[:, 0] == pytest.approx(np.full(37, 2.0))
    assert pr.metrics["csms_required"] == pytest.approx(2.0)
    assert pr.metrics["csms_recommended"] == 2


def test_half_staffed_expansion_is_suppressed_by_the_gap():
    e, es = 0.02, 0.5
    pr = project(staffed(csms=1, cs=2.0, es=es, extra=f"expansion: {{rate: {e}, every: month}}"))
    assert pr.coverage[:, 0] == pytest.approx(np.full(37, 0.5))
    e_eff = e * max(0.0, 1 - es * 0.5)  # 1.5% a month
    assert pr.mrr[:, 0] == pytest.approx([100_000 * (1 + e_eff) ** m for m in range(37)], rel=1e-12)
    assert pr.metrics["coverage"] == pytest.approx(0.5)


def test_half_staffed_churn_is_raised_by_the_gap():
    e, c, cs, es, h = 0.02, 0.10, 2.0, 0.5, 24
    pr = project(
        staffed(
            csms=1,
            cs=cs,
            es=es,
            horizon=h,
            extra=f"expansion: {{rate: {e}, every: month}}\nchurn: {{rate: {c}}}",
        )
    )
    e_eff = e * (1 - es * 0.5)
    c_eff = c * (1 + cs * 0.5)  # 20%
    # accounts stay at 100 (coverage 0.5) until the first renewal, month 12
    assert pr.coverage[:13, 0] == pytest.approx(np.full(13, 0.5))
    assert pr.mrr[11, 0] == pytest.approx(100_000 * (1 + e_eff) ** 11, rel=1e-12)
    assert pr.mrr[12, 0] == pytest.approx(pr.mrr[11, 0] * (1 + e_eff - c_eff), rel=1e-12)
    assert pr.accounts[12, 0] == pytest.approx(100 * (1 - c_eff), rel=1e-12)
    # 80 accounts need 1.6 FTE: coverage 1 / 1.6 from month 13
    kappa = 1 / 1.6
    assert pr.coverage[13, 0] == pytest.approx(kappa, rel=1e-12)
    e_13 = e * (1 - es * (1 - kappa))
    assert pr.mrr[13, 0] == pytest.approx(pr.mrr[12, 0] * (1 + e_13), rel=1e-12)


def test_expansion_suppression_floors_at_zero():
    pr = project(staffed(csms=1, es=3.0, extra="expansion: {rate: 5%, every: month}"))
    # 1 - 3 x 0.5 < 0: no expansion at all, never negative expansion
    assert pr.mrr[:, 0] == pytest.approx(np.full(37, 100_000.0))
    assert (pr.expansion >= 0).all()


def test_effective_churn_is_capped_at_100_percent():
    pr = project(
        staffed(
            csms=1,
            cs=1.0,
            timing="start",
            extra="churn: {rate: 80%}\ncontraction: {rate: 20%}",
        )
    )
    # 80% x (1 + 0.5) = 120% -> 100%; contraction then has nothing left to take
    assert pr.mrr[0, 0] == pytest.approx(0.0, abs=1e-9)
    assert pr.accounts[0, 0] == pytest.approx(0.0, abs=1e-12)
    assert (pr.mrr >= -1e-9).all()


def test_without_sensitivity_revenue_does_not_depend_on_csms():
    extra = "expansion: {rate: 3%, every: month}\nchurn: {rate: 2%, every: month}"
    totals = [
        project(staffed(csms=csms, cs=0, es=0, extra=extra)).metrics["total_revenue"]
        for csms in (0.2, 1, 2, 10)
    ]
    unstaffed = project(staffed(csms=None, extra=extra)).metrics["total_revenue"]
    assert totals == pytest.approx([unstaffed] * 4, abs=CENT)


@given(csms=st.floats(min_value=0, max_value=20, allow_nan=False))
def test_coverage_is_between_0_and_1(csms):
    pr = project(
        staffed(csms=round(csms, 3), extra=f"churn: {{rate: 2%, every: month}}\n{NEW_LOGOS}")
    )
    assert (pr.coverage >= 0).all()
    assert (pr.coverage <= 1).all()


def test_fully_staffed_has_coverage_1():
    pr = project(staffed(csms=5, extra="churn: {rate: 2%, every: month}"))
    assert pr.coverage == pytest.approx(np.ones_like(pr.coverage))


@pytest.mark.parametrize("timing", ["end", "start"])
def test_onboarding_load_of_new_logos(timing):
    # 3 logos signed a month, 50% survive onboarding; 12 onboarding hours each over 3 months
    pr = project(
        staffed(
            csms=None,
            timing=timing,
            extra="new_logos: {per_month: 3, onboarding_rate: 50%}\nonboarding_hours: 12",
        )
    )
    monthly_capacity = 1000 / 12
    for m in range(37):
        accounts = 100 + 3 * 0.5 * (m + 1)  # opening accounts include this month's joiners
        need = accounts * 20 / 12 + 3 * min(m + 1, 3) * 12 / 3
        assert pr.fte_required[m, 0] == pytest.approx(need / monthly_capacity, rel=1e-12), m


def test_top_down_accounts_per_csm():
    pr = project(
        one_segment(
            accounts=120, top=TEAM, extra="accounts_per_csm: 40\ncsms: 2\nchurn: {rate: 5%}"
        )
    )
    assert pr.fte_required[:12, 0] == pytest.approx(np.full(12, 3.0))
    assert pr.coverage[:12, 0] == pytest.approx(np.full(12, 2 / 3))
    assert pr.metrics["accounts_per_csm"] == pytest.approx(40.0)


# --- retention metrics ------------------------------------------------------------------


@pytest.mark.parametrize("timing", ["end", "start"])
def test_annual_nrr_grr_logo_retention(timing):
    e, c, d, p = 0.10, 0.05, 0.03, 0.04
    pr = project(
        one_segment(
            timing=timing,
            extra=f"""
            expansion: {{rate: {e}}}
            churn: {{rate: {c}}}
            contraction: {{rate: {d}}}
            price_increase: {{rate: {p}}}
            """,
        )
    )
    m = pr.metrics
    assert m["nrr"] == pytest.approx((1 + e - c - d) * (1 + p), rel=1e-12)
    assert m["grr"] == pytest.approx(1 - c - d, rel=1e-12)
    assert m["logo_retention"] == pytest.approx(1 - c, rel=1e-12)
    for row in yearly(pr):
        assert row["nrr"] == pytest.approx((1 + e - c - d) * (1 + p), rel=1e-12)
        assert row["grr"] == pytest.approx(1 - c - d, rel=1e-12)


@pytest.mark.parametrize("timing", ["end", "start"])
def test_monthly_nrr_compounds_twelve_times(timing):
    e, c = 0.02, 0.01
    pr = project(
        one_segment(
            timing=timing,
            extra=f"expansion: {{rate: {e}, every: month}}\nchurn: {{rate: {c}, every: month}}",
        )
    )
    g = 1 + e - c
    assert pr.metrics["nrr"] == pytest.approx(g**12, rel=1e-12)
    # GRR counts the churn on the MRR it actually removed (DOMAIN 11.1): c x the
    # opening MRR of each month, which grows by g a month: c x (g^12 - 1) / (g - 1)
    assert pr.metrics["grr"] == pytest.approx(1 - c * (g**12 - 1) / (g - 1), rel=1e-12)
    assert pr.metrics["logo_retention"] == pytest.approx((1 - c) ** 12, rel=1e-12)


@pytest.mark.parametrize("timing", ["end", "start"])
def test_retention_is_undefined_under_12_months(timing):
    pr = project(one_segment(horizon=11, timing=timing, extra="churn: {rate: 1%, every: month}"))
    assert pr.metrics["nrr"] is None
    assert pr.metrics["grr"] is None
    assert pr.metrics["logo_retention"] is None
    assert [row["nrr"] for row in yearly(pr)] == [None]


@pytest.mark.parametrize("timing", ["end", "start"])
def test_retention_is_defined_at_exactly_12_months(timing):
    pr = project(one_segment(horizon=12, timing=timing, extra="churn: {rate: 5%}"))
    assert pr.metrics["grr"] == pytest.approx(0.95, rel=1e-12)


# --- money metrics ------------------------------------------------------------------------


def test_csm_cost_and_gross_profit_when_staffed():
    h = 36
    pr = project(
        staffed(
            csms=3,
            top_extra="economics: {cost_to_serve: 20%, cac_per_logo: 5000}\n",
            extra="new_logos: {per_month: 2}\nchurn: {rate: 1%, every: month}",
        )
    )
    m = pr.metrics
    csm_cost = 3 * 120_000 / 12 * h
    assert m["csm_cost"] == pytest.approx(csm_cost, abs=CENT)
    expected_gp = m["total_revenue"] * (1 - 0.20) - csm_cost - 5000 * 2 * h
    assert m["gross_profit"] == pytest.approx(expected_gp, abs=CENT)


def test_csm_cost_when_not_staffed_is_required_fte():
    pr = project(staffed(csms=None))
    assert pr.metrics["csm_cost"] == pytest.approx(2.0 * 120_000 / 12 * 36, abs=CENT)


def test_clv_without_discount_is_revenue_per_account_after_cost_to_serve():
    pr = project(one_segment(extra=f"expansion: {{rate: 6%}}\n{NEW_LOGOS}"))
    m = pr.metrics
    per_account = 12_000 * (1 + 1.06 + 1.06**2)  # the starting book only, per account
    assert m["revenue_per_account"] == pytest.approx(per_account, abs=CENT)
    assert m["clv"] == pytest.approx(per_account * (1 - 0.15), abs=CENT)


def test_clv_is_discounted_monthly():
    pr = project(one_segment(top="discount_rate: 10%\n"))
    expected = sum(1000 * 0.85 * 1.10 ** (-m / 12) for m in range(36))
    assert pr.metrics["clv"] == pytest.approx(expected, abs=CENT)


def test_ending_arr_is_12_times_mrr_of_month_h():
    pr = project(one_segment(extra="expansion: {rate: 6%}"))
    assert pr.metrics["starting_arr"] == pytest.approx(120_000, abs=CENT)
    assert pr.metrics["ending_arr"] == pytest.approx(120_000 * 1.06**3, abs=CENT)


# --- the Projection is immutable ------------------------------------------------------------


def test_projection_arrays_are_read_only():
    pr = project(one_segment(extra=f"expansion: {{rate: 6%}}\n{NEW_LOGOS}"))
    for name in ("mrr", "accounts", "coverage", "fte_required", "csm_cost", *MOVEMENTS):
        array = getattr(pr, name)
        with pytest.raises(ValueError):
            array[0, 0] = 1.0
    with pytest.raises(ValueError):
        pr.starting_mrr[0] = 1.0
    with pytest.raises(FrozenInstanceError):
        pr.horizon = 1  # type: ignore[misc]


# --- properties ----------------------------------------------------------------------------

RATE = st.floats(min_value=0, max_value=0.3, allow_nan=False).map(lambda x: round(x, 4))
EVERY = st.sampled_from(["month", "quarter", "year"])


@st.composite
def segments(draw, staffing: bool = True):
    seg = {
        "accounts": draw(st.integers(0, 500)),
        "acv": draw(st.integers(1_000, 200_000)),
        "churn": {"rate": draw(RATE), "every": draw(EVERY)},
        "contraction": {"rate": draw(RATE), "every": draw(EVERY)},
        "expansion": {
            "rate": draw(RATE),
            "every": draw(EVERY),
            "share": draw(st.sampled_from([1, 0.5, 0.25])),
        },
        "price_increase": {"rate": draw(RATE), "every": draw(EVERY)},
        "new_logos": {
            "per_month": draw(st.sampled_from([0, 0, 1, 2.5])),
            "onboarding_rate": draw(st.sampled_from([1, 0.8])),
        },
        "onboarding_hours": draw(st.sampled_from([0, 10])),
        "meetings": {"review": {"per_year": draw(st.integers(1, 24)), "hours": 1.5}},
    }
    if staffing and draw(st.booleans()):
        seg["csms"] = draw(st.integers(0, 8))
    return seg


@st.composite
def scenarios(draw, staffing: bool = True):
    return {
        "name": "generated",
        "horizon_months": draw(st.sampled_from([1, 7, 12, 13, 24, 36])),
        "timing": draw(st.sampled_from(["end", "start"])),
        "renewals": draw(st.sampled_from(["aligned", "spread"])),
        "segments": {f"s{i}": draw(segments(staffing)) for i in range(draw(st.integers(1, 3)))},
    }


def build(data: dict):
    return scenario_from(yaml.safe_dump(data))


@given(scenarios())
def test_property_movements_reconcile(data):
    pr = project(build(data))
    previous = np.concatenate([pr.starting_mrr[None, :], pr.mrr[:-1]])
    flows = pr.new + pr.expansion + pr.price_increase - pr.contraction - pr.churn
    assert pr.mrr == pytest.approx(previous + flows, rel=1e-9, abs=1e-6)
    for row in periods(pr, "quarter"):
        flows = row["new"] + row["expansion"] + row["price_increase"]
        flows -= row["contraction"] + row["churn"]
        assert row["opening_mrr"] + flows == pytest.approx(row["closing_mrr"], rel=1e-9, abs=1e-6)


@given(scenarios())
def test_property_retention_bounds(data):
    pr = project(build(data))
    m = pr.metrics
    if m["grr"] is not None:
        assert m["grr"] <= 1 + 1e-12
        assert m["logo_retention"] <= 1 + 1e-12
    assert (pr.coverage <= 1).all()
    assert (pr.coverage >= 0).all()
    assert (pr.mrr >= -1e-9).all()


@given(scenarios())
def test_property_zero_change_stays_flat(data):
    for seg in data["segments"].values():
        for mv in ("churn", "contraction", "expansion", "price_increase"):
            seg[mv]["rate"] = 0
    m = project(build(data)).metrics
    assert m["total_revenue"] == pytest.approx(m["flat_revenue"], rel=1e-12, abs=1e-6)


@given(scenarios())
def test_property_doubling_the_book_doubles_revenue(data):
    doubled = yaml.safe_load(yaml.safe_dump(data))
    for seg in doubled["segments"].values():
        seg["accounts"] *= 2
        seg["new_logos"]["per_month"] *= 2
        if "csms" in seg:
            seg["csms"] *= 2
    a, b = project(build(data)), project(build(doubled))
    assert b.mrr == pytest.approx(2 * a.mrr, rel=1e-9, abs=1e-6)
    assert b.metrics["total_revenue"] == pytest.approx(
        2 * a.metrics["total_revenue"], rel=1e-9, abs=1e-6
    )


@given(scenarios(staffing=False), st.floats(min_value=0.001, max_value=0.2))
def test_property_more_churn_never_raises_revenue(data, more):
    worse = yaml.safe_load(yaml.safe_dump(data))
    for seg in worse["segments"].values():
        rate = seg["churn"]["rate"] + more
        seg["churn"]["rate"] = round(min(rate, 1 - seg["contraction"]["rate"]), 4)
    a, b = project(build(data)), project(build(worse))
    assert b.metrics["total_revenue"] <= a.metrics["total_revenue"] + 1e-6
