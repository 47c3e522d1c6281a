"""Schedules (DOMAIN 7, issue 11): numbers that change over time.

Hand-computed cases for each form (a step in new logos, a rate change at month
13, a linear ramp, a price increase from year two under both timings), constant
schedules equal to plain numbers exactly, dated keys equal to plan-month keys,
per-segment CSM cost and a staffing schedule, batches, overrides and
sensitivity. Validation errors are in the invalid catalogue
(``tests/scenarios/invalid/schedule-*.yaml``); invariants over generated
scheduled scenarios are in ``test_properties.py``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from csmodel.engine import TIMED, project, project_batch
from csmodel.schedule import Schedule, parse
from csmodel.schema import _num


def arrays(pr):
    names = ("mrr", "accounts", "new", "expansion", "price_increase", "contraction", "churn")
    names += ("coverage", "fte_required", "csm_cost", "starting_book_mrr", "flat_mrr")
    return {n: getattr(pr, n) for n in names}


# --- the schedule itself --------------------------------------------------------------------


def test_step_and_linear_series():
    step = parse({1: 10, 4: 20}, _num())
    assert step.series(6) == [10, 10, 10, 20, 20, 20]
    linear = parse({"1": 0, "5": 4, "interpolate": "linear"}, _num())
    assert linear.series(7) == [0, 1, 2, 3, 4, 4, 4]
    assert float(step) == 10.0 and isinstance(step, float)
    assert step != 10.0 and step == parse({1: 10, 4: 20}, _num())
    assert step.at(4) == 20 and linear.at(3) == 2


def test_a_schedule_survives_copy_and_pickle():
    import copy
    import pickle

    s = parse({1: 10, 4: 20, "interpolate": "linear"}, _num())
    assert copy.deepcopy(s) == s and pickle.loads(pickle.dumps(s)) == s
    assert s.plain() == {1: 10.0, 4: 20.0, "interpolate": "linear"}


# --- hand-computed cases ----------------------------------------------------------------------


def test_a_step_in_new_logos(make_scenario):
    pr = project(
        make_scenario(
            """
            name: t
            horizon_months: 24
            segments:
              smb:
                accounts: 0
                acv: 12000
                new_logos: {per_month: {1: 1, 7: 2}}
            """
        )
    )
    # one logo ($1,000 MRR) a month for six months, then two: revenue of month k is
    # $1,000 x the logos signed so far
    logos = [1] * 6 + [2] * 18
    assert pr.metrics["total_revenue"] == pytest.approx(1000 * sum(np.cumsum(logos)), rel=1e-12)
    assert pr.new[:24, 0].tolist() == [1000.0 * n for n in logos]
    assert pr.metrics["flat_revenue"] == pr.metrics["total_revenue"]  # nothing else moves


@pytest.mark.parametrize("timing", ["end", "start"])
def test_a_churn_rate_change_at_month_13(make_scenario, timing):
    pr = project(
        make_scenario(
            f"""
            name: t
            horizon_months: 24
            timing: {timing}
            segments:
              smb:
                accounts: 100
                acv: 12000
                churn: {{rate: {{1: 1%, 13: 2%}}, every: month}}
            """
        )
    )
    acc = pr.accounts[:24, 0]
    if timing == "end":  # month k bills the changes at the end of months 1 .. k-1
        want = [100 * 0.99 ** min(k - 1, 12) * 0.98 ** max(0, k - 13) for k in range(1, 25)]
    else:  # month k bills the changes at the start of months 1 .. k
        want = [100 * 0.99 ** min(k, 12) * 0.98 ** max(0, k - 12) for k in range(1, 25)]
    assert acc == pytest.approx(want, rel=1e-12)


def test_a_linear_ramp_of_new_logos(make_scenario):
    pr = project(
        make_scenario(
            """
            name: t
            horizon_months: 12
            segments:
              smb:
                accounts: 0
                acv: 12000
                new_logos: {per_month: {1: 0, 5: 4, interpolate: linear}}
            """
        )
    )
    logos = [0, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4]
    assert pr.logos_signed[:12, 0].tolist() == logos
    assert pr.metrics["total_revenue"] == pytest.approx(1000 * sum(np.cumsum(logos)))  # $202,000


@pytest.mark.parametrize(("timing", "first_raised"), [("end", 25), ("start", 13)])
def test_a_price_increase_from_year_two(make_scenario, timing, first_raised):
    """``{1: 0%, 13: 5%}`` yearly: under ``end`` the first renewal is the end of month 12,
    dated month 12 (still 0%), so prices rise at the end of month 24 (billed from 25);
    under ``start`` the renewal at the start of month 13 takes 5%."""
    pr = project(
        make_scenario(
            f"""
            name: t
            horizon_months: 36
            timing: {timing}
            segments:
              book:
                accounts: 10
                acv: 12000
                price_increase: {{rate: {{1: 0%, 13: 5%}}, every: year}}
            """
        )
    )
    mrr = pr.mrr[:36, 0]
    k = first_raised - 1
    assert mrr[:k] == pytest.approx([10_000.0] * k)
    assert mrr[k : k + 12] == pytest.approx([10_500.0] * min(12, 36 - k))


def test_per_segment_csm_cost_and_a_staffing_schedule(make_scenario):
    pr = project(
        make_scenario(
            """
            name: t
            horizon_months: 12
            team: {hours_per_year: 1200, productivity: 100%, cost_per_csm: 999999}
            segments:
              smb:
                accounts: 100
                acv: 6000
                accounts_per_csm: 100
                csms: {1: 2, 7: 0.5}
                cost_per_csm: {1: 60000, 10: 72000}
            """
        )
    )
    # one account needs 12 h a year (1,200 / 100): 100 accounts need 1 FTE
    assert pr.fte_required[:12, 0] == pytest.approx([1.0] * 12)
    assert pr.coverage[:12, 0] == pytest.approx([1.0] * 6 + [0.5] * 6)
    cost = [2 * 5000] * 6 + [0.5 * 5000] * 3 + [0.5 * 6000] * 3
    assert pr.csm_cost[:12, 0] == pytest.approx(cost)
    assert pr.metrics["csm_cost"] == pytest.approx(sum(cost))


def test_cost_to_serve_and_cac_follow_their_schedules(make_scenario):
    pr = project(
        make_scenario(
            """
            name: t
            horizon_months: 4
            economics: {cost_to_serve: {1: 10%, 3: 20%}, cac_per_logo: {1: 100, 4: 300}}
            segments:
              book:
                accounts: 12
                acv: 1000
                new_logos: {per_month: 1, acv: 1200}
            """
        )
    )
    mrr = pr.mrr[:4, 0]
    want = sum(
        mrr[i] * (1 - c) - cac
        for i, (c, cac) in enumerate([(0.1, 100), (0.1, 100), (0.2, 100), (0.2, 300)])
    )
    assert pr.metrics["contribution"] == pytest.approx(want, rel=1e-12)


# --- schedules that do not move are plain numbers --------------------------------------------

BASE = """
name: t
horizon_months: 30
renewals: spread
team: {hours_per_year: 2000, productivity: 75%, cost_per_csm: 100000}
economics: {cost_to_serve: 12%, cac_per_logo: 5000}
segments:
  a:
    accounts: 40
    acv: 50000
    csms: 2
    cost_per_csm: 90000
    churn: {rate: 4%, every: quarter}
    contraction: {rate: 1%, every: year}
    expansion: {rate: 1.5%, every: month, share: 50%}
    price_increase: {rate: 5%, every: year, share: 80%}
    new_logos: {per_month: 1.5, acv: 40000, onboarding_rate: 90%}
    onboarding_hours: 20
    accounts_per_csm: 25
  b:
    accounts: 300
    acv: 6000
    churn: {rate: 1%, every: month}
    new_logos: {per_month: 4}
    meetings:
      check_in: {per_year: 12, hours: 0.5}
"""

SCHEDULABLE = [
    "segments.a.churn.rate",
    "segments.a.contraction.rate",
    "segments.a.expansion.rate",
    "segments.a.expansion.share",
    "segments.a.price_increase.rate",
    "segments.a.price_increase.share",
    "segments.a.new_logos.per_month",
    "segments.a.new_logos.acv",
    "segments.a.new_logos.onboarding_rate",
    "segments.a.csms",
    "segments.a.accounts_per_csm",
    "segments.a.cost_per_csm",
    "team.cost_per_csm",
    "team.productivity",
    "team.hours_per_year",
    "economics.cost_to_serve",
    "economics.cac_per_logo",
]


def _edited(path: str, fn):
    import yaml

    from csmodel.schema import Scenario

    data = yaml.safe_load(BASE)
    node = data
    *parents, last = path.split(".")
    for p in parents:
        node = node[p]
    node[last] = fn(node[last])
    return Scenario.model_validate(data)


@pytest.mark.parametrize("path", SCHEDULABLE)
def test_a_constant_schedule_equals_the_plain_number_exactly(path):
    plain = project(_edited(path, lambda v: v))
    sched = project(_edited(path, lambda v: {1: v}))
    twice = project(_edited(path, lambda v: {1: v, 13: v, "interpolate": "linear"}))
    for other in (sched, twice):
        for name, a in arrays(plain).items():
            assert np.array_equal(a, getattr(other, name)), (path, name)
        assert other.metrics == plain.metrics


@pytest.mark.parametrize("path", SCHEDULABLE)
def test_every_schedulable_number_moves_the_plan(path):
    """A schedule that moves is read month by month (not just its first value)."""
    plain = project(_edited(path, lambda v: v))
    from csmodel.schema import to_rate

    moved = project(_edited(path, lambda v: {1: v, 7: to_rate(v) * 0.5}))
    assert any(not np.array_equal(a, getattr(moved, n)) for n, a in arrays(plain).items()) or (
        moved.metrics != plain.metrics
    ), path


def test_dated_keys_equal_plan_month_keys(make_scenario):
    head = "name: t\nstart: 2027-11\nhorizon_months: 24\nsegments:\n  s:\n    accounts: 50\n"
    head += "    acv: 10000\n"
    by_month = make_scenario(head + "    churn: {rate: {1: 1%, 4: 3%}, every: month}\n")
    by_date = make_scenario(head + "    churn: {rate: {2027-11: 1%, 2028-02: 3%}, every: month}\n")
    a, b = project(by_month), project(by_date)
    for name, x in arrays(a).items():
        assert np.array_equal(x, getattr(b, name)), name


def test_a_batch_with_schedules_equals_single_runs(make_scenario):
    scs = [
        make_scenario(BASE),
        _edited("segments.a.churn.rate", lambda v: {1: v, 13: "6%"}),
        _edited("segments.a.new_logos.per_month", lambda v: {1: 0, 10: 3, "interpolate": "linear"}),
        _edited("segments.a.csms", lambda v: {1: 1, 6: 3}),
    ]
    together = project_batch(scs)
    for sc, pr in zip(scs, together, strict=True):
        alone = project(sc)
        for name, x in arrays(alone).items():
            np.testing.assert_allclose(getattr(pr, name), x, rtol=1e-12, atol=1e-9, err_msg=name)
        assert pr.metrics == pytest.approx(alone.metrics, rel=1e-12)


def test_only_fields_that_move_are_timed():
    sc = _edited("segments.a.churn.rate", lambda v: {1: v, 13: "6%"})
    p = project(sc).params
    assert p.churn.ndim == 2 and p.churn.shape == (31, 2)
    assert [f for f in TIMED if getattr(p, f).ndim == 2] == ["churn"]


# --- overrides, variants, sensitivity, solve -------------------------------------------------


def _write(tmp_path, text: str):
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return path


PLAN = """\
name: t
horizon_months: 24
segments:
  smb:
    accounts: 100
    acv: 12000
    new_logos: {per_month: {1: 10, 7: 15}}
variants:
  later-ramp:
    set:
      segments.smb.new_logos.per_month.13: 25
"""


def _revenue(run_cli, *args) -> float:
    code, out, err = run_cli(["project", *args, "--format", "json"])
    assert code == 0, err
    return json.loads(out)["metrics"]["total_revenue"]


def test_set_a_whole_schedule_and_one_month_of_one(run_cli, tmp_path):
    path = _write(tmp_path, PLAN)
    # month 4 added to the schedule: logos 10, 10, 10, 12, 12, 12, then 15
    one = _revenue(run_cli, path, "--set", "segments.smb.new_logos.per_month.4=12")
    logos = [10] * 3 + [12] * 3 + [15] * 18
    assert one == pytest.approx(100 * 1000 * 24 + 1000 * sum(np.cumsum(logos)))
    whole = _revenue(run_cli, path, "--set", "segments.smb.new_logos.per_month={1: 10, 13: 20}")
    logos = [10] * 12 + [20] * 12
    assert whole == pytest.approx(100 * 1000 * 24 + 1000 * sum(np.cumsum(logos)))
    variant = _revenue(run_cli, path, "--variant", "later-ramp")
    logos = [10] * 6 + [15] * 6 + [25] * 12
    assert variant == pytest.approx(100 * 1000 * 24 + 1000 * sum(np.cumsum(logos)))


def test_set_into_a_plain_number_or_outside_the_plan_is_refused(run_cli, tmp_path):
    path = _write(tmp_path, PLAN)
    code, _, err = run_cli(["project", path, "--set", "segments.smb.acv.4=12"])
    assert code == 2 and "names nothing" in err
    code, _, err = run_cli(["project", path, "--set", "segments.smb.churn.rate.4=2%"])
    assert code == 2 and "is a plain number, not a schedule" in err
    code, _, err = run_cli(["project", path, "--set", "segments.smb.new_logos.per_month.40=1"])
    assert code == 2 and "month 40 is outside the plan (months 1 to 24)" in err
    assert "Traceback" not in err


def test_sensitivity_moves_every_month_of_a_schedule(run_cli, tmp_path):
    path = _write(tmp_path, PLAN)
    code, out, err = run_cli(["sensitivity", path, "--format", "json"])
    assert code == 0, err
    rows = {r["assumption"]: r for r in json.loads(out)["rows"]}
    row = rows["segments.smb.new_logos.per_month"]
    # ±10% of every month's value: 9/13.5 and 11/16.5 logos a month
    logos_lo, logos_hi = [9] * 6 + [13.5] * 18, [11] * 6 + [16.5] * 18
    base = 100 * 1000 * 24 * (1 - 0.15)
    assert row["low"] == pytest.approx(base + 850 * sum(np.cumsum(logos_lo)))
    assert row["high"] == pytest.approx(base + 850 * sum(np.cumsum(logos_hi)))
    assert row["base_input"] == 10.0


def test_solve_refuses_to_vary_a_schedule(run_cli, tmp_path):
    path = _write(tmp_path, PLAN)
    code, _, err = run_cli(
        [
            "solve",
            path,
            "--target",
            "total_revenue=7000000",
            "--vary",
            "segments.smb.new_logos.per_month",
        ]
    )
    assert code == 2 and "is a schedule" in err


def test_json_schema_describes_both_forms():
    from jsonschema import Draft202012Validator

    from csmodel.jsonschema import scenario_json_schema

    v = Draft202012Validator(scenario_json_schema())
    ok = {
        "name": "t",
        "start": "2027-02",
        "segments": {
            "s": {
                "accounts": 1,
                "acv": 1,
                "churn": {"rate": {"1": "2%", "2027-08": 0.01, "interpolate": "linear"}},
            }
        },
    }
    assert list(v.iter_errors(ok)) == []
    bad = {
        "name": "t",
        "segments": {"s": {"accounts": 1, "acv": 1, "churn": {"rate": {"1": "150%"}}}},
    }
    assert list(v.iter_errors(bad))
    assert list(v.iter_errors({**ok, "fiscal_year_start": "Febr"}))
    assert not list(v.iter_errors({**ok, "fiscal_year_start": "February"}))


def test_a_schedule_is_frozen_data():
    s = Schedule(((1, 1.0), (13, 2.0)))
    with pytest.raises(AttributeError):
        s.extra = 1  # type: ignore[attr-defined]


def test_staffed_csms_of_a_staffing_plan_is_the_most_on_staff_in_any_month(tmp_path, run_cli):
    path = tmp_path / "plan.yaml"
    path.write_text(
        "name: t\nhorizon_months: 24\nsegments:\n"
        "  a: {accounts: 10, acv: 1000, accounts_per_csm: 5, csms: {1: 2, 7: 4, 13: 3}}\n"
        "  b: {accounts: 10, acv: 1000, accounts_per_csm: 5, csms: {1: 1, 13: 3}}\n"
        "checks:\n  - {metric: staffed_csms, max: 5}\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(["check", path, "--format", "json"])
    results = [r for f in json.loads(out)["files"] for r in f["results"] if r["kind"] == "check"]
    # months 1-6: 2 + 1; 7-12: 4 + 1; 13-24: 3 + 3 = 6, the most
    assert results[0]["value"] == 6.0 and code == 1, err


def test_the_headline_note_spells_a_scheduled_cost_to_serve(run_cli):
    from tests.conftest import SCENARIOS

    code, out, _ = run_cli(["project", SCENARIOS / "fy27-plan.yaml"], env={"COLUMNS": "200"})
    assert code == 0
    assert "after cost to serve (15% in Feb 2027, 14% from Feb 2028)" in " ".join(out.split())


def test_new_logo_figures_follow_schedules(make_scenario):
    """A logo signed in month 1 is valued at each month's assumptions (the price increase
    from month 13 raises its value), and CAC per logo is what the plan pays per logo
    signed: logos only from month 13, when CAC is $5,000, cost $5,000 each."""
    text = """
        name: t
        horizon_months: 24
        discount_rate: 10%
        economics: {cac_per_logo: {1: 0, 13: 5000}}
        segments:
          s:
            accounts: 10
            acv: 12000
            churn: {rate: 10%, every: year}
            price_increase: {rate: PRICE, every: year}
            new_logos: {per_month: {1: 0, 13: 20}}
    """
    raised = project(make_scenario(text.replace("PRICE", "{1: 0%, 13: 5%}")))
    flat = project(make_scenario(text.replace("PRICE", "0%")))
    assert raised.metrics["new_logo_value"] > flat.metrics["new_logo_value"]
    m = raised.metrics
    assert m["ltv_to_cac"] == pytest.approx(m["new_logo_value"] / 5000)
    assert m["acquisition_cost_avoided"] == pytest.approx(m["new_logos_to_match"] * 5000)
    assert m["cac_payback_months"] == pytest.approx(5000 / (1000 * (1 - 0.15)))
