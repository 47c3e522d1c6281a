"""Headcount verdicts that say what they hinge on, whole-people hiring plans, bounded
sweeps (issue 9 items 7-8, issue 20 items 6-7), and compare's empty choices and --by."""

from __future__ import annotations

import json
import math
import warnings
from types import MappingProxyType

import numpy as np
import pytest

import csmodel.capacity as capacity
from csmodel.capacity import (
    CSM_COST_NOTE,
    HIRING_RULE,
    MAX_SWEEP_ROWS,
    HeadcountTooLarge,
    _Evaluator,
    break_even_root,
    headcount,
    staff_plan,
    sweep_range,
    with_csms,
)
from csmodel.engine import project
from csmodel.loader import load_scenario
from tests.conftest import SCENARIOS, scenario_from

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


def money(x):
    return f"${x:,.0f}"


# --- break-even churn sensitivity --------------------------------------------


def test_break_even_of_the_shipped_midmarket_cut():
    sc = load_scenario(SCENARIOS / "midmarket.yaml")
    seg = headcount(sc).segments[0]
    v = seg.cut_verdict
    be = v.break_even_churn_sensitivity
    assert be is not None and 0 < be < 10
    ev = _Evaluator(sc, seg.name)
    # at the returned value the cut's gross profit change is ~0 ...
    scale = abs(v.csm_cost_change)
    assert abs(ev.gain(v.baseline, v.csms, be)) < 1e-3 * scale
    # ... and its sign is the same on each side as at the ends of [0, 10]
    assert ev.gain(v.baseline, v.csms, be - 0.01) > 0 > ev.gain(v.baseline, v.csms, be + 0.01)
    assert v.gain_at_zero > 0 > v.gain_at_max
    # the file assumes 1.0, above the break-even: the cut loses money, as the verdict says
    assert v.churn_sensitivity == 1.0 and v.gross_profit_change < 0
    text = v.sentence(money)
    assert f"this cut pays only if churn sensitivity is below {be:.2f}; the file assumes 1." in text
    assert "cost to serve (15%)" in text and "does not quantify" in text


def test_verdict_names_revenue_cost_to_serve_csm_cost_and_net():
    sc = load_scenario(SCENARIOS / "enterprise.yaml")
    v = headcount(sc).segments[0].cut_verdict
    assert v.cost_to_serve == 0.15
    assert v.cost_to_serve_change == pytest.approx(v.revenue_change * 0.15)
    # net = CSM cost saved - revenue lost + cost to serve it carried (no CAC change)
    assert v.gross_profit_change == pytest.approx(
        -v.csm_cost_change + v.revenue_change - v.cost_to_serve_change, abs=1e-6
    )
    text = v.sentence(money)
    assert text.startswith(
        f"Cutting enterprise from 4 to 3 CSMs saves {money(-v.csm_cost_change)} of CSM cost and "
        f"loses {money(-v.revenue_change)} of revenue, which carried "
        f"{money(-v.cost_to_serve_change)} of cost to serve (15% of revenue): a net gain of "
        f"{money(v.gross_profit_change)} of contribution over 36 months."
    )


def test_sweep_rows_below_the_recommendation_carry_their_break_even():
    sc = load_scenario(SCENARIOS / "saas-company.yaml")
    for seg in headcount(sc).segments:
        ev = _Evaluator(sc, seg.name)
        for r in seg.sweep:
            if r.csms >= seg.recommended_csms:
                assert r.break_even_churn_sensitivity is None
                continue
            be = r.break_even_churn_sensitivity
            lo = ev.gain(seg.recommended_csms, r.csms, 0.0)
            hi = ev.gain(seg.recommended_csms, r.csms, 10.0)
            if be is None:  # no sign change over [0, 10]
                assert (lo > 0) == (hi > 0)
            else:
                assert abs(ev.gain(seg.recommended_csms, r.csms, be)) < 1e-3 * abs(lo - hi)


def test_break_even_none_is_said_in_prose():
    # no sensitivity to expansion, and cost to serve 0: revenue lost only through churn
    always = capacity.Verdict("s", 4, 3.0, -1.0, 0.0, 1.0, 12, 0.1, 1.0, 1.0, None, 5.0, 4.0)
    assert "pays at every churn sensitivity from 0 to 10" in always.sentence(money)
    never = capacity.Verdict("s", 4, 3.0, -1.0, -9.0, -7.0, 12, 0.1, 1.0, 1.0, None, -5.0, -9.0)
    assert "does not pay at any churn sensitivity from 0 to 10" in never.sentence(money)
    flat = capacity.Verdict("s", 4, 5.0, 1.0, 0.0, -1.0, 12, 0.1, 1.0, 1.0, None, -1.0, -1.0)
    assert "does not change this staffing's result" in flat.sentence(money)


def test_plan_verdict_has_a_break_even():
    sc = load_scenario(SCENARIOS / "midmarket.yaml")
    seg = headcount(sc, {"mid-market": 3}).segments[0]
    v = seg.plan_verdict
    assert v.csms == 3 and v.break_even_churn_sensitivity is not None
    assert "this cut pays only if churn sensitivity is below" in v.sentence(money)


def test_break_even_root_solves_to_tolerance():
    f = lambda x: math.exp(-x) - 0.3  # noqa: E731
    root = break_even_root(f, f(0.0), f(10.0))
    assert root == pytest.approx(-math.log(0.3), abs=1e-6)
    assert break_even_root(f, 1.0, 2.0) is None


# --- bounded sweep -----------------------------------------------------------


def big(accounts: int, ratio: float = 10.0):
    """A valid scenario, then its accounts raised past the schema's own bound."""
    sc = scenario_from(
        f"name: big\nhorizon_months: 12\nsegments:\n  s: {{accounts: 100, acv: 1000, "
        f"accounts_per_csm: {ratio}}}\n"
    )
    seg = sc.segments["s"].model_copy(update={"accounts": accounts})
    return sc.model_copy(update={"segments": MappingProxyType({"s": seg})})


@pytest.mark.parametrize("rec", [26, 40, 100, 10**5, 10**6])
def test_sweep_range_is_bounded_above_full_range(rec):
    r = sweep_range(rec)
    assert len(r) <= MAX_SWEEP_ROWS and len(r) == 11
    assert rec in r and min(r) == round(rec * 0.5) and max(r) == round(rec * 1.5)
    assert {rec - 3, rec + 3} <= set(r)


def test_huge_book_sweeps_few_rows():
    seg = headcount(big(10**6)).segments[0]
    assert seg.recommended_csms == 100_000
    assert len(seg.sweep) == 11


def test_recommendation_beyond_the_limit_is_refused():
    # the largest book a file may hold (10,000,000 accounts) at the smallest ratio (0.1)
    with pytest.raises(HeadcountTooLarge, match="would need 100,000,000 CSMs"):
        headcount(big(10**7, ratio=0.1))


def test_refusal_is_exit_2_from_the_cli(run_cli, tmp_path, monkeypatch):
    monkeypatch.setattr(capacity, "MAX_RECOMMENDED_CSMS", 3)
    code, out, err = run_cli(["headcount", SCENARIOS / "midmarket.yaml"])
    assert code == 2 and out == ""
    assert err.startswith("csmodel: error: segment `mid-market` would need 4 CSMs")


# --- whole-people hiring plan ------------------------------------------------


def test_hiring_plan_in_whole_people_on_shipped_scenarios():
    for f in SHIPPED:
        plan = headcount(load_scenario(f)).hiring_plan
        for rows in plan.segments.values():
            for q in rows:
                assert q.headcount_end == round(q.headcount_end)
                assert q.headcount_start == round(q.headcount_start)
                assert q.headcount_end == q.headcount_start + q.hires - q.leavers
        assert plan.rule == HIRING_RULE and len(HIRING_RULE.splitlines()) == 1


def test_no_hire_to_cover_a_fraction_of_an_expected_departure():
    # falling requirement well under the team: expected departures are fractional, but
    # a whole leaver leaves the team above the requirement, so nobody is hired
    required = np.linspace(3.0, 1.5, 36)
    plan = staff_plan(required, 4.0, 3, 0.15)
    assert plan.hires.sum() == 0 and plan.leavers.sum() == 2
    assert plan.departures.sum() > 0.5  # expected departures happen (fractional) ...
    assert np.all(plan.effective >= required - 1e-9)  # ... and the team stays covered


def test_hire_when_a_whole_leaver_would_uncover_the_requirement():
    required = np.full(24, 3.5)
    plan = staff_plan(required, 4.0, 3, 0.30)
    first_leaver = int(np.argmax(plan.leavers > 0))
    assert plan.leavers[first_leaver] == 1
    # the replacement is hired ramp_months - 1 months ahead, fully ramped when needed
    assert plan.hires[: first_leaver + 1].sum() >= 1
    assert np.all(plan.effective[2:] >= required[2:] - 1e-9)


@pytest.mark.parametrize("file", SHIPPED, ids=lambda p: p.name)
def test_plan_csm_cost_reconciles_with_project(file):
    sc = load_scenario(file)
    report = headcount(sc)
    plan = report.hiring_plan
    from csmodel.dates import Calendar
    from csmodel.schedule import series

    for name, rows in plan.segments.items():
        seg = sc.segments[name]  # its own cost per CSM, as in force each month
        own = seg.cost_per_csm if seg.cost_per_csm is not None else sc.team.cost_per_csm
        cost = np.array(series(own, sc.horizon_months, Calendar.of(sc))) / 12
        start = rows[0].headcount_start
        pr = project(with_csms(sc, {name: start}))
        i = pr.segments.index(name)
        by_project = float(pr.csm_cost[: pr.horizon, i].sum())
        assert plan.project_csm_cost[name] == pytest.approx(by_project, abs=0.005)
        assert sum(q.csm_cost for q in rows) == pytest.approx(plan.plan_csm_cost[name], abs=0.005)
        # the plan differs from project by exactly the CSM-months of hires net of leavers
        need = project(capacity.fully_staffed(sc))
        required = need.fte_required[: need.horizon, i]
        monthly = staff_plan(required, start, sc.team.ramp_months, sc.team.attrition)
        extra = float(((monthly.on_staff - start) * cost).sum())
        assert plan.plan_csm_cost[name] == pytest.approx(by_project + extra, abs=0.005)
    assert "differ by exactly the cost of hires net of leavers" in CSM_COST_NOTE


@pytest.mark.parametrize("file", SHIPPED, ids=lambda p: p.name)
def test_plan_that_keeps_its_headcount_costs_what_project_says_to_the_cent(file):
    sc = load_scenario(file)
    team = sc.team.model_copy(update={"attrition": 0.0, "ramp_months": 0})
    sc = sc.model_copy(update={"team": team})
    need = project(capacity.fully_staffed(sc))
    peaks = need.fte_required[: need.horizon].max(axis=0)
    staffed = {
        n: float(max(1, math.ceil(float(x) - 1e-9)))
        for n, x in zip(need.segments, peaks, strict=True)
    }
    plan = capacity.hiring_plan(sc, staffed)
    for name in plan.segments:
        assert sum(q.hires for q in plan.segments[name]) == 0
        assert round(plan.plan_csm_cost[name], 2) == round(plan.project_csm_cost[name], 2)


# --- flags: --csms and compare ----------------------------------------------


@pytest.mark.parametrize(
    ("arg", "fragment"),
    [
        ("", "--csms: empty entry"),
        ("  ", "--csms: empty entry"),
        ("mid-market=", "--csms expects SEGMENT=N"),
        ("mid-market=1e20", "at most 1,000,000 per segment"),
        ("mid-market=1e308", "at most 1,000,000 per segment"),
        ("mid-market=1e309", "must be 0 or more"),
        ("mid-market=nan", "must be 0 or more"),
    ],
)
def test_bad_csms_entries(run_cli, arg, fragment):
    code, out, err = run_cli(["headcount", SCENARIOS / "midmarket.yaml", "--csms", arg])
    assert code == 2 and out == "" and fragment in err, err


def test_csms_at_the_maximum_is_finite_and_warning_free(run_cli):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, out, err = run_cli(
            [
                "headcount",
                SCENARIOS / "midmarket.yaml",
                "--csms",
                "mid-market=1000000",
                "-f",
                "json",
            ]
        )
        code0, _, err0 = run_cli(
            ["headcount", SCENARIOS / "midmarket.yaml", "--csms", "mid-market=0"]
        )
    assert code == 0 and code0 == 0, err + err0
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    verdict = json.loads(out)["segments"]["mid-market"]["plan_verdict"]
    for key in ("csm_cost_change", "revenue_change", "gross_profit_change"):
        assert math.isfinite(verdict[key])


@pytest.mark.parametrize("spec", [",", "", " , "])
def test_compare_empty_metrics_is_an_error(run_cli, spec):
    code, out, err = run_cli(["compare", SCENARIOS / "midmarket.yaml", "--metrics", spec])
    assert code == 2 and out == "" and "--metrics: no metric named" in err


def test_compare_empty_variants_is_an_error(run_cli):
    code, out, err = run_cli(["compare", SCENARIOS / "midmarket.yaml", "--variants", ","])
    assert code == 2 and out == "" and "--variants: no variant named" in err


def test_compare_segment_rows():
    from csmodel.compare import columns, segment_rows

    cols = columns([SCENARIOS / "saas-company.yaml", SCENARIOS / "midmarket.yaml"])
    rows = segment_rows(cols, ["total_revenue", "nrr"])
    names = [r[0] for r in rows[::2]]
    assert names[: len(cols[0].projection.segments)] == list(cols[0].projection.segments)
    for name, metric, values in rows:
        for c, v in zip(cols, values, strict=True):
            if name in c.projection.segments:
                i = c.projection.segments.index(name)
                assert v == pytest.approx(c.segment_metrics[name][metric])
                if metric == "total_revenue":
                    pr = c.projection
                    assert v == pytest.approx(float(pr.mrr[: pr.horizon, i].sum()))
            else:
                assert v is None


def test_compare_by_segment_reaches_a_renderer_that_takes_it(run_cli, monkeypatch):
    import csmodel.render.compare as rc

    seen = {}

    def table(cols, metrics, by_segment=False):
        seen["by_segment"] = by_segment
        return "ok"

    monkeypatch.setattr(rc, "table", table)
    code, out, err = run_cli(["compare", SCENARIOS / "midmarket.yaml", "--by", "segment"])
    assert code == 0 and out.strip() == "ok", err
    assert seen == {"by_segment": True}
    code, _, err = run_cli(["compare", SCENARIOS / "midmarket.yaml", "--by", "month"])
    assert code == 2 and "--by: expected one of: segment" in err
