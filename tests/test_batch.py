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


def test_compare_columns_equal_their_single_projections():
    from csmodel.compare import columns
    from csmodel.loader import load_document
    from csmodel.overrides import resolve

    path = SCENARIOS / "saas-company.yaml"
    cols = columns([path, PAPER / "04-midmarket-70.yaml"])
    doc = load_document(path)
    for c in cols:
        if c.file != str(path):
            continue
        assert_same(project(resolve(doc, c.variant)), c.projection)


def moved_schedule(result, row, node, keys, value):
    """A schedule's every value moved by the rule that moved its first to ``value``."""
    from csmodel.sensitivity import move

    sched = node[keys[-1]]
    low = value == row.low_input
    period = node.get("every")
    out = {}
    for k, v in sched.items():
        if k == "interpolate":
            out[k] = v
            continue
        m = move(tuple(keys), v, period, result.step, result.relative_step)
        out[k] = m.low if low else m.high
    return out


@pytest.mark.parametrize("path", SHIPPED[:6], ids=lambda p: p.name)
def test_sensitivity_points_equal_one_by_one_projections(path):
    """Each sensitivity point, batched and combined with the rest of the book, equals
    projecting the edited file as a whole (as the one-by-one implementation did)."""
    import copy

    from csmodel.schema import Scenario, plain
    from csmodel.sensitivity import sensitivity

    sc = load_scenario(path)
    for metric in ("gross_profit", "nrr", "coverage", "ending_arr"):
        result = sensitivity(sc, metric)
        for row in result.rows[:12]:
            keys = row.assumption.split(".")
            if keys[0] == "segments":  # segment names may hold dots: rebuild from the name
                name = next(n for n in sc.segments if row.assumption.startswith(f"segments.{n}."))
                keys = ["segments", name, *row.assumption[len(f"segments.{name}.") :].split(".")]
            for value, got in ((row.low_input, row.low), (row.high_input, row.high)):
                data = copy.deepcopy(plain(sc))
                node = data
                for k in keys[:-1]:
                    node = node[k]
                if isinstance(node[keys[-1]], dict) and "low" in node[keys[-1]]:
                    node[keys[-1]] = value  # a range: moved to its P5 or P95, a plain number
                elif isinstance(node[keys[-1]], dict):  # a schedule: every month moved alike
                    node[keys[-1]] = moved_schedule(result, row, node, keys, value)
                else:
                    node[keys[-1]] = int(value) if keys[-1] == "accounts" else value
                want = project(Scenario.model_validate(data)).metrics[metric]
                if want is None:
                    assert got is None
                else:
                    assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (row.assumption, value)


def test_the_retention_seam_takes_another_churn_model():
    """engine.run asks its RetentionModel for each month's churn: a model that never
    churns gives the projection of the same file with churn 0."""
    from csmodel.engine import Layout, params, run

    text = "name: r\nsegments:\n  s: {accounts: 50, acv: 12000, churn: {rate: 20%}}\n"
    sc = scenario_from(text)

    class NoChurn:
        def churn(self, m, churn_eff, due):
            return 0.0 * due

    out = run(params(sc), Layout.of(sc, False), retention=NoChurn())
    none = project(scenario_from(text.replace("20%", "0%")))
    np.testing.assert_allclose(out["mrr"], none.mrr, rtol=1e-12)
    default = run(params(sc), Layout.of(sc, False))
    np.testing.assert_allclose(default["mrr"], project(sc).mrr, rtol=1e-12)


def test_the_churn_sensitivity_sits_where_the_row_index_says():
    from csmodel.engine import ROW_CHURN_SENSITIVITY, params_from_rows, segment_row

    sc = scenario_from(
        "name: r\nunderstaffing: {churn_sensitivity: 2.5}\n"
        "segments:\n  s: {accounts: 7, acv: 1000}\n"
    )
    row = segment_row(sc, sc.segments["s"])
    assert row[ROW_CHURN_SENSITIVITY] == 2.5
    assert params_from_rows([row]).churn_sensitivity[0] == 2.5
