"""``csmodel headcount`` with schedules (issue 11 item 3, DOMAIN.md 5 and 7): a staffing plan
(scheduled ``csms``) against the requirement month by month, costs at each segment's own cost
per CSM in force, and fiscal quarters in the hiring plan.

The hand-computed case: one segment of 20 accounts at $12,000 (MRR $20,000), no movements,
sized top down at 10 accounts per CSM, so the book needs 2.0 FTE every month. The plan staffs
2 CSMs, then 1 from month 7: coverage 100% for six months, then 1 / 2 = 50%. CSM cost is
planned x cost in force / 12: 2 x $120,000 / 12 = $20,000 a month, then 1 x $60,000 / 12 =
$5,000: $150,000 over 12 months. Contribution = $240,000 x 90% - $150,000 = $66,000; the
recommended flat 2 CSMs cost 6 x $20,000 + 6 x $10,000 = $180,000 (contribution $36,000), so
the plan is $30,000 ahead, with the same exit ARR (no churn to raise), and stays ahead.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from csmodel.capacity import (
    _Evaluator,
    headcount,
    plan_words,
    quarter_periods,
    staffing_point,
)
from csmodel.dates import Calendar
from csmodel.engine import project
from csmodel.render.headcount import (
    assumptions_text,
    plan_sweep_line,
    sections,
    staffing_grid,
    staffing_line,
    sweep_marks,
)
from csmodel.render.layout import plain
from csmodel.schedule import Schedule
from tests.conftest import SCENARIOS, scenario_from

HAND = """\
name: Hand plan
horizon_months: {h}
timing: end
renewals: aligned
{start}team: {{cost_per_csm: 100000, attrition: 0, ramp_months: 3}}
economics: {{cost_to_serve: 10%, cac_per_logo: 0}}
segments:
  smb:
    accounts: 20
    acv: 12000
    accounts_per_csm: 10
    csms: {csms}
{cost}"""


def hand(
    csms: str = "{1: 2, 7: 1}",
    cost: str = "{1: 120000, 7: 60000}",
    h: int = 12,
    start: str = "",
) -> str:
    """The hand-computed scenario's YAML text (``cost`` None: no segment cost_per_csm)."""
    return HAND.format(
        h=h,
        csms=csms,
        cost="" if cost is None else f"    cost_per_csm: {cost}\n",
        start=start,
    )


def write(tmp_path, text: str, name: str = "plan.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def cells(grid) -> list[list[str]]:
    return [[plain(c) for c in row] for row in grid.rows]


# --- the hand-computed plan ------------------------------------------------------------------


def test_hand_computed_plan_month_by_month():
    report = headcount(scenario_from(hand()))
    (s,) = report.segments
    p = s.staffing_plan
    assert s.recommended_csms == 2
    assert list(p.planned) == [2.0] * 6 + [1.0] * 6
    assert p.required_fte == pytest.approx([2.0] * 12)
    assert p.coverage == pytest.approx([1.0] * 6 + [0.5] * 6)
    assert p.first_short_month == 7
    assert p.csm_cost == pytest.approx([20_000.0] * 6 + [5_000.0] * 6)
    assert p.total_csm_cost == pytest.approx(150_000.0)
    assert p.total_revenue == pytest.approx(240_000.0)
    assert p.contribution == pytest.approx(240_000 * 0.9 - 150_000)
    assert p.lowest_coverage == pytest.approx(0.5)
    assert p.exit_arr == pytest.approx(240_000.0)
    # against the recommended flat 2 CSMs: $180,000 of CSM cost, the same revenue
    assert p.baseline_csms == 2
    assert p.contribution_delta == pytest.approx(180_000 - 150_000)
    assert p.exit_arr_delta == pytest.approx(0.0, abs=1e-6)
    assert p.break_even_month is None  # 1 CSM at $60,000 stays cheaper past the horizon
    # the segment's own figures: the plan's lowest coverage; no one-number gap
    assert s.coverage == pytest.approx(0.5)
    assert s.gap is None and s.accounts_covered is None
    assert isinstance(s.staffed_csms, Schedule)


def test_hand_computed_plan_verdict():
    (s,) = headcount(scenario_from(hand())).segments
    v = s.plan_verdict
    assert v.scheduled and v.baseline == 2
    assert v.csm_cost_change == pytest.approx(-30_000.0)
    assert v.revenue_change == pytest.approx(0.0, abs=1e-6)
    assert v.gross_profit_change == pytest.approx(30_000.0)
    text = v.sentence(lambda x: f"${x:,.0f}")
    assert text.startswith(
        "Following the smb staffing plan (2 CSMs in month 1, 1 from month 7) instead of a "
        "flat 2 CSMs (the recommendation) saves $30,000 of CSM cost and keeps the same revenue "
        "(a net gain of $30,000 of contribution) over 12 months. The plan gains $30,000 over "
        "12 months and ends with the same exit ARR and stays ahead through month 240."
    )
    assert "Cutting" not in text and "this plan" in text


def test_plan_verdict_equals_the_one_point_reference():
    """The batched plan verdict == :class:`_Evaluator` projecting the plan on its own."""
    sc = scenario_from(hand(csms="{1: 2, 4: 1, 9: 3}", h=18).replace("renewals: aligned", ""))
    sc = sc.model_copy(
        update={"segments": {"smb": sc.segments["smb"].model_copy(update={"churn": _churn()})}}
    )
    (s,) = headcount(sc).segments
    ref = _Evaluator(sc, "smb").verdict(s.recommended_csms, sc.segments["smb"].csms)
    v = s.plan_verdict
    for attr in ("csm_cost_change", "revenue_change", "gross_profit_change"):
        assert getattr(v, attr) == pytest.approx(getattr(ref, attr), rel=1e-9, abs=1e-6)
    assert v.gain_at_zero == pytest.approx(ref.gain_at_zero, rel=1e-9, abs=1e-6)
    assert v.gain_at_max == pytest.approx(ref.gain_at_max, rel=1e-9, abs=1e-6)
    if ref.break_even_churn_sensitivity is None:
        assert v.break_even_churn_sensitivity is None
    else:
        assert v.break_even_churn_sensitivity == pytest.approx(
            ref.break_even_churn_sensitivity, abs=1e-5
        )
    # and the plan's own row is the file projected as written
    pr = project(sc)
    assert s.staffing_plan.coverage == pytest.approx(pr.coverage[:18, 0])
    assert s.staffing_plan.csm_cost == pytest.approx(pr.csm_cost[:18, 0])
    assert s.staffing_plan.total_revenue == pytest.approx(float(pr.mrr[:18, 0].sum()))


def _churn():
    from csmodel.schema import Movement

    return Movement(rate=0.02, every="month")


# --- JSON -------------------------------------------------------------------------------------


def test_json_staffing_plan(tmp_path, run_cli):
    code, out, err = run_cli(["headcount", write(tmp_path, hand()), "-f", "json"])
    assert code == 0, err
    seg = json.loads(out)["segments"]["smb"]
    plan = seg["staffing_plan"]
    assert plan["months"] == list(range(1, 13))
    assert plan["dates"] is None
    assert plan["planned"] == [2.0] * 6 + [1.0] * 6
    assert plan["required_fte"] == pytest.approx([2.0] * 12)
    assert plan["coverage"] == pytest.approx([1.0] * 6 + [0.5] * 6)
    assert plan["csm_cost"] == pytest.approx([20_000.0] * 6 + [5_000.0] * 6)
    assert plan["first_short_month"] == 7
    assert plan["first_short_date"] is None
    assert plan["total_csm_cost"] == pytest.approx(150_000.0)
    assert plan["contribution"] == pytest.approx(66_000.0)
    assert plan["contribution_delta"] == pytest.approx(30_000.0)
    assert plan["exit_arr"] == pytest.approx(240_000.0)
    assert plan["exit_arr_delta"] == pytest.approx(0.0, abs=1e-6)
    assert plan["lowest_coverage"] == pytest.approx(0.5)
    assert plan["baseline_csms"] == 2
    assert plan["break_even_month"] is None
    # a plan is written as the file writes it, never as its first month alone
    assert seg["staffed_csms"] == {"1": 2.0, "7": 1.0}
    assert seg["plan_verdict"]["csms"] == {"1": 2.0, "7": 1.0}
    assert seg["cost_per_csm"] == {"1": 120_000.0, "7": 60_000.0}
    assert seg["gap"] is None and seg["accounts_covered"] is None
    assert seg["coverage"] == pytest.approx(0.5)
    # existing keys are all still there
    for key in ("recommended_csms", "fte_required", "cut_verdict", "accounts_per_csm"):
        assert key in seg


def test_json_dated_plan(tmp_path, run_cli):
    text = hand(csms="{2027-02: 2, 2027-08: 1}", start="start: 2027-02\n")
    code, out, err = run_cli(["headcount", write(tmp_path, text), "-f", "json"])
    assert code == 0, err
    plan = json.loads(out)["segments"]["smb"]["staffing_plan"]
    assert plan["first_short_month"] == 7
    assert plan["first_short_date"] == "2027-08"
    assert plan["dates"][:2] == ["2027-02", "2027-03"] and plan["dates"][-1] == "2028-01"


def test_staffing_plan_is_null_without_a_plan(tmp_path, run_cli):
    code, out, _ = run_cli(["headcount", SCENARIOS / "midmarket.yaml", "-f", "json"])
    assert code == 0
    assert json.loads(out)["segments"]["mid-market"]["staffing_plan"] is None


def test_constant_schedule_reports_exactly_as_the_number(tmp_path, run_cli):
    """``csms: {1: 4, 13: 4}`` is ``csms: 4``: the same JSON and the same table."""
    text = (SCENARIOS / "midmarket.yaml").read_text()
    assert "    csms: 4\n" in text
    scheduled = write(tmp_path, text.replace("    csms: 4\n", "    csms: {1: 4, 13: 4}\n"))
    plain_file = write(tmp_path, text, "plain.yaml")
    for fmt in ("json", "table", "csv"):
        a = run_cli(["headcount", scheduled, "-f", fmt])
        b = run_cli(["headcount", plain_file, "-f", fmt])
        assert a[0] == b[0] == 0
        assert a[1] == b[1], fmt
    assert staffing_point(Schedule(((1, 4.0), (13, 4.0)))) == 4.0


def test_csms_flag_replaces_the_plan(tmp_path, run_cli):
    code, out, _ = run_cli(["headcount", write(tmp_path, hand()), "--csms", "smb=1", "-f", "json"])
    assert code == 0
    seg = json.loads(out)["segments"]["smb"]
    assert seg["staffing_plan"] is None
    assert seg["staffed_csms"] == 1.0 and seg["gap"] == -1.0
    assert seg["plan_verdict"]["csms"] == 1.0
    # flat 1 CSM for the whole year: cost $90,000 at the segment's cost in force
    assert seg["plan_verdict"]["csm_cost_change"] == pytest.approx(90_000.0 - 180_000.0)
    assert seg["coverage"] == pytest.approx(0.5)


# --- the table --------------------------------------------------------------------------------


def test_table_plan_rows_and_plain_words(tmp_path, run_cli):
    code, out, err = run_cli(["headcount", write(tmp_path, hand())])
    assert code == 0, err
    assert (
        "smb: coverage first drops below 100% in month 7: 1.0 CSMs planned, 2.0 needed; "
        "lowest coverage 50.0% in month 7." in " ".join(out.split())
    )
    assert "1–2 (plan)" in out
    assert "● staffed" not in out  # a plan is never marked on a flat sweep row

    report = headcount(scenario_from(hand()))
    (s,) = report.segments
    grid = staffing_grid(s, report.scenario)
    rows = cells(grid)
    assert grid.title == "smb: your staffing plan against the requirement, by month"
    assert [c.header for c in grid.columns] == [
        "Period",
        "Planned CSMs",
        "Required FTE",
        "Coverage",
        "CSM cost",
    ]
    assert [r[0] for r in rows] == [f"M{k}" for k in range(1, 13)]
    assert rows[0][1:] == ["2", "2.00", "100.0%", "$20,000"]
    assert rows[6][1:] == ["1", "2.00", "50.0%", "$5,000"]
    # under the sweep (flat rows only, as JSON's sweep): the plan against the recommended row
    assert plan_sweep_line(s, report.scenario) == (
        "smb, your staffing plan (schedule) against the recommended flat 2 CSMs: lowest "
        "coverage 50.0%; revenue $240,000; CSM cost $150,000; contribution $66,000 (Δ "
        "+$30,000); exit ARR $240,000 (Δ $0); its cumulative contribution Δ never turns "
        "within 240 months."
    )
    assert [r.csms for r in s.sweep] == list(range(1, 8))
    assert all("staffed" not in sweep_marks(s, r) for r in s.sweep)


def test_plain_words_when_dated_and_when_never_short():
    text = hand(csms="{2027-02: 2, 2027-08: 1}", start="start: 2027-02\n")
    report = headcount(scenario_from(text))
    (s,) = report.segments
    assert staffing_line(s, report.scenario) == (
        "smb: coverage first drops below 100% in month 7 (Aug 2027): 1.0 CSMs planned, "
        "2.0 needed; lowest coverage 50.0% in month 7 (Aug 2027)."
    )
    assert [r[0] for r in cells(staffing_grid(s, report.scenario))][:2] == [
        "Feb 2027",
        "Mar 2027",
    ]
    assert s.plan_verdict.plan == "2 CSMs in Feb 2027, 1 from Aug 2027"

    report = headcount(scenario_from(hand(csms="{1: 2, 7: 3}")))
    (s,) = report.segments
    assert s.staffing_plan.first_short_month is None
    assert staffing_line(s, report.scenario) == (
        "smb: coverage never drops below 100%: the plan covers the requirement in every "
        "month through month 12."
    )


def test_plain_words_show_enough_digits():
    """2.0 planned against 2.04 needed says 2.04, not "2.0 planned, 2.0 needed"."""
    text = hand(csms="{1: 2, 7: 2.04}").replace("accounts: 20", "accounts: 21")
    report = headcount(scenario_from(text))
    (s,) = report.segments
    # 21 accounts / 10 per CSM = 2.1 FTE: short from month 1
    assert staffing_line(s, report.scenario).startswith(
        "smb: coverage first drops below 100% in month 1: 2.0 CSMs planned, 2.1 needed;"
    )
    text = hand(csms="{1: 2.1, 7: 2}").replace("accounts: 20", "accounts: 51")
    report = headcount(scenario_from(text.replace("accounts_per_csm: 10", "accounts_per_csm: 25")))
    (s,) = report.segments
    line = staffing_line(s, report.scenario)
    assert "in month 7: 2.0 CSMs planned, 2.04 needed;" in line


def test_quarter_table_when_long():
    text = hand(csms="{1: 2, 8: 1}", cost=None, h=36)
    report = headcount(scenario_from(text))
    (s,) = report.segments
    rows = cells(staffing_grid(s, report.scenario))
    assert [r[0] for r in rows][:5] == ["Y1 Q1", "Y1 Q2", "Y1 Q3", "Y1 Q4", "Y2 Q1"]
    assert len(rows) == 12
    # months 7-9: 2, 1, 1 CSMs at $100,000 / 12 (the team's cost)
    assert rows[2][1:] == ["2→1", "2.00", "50.0%", f"${(2 + 1 + 1) * 100_000 / 12:,.0f}"]
    assert rows[1][1:] == ["2", "2.00", "100.0%", "$50,000"]


def test_plan_words():
    cal = Calendar()
    x = Schedule(((1, 3.0), (4, 4.0), (7, 5.0), (10, 6.0), (13, 7.0)))
    assert plan_words(x, cal) == "3 CSMs in month 1 to 7 from month 13 in 5 steps, between 3 and 7"
    linear = Schedule(((1, 2.0), (13, 4.0)), linear=True)
    assert plan_words(linear, cal) == "2 CSMs in month 1, 4 in month 13 (linear in between)"


# --- other schedules that capacity reads ------------------------------------------------------


def test_scheduled_accounts_per_csm():
    """A flat staffing with a scheduled ratio: it covers the fewest accounts of any month."""
    text = hand(csms="2", cost=None).replace(
        "accounts_per_csm: 10", "accounts_per_csm: {1: 10, 7: 5}"
    )
    report = headcount(scenario_from(text))
    (s,) = report.segments
    assert s.recommended_csms == 4  # 20 / 5 from month 7
    assert s.accounts_per_csm == pytest.approx(10.0)  # month 1's, as project's metric
    assert s.accounts_per_csm_range == pytest.approx((5.0, 10.0))
    assert s.accounts_covered == pytest.approx(2 * 5.0)
    assert s.coverage == pytest.approx(0.5)
    notes = [c for kind, c, _ in sections(report) if kind == "note"]
    assert (
        "smb: accounts per CSM follow the schedules, from 5.0 to 10.0 over the plan (the "
        "table shows month 1's 10.0); FTE required and coverage follow them month by month."
        in notes
    )
    assert (
        "smb: the 2 staffed CSMs can fully cover 10 accounts in every month (peak book 20)."
        in notes
    )


def test_assumptions_name_the_schedules():
    report = headcount(scenario_from(hand()))
    text = assumptions_text(report)
    assert "CSM cost $100,000 a year; smb CSMs $120,000 in month 1, $60,000 from month 7;" in text
    dated = headcount(
        scenario_from(hand(cost="{2027-02: 120000, 2027-08: 60000}", start="start: 2027-02\n"))
    )
    assert "smb CSMs $120,000 in Feb 2027, $60,000 from Aug 2027;" in assumptions_text(dated)


# --- the hiring plan --------------------------------------------------------------------------


def test_hiring_plan_charges_the_segments_own_cost_in_force():
    report = headcount(scenario_from(hand()))
    plan = report.hiring_plan
    rows = plan.segments["smb"]
    # starts from the plan's month-1 headcount (2); the requirement (2.0) needs no hires
    assert [q.headcount_start for q in rows] == [2.0] * 4
    assert [q.hires for q in rows] == [0] * 4
    # 2 CSMs x $120,000 / 12 x 3 months, then x $60,000 / 12: not the team's $100,000
    assert [q.csm_cost for q in rows] == pytest.approx([60_000.0, 60_000.0, 30_000.0, 30_000.0])
    assert [q.csm_cost for q in plan.quarters] == pytest.approx([60_000, 60_000, 30_000, 30_000])
    assert plan.plan_csm_cost["smb"] == pytest.approx(180_000.0)
    # project at the constant starting headcount charges the same, hires and leavers being 0
    assert plan.project_csm_cost["smb"] == pytest.approx(180_000.0)


def test_hiring_plan_with_a_plain_segment_cost():
    report = headcount(scenario_from(hand(csms="2", cost="90000")))
    rows = report.hiring_plan.segments["smb"]
    assert [q.csm_cost for q in rows] == pytest.approx([2 * 3 * 90_000 / 12] * 4)
    assert report.hiring_plan.plan_csm_cost["smb"] == pytest.approx(2 * 90_000.0)


def test_hiring_plan_fiscal_quarters_with_start(tmp_path, run_cli):
    start = "start: 2027-02\nfiscal_year_start: 4\n"
    report = headcount(scenario_from(hand(start=start)))
    rows = report.hiring_plan.segments["smb"]
    assert [q.quarter for q in rows] == [
        "FY2027 Q4 (2 mo)",
        "FY2028 Q1",
        "FY2028 Q2",
        "FY2028 Q3",
        "FY2028 Q4 (1 mo)",
    ]
    # months 1-2, 3-5, 6-8, 9-11, 12 at 2 CSMs; $20,000 a month to month 6, then $10,000
    assert [q.csm_cost for q in rows] == pytest.approx([40_000, 60_000, 40_000, 30_000, 10_000])
    assert report.hiring_plan.quarters[0].quarter == "FY2027 Q4 (2 mo)"
    code, out, _ = run_cli(["headcount", write(tmp_path, hand(start=start)), "-f", "json"])
    assert code == 0
    assert [q["quarter"] for q in json.loads(out)["hiring_plan"]][1] == "FY2028 Q1"


@pytest.mark.parametrize("h", [10, 12, 30, 36])
def test_hiring_plan_quarters_unchanged_without_start(h):
    sc = scenario_from(hand(h=h))
    want = [(f"Y{q // 4 + 1} Q{q % 4 + 1}", a, min(a + 3, h)) for q, a in enumerate(range(0, h, 3))]
    assert quarter_periods(sc, h) == want
    rows = headcount(sc).hiring_plan.segments["smb"]
    assert [q.quarter for q in rows] == [label for label, _, _ in want]


def test_staffing_point():
    assert staffing_point(None) is None
    assert staffing_point(3) == 3.0 and type(staffing_point(3)) is float
    plan = Schedule(((1, 2.0), (7, 1.0)))
    assert staffing_point(plan) is plan
    assert plan != 2.0  # never its first month
    assert 2.0 != plan  # noqa: SIM300 (the reflected comparison is the one that matters)


def test_plan_monthly_arrays_have_the_horizon():
    (s,) = headcount(scenario_from(hand(h=18))).segments
    p = s.staffing_plan
    assert p.months == 18
    for a in (p.planned, p.required_fte, p.coverage, p.csm_cost):
        assert isinstance(a, np.ndarray) and a.shape == (18,)


def test_markdown_shows_the_plan(tmp_path, run_cli):
    code, out, _ = run_cli(["headcount", write(tmp_path, hand()), "-f", "markdown"])
    assert code == 0
    assert "smb: your staffing plan against the requirement" in out
    assert "coverage first drops below 100% in month 7" in out


# --- a plan in the shipped mid-market book: past the horizon, break-evens, value ---------------

MIDMARKET = (SCENARIOS / "midmarket.yaml").read_text()


def midmarket(csms: str, extra: str = "") -> object:
    assert "    csms: 4\n" in MIDMARKET
    return scenario_from(MIDMARKET.replace("    csms: 4\n", f"    csms: {csms}\n") + extra)


def far_reference(sc, name, staffing):
    """One staffing projected on its own to 240 months (the unbatched reference)."""
    from csmodel.capacity import only_segment, with_csms

    one = with_csms(only_segment(sc, name), {name: staffing})
    return project(one.model_copy(update={"horizon_months": 240}))


def test_plan_past_the_horizon_against_the_reference():
    from csmodel.capacity import break_even_month
    from csmodel.metrics import exit_arr, monthly_contribution

    sc = midmarket("{1: 3, 7: 4, 13: 5}")
    (s,) = headcount(sc).segments
    p, rec = s.staffing_plan, s.recommended_csms
    plan_pr = far_reference(sc, "mid-market", sc.segments["mid-market"].csms)
    base_pr = far_reference(sc, "mid-market", rec)
    delta = monthly_contribution(plan_pr)[:240, 0] - monthly_contribution(base_pr)[:240, 0]
    assert p.contribution_delta == pytest.approx(float(delta[:36].sum()), rel=1e-9)
    assert p.exit_arr_delta == pytest.approx(
        exit_arr(plan_pr, 36, [0]) - exit_arr(base_pr, 36, [0]), rel=1e-9
    )
    assert p.break_even_month == break_even_month(delta, 36)
    assert p.break_even_month is not None  # this plan does turn within 240 months
    assert s.plan_verdict.break_even_month == p.break_even_month
    assert s.plan_verdict.exit_arr_delta == pytest.approx(p.exit_arr_delta)


def test_plan_sentence_numbers():
    sc = midmarket("{1: 3, 7: 4, 13: 5}")
    (s,) = headcount(sc).segments
    v = s.plan_verdict

    def money(x):
        return f"${x:,.0f}"

    assert v.csm_cost_change > 0 and v.revenue_change < 0
    text = v.sentence(money)
    assert (
        f"costs {money(v.csm_cost_change)} more in CSMs and loses {money(-v.revenue_change)} of "
        f"revenue, which carried {money(-v.revenue_change * 0.15)} of cost to serve (15% of "
        f"revenue): a net loss of {money(-v.gross_profit_change)} of contribution over 36 "
        "months." in text
    )
    assert f"is ahead from month {v.break_even_month}." in text
    line = plan_sweep_line(s, sc)
    assert line.endswith(f"; break-even month {v.break_even_month}.")
    # the plan's CSM cost change: planned CSMs x $110,000 / 12 each month, less a flat 4
    planned = [3] * 6 + [4] * 6 + [5] * 24
    assert v.csm_cost_change == pytest.approx((sum(planned) - 4 * 36) * 110_000 / 12)


def test_plan_break_even_churn_sensitivity():
    """A plan that cuts then restores: it pays below a churn sensitivity, which the verdict
    states and at which its gain is zero."""
    sc = midmarket("{1: 3, 19: 4}")
    (s,) = headcount(sc).segments
    v = s.plan_verdict
    assert v.break_even_churn_sensitivity is not None and v.gain_at_zero > 0
    be = v.break_even_churn_sensitivity
    text = v.sentence(lambda x: f"${x:,.0f}")
    assert (
        f"this plan pays only if churn sensitivity is below {be:.2f}; the file assumes 1." in text
    )
    ev = _Evaluator(sc, "mid-market")
    plan = sc.segments["mid-market"].csms
    at_root = ev.gain(s.recommended_csms, plan, v.break_even_churn_sensitivity)
    assert abs(at_root) < 1.0  # dollars over 36 months, at the root
    assert ev.gain(s.recommended_csms, plan, 0.0) == pytest.approx(v.gain_at_zero, rel=1e-9)


def test_plan_value_with_a_valuation_block():
    from csmodel.capacity import value_of
    from csmodel.metrics import exit_arr, monthly_contribution

    extra = "valuation: {discount_rate: 10%, terminal_arr_multiple: 5}\n"
    sc = midmarket("{1: 3, 7: 4}", extra)
    (s,) = headcount(sc).segments
    p = s.staffing_plan
    plan_pr = far_reference(sc, "mid-market", sc.segments["mid-market"].csms)
    base_pr = far_reference(sc, "mid-market", s.recommended_csms)

    def value(pr):
        return value_of(sc, monthly_contribution(pr)[:, 0], exit_arr(pr, 36, [0]))

    assert p.value == pytest.approx(value(plan_pr), rel=1e-9)
    assert p.value_delta == pytest.approx(value(plan_pr) - value(base_pr), rel=1e-9)
    line = plan_sweep_line(s, sc)
    assert f"; value ${p.value:,.0f} (Δ {'+' if p.value_delta > 0 else '-'}$" in line
    assert f"${abs(p.value_delta):,.0f}); exit ARR ${p.exit_arr:,.0f}" in line


def test_hiring_start_note_and_scheduled_productivity():
    from csmodel.render.headcount import hiring_start_note, workload_grid

    report = headcount(scenario_from(hand()))
    assert hiring_start_note(report) == (
        "The hiring plan starts from your staffing plan's month-1 headcount (smb 2) and "
        "proposes its own hires; your plan is compared with the requirement above."
    )
    text = hand().replace("team: {", "team: {productivity: {1: 0.7, 7: 0.8}, ")
    report = headcount(scenario_from(text))
    assert "1,456 productive hours a year in month 1 (scheduled)." in workload_grid(report).caption
    assert (
        "2,080 paid hours per CSM × 70% in month 1, 80% from month 7 productivity = 1,456 "
        "productive hours a year in month 1;" in assumptions_text(report)
    )


@pytest.mark.parametrize("path", sorted(SCENARIOS.rglob("*.yaml")), ids=lambda p: p.name)
def test_hiring_plan_reconciles_with_project_at_the_cost_in_force(path):
    """The plan's CSM cost = ``project``'s at the constant starting headcount + the CSM-months
    of hires net of leavers, each at the segment's own cost per CSM in force that month."""
    from csmodel.capacity import fully_staffed, staff_plan, with_csms
    from csmodel.loader import load_scenario
    from csmodel.schedule import series

    sc = load_scenario(path)
    plan = headcount(sc).hiring_plan
    need = project(fully_staffed(sc))
    h, cal = sc.horizon_months, Calendar.of(sc)
    for name, rows in plan.segments.items():
        start = rows[0].headcount_start
        pr = project(with_csms(sc, {name: start}))
        i = pr.segments.index(name)
        by_project = float(pr.csm_cost[:h, i].sum())
        assert plan.project_csm_cost[name] == pytest.approx(by_project, abs=0.005)
        own = sc.segments[name].cost_per_csm
        cost = np.asarray(series(sc.team.cost_per_csm if own is None else own, h, cal))
        staff = staff_plan(need.fte_required[:h, i], start, sc.team.ramp_months, sc.team.attrition)
        extra = float(((staff.on_staff - start) * cost).sum() / 12)
        assert plan.plan_csm_cost[name] == pytest.approx(by_project + extra, abs=0.005)
        assert sum(q.csm_cost for q in rows) == pytest.approx(plan.plan_csm_cost[name], abs=0.005)


def test_hiring_plan_with_hires_at_a_scheduled_cost():
    """Hires charged at the cost in force: a book that needs 3 CSMs, a plan starting at 1."""
    text = hand(csms="{1: 1, 4: 2}", cost="{1: 120000, 7: 60000}").replace(
        "accounts: 20", "accounts: 30"
    )
    report = headcount(scenario_from(text))
    rows = report.hiring_plan.segments["smb"]
    staff = report.hiring_plan
    assert rows[0].headcount_start == 1.0 and sum(q.hires for q in rows) >= 2
    # recompute from the monthly plan: on staff x cost in force / 12
    from csmodel.capacity import staff_plan

    monthly = staff_plan(np.full(12, 3.0), 1.0, 3, 0.0)
    cost = np.array([120_000.0] * 6 + [60_000.0] * 6)
    assert staff.plan_csm_cost["smb"] == pytest.approx(float((monthly.on_staff * cost).sum() / 12))
    by_quarter = [
        float((monthly.on_staff[a : a + 3] * cost[a : a + 3]).sum() / 12) for a in (0, 3, 6, 9)
    ]
    assert [q.csm_cost for q in rows] == pytest.approx(by_quarter)


def test_scheduled_cost_to_serve_is_carried_at_the_rate_in_force():
    """A cut's carried cost to serve, with cost to serve 15% then 10%: the revenue change of
    each month at that month's rate, so CSM cost saved - revenue lost + cost to serve carried
    = the contribution change."""
    sc = scenario_from(
        MIDMARKET.replace("  cost_to_serve: 15%", "  cost_to_serve: {1: 15%, 13: 10%}")
    )
    (s,) = headcount(sc).segments
    v, rec = s.cut_verdict, s.recommended_csms
    cut = far_reference(sc, "mid-market", rec - 1)
    base = far_reference(sc, "mid-market", rec)
    rates = np.array([0.15] * 12 + [0.10] * 24)
    want = float(((cut.mrr[:36, 0] - base.mrr[:36, 0]) * rates).sum())
    assert v.cost_to_serve_change == pytest.approx(want, rel=1e-9)
    assert v.gross_profit_change == pytest.approx(
        v.revenue_change - v.cost_to_serve_change - v.csm_cost_change, rel=1e-9
    )
    text = v.sentence(lambda x: f"${x:,.0f}")
    share = f"{round(want / v.revenue_change, 4) * 100:g}%"
    assert (
        f"which carried ${-want:,.0f} of cost to serve ({share} of it, at the rates in force)"
        in text
    )
    assert "This rests on cost to serve (15% in month 1, scheduled)" in text


def test_headcount_csv_carries_the_staffing_plan_month_by_month(run_cli):
    import csv
    import io
    import json

    from tests.conftest import SCENARIOS

    plan = SCENARIOS / "fy27-plan.yaml"
    code, out, _ = run_cli(["headcount", plan, "--format", "csv"])
    assert code == 0
    rows = [r for r in csv.DictReader(io.StringIO(out)) if r["table"] == "staffing_plan"]
    code, out, _ = run_cli(["headcount", plan, "--format", "json"])
    want = json.loads(out)["segments"]["mid-market"]["staffing_plan"]
    assert [int(r["month"]) for r in rows] == want["months"]
    assert [r["date"] for r in rows] == want["dates"]
    assert [float(r["planned"]) for r in rows] == want["planned"]
    assert [float(r["coverage"]) for r in rows] == pytest.approx(want["coverage"], rel=1e-6)
