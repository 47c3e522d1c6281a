"""Headcount (DOMAIN.md section 5): workload, sweep, verdicts, hiring plan, and the CLI."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

from csmodel.capacity import (
    headcount,
    plan_hiring,
    ramp_factor,
    staff_plan,
    sweep_range,
    with_csms,
)
from csmodel.engine import project
from csmodel.loader import load_scenario
from tests.conftest import SCENARIOS, scenario_from

MM = """
name: mm
horizon_months: {h}
team: {{hours_per_year: 2000, productivity: 80%, cost_per_csm: {cost}, attrition: {attr},
        ramp_months: 3}}
understaffing: {{churn_sensitivity: {cs}, expansion_sensitivity: {es}}}
segments:
  mm:
    accounts: {n}
    acv: 12000
    churn: {{rate: {churn}, every: month}}
    expansion: {{rate: {exp}, every: month}}
    meetings:
      check_in: {{per_year: 12, hours: 1, prep_hours: 0.5}}
      qbr: {{per_year: 4, hours: 2, prep_hours: 3}}
"""


def mm(n=160, h=24, cost=120000, attr=0, cs=1.0, es=1.0, churn="1%", exp="2%", csms=None, extra=""):
    text = MM.format(n=n, h=h, cost=cost, attr=attr, cs=cs, es=es, churn=churn, exp=exp)
    sc = scenario_from(text + extra)
    return with_csms(sc, {"mm": csms}) if csms is not None else sc


# hours per account = 12*(1+0.5) + 4*(2+3) = 18 + 20 = 38 h; productive = 2000*0.8 = 1600 h
HPA, PRODUCTIVE = 38.0, 1600.0


def test_workload_hand_computed():
    seg = headcount(mm(churn="0%", exp="0%")).segments[0]
    assert seg.hours_per_account == pytest.approx(HPA, abs=1e-12)
    assert seg.productive_hours_per_csm == pytest.approx(PRODUCTIVE, abs=1e-12)
    assert seg.accounts_per_csm == pytest.approx(PRODUCTIVE / HPA, abs=1e-12)
    assert [m["hours_per_account"] for m in seg.meetings] == [18.0, 20.0]
    # flat book of 160 accounts: FTE = 160 * 38 / 1600 = 3.8 -> 4 CSMs
    assert seg.fte_required == pytest.approx(160 * HPA / PRODUCTIVE, abs=1e-12)
    assert seg.recommended_csms == 4
    assert seg.accounts_start == 160 and seg.accounts_peak == pytest.approx(160)


def test_onboarding_load_raises_required_fte():
    extra = "    new_logos: {per_month: 3}\n    onboarding_hours: 20\n"
    sc = mm(churn="0%", exp="0%", h=12, extra=extra)
    seg = headcount(sc).segments[0]
    # peak in the last month (m = 11): opening accounts 160 + 3*12, plus 3 logos/month x 3
    # months of onboarding at 20/3 h each -> monthly hours (196*38/12 + 9*20/3)
    need = (196 * HPA / 12 + 3 * 3 * 20 / 3) / (PRODUCTIVE / 12)
    assert seg.fte_required == pytest.approx(need, rel=1e-12)


@pytest.mark.parametrize(("file", "ratio"), [("enterprise.yaml", 19.9), ("midmarket.yaml", 70.0)])
def test_shipped_ratios(file, ratio):
    seg = headcount(load_scenario(SCENARIOS / file)).segments[0]
    assert round(seg.accounts_per_csm, 1) == ratio


def test_top_down_ratio_is_said():
    sc = scenario_from(
        "name: t\nsegments:\n  smb: {accounts: 1000, acv: 5000, accounts_per_csm: 400}\n"
    )
    seg = headcount(sc).segments[0]
    assert seg.sized_by == "accounts_per_csm"
    assert seg.accounts_per_csm == pytest.approx(400)
    assert seg.fte_required == pytest.approx(2.5)
    assert seg.recommended_csms == 3


def test_sensitivities_zero_revenue_independent_of_csms():
    seg = headcount(mm(cs=0, es=0)).segments[0]
    revenues = {round(r.total_revenue, 6) for r in seg.sweep}
    assert len(revenues) == 1


def test_free_csms_never_lower_gross_profit():
    seg = headcount(mm(cost=0)).segments[0]
    gps = [r.gross_profit for r in seg.sweep]
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(gps))


def test_half_staffed_coverage_and_movements_follow_domain_5_3():
    # a flat-account book (no churn) so FTE stays 3.8; staff 1.9 -> coverage exactly 0.5
    sc = mm(churn="0%", exp="2%", cs=1.0, es=0.6, csms=1.9, h=12)
    pr = project(sc)
    assert np.allclose(pr.coverage[:12, 0], 0.5)
    mrr0 = 160 * 12000 / 12
    exp_eff = 0.02 * max(0.0, 1 - 0.6 * 0.5)
    # timing end: month 0 flat, then x (1 + exp_eff) each month
    expected = [mrr0 * (1 + exp_eff) ** m for m in range(12)]
    assert pr.mrr[:12, 0] == pytest.approx(expected, rel=1e-12)


def test_half_staffed_churn_multiplied():
    sc = mm(churn="2%", exp="0%", cs=1.5, es=0, h=2)
    fte0 = 160 * HPA / PRODUCTIVE
    sc = with_csms(sc, {"mm": fte0 / 2})
    pr = project(sc)
    assert pr.coverage[0, 0] == pytest.approx(0.5)
    # month 1 (timing end): churn_eff = 2% x (1 + 1.5 x 0.5) on the opening MRR; the
    # opening accounts are still 160 so coverage is 0.5 again
    churn_eff = 0.02 * (1 + 1.5 * 0.5)
    assert pr.coverage[1, 0] == pytest.approx(0.5)
    assert pr.churn[1, 0] == pytest.approx(160_000 * churn_eff, rel=1e-12)
    assert pr.accounts[1, 0] == pytest.approx(160 * (1 - churn_eff), rel=1e-12)


def test_sweep_rows_and_marks():
    report = headcount(mm())
    seg = report.segments[0]
    rec = seg.recommended_csms
    csms = [r.csms for r in seg.sweep]
    assert len(csms) >= 7 and csms == list(range(csms[0], csms[-1] + 1))
    assert csms[0] <= math.floor(rec / 2) + 1 and csms[-1] >= math.ceil(rec * 1.5)
    base = next(r for r in seg.sweep if r.csms == rec)
    assert base.delta_gross_profit == 0
    for r in seg.sweep:
        assert r.delta_gross_profit == pytest.approx(r.gross_profit - base.gross_profit)
        assert r.csm_cost == pytest.approx(r.csms * 120000 / 12 * 24)
    best = max(seg.sweep, key=lambda r: r.gross_profit)
    assert seg.profit_optimal_csms == best.csms


@pytest.mark.parametrize("rec", [0, 1, 2, 3, 4, 10, 25])
def test_sweep_range(rec):
    r = sweep_range(rec)
    assert len(r) >= 7
    assert r.start == max(0, math.floor(rec * 0.5)) and r.stop - 1 >= math.ceil(rec * 1.5)


def test_cut_verdict_matches_sweep():
    seg = headcount(mm()).segments[0]
    rec = seg.recommended_csms
    rows = {r.csms: r for r in seg.sweep}
    v = seg.cut_verdict
    assert v.baseline == rec and v.csms == rec - 1
    assert v.csm_cost_change == pytest.approx(rows[rec - 1].csm_cost - rows[rec].csm_cost)
    assert v.revenue_change == pytest.approx(rows[rec - 1].total_revenue - rows[rec].total_revenue)
    assert v.gross_profit_change == pytest.approx(
        rows[rec - 1].gross_profit - rows[rec].gross_profit
    )
    text = v.sentence(lambda x: f"${x:,.0f}")
    assert text.startswith(
        f"Cutting mm from {rec} to {rec - 1} CSMs saves $240,000 of CSM cost"
    )  # 24 months x 120k/yr
    assert "over 24 months" in text


def test_plan_verdict_and_accounts_covered():
    report = headcount(mm(), {"mm": 3})
    seg = report.segments[0]
    assert seg.staffed_csms == 3 and seg.gap == 3 - seg.recommended_csms
    assert seg.accounts_covered == pytest.approx(3 * PRODUCTIVE / HPA)
    assert seg.plan_verdict.csms == 3


def test_ramp_factor():
    assert list(ramp_factor(np.arange(5), 3)) == pytest.approx([1 / 3, 2 / 3, 1, 1, 1])
    assert list(ramp_factor(np.arange(3), 0)) == [1, 1, 1]


def test_hiring_plan_flat_book_no_attrition_hires_nothing():
    report = headcount(mm(churn="0%", exp="0%", attr=0), {"mm": 4})
    plan = report.hiring_plan
    assert sum(q.hires for q in plan.quarters) == 0
    assert all(q.departures == 0 for q in plan.quarters)
    assert all(q.headcount_end == pytest.approx(4) for q in plan.quarters)
    assert all(q.effective_fte >= q.required_fte for q in plan.quarters)
    assert [q.quarter for q in plan.quarters][:5] == ["Y1 Q1", "Y1 Q2", "Y1 Q3", "Y1 Q4", "Y2 Q1"]


def test_hiring_plan_replaces_departures():
    report = headcount(mm(churn="0%", exp="0%", attr="20%", h=36), {"mm": 5})
    plan = report.hiring_plan
    hires = sum(q.hires for q in plan.quarters)
    departures = sum(q.departures for q in plan.quarters)
    assert hires >= 1
    # whole hires replace expected departures; never fewer than needed to stay covered
    assert hires >= math.floor(departures) - 1
    keep = 0.8 ** (1 / 12)
    # 5 CSMs cover the first quarter (3.8 FTE needed), so its departures are the team's alone;
    # the headcount is whole people, so all 5 are on staff each month until a leaver is booked
    assert plan.quarters[0].hires == 0
    assert plan.quarters[0].departures == pytest.approx(3 * 5 * (1 - keep), rel=1e-9)


def test_plan_hiring_meets_requirement_from_ramp_on():
    required = np.linspace(2.0, 6.0, 36)
    hires, headcount_, eff, _departures, _short = plan_hiring(required, 2.0, 3, 0.15)
    assert np.all(eff[2:] >= required[2:] - 1e-9)
    assert np.all(hires == np.round(hires))
    # whole people: the headcount is the start plus hires less whole leavers, each leaver
    # booked when the running total of expected departures passes the next half person
    plan = staff_plan(required, 2.0, 3, 0.15)
    leave = 1 - 0.85 ** (1 / 12)
    assert np.all(plan.headcount == np.round(plan.headcount))
    assert plan.headcount == pytest.approx(2.0 + np.cumsum(plan.hires) - np.cumsum(plan.leavers))
    assert plan.departures == pytest.approx(plan.on_staff * leave, rel=1e-12)
    booked = np.floor(np.cumsum(plan.departures) + 0.5)
    assert np.cumsum(plan.leavers) == pytest.approx(booked)
    assert headcount_[0] == 2.0 + hires[0] - plan.leavers[0]


# --- CLI -------------------------------------------------------------------


def test_cli_headcount_table(run_cli):
    code, out, err = run_cli(["headcount", SCENARIOS / "midmarket.yaml", "--csms", "mid-market=3"])
    assert code == 0, err
    for text in (
        "Workload by segment",
        "Hiring plan by quarter",
        "Cutting mid-market from 4 to 3",
        "planning assumptions",
        "◀ recommended",
    ):
        assert text in out


def test_cli_headcount_json_keys(run_cli):
    code, out, _ = run_cli(["headcount", SCENARIOS / "saas-company.yaml", "--format", "json"])
    assert code == 0
    d = json.loads(out)
    assert d["schema_version"] == 1
    assert set(d) >= {"scenario", "segments", "sweep", "profit_optimal_csms", "hiring_plan"}
    seg = d["segments"]["mid-market"]
    assert set(seg) >= {
        "hours_per_account",
        "productive_hours_per_csm",
        "accounts_per_csm",
        "accounts_start",
        "accounts_peak",
        "fte_required",
        "recommended_csms",
        "staffed_csms",
        "coverage",
        "meetings",
    }
    assert set(d["sweep"]["mid-market"][0]) == {
        "csms",
        "accounts_per_csm",
        "coverage",
        "total_revenue",
        "csm_cost",
        "gross_profit",
        "delta_gross_profit",
        "break_even_churn_sensitivity",
        "contribution_delta",
        "exit_arr",
        "exit_arr_delta",
        "break_even_month",
    }
    assert set(d["hiring_plan"][0]) >= {
        "quarter",
        "required_fte",
        "headcount_start",
        "departures",
        "hires",
        "effective_fte",
        "headcount_end",
        "csm_cost",
    }
    assert round(seg["accounts_per_csm"], 1) == 70.0


def test_cli_headcount_markdown(run_cli):
    code, out, _ = run_cli(["headcount", SCENARIOS / "enterprise.yaml", "-f", "markdown"])
    assert code == 0 and out.startswith("# Enterprise book — CSM headcount")


@pytest.mark.parametrize(
    ("arg", "fragment"),
    [
        ("mid-markt=3", "unknown segment `mid-markt`; did you mean `mid-market`?"),
        ("mid-market=-1", "must be 0 or more"),
        ("mid-market=three", "expected a number of CSMs"),
        ("mid-market", "expects SEGMENT=N"),
    ],
)
def test_cli_headcount_bad_csms(run_cli, arg, fragment):
    code, out, err = run_cli(["headcount", SCENARIOS / "midmarket.yaml", "--csms", arg])
    assert code == 2
    assert out == ""
    assert fragment in err and "Traceback" not in err


def test_cli_headcount_without_file_hints_init(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["headcount"])
    assert code == 2 and "csmodel init" in err


def test_verdict_sentences_for_more_and_for_one():
    from csmodel.capacity import Verdict

    money = lambda x: f"${x:,.0f}"  # noqa: E731
    more = Verdict("smb", 2, 3.0, 130_000.0, 200_000.0, 40_000.0, 36).sentence(money)
    assert more == (
        "Staffing smb with 3 CSMs instead of 2 costs $130,000 more and adds $200,000 of "
        "revenue (a net gain of $40,000 of contribution) over 36 months."
    )
    one = Verdict("smb", 2, 1.0, -130_000.0, -300_000.0, -125_000.0, 36).sentence(money)
    assert one.startswith("Cutting smb from 2 to 1 CSM saves $130,000 of CSM cost and loses")
    assert "a net loss of $125,000 of contribution" in one
    big = Verdict("smb", 2, 1e9, 1.0, 0.0, 0.0, 12).sentence(money)
    assert "1,000,000,000 CSMs" in big


def test_headcount_json_reports_short_months(run_cli):
    args = ["headcount", SCENARIOS / "midmarket.yaml", "--csms", "mid-market=2.5", "-f", "json"]
    code, out, _ = run_cli(args)
    assert code == 0
    short = json.loads(out)["hiring_plan_short_months"]
    # 2.5 CSMs against ~3.3 FTE: the months before new hires ramp (ramp_months 3) are short
    assert short == {"mid-market": 2}
