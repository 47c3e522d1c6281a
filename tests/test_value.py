"""Lifetime value, new-logo value, LTV:CAC and CAC payback against closed forms (DOMAIN 11.3)."""

from __future__ import annotations

import pytest

from csmodel.engine import project
from csmodel.value import values
from tests.conftest import scenario_from

ACV = 12_000.0
CTS = 0.15


def plan(movements: str, *, timing: str = "end", horizon: int = 36, d: float = 0.0, cac=0):
    return project(
        scenario_from(
            f"name: v\nhorizon_months: {horizon}\ntiming: {timing}\ndiscount_rate: {d}\n"
            f"economics: {{cost_to_serve: {CTS}, cac_per_logo: {cac}}}\n"
            f"segments:\n  s:\n    accounts: 10\n    acv: {ACV}\n"
            f"    new_logos: {{per_month: 0, acv: 24000, onboarding_rate: 50%}}\n"
            + "".join(f"    {line}\n" for line in movements.splitlines() if line.strip())
        )
    )


def seg(pr):
    """The segment's figures; the book's must be the same (one segment)."""
    got = pr.segment_metrics["s"]
    for key in VALUE_IDS:
        assert pr.metrics[key] == got[key], key
    return got


VALUE_IDS = (
    "lifetime_value",
    "new_logo_value",
    "ltv_to_cac",
    "cac_payback_months",
    "new_logos_to_match",
    "acquisition_cost_avoided",
)


LENGTH = {"month": 1, "quarter": 3, "year": 12}


@pytest.mark.parametrize("every", ["month", "quarter", "year"])
@pytest.mark.parametrize("timing", ["end", "start"])
@pytest.mark.parametrize("d", [0.0, 0.1])
@pytest.mark.parametrize("horizon", [12, 36, 25])
def test_lifetime_value_of_constant_churn_is_a_geometric_series(every, timing, d, horizon):
    c, n = 0.2, LENGTH[every]
    v = (1 + d) ** (-1 / 12)
    # MRR of month t (0-based) is acv/12 x (1 - c)^(changes by t): under end the k-th
    # change lands at t = k n, under start at t = (k - 1) n.
    shift = 1 if timing == "start" else 0
    per_cycle = sum(v**j for j in range(n))  # the n months between changes
    expected = (1 - CTS) * ACV / 12 * per_cycle * (1 - c) ** shift / (1 - (1 - c) * v**n)
    pr = plan(f"churn: {{rate: {c}, every: {every}}}", timing=timing, d=d, horizon=horizon)
    assert seg(pr)["lifetime_value"] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("every", ["month", "quarter", "year"])
def test_lifetime_value_with_expansion_and_price_increase(every):
    e, c, p, d, n = 0.05, 0.15, 0.03, 0.08, LENGTH[every]
    v = (1 + d) ** (-1 / 12)
    g = (1 + e - c) * (1 + p)
    expected = (1 - CTS) * ACV / 12 * sum(v**j for j in range(n)) / (1 - g * v**n)
    pr = plan(
        f"churn: {{rate: {c}, every: {every}}}\nexpansion: {{rate: {e}, every: {every}}}\n"
        f"price_increase: {{rate: {p}, every: {every}}}",
        d=d,
    )
    assert seg(pr)["lifetime_value"] == pytest.approx(expected, rel=1e-9)


def test_diverging_lifetime_value_is_none_with_the_reason():
    pr = plan("churn: {rate: 2%}\nexpansion: {rate: 10%}")
    assert seg(pr)["lifetime_value"] is None
    assert "does not converge" in values(pr).reasons["lifetime_value"]
    # a discount rate above the growth makes it converge again
    assert seg(plan("churn: {rate: 2%}\nexpansion: {rate: 10%}", d=0.2))["lifetime_value"] > 0


@pytest.mark.parametrize("every", ["month", "quarter", "year"])
def test_new_logo_value_ltv_to_cac_and_payback(every):
    c, n, cac = 0.25, LENGTH[every], 9_000
    mrr = 0.5 * 24_000 / 12  # onboarding rate x new-logo ACV / 12
    # the logo's first change comes one full period after it signs
    expected = (1 - CTS) * mrr * n / c
    pr = plan(f"churn: {{rate: {c}, every: {every}}}", cac=cac)
    got = seg(pr)
    assert got["new_logo_value"] == pytest.approx(expected, rel=1e-9)
    assert got["ltv_to_cac"] == pytest.approx(expected / cac, rel=1e-9)
    assert got["cac_payback_months"] == pytest.approx(cac / (mrr * (1 - CTS)), rel=1e-12)


def test_without_cac_the_ratios_are_none_and_say_why():
    pr = plan("churn: {rate: 10%}")
    assert seg(pr)["ltv_to_cac"] is None
    assert seg(pr)["cac_payback_months"] is None
    assert values(pr).reasons["ltv_to_cac"] == "cac_per_logo is 0"


def test_new_logos_to_match_and_acquisition_cost_avoided():
    # 10 accounts x $1,000 MRR, +10% at month 13 and 25 (end): uplift over 36 months
    pr = plan("expansion: {rate: 10%}", cac=5_000)
    uplift = 10 * 1_000 * (12 * 0.1 + 12 * 0.21)
    assert pr.metrics["uplift"] == pytest.approx(uplift, rel=1e-12)
    # one logo signed in month 1: $1,000 MRR, +10% at month 13 and 25 (one period after)
    logo = 1_000 * (12 + 12 * 1.1 + 12 * 1.21)
    got = seg(pr)
    assert got["new_logos_to_match"] == pytest.approx(uplift / logo, rel=1e-12)
    assert got["acquisition_cost_avoided"] == pytest.approx(uplift / logo * 5_000, rel=1e-12)


def test_book_values_weigh_segments_by_accounts_and_logos():
    pr = project(
        scenario_from(
            "name: two\neconomics: {cost_to_serve: 15%, cac_per_logo: 6000}\n"
            "segments:\n"
            "  a: {accounts: 30, acv: 12000, churn: {rate: 20%},"
            " new_logos: {per_month: 1, acv: 12000}}\n"
            "  b: {accounts: 10, acv: 48000, churn: {rate: 10%},"
            " new_logos: {per_month: 3, acv: 24000}}\n"
        )
    )
    a, b = pr.segment_metrics["a"], pr.segment_metrics["b"]
    book = pr.metrics
    assert book["lifetime_value"] == pytest.approx(
        (30 * a["lifetime_value"] + 10 * b["lifetime_value"]) / 40, rel=1e-12
    )
    assert book["new_logo_value"] == pytest.approx(
        (1 * a["new_logo_value"] + 3 * b["new_logo_value"]) / 4, rel=1e-12
    )
    assert book["ltv_to_cac"] == pytest.approx(book["new_logo_value"] / 6000, rel=1e-12)
    net = 0.85 * (1 * 1000 + 3 * 2000) / 4  # logo-weighted MRR after cost to serve
    assert book["cac_payback_months"] == pytest.approx(6000 / net, rel=1e-12)
    assert book["new_logos_to_match"] == pytest.approx(
        a["new_logos_to_match"] + b["new_logos_to_match"], rel=1e-12
    )
    assert book["acquisition_cost_avoided"] == pytest.approx(
        6000 * book["new_logos_to_match"], rel=1e-12
    )
    assert book["contribution"] == book["gross_profit"]
