"""Sensitivity that ranks importance, not step size (issue 9 item 6; issue 20 bounded work)."""

from __future__ import annotations

import json

import pytest

from csmodel.sensitivity import (
    MAX_WORK,
    WorkTooLarge,
    annualise,
    move,
    parse_step,
    per_period,
    sensitivity,
    work_estimate,
)
from tests.conftest import SCENARIOS, scenario_from

BOOK = """
name: s
horizon_months: 24
segments:
  a:
    accounts: 100
    acv: 12000
    churn: {{rate: {churn}, every: {every}}}
    expansion: {{rate: 3%, every: year}}
"""

MONTHLY = 0.01
ANNUAL_EQUIVALENT = 1 - (1 - MONTHLY) ** 12  # 11.3615...%


def book(churn: float, every: str):
    return scenario_from(BOOK.format(churn=churn, every=every))


def row(res, name):
    return next(r for r in res.rows if r.assumption == name)


def test_annualised_step_moves_the_annual_loss_by_exactly_one_point():
    m = move(("segments", "a", "churn", "rate"), MONTHLY, "month")
    assert m.kind == "annualised" and m.step == "±1 pt a year"
    base, low, high = m.annual
    assert base == pytest.approx(ANNUAL_EQUIVALENT, abs=1e-15)
    assert low == pytest.approx(ANNUAL_EQUIVALENT - 0.01, abs=1e-12)
    assert high == pytest.approx(ANNUAL_EQUIVALENT + 0.01, abs=1e-12)
    # per period: 1 - (1 - A)^(1/12)
    assert m.low == pytest.approx(1 - (1 - (ANNUAL_EQUIVALENT - 0.01)) ** (1 / 12), rel=1e-12)
    assert m.high == pytest.approx(1 - (1 - (ANNUAL_EQUIVALENT + 0.01)) ** (1 / 12), rel=1e-12)
    # the old rule moved a monthly rate by a whole point a month (0% .. 2%)
    assert m.low > 0.009 and m.high < 0.011


def test_growth_is_annualised_by_compounding():
    m = move(("segments", "a", "expansion", "rate"), 0.01, "quarter")
    g = (1.01) ** 4 - 1
    assert m.annual[0] == pytest.approx(g)
    assert m.high == pytest.approx((1 + g + 0.01) ** 0.25 - 1, rel=1e-12)
    assert m.low == pytest.approx((1 + g - 0.01) ** 0.25 - 1, rel=1e-12)
    for kind in ("loss", "growth"):
        assert per_period(kind, annualise(kind, 0.037, 3), 3) == pytest.approx(0.037)


def test_annual_rates_and_shares_move_one_plain_point():
    m = move(("segments", "a", "churn", "rate"), 0.05, "year")
    assert (m.low, m.high) == pytest.approx((0.04, 0.06))
    share = move(("segments", "a", "expansion", "share"), 0.5)
    assert (share.low, share.high) == pytest.approx((0.49, 0.51)) and share.kind == "points"
    clamped = move(("segments", "a", "churn", "rate"), 0.0005, "month")
    assert clamped.low == 0.0  # an annual loss of 0.6% cannot fall 1 point: clamped at 0
    assert clamped.annual[2] == pytest.approx(1 - 0.9995**12 + 0.01)
    assert move(("segments", "a", "churn", "rate"), 0.0, "month").low == 0.0


def test_monthly_and_annual_churn_of_equal_annual_loss_swing_equally():
    monthly = sensitivity(book(MONTHLY, "month"), "logo_retention")
    annual = sensitivity(book(ANNUAL_EQUIVALENT, "year"), "logo_retention")
    m = row(monthly, "segments.a.churn.rate")
    a = row(annual, "segments.a.churn.rate")
    # logo retention over the first year is exactly 1 - annual loss: a 2-point swing for both
    assert m.swing == pytest.approx(0.02, abs=1e-12)
    assert a.swing == pytest.approx(0.02, abs=1e-12)
    # and on revenue the two are of the same size (to first order), not 12x apart
    rm = row(sensitivity(book(MONTHLY, "month"), "total_revenue"), "segments.a.churn.rate")
    ra = row(sensitivity(book(ANNUAL_EQUIVALENT, "year"), "total_revenue"), "segments.a.churn.rate")
    assert 0.5 < rm.swing / ra.swing < 2.0


def test_step_flag_scales_every_rate_step():
    res = sensitivity(book(0.05, "year"), "logo_retention", step=0.02)
    churn = row(res, "segments.a.churn.rate")
    assert (churn.low_input, churn.high_input) == pytest.approx((0.03, 0.07))
    assert churn.step == "±2 pt a year" and churn.step_amount == 0.02
    assert churn.swing == pytest.approx(0.04)
    assert res.step == 0.02 and "±2 pt a year" in res.method


@pytest.mark.parametrize(
    ("text", "value"), [("2", 0.02), ("2%", 0.02), ("0.5pt", 0.005), (" 1 ", 0.01)]
)
def test_parse_step(text, value):
    assert parse_step(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["0", "-1", "nan", "inf", "60", "two", ""])
def test_parse_step_refuses(text):
    with pytest.raises(ValueError):
        parse_step(text)


def test_top_keeps_the_largest_swings():
    full = sensitivity(book(0.05, "year"), "total_revenue")
    top = sensitivity(book(0.05, "year"), "total_revenue", top=3)
    assert [r.assumption for r in top.rows] == [r.assumption for r in full.rows[:3]]
    assert top.assumptions == len(full.rows) == full.assumptions and top.top == 3


ZERO = """
name: z
horizon_months: 12
economics: {cost_to_serve: 10%, cac_per_logo: 0}
segments:
  a:
    accounts: 50
    acv: 24000
    new_logos: {per_month: 0}
  b:
    accounts: 150
    acv: 8000
    new_logos: {per_month: 2}
"""


def test_zero_valued_inputs_move_by_a_stated_absolute_step():
    res = sensitivity(scenario_from(ZERO), "gross_profit")
    cac = row(res, "economics.cac_per_logo")
    average_acv = (50 * 24000 + 150 * 8000) / 200  # 12,000
    assert cac.step_kind == "absolute" and cac.step == "+10% of the book's average ACV"
    assert (cac.low_input, cac.high_input) == (0.0, pytest.approx(0.1 * average_acv))
    # b signs 2 logos a month for 12 months: each costs 1,200 more
    assert cac.high - cac.low == pytest.approx(-2 * 12 * 1200)
    assert cac.swing == pytest.approx(2 * 12 * 1200)
    logos = row(res, "segments.a.new_logos.per_month")
    assert (logos.low_input, logos.high_input) == (0.0, 1.0) and logos.step == "+1 logo a month"
    assert logos.swing > 0
    acv = row(res, "segments.a.acv")
    assert acv.step == "±10%" and acv.step_kind == "relative"


def test_work_is_bounded(monkeypatch):
    import csmodel.sensitivity as sens

    sc = book(0.05, "year")
    leaves = sens.assumptions({k: v for k, v in sens.plain(sc).items() if k not in sens.SKIP_TREES})
    local = sum(1 for path, _ in leaves if path[0] == "segments")
    # one segment: a local point is one column, a global one every (one) segment
    assert work_estimate(sc, leaves) == (2 * local + 2 * (len(leaves) - local) + 1) * 25
    monkeypatch.setattr(sens, "MAX_WORK", work_estimate(sc, leaves) - 1)
    with pytest.raises(WorkTooLarge, match="segment-months, above the limit"):
        sens.sensitivity(sc)
    assert 50 * work_estimate(sc, leaves) <= MAX_WORK


def test_thousand_segments_run_and_a_huge_plan_is_refused_before_any_work(run_cli, tmp_path):
    segs = "".join(
        f"  s{i}: {{accounts: 10, acv: 1000, churn: {{rate: 1%}}}}\n" for i in range(1000)
    )
    f = tmp_path / "many.yaml"
    f.write_text("name: many\nsegments:\n" + segs)
    code, out, err = run_cli(["sensitivity", f, "--top", "3", "-f", "json"])
    assert code == 0, err  # a point inside a segment projects that segment alone
    assert len(json.loads(out)["rows"]) == 3
    wide = "".join(
        f"  s{i}: {{accounts: 10, acv: 1000, churn: {{rate: 1%}}}}\n" for i in range(3000)
    )
    f.write_text("name: many\nhorizon_months: 600\nsegments:\n" + wide)
    code, out, err = run_cli(["sensitivity", f])
    assert code == 2 and out == ""
    assert "above the limit of 50,000,000" in err and "fewer segments" in err


def test_cli_step_top_and_errors(run_cli):
    code, out, err = run_cli(
        ["sensitivity", SCENARIOS / "midmarket.yaml", "--top", "3", "--step", "2", "-f", "json"]
    )
    assert code == 0, err
    d = json.loads(out)
    assert len(d["rows"]) == 3
    for args, fragment in [
        (["--step", "0"], "--step: must be above 0"),
        (["--step", "x"], "--step: expected points a year"),
        (["--top", "0"], "--top must be 1 or more"),
        (["--metric", "nrr,grr"], "--metric takes one metric id"),
        (["--metric", ","], "--metric: no metric named"),
    ]:
        code, out, err = run_cli(["sensitivity", SCENARIOS / "midmarket.yaml", *args])
        assert code == 2 and out == "" and fragment in err, (args, err)
