"""A batch of scenarios in one month loop equals each projected alone (issue 10, item 4)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import PAPER, SCENARIOS

from csmodel.engine import project, project_batch
from csmodel.loader import load_scenario
from tests.conftest import scenario_from

SHIPPED = sorted(SCENARIOS.glob("*.yaml")) + sorted(PAPER.glob("*.yaml"))
ARRAYS = (
    "mrr",
    "accounts",
    "new",
    "expansion",
    "price_increase",
    "contraction",
    "churn",
    "coverage",
    "fte_required",
    "csm_cost",
    "starting_book_mrr",
    "year_open_mrr",
    "year_close_mrr",
    "year_close_gross",
    "year_close_accounts",
)


def assert_same(a, b) -> None:
    for key in ARRAYS:
        np.testing.assert_allclose(getattr(a, key), getattr(b, key), rtol=1e-12, atol=1e-9)
    for key, value in a.metrics.items():
        if value is None:
            assert b.metrics[key] is None, key
        else:
            assert b.metrics[key] == pytest.approx(value, rel=1e-12, abs=1e-9), key


def test_a_batch_of_one_equals_project():
    for path in SHIPPED:
        sc = load_scenario(path)
        assert_same(project(sc), project_batch([sc])[0])


def test_every_shipped_scenario_in_one_batch():
    scenarios = [load_scenario(p) for p in SHIPPED]
    alone = [project(sc) for sc in scenarios]
    batched = project_batch(scenarios * 2)
    for a, b in zip(alone * 2, batched, strict=True):
        assert b.scenario is not None
        assert_same(a, b)


def generated(i: int) -> str:
    rng = np.random.default_rng(i)
    every = ["month", "quarter", "year"]
    segs = []
    for k in range(int(rng.integers(1, 4))):
        staffed = f"    csms: {rng.integers(0, 4)}\n" if rng.random() < 0.5 else ""
        segs.append(
            f"  s{k}:\n    accounts: {rng.integers(1, 200)}\n"
            f"    acv: {rng.integers(1, 90) * 1000}\n"
            f"    churn: {{rate: {rng.uniform(0, 0.3):.4f}, every: {rng.choice(every)}}}\n"
            f"    contraction: {{rate: {rng.uniform(0, 0.05):.4f}, every: {rng.choice(every)}}}\n"
            f"    expansion: {{rate: {rng.uniform(0, 0.2):.4f}, every: {rng.choice(every)}, "
            f"share: {rng.uniform(0.1, 1):.3f}}}\n"
            f"    price_increase: {{rate: {rng.uniform(0, 0.08):.4f}, "
            f"every: {rng.choice(every)}}}\n"
            f"    new_logos: {{per_month: {rng.integers(0, 3)}, onboarding_rate: 90%}}\n"
            f"    accounts_per_csm: {rng.integers(10, 80)}\n"
            f"    onboarding_hours: {rng.integers(0, 20)}\n{staffed}"
        )
    return (
        f"name: g{i}\nhorizon_months: {rng.choice([12, 24, 36])}\n"
        f"timing: {rng.choice(['end', 'start'])}\nrenewals: {rng.choice(['aligned', 'spread'])}\n"
        f"understaffing: {{churn_sensitivity: {rng.uniform(0, 3):.2f}}}\n"
        f"team: {{productivity: {rng.uniform(0.5, 0.9):.2f}, "
        f"cost_per_csm: {rng.integers(50, 200)}000}}\n"
        "segments:\n" + "".join(segs)
    )


def test_generated_scenarios_batched_equal_alone():
    scenarios = [scenario_from(generated(i)) for i in range(40)]
    for a, b in zip((project(sc) for sc in scenarios), project_batch(scenarios), strict=True):
        assert_same(a, b)
