"""The source paper's figures (DOMAIN.md section 6), from the shipped scenario files.

Every expected value is written as the closed form the paper's arithmetic
implies, and checked to the cent; the paper's own rounded figures are checked
as the paper rounds them.
"""

from __future__ import annotations

import pytest
import yaml
from conftest import PAPER, scenario_from

from csmodel.engine import project
from csmodel.loader import load_scenario

CENT = 0.005


def metrics_of(filename: str) -> dict:
    return project(load_scenario(PAPER / filename)).metrics


def test_01_single_account_6pct_annual_upsell():
    m = metrics_of("01-single-account.yaml")
    expected = 100_000 + 100_000 * 1.06 + 100_000 * 1.06**2  # $318,360
    assert expected == pytest.approx(318_360, abs=CENT)
    assert m["total_revenue"] == pytest.approx(expected, abs=CENT)
    assert m["flat_revenue"] == pytest.approx(300_000, abs=CENT)
    assert m["uplift"] == pytest.approx(18_360, abs=CENT)
    # "a 6.12% gain in CLV": uplift over the flat $300,000
    gain = m["total_revenue"] / m["flat_revenue"] - 1
    assert gain == pytest.approx(0.0612, abs=1e-12)
    assert round(gain * 100, 2) == 6.12
    # one account: revenue per account is the account's CLV over 3 years
    assert m["revenue_per_account"] == pytest.approx(318_360, abs=CENT)


def test_02_book_of_20_half_upsell_6pct():
    m = metrics_of("02-book-of-20.yaml")
    book = 20 * 100_000
    # timing start: 3% expected (6% x 50%) lands at the start of each year
    expected = book * (1.03 + 1.03**2 + 1.03**3)
    assert expected == pytest.approx(6_367_254, abs=CENT)
    assert m["total_revenue"] == pytest.approx(expected, abs=CENT)
    assert m["uplift"] == pytest.approx(expected - 3 * book, abs=CENT)
    assert m["uplift"] == pytest.approx(367_254, abs=CENT)
    assert round(m["uplift_share"] * 100, 1) == 5.8
    assert m["equivalent_new_logos"] == pytest.approx(367_254 / 100_000, abs=1e-9)
    assert round(m["equivalent_new_logos"], 2) == 3.67


def test_03_book_of_20_with_price_increase():
    m = metrics_of("03-book-of-20-price-increase.yaml")
    g = 1.03 * 1.03  # 1.0609: half upsell 6%, then 6% price increase on the same half
    expected = 2_000_000 * (g + g**2 + g**3)
    assert m["total_revenue"] == pytest.approx(expected, abs=CENT)
    assert round(m["total_revenue"]) == 6_760_922
    assert m["uplift"] == pytest.approx(expected - 6_000_000, abs=CENT)
    assert round(m["uplift"]) == 760_922
    assert round(m["uplift_share"] * 100, 1) == 11.3
    assert round(m["equivalent_new_logos"], 1) == 7.6
    assert m["equivalent_new_logos"] == pytest.approx((expected - 6_000_000) / 100_000, rel=1e-12)


def test_03_quarterly_upsell_does_not_give_the_papers_figure():
    """The paper says "six percent quarterly"; only annual compounding gives $760,922."""
    data = yaml.safe_load((PAPER / "03-book-of-20-price-increase.yaml").read_text())
    data["segments"]["enterprise"]["expansion"]["every"] = "quarter"
    m = project(scenario_from(yaml.safe_dump(data))).metrics
    # timing start: 3% expected upsell at months 0, 3, 6, ...; 3% price at 0, 12, 24
    mrr0 = 2_000_000 / 12
    expected = sum(mrr0 * 1.03 ** (m_ // 3 + 1) * 1.03 ** (m_ // 12 + 1) for m_ in range(36))
    assert m["total_revenue"] == pytest.approx(expected, abs=CENT)
    assert abs(m["uplift"] - 760_922) > 100_000


def test_04_midmarket_no_change():
    m = metrics_of("04-midmarket-70.yaml")
    assert m["total_revenue"] == pytest.approx(70 * 36_000 * 3, abs=CENT)
    assert m["total_revenue"] == pytest.approx(7_560_000, abs=CENT)
    assert m["uplift"] == pytest.approx(0, abs=CENT)


def test_05_midmarket_annual_upsell_and_churn():
    m = metrics_of("05-midmarket-70-annual.yaml")
    expected = 2_520_000 * (1 + 1.02 + 1.02**2)
    assert expected == pytest.approx(7_712_208, abs=CENT)
    assert m["total_revenue"] == pytest.approx(expected, abs=CENT)


def test_06_midmarket_monthly_upsell_and_churn():
    m = metrics_of("06-midmarket-70-monthly.yaml")
    expected = 210_000 * (1.02**36 - 1) / 0.02
    assert m["total_revenue"] == pytest.approx(expected, abs=CENT)
    assert round(m["total_revenue"]) == 10_918_817


def test_06_vs_05_is_41_6_percent_more():
    annual = metrics_of("05-midmarket-70-annual.yaml")["total_revenue"]
    monthly = metrics_of("06-midmarket-70-monthly.yaml")["total_revenue"]
    assert round((monthly / annual - 1) * 100, 1) == 41.6
