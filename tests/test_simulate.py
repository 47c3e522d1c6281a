"""Ranges and Monte Carlo (DOMAIN 9, issue 13, first part): medians, draws, percentiles."""

from __future__ import annotations

import json

import numpy as np
import pytest

from csmodel.engine import project
from csmodel.ranges import Range
from csmodel.simulate import simulate
from tests.conftest import SCENARIOS, scenario_from

CHURN = """
name: t
horizon_months: 12
segments:
  s:
    accounts: 100
    acv: 12000
    churn: {rate: {low: 2%, high: 12%, dist: uniform}, every: year}
"""


def test_a_range_is_its_median_in_deterministic_commands():
    sc = scenario_from(CHURN)
    assert isinstance(sc.segments["s"].churn.rate, Range)
    assert float(sc.segments["s"].churn.rate) == pytest.approx(0.07)
    assert project(sc).metrics["grr"] == pytest.approx(0.93)


@pytest.mark.parametrize(
    ("dist", "low", "high", "median"),
    [
        ("uniform", 0.02, 0.12, 0.07),
        ("normal", 0.02, 0.12, 0.07),
        ("lognormal", 100.0, 400.0, 200.0),  # sqrt(low x high)
        ("logitnormal", 0.1, 0.5, 0.25),  # expit of the mean logit: sqrt(1/9 x 1) / (1 + ...)
        ("triangular", 0.0, 0.3, (0.3 * 0.3 / 2) ** 0.5),  # mode at the top: a + sqrt((b-a)(c-a)/2)
    ],
)
def test_medians_and_quantiles_of_each_dist(dist, low, high, median):
    mode = 0.3 if dist == "triangular" else None
    r = Range(low, high, dist, mode)
    assert float(r) == pytest.approx(median, rel=1e-12)
    if dist in ("normal", "lognormal", "logitnormal"):  # low and high are P5 and P95
        assert r.quantile(0.05) == pytest.approx(low, rel=1e-9)
        assert r.quantile(0.95) == pytest.approx(high, rel=1e-9)
    else:
        assert r.quantile(1e-12) == pytest.approx(low, abs=1e-5)
        assert r.quantile(1 - 1e-12) == pytest.approx(high, abs=1e-5)


def test_nrr_percentiles_of_a_uniform_churn_range_match_the_closed_form():
    """One segment, yearly churn uniform on [2%, 12%], nothing else: NRR over the first
    year is 1 - c, so its P_k is 1 - (2% + (1 - k) x 10%). A sample quantile of n draws
    has a standard error of sqrt(k(1 - k)/n) x 10%; allowed: 5 of them."""
    n = 20_000
    sim = simulate(scenario_from(CHURN), n, seed=11)
    bands = sim.bands(sim.metrics["nrr"])
    for k in (5, 10, 50, 90, 95):
        p = k / 100
        se = (p * (1 - p) / n) ** 0.5 * 0.10
        assert bands[f"p{k}"] == pytest.approx(1 - (0.02 + (1 - p) * 0.10), abs=5 * se)
    assert bands["mean"] == pytest.approx(0.93, abs=5 * 0.10 / (12 * n) ** 0.5)


def test_without_ranges_every_percentile_is_the_plan():
    from csmodel.loader import load_scenario

    sc = load_scenario(SCENARIOS / "fy27-plan.yaml")  # no ranges
    sim = simulate(sc, 20, seed=1)
    plan = project(sc).metrics
    for m, values in sim.metrics.items():
        if plan[m] is None:
            continue
        for v in sim.bands(values).values():
            assert v == pytest.approx(plan[m], rel=1e-12, abs=1e-9), m


def test_a_seed_gives_the_same_paths_whatever_the_chunk():
    sc = scenario_from(CHURN.replace("horizon_months: 12", "horizon_months: 24"))
    a, b = simulate(sc, 300, seed=5, chunk=7), simulate(sc, 300, seed=5, chunk=500)
    for m in a.metrics:
        assert np.array_equal(a.metrics[m], b.metrics[m], equal_nan=True), m
    c = simulate(sc, 300, seed=6)
    assert not np.array_equal(a.metrics["nrr"], c.metrics["nrr"])


def test_drivers_draw_together_or_opposite():
    sc = scenario_from(
        """
        name: t
        horizon_months: 12
        segments:
          s:
            accounts: 100
            acv: 12000
            churn: {rate: {low: 2%, high: 12%, driver: downturn}, every: year}
            contraction: {rate: {low: 1%, high: 3%, driver: downturn}}
            expansion: {rate: {low: 2%, high: 8%, driver: -downturn}}
            price_increase: {rate: {low: 1%, high: 5%}}
        """
    )
    sim = simulate(sc, 400, seed=2)
    ranks = {k: np.argsort(np.argsort(v)) for k, v in sim.inputs.items()}
    churn = ranks["segments.s.churn.rate"]
    assert np.array_equal(churn, ranks["segments.s.contraction.rate"])
    assert np.array_equal(churn, len(churn) - 1 - ranks["segments.s.expansion.rate"])
    other = np.corrcoef(churn, ranks["segments.s.price_increase.rate"])[0, 1]
    assert abs(other) < 0.2  # independent


def test_project_simulate_json_and_seed(run_cli, tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(CHURN, encoding="utf-8")
    code, out, err = run_cli(["project", path, "--simulate", "50", "--seed", "4", "-f", "json"])
    assert code == 0, err
    sim = json.loads(out)["simulation"]
    assert (sim["paths"], sim["seed"], sim["discrete"]) == (50, 4, False)
    assert set(sim["metrics"]["nrr"]) == {"mean", "p5", "p10", "p50", "p90", "p95"}
    assert set(sim["segments"]["s"]["metrics"]) == set(sim["metrics"])
    again = json.loads(
        run_cli(["project", path, "--simulate", "50", "--seed", "4", "-f", "json"])[1]
    )
    assert again["simulation"] == sim
    code, out, err = run_cli(["project", path, "--simulate", "10", "-f", "json"])
    seed = json.loads(out)["simulation"]["seed"]
    assert f"--seed {seed}" in err  # drawn, and printed so the run can be repeated
    assert "every range at its median" in json.loads(out)["conventions"]["ranges"]


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("{low: 12%, high: 2%}", "`low` (12%) is above `high` (2%)"),
        ("{low: 2%, high: 120%, dist: uniform}", "must be between 0% and 100%"),
        ("{low: 2%, high: 12%, dist: triangular, mode: 20%}", "`mode` (20%) is outside low..high"),
        ("{low: 2%, high: 12%, dist: unifrom}", "did you mean `uniform`"),
        ("{low: 0%, high: 12%}", "a logitnormal range lies strictly between 0% and 100%"),
    ],
)
def test_range_errors_are_located(run_cli, tmp_path, rate, message):
    path = tmp_path / "plan.yaml"
    path.write_text(CHURN.replace("{low: 2%, high: 12%, dist: uniform}", rate), encoding="utf-8")
    code, _, err = run_cli(["validate", path])
    assert code == 2 and message in err, err
    assert err.startswith(f"{path}:8:"), err
    assert "Traceback" not in err
