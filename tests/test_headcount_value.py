"""Staffing valued inside and past the horizon (issue 18 items 3-4, DOMAIN.md 11.2) and the
batched headcount evaluation (issue 10 item 4): batched == one point at a time."""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest

from csmodel.capacity import (
    FAR_HORIZON,
    _Evaluator,
    break_even_month,
    headcount,
    only_segment,
    with_csms,
)
from csmodel.engine import project
from csmodel.loader import load_scenario
from csmodel.metrics import exit_arr
from tests.conftest import ROOT, SCENARIOS, scenario_from

SHIPPED = sorted(SCENARIOS.rglob("*.yaml"))
ENTERPRISE = SCENARIOS / "enterprise.yaml"


def money(x):
    return f"${x:,.0f}"


def generated():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run import build, synthetic_data

    out = [build(synthetic_data(4, 24, seed=7))]
    out.append(build(synthetic_data(4, 18, timing="start", renewals="aligned", seed=11)))
    return out


def contribution(pr, sc):
    """Monthly contribution of a one-segment projection, recomputed from its arrays (cost
    to serve and CAC as in force each month when they are schedules, DOMAIN 7)."""
    from csmodel.dates import Calendar
    from csmodel.schedule import series

    eco = sc.economics
    f = pr.horizon
    cal = Calendar.of(sc)
    cts = np.array(series(eco.cost_to_serve, f, cal))
    cac = np.array(series(eco.cac_per_logo, f, cal))
    return pr.mrr[:f, 0] * (1 - cts) - pr.csm_cost[:f, 0] - cac * pr.logos_signed[:f, 0]


def far(sc, name, n):
    """One point projected on its own, to FAR_HORIZON months (the unbatched reference)."""
    one = with_csms(only_segment(sc, name), {name: n})
    return project(one.model_copy(update={"horizon_months": max(sc.horizon_months, 240)}))


# --- the enterprise example of DOMAIN 11.2 -------------------------------------------------


def test_enterprise_cut_gains_inside_the_horizon_and_loses_past_it():
    sc = load_scenario(ENTERPRISE)
    v = headcount(sc).segments[0].cut_verdict
    assert (v.baseline, v.csms) == (4, 3)
    assert round(v.contribution_delta) == 156_804
    assert round(v.exit_arr_delta) == -286_886
    assert v.break_even_month == 49
    text = v.sentence(money)
    assert (
        "The cut gains $156,804 over 36 months but ends with $286,886 less exit ARR and is "
        "behind from month 49." in text
    )
    # +$913 over 48 months, behind over 49
    for h, want in ((48, 913), (49, None)):
        v48 = headcount(sc.model_copy(update={"horizon_months": h})).segments[0].cut_verdict
        if want is not None:
            assert round(v48.contribution_delta) == want
        else:
            assert v48.contribution_delta < 0


def test_enterprise_json_carries_the_three_figures(run_cli):
    code, out, err = run_cli(["headcount", ENTERPRISE, "-f", "json"])
    assert code == 0, err
    d = json.loads(out)
    cut = d["segments"]["enterprise"]["cut_verdict"]
    assert round(cut["contribution_delta"]) == 156_804
    assert round(cut["exit_arr_delta"]) == -286_886
    assert cut["break_even_month"] == 49
    rows = {r["csms"]: r for r in d["sweep"]["enterprise"]}
    assert rows[3]["break_even_month"] == 49
    assert rows[4]["break_even_month"] is None and rows[4]["exit_arr_delta"] == 0
    for r in rows.values():
        assert r["contribution_delta"] == r["delta_gross_profit"]
        assert "value" not in r


# --- break-even month ---------------------------------------------------------------------


def test_break_even_month_hand_made():
    # +10 a month for 12 months (Δ +120 at H = 12), then -5 a month: the cumulative Δ is
    # 0 at month 36 (not yet opposite) and -5 at month 37
    delta = np.array([10.0] * 12 + [-5.0] * 40)
    assert break_even_month(delta, 12) == 37
    assert break_even_month(-delta, 12) == 37  # extra CSMs that start paying
    assert break_even_month(np.full(50, 3.0), 12) is None  # never turns
    assert break_even_month(np.zeros(50), 12) is None  # no difference at H
    assert break_even_month(delta, 52) is None  # nothing past the horizon


def test_break_even_month_on_a_hand_made_scenario():
    # a flat book (no movements but expansion): cutting 4 -> 3 CSMs saves 10,000 a month;
    # coverage 3/3.8 cuts expansion each month, a loss that compounds until it passes the saving
    sc = scenario_from(
        "name: t\nhorizon_months: 12\ntiming: start\n"
        "team: {hours_per_year: 2000, productivity: 80%, cost_per_csm: 120000}\n"
        "understaffing: {churn_sensitivity: 0, expansion_sensitivity: 1}\n"
        "economics: {cost_to_serve: 0}\n"
        "segments:\n  s:\n    accounts: 160\n    acv: 12000\n"
        "    expansion: {rate: 1%, every: month}\n"
        "    meetings: {qbr: {per_year: 4, hours: 2, prep_hours: 7.5}}\n"
    )
    seg = headcount(sc).segments[0]
    assert seg.recommended_csms == 4  # 160 x 38 h / 1600 h = 3.8
    # by hand: MRR grows by 1% a month with 4 CSMs, by 1% x (1 - (1 - 3/3.8)) with 3
    mrr0 = 160 * 1000.0
    months = np.arange(1, FAR_HORIZON + 1)
    g4, g3 = 0.01, 0.01 * (3 / 3.8)
    delta = mrr0 * ((1 + g3) ** months - (1 + g4) ** months) + 10_000
    cum = np.cumsum(delta)
    assert cum[11] > 0
    want = int(np.flatnonzero(cum < 0)[0]) + 1
    v = seg.cut_verdict
    assert v.contribution_delta == pytest.approx(cum[11], rel=1e-9)
    assert v.break_even_month == want
    assert v.exit_arr_delta == pytest.approx(12 * mrr0 * ((1 + g3) ** 12 - (1 + g4) ** 12))


# --- valuation ----------------------------------------------------------------------------


def valued(multiple, rate=None):
    sc = load_scenario(ENTERPRISE)
    block = f"valuation: {{terminal_arr_multiple: {multiple}"
    block += f", discount_rate: {rate}}}\n" if rate is not None else "}\n"
    text = ENTERPRISE.read_text(encoding="utf-8") + "\n" + block
    return sc, scenario_from(text)


def test_value_column_and_star():
    plain, sc = valued(5, "10%")
    seg0 = headcount(plain).segments[0]
    assert seg0.profit_optimal_csms == 3 and seg0.optimal_by == "contribution"
    seg = headcount(sc).segments[0]
    assert seg.optimal_by == "value"
    d = 0.10
    values = {}
    for r in seg.sweep:
        pr = project(with_csms(sc, {"enterprise": r.csms}))
        c = contribution(pr, sc)[:36]
        want = float((c * (1 + d) ** (-np.arange(36) / 12)).sum())
        want += 5 * pr.metrics["ending_arr"] * (1 + d) ** (-36 / 12)
        assert r.value == pytest.approx(want, rel=1e-9)
        values[r.csms] = want
    base = values[seg.recommended_csms]
    for r in seg.sweep:
        assert r.value_delta == pytest.approx(r.value - base, abs=1e-6)
    # the exit ARR the cut gives up, at 5x, outweighs its contribution: the star moves
    assert seg.profit_optimal_csms == max(values, key=lambda n: (round(values[n], 6), -n)) == 4
    assert "Its value" in seg.cut_verdict.sentence(money)


def test_valuation_discount_defaults_to_the_files(run_cli, tmp_path):
    _, sc = valued(0)
    seg = headcount(sc).segments[0]
    d = sc.discount_rate
    pr = project(with_csms(sc, {"enterprise": 3}))
    c = contribution(pr, sc)[:36]
    row = next(r for r in seg.sweep if r.csms == 3)
    assert row.value == pytest.approx(float((c * (1 + d) ** (-np.arange(36) / 12)).sum()))
    f = tmp_path / "v.yaml"
    f.write_text(ENTERPRISE.read_text() + "\nvaluation: {terminal_arr_multiple: 5}\n")
    code, out, err = run_cli(["headcount", f, "-f", "markdown"])
    assert code == 0, err
    assert "★ highest value" in out and "Δ value" in out
    code, out, _ = run_cli(["headcount", f, "-f", "json"])
    row = json.loads(out)["sweep"]["enterprise"][0]
    assert {"value", "value_delta"} <= set(row)


def test_star_label_names_the_horizon(run_cli):
    code, out, err = run_cli(["headcount", ENTERPRISE, "-f", "markdown"])
    assert code == 0, err
    assert "★ most contribution (36 mo)" in out
    assert "most contribution over 36" in out


@pytest.mark.parametrize(
    ("block", "fragment"),
    [
        ("{terminal_arr_multiple: -1}", "valuation.terminal_arr_multiple"),
        ("{terminal_arr_multiple: 5000}", "valuation.terminal_arr_multiple"),
        ("{discount_rate: 150%}", "valuation.discount_rate"),
        ("{discount: 5%}", "valuation"),
    ],
)
def test_bad_valuation_is_located(run_cli, tmp_path, block, fragment):
    f = tmp_path / "bad.yaml"
    f.write_text(ENTERPRISE.read_text() + f"\nvaluation: {block}\n")
    code, out, err = run_cli(["headcount", f])
    assert code == 2 and out == ""
    assert f"{f}:" in err and fragment in err and "Traceback" not in err, err


# --- batched == one point at a time -------------------------------------------------------


from csmodel.capacity import BREAK_EVEN_XTOL as XTOL  # noqa: E402  (the root precision)


def close(a, b, rel=1e-9, scale=1.0):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=rel, abs_tol=rel * scale)


def check_batched(sc):
    from csmodel.book import sizing_view

    report = headcount(sc)
    sc = sizing_view(sc)  # how headcount sizes a book: pooled CSMs, yearly renewals
    for seg in report.segments:
        if not seg.sweep:
            continue
        ev = _Evaluator(sc, seg.name)
        rec = seg.recommended_csms
        scale = max(1.0, abs(ev(rec)[0]))
        base_far = far(sc, seg.name, rec)
        base_c = contribution(base_far, sc)
        h = sc.horizon_months
        for r in seg.sweep:
            rev, cost, gp, cov = ev(r.csms)
            assert close(r.total_revenue, rev, scale=scale), (seg.name, r.csms)
            assert close(r.csm_cost, cost, scale=scale)
            assert close(r.gross_profit, gp, scale=scale)
            assert close(r.coverage, cov)
            if r.csms < rec:
                be, _, _ = ev.break_even(rec, r.csms)
                # a root is found to BREAK_EVEN_XTOL (its bracket's width): two evaluations
                # whose gains differ in the last bits may stop at different points inside it
                within = math.isclose(r.break_even_churn_sensitivity or 0, be or 0, abs_tol=XTOL)
                assert within and (be is None) == (r.break_even_churn_sensitivity is None), (
                    seg.name,
                    r.csms,
                    r.break_even_churn_sensitivity,
                    be,
                )
            alt = far(sc, seg.name, r.csms)
            assert close(r.exit_arr, exit_arr(alt, h), scale=scale)
            assert close(r.exit_arr_delta, exit_arr(alt, h) - exit_arr(base_far, h), scale=scale)
            assert r.break_even_month == break_even_month(contribution(alt, sc) - base_c, h)
        for v in (seg.cut_verdict, seg.plan_verdict):
            if v is None:
                continue
            one = ev.verdict(v.baseline, v.csms)
            for key in ("csm_cost_change", "revenue_change", "gross_profit_change"):
                assert close(getattr(v, key), getattr(one, key), scale=scale), key
            assert close(v.gain_at_zero, one.gain_at_zero, scale=scale)
            assert close(v.gain_at_max, one.gain_at_max, scale=scale)
            a, b = v.break_even_churn_sensitivity, one.break_even_churn_sensitivity
            assert (a is None) == (b is None) and math.isclose(a or 0, b or 0, abs_tol=XTOL)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_batched_equals_one_by_one_on_shipped(path):
    check_batched(load_scenario(path))


def test_batched_equals_one_by_one_on_generated():
    for sc in generated():
        check_batched(sc)


def test_batched_plan_verdict_equals_one_by_one():
    sc = load_scenario(SCENARIOS / "midmarket.yaml")
    v = headcount(sc, {"mid-market": 2.5}).segments[0].plan_verdict
    one = _Evaluator(sc, "mid-market").verdict(4, 2.5)
    assert close(v.break_even_churn_sensitivity, one.break_even_churn_sensitivity, scale=10)
    assert close(v.gross_profit_change, one.gross_profit_change, scale=1e6)


# --- one CSM cost basis (issue 18 item 4) -------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_one_csm_cost_basis(path):
    sc = load_scenario(path)
    report = headcount(sc)
    pr = project(sc)
    h = pr.horizon
    plan = report.hiring_plan
    for i, seg in enumerate(report.segments):
        by_project = float(pr.csm_cost[:h, i].sum())
        staffed = seg.staffed_csms
        if staffed is not None and float(staffed).is_integer():
            row = next((r for r in seg.sweep if r.csms == staffed), None)
            if row is not None:  # the sweep row at the staffed count == project's CSM cost
                assert round(row.csm_cost, 2) == round(by_project, 2)
        if seg.name in plan.segments:
            start = plan.segments[seg.name][0].headcount_start
            same = project(with_csms(sc, {seg.name: start}))
            want = float(same.csm_cost[:h, i].sum())
            assert round(plan.project_csm_cost[seg.name], 2) == round(want, 2)
            if sum(q.hires + q.leavers for q in plan.segments[seg.name]) == 0:
                # constant headcount: the plan charges exactly what project charges
                assert round(plan.plan_csm_cost[seg.name], 2) == round(want, 2)


def test_csms_flag_is_where_the_hiring_plan_starts(run_cli):
    sc = load_scenario(SCENARIOS / "midmarket.yaml")
    report = headcount(sc, {"mid-market": 3})
    rows = report.hiring_plan.segments["mid-market"]
    assert rows[0].headcount_start == 3
    pr = project(with_csms(sc, {"mid-market": 3}))
    assert round(report.hiring_plan.project_csm_cost["mid-market"], 2) == round(
        float(pr.csm_cost[: pr.horizon, 0].sum()), 2
    )
    code, out, _ = run_cli(
        ["headcount", SCENARIOS / "midmarket.yaml", "--csms", "mid-market=3", "-f", "json"]
    )
    assert code == 0
    assert json.loads(out)["hiring_plan"][0]["headcount_start"] == 3
